#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_ping: a stock Linux host pings tuskd over the lab's veth, and
# tuskd's counters account for every frame the host sent.
#
#   1. 200 echo requests at 10 ms intervals: 200 replies.
#   2. 20 jumbo echo requests (8000 bytes of ICMP data, DF set, MTU 9000):
#      20 replies, checked byte for byte by ping.
#   3. tuskd counted exactly those: icmp_echo_rx/tx = requests sent, every
#      ARP request answered, rx_frames = echo + ARP frames, no drops.
#   4. One bad frame at a time from a raw socket in the peer (bad IPv4
#      header checksum, truncated IPv4 header): each counted once under its
#      drop reason, not answered, and tuskd keeps answering. An IPv4
#      fragment does not reach tuskd on af_packet (the kernel reassembles).
#   5. On a second lab whose port is net_pcap (MTU 1500), the fragment
#      reaches tuskd and is dropped as ip_fragment; the others as in 4.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# Phase sizes: 200 pings at 10 ms (2 s) is enough to catch a lost reply on
# a polling loop; the jumbo phase checks the 9000-byte path end to end.
readonly N_SMALL=200
readonly N_JUMBO=20
readonly JUMBO_BYTES=8000
readonly N_AFTER=5

need_lab
lab_start a

stats_save "$WORK/s0.json"

note "phase 1: $N_SMALL pings at 10 ms"
got=$(ping_count -c "$N_SMALL" -i 0.01)
assert_eq "$got" "$N_SMALL" "echo replies to $N_SMALL requests"

note "phase 2: $N_JUMBO jumbo pings, $JUMBO_BYTES bytes, DF"
got=$(ping_count -c "$N_JUMBO" -i 0.05 -s "$JUMBO_BYTES" -M "do")
assert_eq "$got" "$N_JUMBO" "jumbo echo replies to $N_JUMBO requests"

note "phase 3: counters"
sent=$(( N_SMALL + N_JUMBO ))
expect_delta icmp_echo_rx "$sent" "$WORK/s0.json"
stats_save "$WORK/s1.json"
d() { echo $(( $(stat_of "$WORK/s1.json" "$1") - $(stat_of "$WORK/s0.json" "$1") )); }
assert_eq "$(d icmp_echo_tx)" "$sent" "delta icmp_echo_tx"
# The peer resolved 10.77.0.2 at least once; each request is answered.
arp_req=$(d arp_rx_requests)
[ "$arp_req" -ge 1 ] || fail "peer's ARP request not counted (arp_rx_requests +$arp_req)"
assert_eq "$(d arp_tx_replies)" "$arp_req" "ARP replies = ARP requests"
# With IPv6 off on the peer, the peer sent nothing else: every frame is
# an echo request or an ARP packet, and none was dropped.
assert_eq "$(d rx_frames)" "$(( sent + arp_req + $(d arp_rx_replies) ))" \
	"rx_frames = echo requests + ARP frames"
python3 - "$WORK/s0.json" "$WORK/s1.json" <<'PY' || fail "drops during clean pings"
import json, sys
def drops(p):
    d = json.load(open(p))
    d = d.get("result", d)
    return d["drops"]
a, b = drops(sys.argv[1]), drops(sys.argv[2])
bad = {k: b[k] - a.get(k, 0) for k in b if b[k] != a.get(k, 0)}
if bad:
    sys.exit("drops changed: %s" % bad)
print("# ok: no drop counter moved")
PY

# inject KIND REASON: one KIND frame (tests/integration/inject.py) from the
# peer; tuskd counts it once under drops.REASON and does not answer it, and
# then answers pings as before. REASON "-": the frame never reaches tuskd.
inject() {
	local kind=$1 reason=$2 mac
	mac=$(peer ip neigh show "$TUSKD_ADDR" dev eth0 | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p')
	[ -n "$mac" ] || fail "peer has no ARP entry for $TUSKD_ADDR"
	stats_save "$WORK/b.json"
	peer python3 "$INTEG_DIR/inject.py" eth0 "$mac" "$PEER_ADDR" "$TUSKD_ADDR" "$kind" ||
		fail "inject $kind"
	if [ "$reason" = - ]; then
		sleep 1
		stats_save "$WORK/a.json"
		assert_eq "$(delta_ab rx_frames)" 0 "frames of a $kind reaching tuskd"
	else
		expect_delta "drops.$reason" 1 "$WORK/b.json"
		stats_save "$WORK/a.json"
		assert_eq "$(delta_ab rx_frames)" 1 "rx_frames after one $kind frame"
	fi
	assert_eq "$(delta_ab icmp_echo_tx)" 0 "echo replies to a $kind frame"
	assert_eq "$(ping_count -c "$N_AFTER" -i 0.05)" "$N_AFTER" \
		"echo replies after a $kind frame"
}
delta_ab() { echo $(( $(stat_of "$WORK/a.json" "$1") - $(stat_of "$WORK/b.json" "$1") )); }

note "phase 4: malformed frames (af_packet)"
inject bad_csum ip_bad_csum
inject truncated ip_truncated
# DPDK's af_packet PMD joins a PACKET_FANOUT group with FLAG_DEFRAG: the
# kernel holds IPv4 fragments for reassembly and hands tuskd only whole
# packets, so a lone fragment never reaches tuskd on this port kind.
inject fragment -

note "phase 5: the same frames on a pcap port, which shows tuskd fragments"
"$LAB" down >/dev/null
TUSK_LAB_PMD=pcap lab_start b
assert_eq "$(ping_count -c "$N_AFTER" -i 0.05)" "$N_AFTER" "echo replies on pcap"
inject fragment ip_fragment
inject bad_csum ip_bad_csum
inject truncated ip_truncated

note "pass"
