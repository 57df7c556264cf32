#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_swift: tusk's Swift client (ctrl/swift_*.c, driven through
# tusk-swift) against a real Swift all-in-one on 127.0.0.1 that this test
# starts (tests/integration/swift_aio.py) and stops by PID, and a Keystone
# v3 stand-in (keystone_standin.py) that issues real Swift tokens.
#
#   plain object  -> GET byte-identical, X-Object-Meta-Sha256 = sha256sum
#   SLO 40 MiB / 4 MiB segments, 3 connections -> 10 segments, identical,
#                    manifest of 10, a range across a segment boundary
#   wrong ETag    -> 422 reported, no object
#   killed upload -> rerun sends only the missing segments; the ones there
#                    keep their timestamps (not rewritten)
#   token gone from memcache -> one renewal, the command succeeds
#   Keystone v3   -> upload through the catalog's public endpoint; a wrong
#                    password is a clear error
#   Swift down    -> a clear error after the configured retries, in bounded time
source "$(dirname "$0")/lib.sh"

SEG=$((4 * 1024 * 1024))
BIG_BYTES=$((40 * 1024 * 1024 + 12345))	# 10 full segments and a short one
TUSK_SWIFT=${TUSK_SWIFT:-$TUSK_BUILD/ctrl/tusk-swift}
AIO=$WORK/aio
KS_PID=

[ -x "$TUSK_SWIFT" ] || fail "no tusk-swift at $TUSK_SWIFT"
need_cmd memcached curl sha256sum
[ -x /usr/bin/swift-proxy-server ] ||
	skip "no Swift servers (tools/tusk-setup installs swift-proxy ...)"

swift_exit() {
	local rc=$?
	[ -z "$KS_PID" ] || kill "$KS_PID" 2>/dev/null || true
	/usr/bin/python3 "$INTEG_DIR/swift_aio.py" stop "$AIO" || true
	(exit $rc)
	on_exit
}
trap swift_exit EXIT

