#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_iperf3_client: tuskd's iperf3 client (`tuskctl iperf3 host=...`,
# app/svc/iperf3_client*.c) against Debian's stock `iperf3 -s -J` (3.12)
# in the peer, every mode; each document tuskd prints is checked field
# by field (tests/integration/iperf3_client_check.py): its -J shape,
# against the stock server's own -J document (get_server_output), and
# against tuskd's own counters (`tuskctl iperf3`, within 10%).
#
#   tuskd 10.77.0.2 --veth-->  peer 10.77.0.1: iperf3 -s -J :5201
#
#   1. TCP: -P 1, -P 4, -R, --bidir, -C cubic with -w (window).
#   2. UDP: -b 100M both ways; then 2% loss in tuskd's impairment stage on
#      what tuskd sends: the loss iperf3's server counts matches the
#      stage's setting within 4 sigma and the frames the stage dropped.
#   3. Refusals: a busy server (a stock client's test runs) ends the
#      test with "busy"; a host nobody answers on: a clear error.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

readonly T=2
readonly LOSS=0.02 LOSS_PPM=20000
CHECK="$INTEG_DIR/iperf3_client_check.py"

need_lab
command -v iperf3 >/dev/null || fail "no iperf3 (tools/tusk-setup installs it)"
lab_start a
# the stock server, -J so that get_server_output brings its -J document
peer iperf3 -s -J --logfile "$WORK/server.log" &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null; on_exit' EXIT
for (( i = 0; i < 50; i++ )); do
	peer ss -ltn | grep -q ':5201 ' && break
	sleep 0.1
done

# run NAME ARGS...: tuskd's client into $WORK/NAME.json, tuskd's counters
# into $WORK/NAME.tuskd.json
run() {
	local name=$1
	shift
	"$TUSKCTL" -s "$LAB_STATE/tuskd.sock" iperf3 host="$PEER_ADDR" \
		server_output=1 "$@" > "$WORK/$name.json" ||
		fail "$name: tuskctl iperf3 failed: $(grep -m1 '"error"' "$WORK/$name.json")"
	ctl_json iperf3 > "$WORK/$name.tuskd.json" || fail "tuskctl iperf3"
}

# check NAME tcp|udp [iperf3_client_check options]
check() {
	local name=$1 proto=$2
	shift 2
	python3 "$CHECK" "$proto" "$WORK/$name.json" "$WORK/$name.tuskd.json" \
		"$@" || fail "$name: the document disagrees"
	note "ok: $name"
}

note "1: TCP"
run p1 time=$T;                         check p1 tcp
run p4 time=$T parallel=4;              check p4 tcp --parallel 4
run rev time=$T reverse=1;              check rev tcp --reverse
run bidir time=$T bidir=1;              check bidir tcp --bidir
run cubic time=$T cc=cubic window=4194304 parallel=2 omit=1
check cubic tcp --parallel 2
grep -q '"sender_tcp_congestion": "cubic"' "$WORK/cubic.json" ||
	fail "cc=cubic: tuskd did not send with cubic"

note "2: UDP"
# the server's socket buffer: window (iperf3's -w) sets it, as a stock
# client's would; a loaded machine schedules the server late otherwise
run udp time=$T udp=1 bandwidth=100000000 len=1400 window=4194304
check udp udp --rate 100e6 --no-loss
run udpr time=$T udp=1 bandwidth=50000000 len=1400 reverse=1 window=4194304
check udpr udp --rate 50e6 --reverse --no-loss

# stage DIR FIELD: the stage's counter FIELD in direction DIR so far
stage() {
	ctl_json impair lab0 | python3 -c '
import json, sys
r = json.load(sys.stdin)["result"]
print(((r.get(sys.argv[1]) or {}).get("stats") or {}).get(sys.argv[2], 0))' "$1" "$2"
}
ctl_json impair lab0 dir=both clear=1 > /dev/null
ctl_json impair lab0 dir=tx loss_ppm=$LOSS_PPM > /dev/null || fail "tuskctl impair"
run lossy time=3 udp=1 bandwidth=100000000 len=1400 window=4194304
saw=$(stage tx in)
dropped=$(stage tx lost)
ctl_json impair lab0 dir=both clear=1 > /dev/null
note "lossy: the stage saw $saw frames and dropped $dropped"
check lossy udp --rate 98e6 --loss $LOSS --stage-in "$saw" --stage-lost "$dropped"

note "3: refusals"
peer timeout 20 iperf3 -c 10.77.0.1 -t 4 > /dev/null 2>&1 &
busy=$!
sleep 1
if "$TUSKCTL" -s "$LAB_STATE/tuskd.sock" iperf3 host="$PEER_ADDR" time=1 \
	> "$WORK/busy.json" 2> "$WORK/busy.err"; then
	fail "a test against a busy server succeeded"
fi
wait "$busy" || true
grep -q busy "$WORK/busy.err" || fail "busy: $(cat "$WORK/busy.err")"
if "$TUSKCTL" -s "$LAB_STATE/tuskd.sock" iperf3 host="$PEER_ADDR" port=5999 \
	time=1 > "$WORK/refused.json" 2> "$WORK/refused.err"; then
	fail "a test against a closed port succeeded"
fi
grep -q "control connection" "$WORK/refused.err" ||
	fail "closed port: $(cat "$WORK/refused.err")"
run after time=1; check after tcp

note "pass"
