#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_grid_tpc: HTTP third-party copy between two tuskd, driven the way
# FTS drives two storage elements: by davix-cp, by gfal2 (Debian's
# python3-gfal2) and by curl reading the performance-marker stream. The
# peer namespace is the client and the router between the two tuskd:
#
#   tuskd A 10.77.0.2 ==veth== [ peer netns: 10.77.0.1 | 10.78.0.1 ] ==veth== tuskd B 10.78.0.2
#   (gateway 10.77.0.1)          davix-cp, gfal2, curl; ip_forward=1         (gateway 10.78.0.1)
#
# Each tuskd wants its own token (a macaroon of its own secret): the
# client's COPY carries A's, and B's rides in TransferHeaderAuthorization
# (davix-cp, curl) or in the other URL's ?authz= query (gfal2, which
# sends bearer tokens over HTTPS only). Each tuskd resolves host names
# with a hosts file of the test's (tusk-lab TUSK_LAB_HOSTS): tuskb.lab is
# B for A, tuska.lab is A for B.
#
#   1. davix-cp pull (COPY on A, Source: B) and push (COPY on A,
#      Destination: B) of a MIB MiB random file: bytes identical.
#   2. gfal2 filecopy "3rd pull" and "3rd push" (no streamed fallback):
#      bytes identical.
#   3. curl COPY pull and push as FTS reads them: 202, chunked, the body
#      ends with "success: Created", every line before it a performance
#      marker's; the rate of each printed (from the COPY to the final
#      line).
#   Steps 4 to 6 push a 4 MiB file (SMALL_MIB), pulls stay at MIB.
#   4. Host names: a pull from http://tuskb.lab/... and a push to
#      http://tuskb.lab/... succeed (resolved off the polling lcore); a
#      name nobody knows ends in "failure: cannot resolve NAME", nothing
#      left; `tuskctl fetch url=http://tuskb.lab/...` works too.
#   5. https: B serves TLS with a certificate of the test's CA (its
#      address and tuskb.lab), A verifies against it (tls_ca): pushes to
#      https://ADDR and https://tuskb.lab and a pull from
#      https://tuskb.lab succeed, bytes identical; a push to a name B's
#      certificate does not carry fails verification ("failure: TLS
#      with ...") and leaves nothing on B.
#   6. RequireChecksumVerification on a push: tuskd HEADs the
#      destination after the PUT (Want-Repr-Digest, Want-Digest) and
#      compares: to tuskd B and to range_server.py --put with true
#      adler32 and md5 it succeeds; to one that lies about adler32 it
#      ends in "failure: checksum mismatch: adler32 X at the destination,
#      Y here"; to one that offers none, in "failure:
#      RequireChecksumVerification: the destination offered no checksum".
#   7. Failures: a pull of a file B does not have ends in "failure:" and
#      leaves nothing on A (no file, no partial); a push into a directory
#      B does not have ends in "failure:" and leaves nothing on B.
#   8. Nothing else in either data root.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"
# shellcheck source=tests/integration/fetch_lib.sh
. "$(dirname "$0")/fetch_lib.sh"

readonly MIB=${GRID_TPC_MIB:-32}
# The file of the checks after the main copies (names, https by name,
# verification): their bytes are checked, not their rate, and a push to
# tuskd ran at ~0.01-0.02 Gbit/s on the loaded 2-core machine before the
# pacing credit (README, "Pacing on a shared core").
readonly SMALL_MIB=4
readonly B_SUBNET=10.78.0
readonly A_ADDR=$TUSKD_ADDR
readonly B_ADDR=$B_SUBNET.2
readonly A_BASE=http://$A_ADDR
readonly B_BASE=http://$B_ADDR
# One copy of MIB MiB through the lab's router takes seconds; past this
# the client is stuck.
readonly TPC_MAX_S=120
FETCH_MAX_S=$TPC_MAX_S
# range_server.py --put, the push destinations of step 6 (one port each)
RANGE_PORT=8180

need_lab
need_cmd davix-cp unshare
/usr/bin/python3 -c 'import gfal2' 2>/dev/null ||
	skip "no python3-gfal2 (tools/tusk-setup installs it)"

A=$WORK/a
B=$WORK/b
S=$WORK/s
mkdir -p "$A" "$B" "$S" "$WORK/srv"
# tuskb-other.lab: B too, but its certificate does not name it
printf '%s tuskb.lab\n%s tuskb-other.lab\n' "$B_ADDR" "$B_ADDR" > "$WORK/hosts-a"
printf '%s tuska.lab\n' "$A_ADDR" > "$WORK/hosts-b"

