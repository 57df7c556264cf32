#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# HTTP-TPC push between two tuskd through a Linux router, test_grid_tpc's
# lab (af_packet ports both ends):
#
#   tuskd A 10.77.0.2 ==veth== [ peer netns: router, curl ] ==veth== tuskd B 10.78.0.2
#
# RUNS (3) curl COPY pushes of a random MIB (32) MiB file from A to B
# (A PUTs with its own client, app/svc/http_push.c), each checked
# byte-identical and its rate printed with the load. PCAP=FILE: the
# first push's packets on the router (tcpdump, headers only) into FILE.
# Printed, not asserted (two pollers on a shared 2-core machine).
#
# usage: sudo tests/integration/tpc_router_push.sh   (TUSK_BUILD: the build dir)
# Not a test (not in meson.build): the figures behind README's
# "TCP pacing on a shared core".
set -euo pipefail
# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"
readonly MIB=${MIB:-32}
readonly RUNS=${RUNS:-3}
readonly B_SUBNET=10.78.0
readonly A_BASE=http://$TUSKD_ADDR
readonly B_BASE=http://$B_SUBNET.2
need_lab
[ -z "${PCAP:-}" ] || need_cmd tcpdump
A=$WORK/a; B=$WORK/b; S=$WORK/s
mkdir -p "$A" "$B" "$S"
TUSK_LAB_DATA=$A TUSK_LAB_PORT_CONF="gateway = $PEER_ADDR" lab_start a
wait_http
NS_A=$TUSK_LAB_NS
peer sysctl -qw net.ipv4.ip_forward=1
TUSK_LAB_DATA=$B TUSK_LAB_JOIN=$NS_A TUSK_LAB_SUBNET=$B_SUBNET \
	TUSK_LAB_PORT_CONF="gateway = $B_SUBNET.1" lab_start b
TOK_B=$TUSK_TOKEN
lab_names a
TOK_A=$TUSK_TOKEN
for (( i = 0; i < 50; i++ )); do
	pcurl -o /dev/null -I -w '%{http_code}' "$B_BASE/"
	[ "$CURL_OUT" != 000 ] && break
	sleep 0.1
done
mkrand "$A/a.bin" "$MIB"

for (( r = 1; r <= RUNS; r++ )); do
	if [ -n "${PCAP:-}" ] && [ $r = 1 ]; then
		ip netns exec "$NS_A" tcpdump -i any -s 96 -w "$PCAP" "tcp port 80 and net 10.78.0.0/24" 2>/dev/null &
		TD=$!; sleep 1
	fi
	t0=$(date +%s%3N)
	pcurl -N -o "$S/copy.body" -w '%{http_code}' -X COPY \
		-H "TransferHeaderAuthorization: Bearer $TOK_B" -H "Destination: $B_BASE/p$r.bin" "$A_BASE/a.bin"
	ms=$(( $(date +%s%3N) - t0 ))
	[ -n "${TD:-}" ] && { sleep 0.5; kill "$TD"; wait "$TD" 2>/dev/null; TD=; }
	cmp "$A/a.bin" "$B/p$r.bin" || fail "run $r differs"
	note "push run $r: $MIB MiB in $ms ms: $(awk -v ms=$ms -v m=$MIB 'BEGIN{printf "%.3f", m*8*1048576/ms/1e6}') Gbit/s, load $(cut -d' ' -f1 /proc/loadavg), $(tail -n1 $S/copy.body)"
done
note PASS
