#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_crash_restart: tuskd killed like a power cut (SIGKILL) at many
# points of a PUT, of a fetch and of a resume-record save, and started
# again each time: the data root collects no debris and loses nothing.
#
#   +-- tuskd 10.77.0.2 ------------+        +-- peer 10.77.0.1 ----------+
#   |  HTTP endpoint :80  <---------|========|-- curl -T (the PUTs)       |
#   |  fetch client  ---------------|========|-> range_server.py :8000    |
#   |  data root $WORK/root         |  veth  |                            |
#   +-------------------------------+        +----------------------------+
#      crash_watch.py (host, inotify on the root) sends the SIGKILL at a
#      file event; byte points of the fetch are watched with tuskctl.
#
#   1. PUT of 96 MiB replacing d/put.bin, killed at 11 points: the
#      temporary's creation, 5/15/30/45/60/75/90/100% of the bytes on
#      file, the rename that commits it; then a PUT of a new name killed
#      half-way.
#   2. Fetch of 128 MiB with 4 range streams, killed at 13 points: the part
#      file's creation, the first record save, 15/35/55/75/90/100% of the
#      bytes (at least 5% past what is on disk), two later record saves,
#      the read-back check of resumed blocks, the rename that commits it;
#      every kill is followed by a fetch of the same URL and dest. While
#      one of them resumes, a PUT into the same directory runs and must
#      land intact (the fetch's sweep of its record's temporaries leaves
#      a live upload alone).
# After every restart:
#   - no debris under the root (debris.py: no .NAME.tusk-tmp.*, no part
#     without its record, no record without its part), and each debris
#     file present at the kill is named in the new tuskd's log
#     ("sweep: removed ...");
#   - nothing partial under a final name: d/put.bin is the old file before
#     the commit and the new one after it, a new name is absent, big.bin
#     is absent until it is complete;
#   - every file completed so far has its SHA-256;
#   - a fetch killed with its record on disk is listed as paused, and the
#     next fetch of it logged "resuming" (never "starting over"); the last
#     one ends with the source's SHA-256.
# The PUTs and the fetch are paced (tuskd's rx impairment stage) so that
# a transfer lasts seconds and the byte points are a few MiB apart.
# CRASH_ONLY=put or =fetch runs one half (while developing).

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

readonly PUT_MIB=96
readonly PUT_SIZE=$(( PUT_MIB << 20 ))
readonly FETCH_MIB=128
readonly FETCH_SIZE=$(( FETCH_MIB << 20 ))
readonly RANGE_PORT=8000
# Bound on one fetch (128 MiB paced takes ~6 s).
readonly FETCH_MAX_S=120
# rx pace through tuskd's impairment stage: a PUT of 96 MiB in ~2 s (the
# watcher sees every write), a fetch of 128 MiB in ~6 s (tuskctl is asked
# for its bytes every ~0.2 s: a few MiB apart).
readonly PUT_PACE_MBPS=400
readonly FETCH_PACE_MBPS=200
PACE_MBPS=$PUT_PACE_MBPS
# Bound on a kill point coming after its transfer started.
readonly POINT_MAX_S=60

# shellcheck source=tests/integration/fetch_lib.sh
. "$(dirname "$0")/fetch_lib.sh"
# shellcheck source=tests/integration/crash_lib.sh
. "$(dirname "$0")/crash_lib.sh"

WATCH_PID=
BG_CURL_PID=
KILLED_AT=
# Kill points run, debris files found at a kill (all swept), and of
# those the record temporaries (the fetch_resume flake's file).
POINTS=0
DEBRIS_SEEN=0
RECORD_TMPS_SEEN=0
# Completed files (relative to the root) and their SHA-256.
declare -A DONE_SHA=()

watch_stop() { [ -z "$WATCH_PID" ] || kill_if crash_watch.py "$WATCH_PID"; }
curl_stop() { [ -z "$BG_CURL_PID" ] || kill_if curl "$BG_CURL_PID"; }
http_cleanup_add watch_stop
http_cleanup_add curl_stop

pace() {
	ctl_json impair port=lab0 dir=rx "rate_mbps=$PACE_MBPS" > /dev/null ||
		fail "cannot pace tuskd's port"
}

