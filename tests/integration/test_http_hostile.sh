#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_http_hostile: tuskd's HTTP endpoint keeps serving a legitimate
# client while, from the same Linux peer, for 60 s at once (hostile.py):
#   - 2,000 slowloris connections (a head byte every ~3 s, never whole),
#   - 200 readers of a 256 MiB file (GET, never read, SO_RCVBUF tiny),
#   - 3,000 idle connections (connect, send nothing),
#   - a SYN flood of 500 SYNs/s (raw socket, to the lab address only),
# every attacker connection opened again soon after tuskd closes it (400
# new connections a second at most: hostile.py's CONNECT_RATE). The
# attackers come from 40 addresses of the peer (so the per-source limits
# alone cannot stop them: together they could hold 2,560 slots of a
# 1,024-slot table); the legitimate client from another address GETs a
# 1 MiB file every 2 s and PUTs one every 5 s, each on a new connection.
#
#          peer netns (Linux)                              tuskd
#   10.77.0.100-139  attackers ----\                  10.77.0.2:80
#   10.77.0.50       legitimate ----+--- veth ---->   1 lcore, defaults
#
# Asserts: every legitimate request succeeds within 5 s with identical
# bytes (SHA-256 of each GET body; each PUT's file in the data root);
# tuskd's RSS grows by less than RSS_GROWTH_MAX_MB and the payload its
# responses hold stays under data_pool_mb; the limits the attack is built
# to trip did trip (head deadline, eviction, readers cut off by the send
# timeout or eviction); tuskd answers afterwards, the attackers'
# addresses too. Prints the figures: requests served, worst latency, RSS,
# the responses' pool peak, every limit's counter.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

readonly ATTACK_S=${HOSTILE_SECS:-60}
readonly N_LORIS=2000 N_READERS=200 N_IDLE=3000 SYN_RATE=500
# Attacker addresses 10.77.0.100 ... (100 + N_SRCS - 1).
readonly N_SRCS=40
readonly LEGIT_ADDR=10.77.0.50
readonly BIG_MIB=256
# tuskd.conf defaults (README): data_pool_mb, http_conns_max.
readonly POOL_MB=256
# RSS growth bound (README, "Under hostile clients"): the endpoint's
# connection state, 35 KiB a slot, 35 MiB for the default 1,024; TCP's
# connection blocks, 1 KiB each, 16 MiB for the stack's 16,384, which
# count once touched when EAL runs without hugepages; malloc's slack. The
# payload pool was touched when it was made (or lives in hugepages).
readonly RSS_GROWTH_MAX_MB=100
# The legitimate client starts once the attack holds the table.
readonly LEGIT_DELAY_S=5

need_lab
command -v python3 > /dev/null || fail "no python3"
mkdir -p "$WORK/root" "$WORK/peer"
export TUSK_LAB_DATA=$WORK/root
lab_start a
wait_http

note "making a $BIG_MIB MiB file for the readers and 1 MiB ones for the client"
mkrand "$WORK/root/big.bin" "$BIG_MIB"
mkrand "$WORK/root/legit.bin" 1
mkrand "$WORK/peer/put.bin" 1
legit_sha=$(sha_of "$WORK/root/legit.bin")
put_sha=$(sha_of "$WORK/peer/put.bin")

srcs=()
for (( i = 0; i < N_SRCS; i++ )); do
	srcs+=("10.77.0.$(( 100 + i ))")
	peer ip addr add "10.77.0.$(( 100 + i ))/24" dev eth0
done
peer ip addr add "$LEGIT_ADDR/24" dev eth0
# Each attacker address holds a few hundred sockets; the namespace's own
# limits must not be what stops the attack.
peer sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
# Digests first (the first GET of a file waits for its SHA-256).
for f in big.bin legit.bin; do
	pcurl -o /dev/null -I -w '%{http_code}' "$HTTP_BASE/$f"
	[ "$CURL_OUT" = 200 ] || fail "HEAD /$f before the attack: $CURL_OUT"
done

pid=$(cat "$LAB_STATE/tuskd.pid")
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
rss0=$(rss_kb)

note "attack: $N_LORIS slowloris, $N_READERS zero-window readers, $N_IDLE idle," \
	"$SYN_RATE SYN/s from $N_SRCS addresses for $ATTACK_S s"
peer python3 "$INTEG_DIR/hostile.py" attack "$TUSKD_ADDR" "$HTTP_PORT" \
	--secs "$ATTACK_S" --srcs "$(IFS=,; echo "${srcs[*]}")" \
	--slowloris "$N_LORIS" --readers "$N_READERS" --reader-path /big.bin \
	--idle "$N_IDLE" --syn-rate "$SYN_RATE" \
	> "$WORK/attack.json" 2> "$WORK/attack.err" &
apid=$!
http_cleanup_add "kill_if hostile.py $apid"
sleep "$LEGIT_DELAY_S"
peer python3 "$INTEG_DIR/hostile.py" legit "$TUSKD_ADDR" "$HTTP_PORT" \
	--src "$LEGIT_ADDR" --secs $(( ATTACK_S - LEGIT_DELAY_S - 3 )) \
	--get /legit.bin --get-sha "$legit_sha" \
	--put-file "$WORK/peer/put.bin" --put-prefix /put \
	> "$WORK/legit.json" 2> "$WORK/legit.err" &
