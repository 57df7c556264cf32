# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# veth_lib.sh: the Linux side of the benchmarks that put tuskd next to a
# Linux server (run-http.sh, run-iperf3.sh), sourced: their shared set-up
# (veth_bench_begin), a veth pair to a client namespace, its offloads, its
# removal, and the machine's CPU.

# veth_bench_begin NAME LAB_IF LNX_NS LNX_IF NET [BUILD_DIR]: the set-up of
# a benchmark of tuskd (the lab, tools/tusk-lab) beside a Linux server over
# a veth pair: BUILD (exported as TUSK_BUILD), LAB, HZ; the lab's and the
# Linux pair's names, unique to this run (TUSK_LAB_NS tb-NAME-PID,
# TUSK_LAB_IF LAB_IF, LNX_NS, LNX_IF); LNX_SRV NET.2 and LNX_CLI NET.1;
# MTU; the CPUs; die(); the checks for root and tuskd; the work directory
# W; an EXIT trap that stops the Linux server (NGINX_PID or SRV_PID),
# takes the lab down and removes the pair and W.
veth_bench_begin() {
	BENCH_NAME=$1
	BUILD=$(realpath "${6:-$REPO/build}")
	export TUSK_BUILD=$BUILD
	LAB=$REPO/tools/tusk-lab
	HZ=$(getconf CLK_TCK)
	export TUSK_LAB_NS=tb-$1-$$
	export TUSK_LAB_IF=$2
	# The clients (curl, iperf3) carry no token: anyone may read the
	# lab's root, as nginx serves it (the auth decision still runs on
	# every request, as in production). README "Tokens".
	export TUSK_LAB_AUTH_CONF=${TUSK_LAB_AUTH_CONF:-anon_read = /}
	LNX_NS=$3
	LNX_IF=$4
	LNX_SRV=$5.2
	LNX_CLI=$5.1
	MTU=9000
	# Same cores for both servers: tuskd's worker lcore is lcore 1 (the
	# lab's -l 0-1, main lcore 0 serving the control socket), so the
	# Linux server runs on CPU 1 too and the client on CPU 0 in every case.
	SERVER_CPU=1
	CLIENT_CPU=0
	# shellcheck disable=SC2034 # used by the benchmark that sources this
	readonly BUILD LAB HZ LNX_NS LNX_IF LNX_SRV LNX_CLI MTU SERVER_CPU \
		CLIENT_CPU
	# defined here, not at the top: run-files.sh sources lib.sh's die too
	die() { echo "run-$BENCH_NAME: $*" >&2; exit 1; }
	[ "$(id -u)" -eq 0 ] || die "must run as root (netns, veth, DPDK)"
	[ -x "$BUILD/app/tuskd/tuskd" ] || die "no tuskd in $BUILD: build first"
	W=$(mktemp -d "/tmp/tusk-bench-$1.XXXXXX")
	NGINX_PID=
	SRV_PID=
	trap veth_bench_cleanup EXIT
	trap 'exit 130' INT TERM HUP
}

veth_bench_cleanup() {
	local pid
	set +e
	for pid in "$NGINX_PID" "$SRV_PID"; do
		[ -n "$pid" ] && kill "$pid" 2>/dev/null &&
			wait "$pid" 2>/dev/null
	done
	"$LAB" down >/dev/null 2>&1
	veth_remove "$LNX_NS" "$LNX_IF"
	rm -rf "$W"
}

# Busy jiffies of all CPUs (everything but idle and iowait).
machine_ticks() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# veth_pair NS IF SRV CLI MTU: IF (address SRV/24) in the root namespace,
# its peer eth0 (CLI/24) in a new namespace NS.
veth_pair() {
	ip netns add "$1"
	ip link add "$2" mtu "$5" type veth peer name eth0 mtu "$5" netns "$1"
	ip addr add "$3/24" dev "$2"
	ip link set "$2" up
	ip -n "$1" link set lo up
	ip -n "$1" addr add "$4/24" dev eth0
	ip -n "$1" link set eth0 up
}

# veth_offloads NS IF on|off: checksums, SG, TSO, GSO, GRO on both ends.
veth_offloads() {
	ethtool -K "$2" rx "$3" tx "$3" sg "$3" tso "$3" gso "$3" gro "$3" >/dev/null 2>&1 || true
	ip netns exec "$1" ethtool -K eth0 rx "$3" tx "$3" sg "$3" tso "$3" gso "$3" \
		gro "$3" >/dev/null 2>&1 || true
}

# veth_remove NS IF: the pair, and whatever still runs in NS.
veth_remove() {
	ip link del "$2" 2>/dev/null
	ip netns pids "$1" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	ip netns del "$1" 2>/dev/null
}

# utime + stime of process $1 and all its threads, jiffies.
proc_ticks() {
	awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# make_file PATH BYTES: incompressible bytes (AES-CTR of zeros, a fresh
# key), fast enough for GiBs.
make_file() {
	head -c "$2" /dev/zero | openssl enc -aes-128-ctr -nosalt \
		-K "$(openssl rand -hex 16)" -iv "$(openssl rand -hex 16)" -out "$1"
}

# nginx_start DIR ROOT ADDR PORT CPU SRV_NS CLI_NS: Debian's nginx (one
# process, no master: its CPU is all of nginx's; sendfile on) serving
# ROOT on ADDR:PORT, pinned to CPU, in namespace SRV_NS ("": the root
# namespace), its files in DIR; waits until a curl from CLI_NS ("": the
# root namespace) gets an answer. PID in NGINX_PID.
nginx_start() {
	local dir=$1 root=$2 addr=$3 port=$4 cpu=$5 sns=$6 cns=$7 i
	local srv=() cli=()
	[ -n "$sns" ] && srv=(ip netns exec "$sns")
	[ -n "$cns" ] && cli=(ip netns exec "$cns")
	mkdir -p "$dir/tmp"
	cat > "$dir/nginx.conf" <<NGX
master_process off;
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 64; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	default_type application/octet-stream;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	server {
		listen $addr:$port;
		root $root;
	}
}
NGX
	"${srv[@]}" taskset -c "$cpu" nginx -c "$dir/nginx.conf" -p "$dir" &
	NGINX_PID=$!
	for (( i = 0; i < 50; i++ )); do
		"${cli[@]}" curl -s --noproxy '*' -o /dev/null "http://$addr:$port/" && return 0
		kill -0 "$NGINX_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$dir/error.log" >&2
	echo "nginx did not start" >&2
	return 1
}
