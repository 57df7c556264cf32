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
#   1. authz_attack.py: 167 cases (GET/HEAD/PUT/PROPFIND/MKCOL/DELETE/
#      MOVE/COPY and unserved methods, path and header tricks, forged and
#      odd JWTs and macaroons), each sent raw, on http and on https, and two pipelined pairs
#      (the second request's own credentials decide). A case
#      passes when its status is the one the rules give AND nothing in the
#      data root changed except what it may change (SHA-256 of every file
#      before and after) AND the push sink got no PUT it should not.
#   2. The same rules through Debian's davix (get, ls, put, mkdir, mv,
#      rm over http) and curl (https, --cacert): every out-of-scope
#      attempt fails and leaves the root as it was; the in-scope ones work.
#   3. The verified-token cache: a macaroon of 2 s used (cached), then
#      used again after its before: caveat: 401, not the cached grant.
#   4. No token sent in this test is in tuskd's log.

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
need_cmd openssl davix-get davix-ls davix-put davix-mkdir davix-mv davix-rm
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

note "2: davix and curl with narrow tokens"
jwt() { /usr/bin/python3 "$INTEG_DIR/jwt_make.py" token "$K" rsa "$ISS" "$AUD" 600 "$1" ||
	fail "jwt_make.py token $1"; }
