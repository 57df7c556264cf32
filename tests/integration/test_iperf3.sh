#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_iperf3: Debian's stock iperf3 (3.12) in the peer against tuskd's
# iperf3 server (app/svc/iperf3.h), every mode pScheduler uses, each
# client's -J output checked field by field against what tuskd counted
# (tests/integration/iperf3_check.py), and the protocol spoken badly on
# purpose (iperf3_raw.py).
#
#   peer 10.77.0.1: iperf3 -c 10.77.0.2 ...  --veth-->  tuskd :5201 TCP+UDP
#
#   1. TCP: plain, -P 4, -P 8 -R, --bidir, -l 64K -C reno (tuskd runs
#      newreno and says so), -C cubic -R, -R -P 2 -b 100M (each of tuskd's
#      streams at 100 Mbit/s), -C bbr -R --get-server-output -Z (snd_cwnd
#      and rtt of tuskd's sender streams), and pScheduler's exact
#      invocation (-t 10 --json -P 2 -O 1 -Z -R).
#   2. Busy: a second client during a test gets ACCESS_DENIED ("the server
#      is busy"); the first finishes intact.
#   3. Bad clients: a malformed parameter block, a 1 MiB one, a bad cookie,
#      a data stream with another test's cookie (only that connection is
#      refused), an abandoned test (freed after iperf3_timeout_s); a normal
#      test runs right after. A control connection that sends nothing
#      holds the slot no longer than 1 s against a client from another
#      address: that client's test runs (taken_over counted) and the
#      silent connection is closed.
#   4. UDP: -u -b -l both ways, --udp-counters-64bit both ways; then 2%
#      loss in tuskd's impairment stage, each way: the stage drops 2%
#      within 4 sigma and iperf3 reports the datagrams the stage dropped.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# A short timeout so the abandoned test is freed in seconds (default 40).
readonly TIMEOUT_S=5
# Most runs are short: every check is per byte, not per second.
readonly T=2
# Impairment: 2% loss, in parts per million for tuskctl impair.
readonly LOSS=0.02 LOSS_PPM=20000
# How long any client may take beyond its -t.
readonly CLIENT_SLACK_S=30

need_lab
command -v iperf3 >/dev/null || fail "no iperf3 (tools/tusk-setup installs it)"
export TUSK_LAB_TUSKD_ARGS="--set tuskd.iperf3_timeout_s=$TIMEOUT_S"
lab_start a
CHECK="$INTEG_DIR/iperf3_check.py"
RAW="$INTEG_DIR/iperf3_raw.py"

counter() {
	ctl_json iperf3 | python3 -c \
		'import json,sys; print(json.load(sys.stdin)["result"][sys.argv[1]])' "$1"
}

# tuskd's view of the test once it is over, into $WORK/NAME.tuskd.json:
# the client exits as it sends IPERF_DONE, which tuskd reads a moment later
tuskd_view() {
	for (( i = 0; i < STATS_SETTLE_S * 10; i++ )); do
		[ "$(counter state)" = idle ] && break
		sleep 0.1
	done
	ctl_json iperf3 > "$WORK/$1.tuskd.json" || fail "tuskctl iperf3"
}

# client NAME SECONDS ARGS...: iperf3 -J in the peer into $WORK/NAME.json,
# then tuskd_view NAME
client() {
	local name=$1 secs=$2
	shift 2
	peer timeout $((secs + CLIENT_SLACK_S)) iperf3 -c "$TUSKD_ADDR" \
		-t "$secs" -J "$@" > "$WORK/$name.json" || true
	tuskd_view "$name"
}

# check NAME tcp|udp [iperf3_check options]
check() {
	local name=$1 proto=$2
	shift 2
	python3 "$CHECK" "$proto" "$WORK/$name.json" "$WORK/$name.tuskd.json" \
		"$@" || fail "$name: the client's JSON disagrees with tuskd"
	note "ok: $name"
}

