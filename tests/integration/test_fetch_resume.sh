#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_fetch_resume: tuskd fetches 1 GiB from the Linux peer's HTTP server
# with 4 range streams, survives interruptions and lands the file intact.
#
#   +-- tuskd 10.77.0.2 -------------+        +-- peer 10.77.0.1 -----------------+
#   |  fetch client (app/svc)        |  veth  |  range_server.py :8000 (ranges,   |
#   |  data root $WORK/root  <-------|========|--  ETag, Repr-Digest)             |
#   |                                |        |  python3 -m http.server :8001     |
#   +--------------------------------+        +-----------------------------------+
#
#   1. Server killed half-way (SIGKILL, by PID), restarted a second later:
#      the streams fail, the fetch retries with backoff, resumes and the
#      result's SHA-256 equals the source's (and the server's Repr-Digest);
#      finished blocks are not fetched again.
#   2. tuskd killed half-way (SIGKILL) and started again: no debris is left
#      (a record save the kill cut short is swept at start-up, and logged);
#      the resume record on disk lists the transfer as paused; a fetch of
#      the same URL and dest re-reads the finished blocks, checks their
#      CRC32C and fetches only the rest (bytes fetched < size); SHA-256
#      identical; nothing but the file is left.
#   3. `python3 -m http.server` (Python 3.11 ignores Range and sends no
#      Accept-Ranges): asked for 4 streams, the fetch uses one and the
#      file is identical.
#   4. Errors are clear: 404 from the server; ftp refused; a port nothing
#      listens on says "connection refused by ADDR:PORT" while it retries
#      (started after the restart in 2, it runs beside 2 and 3) and fails
#      with that reason after TUSK_FETCH_RETRY_MAX attempts (~64 s of
#      backoff).

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

# The issue's size; FETCH_TEST_MIB makes a quick run while developing.
readonly MIB=${FETCH_TEST_MIB:-1024}
readonly SIZE=$(( MIB << 20 ))
readonly RANGE_PORT=8000
readonly PLAIN_PORT=8001
# Bound on one fetch (1 GiB takes seconds on the lab's veth; the server's
# digest of the file adds a second per start).
readonly FETCH_MAX_S=${FETCH_MAX_S:-180}
# The resume record is rewritten at most every 0.5 s (app/svc/
# http_fetch_priv.h TUSK_FETCH_SAVE_NS); tuskd is killed this long after
# half the bytes arrived, so that the record has caught up with them.
readonly RECORD_LAG_S=1
# Largest block (app/svc/http_fetch_sched.h): a stream cut off loses at
# most its unfinished block.
readonly BLOCK=$(( 8 << 20 ))
# What reaches tuskd is paced by its impairment stage (rx rate) while a
# transfer is interrupted, so that "half-way" is seconds long, not a blur.
readonly PACE_MBPS=1500
# A port on the peer nothing listens on (the peer answers RST).
readonly REFUSED_PORT=8009
# Attempts before a fetch gives up (app/svc/http_fetch_priv.h
# TUSK_FETCH_RETRY_MAX): the reason says how many.
readonly RETRY_MAX=12

# shellcheck source=tests/integration/fetch_lib.sh
. "$(dirname "$0")/fetch_lib.sh"
# shellcheck source=tests/integration/crash_lib.sh
. "$(dirname "$0")/crash_lib.sh"

# Without hugepages (tools/tusk-lab --no-huge): tuskd starts again in 2,
# and hugepages another process takes meanwhile (other tests, other tuskd)
# would fail that start for a reason this test is not about.
export TUSK_LAB_HUGE=${TUSK_LAB_HUGE:-no}
need_lab
mkdir -p "$WORK/root" "$WORK/srv"
export TUSK_LAB_DATA=$WORK/root
lab_start a
note "making a $MIB MiB random file on the peer"
mkrand "$WORK/srv/big.bin" "$MIB"
want=$(sha_of "$WORK/srv/big.bin")
srv_start --digest
url=http://$PEER_ADDR:$RANGE_PORT/big.bin

note "1: 4 streams, the server killed half-way and restarted"
ctl_json impair port=lab0 dir=rx "rate_mbps=$PACE_MBPS" > /dev/null ||
	fail "cannot pace tuskd's port"
id=$(fetch "$url" big.bin 4)
wait_bytes "$id" $(( SIZE / 2 ))
kill -KILL "$SRV_PID"
note "server killed at $(xget "$id" bytes) of $SIZE bytes"
sleep 1
srv_start
assert_done "$id" "fetch through a server restart"
assert_eq "$(sha_of "$WORK/root/big.bin")" "$want" "sha256 of the fetched file"
assert_eq "$(xget "$id" sha256)" "$want" "sha256 the transfer reports"
[ "$(xget "$id" retries)" -ge 1 ] || fail "no failed attempt counted"
fetched=$(xget "$id" bytes_fetched)
[ "$fetched" -lt $(( SIZE + 4 * BLOCK )) ] ||
	fail "fetched $fetched bytes: finished blocks were fetched again"
