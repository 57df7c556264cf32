#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_http_transfer: a stock Linux curl moves 1 GiB each way through
# tuskd's HTTP/1.1 file endpoint, byte for byte.
#
#   1. GET a 1 GiB random file never hashed: the first byte within
#      FIRST_BYTE_MAX_MS of the connection (tuskd does not hash before it
#      answers), 200, Content-Length, SHA-256 identical, no Repr-Digest;
#      hashed behind the sender, the next GET carries Repr-Digest
#      (RFC 9530) = sha-256 of the file, base64 of the raw digest, and the
#      same bytes.
#   2. HEAD: 200, the same Content-Length and Repr-Digest, no body.
#   3. Single byte ranges (RFC 9110 14.1.2): a-b, suffix -n, open a-, a
#      range past the end (clipped), 8 MiB from the middle: 206, exact
#      Content-Range, exactly those bytes; first-pos past the end: 416 with
#      `Content-Range: bytes */SIZE` (RFC 9110 15.5.17).
#   4. PUT 1 GiB: 201 Created, the file in the data root identical, no
#      temporary left; its Repr-Digest served afterwards.
#   5. PUT over it with a correct Repr-Digest: 204, content replaced, the
#      new digest served (the kept one follows the file).
#   6. Two requests on one connection (persistent, RFC 9112 9.3); 404 for
#      a missing file, and the connection count shows reuse.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

# The issue's size; HTTP_TEST_MIB makes a quick run while developing.
readonly MIB=${HTTP_TEST_MIB:-1024}
readonly SIZE=$(( MIB << 20 ))
# A range of this many bytes from the middle: larger than any window.
readonly MID_LEN=$(( 8 << 20 ))
# Bound on the first byte of a GET of a never-hashed file, after the
# connection is up: the issue's target is 50 ms; this allows a loaded
# 2-core machine (other tests building and polling) and is still far
# below hashing 1 GiB first (~0.9 s at 1.2 GB/s; 2 GiB ~8 s measured with
# the pollers on both cores).
readonly FIRST_BYTE_MAX_MS=500
# Bound on waiting for the digest kept behind the first GET.
readonly DIGEST_WAIT_S=120

need_lab
mkdir -p "$WORK/root" "$WORK/peer"
export TUSK_LAB_DATA=$WORK/root
lab_start a
wait_http

note "making $MIB MiB files"
mkrand "$WORK/root/big.bin" "$MIB"
mkrand "$WORK/peer/up.bin" "$MIB"

note "1: GET $MIB MiB, never hashed: first byte at once, digest after"
pcurl --path-as-is -o "$WORK/peer/got.bin" -D "$WORK/get.hdr" \
	-w '%{http_code} %{time_total} %{time_connect} %{time_starttransfer}' \
	"$HTTP_BASE/big.bin"
CODE=${CURL_OUT:0:3}
read -r _ SECS t_conn t_first <<< "$CURL_OUT"
assert_code "$CODE" 200 "GET /big.bin"
first_ms=$(awk -v a="$t_first" -v b="$t_conn" 'BEGIN { printf "%d", (a - b) * 1000 }')
note "first byte of a never-hashed $MIB MiB file: $first_ms ms after connect"
[ "$first_ms" -lt "$FIRST_BYTE_MAX_MS" ] ||
	fail "first byte after $first_ms ms, want < $FIRST_BYTE_MAX_MS (hashed before answering?)"
assert_eq "$(hdr "$WORK/get.hdr" Content-Length)" "$SIZE" "GET Content-Length"
same_file "$WORK/root/big.bin" "$WORK/peer/got.bin" "GET $MIB MiB"
note "GET rate: $(gbps "$SIZE" "$SECS") Gbit/s"
assert_eq "$(hdr "$WORK/get.hdr" Repr-Digest)" "" "first GET Repr-Digest (not hashed yet)"
want_digest=$(digest_of "$WORK/root/big.bin")
wait_digest /big.bin "$WORK/head.hdr" "$DIGEST_WAIT_S"
note "digest kept after ~$WAITED_S s of HEADs"
rm -f "$WORK/peer/got.bin"
http_get /big.bin "$WORK/peer/got.bin" "$WORK/get.hdr"
assert_code "$CODE" 200 "second GET /big.bin"
assert_eq "$(hdr "$WORK/get.hdr" Repr-Digest)" "$want_digest" "second GET Repr-Digest"
same_file "$WORK/root/big.bin" "$WORK/peer/got.bin" "second GET $MIB MiB"

note "2: HEAD, then a GET on the same connection"
# Had HEAD sent a body, the GET's response would start inside it.
# (--next resets curl's options: the token goes again.)
pcurl -I -o "$WORK/head.hdr" -w '%{http_code} ' "$HTTP_BASE/big.bin" --next -sS \
	-H "$(authz)" -o "$WORK/after.bin" -r 0-99 -w '%{http_code} %{num_connects}' "$HTTP_BASE/big.bin"
