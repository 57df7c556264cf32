# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# veth_lib.sh: the Linux side of the benchmarks that put tuskd next to a
# Linux server (run-http.sh, run-iperf3.sh), sourced: a veth pair to a
# client namespace, its offloads, its removal, and the machine's CPU.

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
