#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_http_digest: the checksums grid clients ask for, against values
# Python computes (zlib.adler32, hashlib, a table CRC32C:
# file_digests.py), through tuskd's HTTP endpoint and its fetch client.
#
#   +-- tuskd 10.77.0.2 -------------+        +-- peer 10.77.0.1 --------------+
#   |  HTTP endpoint :80  <----------|========|-- curl -H 'Want-Digest: ...'   |
#   |  fetch client      -----------|--veth--|-> range_server.py :8000 honest |
#   |                    -----------|--------|-> range_server.py :8002 --lie  |
#   +--------------------------------+        +--------------------------------+
#
#   1. HEAD with `Want-Digest: adler32` (RFC 3230, what gfal2 and davix
#      send) of a file never hashed waits for that digest only (no sha-256
#      kept after it) and answers
#      `Digest: adler32=<8 hex>` = zlib's; md5, sha-256 (base64) and crc32c
#      (hex) likewise; a GET with Want-Digest then carries the kept value
#      and the same bytes.
#   2. q-values pick the algorithm (RFC 3230 4.3.1); q=0 refuses one;
#      unknown algorithms are ignored (200, no Digest); Want-Repr-Digest
#      (RFC 9530) answers in Repr-Digest.
#   3. PUT with a wrong `Digest: adler32=`, a wrong md5, a wrong crc32c in
#      Repr-Digest: 400, the answer carries the digest of what arrived,
#      the file is absent, nothing left in the root; the refusals are
#      counted. A PUT with the right adler32 and md5: 201, file identical,
#      its digests kept (a HEAD answers at once).
#   4. Fetches from a server sending Digest (adler32, crc32c, md5, sha-256)
#      and Repr-Digest, verify= each algorithm, auto, reread, none: done,
#      file identical, the transfer's digests = Python's (auto: all but
#      md5, which it skips when sha-256 is offered).
#   5. A source whose bytes differ from the digests it announces: the
#      fetch fails with "digest mismatch" naming the algorithm and both
#      values; nothing is committed, no part is left.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

readonly MIB=${DIGEST_TEST_MIB:-32}
readonly SIZE=$(( MIB << 20 ))
readonly RANGE_PORT=8000
readonly LIAR_PORT=8002
readonly FETCH_MAX_S=${FETCH_MAX_S:-120}
readonly ALGS=adler32,crc32c,md5,sha-256

# shellcheck source=tests/integration/fetch_lib.sh
. "$(dirname "$0")/fetch_lib.sh"

LIAR_PID=
liar_stop() { [ -z "$LIAR_PID" ] || kill_if range_server.py "$LIAR_PID"; }
http_cleanup_add liar_stop