# watch_start POINT DIR...: crash_watch.py against the running tuskd.
watch_start() {
	local i
	# emptied first: the redirection below happens in the background, and
	# the last watcher's "ready" must not be taken for this one's
	: > "$WORK/watch.out"
	# real-time priority: the kill follows the event even on a loaded
	# machine (it sleeps in select() in between)
	chrt -f 10 python3 "$INTEG_DIR/crash_watch.py" --pid "$(tuskd_pid)" \
		--cmdline "$LAB_STATE/tuskd.conf" --timeout "$POINT_MAX_S" \
		"$@" > "$WORK/watch.out" 2>&1 &
	WATCH_PID=$!
	for (( i = 0; i < 100; i++ )); do
		grep -q '^ready' "$WORK/watch.out" && return 0
		kill -0 "$WATCH_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$WORK/watch.out" >&2
	fail "crash_watch.py $1 did not start"
}

# watch_wait: until the watcher has killed tuskd; KILLED_AT says where.
watch_wait() {
	local pid
	pid=$(cat "$LAB_STATE/tuskd.pid")
	wait "$WATCH_PID" || { cat "$WORK/watch.out" >&2; fail "no kill point"; }
	WATCH_PID=
	KILLED_AT=$(sed -n 's/^killed at //p' "$WORK/watch.out")
	KILLED_AT=${KILLED_AT//$WORK\/root\//}
	tuskd_wait_gone "$pid"
}

# bg_curl_kill: stop the peer's curl of a transfer tuskd died under.
bg_curl_kill() {
	[ -n "$BG_CURL_PID" ] || return 0
	tr '\0' ' ' < "/proc/$BG_CURL_PID/cmdline" 2>/dev/null | grep -qF curl &&
		kill -KILL "$BG_CURL_PID" 2>/dev/null
	wait "$BG_CURL_PID" 2>/dev/null || true
	BG_CURL_PID=
}

intact() {
	local f
	for f in "${!DONE_SHA[@]}"; do
		[ "$(sha_of "$WORK/root/$f")" = "${DONE_SHA[$f]}" ] ||
			fail "$1: completed file $f changed"
	done
}

# crash_check WHAT: tuskd was just killed. Start it again; what was debris
# at the kill must be gone and named in its log; completed files intact.
crash_check() {
	local what=$1 left f t0
	POINTS=$(( POINTS + 1 ))
	left=$(debris "$WORK/root")
	t0=$(date +%s%N)
	tuskd_restart
	pace
	for f in $left; do
		tuskd_log_grep -qF "sweep: removed $f (" ||
			fail "$what: $f was left at the kill; no sweep line names it"
		DEBRIS_SEEN=$(( DEBRIS_SEEN + 1 ))
		[[ $f == *.tusk-part.state.tusk-tmp.* ]] &&
			RECORD_TMPS_SEEN=$(( RECORD_TMPS_SEEN + 1 ))
	done
	tuskd_log_grep -qF "sweep: data root $WORK/root: " ||
		fail "$what: no sweep summary in the log"
	assert_eq "$(debris "$WORK/root")" "" "$what: debris after the restart"
	intact "$what"
	note "$what: swept: $(echo "${left:-nothing}" | tr '\n' ' ')(restart, checks" \
		"$(( ($(date +%s%N) - t0) / 1000000 )) ms)"
}

# ------------------------------------------------------------------ PUT

# put_killed POINT WANT: PUT new.bin over d/put.bin from the peer, tuskd
# killed at POINT; afterwards d/put.bin must be WANT (old, new, either).
put_killed() {
	local point=$1 want=$2 now
	watch_start "$point" "$WORK/root/d"
	ip netns exec "$TUSK_LAB_NS" curl -H "$(authz)" -sS --noproxy '*' -o /dev/null \
		--max-time "$POINT_MAX_S" -T "$WORK/peer/new.bin" \
		"$HTTP_BASE/d/put.bin" > /dev/null 2>&1 &
	BG_CURL_PID=$!
	watch_wait
	bg_curl_kill
	# d/put.bin is checked here, against the old and the new file
	unset 'DONE_SHA[d/put.bin]'
	crash_check "PUT killed at $KILLED_AT"
	now=$(sha_of "$WORK/root/d/put.bin")
	DONE_SHA[d/put.bin]=$now
	case $now in
	"$OLD_SHA") [ "$want" != new ] || fail "$point: d/put.bin is still the old file" ;;
	"$NEW_SHA") [ "$want" != old ] || fail "$point: d/put.bin replaced before its commit" ;;
	*) fail "$point: d/put.bin is neither the old nor the new file" ;;
	esac
	note "ok: d/put.bin is the $([ "$now" = "$OLD_SHA" ] && echo old || echo new) file"
}

