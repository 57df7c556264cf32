#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_hostile_net: attacks below HTTP, each not in test_http_hostile,
# test_http_hostile2 or test_tcp_defences (hostile_net.py, from the peer),
# one after another while a legitimate client from its own address GETs a
# 1 MiB file every second and PUTs one every 5 s (hostile.py legit):
#
#          peer netns (Linux)                              tuskd
#   10.77.0.200-203 raw TCP/ARP (not the kernel's) --\   10.77.0.2
#   10.77.0.100-126 TWAMP, floods, uploads ----------+-- veth -- 1 lcore
#   10.77.0.50      legitimate client ----------------/
#
#   1. tiny MSS: a connection whose SYN offers MSS 1 GETs a 64 MiB file
#      and ACKs everything: tuskd's segments carry 536 bytes
#      (TUSK_TCP_MSS_MIN; tcp_mss_raised +1; on average at least 90% of
#      it, a buffer's end may be short), not a packet per byte.
#   2. out-of-order flood: fresh connections, each sent 30,000 1-byte
#      segments at every other sequence number of its 128 KiB window in
#      random order (holes never filled), for OFO_S s.
#   3. 17 addresses x 64 PUTs (the per-source cap) of a declared 256 MiB,
#      each sending 2 KiB a second (over http_body_rate_min), fill the
#      1,024-slot table: at least half the port's mbuf pool stays free
#      (their writers flush early, put_early_flushes) and a GET from the
#      legitimate address is served (a slow upload of the largest source
#      is evicted: evicted_upload). They close 100 a second: a thousand
#      aborted at once stall tuskd's lcore on their files (open finding,
#      README "Under hostile clients").
#   4. ping -f (1400 bytes) and 1000-byte datagrams to the TWAMP
#      reflector as fast as Python sends them, for FLOOD_S s.
#   5. TWAMP-Control: 8 connections from 4 addresses take every slot and
#      idle (they would hold them for SERVWAIT, 900 s, renewed by any
#      message): a client from a fifth address still reaches
#      Server-Start (an idle one is evicted: ctrl_evicted), and a third
#      from one address is refused (ctrl_refused_source).
#   6. ARP flood: requests for tuskd from 2,000 addresses for ARP_S s.
#
# Asserts: every legitimate request succeeds within 5 s with identical
# bytes, tuskd's RSS grows by less than RSS_GROWTH_MAX_MB, tuskd answers
# afterwards. Prints the figures of each case.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

readonly LEGIT_ADDR=10.77.0.50
# Raw-socket sources: addresses the peer's kernel does not own.
readonly RAW_MSS=10.77.0.200 RAW_OFO=10.77.0.201
readonly OFO_CONNS=2 OFO_S=20 ARP_ADDRS=2000 ARP_S=10 MSS_S=8 FLOOD_S=10
# Case 6: uploads over the body rate minimum (1 KiB/s) filling the table
# (http_conns_max 1024) at the per-source cap (http_source_conns_max 64).
readonly TRICKLE_SRCS=17 TRICKLE_PER_SRC=64 TRICKLE_RATE=2048 TRICKLE_S=24
readonly TABLE_FULL=1000
readonly TWAMP_PORT=862
# Case 1's bound: RFC 9293 3.7.1's IPv4 default MSS (TUSK_TCP_MSS_MIN).
readonly MSS_FLOOR=536
# Same bound as test_http_hostile (README, "Under hostile clients").
readonly RSS_GROWTH_MAX_MB=100

need_lab
mkdir -p "$WORK/root" "$WORK/peer"
export TUSK_LAB_DATA=$WORK/root
lab_start a
wait_http
mkrand "$WORK/root/big.bin" 64
mkrand "$WORK/root/legit.bin" 1
mkrand "$WORK/peer/put.bin" 1
legit_sha=$(sha_of "$WORK/root/legit.bin")
put_sha=$(sha_of "$WORK/peer/put.bin")
for f in big.bin legit.bin; do
	pcurl -o /dev/null -I -w '%{http_code}' "$HTTP_BASE/$f"
	[ "$CURL_OUT" = 200 ] || fail "HEAD /$f before the attacks: $CURL_OUT"
