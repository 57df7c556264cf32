#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_http_impaired: GET and PUT through a bad path arrive byte for byte.
#
#   A. tuskd's impairment stage (drivers/impair.c) on the lab port, both
#      directions: 25 ms each way, so a 50 ms RTT (the issue's "50 ms
#      delay" read as the round trip, as one netem qdisc of 50 ms on one
#      side of a path would give), 1% loss, 5% reordering, 1% duplication
#      each way. The stage must have lost, reordered and duplicated frames
#      both ways, or the test proves nothing.
#   B. No stage; the Linux peer drops 1% of its packets at random with
#      iptables (statistic match) on INPUT and OUTPUT: Linux's own TCP
#      recovers what tuskd sends and tuskd recovers what Linux sends. The
#      rules must have dropped packets.
# Each: curl GETs a random file from tuskd and PUTs another (201): the
# SHA-256 of what arrived equals the source's; no temporary left behind.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

# Sizes per phase. The stage's reordering is netem's: a reordered frame
# skips the delay, so a few round trips measure ~0 ms and BBR (tuskd's
# and Linux's alike) sizes its window for a ~0 ms path: ~1 MB/s for
# tuskd's GET, ~4 MB/s for Linux's PUT here. 32 MiB keeps phase A under
# a minute (still hundreds of losses and reorderings each way); iptables loss
# alone costs little, so phase B moves 128 MiB.
readonly MIB_A=${HTTP_TEST_MIB:-32}
readonly MIB_B=${HTTP_TEST_MIB:-128}
readonly DELAY_MS=25
readonly LOSS_PPM=10000
readonly REORDER_PPM=50000
readonly DUP_PPM=10000
readonly IPT_DROP_P=0.01

need_lab
need_cmd iptables
mkdir -p "$WORK/root" "$WORK/peer"
export TUSK_LAB_DATA=$WORK/root
lab_start a
wait_http
# round NAME MIB: GET down.bin and PUT up.bin (MIB each, new random
# files) as up-NAME.bin, both intact.
round() {
	local name=$1 MIB=$2 left
	mkrand "$WORK/root/down.bin" "$MIB"
	mkrand "$WORK/peer/up.bin" "$MIB"
	rm -f "$WORK/peer/got.bin"
	http_get /down.bin "$WORK/peer/got.bin" "$WORK/get.hdr"
	assert_code "$CODE" 200 "$name: GET /down.bin"
	same_file "$WORK/root/down.bin" "$WORK/peer/got.bin" "$name: GET $MIB MiB"
	note "$name: GET at $(gbps $(( MIB << 20 )) "$SECS") Gbit/s"
	http_put "$WORK/peer/up.bin" "/up-$name.bin" "$WORK/put.hdr"
	assert_code "$CODE" 201 "$name: PUT /up-$name.bin"
	same_file "$WORK/peer/up.bin" "$WORK/root/up-$name.bin" "$name: PUT $MIB MiB"
	note "$name: PUT at $(gbps $(( MIB << 20 )) "$SECS") Gbit/s"
	left=$(extras "$WORK/root" down.bin up-impair.bin up-iptables.bin)
	[ -z "$left" ] || fail "$name: left in the data root: $left"
}

# impair_stat FIELD: "rx=N tx=N", FIELD summed over the lab port's stages.
impair_stat() {
	ctl_json impair lab0 > "$WORK/impair.json" || fail "tuskctl impair report"
	python3 - "$WORK/impair.json" "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r = r.get("result", r)
port = r.get("lab0", r)
out = []
for d in ("rx", "tx"):
    e = port.get(d) or {}
    out.append("%s=%d" % (d, (e.get("stats") or {}).get(sys.argv[2], 0)))
print(" ".join(out))
PY
}

note "A: impairment stage, both directions: ${DELAY_MS} ms each way," \
	"loss $LOSS_PPM ppm, reorder $REORDER_PPM ppm, dup $DUP_PPM ppm"
ctl_json impair lab0 dir=both delay_ms=$DELAY_MS loss_ppm=$LOSS_PPM \
	reorder_ppm=$REORDER_PPM dup_ppm=$DUP_PPM > /dev/null || fail "tuskctl impair"
rtt=$(peer ping -q -c 3 -i 0.2 "$TUSKD_ADDR" | sed -n 's|.* = [0-9.]*/\([0-9.]*\)/.*|\1|p')
note "ping RTT avg ${rtt:-?} ms"
round impair "$MIB_A"
for f in lost reordered duplicated; do
	s=$(impair_stat "$f")
	note "stage $f: $s"
	[[ $s =~ ^rx=([0-9]+)\ tx=([0-9]+)$ ]] || fail "impair report: $s"
	if [ "${BASH_REMATCH[1]}" -eq 0 ] || [ "${BASH_REMATCH[2]}" -eq 0 ]; then
		fail "the stage $f no frame in some direction ($s)"
	fi
done
ctl_json impair lab0 dir=both clear=1 > /dev/null || fail "tuskctl impair clear"

note "B: Linux peer drops $IPT_DROP_P of packets in and out (iptables statistic)"
for chain in INPUT OUTPUT; do
	peer iptables -A "$chain" -m statistic --mode random \
		--probability "$IPT_DROP_P" -j DROP || fail "iptables $chain"
done
round iptables "$MIB_B"
for chain in INPUT OUTPUT; do
	n=$(peer iptables -L "$chain" -v -n -x | awk '$3 == "DROP" { print $1 }')
	note "iptables $chain dropped ${n:-?} packets"
	[ "${n:-0}" -gt 0 ] || fail "iptables $chain dropped nothing"
done

note "pass"
