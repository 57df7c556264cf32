#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_pstask: tusk-ctrld's scheduled tests (ctrl/pstask*.c). A
# throughput task of 5 runs, 3 s apart, each tuskd's iperf3 client against
# the stock `iperf3 -s` in the peer, archived by the http archiver to a
# receiver written for the test (archive_receiver.py, which refuses the
# first POST so that the retry policy is used). tusk-ctrld is killed
# (SIGKILL) after the second run and started again: the schedule goes on.
# Then: the receiver holds 5 records of the right shape, one per run
# (pstask_check.py), the journal shows 5 runs finished and archived, and
# `tuskctl test plot` draws a PNG (checked: size, 1000x700) and an SVG.
# Bad tasks are refused with the key named; an rtt task runs through
# tuskd's `twamp` command against the STAMP reflector of test_twamp
# (twamp_peer.py) in the peer: all packets back, RTT recorded.
#
#   peer ns: iperf3 -s :5201 <-- tuskd (iperf3 client) <-- tusk-ctrld
#            archive_receiver.py 127.0.0.1:RECV_PORT <-- POST --'

. "$(dirname "$0")/http_lib.sh"
. "$(dirname "$0")/ctrld_lib.sh"

readonly RUNS=5 REPEAT=PT3S
# The rtt task: packets to the peer's reflector (twamp_peer.py), its port,
# and how long the reflector waits for a first or next packet.
readonly RTT_COUNT=5 RTT_PORT=8862 RTT_QUIET_S=30
readonly RECV_PORT=8099
# Bound on the whole schedule: 5 slots 3 s apart, a restart, slack.
readonly SCHEDULE_MAX_S=90
# The PNG tuskctl asks gnuplot for (tools/tuskctl_test.c PLOT_WIDTH/HEIGHT).
readonly PNG_W=1000 PNG_H=700

need_lab
need_ctrld
command -v iperf3 >/dev/null || fail "no iperf3 (tools/tusk-setup installs it)"
command -v gnuplot >/dev/null || prereq "no gnuplot (tools/tusk-setup installs gnuplot-nox)"
mkdir -p "$WORK/root" "$WORK/recv"
export TUSK_LAB_DATA=$WORK/root
lab_start a

ip netns exec "$TUSK_LAB_NS" iperf3 -s > "$WORK/iperf3.log" 2>&1 &
IPERF_PID=$!
ip netns exec "$TUSK_LAB_NS" python3 "$INTEG_DIR/archive_receiver.py" \
	"$RECV_PORT" "$WORK/recv" --fail 1 > "$WORK/recv.log" 2>&1 &
RECV_PID=$!
REFL_PID=
stop_helpers() {
	kill_if iperf3 "$IPERF_PID"
	kill_if archive_receiver.py "$RECV_PID"
	[ -z "$REFL_PID" ] || kill_if twamp_peer.py "$REFL_PID"
}
http_cleanup_add stop_helpers
ctrld_conf
ctrld_start

tst() { "$TUSKCTL" -s "$CTRLD_SOCK" --json test "$@"; }
field() { python3 -c 'import json, sys; print(eval(sys.argv[1], {}, {"t": json.load(sys.stdin)}))' "$1"; }

note "bad tasks are refused, naming what is wrong"
echo '{"test": {"type": "throughput", "spec": {"dest": "10.77.0.1", "durration": "PT1S"}}}' > "$WORK/bad.json"
tst submit "$WORK/bad.json" 2> "$WORK/bad.err" && fail "a misspelt key was taken"
grep -q 'unknown key "durration"' "$WORK/bad.err" || fail "bad key: $(cat "$WORK/bad.err")"
echo '{"test": {"type": "throughput", "spec": {"dest": "10.77.0.1"}}, "schedule": {"repeat": "PT1Y"}}' > "$WORK/bad.json"
tst submit "$WORK/bad.json" 2> "$WORK/bad.err" && fail "a year-long repeat was taken"
grep -q 'repeat: not an ISO 8601 duration' "$WORK/bad.err" || fail "bad repeat: $(cat "$WORK/bad.err")"

note "a throughput task: $RUNS runs, $REPEAT apart, archived"
cat > "$WORK/task.json" <<JSON
{"schema": 1,
 "test": {"type": "throughput",
          "spec": {"dest": "$PEER_ADDR", "duration": "PT2S", "parallel": 2}},
 "schedule": {"repeat": "$REPEAT", "max-runs": $RUNS, "slip": "PT1M"},
 "archives": [{"archiver": "http",
               "data": {"_url": "http://127.0.0.1:$RECV_PORT/archive",
                        "op": "post", "_headers": {"x-ps-observer": "tusk-test"},
                        "retry-policy": [{"attempts": 2, "wait": "PT0.5S"}]}}],
 "reference": {"by": "test_pstask"}}