note "1: TCP modes"
client plain $T;                 check plain tcp
client p4 $T -P 4;               check p4 tcp
client p8r $T -P 8 -R;           check p8r tcp
client bidir $T --bidir;         check bidir tcp
client reno $T -l 64K -C reno;   check reno tcp --cc newreno
client cubic $T -C cubic -R;     check cubic tcp --cc cubic
client rate $T -R -P 2 -b 100M;  check rate tcp --rate 100e6
client bbr $T -C bbr -R --get-server-output -Z
check bbr tcp --cc bbr --server-output
# -w 256K: tuskd listens again for the test's streams with their receive
# window capped at 256 KiB (iperf3's server sets SO_RCVBUF): seen in
# `tuskctl conns` mid-test on the data streams; a test without -w after it
# gets the default (a window far above 256 KiB)
# win_seen NAME: the largest rcv_wnd of port-5201 streams that received
# over 1 MB, mid-test (ESTABLISHED: an earlier test's streams linger in
# TIME-WAIT with their own windows)
win_seen() {
	sleep 1.5
	ctl_json conns | python3 -c '
import json, sys
c = json.load(sys.stdin)["result"]["conns"]
w = [x["rcv_wnd"] for x in c if x["lport"] == 5201 and x["bytes_received"] > 1 << 20
     and x["state"] == "ESTABLISHED"]
print(max(w) if w else 0)' > "$WORK/$1.win"
}
win_seen win & 
client win 3 -w 256K;            check win tcp
wait
win=$(cat "$WORK/win.win")
note "win: tuskd's largest stream window mid-test $win"
[ "$win" -gt 0 ] && [ "$win" -le $(( 256 * 1024 )) ] ||
	fail "-w 256K: tuskd's stream window $win"
win_seen nowin &
client nowin 3;                  check nowin tcp
wait
[ "$(cat "$WORK/nowin.win")" -gt $(( 256 * 1024 )) ] ||
	fail "after -w: tuskd's window stayed small ($(cat "$WORK/nowin.win"))"
# -M 1000: tuskd's streams have their MSS capped at 1000 both ways
# (iperf3's server sets TCP_MAXSEG): tuskd's send MSS of the -R streams
# mid-test is at most 1000 (less the timestamp option), the default after
mss_seen() {
	sleep 1.5
	ctl_json conns | python3 -c '
import json, sys
c = json.load(sys.stdin)["result"]["conns"]
m = [x["mss"] for x in c if x["lport"] == 5201 and x["bytes_sent"] > 1 << 20
     and x["state"] == "ESTABLISHED"]
print(max(m) if m else 0)' > "$WORK/$1.mss"
}
mss_seen mss &
client mss 3 -M 1000 -R;         check mss tcp
wait
mss=$(cat "$WORK/mss.mss")
note "mss: tuskd's largest stream MSS mid-test with -M 1000: $mss"
[ "$mss" -gt 0 ] && [ "$mss" -le 1000 ] || fail "-M 1000: tuskd's stream MSS $mss"
mss_seen nomss &
client nomss 3 -R;               check nomss tcp
wait
[ "$(cat "$WORK/nomss.mss")" -gt 1000 ] ||
	fail "after -M: tuskd's MSS stayed small ($(cat "$WORK/nomss.mss"))"
# pScheduler's tool-iperf3 runs exactly this (app/svc/iperf3.md)
peer timeout $((10 + CLIENT_SLACK_S)) iperf3 -p 5201 -c "$TUSKD_ADDR" -t 10 \
	--json -P 2 -O 1 -Z -R > "$WORK/psched.json" || true
tuskd_view psched
check psched tcp

note "2: a second client while a test runs"
denied=$(counter denied)
peer iperf3 -c "$TUSKD_ADDR" -t 4 -J > "$WORK/first.json" &
first=$!
sleep 1.5
peer iperf3 -c "$TUSKD_ADDR" -t 1 -J > "$WORK/second.json" || true
wait "$first" || fail "the first client failed while the second was refused"
grep -q '"error":.*busy' "$WORK/second.json" ||
	fail "second client: no 'busy' error: $(grep error "$WORK/second.json")"
assert_eq "$(counter denied)" $((denied + 1)) "ACCESS_DENIED counted"
tuskd_view first
check first tcp

