# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# crash_lib.sh: killing the lab's tuskd like a power cut and starting it
# again (sourced after lib.sh, once the lab is up).
#
# tuskd is found by the pid file tools/tusk-lab keeps and checked by its
# command line (the lab's config) before any signal, and started again as
# tusk-lab starts it, so that the lab's `down` still finds it.

# Bound on tuskd's start (EAL, the port, the sweep of the root): seconds
# here; 20 s means it is stuck.
readonly TUSKD_START_S=20
# Bound on a SIGKILLed process disappearing.
readonly TUSKD_DIE_S=10
# Byte offset in tuskd.log where the running tuskd's lines start.
TUSKD_LOG_MARK=0

# tuskd_pid: the lab's tuskd, checked.
tuskd_pid() {
	local pid
	pid=$(cat "$LAB_STATE/tuskd.pid") || fail "no tuskd pid file"
	tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null |
		grep -qF -- "$LAB_STATE/tuskd.conf" || fail "pid $pid is not the lab's tuskd"
	echo "$pid"
}

# tuskd_wait_gone PID: until the killed PID has disappeared.
tuskd_wait_gone() {
	local i
	for (( i = 0; i < TUSKD_DIE_S * 10; i++ )); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	fail "tuskd $1 survives SIGKILL"
}

# tuskd_kill: SIGKILL the lab's tuskd and wait until it is gone.
tuskd_kill() {
	local pid
	pid=$(tuskd_pid)
	kill -KILL "$pid"
	tuskd_wait_gone "$pid"
}

# tuskd_restart: start the lab's tuskd again (the last one is gone) and
# wait until it answers; TUSKD_LOG_MARK is where its log lines begin.
tuskd_restart() {
	local i pid
	TUSKD_LOG_MARK=$(stat -c %s "$LAB_STATE/tuskd.log")
	setsid "$TUSKD" -c "$LAB_STATE/tuskd.conf" < /dev/null \
		>> "$LAB_STATE/tuskd.log" 2>&1 &
	pid=$!
	echo "$pid" > "$LAB_STATE/tuskd.pid"
	for (( i = 0; i < TUSKD_START_S * 10; i++ )); do
		ctl_json ports >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 20 "$LAB_STATE/tuskd.log" >&2
	fail "tuskd did not come back after the restart"
}

# tuskd_log_since: what the running (or last killed) tuskd logged.
tuskd_log_since() { tail -c +$(( TUSKD_LOG_MARK + 1 )) "$LAB_STATE/tuskd.log"; }

# tuskd_log_grep GREP-ARGS...: grep in tuskd_log_since (through a file:
# `tuskd_log_since | grep -q` fails under pipefail when grep stops early).
tuskd_log_grep() {
	tuskd_log_since > "$WORK/tuskd.since"
	grep "$@" "$WORK/tuskd.since"
}

# debris ROOT: tuskd's leftovers under ROOT, one relative path a line.
debris() { python3 "$INTEG_DIR/debris.py" "$1"; }