# B serves https too, with a certificate of the test's CA (its address
# and tuskb.lab); A verifies servers against that CA (tls_ca)
PKI=$WORK/pki
mkdir -p "$PKI"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=tusk tpc CA" -keyout "$PKI/ca.key" -out "$PKI/ca.pem" 2>/dev/null ||
	fail "openssl: CA"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=tuskb.lab" \
	-keyout "$PKI/b.key" -out "$PKI/b.csr" 2>/dev/null || fail "openssl: B's request"
printf 'subjectAltName=IP:%s,DNS:tuskb.lab\n' "$B_ADDR" > "$PKI/b.ext"
openssl x509 -req -in "$PKI/b.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" \
	-CAcreateserial -days 2 -extfile "$PKI/b.ext" -out "$PKI/b.pem" 2>/dev/null ||
	fail "openssl: B's certificate"

TUSK_LAB_TUSKD_ARGS="--set tuskd.tls_ca=$PKI/ca.pem" \
	TUSK_LAB_DATA=$A TUSK_LAB_HOSTS=$WORK/hosts-a \
	TUSK_LAB_PORT_CONF="gateway = $PEER_ADDR" lab_start a
wait_http
NS_A=$TUSK_LAB_NS
# the peer routes between the two labs' subnets
peer sysctl -qw net.ipv4.ip_forward=1
TUSK_LAB_TUSKD_ARGS="--set tuskd.tls_cert=$PKI/b.pem --set tuskd.tls_key=$PKI/b.key" \
	TUSK_LAB_DATA=$B TUSK_LAB_HOSTS=$WORK/hosts-b TUSK_LAB_JOIN=$NS_A \
	TUSK_LAB_SUBNET=$B_SUBNET TUSK_LAB_PORT_CONF="gateway = $B_SUBNET.1" \
	lab_start b
TOK_B=$TUSK_TOKEN
B_LOG=$LAB_STATE/tuskd.log
lab_names a
TOK_A=$TUSK_TOKEN
for (( i = 0; i < 50; i++ )); do
	pcurl -o /dev/null -I -w '%{http_code}' "$B_BASE/"
	[ "$CURL_OUT" != 000 ] && break
	sleep 0.1
done
[ "$CURL_OUT" != 000 ] || fail "tuskd B does not answer through the peer"

mkrand "$A/a.bin" "$MIB"
mkrand "$A/s.bin" "$SMALL_MIB"
mkrand "$B/b.bin" "$MIB"
# the clients' time, seconds with milliseconds
now_ms() { date +%s%3N; }
rate() { gbps $(( MIB << 20 )) "$(awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }')"; }
RATES=()

# dcp WHAT ARGS...: davix-cp from the peer with A's token and B's as a
# TransferHeader field; timed
dcp() {
	local what=$1 t0
	shift
	t0=$(now_ms)
	timeout "$TPC_MAX_S" ip netns exec "$NS_A" davix-cp --retry 0 \
		--conn-timeout 5 -H "Authorization: Bearer $TOK_A" \
		-H "TransferHeaderAuthorization: Bearer $TOK_B" "$@" \
		> "$S/out" 2>&1 || fail "davix-cp $what: $(cat "$S/out")"
	RATES+=("davix-cp $what $(rate $(( $(now_ms) - t0 ))) Gbit/s")
}
note "1: davix-cp between A and B"
dcp pull --copy-mode pull "$B_BASE/b.bin" "$A_BASE/d-pulled.bin"
same_file "$B/b.bin" "$A/d-pulled.bin" "davix-cp pull (A GETs from B)"
dcp push --copy-mode push "$A_BASE/a.bin" "$B_BASE/d-pushed.bin"
same_file "$A/a.bin" "$B/d-pushed.bin" "davix-cp push (A PUTs to B)"

