# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# lib.sh: shared by the integration tests (sourced, not run).
#
# A test sources this file, calls lab_start to get a lab of its own (netns
# and veth named after the test and its PID, so that labs never collide),
# and asserts on what the Linux peer saw and what tuskd counted. An EXIT
# trap brings the lab down whatever happens; everything is stopped by PID.
#
# Exit codes follow meson: 0 pass, 1 fail, 77 skip. A missing prerequisite
# (root, netns, veth, a mount, a tool) is a skip only outside CI: under
# CI=true (CI sets it) it is a failure, since meson counts a skip as a pass
# and tools/tusk-setup gives a CI machine every prerequisite.

set -euo pipefail

INTEG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$INTEG_DIR/../.." && pwd)
export TUSK_BUILD=${TUSK_BUILD:-$REPO/build}
export TUSKD=${TUSKD:-$TUSK_BUILD/app/tuskd/tuskd}
export TUSKCTL=${TUSKCTL:-$TUSK_BUILD/tools/tuskctl}
LAB=$REPO/tools/tusk-lab
TEST_NAME=$(basename "$0" .sh)
# The peer's and tuskd's addresses, as tools/tusk-lab sets them up.
export PEER_ADDR=10.77.0.1
export TUSKD_ADDR=10.77.0.2
# How long a counter may take to show what already happened: tuskd's
# lcores publish counter snapshots to the control thread (app/tuskd/lcore.h).
STATS_SETTLE_S=3

fail() { echo "FAIL: $TEST_NAME: $*" >&2; exit 1; }
note() { echo "# $*"; }

# skip WHY: a prerequisite is missing (see the header): fail under CI=true.
skip() {
	[ "${CI:-}" != true ] ||
		fail "prerequisite missing under CI=true (a failure, not a skip): $*"
	echo "SKIP: $TEST_NAME: $*"
	exit 77
}

# need_cmd CMD...: each CMD is on PATH, or skip (a failure under CI=true).
need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null ||
			skip "no $c on PATH (tools/tusk-setup installs it)"
	done
}

need_tuskd() {
	[ -x "$TUSKD" ] || fail "no tuskd at $TUSKD"
}

# The lab needs root, network namespaces, veth and the tools tools/tusk-lab
# and every lab test use; without them, skip (a failure under CI=true).
need_lab() {
	local probe=tusk-probe-$$
	[ "$(id -u)" -eq 0 ] || skip "needs root (netns, veth, DPDK)"
	need_cmd ip ethtool sysctl ping python3 curl openssl setsid
	ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces"
	if ! ip link add "tp$$a" type veth peer name "tp$$b" netns "$probe" 2>/dev/null; then
		ip netns del "$probe"
		skip "cannot create veth pairs"
	fi
	ip link del "tp$$a"
	ip netns del "$probe"
	if [ "${TUSK_LAB_HUGE:-auto}" = yes ] &&
	   [ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)" -lt 256 ]; then
		skip "TUSK_LAB_HUGE=yes but hugepages are not reserved (tools/tusk-setup)"
	fi
	need_tuskd
	[ -x "$TUSKCTL" ] || fail "no tuskctl at $TUSKCTL"
}

# Names unique per test run: netns "tt-<test>-<pid>", veth "tk<pid><tag>"
# (15 bytes at most: PIDs have up to 7 digits).
lab_names() {
	local tag=${1:-a}
	export TUSK_LAB_NS=tt-$TEST_NAME-$$-$tag
	export TUSK_LAB_IF=tk$$$tag
	export TUSK_LAB_RUN_DIR=${TUSK_LAB_RUN_DIR:-/run/tusk-lab}
	LAB_STATE=$TUSK_LAB_RUN_DIR/$TUSK_LAB_NS
	export TUSK_TOKEN=${LAB_TOKENS[$tag]:-}
}

# Every lab's tuskd refuses HTTP requests without a token ([auth] mode
# required, the default). lab_start mints one for the whole data root
# with every activity and exports it as TUSK_TOKEN (switched with the
# lab by lab_names); pcurl and the Python helpers (tusk_token.py) send
# it. A request without: `TUSK_TOKEN= pcurl ...`. Narrower tokens:
# lab_token.
declare -A LAB_TOKENS=()
# The full token lives as long as tuskd mints (a day): longer than any
# test.
readonly LAB_TOKEN_TTL_S=86400
readonly LAB_TOKEN_ALL=read,create,modify,list,delete