put_points() {
	local pct tmp='.put.bin.tusk-tmp.*'
	note "1: PUT of $PUT_MIB MiB over d/put.bin, tuskd killed at 11 points"
	http_put "$WORK/peer/old.bin" /d/put.bin "$WORK/put.h"
	assert_code "$CODE" 201 "PUT of the old d/put.bin"
	DONE_SHA[d/put.bin]=$OLD_SHA
	put_killed "create:$tmp" old
	for pct in 5 15 30 45 60 75 90; do
		put_killed "size:$tmp:$(( PUT_SIZE * pct / 100 ))" old
	done
	# every byte on file: the digest, fsync and rename may or may not be
	# through when the kill lands
	put_killed "size:$tmp:$PUT_SIZE" either
	put_killed "moved:put.bin" new

	watch_start "size:.fresh.bin.tusk-tmp.*:$(( PUT_SIZE / 2 ))" "$WORK/root/d"
	ip netns exec "$TUSK_LAB_NS" curl -H "$(authz)" -sS --noproxy '*' -o /dev/null \
		--max-time "$POINT_MAX_S" -T "$WORK/peer/new.bin" \
		"$HTTP_BASE/d/fresh.bin" > /dev/null 2>&1 &
	BG_CURL_PID=$!
	watch_wait
	bg_curl_kill
	crash_check "PUT of a new name killed at $KILLED_AT"
	[ ! -e "$WORK/root/d/fresh.bin" ] || fail "d/fresh.bin visible after a cut PUT"
	note "ok: d/fresh.bin absent"

	http_put "$WORK/peer/old.bin" /d/put.bin "$WORK/put.h"
	assert_code "$CODE" 204 "PUT over d/put.bin after the crashes"
	DONE_SHA[d/put.bin]=$OLD_SHA
	intact "after the PUTs"
}

# ---------------------------------------------------------------- fetch

