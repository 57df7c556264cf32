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
