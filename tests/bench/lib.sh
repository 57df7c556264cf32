# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# lib.sh: shared by the bulk benchmarks (run-memif.sh, run-longpath.sh),
# sourced. Everything a script starts (tuskd, testpmd, iperf3, socat,
# namespaces) is registered here and removed at exit, by PID and by name,
# however the script ends.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/../.." && pwd)
BUILD=${1:-${TUSK_BUILD:-$REPO/build}}
case $BUILD in /*) ;; *) BUILD=$REPO/$BUILD ;; esac
TUSKD=${TUSKD:-$BUILD/app/tuskd/tuskd}
TUSKCTL=${TUSKCTL:-$BUILD/tools/tuskctl}
WATCH=$BENCH_DIR/bulk_watch.py
# tuskd answers its socket within a few seconds of EAL init; memif links
# come up when both ends have started.
START_WAIT_S=30

say() { echo "# $*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }

need_root() {
	[ "$(id -u)" -eq 0 ] || die "must run as root (netns, DPDK)"
	[ -x "$TUSKD" ] || die "no tuskd at $TUSKD (ninja -C $BUILD)"
	[ -x "$TUSKCTL" ] || die "no tuskctl at $TUSKCTL"
}

# What this run started, undone at exit.
BENCH_PIDS=()
BENCH_NS=()
BENCH_DIRS=()
BENCH_ATEXIT=()   # commands (words in one string) run first

bench_cleanup() {
	local pid ns d i c
	for c in "${BENCH_ATEXIT[@]}"; do
		eval "$c" >/dev/null 2>&1 || echo "# cleanup failed: $c" >&2
	done
	for pid in "${BENCH_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${BENCH_PIDS[@]}"; do
		for (( i = 0; i < 100; i++ )); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
	for ns in "${BENCH_NS[@]}"; do
		# shellcheck disable=SC2046
		kill -KILL $(ip netns pids "$ns" 2>/dev/null) 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	for d in "${BENCH_DIRS[@]}"; do
		rm -rf "$d"
	done
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM HUP

# A scratch directory removed at exit, in TMP.
bench_tmpdir() {
	TMP=$(mktemp -d "/tmp/tusk-bench.XXXXXX")
	BENCH_DIRS+=("$TMP")
}

# Run a command in the background, registered for the exit trap; its PID
# in BG_PID.
bench_bg() {
	"$@" &
	BG_PID=$!
	BENCH_PIDS+=("$BG_PID")
	# not a job of this shell: no "Segmentation fault" line when
	# testpmd's memif crashes on its way out (it does, now and then)
	disown "$BG_PID"
}

# Start tuskd with config $1; log in $2. Waits for the control socket $3
# to answer. Its PID in TUSKD_PID. (Not in a $(...) subshell: what it
# starts must be registered in this shell for the exit trap.)
tuskd_start() {
	local conf=$1 log=$2 sock=$3 pid i
	setsid "$TUSKD" -c "$conf" < /dev/null > "$log" 2>&1 &
	pid=$!
	# not a job of this shell: no "Killed" line when memif_pair_down
	# SIGKILLs it
	disown "$pid"
	BENCH_PIDS+=("$pid")
	for (( i = 0; i < START_WAIT_S * 10; i++ )); do
		kill -0 "$pid" 2>/dev/null || { tail -20 "$log" >&2;
			die "tuskd ($conf) exited during start"; }
		if [ -S "$sock" ] &&
		   "$TUSKCTL" -s "$sock" --json ports >/dev/null 2>&1; then
			TUSKD_PID=$pid
			return 0
		fi
		sleep 0.1
	done
	tail -20 "$log" >&2
	die "tuskd ($conf): no answer on $sock"
}

# Stop one process we started (signal $2, default TERM; then KILL).
stop_pid() {
	local pid=$1 i
	kill -"${2:-TERM}" "$pid" 2>/dev/null || return 0
	for (( i = 0; i < 100; i++ )); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# Wait until every port of tuskd at socket $1 has link up (memif: both
# ends connected).
wait_link() {
	local sock=$1 i
	for (( i = 0; i < START_WAIT_S * 10; i++ )); do
		if "$TUSKCTL" -s "$sock" --json ports | python3 -c '
import json, sys
d = json.load(sys.stdin)
d = d.get("result", d)
ports = d if isinstance(d, list) else d.get("ports", [])
sys.exit(0 if ports and all(p["link"]["status"] == "up" for p in ports) else 1)'
		then
			return 0
		fi
		sleep 0.1
	done
	die "link of the tuskd at $sock did not come up"
}

# The DPDK worker thread (rte-worker-N) of process $1.
worker_tid() {
	grep -l '^rte-worker' /proc/"$1"/task/*/comm 2>/dev/null | head -1 |
		cut -d/ -f5
}

# Nanoseconds thread $2 of process $1 has run so far (schedstat).
run_ns() {
	local a
	read -r a _ < "/proc/$1/task/$2/schedstat" || a=0
	echo "$a"
}

