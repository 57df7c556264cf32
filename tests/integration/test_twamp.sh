#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_twamp: tuskd's TWAMP (app/svc/twamp*.c) against an independent
# TWAMP/STAMP implementation written in the tests from the RFCs' layouts
# (tests/integration/twamp_peer.py, Python sockets in the peer).
#
#   peer 10.77.0.1                          tuskd 10.77.0.2
#   twamp_peer.py send   --UDP 862-->       reflector
#   twamp_peer.py reflect <--UDP--          tuskctl twamp (session-sender)
#   twamp_peer.py control --TCP 862-->      TWAMP-Control, session port
#
#   1. Python sender -> tuskd's reflector: every field of every reflection
#      (lengths 14, 44, 1000), TOS and TTL, the reflector's own sequence.
#   2. tuskctl twamp -> Python reflector: every packet tuskd sent (sequence,
#      timestamp, error estimate, TTL, DSCP, padding), and tuskd's result
#      (counts, RTT, one-way delays against the reflector's own times).
#   3. Python TWAMP-Control client -> tuskd: greeting, set-up, a session
#      on another port (the one asked for is taken), nothing reflected
#      before Start, 20 test packets, Stop, nothing after the timeout.
#   4. Malformed: short test packets, a wrong mode, unknown commands, a
#      third control client from one address while two idle ones hold
#      its share (TWAMP_CTRL_PER_SOURCE_MAX); the counters say so and
#      tuskd still serves.
#   5. Impairment stage, tuskd's tx delayed 50 ms (the stage delays the
#      frames tuskd sends): Python sender sees RTT and backward delay of
#      50 ms +- 1 ms, forward under 1 ms; tuskd's sender sees RTT and
#      forward delay of 50 ms +- 1 ms, backward under 1 ms.
#   6. Loss 10% on tuskd's tx: tuskctl twamp's lost equals the frames the
#      stage dropped, within 4 sigma of 10% of 1000.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

readonly PORT=862
readonly DELAY_MS=50
# What issue 14 asks: 50 ms set -> 50 ms +- 1 ms measured
readonly DELAY_TOL_MS=1
# Measurements of the delay whose minima may all be inflated by a busy
# machine before the test fails.
readonly DELAY_TRIES=3
readonly LOSS_PPM=100000 LOSS_N=1000
# Where the Python reflector listens in the peer.
readonly PEER_REFL_PORT=8862

need_lab
lab_start a
PEERPY=$INTEG_DIR/twamp_peer.py

# json FILE EXPR: a Python expression over the JSON in FILE (as r)
json() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# reflector SECONDS OUT: the Python reflector in the background ($REFL),
# bound before this returns
reflector() {
	rm -f "$WORK/ready"
	peer nice -n -10 python3 "$PEERPY" reflect $PEER_REFL_PORT "$1" "$WORK/ready" > "$2" &
	REFL=$!
	for (( i = 0; i < 100; i++ )); do
		[ -e "$WORK/ready" ] && return 0
		sleep 0.1
	done
	fail "the Python reflector did not start"
}

tw_stat() {
	ctl_json twamp_stats > "$WORK/stats.json" || fail "tuskctl twamp_stats"
	json "$WORK/stats.json" "sum(x['$1'] for x in r['result'])"
}

note "1: Python sender -> tuskd's reflector"
for size in 14 44 1000; do
	peer python3 "$PEERPY" send "$TUSKD_ADDR" $PORT 50 5 $size \
		> "$WORK/send$size.json" || fail "size $size: a reflection was wrong"
	[ "$(json "$WORK/send$size.json" "r['received']")" = 50 ] ||
		fail "size $size: $(json "$WORK/send$size.json" "r['received']") of 50 came back"
	note "ok: $size-byte packets, 50 reflections checked field by field"
done
[ "$(tw_stat reflected)" -ge 150 ] || fail "reflected counter below 150"

note "2: tuskctl twamp -> Python reflector"
reflector 3 "$WORK/refl.json"
ctl_json twamp host=$PEER_ADDR port=$PEER_REFL_PORT count=30 interval=20ms \
	size=60 dscp=10 > "$WORK/tx.json" || fail "tuskctl twamp: $(cat "$WORK/tx.json")"
wait $REFL || fail "the Python reflector failed"
python3 "$INTEG_DIR/twamp_check.py" sender "$WORK/tx.json" "$WORK/refl.json" 30 60 10 ||
	fail "tuskd's sender packets or result disagree with the reflector"
note "ok: 30 packets from tuskd checked, its result matches"

