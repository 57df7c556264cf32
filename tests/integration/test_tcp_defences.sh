#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_tcp_defences: tuskd's RFC 5961 challenge-ACK limits and SYN cookies
# against crafted segments from the peer (tcp_probe.py, raw AF_PACKET),
# read back from `tuskctl --json stats`.
#
#   1. On a real connection from the peer's Linux stack, 5 SYNs on its
#      4-tuple 20 ms apart (RFC 5961 4.2): one challenge ACK, 4 held back
#      by the per-connection limit (one per 500 ms); 600 ms later one more
#      SYN gets its challenge ACK. None of it resets the connection.
#   2. 400 SYNs to the HTTP port (SYN queue 256) from an address nobody
#      answers ARP for: the queue fills and the rest are answered with
#      cookies (tcp_syncookies_sent +144 exactly). While it is full, the peer's
#      curl GETs a file: its handshake completes by cookie
#      (tcp_syncookies_ok >= 1) and the bytes are identical.
#   3. 20 bare ACKs with random numbers from that address: 20 forged
#      cookies refused (tcp_syncookies_failed +20), no connection made.
#   4. `tuskctl stats` (for people) prints the seven counters.
#   5. On a real connection, 20 bare ACKs 10 ms apart with a sequence
#      number half the space from the real one (out of the window): one
#      duplicate ACK, 19 held back (tcp_oow_ack_limited +19; one per
#      connection per 500 ms); the connection still serves a GET.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

# An address in the lab's subnet that no host has: tuskd's SYN-ACKs to
# it wait for ARP forever, so its SYN-RECEIVED entries stay.
readonly GHOST=10.77.0.99
# tuskd's HTTP listener queues this many SYN-RECEIVED (HS_BACKLOG).
readonly BACKLOG=256
readonly FLOOD=400

need_lab
ROOT=$WORK/root
mkdir -p "$ROOT"
mkrand "$ROOT/f.bin" 1
export TUSK_LAB_DATA=$ROOT
lab_start a
wait_http
mac=$(peer ip neigh show "$TUSKD_ADDR" dev eth0 | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p')
[ -n "$mac" ] || fail "peer has no ARP entry for $TUSKD_ADDR"
probe() { peer python3 "$INTEG_DIR/tcp_probe.py" eth0 "$mac" "$TUSKD_ADDR" "$HTTP_PORT" "$@"; }

note "1: challenge ACKs on one connection"
stats_save "$WORK/b1.json"
probe syn_on_conn 5 20 > /dev/null || fail "tcp_probe syn_on_conn"
expect_delta tcp_challenge_acks 1 "$WORK/b1.json"
expect_delta tcp_challenge_conn_limited 4 "$WORK/b1.json"
stats_save "$WORK/b2.json"
probe syn_on_conn 1 0 > /dev/null || fail "tcp_probe syn_on_conn (fresh)"
expect_delta tcp_challenge_acks 1 "$WORK/b2.json"
expect_delta tcp_challenge_conn_limited 0 "$WORK/b2.json"
assert_eq "$(( $(stat_of "$WORK/now.json" tcp_challenge_global_limited) ))" 0 \
	"challenge ACKs held back by the global budget"

note "2: SYN flood, then a GET through a cookie"
stats_save "$WORK/b3.json"
probe syn_flood "$GHOST" "$FLOOD" || fail "tcp_probe syn_flood"
expect_delta tcp_syncookies_sent $(( FLOOD - BACKLOG )) "$WORK/b3.json"
http_get /f.bin "$WORK/f.out" "$WORK/f.hdr"
assert_code "$CODE" 200 "GET during the flood"
same_file "$ROOT/f.bin" "$WORK/f.out" "GET through a cookie"
stats_save "$WORK/a3.json"
ok=$(( $(stat_of "$WORK/a3.json" tcp_syncookies_ok) -
       $(stat_of "$WORK/b3.json" tcp_syncookies_ok) ))
[ "$ok" -ge 1 ] || fail "no connection made from a cookie ($ok)"
note "ok: $ok connection(s) from cookies"

note "3: forged cookies"
stats_save "$WORK/b4.json"
probe bad_ack "$GHOST" 20 || fail "tcp_probe bad_ack"
expect_delta tcp_syncookies_failed 20 "$WORK/b4.json"
assert_eq "$(( $(stat_of "$WORK/now.json" tcp_syncookies_ok) -
	      $(stat_of "$WORK/b4.json" tcp_syncookies_ok) ))" 0 \
	"connections made from forged cookies"

note "4: tuskctl stats shows them to people too"
"$TUSKCTL" -s "$LAB_STATE/tuskd.sock" stats > "$WORK/stats.txt" ||
	fail "tuskctl stats failed"
for k in tcp_challenge_acks tcp_challenge_conn_limited \
	 tcp_challenge_global_limited tcp_oow_ack_limited tcp_syncookies_sent \
	 tcp_syncookies_ok \
	 tcp_syncookies_failed; do
	grep -qE "^$k +[0-9]+$" "$WORK/stats.txt" ||
		fail "tuskctl stats has no line for $k: $(cat "$WORK/stats.txt")"
done
note "ok: tuskctl stats lists the seven counters"

note "5: out-of-window bare ACKs on one connection"
stats_save "$WORK/b5.json"
probe oow_on_conn 20 10 > /dev/null || fail "tcp_probe oow_on_conn"
expect_delta tcp_oow_ack_limited 19 "$WORK/b5.json"
http_get /f.bin "$WORK/f5.out" "$WORK/f5.hdr"
assert_code "$CODE" 200 "GET after the out-of-window ACKs"
same_file "$ROOT/f.bin" "$WORK/f5.out" "GET after the out-of-window ACKs"
