# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# ctrld_lib.sh: tusk-ctrld in the lab (sourced after http_lib.sh and
# fetch_lib.sh). tusk-ctrld is a client of the lab tuskd's control socket;
# the data root is the test's $WORK/root (TUSK_LAB_DATA), hand-offs go to
# $WORK/store. It runs in the peer's network namespace: its own network
# use (the WebDAV listing, libcurl over the kernel) then reaches the
# peer's server as a DTN's management network would, and never leaves the
# lab; the data itself moves over tuskd's port. UNIX sockets and files
# are shared across namespaces.
#
#   peer ns: range_server.py :8000 <--- PROPFIND --- tusk-ctrld
#                 |                                   | tuskd.sock, journal
#                 '-- veth --> tuskd (fetch) --> $WORK/root --hand-off--> $WORK/store

export TUSK_CTRLD=${TUSK_CTRLD:-$TUSK_BUILD/ctrl/tusk-ctrld}
CTRLD_PID=
CTRLD_SOCK=$WORK/ctrld.sock
# Bound on a whole session of the lab's small data sets.
SESSION_MAX_S=${SESSION_MAX_S:-120}
# Bound on tusk-ctrld starting (journal, recovery, socket).
readonly CTRLD_START_S=10

# prereq WHY: a missing prerequisite skips the test, except under CI=true
# where it fails it (a skip would pass unseen).
prereq() {
	[ "${CI:-}" = true ] && fail "$1 (CI=true: a failure)"
	skip "$1"
}

need_ctrld() {
	[ -x "$TUSK_CTRLD" ] || fail "no tusk-ctrld at $TUSK_CTRLD"
}

# ctrld_conf [EXTRA LINES]: ctrld.conf for this test, [ctrld] keys
# overridable by extra lines after the defaults (a later duplicate key
# is an error, so the defaults name only what tests do not change).
ctrld_conf() {
	mkdir -p "$WORK/ctrld" "$WORK/store"
	cat > "$WORK/ctrld.conf" <<-CONF
	[ctrld]
	tuskd_socket = $LAB_STATE/tuskd.sock
	control_socket = $CTRLD_SOCK
	journal = $WORK/ctrld/journal.db
	data_root = $WORK/root
	state_dir = $WORK/ctrld/state
	backoff_s = 1
	backoff_max_s = 2
	${CTRLD_CONF_EXTRA:-}

	[storage archive]
	path = $WORK/store
	${CTRLD_CONF_STORAGE:-}
	CONF
}

ctrld_start() {
	local i
	# not through peer(): ip netns exec execs, so $! is tusk-ctrld's PID
	ip netns exec "$TUSK_LAB_NS" "$TUSK_CTRLD" -c "$WORK/ctrld.conf" \
		>> "$WORK/ctrld.log" 2>&1 &
	CTRLD_PID=$!
	for (( i = 0; i < CTRLD_START_S * 10; i++ )); do
		sess list > /dev/null 2>&1 && return 0
		kill -0 "$CTRLD_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$WORK/ctrld.log" >&2
	fail "tusk-ctrld did not start within ${CTRLD_START_S}s"
}

ctrld_stop() { [ -z "$CTRLD_PID" ] || kill_if tusk-ctrld "$CTRLD_PID"; }
http_cleanup_add ctrld_stop

# kill9 PID WORD: a crash: SIGKILL to PID if its command line has WORD
# (not a PID reused since); waits until it is gone.
kill9() {
	local i
	tr '\0' ' ' < "/proc/$1/cmdline" | grep -qF -- "$2" ||
		fail "pid $1 is not $2"
	kill -KILL "$1"
	for (( i = 0; i < 100; i++ )); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	fail "$2 $1 survives SIGKILL"
}

ctrld_kill9() { kill9 "$CTRLD_PID" tusk-ctrld; }

# wait_bytes_over ID N: until file 0 of session ID has more than N bytes.
wait_bytes_over() {
	local i b=0
	for (( i = 0; i < SESSION_MAX_S * 10; i++ )); do
		b=$(sget "$1" 's["file_list"][0]["bytes"] or 0' 2>/dev/null) || b=0
		[ "$b" -gt "$2" ] && return 0
		sleep 0.1
	done
	fail "session $1: file 0 has $b bytes, not more than $2"
}

# sess ARGS: tuskctl session ARGS against this test's tusk-ctrld (JSON).
sess() { "$TUSKCTL" -s "$CTRLD_SOCK" --json session "$@"; }

# submit SPEC_JSON: prints the session id.
submit() {
	echo "$1" > "$WORK/spec.json"
	sess submit "$WORK/spec.json" | python3 -c 'import json, sys
print(json.load(sys.stdin)["id"])' || fail "submit refused: $1"
}

# sget ID EXPR: a Python expression over the session s (from show).
sget() {
	sess show "$1" | python3 -c 'import json, sys
s = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$2"
}

# wait_session ID STATE...: until the session is in one of STATEs, or
# final; fails if it ends otherwise.
wait_session() {
	local id=$1 st i
	shift
	for (( i = 0; i < SESSION_MAX_S * 5; i++ )); do
		st=$(sget "$id" 's["state"]' 2>/dev/null) || st=unreachable
		for want in "$@"; do
			[ "$st" = "$want" ] && { note "session $id: $st"; return 0; }
		done
		case $st in FINISHED|FINISHEDDIRTY|FAILED|CANCELED) break ;; esac
		sleep 0.2
	done
	sess show "$id" >&2 || true
	fail "session $id: $st, wanted $*"
}

# wait_file ID IDX STATE: until file IDX of session ID is in STATE.
wait_file() {
	local i st
	for (( i = 0; i < SESSION_MAX_S * 20; i++ )); do
		st=$(sget "$1" "s['file_list'][$2]['state']" 2>/dev/null) || st=?
		[ "$st" = "$3" ] && return 0
		sleep 0.05
	done
	fail "session $1 file $2: $st, wanted $3"
}

# same_bytes A B WHAT
same_bytes() {
	cmp -s "$1" "$2" || fail "$3: $2 differs from $1"
	note "ok: $3: identical ($(stat -c %s "$2") bytes)"
}

# visible DIR: the regular files under DIR (relative), sorted; temporary
# or half-written files would show here.
visible() { (cd "$1" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' '); }

# tuskd_kill9: the lab's tuskd crashes (SIGKILL, by its pid file).
tuskd_kill9() { kill9 "$(cat "$LAB_STATE/tuskd.pid")" "$LAB_STATE/tuskd.conf"; }

# tuskd_restart: started again on the lab's config, as tools/tusk-lab
# starts it (its `down` finds it by the pid file); waits for its socket.
tuskd_restart() {
	local i
	setsid "$TUSKD" -c "$LAB_STATE/tuskd.conf" < /dev/null \
		>> "$LAB_STATE/tuskd.log" 2>&1 &
	echo $! > "$LAB_STATE/tuskd.pid"
	for (( i = 0; i < 200; i++ )); do
		ctl_json ports > /dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "tuskd did not come back after the restart"
}

# xfers DEST KEY: KEY of every tuskd transfer of DEST, space-separated.
xfers() {
	ctl_json transfers | python3 -c 'import json, sys
print(" ".join(str(x.get(sys.argv[2])) for x in json.load(sys.stdin)["result"]
               if x["dest"] == sys.argv[1]))' "$1" "$2"
}