done
peer ip addr add "$LEGIT_ADDR/24" dev eth0
for i in 100 101 102 103 104; do peer ip addr add "10.77.0.$i/24" dev eth0; done
mac=$(peer ip neigh show "$TUSKD_ADDR" dev eth0 | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p')
[ -n "$mac" ] || fail "peer has no ARP entry for $TUSKD_ADDR"
net() { peer python3 "$INTEG_DIR/hostile_net.py" eth0 "$mac" "$TUSKD_ADDR" "$@"; }

pid=$(cat "$LAB_STATE/tuskd.pid")
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
rss0=$(rss_kb)
rss_peak=$rss0
# rss_sample LABEL: the peak so far; a new peak is printed with the case
# that made it, so a growth past the bound names its cause
rss_sample() {
	local r
	r=$(rss_kb)
	if (( r > rss_peak )); then
		(( r - rss_peak > 4096 )) &&
			note "RSS $(( r / 1024 )) MiB in $1 ($(grep -E '^Rss' "/proc/$pid/status" | tr -s ' \t' ' ' | tr '\n' ' '))"
		rss_peak=$r
	fi
	true
}

total_s=$(( MSS_S + OFO_S + ARP_S + FLOOD_S + TRICKLE_S + 30 ))
peer python3 "$INTEG_DIR/hostile.py" legit "$TUSKD_ADDR" "$HTTP_PORT" \
	--src "$LEGIT_ADDR" --secs "$total_s" --get /legit.bin \
	--get-sha "$legit_sha" --get-every 1 --put-file "$WORK/peer/put.bin" \
	--put-prefix /put > "$WORK/legit.json" 2> "$WORK/legit.err" &
lpid=$!
http_cleanup_add "kill_if hostile.py $lpid"
sleep 2

note "1: a peer offering MSS 1 GETs a 64 MiB file"
stats_save "$WORK/b1.json"
net tiny_mss "$RAW_MSS" "$HTTP_PORT" /big.bin "$MSS_S" 1 > "$WORK/mss.json" ||
	fail "hostile_net.py tiny_mss"
note "$(cat "$WORK/mss.json")"
rss_sample tiny_mss
avg=$(python3 -c 'import json,sys; d = json.load(open(sys.argv[1]))
print(d["bytes"] // max(d["segs"], 1))' "$WORK/mss.json")
# a segment at the end of a buffer may be short; the rest are full
(( avg >= MSS_FLOOR * 9 / 10 )) ||
	fail "tuskd sent $avg bytes a segment on average to a peer offering MSS 1 (floor $MSS_FLOOR)"
note "ok: $avg bytes a segment on average"
expect_delta tcp_mss_raised 1 "$WORK/b1.json"

note "2: out-of-order 1-byte segments, holes never filled, $OFO_CONNS at a time"
stats_save "$WORK/b2.json"
net ofo "$RAW_OFO" "$HTTP_PORT" "$OFO_CONNS" "$OFO_S" > "$WORK/ofo.json" &
opid=$!
# the port's mbuf pool (rx, and the headers of every frame tuskd sends):
# its fewest free while the attack runs
pool_free() {
	ctl_json ports | python3 -c 'import json, sys
d = json.load(sys.stdin)
d = d.get("result", d)
p = d[0]["pool"]
print(p["available"], p["size"])'
}
read -r free_min pool_size < <(pool_free)
for (( i = 0; i < OFO_S + 10; i++ )); do
	kill -0 "$opid" 2> /dev/null || break
	rss_sample ofo
	read -r f _ < <(pool_free)
	(( f < free_min )) && free_min=$f
	sleep 1
done
wait "$opid" || fail "hostile_net.py ofo"
note "port pool: $free_min of $pool_size mbufs free at the fewest"
(( free_min * 2 >= pool_size )) ||
	fail "the out-of-order flood held $(( pool_size - free_min )) of $pool_size mbufs"
stats_save "$WORK/a2.json"
note "$(cat "$WORK/ofo.json"); tcp_ofo_full +$(( $(stat_of "$WORK/a2.json" \
	drops.tcp_ofo_full) - $(stat_of "$WORK/b2.json" drops.tcp_ofo_full) )),"\
	"tcp_rx_pool_low +$(( $(stat_of "$WORK/a2.json" drops.tcp_rx_pool_low) -
	$(stat_of "$WORK/b2.json" drops.tcp_rx_pool_low) ))"

note "3: $(( TRICKLE_SRCS * TRICKLE_PER_SRC )) PUTs trickling $TRICKLE_RATE B/s from $TRICKLE_SRCS addresses, $TRICKLE_S s"
tsrcs=()
for (( i = 0; i < TRICKLE_SRCS; i++ )); do
	tsrcs+=("10.77.0.$(( 110 + i ))")
	peer ip addr add "10.77.0.$(( 110 + i ))/24" dev eth0
done
ctl_json http > "$WORK/b6.json" || fail "tuskctl http"
net put_trickle "$HTTP_PORT" "$(IFS=,; echo "${tsrcs[*]}")" "$TRICKLE_PER_SRC" \
	"$TRICKLE_S" "$TRICKLE_RATE" > "$WORK/trickle.json" &
tpid=$!
http_cleanup_add "kill_if hostile_net.py $tpid"
# until the uploads hold the table (bounded: the attack's length)
read -r free_min _ < <(pool_free)
for (( i = 0; i < TRICKLE_S; i++ )); do
	conns=$(ctl_json http | python3 -c 'import json, sys
d = json.load(sys.stdin)
d = d.get("result", d)
print(sum(l["connections"] for l in d["lcores"]))')
	read -r f _ < <(pool_free)
	(( f < free_min )) && free_min=$f
	rss_sample put_trickle
	(( conns >= TABLE_FULL )) && break
	sleep 1
done
note "HTTP connections with the uploads in: $conns; port pool: $free_min of $pool_size mbufs free at the fewest"
(( conns >= TABLE_FULL )) || fail "the uploads never filled the table ($conns)"
(( free_min * 2 >= pool_size )) ||
	fail "the uploads held $(( pool_size - free_min )) of $pool_size mbufs"
http_get /legit.bin "$WORK/peer/t6.bin" "$WORK/t6.hdr" --interface "$LEGIT_ADDR"
assert_code "$CODE" 200 "GET while uploads fill the table"
same_file "$WORK/root/legit.bin" "$WORK/peer/t6.bin" "GET while uploads fill the table"
wait "$tpid" || fail "hostile_net.py put_trickle"
rss_sample put_trickle
note "$(cat "$WORK/trickle.json")"
ctl_json http > "$WORK/a6.json" || fail "tuskctl http"
python3 - "$WORK/b6.json" "$WORK/a6.json" <<'PY' || fail "upload eviction counter"
import json, sys
b, a = (json.load(open(f)) for f in sys.argv[1:3])
b, a = (d.get("result", d)["limits"] for d in (b, a))
print("# " + ", ".join("%s +%d" % (k, a[k] - b[k]) for k in
      ("evicted", "evicted_fair", "evicted_upload", "refused_full",
       "body_too_slow", "put_early_flushes")))
sys.exit(0 if a["evicted_upload"] > b["evicted_upload"] and
         a["put_early_flushes"] > b["put_early_flushes"] else 1)
PY

note "4: ping -f and 1000-byte datagrams to the TWAMP reflector for $FLOOD_S s"
stats_save "$WORK/b4.json"
peer timeout -s INT "$FLOOD_S" ping -f -q -s 1400 -I 10.77.0.104 "$TUSKD_ADDR" \
	> "$WORK/ping.txt" 2>&1 &
ppid=$!
net udp_flood "$TWAMP_PORT" "$FLOOD_S" 10.77.0.104 > "$WORK/udp.json" ||
	fail "hostile_net.py udp_flood"
wait "$ppid" || true
rss_sample udp_flood
stats_save "$WORK/a4.json"
note "$(cat "$WORK/udp.json"); ping: $(grep -o '[0-9]* packets transmitted, [0-9]* received' "$WORK/ping.txt");" \
	"icmp_echo_tx +$(( $(stat_of "$WORK/a4.json" icmp_echo_tx) - $(stat_of "$WORK/b4.json" icmp_echo_tx) ))"

note "5: TWAMP-Control: 8 idle connections from 4 addresses hold every slot"
for i in 100 101 102 103; do
	peer_src=10.77.0.$i
	ip netns exec "$TUSK_LAB_NS" python3 "$INTEG_DIR/hostile_net.py" eth0 \
		"$mac" "$TUSKD_ADDR" twamp_hold "$TWAMP_PORT" 3 15 "$peer_src" \
		> "$WORK/tw$i.json" 2>&1 &
	eval "tw$i=\$!"
done
sleep 3
net twamp_try "$TWAMP_PORT" 10.77.0.104 ||
	fail "a TWAMP-Control client from a fifth address was locked out"
note "ok: a client from a fifth address reached Server-Start"
for i in 100 101 102 103; do
	eval "wait \$tw$i" || fail "twamp_hold from 10.77.0.$i: $(cat "$WORK/tw$i.json")"
	note "10.77.0.$i: $(tr '\n' ' ' < "$WORK/tw$i.json")"
done
ctl_json twamp_stats > "$WORK/tw.json" || fail "tuskctl twamp_stats"
python3 - "$WORK/tw.json" <<'PY' || fail "TWAMP-Control counters (above)"
import json, sys
d = json.load(open(sys.argv[1]))
d = d.get("result", d)
ls = d if isinstance(d, list) else d.get("lcores", [d])
ev = sum(l["ctrl_evicted"] for l in ls)
rs = sum(l["ctrl_refused_source"] for l in ls)
print("# twamp: ctrl_evicted %d, ctrl_refused_source %d" % (ev, rs))
sys.exit(0 if ev >= 1 and rs >= 4 else 1)
PY

note "6: ARP requests from $ARP_ADDRS addresses for $ARP_S s"
net arp_flood "$ARP_ADDRS" "$ARP_S" > "$WORK/arp.json" ||
	fail "hostile_net.py arp_flood"
note "$(cat "$WORK/arp.json")"
rss_sample arp_flood

wait "$lpid" || fail "legitimate client: exit $? ($(cat "$WORK/legit.err"))"
python3 - "$WORK/legit.json" "$WORK/root" "$put_sha" <<'PY' || fail "legitimate client (above)"
import hashlib, json, sys
legit = json.load(open(sys.argv[1]))
bad = [r for r in legit if not r["ok"]]
for r in legit:
    if r["kind"] == "PUT" and r["ok"]:
        got = hashlib.sha256(open(sys.argv[2] + r["path"], "rb").read()).hexdigest()
        if got != sys.argv[3]:
            bad.append(dict(r, error="stored sha256 " + got))
gets = sum(1 for r in legit if r["kind"] == "GET")
puts = len(legit) - gets
print("# legitimate: %d GET + %d PUT, %d failed, worst %.3f s" %
      (gets, puts, len(bad), max(r["secs"] for r in legit)))
for r in bad:
    print("FAIL: legitimate %s #%d: %s" % (r["kind"], r["n"], r))
sys.exit(1 if bad or gets < 20 or puts < 4 else 0)
PY
note "tuskd: RSS $(( rss0 / 1024 )) MiB before, peak $(( rss_peak / 1024 )) MiB (bound +$RSS_GROWTH_MAX_MB)"
(( rss_peak - rss0 < RSS_GROWTH_MAX_MB * 1024 )) ||
	fail "RSS grew by $(( (rss_peak - rss0) / 1024 )) MiB"
http_get /legit.bin "$WORK/peer/after.bin" "$WORK/after.hdr"
assert_code "$CODE" 200 "GET after the attacks"
same_file "$WORK/root/legit.bin" "$WORK/peer/after.bin" "GET after the attacks"
note "PASS"