# A network namespace removed at exit.
bench_netns() {
	ip netns add "$1"
	BENCH_NS+=("$1")
	ip -n "$1" link set lo up
}

# Field $2 of the JSON object in $1.
jfield() { python3 -c 'import json,sys; v=json.loads(sys.argv[1])[sys.argv[2]]; print("" if v is None else v)' "$1" "$2"; }

# a / b with 2 decimals, "-" when b is 0 or either is empty.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'
}

# Free hugepages (2 MiB).
free_hugepages() {
	cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0
}

# EAL memory arguments: hugepages when $1 pages are free, else --no-huge.
eal_mem() {
	if [ "$(free_hugepages)" -ge "$1" ]; then
		echo "--in-memory"
	else
		echo "--no-huge -m $(( $1 * 2 ))"
	fi
}

# EAL lcores: the worker on core $1, the main (control) lcore on core $2
# (a polling worker needs a core of its own; the control threads sleep).
eal_lcores() {
	local lo=$1 hi=$2
	[ "$lo" -gt "$hi" ] && { lo=$2; hi=$1; }
	echo "-l $lo,$hi --main-lcore $2"
}

# Two tuskd joined by net_memif: a (10.88.0.1) and b (10.88.0.2).
# memif_conf writes $TMP/$1.conf for side $1 (a|b) with its worker on
# core $2 (the control lcore on the other of the caller's CORE_TX and
# CORE_RX), memif role and more devargs $3 ("client,zero-copy=yes", say),
# MTU $4, and port lines $5 (a profile file, say; the stock memif profile
# otherwise). Control socket $TMP/$1.sock; the pair meets on
# $TMP/memif.sock.
# A zero-copy client hands its own mbufs to the server: it needs its
# memory as one file per memseg list, all mapped before the link comes
# up (net_memif in 22.11 closes EAL's file of each list it exports, so
# the heap cannot grow after that: --socket-mem reserves it at start).
# Hugepages (2 MiB) per tuskd: its port pool, its data pool
# (data_pool_mb) and EAL's heap.
# The file benchmark (run-files.sh) also sets MEMIF_DATA (the directory
# the data roots go in, default $TMP), MEMIF_HTTP_PORT (default 0: no
# HTTP endpoint) and MEMIF_TUSKD_EXTRA (more [tuskd] lines).
MEMIF_HUGE=${MEMIF_HUGE:-200}
memif_conf() {
	local side=$1 core=$2 role=$3 mtu=$4 port=${5:-profile = memif}
	local n=1 eal= other=$CORE_RX
	[ "$side" = b ] && n=2
	[ "$core" = "$CORE_RX" ] && other=$CORE_TX
	case $role in *zero-copy=yes*)
		eal="--single-file-segments --socket-mem $(( MEMIF_HUGE * 2 ))" ;;
	esac
	local data=${MEMIF_DATA:-$TMP}/$side-data
	mkdir -p "$data"
	cat > "$TMP/$side.conf" <<EOF
[eal]
args = $(eal_lcores "$core" "$other") $eal --file-prefix tusk-bench-$side-$$ --no-pci --no-telemetry $(eal_mem "$MEMIF_HUGE")

[tuskd]
lcores = 1
data_root = $data
control_socket = $TMP/$side.sock
log_level = notice
http_port = ${MEMIF_HTTP_PORT:-0}
data_pool_mb = 64
${MEMIF_TUSKD_EXTRA:-}

[port m0]
device = net_memif0,socket=$TMP/memif.sock,id=0
$port
address = 10.88.0.$n/24
mtu = $mtu
devargs = role=$role
EOF
}

# Start the pair's tuskd in the order given (the memif server first: a
# client that finds no socket does not retry) and wait for both links.
# PIDs in PAIR_PID[a] and PAIR_PID[b].
declare -A PAIR_PID
memif_pair_up() {
	local side
	for side in "$@"; do
		tuskd_start "$TMP/$side.conf" "$TMP/$side.log" "$TMP/$side.sock"
		PAIR_PID[$side]=$TUSKD_PID
	done
	wait_link "$TMP/a.sock"
	wait_link "$TMP/b.sock"
}

# Both killed at once, after the figures are in: net_memif (22.11) unmaps
# the shared regions from its interrupt thread when the peer disconnects,
# while the local worker may be inside a burst on them, so a worker still
# polling when the other side closes can crash (README, "memif"). A
# graceful stop of one end leaves the other polling for milliseconds;
# SIGKILL to both leaves no such window.
memif_pair_down() {
	kill -KILL "${PAIR_PID[a]}" "${PAIR_PID[b]}" 2>/dev/null || true
	stop_pid "${PAIR_PID[a]}"
	stop_pid "${PAIR_PID[b]}"
	rm -rf "/var/run/dpdk/tusk-bench-a-$$" "/var/run/dpdk/tusk-bench-b-$$"
}
