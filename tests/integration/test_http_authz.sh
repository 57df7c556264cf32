#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_http_authz: a red team of token scopes on tuskd's file endpoint,
# every method tuskd serves, over http and https (app/auth/README.md
# "Rules of the endpoint" has what is checked and why).
#
#   peer (Linux): authz_attack.py ── http :80 / https :443 ──► tuskd
#                 push sink :8012  ◄── COPY push (tuskd's client)
#                 range_server :8001 ──► COPY pull (tuskd's fetch)
#
#   tuskd.conf: [auth] name tusk-lab, the lab's macaroon secret; two
#   trusted issuers (issuer.test: RSA r1, EC e1; other.test: RSA o1);
#   tls_cert/tls_key (a self-signed P-256 certificate for 10.77.0.2).
#
#   1. authz_attack.py: ~150 cases (GET/HEAD/PUT/PROPFIND/MKCOL/DELETE/
#      MOVE/COPY and unserved methods, path and header tricks, forged and
#      odd JWTs and macaroons), each sent raw, on http and on https. A case
#      passes when its status is the one the rules give AND nothing in the
#      data root changed except what it may change (SHA-256 of every file
#      before and after) AND the push sink got no PUT it should not.
#   2. The verified-token cache: a macaroon of 2 s used (cached), then
#      used again after its before: caveat: 401, not the cached grant.
#   3. No token sent in this test is in tuskd's log.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"
# shellcheck source=tests/integration/fetch_lib.sh
. "$(dirname "$0")/fetch_lib.sh"

readonly ISS=https://issuer.test
readonly OTHER_ISS=https://other.test
readonly AUD=tusk-lab
readonly RANGE_PORT=8001
readonly SINK=$PEER_ADDR:8012
readonly HTTPS_BASE=https://$TUSKD_ADDR:443

need_lab
need_cmd openssl
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import jwt, cryptography' ||
	fail "no python3-jwt / python3-cryptography (tools/tusk-setup)"
ROOT=$WORK/root
K=$WORK/keys
mkdir -p "$ROOT" "$K" "$WORK/srv"
head -c 200000 /dev/urandom > "$WORK/srv/src.bin"
/usr/bin/python3 "$INTEG_DIR/jwt_make.py" keys "$K" || fail "jwt_make.py keys"
/usr/bin/python3 "$INTEG_DIR/authz_attack.py" keys "$K" || fail "authz_attack.py keys"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=tuskd" -addext "subjectAltName=IP:$TUSKD_ADDR" \
	-keyout "$K/tls.key" -out "$K/tls.pem" 2>/dev/null || fail "openssl: certificate"

export TUSK_LAB_DATA=$ROOT
export TUSK_LAB_TUSKD_ARGS="--set tuskd.log_level=debug --set tuskd.tls_cert=$K/tls.pem --set tuskd.tls_key=$K/tls.key"
export TUSK_LAB_AUTH_CONF="
[issuer test]
iss = $ISS
jwks = $K/jwks.json

[issuer other]
iss = $OTHER_ISS
jwks = $K/jwks_other.json"
lab_start a
wait_http
srv_start

note "1: the attack table, http and https"
mac=$(lab_token /a read 600)
rc=0
peer /usr/bin/python3 "$INTEG_DIR/authz_attack.py" run \
	--base "$HTTP_BASE" --base "$HTTPS_BASE" --cacert "$K/tls.pem" \
	--root "$ROOT" --keys "$K" --secret "$LAB_STATE/macaroon.key" \
	--name "$AUD" --iss "$ISS" --other-iss "$OTHER_ISS" --sink "$SINK" \
	--src "http://$PEER_ADDR:$RANGE_PORT/src.bin" --mac-tuskctl "$mac" \
	> "$WORK/table.txt" 2>&1 || rc=$?
cat "$WORK/table.txt"
[ $rc = 0 ] || fail "authz_attack.py exit $rc: $(grep -c '^FAIL' "$WORK/table.txt") case(s) failed"
note "ok: $(tail -1 "$WORK/table.txt")"

note "2: a cached grant ends with its token"
short=$(lab_token /a read 2)
TUSK_TOKEN=$short pcurl -o /dev/null -w '%{http_code}' "$HTTP_BASE/a/f.bin"
assert_code "$CURL_OUT" 200 "a 2 s macaroon, at once"
sleep 3
TUSK_TOKEN=$short pcurl -o /dev/null -w '%{http_code}' "$HTTP_BASE/a/f.bin"
assert_code "$CURL_OUT" 401 "the same macaroon, 3 s later (cached before)"

note "3: no token in tuskd's log"
for t in "$mac" "$short" "$TUSK_TOKEN"; do
	grep -qF -e "$t" -e "${t: -20}" "$LAB_STATE/tuskd.log" &&
		fail "a token is in tuskd's log: ${t:0:12}..."
done
grep -q "eyJ" "$LAB_STATE/tuskd.log" && fail "a JWT-looking string in tuskd's log"
note "ok: no token in tuskd's log ($(wc -l < "$LAB_STATE/tuskd.log") lines)"
echo "PASS: $TEST_NAME"