# fetch_killed POINT: fetch big.bin (resuming what is on disk), tuskd
# killed at POINT: a crash_watch.py point; bytes:PERCENT (at least 5%
# past what the last run left on disk); live-put: a PUT into the same
# directory runs while the fetch starts, must land intact, and tuskd is
# killed as soon as it did.
fetch_killed() {
	local point=$1 resumable=0 id target
	[ -f "$WORK/root/big.bin.tusk-part.state" ] && resumable=1
	if [ "$point" = live-put ]; then
		live_put_start
		id=$(fetch "$URL" big.bin 4)
		live_put_check
		KILLED_AT="$(xget "$id" bytes) of $FETCH_SIZE bytes, after a PUT beside it"
		tuskd_kill
	elif [[ $point == bytes:* ]]; then
		target=$(( FETCH_SIZE * ${point#bytes:} / 100 ))
		[ "$target" -ge $(( ON_DISK + FETCH_SIZE / 20 )) ] ||
			target=$(( ON_DISK + FETCH_SIZE / 20 ))
		[ "$target" -le "$FETCH_SIZE" ] || target=$FETCH_SIZE
		id=$(fetch "$URL" big.bin 4)
		watch_start "bytes:$id:$target" --tuskctl "$TUSKCTL" \
			--socket "$LAB_STATE/tuskd.sock"
		watch_wait
	else
		watch_start "$point" "$WORK/root"
		fetch "$URL" big.bin 4 > /dev/null
		watch_wait
	fi
	if [ $resumable = 1 ]; then
		tuskd_log_grep -q 'big.bin: resuming: ' ||
			fail "$point: the fetch did not resume from its record"
		! tuskd_log_grep 'big.bin: .*starting over' ||
			fail "$point: the fetch started over (log above)"
	fi
	crash_check "fetch killed at $KILLED_AT"
	fetch_after_check
}

# After a restart: a record on disk is a paused transfer (ON_DISK: the
# bytes it says are done); big.bin is there only complete.
fetch_after_check() {
	local listed
	listed=$(ctl_json transfers | python3 -c 'import json, sys
print(" ".join("%s:%s:%d" % (x["state"], x["dest"], x["bytes"])
               for x in json.load(sys.stdin)["result"]))')
	ON_DISK=0
	if [ -f "$WORK/root/big.bin.tusk-part.state" ]; then
		assert_eq "${listed%:*}" "paused:big.bin" "transfers after the restart"
		ON_DISK=${listed##*:}
	else
		assert_eq "$listed" "" "transfers after the restart (no record)"
	fi
	if [ -e "$WORK/root/big.bin" ]; then
		assert_eq "$(sha_of "$WORK/root/big.bin")" "$WANT" "big.bin, there after the restart"
		DONE_SHA[big.bin]=$WANT
	fi
}

# live_put_start: a PUT of live.bin into the root (where the fetch sweeps
# its record's temporaries) from the peer, under way when this returns.
live_put_start() {
	local i
	ip netns exec "$TUSK_LAB_NS" curl -H "$(authz)" -sS --noproxy '*' -o /dev/null \
		-w '%{http_code}' --max-time "$POINT_MAX_S" \
		-T "$WORK/peer/old.bin" "$HTTP_BASE/live.bin" > "$WORK/live.code" 2>&1 &
	BG_CURL_PID=$!
	for (( i = 0; i < 100; i++ )); do
		compgen -G "$WORK/root/.live.bin.tusk-tmp.*" > /dev/null && return 0
		sleep 0.05
	done
	fail "the PUT of live.bin did not start"
}

live_put_check() {
	wait "$BG_CURL_PID" || fail "curl PUT of live.bin failed: $(cat "$WORK/live.code")"
	BG_CURL_PID=
	assert_eq "$(cat "$WORK/live.code")" 201 "PUT of live.bin while a fetch resumed"
	assert_eq "$(sha_of "$WORK/root/live.bin")" "$OLD_SHA" "sha256 of live.bin"
	DONE_SHA[live.bin]=$OLD_SHA
}

fetch_points() {
	local rec='.big.bin.tusk-part.state.tusk-tmp.*'
	note "2: fetch of $FETCH_MIB MiB, tuskd killed at 13 points"
	PACE_MBPS=$FETCH_PACE_MBPS
	pace
	mkrand "$WORK/srv/big.bin" "$FETCH_MIB"
	WANT=$(sha_of "$WORK/srv/big.bin")
	srv_start --digest
	URL=http://$PEER_ADDR:$RANGE_PORT/big.bin
	ON_DISK=0
	fetch_killed "create:big.bin.tusk-part"
	fetch_killed "create:$rec:1"
	fetch_killed bytes:15
	fetch_killed "create:$rec:3"
	fetch_killed bytes:35
	# the resumed blocks are read back (1 MiB a read) and checked
	fetch_killed "access:big.bin.tusk-part:3"
	fetch_killed live-put
	fetch_killed bytes:55
	fetch_killed "create:$rec:2"
	fetch_killed bytes:75
	fetch_killed bytes:90
	fetch_killed bytes:100
	if [ -e "$WORK/root/big.bin" ]; then
		# committed before the last kill landed: once more, for the
		# commit point
		note "big.bin was committed before the kill: fetched again"
		rm "$WORK/root/big.bin"
		unset 'DONE_SHA[big.bin]'
	fi
	fetch_killed "moved:big.bin"
	[ -e "$WORK/root/big.bin" ] || fail "big.bin not there after its commit"
	assert_eq "$(sha_of "$WORK/root/big.bin")" "$WANT" "sha256 of big.bin"
	assert_eq "$(debris "$WORK/root")" "" "debris at the end"
}

# Without hugepages (tools/tusk-lab --no-huge): tuskd starts 25 times,
# and hugepages that another process takes meanwhile would fail a start
# for a reason that is not what this test is about.
export TUSK_LAB_HUGE=${TUSK_LAB_HUGE:-no}
need_lab
mkdir -p "$WORK/root/d" "$WORK/srv" "$WORK/peer"
export TUSK_LAB_DATA=$WORK/root
lab_start a
pace
mkrand "$WORK/peer/old.bin" 8
mkrand "$WORK/peer/new.bin" "$PUT_MIB"
OLD_SHA=$(sha_of "$WORK/peer/old.bin")
NEW_SHA=$(sha_of "$WORK/peer/new.bin")
start_s=$SECONDS
[ "${CRASH_ONLY:-put}" != put ] || put_points
[ "${CRASH_ONLY:-fetch}" != fetch ] || fetch_points
note "$POINTS kill points in $(( SECONDS - start_s )) s; $DEBRIS_SEEN debris" \
	"files swept and logged, $RECORD_TMPS_SEEN of them record temporaries"
[ "$RECORD_TMPS_SEEN" -ge 1 ] ||
	fail "no kill landed during a record save: the record points tested nothing"
note "all crash tests passed"