lpid=$!
http_cleanup_add "kill_if hostile.py $lpid"

# Sample tuskd while the attack runs (bounded: the attack's length and
# a margin): its RSS, and the endpoint's table and limit counters.
rss_peak=$rss0
conns_peak=0
for (( i = 0; i < ATTACK_S + 30; i++ )); do
	kill -0 "$apid" 2> /dev/null || break
	r=$(rss_kb)
	(( r > rss_peak )) && rss_peak=$r
	if ctl_json http > "$WORK/http.json" 2> /dev/null; then
		n=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
d = d.get("result", d)
print(sum(l["connections"] for l in d["lcores"]))' "$WORK/http.json") || n=0
		(( n > conns_peak )) && conns_peak=$n
	fi
	sleep 1
done
wait "$lpid" || fail "legitimate client: exit $? ($(cat "$WORK/legit.err"))"
wait "$apid" || fail "attacker: exit $? ($(cat "$WORK/attack.err"))"
ctl_json http > "$WORK/http.json" || fail "tuskctl http after the attack"

note "attackers: $(cat "$WORK/attack.json")"
python3 - "$WORK/legit.json" "$WORK/http.json" "$WORK/root" "$put_sha" \
	"$ATTACK_S" "$LEGIT_DELAY_S" "$POOL_MB" <<'EOF' || fail "legitimate client or bounds (above)"
import hashlib, json, sys
legit = json.load(open(sys.argv[1]))
http = json.load(open(sys.argv[2]))
http = http.get("result", http)
root, put_sha = sys.argv[3], sys.argv[4]
secs = int(sys.argv[5]) - int(sys.argv[6]) - 3
pool = int(sys.argv[7]) << 20
bad = [r for r in legit if not r["ok"]]
for r in legit:
    if r["kind"] == "PUT" and r["ok"]:
        got = hashlib.sha256(open(root + r["path"], "rb").read()).hexdigest()
        if got != put_sha:
            bad.append(dict(r, error="stored sha256 " + got))
gets = sum(1 for r in legit if r["kind"] == "GET")
puts = sum(1 for r in legit if r["kind"] == "PUT")
worst = max(r["secs"] for r in legit)
lim = http["limits"]
print("# legitimate: %d GET + %d PUT served of %d + %d, worst %.3f s" %
      (gets - sum(1 for r in bad if r["kind"] == "GET"),
       puts - sum(1 for r in bad if r["kind"] == "PUT"), gets, puts, worst))
print("# limits: " + ", ".join("%s %d" % kv for kv in lim.items()))
ok = True
for r in bad:
    print("FAIL: legitimate %s #%d: %s" % (r["kind"], r["n"], r))
    ok = False
if gets < secs // 2 - 1 or puts < secs // 5 - 1:
    print("FAIL: only %d GET and %d PUT in %d s" % (gets, puts, secs))
    ok = False
if lim["pool_held_peak"] >= pool:
    print("FAIL: responses held %d bytes, the pool is %d" %
          (lim["pool_held_peak"], pool))
    ok = False
if lim["head_timeouts"] == 0:
    print("FAIL: the attack never tripped the head deadline")
    ok = False
if lim["evicted"] + lim["evicted_fair"] == 0:
    print("FAIL: the table never evicted: the attack did not fill it")
    ok = False
# the readers end by the send timeout, or sooner as the quietest busy
# connections of the largest sources when the table is full
if lim["send_timeouts"] + lim["evicted_fair"] == 0:
    print("FAIL: no reader was ever cut off")
    ok = False
sys.exit(0 if ok else 1)
EOF
note "tuskd: RSS $(( rss0 / 1024 )) MiB before, peak $(( rss_peak / 1024 )) MiB" \
	"(bound: +$RSS_GROWTH_MAX_MB), now $(tr -s ' \n' ' ' < <(grep -E \
	'^(VmRSS|RssAnon|HugetlbPages):' "/proc/$pid/status"));" \
	"HTTP connections peak $conns_peak"
(( rss_peak - rss0 < RSS_GROWTH_MAX_MB * 1024 )) ||
	fail "RSS grew by $(( (rss_peak - rss0) / 1024 )) MiB (bound $RSS_GROWTH_MAX_MB)"

note "after the attack: tuskd answers, the attackers' addresses too"
http_get /legit.bin "$WORK/peer/after.bin" "$WORK/after.hdr"
assert_code "$CODE" 200 "GET after the attack"
same_file "$WORK/root/legit.bin" "$WORK/peer/after.bin" "GET after the attack"
http_get /legit.bin "$WORK/peer/after2.bin" "$WORK/after2.hdr" \
	--interface "${srcs[0]}"
assert_code "$CODE" 200 "GET from an attacker address after the attack"
same_file "$WORK/root/legit.bin" "$WORK/peer/after2.bin" \
	"GET from an attacker address after the attack"
note "PASS"