# lab_token PATH ACTIVITY [TTL]: a macaroon from the current lab's tuskd
# (tuskctl token mint), printed.
lab_token() {
	"$TUSKCTL" -s "$LAB_STATE/tuskd.sock" token mint "path=$1" \
		"activity=$2" "ttl=${3:-$LAB_TOKEN_TTL_S}" ||
		fail "tuskctl token mint path=$1 activity=$2 failed"
}

# Labs this test started (tags), all brought down at exit.
LAB_TAGS=()

# Last started first: a lab that joined another's namespace
# (TUSK_LAB_JOIN) goes before the lab whose namespace it is.
lab_stop_all() {
	local i
	for (( i = ${#LAB_TAGS[@]} - 1; i >= 0; i-- )); do
		lab_names "${LAB_TAGS[i]}"
		"$LAB" down >/dev/null 2>&1 ||
			echo "# tusk-lab down failed for $TUSK_LAB_NS" >&2
	done
}

on_exit() {
	local rc=$?
	trap - EXIT
	if [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ -n "${LAB_STATE:-}" ] &&
	   [ -f "$LAB_STATE/tuskd.log" ]; then
		echo "# tuskd log (last 30 lines):" >&2
		tail -n 30 "$LAB_STATE/tuskd.log" >&2 || true
	fi
	lab_stop_all
	rm -rf "$WORK"
	exit $rc
}

# Bring up a lab of this test's own (tag: a letter, default a); it comes
# down at exit whatever happens.
lab_start() {
	lab_names "${1:-a}"
	LAB_TAGS+=("${1:-a}")
	"$LAB" up || fail "tusk-lab up failed"
	LAB_TOKENS[${1:-a}]=$(lab_token / "$LAB_TOKEN_ALL")
	export TUSK_TOKEN=${LAB_TOKENS[${1:-a}]}
}

# Run in the peer namespace.
peer() { ip netns exec "$TUSK_LAB_NS" "$@"; }

# authz: the header line a client sends TUSK_TOKEN in (for clients
# other than pcurl/tcurl: davix -H "$(authz)", curl --next ... -H).
authz() { echo "Authorization: Bearer $TUSK_TOKEN"; }

# tcurl ARGS...: curl in the peer carrying TUSK_TOKEN (unless empty) as
# a bearer token; nothing else added (http_lib.sh's pcurl adds bounds).
tcurl() {
	local auth=()
	[ -z "${TUSK_TOKEN:-}" ] || auth=(-H "Authorization: Bearer $TUSK_TOKEN")
	peer curl "${auth[@]}" "$@"
}

# tuskctl --json COMMAND against the lab's tuskd.
ctl_json() { "$TUSKCTL" -s "$LAB_STATE/tuskd.sock" --json "$@"; }

# Save `tuskctl --json stats` to file $1.
stats_save() { ctl_json stats > "$1" || fail "tuskctl --json stats failed"; }

# Value of counter $2 ("icmp_echo_rx", "drops.ip_bad_csum") in saved stats $1.
stat_of() { python3 "$INTEG_DIR/stat.py" "$1" "$2"; }

# ping from the peer; prints the number of replies received. Fails on
# replies with wrong data, duplicates or bad checksums (ping checks them).
ping_count() {
	local out
	out=$(peer ping -q -W 1 "$@" "$TUSKD_ADDR" 2>&1) || true
	echo "$out" | grep -qiE 'wrong data|DUP!|bad checksum' &&
		fail "ping $*: bad replies: $out"
	echo "$out" | sed -n 's/.* \([0-9]*\) \(packets \)\{0,1\}received.*/\1/p'
}

assert_eq() {
	[ "$1" = "$2" ] || fail "$3: got $1, want $2"
	note "ok: $3 = $2"
}

# Wait until counter $1 (stat_of path) in fresh stats reaches delta $2 over
# the saved stats $3, then assert the delta is exactly $2.
expect_delta() {
	local path=$1 want=$2 before=$3 now i
	local b
	b=$(stat_of "$before" "$path")
	for (( i = 0; i < STATS_SETTLE_S * 10; i++ )); do
		stats_save "$WORK/now.json"
		now=$(stat_of "$WORK/now.json" "$path")
		[ $(( now - b )) -ge "$want" ] && break
		sleep 0.1
	done
	assert_eq "$(( now - b ))" "$want" "delta $path"
}

# A scratch directory for this test, removed at exit with the labs.
WORK=$(mktemp -d "/tmp/tusk-$TEST_NAME.XXXXXX")
trap on_exit EXIT
trap 'exit 130' INT TERM HUP