# py_digest FILE FORM ALG: Python's value of ALG (file_digests.py FORM),
# computed once per file and form.
py_digest() {
	local cache=$WORK/dig/${1##*/}.$2
	[ -s "$cache" ] || python3 "$INTEG_DIR/file_digests.py" "$1" "$2" > "$cache" ||
		fail "file_digests.py $1"
	awk -v a="$3" '$1 == a || index($0, a "=") == 1' "$cache"
}

# xdigests ID KEY: "alg=hex ..." of the transfer's KEY (digests,
# source_digests), sorted.
xdigests() {
	ctl_json transfers | python3 -c '
import json, sys
want, key = int(sys.argv[1]), sys.argv[2]
for x in json.load(sys.stdin)["result"]:
    if x["id"] == want:
        print(" ".join("%s=%s" % kv for kv in sorted((x.get(key) or {}).items())))' "$1" "$2"
}

# put_refused: uploads refused for a digest mismatch, all lcores.
put_refused() {
	ctl_json http | python3 -c 'import json, sys
print(sum(l["put_digest_refused"] for l in json.load(sys.stdin)["result"]["lcores"]))' ||
		fail "tuskctl http: no put_digest_refused"
}

need_lab
mkdir -p "$WORK/root" "$WORK/peer" "$WORK/srv" "$WORK/liar"
export TUSK_LAB_DATA=$WORK/root
lab_start a
wait_http
note "making $MIB MiB files"
mkrand "$WORK/root/a.bin" "$MIB"
mkdir -p "$WORK/dig"
mkrand "$WORK/peer/up.bin" "$MIB"
mkrand "$WORK/srv/src.bin" "$MIB"
cp "$WORK/srv/src.bin" "$WORK/liar/src.bin"

note "1: HEAD Want-Digest of a file never hashed, then GET"
for alg in adler32 md5 sha-256 crc32c; do
	pcurl -I -o "$WORK/h.hdr" -w '%{http_code}' -H "Want-Digest: $alg" "$HTTP_BASE/a.bin"
	assert_code "$CURL_OUT" 200 "HEAD Want-Digest: $alg"
	assert_eq "$(hdr "$WORK/h.hdr" Digest)" \
		"$(py_digest "$WORK/root/a.bin" rfc3230 "$alg")" "Digest for $alg"
	# the query waited for what it asked only: after the adler32 one
	# no sha-256 was computed (kept digests are user.tusk.* xattrs)
	[ "$alg" = adler32 ] && assert_eq "$(python3 -c 'import os, sys
print(" ".join(sorted(k for k in os.listxattr(sys.argv[1]) if k.startswith("user.tusk."))))' \
		"$WORK/root/a.bin")" "user.tusk.adler32" "kept after HEAD Want-Digest: adler32"
done
http_get /a.bin "$WORK/peer/a.bin" "$WORK/g.hdr" -H 'Want-Digest: ADLER32'
assert_code "$CODE" 200 "GET Want-Digest: ADLER32"
assert_eq "$(hdr "$WORK/g.hdr" Digest)" "$(py_digest "$WORK/root/a.bin" rfc3230 adler32)" \
	"GET Digest (kept)"
same_file "$WORK/root/a.bin" "$WORK/peer/a.bin" "GET with Want-Digest"

note "2: q-values, unknown algorithms, Want-Repr-Digest"
pcurl -I -o "$WORK/h.hdr" -H 'Want-Digest: md5;q=0.3, sha-256;q=1.0, adler32;q=0.5' \
	"$HTTP_BASE/a.bin"
assert_eq "$(hdr "$WORK/h.hdr" Digest)" "$(py_digest "$WORK/root/a.bin" rfc3230 sha-256)" \
	"highest q wins"
pcurl -I -o "$WORK/h.hdr" -H 'Want-Digest: sha-256;q=0, crc32c;q=0.2' "$HTTP_BASE/a.bin"
assert_eq "$(hdr "$WORK/h.hdr" Digest)" "$(py_digest "$WORK/root/a.bin" rfc3230 crc32c)" \
	"q=0 refuses sha-256"
pcurl -I -o "$WORK/h.hdr" -w '%{http_code}' -H 'Want-Digest: sha-512, UNIXcksum' \
	"$HTTP_BASE/a.bin"
assert_code "$CURL_OUT" 200 "HEAD Want-Digest of unknown algorithms"
assert_eq "$(hdr "$WORK/h.hdr" Digest)" "" "no Digest for unknown algorithms"
pcurl -I -o "$WORK/h.hdr" -H 'Want-Repr-Digest: sha-256=2, adler=9' "$HTTP_BASE/a.bin"
assert_eq "$(hdr "$WORK/h.hdr" Repr-Digest)" \
	"$(py_digest "$WORK/root/a.bin" rfc9530 sha-256), $(py_digest "$WORK/root/a.bin" rfc9530 adler)" \
	"Repr-Digest with the preferred adler"

note "3: PUT with digests"
good_adler=$(py_digest "$WORK/peer/up.bin" rfc3230 adler32)
good_md5=$(py_digest "$WORK/peer/up.bin" rfc3230 md5)
refused0=$(put_refused)
http_put "$WORK/peer/up.bin" /up.bin "$WORK/p.hdr" -H 'Digest: adler32=00000001'
assert_code "$CODE" 400 "PUT with a wrong adler32"
assert_eq "$(hdr "$WORK/p.hdr" Digest)" "$good_adler" "400 says what arrived"
[ ! -e "$WORK/root/up.bin" ] || fail "a PUT with a wrong digest left up.bin"
http_put "$WORK/peer/up.bin" /up.bin "$WORK/p.hdr" -H 'Digest: md5=AAAAAAAAAAAAAAAAAAAAAA=='
assert_code "$CODE" 400 "PUT with a wrong md5"
http_put "$WORK/peer/up.bin" /up.bin "$WORK/p.hdr" -H 'Repr-Digest: crc32c=:AAAAAA==:'
assert_code "$CODE" 400 "PUT with a wrong crc32c in Repr-Digest"
[ ! -e "$WORK/root/up.bin" ] || fail "a PUT with a wrong digest left up.bin"
assert_eq "$(extras "$WORK/root" a.bin)" "" "nothing left after refused PUTs"
refused=$(( $(put_refused) - refused0 ))
assert_eq "$refused" 3 "refused PUTs counted"
http_put "$WORK/peer/up.bin" /up.bin "$WORK/p.hdr" \
	-H "Digest: $good_adler, $good_md5, unixsum=12345" -H 'Want-Digest: md5'
assert_code "$CODE" 201 "PUT with the right adler32 and md5"
assert_eq "$(hdr "$WORK/p.hdr" Digest)" "$good_md5" "201 carries the md5 asked for"
same_file "$WORK/peer/up.bin" "$WORK/root/up.bin" "PUT with digests"
pcurl -I -o "$WORK/h.hdr" -w '%{time_total}' -H 'Want-Digest: adler32' "$HTTP_BASE/up.bin"
assert_eq "$(hdr "$WORK/h.hdr" Digest)" "$good_adler" "adler32 kept from the PUT"

note "4: fetch, verify= each way"
srv_start --digest --legacy-digest "$ALGS"
url=http://$PEER_ADDR:$RANGE_PORT/src.bin
want_all=$(python3 "$INTEG_DIR/file_digests.py" "$WORK/srv/src.bin" hex |
	sort | awk '{ print $1 "=" $2 }' | paste -sd ' ')
for v in adler32 crc32c md5 sha-256 auto reread none; do
	id=$(fetch "$url" "f-$v.bin" 4 "$v")
	assert_done "$id" "fetch verify=$v"
	same_file "$WORK/srv/src.bin" "$WORK/root/f-$v.bin" "fetch verify=$v"
	got=$(xdigests "$id" digests)
	case $v in
	auto|reread) want=$(echo "$want_all" | tr ' ' '\n' | grep -v '^md5=' | paste -sd ' ') ;;
	none) want= ;;
	*) want=$(echo "$want_all" | tr ' ' '\n' | grep "^$v=") ;;
	esac
	assert_eq "$got" "$want" "verify=$v: the transfer's digests"
	assert_eq "$(xdigests "$id" source_digests)" "$want_all" "verify=$v: the source's"
	note "verify=$v: phases $(xget "$id" phase_s)"