JSON
id=$(tst submit "$WORK/task.json" | field 't["id"]') || fail "submit"
note "task $id"

# until the journal has N runs finished
wait_finished() {
	local n=$1 i got=0
	for (( i = 0; i < SCHEDULE_MAX_S * 5; i++ )); do
		got=$(tst show "$id" | field 'sum(r["state"] != "running" for r in t["results"])') || got=0
		[ "$got" -ge "$n" ] && return 0
		sleep 0.2
	done
	fail "task $id: $got runs finished, wanted $n"
}
wait_finished 2
note "2 runs done: tusk-ctrld killed and started again"
ctrld_kill9
sleep 1
ctrld_start
for (( i = 0; i < SCHEDULE_MAX_S * 5; i++ )); do
	[ "$(tst show "$id" | field 't["done"]')" = True ] && break
	sleep 0.2
done
tst show "$id" > "$WORK/show.json" || fail "test show"
python3 "$INTEG_DIR/pstask_check.py" "$WORK/recv" "$WORK/show.json" "$RUNS" ||
	{ cat "$WORK/recv/001.json" | head -c 3000; fail "archived records or journal wrong"; }
note "ok: $RUNS records archived, the journal agrees"
"$TUSKCTL" -s "$CTRLD_SOCK" test list | grep -q "max-runs reached" || fail "test list"

note "plot"
"$TUSKCTL" -s "$CTRLD_SOCK" test plot "$id" "$WORK/plot" > "$WORK/plot.out" ||
	fail "tuskctl test plot"
python3 - "$WORK/plot.png" "$PNG_W" "$PNG_H" <<'PY' || fail "the PNG"
import struct, sys
data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
    sys.exit("not a PNG")
w, h = struct.unpack(">II", data[16:24])
if (w, h) != (int(sys.argv[2]), int(sys.argv[3])) or len(data) < 5000:
    sys.exit("PNG %dx%d, %d bytes" % (w, h, len(data)))
PY
grep -q "<svg" "$WORK/plot.svg" || fail "no SVG"
grep -q "throughput" "$WORK/plot.svg" || fail "the SVG has no throughput panel"
note "ok: plot.png $(stat -c %s "$WORK/plot.png") bytes, plot.svg"

note "an rtt task: tuskd's twamp sender against a reflector in the peer"
# twamp_peer.py (test_twamp's independent STAMP reflector) on RTT_PORT,
# quitting after RTT_QUIET_S without a packet
rm -f "$WORK/refl.ready"
ip netns exec "$TUSK_LAB_NS" python3 "$INTEG_DIR/twamp_peer.py" reflect \
	"$RTT_PORT" "$RTT_QUIET_S" "$WORK/refl.ready" > "$WORK/refl.json" 2>&1 &
REFL_PID=$!
for (( i = 0; i < 100; i++ )); do
	[ -e "$WORK/refl.ready" ] && break
	sleep 0.1
done
[ -e "$WORK/refl.ready" ] || fail "the reflector did not start"
echo "{\"test\": {\"type\": \"rtt\", \"spec\": {\"dest\": \"$PEER_ADDR\", \"count\": $RTT_COUNT, \"interval\": \"PT0.1S\", \"port\": $RTT_PORT}}}" > "$WORK/rtt.json"
rid=$(tst submit "$WORK/rtt.json" | field 't["id"]') || fail "submit rtt"
for (( i = 0; i < 30 * 5; i++ )); do
	[ "$(tst show "$rid" | field 't["done"]')" = True ] && break
	sleep 0.2
done
tst show "$rid" > "$WORK/rtt.show.json"
python3 - "$WORK/rtt.show.json" "$RTT_COUNT" <<'PY' || fail "rtt run: $(cat "$WORK/rtt.show.json")"
import json, sys
t = json.load(open(sys.argv[1])); n = int(sys.argv[2])
run = t["results"][0]
r = run["result"]
assert run["state"] == "finished", run["state"]
assert r["succeeded"] is True, r
assert r["packets-sent"] == n and r["packets-received"] == n, r
assert r["packets-lost"] == 0 and r["loss"] == 0, r
# a veth and two user-space stacks: well under a second, above zero
assert 0 < r["rtt"]["mean"] < 1000, r["rtt"]
assert r["min"].startswith("PT") and r["max"].startswith("PT"), r
PY
kill_if twamp_peer.py "$REFL_PID"
note "ok: rtt run: $(field 't["results"][0]["result"]["packets-received"], t["results"][0]["result"]["rtt"]["mean"]' < "$WORK/rtt.show.json") ms"

note "pass"