assert_eq "$CURL_OUT" "200 206 0" "HEAD, GET Range: statuses and new connections"
assert_eq "$(hdr "$WORK/head.hdr" Content-Length)" "$SIZE" "HEAD Content-Length"
assert_eq "$(hdr "$WORK/head.hdr" Repr-Digest)" "$want_digest" "HEAD Repr-Digest"
cmp -s <(head -c 100 "$WORK/root/big.bin") "$WORK/after.bin" ||
	fail "GET after HEAD on one connection: bytes differ"
note "ok: HEAD sent no body"

# range FIRST LAST SPEC: GET with Range SPEC gives 206 and bytes FIRST..LAST.
range() {
	local first=$1 last=$2 spec=$3 n=$(( $2 - $1 + 1 ))
	http_get /big.bin "$WORK/r.bin" "$WORK/r.hdr" -H "Range: bytes=$spec"
	assert_code "$CODE" 206 "Range: bytes=$spec"
	assert_eq "$(hdr "$WORK/r.hdr" Content-Range)" "bytes $first-$last/$SIZE" \
		"Content-Range for $spec"
	assert_eq "$(hdr "$WORK/r.hdr" Content-Length)" "$n" "Content-Length for $spec"
	dd if="$WORK/root/big.bin" of="$WORK/want.bin" iflag=skip_bytes,count_bytes \
		skip="$first" count="$n" bs=1M status=none
	cmp -s "$WORK/want.bin" "$WORK/r.bin" || fail "Range $spec: bytes differ"
	note "ok: Range $spec: $n exact bytes"
}

note "3: ranges"
range 1000 1999 1000-1999
range $(( SIZE - 4096 )) $(( SIZE - 1 )) -4096
range $(( SIZE - 10 )) $(( SIZE - 1 )) "$(( SIZE - 10 ))-"
range $(( SIZE - 5 )) $(( SIZE - 1 )) "$(( SIZE - 5 ))-$(( SIZE + 100 ))"
range 0 0 0-0
mid=$(( SIZE / 2 + 7 ))
range "$mid" $(( mid + MID_LEN - 1 )) "$mid-$(( mid + MID_LEN - 1 ))"
http_get /big.bin "$WORK/r.bin" "$WORK/r.hdr" -H "Range: bytes=$SIZE-"
assert_code "$CODE" 416 "Range: bytes=$SIZE- (first byte past the end)"
assert_eq "$(hdr "$WORK/r.hdr" Content-Range)" "bytes */$SIZE" "416 Content-Range"

note "4: PUT $MIB MiB"
http_put "$WORK/peer/up.bin" /up.bin "$WORK/put.hdr"
assert_code "$CODE" 201 "PUT /up.bin (new)"
same_file "$WORK/peer/up.bin" "$WORK/root/up.bin" "PUT $MIB MiB"
note "PUT rate: $(gbps "$SIZE" "$SECS") Gbit/s"
left=$(extras "$WORK/root" big.bin up.bin)
[ -z "$left" ] || fail "PUT left files in the data root: $left"
pcurl -o /dev/null -D "$WORK/head.hdr" -w '%{http_code}' -I "$HTTP_BASE/up.bin"
assert_code "${CURL_OUT:0:3}" 200 "HEAD /up.bin"
assert_eq "$(hdr "$WORK/head.hdr" Repr-Digest)" "$(digest_of "$WORK/peer/up.bin")" \
	"Repr-Digest of the PUT file"

note "5: PUT over it with a correct Repr-Digest"
mkrand "$WORK/peer/small.bin" 1
printf 'x' >> "$WORK/peer/small.bin"
small_digest=$(digest_of "$WORK/peer/small.bin")
http_put "$WORK/peer/small.bin" /up.bin "$WORK/put.hdr" -H "Repr-Digest: $small_digest"
assert_code "$CODE" 204 "PUT /up.bin (replace, digest matches)"
same_file "$WORK/peer/small.bin" "$WORK/root/up.bin" "replaced content"
pcurl -o /dev/null -D "$WORK/head.hdr" -w '%{http_code}' -I "$HTTP_BASE/up.bin"
assert_eq "$(hdr "$WORK/head.hdr" Repr-Digest)" "$small_digest" "Repr-Digest after replace"

note "6: one connection, two requests; 404"
pcurl -o "$WORK/k1.bin" -w '%{http_code} %{num_connects}\n' "$HTTP_BASE/up.bin" \
	-o "$WORK/k2.bin" "$HTTP_BASE/missing.bin"
[ "$CURL_RC" = 0 ] || fail "two requests on one connection: curl exit $CURL_RC"
assert_eq "$(echo "$CURL_OUT" | tr '\n' ' ')" "200 1 404 0 " \
	"statuses and new connections of GET /up.bin, GET /missing.bin"
same_file "$WORK/peer/small.bin" "$WORK/k1.bin" "GET on a persistent connection"

note "pass"