note "3: TWAMP-Control session"
peer python3 "$PEERPY" control "$TUSKD_ADDR" $PORT 20 > "$WORK/ctrl.json" ||
	fail "TWAMP-Control session"
[ "$(tw_stat sessions)" -ge 1 ] || fail "no session counted"
[ "$(tw_stat session_stray)" -ge 1 ] || fail "the packet before Start-Sessions not counted"
assert_eq "$(tw_stat sessions_open)" 0 "sessions open after Stop-Sessions + timeout"
note "ok: session on port $(json "$WORK/ctrl.json" "r['session_port']")"

note "4: malformed input"
short0=$(tw_stat short_pkts)
peer python3 "$PEERPY" malformed "$TUSKD_ADDR" $PORT > /dev/null || fail "malformed input"
assert_eq "$(tw_stat short_pkts)" $((short0 + 14)) "short packets counted"
[ "$(tw_stat ctrl_malformed)" -ge 3 ] || fail "malformed control messages not counted"
[ "$(tw_stat ctrl_refused_source)" -ge 1 ] ||
	fail "the third control connection from one address not counted"
peer python3 "$PEERPY" send "$TUSKD_ADDR" $PORT 5 5 44 > /dev/null ||
	fail "the reflector does not answer after malformed input"
note "ok: dropped and counted, still reflecting"

# Delay is measured to a millisecond: the lab's tuskd and the peer's
# Python get the CPU first (nice -10), as a measuring host gives its
# poller a core of its own. On a shared two-core machine a polling lcore
# at the default weight waits for tens of ms behind other pollers, and
# the stage then releases frames as late (measured: 7 tuskd at once).
for task in /proc/"$(cat "$LAB_STATE/tuskd.pid")"/task/*; do
	renice -n -10 -p "${task##*/}" > /dev/null || fail "renice tuskd"
done
note "5: ${DELAY_MS} ms on tuskd's tx (the impairment stage)"
ctl_json impair lab0 dir=tx delay_ms=$DELAY_MS > /dev/null || fail "tuskctl impair"
# delay_attempt OUT CHECK CMD...: one measurement, then its check: 0 ok,
# 1 failed (a delay below the stage's, a packet lost), 2 inflated
delay_attempt() {
	local out=$1 check=$2 rc=0
	shift 2
	"$@" > "$out" || fail "$check: the measurement failed: $(cat "$out")"
	[ -z "${REFL:-}" ] || wait "$REFL" || true
	REFL=
	python3 "$INTEG_DIR/twamp_check.py" "$check" "$out" $DELAY_MS $DELAY_TOL_MS || rc=$?
	[ $rc -ne 1 ] || fail "$check: the delay is not what the stage was set to"
	return $rc
}
# A minimum can only come out too high (the lcore not running when a frame
# was due), never too low: up to DELAY_TRIES measurements, each checked
# for a delay below the stage's; one must be within the tolerance.
for try in $(seq 1 $DELAY_TRIES); do
	delay_attempt "$WORK/dsend.json" delay-peer \
		peer nice -n -10 python3 "$PEERPY" send "$TUSKD_ADDR" $PORT 200 5 44 && break
	[ "$try" -lt $DELAY_TRIES ] || fail "Python sender: every minimum inflated"
done
for try in $(seq 1 $DELAY_TRIES); do
	reflector 3 "$WORK/drefl.json"
	delay_attempt "$WORK/dtx.json" delay-tuskd ctl_json twamp host=$PEER_ADDR \
		port=$PEER_REFL_PORT count=200 interval=5ms && break
	[ "$try" -lt $DELAY_TRIES ] || fail "tuskd's sender: every minimum inflated"
done
ctl_json impair lab0 dir=both clear=1 > /dev/null

note "6: ${LOSS_PPM} ppm loss on tuskd's tx"
ctl_json impair lab0 dir=tx loss_ppm=$LOSS_PPM > /dev/null || fail "tuskctl impair"
ctl_json impair lab0 > "$WORK/stage0.json"
reflector 4 /dev/null
ctl_json twamp host=$PEER_ADDR port=$PEER_REFL_PORT count=$LOSS_N interval=2ms \
	> "$WORK/ltx.json" || fail "tuskctl twamp: $(cat "$WORK/ltx.json")"
ctl_json impair lab0 > "$WORK/stage1.json"
wait $REFL || true
ctl_json impair lab0 dir=both clear=1 > /dev/null
python3 "$INTEG_DIR/twamp_check.py" loss "$WORK/ltx.json" "$WORK/stage0.json" \
	"$WORK/stage1.json" $LOSS_PPM $LOSS_N || fail "loss disagrees with the stage"

note "pass"