note "2: gfal2 third-party copy between A and B"
# url?authz=TOKEN& (gfal_ops.py's form: davix appends to the URL)
gcp() {
	local mode=$1 t0
	t0=$(now_ms)
	TUSK_TOKEN='' timeout "$TPC_MAX_S" ip netns exec "$NS_A" /usr/bin/python3 \
		"$INTEG_DIR/gfal_ops.py" tpc "$mode" "$2" "$3" > "$S/out" 2>&1 ||
		fail "gfal2 $mode: $(cat "$S/out")"
	RATES+=("gfal2 $mode $(rate $(( $(now_ms) - t0 ))) Gbit/s")
}
gcp "3rd pull" "$B_BASE/b.bin?authz=$TOK_B&" "$A_BASE/g-pulled.bin?authz=$TOK_A&"
same_file "$B/b.bin" "$A/g-pulled.bin" "gfal2 3rd pull"
gcp "3rd push" "$A_BASE/a.bin?authz=$TOK_A&" "$B_BASE/g-pushed.bin?authz=$TOK_B&"
same_file "$A/a.bin" "$B/g-pushed.bin" "gfal2 3rd push"

# copy PATH HEADER...: curl COPY on A, as FTS sends it; the body into
# $S/copy.body, CODE its status, MS its time to the final line
copy() {
	local path=$1 t0
	shift
	t0=$(now_ms)
	pcurl -N -o "$S/copy.body" -D "$S/copy.hdr" -w '%{http_code}' -X COPY \
		-H "TransferHeaderAuthorization: Bearer $TOK_B" "$@" "$A_BASE$path"
	MS=$(( $(now_ms) - t0 ))
	CODE=${CURL_OUT:0:3}
}
# copied WHAT [rate]: the last COPY answered 202 chunked, its body
# markers and then "success: Created"; with "rate", a MIB copy's rate is
# kept for the log
copied() {
	assert_code "$CODE" 202 "$1"
	[[ $(hdr "$S/copy.hdr" Transfer-Encoding) == chunked ]] || fail "$1: not chunked"
	[ "$(tail -n 1 "$S/copy.body")" = "success: Created" ] ||
		fail "$1: body ends with '$(tail -n 1 "$S/copy.body")'; B's log: $(tail -n 8 "$B_LOG")"
	head -n -1 "$S/copy.body" | grep -vxE 'Perf Marker|Timestamp: [0-9]+|Stripe Index: 0|Stripe Bytes Transferred: [0-9]+|Total Stripe Count: 1|End' \
		> "$S/odd" && fail "$1: not a marker line: $(head -n 3 "$S/odd")"
	note "ok: $1: $(grep -c '^Perf Marker$' "$S/copy.body" || true) markers, then success: Created"
	[ "${2:-}" != rate ] || RATES+=("curl $1 $(rate "$MS") Gbit/s")
}
# failed WHAT: the last COPY answered 202 and ended with "failure: "
failed() {
	assert_code "$CODE" 202 "$1"
	grep -q '^failure: ' "$S/copy.body" || fail "$1: $(cat "$S/copy.body")"
	note "ok: $1: $(grep '^failure: ' "$S/copy.body")"
}

note "3: curl COPY, the marker stream"
copy /c-pulled.bin -H "Source: $B_BASE/b.bin"
copied "COPY pull" rate
same_file "$B/b.bin" "$A/c-pulled.bin" "curl COPY pull"
copy /a.bin -H "Destination: $B_BASE/c-pushed.bin"
copied "COPY push" rate
same_file "$A/a.bin" "$B/c-pushed.bin" "curl COPY push"

note "4: host names in COPY URLs, resolved off the lcore"
copy /n-pulled.bin -H "Source: http://tuskb.lab/b.bin"
copied "COPY pull from tuskb.lab" rate
same_file "$B/b.bin" "$A/n-pulled.bin" "pull from a host name"
copy /s.bin -H "Destination: http://tuskb.lab:80/n-pushed.bin"
copied "COPY push to tuskb.lab:80"
same_file "$A/s.bin" "$B/n-pushed.bin" "push to a host name"
copy /x-pulled.bin -H "Source: http://nosuch.tusk.invalid/b.bin"
failed "COPY pull from an unknown name"
grep -q '^failure: cannot resolve nosuch.tusk.invalid: ' "$S/copy.body" ||
	fail "unknown name: $(cat "$S/copy.body")"
copy /a.bin -H "Destination: http://nosuch.tusk.invalid/x.bin"
failed "COPY push to an unknown name"
grep -q '^failure: cannot resolve nosuch.tusk.invalid: ' "$S/copy.body" ||
	fail "unknown name: $(cat "$S/copy.body")"