done

note "5: a source whose bytes differ from its digests"
: > "$WORK/liar.log"
ip netns exec "$TUSK_LAB_NS" python3 "$INTEG_DIR/range_server.py" \
	--bind "$PEER_ADDR" --port "$LIAR_PORT" --digest --legacy-digest "$ALGS" --lie \
	--quiet "$WORK/liar" >> "$WORK/liar.log" 2>&1 &
LIAR_PID=$!
for (( i = 0; i < 100; i++ )); do
	grep -q '^listening' "$WORK/liar.log" && break
	sleep 0.1
done
grep -q '^listening' "$WORK/liar.log" || fail "the lying server did not start"
for v in adler32 auto; do
	id=$(fetch "http://$PEER_ADDR:$LIAR_PORT/src.bin" "lie-$v.bin" 4 "$v")
	assert_eq "$(wait_end "$id")" failed "fetch verify=$v from a lying source"
	err=$(xget "$id" error)
	note "reason: $err"
	case $v in adler32) alg=adler32 ;; *) alg=sha-256 ;; esac
	[[ $err == "digest mismatch: the source announces $alg "* ]] ||
		fail "verify=$v: reason does not name $alg: $err"
	[ ! -e "$WORK/root/lie-$v.bin" ] || fail "verify=$v: a mismatched file was committed"
done
for (( i = 0; i < 50; i++ )); do
	left=$(extras "$WORK/root" a.bin up.bin f-{adler32,crc32c,md5,sha-256,auto,reread,none}.bin)
	[ -z "$left" ] && break
	sleep 0.1
done
assert_eq "$left" "" "nothing left of the refused fetches"
note "ok: digests as the grid asks for them"