note "3: malformed, refused and abandoned clients"
malformed=$(counter malformed)
timeouts=$(counter timeouts)
for c in malformed oversize bad-cookie cookie-mismatch; do
	peer python3 "$RAW" "$TUSKD_ADDR" 5201 "$c" || fail "case $c"
	note "ok: $c"
done
assert_eq "$(counter malformed)" $((malformed + 3)) "malformed counted"
peer python3 "$RAW" "$TUSKD_ADDR" 5201 abandon "$TIMEOUT_S" || fail abandon
assert_eq "$(counter timeouts)" $((timeouts + 1)) "abandoned test counted"
assert_eq "$(counter state)" idle "state after the abandoned test"
client after $T; check after tcp
# a client from another address than the silent one (10.77.0.1)
readonly OTHER_ADDR=10.77.0.60
peer ip addr add "$OTHER_ADDR/24" dev eth0
taken=$(counter taken_over)
peer python3 "$RAW" "$TUSKD_ADDR" 5201 silent 20 > "$WORK/silent.log" 2>&1 &
silent=$!
sleep 1.5
client taken $T -B "$OTHER_ADDR"
check taken tcp
wait "$silent" || fail "silent connection: $(cat "$WORK/silent.log")"
note "silent control connection: $(cat "$WORK/silent.log")"
assert_eq "$(counter taken_over)" $((taken + 1)) "the stalled set-up taken over"

note "4: UDP"
client udp $T -u -b 200M -l 1400;         check udp udp --rate 200e6 --no-loss
# the client's default socket buffer overflows when a loaded machine
# schedules it late: -w 4M (tuskd's sender paces at the rate asked for)
client udpr $T -u -b 100M -l 1400 -R -w 4M; check udpr udp --rate 100e6
client udp64 $T -u -b 50M --udp-counters-64bit; check udp64 udp --rate 50e6
client udp64r $T -u -b 50M -R --udp-counters-64bit -w 4M
check udp64r udp --rate 50e6

# stage DIR FIELD: the stage's counter FIELD in direction DIR so far
stage() {
	ctl_json impair lab0 | python3 -c '
import json, sys
r = json.load(sys.stdin)["result"]
print(((r.get(sys.argv[1]) or {}).get("stats") or {}).get(sys.argv[2], 0))' "$1" "$2"
}

# lossy NAME DIR SECONDS ARGS...: a UDP test through a fresh stage that
# drops 2% of the frames in direction DIR; the stage's own counts of
# frames in and dropped are the reference. iperf3 says hello once and
# never again (esnet/iperf iperf_udp_connect): if the stage drops the
# hello or its reply (2% each) the client fails, as it would on any lossy
# path; then the test is run once more.
lossy() {
	local name=$1 dir=$2 secs=$3 try saw dropped
	shift 3
	for try in 1 2; do
		ctl_json impair lab0 dir=both clear=1 > /dev/null
		ctl_json impair lab0 dir="$dir" loss_ppm=$LOSS_PPM > /dev/null ||
			fail "tuskctl impair"
		peer timeout $((secs + CLIENT_SLACK_S)) iperf3 -c "$TUSKD_ADDR" \
			-t "$secs" -J "$@" > "$WORK/$name.json" || true
		saw=$(stage "$dir" in)
		dropped=$(stage "$dir" lost)
		ctl_json impair lab0 dir=both clear=1 > /dev/null
		grep -q '"error":.*stream socket' "$WORK/$name.json" || break
		note "$name: the stage dropped a UDP hello or its reply; again"
		# tuskd frees the test after iperf3_timeout_s
		sleep $((TIMEOUT_S + 1))
	done
	tuskd_view "$name"
	note "$name: the stage saw $saw frames and dropped $dropped"
	# the stage also drops a control segment now and then (retransmitted),
	# and a datagram lost after the last one received is no gap to iperf3
	check "$name" udp --loss $LOSS --stage-in "$saw" \
		--stage-lost "$dropped" --stage-slack 5
}

# tuskd's rx: the client's datagrams to tuskd; tuskd's tx: tuskd's to it
lossy lossy rx 3 -u -b 100M -l 1400
lossy lossyr tx 3 -u -b 50M -l 1400 -R -w 4M

note "pass"