id=$(ctl_json fetch "url=http://tuskb.lab/b.bin" dest=f-fetched.bin "token=$TOK_B" |
	python3 -c 'import json, sys
r = json.load(sys.stdin)
sys.exit("fetch refused: " + r["error"]) if not r["ok"] else print(r["result"]["id"])') ||
	fail "tuskctl fetch url=http://tuskb.lab/b.bin"
assert_done "$id" "tuskctl fetch from a host name"
same_file "$B/b.bin" "$A/f-fetched.bin" "tuskctl fetch url=http://tuskb.lab/b.bin"

note "5: https: A pushes to B's TLS endpoint, verified against tls_ca"
copy /a.bin -H "Destination: https://$B_ADDR/h-pushed.bin"
copied "COPY push to https://$B_ADDR" rate
same_file "$A/a.bin" "$B/h-pushed.bin" "push over https"
copy /s.bin -H "Destination: https://tuskb.lab/hn-pushed.bin"
copied "COPY push to https://tuskb.lab"
same_file "$A/s.bin" "$B/hn-pushed.bin" "push over https to a host name"
copy /h-pulled.bin -H "Source: https://tuskb.lab/b.bin"
copied "COPY pull from https://tuskb.lab" rate
same_file "$B/b.bin" "$A/h-pulled.bin" "pull over https from a host name"
copy /a.bin -H "Destination: https://tuskb-other.lab/x-pushed.bin"
failed "COPY push to a name B's certificate does not carry"
grep -q '^failure: TLS with tuskb-other.lab: server certificate: ' "$S/copy.body" ||
	fail "push to a name not in the certificate: $(cat "$S/copy.body")"

note "6: a push with RequireChecksumVerification compares the destination's digests"
copy /s.bin -H "Destination: $B_BASE/v-pushed.bin" -H 'RequireChecksumVerification: true'
copied "verified COPY push to tuskd B"
same_file "$A/s.bin" "$B/v-pushed.bin" "verified push"
# verify_push NAME RANGE_SERVER_ARGS...: a verified push of a.bin to the
# peer's range_server.py --put with those digest options
verify_push() {
	local name=$1
	shift
	srv_stop
	[ -z "$SRV_PID" ] || wait "$SRV_PID" 2>/dev/null || true
	RANGE_PORT=$(( RANGE_PORT + 1 ))
	srv_start --put "$@"
	copy /s.bin -H "Destination: http://$PEER_ADDR:$RANGE_PORT/$name" \
		-H 'RequireChecksumVerification: true'
}
verify_push t.bin --legacy-digest adler32,md5
copied "verified COPY push to a server with true adler32 and md5"
same_file "$A/s.bin" "$WORK/srv/t.bin" "verified push to range_server.py"
verify_push lie.bin --legacy-digest adler32 --lie
failed "verified COPY push to a server that lies about adler32"
grep -q '^failure: checksum mismatch: adler32 [0-9a-f]\{8\} at the destination, [0-9a-f]\{8\} here$' \
	"$S/copy.body" || fail "lying destination: $(cat "$S/copy.body")"
verify_push none.bin
failed "verified COPY push to a server that offers no digest"
grep -q '^failure: RequireChecksumVerification: the destination offered no checksum' \
	"$S/copy.body" || fail "no digest: $(cat "$S/copy.body")"

srv_stop
[ -z "$SRV_PID" ] || wait "$SRV_PID" 2>/dev/null || true

note "7: failures leave nothing behind"
copy /m-pulled.bin -H "Source: $B_BASE/missing.bin"
failed "COPY pull of a file B does not have"
copy /a.bin -H "Destination: $B_BASE/nodir/m-pushed.bin"
failed "COPY push into a directory B does not have"

note "8: nothing else in either root"
left=$(extras "$A" a.bin s.bin d-pulled.bin g-pulled.bin c-pulled.bin n-pulled.bin \
	f-fetched.bin h-pulled.bin)
[ -z "$left" ] || fail "left on A: $left"
left=$(extras "$B" b.bin d-pushed.bin g-pushed.bin c-pushed.bin n-pushed.bin \
	h-pushed.bin hn-pushed.bin v-pushed.bin)
[ -z "$left" ] || fail "left on B: $left"
note "ok: A and B hold the copies and nothing else"

for r in "${RATES[@]}"; do
	note "rate: $MIB MiB $r (A <-> B through the peer's kernel router, af_packet both ends; load $(cut -d' ' -f1 /proc/loadavg))"
done
note "PASS"