note "ok: $fetched bytes fetched for $SIZE"
assert_eq "$(extras "$WORK/root" big.bin)" "" "nothing left beside big.bin"

note "2: tuskd killed half-way, restarted, the fetch resumed from its record"
id=$(fetch "$url" again.bin 4)
wait_bytes "$id" $(( SIZE / 2 ))
sleep "$RECORD_LAG_S"
note "tuskd killed at $(xget "$id" bytes) of $SIZE bytes"
tuskd_kill
left=$(debris "$WORK/root")
tuskd_restart
for f in $left; do
	tuskd_log_grep -qF "sweep: removed $f (" || fail "$f left by the kill, not swept"
done
assert_eq "$(debris "$WORK/root")" "" "debris after the restart (swept: ${left:-none})"
[ -f "$WORK/root/again.bin.tusk-part.state" ] || fail "no resume record on disk"
pid_state=$(ctl_json transfers | python3 -c 'import json, sys
print(" ".join(x["state"] + ":" + x["dest"] for x in json.load(sys.stdin)["result"]))')
assert_eq "$pid_state" "paused:again.bin" "transfers after the restart"
note "4a: a refused port, fetched beside 2 and 3"
refused=$(fetch "http://$PEER_ADDR:$REFUSED_PORT/big.bin" refused.bin 4)
for (( i = 0; i < 100; i++ )); do
	[ -n "$(xget "$refused" last_error)" ] && break
	sleep 0.1
done
assert_eq "$(xget "$refused" last_error)" \
	"connection refused by $PEER_ADDR:$REFUSED_PORT" "first attempt's reason"

id=$(fetch "$url" again.bin 4)
assert_done "$id" "fetch resumed after a tuskd restart"
assert_eq "$(sha_of "$WORK/root/again.bin")" "$want" "sha256 after the resume"
fetched=$(xget "$id" bytes_fetched)
verified=$(xget "$id" bytes_verified)
[ "$fetched" -lt "$SIZE" ] || fail "resumed fetch refetched $fetched of $SIZE bytes"
[ $(( fetched + verified )) -ge "$SIZE" ] ||
	fail "fetched $fetched + verified $verified < $SIZE"
note "ok: resumed: $verified bytes verified on disk, $fetched fetched," \
	"$(xget "$id" blocks_refetched) blocks bad"
assert_eq "$(extras "$WORK/root" big.bin again.bin)" "" "no part or record left"

note "3: python3 -m http.server (no ranges), 4 streams asked"
ctl_json impair port=lab0 dir=rx clear=1 > /dev/null || fail "impair clear"
ip netns exec "$TUSK_LAB_NS" python3 -m http.server --bind "$PEER_ADDR" \
	--directory "$WORK/srv" "$PLAIN_PORT" > "$WORK/plain.log" 2>&1 &
PLAIN_PID=$!
for (( i = 0; i < 100; i++ )); do
	peer curl -s -o /dev/null -I "http://$PEER_ADDR:$PLAIN_PORT/big.bin" && break
	sleep 0.1
done
id=$(fetch "http://$PEER_ADDR:$PLAIN_PORT/big.bin" plain.bin 4)
assert_done "$id" "fetch from python3 -m http.server"
assert_eq "$(xget "$id" ranges)" false "ranges used against http.server"
assert_eq "$(sha_of "$WORK/root/plain.bin")" "$want" "sha256 from http.server"
note "ok: $(xget "$id" note)"

note "4: clear errors"
id=$(fetch "http://$PEER_ADDR:$RANGE_PORT/nope.bin" nope.bin 4)
assert_eq "$(wait_end "$id")" failed "fetch of a missing file"
assert_eq "$(xget "$id" error)" "server answered 404 Not Found" "404 reason"
out=$(ctl_json fetch "url=ftp://$PEER_ADDR/x" || true)
echo "$out" | grep -q '"ok": *false' || fail "ftp accepted: $out"
echo "$out" | grep -q 'bad URL' || fail "ftp refused without a reason: $out"
note "ok: ftp refused: $(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["error"])')"
assert_eq "$(wait_end "$refused")" failed "fetch from a refused port"
assert_eq "$(xget "$refused" error)" "connection refused by $PEER_ADDR:$REFUSED_PORT (gave up after $RETRY_MAX attempts)" "refused reason"
[ ! -e "$WORK/root/refused.bin" ] || fail "refused.bin exists"
note "all fetch tests passed"
