#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_lab_cleanup: the lab leaves nothing behind, however it ends.
#
#   0. run, the README's command (1), succeeding: pings, the two transfers,
#      then the pilot: tusk-ctrld's session FINISHED, pilot-check passes
#      on the kept outputs, tusk-ctrld gone with the lab
#   a. up, then down                         (and down again: idempotent)
#   b. up fails half-way (tuskd rejects its config)
#   c. run, with tuskd killed mid-run        (the pings fail)
#   d. run, with the run itself terminated   (SIGTERM, as ^C would)
#
# After each: no netns, no veth, no tuskd or tusk-ctrld process, no state
# dir, no DPDK runtime dir. c and d are killed before the pilot.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# How long to wait for a background `tusk-lab run` to reach a state.
readonly WAIT_S=60

need_lab
need_cmd pgrep
# The pilot's job image (tools/tusk-image build) and bubblewrap.
readonly IMAGE=${TUSK_IMAGE:-/var/lib/tusk/images/analysis}
command -v bwrap > /dev/null || { [ "${CI:-}" = true ] && fail "no bubblewrap (CI=true: a failure)"; skip "no bubblewrap"; }
[ -d "$IMAGE" ] || { [ "${CI:-}" = true ] && fail "no job image at $IMAGE (CI=true: a failure)"; skip "no job image at $IMAGE (tools/tusk-image build)"; }
# The pilot's outputs are kept under the test's work dir.
export TUSK_LAB_KEEP=$WORK

# assert_clean PID: nothing of the current lab is left.
assert_clean() {
	local pid=${1:-}
	[ ! -e "/run/netns/$TUSK_LAB_NS" ] || fail "netns $TUSK_LAB_NS left behind"
	! ip link show dev "$TUSK_LAB_IF" >/dev/null 2>&1 || fail "veth $TUSK_LAB_IF left behind"
	[ ! -e "$LAB_STATE" ] || fail "state dir $LAB_STATE left behind"
	[ ! -e "/var/run/dpdk/tusk-lab-$TUSK_LAB_NS" ] || fail "DPDK runtime dir left behind"
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		fail "tuskd pid $pid still running"
	fi
	if pgrep -f -- "$LAB_STATE/tuskd.conf" >/dev/null; then
		fail "a tuskd of $LAB_STATE still runs"
	fi
	if pgrep -f -- "$LAB_STATE/ctrld/ctrld.conf" >/dev/null; then
		fail "a tusk-ctrld of $LAB_STATE still runs"
	fi
	note "ok: lab $TUSK_LAB_NS left nothing behind"
}

# Wait until the log $1 of a background `tusk-lab run` says the lab is up
# (tuskd answers), so that what follows hits the run's middle, the pings.
wait_up() {
	local i
	for (( i = 0; i < WAIT_S * 10; i++ )); do
		grep -q ": up: peer" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "timed out waiting for the lab to come up: $(cat "$1")"
}

note "0: run"
lab_names r
LAB_TAGS+=(r)
"$LAB" run > "$WORK/r.log" 2>&1 || fail "run failed: $(cat "$WORK/r.log")"
[ "$(grep -c ' 5 received, 0% packet loss' "$WORK/r.log")" = 2 ] ||
	fail "run: want two pings of 5/5: $(grep received "$WORK/r.log")"
grep -q "run: ok" "$WORK/r.log" || fail "run did not say ok"
pid=$(sed -n 's/.*tuskd pid \([0-9]*\) up.*/\1/p' "$WORK/r.log")
[ -n "$pid" ] || fail "run did not report tuskd's pid"
grep -q "session 1: FINISHED" "$WORK/r.log" || fail "run: pilot session not FINISHED"
grep -q "pilot-check: statistics match numpy" "$WORK/r.log" ||
	fail "run: pilot-check did not pass: $(grep pilot-check "$WORK/r.log")"
grep -q "wall time: total" "$WORK/r.log" || fail "run: no session wall time"
keep=$(sed -n 's/.*outputs kept in \(.*\):$/\1/p' "$WORK/r.log")
for f in pilot.png pilot.ipynb; do
	[ -s "$keep/analysis/$f" ] || fail "run: no $f in '$keep/analysis'"
done
/usr/bin/python3 "$REPO/tools/lab/pilot-check" "$keep/store/pilot" "$keep/analysis" ||
	fail "pilot-check on the kept outputs"
ctrld=$(sed -n 's/.*tusk-ctrld pid \([0-9]*\) up.*/\1/p' "$WORK/r.log")
[ -n "$ctrld" ] || fail "run did not report tusk-ctrld's pid"
! kill -0 "$ctrld" 2>/dev/null || fail "tusk-ctrld pid $ctrld still running"
assert_clean "$pid"

note "a: up, down, down"
lab_start a
pid=$(cat "$LAB_STATE/tuskd.pid")
kill -0 "$pid" || fail "tuskd pid $pid not running after up"
"$LAB" down
assert_clean "$pid"
"$LAB" down || fail "second down failed"

note "b: up with a tuskd that rejects its config"
lab_names b
LAB_TAGS+=(b)
rc=0
TUSK_LAB_TUSKD_ARGS="--set tuskd.lcores=0" "$LAB" up > "$WORK/b.log" 2>&1 || rc=$?
[ $rc != 0 ] || fail "up succeeded with a bad config"
grep -q "lcores" "$WORK/b.log" || fail "up did not show tuskd's error: $(cat "$WORK/b.log")"
assert_clean

note "c: run with tuskd killed mid-run"
lab_names c
LAB_TAGS+=(c)
"$LAB" run > "$WORK/c.log" 2>&1 &
run_pid=$!
wait_up "$WORK/c.log"
pid=$(cat "$LAB_STATE/tuskd.pid")
kill -KILL "$pid"
rc=0
wait "$run_pid" || rc=$?
[ $rc != 0 ] || fail "run succeeded although tuskd was killed"
grep -q "run: FAILED" "$WORK/c.log" || fail "run did not report the failure: $(tail -5 "$WORK/c.log")"
assert_clean "$pid"

note "d: run terminated mid-run"
lab_names d
LAB_TAGS+=(d)
"$LAB" run > "$WORK/d.log" 2>&1 &
run_pid=$!
wait_up "$WORK/d.log"
pid=$(cat "$LAB_STATE/tuskd.pid")
kill -TERM "$run_pid"
rc=0
wait "$run_pid" || rc=$?
[ $rc = 130 ] || fail "terminated run exited $rc, want 130: $(tail -5 "$WORK/d.log")"
assert_clean "$pid"

note "pass"