R_A=$(jwt storage.read:/a)
C_UP=$(jwt storage.create:/up)
M_MV=$(jwt storage.modify:/mv)
# dvx TOKEN CMD ARGS...: a davix command in the peer with TOKEN; its exit
# status (0 or not) in DV_RC, its output in $WORK/dv.out
dvx() {
	local t=$1
	shift
	DV_RC=0
	peer "$@" -H "Authorization: Bearer $t" --conn-timeout 5 --retry 0 \
		> "$WORK/dv.out" 2>&1 || DV_RC=$?
}
# refused WHAT: the last dvx failed
refused() {
	[ "$DV_RC" != 0 ] || fail "davix: $1 succeeded: $(cat "$WORK/dv.out")"
	note "ok: davix: $1 refused"
}
snap() { (cd "$ROOT" && find . -printf '%p %y %s\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum) > "$1"; }
snap "$WORK/before"
dvx "$R_A" davix-get "$HTTP_BASE/b/secret.bin" "$WORK/got.bin"; refused "get /b/secret.bin with storage.read:/a"
[ ! -s "$WORK/got.bin" ] || fail "davix-get wrote the secret's bytes"
dvx "$R_A" davix-get "$HTTP_BASE/a/ln_file" "$WORK/got.bin"; refused "get /a/ln_file (a link to /b) with storage.read:/a"
[ ! -s "$WORK/got.bin" ] || fail "davix-get through a link wrote the secret's bytes"
dvx "$R_A" davix-ls "$HTTP_BASE/"; refused "ls / with storage.read:/a"
! grep -q secret "$WORK/dv.out" || fail "davix-ls / showed a name outside the scope"
dvx "$C_UP" davix-put "$WORK/srv/src.bin" "$HTTP_BASE/b/new.bin"; refused "put /b/new.bin with storage.create:/up"
dvx "$C_UP" davix-put "$WORK/srv/src.bin" "$HTTP_BASE/up/ln_dir/new.bin"; refused "put through /up/ln_dir (a link to /b)"
dvx "$C_UP" davix-put "$WORK/srv/src.bin" "$HTTP_BASE/up/old.bin"; refused "put over /up/old.bin with storage.create:/up"
dvx "$C_UP" davix-mkdir "$HTTP_BASE/b/newdir"; refused "mkdir /b/newdir with storage.create:/up"
dvx "$M_MV" davix-mv "$HTTP_BASE/mv/s.bin" "$HTTP_BASE/b/s.bin"
[ -s "$WORK/dv.out" ] || fail "davix-mv to /b printed no error (exit $DV_RC)"
note "ok: davix: mv /mv/s.bin to /b refused: $(head -c 120 "$WORK/dv.out")"
dvx "$M_MV" davix-rm "$HTTP_BASE/b/secret.bin"; refused "rm /b/secret.bin with storage.modify:/mv"
dvx "$M_MV" davix-rm "$HTTP_BASE/mv/ln_dir/secret.bin"; refused "rm through /mv/ln_dir (a link to /b)"
snap "$WORK/after"
diff "$WORK/before" "$WORK/after" > "$WORK/diff" || fail "davix changed the root: $(cat "$WORK/diff")"
note "ok: the data root unchanged by every refused davix command"
dvx "$R_A" davix-ls "$HTTP_BASE/a/"
[ "$DV_RC" = 0 ] || fail "davix-ls /a with storage.read:/a: $(cat "$WORK/dv.out")"
grep -qx f.bin "$WORK/dv.out" || fail "davix-ls /a: no f.bin in $(cat "$WORK/dv.out")"
dvx "$R_A" davix-get "$HTTP_BASE/a/f.bin" "$WORK/got.bin"
[ "$DV_RC" = 0 ] || fail "davix-get /a/f.bin: $(cat "$WORK/dv.out")"
same_file "$ROOT/a/f.bin" "$WORK/got.bin" "davix-get /a/f.bin with storage.read:/a"
dvx "$C_UP" davix-put "$WORK/srv/src.bin" "$HTTP_BASE/up/dv.bin"
[ "$DV_RC" = 0 ] || fail "davix-put /up/dv.bin: $(cat "$WORK/dv.out")"
same_file "$WORK/srv/src.bin" "$ROOT/up/dv.bin" "davix-put with storage.create:/up"
# scurl TOKEN CODE WHAT ARGS...: curl over https, the status must be CODE
scurl() {
	local t=$1 code=$2 what=$3
	shift 3
	TUSK_TOKEN=$t pcurl --cacert "$K/tls.pem" -o "$WORK/c.out" -w '%{http_code}' "$@"
	assert_code "$CURL_OUT" "$code" "curl https: $what"
}
scurl "$R_A" 403 "GET /b/secret.bin, storage.read:/a" "$HTTPS_BASE/b/secret.bin"
scurl "$R_A" 403 "GET /a/ln_dir/secret.bin, storage.read:/a" --path-as-is "$HTTPS_BASE/a/ln_dir/secret.bin"
scurl "$R_A" 403 "PROPFIND / Depth 1, storage.read:/a" -X PROPFIND -H 'Depth: 1' "$HTTPS_BASE/"
scurl "$M_MV" 403 "MOVE /mv/s.bin to /b, storage.modify:/mv" -X MOVE \
	-H "Destination: /b/s.bin" "$HTTPS_BASE/mv/s.bin"
scurl "$C_UP" 403 "PUT /b/c.bin, storage.create:/up" -T "$WORK/srv/src.bin" "$HTTPS_BASE/b/c.bin"
scurl "$R_A" 200 "GET /a/f.bin, storage.read:/a" "$HTTPS_BASE/a/f.bin"
same_file "$ROOT/a/f.bin" "$WORK/c.out" "curl https GET /a/f.bin"
[ -e "$ROOT/mv/s.bin" ] && [ ! -e "$ROOT/b/s.bin" ] && [ ! -e "$ROOT/b/c.bin" ] ||
	fail "a refused curl request changed the root"

note "3: a cached grant ends with its token"
short=$(lab_token /a read 2)
TUSK_TOKEN=$short pcurl -o /dev/null -w '%{http_code}' "$HTTP_BASE/a/f.bin"
assert_code "$CURL_OUT" 200 "a 2 s macaroon, at once"
sleep 3
TUSK_TOKEN=$short pcurl -o /dev/null -w '%{http_code}' "$HTTP_BASE/a/f.bin"
assert_code "$CURL_OUT" 401 "the same macaroon, 3 s later (cached before)"

note "4: no token in tuskd's log"
for t in "$mac" "$short" "$TUSK_TOKEN" "$R_A" "$C_UP" "$M_MV"; do
	grep -qF -e "$t" -e "${t: -20}" "$LAB_STATE/tuskd.log" &&
		fail "a token is in tuskd's log: ${t:0:12}..."
done
grep -q "eyJ" "$LAB_STATE/tuskd.log" && fail "a JWT-looking string in tuskd's log"
note "ok: no token in tuskd's log ($(wc -l < "$LAB_STATE/tuskd.log") lines)"
echo "PASS: $TEST_NAME"