# jq-less JSON field: jf FILE a.b.c
jf() { /usr/bin/python3 -c 'import json,sys
v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[int(k)] if isinstance(v,list) else v[k]
print(str(v).lower() if isinstance(v,bool) else v)' "$1" "$2"; }

/usr/bin/python3 "$INTEG_DIR/swift_aio.py" start "$AIO" > "$WORK/aio.json" ||
	skip "the Swift all-in-one did not start (see above)"
AUTH=$(jf "$WORK/aio.json" auth_url)
MC_PORT=$(jf "$WORK/aio.json" memcached_port)
TA=(--auth-url "$AUTH" --user test:tester --key testing)
note "Swift all-in-one at $AUTH"

# sw NAME ARGS...: tusk-swift ... > $WORK/NAME.json; its exit code kept
sw() { local n=$1; shift; "$TUSK_SWIFT" "$@" > "$WORK/$n.json"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
token() { curl -sf -D - -o /dev/null -H "X-Auth-User: test:tester" \
	-H "X-Auth-Key: testing" "$AUTH" | tr -d '\r' | awk -v h="$1" \
	'tolower($1) == tolower(h) ":" { print $2 }'; }
TOK=$(token X-Auth-Token)
URL=$(token X-Storage-Url)
[ -n "$TOK" ] && [ -n "$URL" ] || fail "tempauth gave no token"

openssl rand -out "$WORK/small" 3000000
openssl rand -out "$WORK/big" $BIG_BYTES

# --- plain object
sw put "${TA[@]}" upload tc dir/small "$WORK/small" || fail "upload: $(cat "$WORK/put.json")"
assert_eq "$(jf "$WORK/put.json" result.segments)" 0 "plain object, no segments"
sw get "${TA[@]}" get tc dir/small "$WORK/small.out" || fail "get failed"
assert_eq "$(sha "$WORK/small.out")" "$(sha "$WORK/small")" "plain object sha256 after GET"
meta=$(curl -sfI -H "X-Auth-Token: $TOK" "$URL/tc/dir/small" | tr -d '\r' |
	awk 'tolower($1) == "x-object-meta-sha256:" { print $2 }')
assert_eq "$meta" "$(sha "$WORK/small")" "X-Object-Meta-Sha256"

# --- SLO
sw slo "${TA[@]}" --segment-size $SEG --parallel 3 upload tc dir/big "$WORK/big" ||
	fail "SLO upload: $(cat "$WORK/slo.json")"
assert_eq "$(jf "$WORK/slo.json" result.segments)" 11 "SLO segments"
assert_eq "$(jf "$WORK/slo.json" stats.segments_sent)" 11 "segments sent"
sw sloget "${TA[@]}" get tc dir/big "$WORK/big.out" || fail "SLO get failed"
assert_eq "$(sha "$WORK/big.out")" "$(sha "$WORK/big")" "SLO sha256 after GET"
n=$(curl -sf -H "X-Auth-Token: $TOK" "$URL/tc/dir/big?multipart-manifest=get" |
	/usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
assert_eq "$n" 11 "manifest entries"
off=$((SEG - 1000)) len=5000
sw range "${TA[@]}" get tc dir/big "$WORK/range.out" $off $len || fail "range GET"
dd if="$WORK/big" of="$WORK/range.want" bs=1 skip=$off count=$len status=none
dd if="$WORK/range.out" of="$WORK/range.got" bs=1 skip=$off count=$len status=none
cmp -s "$WORK/range.got" "$WORK/range.want" || fail "ranged GET across a segment boundary differs"
note "ok: ranged GET across segments 0/1"
sw list "${TA[@]}" list tc dir/
assert_eq "$(jf "$WORK/list.json" objects.0.name),$(jf "$WORK/list.json" objects.1.name)" \
	"dir/big,dir/small" "listing with prefix"

# --- wrong ETag: Swift refuses, the error says so, nothing is stored
if sw bad "${TA[@]}" put-etag tc bad "$WORK/small" 0123456789abcdef0123456789abcdef; then
	fail "a wrong ETag was accepted"
fi
grep -q '422: the MD5 Swift computed differs' "$WORK/bad.json" || fail "no clear 422 error: $(cat "$WORK/bad.json")"
code=$(curl -s -o /dev/null -w '%{http_code}' -I -H "X-Auth-Token: $TOK" "$URL/tc/bad")
assert_eq "$code" 404 "object after a refused ETag"

# --- killed upload resumed
listing() { curl -sf -H "X-Auth-Token: $TOK" "$URL/tc_segments?format=json&prefix=dir/resume/" |
	/usr/bin/python3 -c 'import json,sys
for o in json.load(sys.stdin): print(o["name"], o["last_modified"])'; }
"$TUSK_SWIFT" "${TA[@]}" --segment-size $SEG --parallel 2 --max-send-bps 2000000 \
	upload tc dir/resume "$WORK/big" > "$WORK/killed.json" &
up=$!
for (( i = 0; i < 600; i++ )); do	# 60 s at most
	[ "$(listing | wc -l)" -ge 3 ] && break
	kill -0 $up 2>/dev/null || fail "the throttled upload ended before it was killed"
	sleep 0.1
done
kill -9 $up
wait $up 2>/dev/null || true	# 137: killed, as meant
listing > "$WORK/before"
had=$(wc -l < "$WORK/before")
[ "$had" -ge 3 ] && [ "$had" -lt 11 ] || fail "$had segments at the kill, want 3..10"
note "killed the uploader with $had of 11 segments in Swift"
sw resume "${TA[@]}" --segment-size $SEG --parallel 2 upload tc dir/resume "$WORK/big" ||
	fail "resumed upload: $(cat "$WORK/resume.json")"
assert_eq "$(jf "$WORK/resume.json" stats.segments_skipped)" "$had" "segments not sent again"
assert_eq "$(jf "$WORK/resume.json" stats.object_puts)" $((11 - had)) "segment PUTs on resume"
listing > "$WORK/after"
assert_eq "$(grep -cxFf "$WORK/before" "$WORK/after")" "$had" "segments there before, untouched (same last_modified)"
sw rget "${TA[@]}" get tc dir/resume "$WORK/resume.out" || fail "get resumed"
assert_eq "$(sha "$WORK/resume.out")" "$(sha "$WORK/big")" "resumed SLO sha256 after GET"

# --- auth expiry: the token vanishes from memcache, as at token_life's end
forget() { /usr/bin/python3 -c 'import sys
from swift.common.memcached import MemcacheRing
MemcacheRing([sys.argv[1]]).delete("AUTH_/token/" + sys.argv[2])' "127.0.0.1:$MC_PORT" "$1"; }
sw ok "${TA[@]}" --token "$TOK" --storage-url "$URL" list tc || fail "list with a live token"
assert_eq "$(jf "$WORK/ok.json" stats.auths)" 0 "auths with a cached live token"
forget "$TOK"
sw renew "${TA[@]}" --token "$TOK" --storage-url "$URL" upload tc dir/renewed "$WORK/small" ||
	fail "upload after expiry: $(cat "$WORK/renew.json")"
assert_eq "$(jf "$WORK/renew.json" stats.renewals)" 1 "renewals after a 401"

# --- Keystone v3 (stand-in issuing real Swift tokens)
/usr/bin/python3 "$INTEG_DIR/keystone_standin.py" "$WORK/ks.port" "$AUTH" &
KS_PID=$!
for (( i = 0; i < 100; i++ )); do [ -s "$WORK/ks.port" ] && break; sleep 0.1; done
[ -s "$WORK/ks.port" ] || fail "the Keystone stand-in did not start"
KS=(--auth-url "http://127.0.0.1:$(cat "$WORK/ks.port")/v3" --user alice --keystone-project pilot)
sw ks "${KS[@]}" --key secret --segment-size $SEG upload ks dir/big "$WORK/big" ||
	fail "keystone upload: $(cat "$WORK/ks.json")"
sw ksget "${TA[@]}" get ks dir/big "$WORK/ks.out" || fail "get keystone object"
assert_eq "$(sha "$WORK/ks.out")" "$(sha "$WORK/big")" "object uploaded with a Keystone token"
if sw kswrong "${KS[@]}" --key wrong list ks; then fail "a wrong Keystone password passed"; fi
grep -q 'keystone .* 401 (wrong user, password or project?)' "$WORK/kswrong.json" ||
	fail "no clear Keystone error: $(cat "$WORK/kswrong.json")"
note "ok: wrong Keystone password: $(jf "$WORK/kswrong.json" error)"

# --- Swift down: bounded retries, then a clear error
/usr/bin/python3 "$INTEG_DIR/swift_aio.py" stop "$AIO"
t0=$(date +%s)
if sw down "${TA[@]}" --retries 2 --retry-delay-ms 300 --token "$TOK" --storage-url "$URL" \
	upload tc dir/down "$WORK/small"; then fail "upload to a stopped Swift passed"; fi
grep -q 'swift: [A-Z]* http[^ ]*: .*Couldn.t connect.* (gave up after 3 tries)' "$WORK/down.json" || fail "no clear error: $(cat "$WORK/down.json")"
assert_eq "$(jf "$WORK/down.json" stats.requests)" 3 "requests to a stopped Swift"
[ $(( $(date +%s) - t0 )) -lt 30 ] || fail "giving up took over 30 s"
note "ok: Swift down: $(jf "$WORK/down.json" error)"
echo "PASS: $TEST_NAME"
