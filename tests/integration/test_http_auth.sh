#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_http_auth: who may read and write through tuskd's HTTP endpoint
# ([auth] mode required, the default), with the peer's curl.
#
#   tuskd.conf: [auth] name = tusk-lab, the lab's macaroon secret,
#               anon_read = /pub; [issuer test] iss = https://issuer.test,
#               jwks = a JWKS made here (jwt_make.py: RSA kid r1, EC P-256
#               kid e1); log_level debug (every refusal logged).
#
#   1. No token: 401 with WWW-Authenticate: Bearer realm="tusk-lab".
#   2. JWTs RS256 and ES256 with storage.read:/data: GET 200, bytes
#      identical; HEAD 200; PROPFIND 207.
#   3. JWTs refused with 401 error="invalid_token": expired, another
#      issuer, another audience, a forged signature (the right kid, another
#      key), alg none.
#   4. Scope per path component: storage.read:/data does not cover
#      /data2/x (403 error="insufficient_scope"), nor PUT.
#   5. storage.create:/up: PUT of a new file 201, over it 403 (the file
#      unchanged); storage.modify:/up: over it 204 (the new bytes).
#   6. anon_read /pub: GET and PROPFIND without a token; PUT there 401.
#   7. Appliance macaroons (tuskctl token mint): path, activity and expiry
#      caveats hold; ?authz= works like the header; one tuskd minted with
#      a 1 s lifetime is refused once expired.
#   8. Every decision counted (`tuskctl http` auth), and no token, nor its
#      signature part, anywhere in tuskd's log.
#   9. tuskd's fetch client sends a bearer token: the peer's range server
#      (--token) refuses a fetch without one (401: the transfer fails), and
#      a `tuskctl fetch token=...` over 4 streams lands the file, every
#      request carrying it; the token is not in tuskd's log either.
#  10. A tusk-ctrld session with "source_token" fetches from that source
#      through tuskd (FINISHED, bytes identical); a session whose source
#      is a collection on that server (which answers PROPFIND with 401
#      without the token) lists it with the token and fetches every file,
#      and without the token fails its listing (401). `session show` and
#      `list` never print the token; neither tusk-ctrld's log nor tuskd's
#      holds it; the journal and its -wal/-shm are mode 0600, and once
#      the sessions FINISHED no journal file holds the token.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"
# shellcheck source=tests/integration/fetch_lib.sh
. "$(dirname "$0")/fetch_lib.sh"
# shellcheck source=tests/integration/ctrld_lib.sh
. "$(dirname "$0")/ctrld_lib.sh"

readonly ISS=https://issuer.test
readonly AUD=tusk-lab
# Tokens made here live 10 minutes: longer than the test.
readonly TTL=600
# The peer's range server (section 9) and the bound on one fetch.
readonly RANGE_PORT=8001
readonly FETCH_MAX_S=60
# The source's token: any b64token; a JWT's shape, as a grid source's.
readonly SRC_TOKEN=eyJzcmMiOiJ0ZXN0In0.c291cmNl.c2lnbmF0dXJl

need_lab
need_ctrld
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import jwt, cryptography' ||
	fail "no python3-jwt / python3-cryptography (tools/tusk-setup)"
ROOT=$WORK/root
K=$WORK/keys
S=$WORK/s
mkdir -p "$ROOT/data" "$ROOT/data2" "$ROOT/up" "$ROOT/pub" "$K" "$S" "$WORK/srv"
mkrand "$ROOT/data/f.bin" 2
mkrand "$ROOT/data2/x.bin" 1
mkrand "$ROOT/pub/p.bin" 1
mkrand "$S/one.bin" 1
mkrand "$S/two.bin" 1
mkrand "$WORK/srv/src.bin" 8
/usr/bin/python3 "$INTEG_DIR/jwt_make.py" keys "$K" || fail "jwt_make.py keys"

export TUSK_LAB_DATA=$ROOT
export TUSK_LAB_TUSKD_ARGS="--set tuskd.log_level=debug"
export TUSK_LAB_AUTH_CONF="anon_read = /pub

[issuer test]
iss = $ISS
jwks = $K/jwks.json"
lab_start a
wait_http
ALL_TOKEN=$TUSK_TOKEN

# jwt KEY ISS AUD EXP_IN SCOPE: a token of the test's issuer.
jwt() {
	/usr/bin/python3 "$INTEG_DIR/jwt_make.py" token "$K" "$@" ||
		fail "jwt_make.py token $*"
}

# with TOKEN CODE... WHAT -- CURL ARGS: pcurl with TOKEN ("" none); the
# status must be one of CODE. Saves the head in $S/h.
TOKENS_USED=()
with() {
	local tok=$1 args=() codes=() what
	shift
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	what=${args[-1]}
	codes=("${args[@]:0:${#args[@]}-1}")
	[ -z "$tok" ] || TOKENS_USED+=("$tok")
	TUSK_TOKEN=$tok pcurl --path-as-is -D "$S/h" -o "$S/body" -w '%{http_code}' "$@"
	assert_code "$CURL_OUT" "${codes[@]}" "$what"
}

# challenge WANT: the saved head's WWW-Authenticate is WANT.
challenge() {
	assert_eq "$(hdr "$S/h" WWW-Authenticate)" "$1" "WWW-Authenticate"
}

note "1: no token"
with "" 401 "GET without a token" -- "$HTTP_BASE/data/f.bin"
challenge "Bearer realm=\"$AUD\""
with "" 401 "PUT without a token" -- -T "$S/one.bin" "$HTTP_BASE/up/n.bin"
[ ! -e "$ROOT/up/n.bin" ] || fail "PUT without a token created the file"

note "2: JWTs RS256 and ES256, storage.read:/data"
for k in rsa ec; do
	t=$(jwt $k "$ISS" "$AUD" $TTL "storage.read:/data")
	with "$t" 200 "GET /data/f.bin ($k)" -- "$HTTP_BASE/data/f.bin"
	same_file "$ROOT/data/f.bin" "$S/body" "GET with a $k JWT"
	with "$t" 200 "HEAD /data/f.bin ($k)" -- -I "$HTTP_BASE/data/f.bin"
	with "$t" 207 "PROPFIND /data ($k)" -- -X PROPFIND -H 'Depth: 1' "$HTTP_BASE/data/"
	grep -q 'f.bin' "$S/body" || fail "PROPFIND /data ($k): f.bin not listed"
done
# the WLCG any-audience, in an array
t=$(jwt rsa "$ISS" "https://wlcg.cern.ch/jwt/v1/any" $TTL "openid storage.read:/data")
with "$t" 200 "GET with aud = the WLCG any-audience" -- "$HTTP_BASE/data/f.bin"

note "3: JWTs that do not verify"
invalid="Bearer realm=\"$AUD\", error=\"invalid_token\""
with "$(jwt rsa "$ISS" "$AUD" -3600 "storage.read:/data")" 401 "expired an hour ago" -- "$HTTP_BASE/data/f.bin"
challenge "$invalid"
with "$(jwt rsa https://evil.test "$AUD" $TTL "storage.read:/data")" 401 "another issuer" -- "$HTTP_BASE/data/f.bin"
with "$(jwt ec "$ISS" other-dtn $TTL "storage.read:/data")" 401 "another audience" -- "$HTTP_BASE/data/f.bin"
with "$(jwt other "$ISS" "$AUD" $TTL "storage.read:/")" 401 "forged signature (kid r1, another key)" -- "$HTTP_BASE/data/f.bin"
with "$(jwt none "$ISS" "$AUD" $TTL "storage.read:/")" 401 "alg none" -- "$HTTP_BASE/data/f.bin"
challenge "$invalid"

note "4: scope per path component"
t=$(jwt rsa "$ISS" "$AUD" $TTL "storage.read:/data")
with "$t" 403 "storage.read:/data on /data2/x.bin" -- "$HTTP_BASE/data2/x.bin"
challenge "Bearer realm=\"$AUD\", error=\"insufficient_scope\""
with "$t" 403 "storage.read:/data PUT /data/n.bin" -- -T "$S/one.bin" "$HTTP_BASE/data/n.bin"
[ ! -e "$ROOT/data/n.bin" ] || fail "a read token created /data/n.bin"

note "5: create may not overwrite; modify may"
t=$(jwt ec "$ISS" "$AUD" $TTL "storage.create:/up")
with "$t" 201 "storage.create:/up PUT /up/n.bin (new)" -- -T "$S/one.bin" "$HTTP_BASE/up/n.bin"
same_file "$S/one.bin" "$ROOT/up/n.bin" "PUT with storage.create"
with "$t" 403 "storage.create:/up PUT over /up/n.bin" -- -T "$S/two.bin" "$HTTP_BASE/up/n.bin"
same_file "$S/one.bin" "$ROOT/up/n.bin" "after the refused overwrite"
with "$t" 403 "storage.create:/up GET /up/n.bin" -- "$HTTP_BASE/up/n.bin"
t=$(jwt rsa "$ISS" "$AUD" $TTL "storage.modify:/up")
with "$t" 204 "storage.modify:/up PUT over /up/n.bin" -- -T "$S/two.bin" "$HTTP_BASE/up/n.bin"
same_file "$S/two.bin" "$ROOT/up/n.bin" "PUT with storage.modify"

note "6: anon_read /pub"
with "" 200 "GET /pub/p.bin without a token" -- "$HTTP_BASE/pub/p.bin"
same_file "$ROOT/pub/p.bin" "$S/body" "anonymous GET"
with "" 207 "PROPFIND /pub without a token" -- -X PROPFIND -H 'Depth: 1' "$HTTP_BASE/pub/"
with "" 401 "PUT /pub/new.bin without a token" -- -T "$S/one.bin" "$HTTP_BASE/pub/new.bin"
with "" 401 "GET /public (not under /pub) without a token" -- "$HTTP_BASE/public"
[ ! -e "$ROOT/pub/new.bin" ] || fail "an anonymous PUT created /pub/new.bin"

note "7: appliance macaroons"
m=$(lab_token /data read,list 300)
with "$m" 200 "macaroon read /data: GET /data/f.bin" -- "$HTTP_BASE/data/f.bin"
same_file "$ROOT/data/f.bin" "$S/body" "GET with a macaroon"
with "$m" 403 "macaroon read /data: GET /data2/x.bin" -- "$HTTP_BASE/data2/x.bin"
with "$m" 403 "macaroon read /data: PUT /data/n.bin" -- -T "$S/one.bin" "$HTTP_BASE/data/n.bin"
TOKENS_USED+=("$m")
with "" 200 "?authz=<macaroon>" -- "$HTTP_BASE/data/f.bin?authz=$m"
m=$(lab_token /up create 300)
with "$m" 201 "macaroon create /up: PUT /up/m.bin" -- -T "$S/one.bin" "$HTTP_BASE/up/m.bin"
with "$m" 403 "macaroon create /up: PUT over /up/m.bin" -- -T "$S/two.bin" "$HTTP_BASE/up/m.bin"
m=$(lab_token /up modify 300)
with "$m" 204 "macaroon modify /up: PUT over /up/m.bin" -- -T "$S/two.bin" "$HTTP_BASE/up/m.bin"
same_file "$S/two.bin" "$ROOT/up/m.bin" "PUT with a modify macaroon"
m=$(lab_token /data read 1)
sleep 2
with "$m" 401 "macaroon past its before: caveat" -- "$HTTP_BASE/data/f.bin"
"$TUSKCTL" -s "$LAB_STATE/tuskd.sock" token mint path=/data activity=fly ttl=10 2> "$S/err" &&
	fail "token mint with activity=fly succeeded"
grep -q "activity" "$S/err" || fail "token mint activity=fly: no reason naming it: $(cat "$S/err")"

note "9: the fetch client carries a token to its source"
srv_start --token "$SRC_TOKEN" --counts "$WORK/srv.counts"
id=$(fetch "http://$PEER_ADDR:$RANGE_PORT/src.bin" data/nosrc.bin 4)
assert_eq "$(wait_end "$id")" failed "fetch without a token"
[[ $(xget "$id" error) == *401* ]] || fail "fetch without a token: error $(xget "$id" error)"
id=$(ctl_json fetch "url=http://$PEER_ADDR:$RANGE_PORT/src.bin" dest=data/src.bin \
	streams=4 "token=$SRC_TOKEN" | python3 -c 'import json, sys
r = json.load(sys.stdin)
print(r["result"]["id"] if r["ok"] else sys.exit("fetch refused: " + r["error"]))') ||
	fail "tuskctl fetch token= failed"
assert_done "$id" "fetch with a token"
same_file "$WORK/srv/src.bin" "$ROOT/data/src.bin" "fetch with a token"
python3 - "$WORK/srv.counts" <<'PY' || fail "the range server's counts"
import json, sys
c = json.load(open(sys.argv[1]))
# one refused probe (the fetch without); the other's probe and ranges all bore it
assert c.get("bearer_refused") == 1, c
assert c.get("bearer_ok", 0) >= 2, c
print("# ok: source saw %d requests with the token, %d without" % (
    c["bearer_ok"], c["bearer_refused"]))
PY
TOKENS_USED+=("$SRC_TOKEN")
ctl_json fetch "url=http://$PEER_ADDR:$RANGE_PORT/src.bin" dest=data/x.bin \
	$'token=a\r\nX-Evil: 1' > "$S/evil.json" || true
grep -q '"ok": false' "$S/evil.json" || grep -q '"ok":false' "$S/evil.json" ||
	fail "a token with CR LF was taken: $(cat "$S/evil.json")"

note "10: a tusk-ctrld session carries its source_token"
ctrld_conf
ctrld_start
id=$(submit '{"name": "tok", "source": ["http://'"$PEER_ADDR:$RANGE_PORT"'/src.bin"],
	"destination": "sess", "streams": 2, "source_token": "'"$SRC_TOKEN"'"}')
wait_session "$id" FINISHED
same_file "$WORK/srv/src.bin" "$ROOT/sess/src.bin" "session with a source_token"
# a finished session needs its token no more: the journal dropped it
assert_eq "$(sget "$id" 's["spec"].get("source_token", "dropped")')" dropped \
	"session show after FINISHED: the token"
mkdir -p "$WORK/srv/set"
mkrand "$WORK/srv/set/c1.bin" 1
mkrand "$WORK/srv/set/c2.bin" 1
id=$(submit '{"name": "tokset", "source": "http://'"$PEER_ADDR:$RANGE_PORT"'/set/",
	"destination": "sessset", "source_token": "'"$SRC_TOKEN"'"}')
# running: shown as set; finished already: dropped (never the token)
case $(sget "$id" 's["spec"].get("source_token")') in
	"(set, not shown)"|None) ;;
	*) fail "session show: the source_token is shown" ;; esac
wait_session "$id" FINISHED
assert_eq "$(sget "$id" 's["files"]')" 2 "files listed with the token"
for f in c1.bin c2.bin; do
	same_file "$WORK/srv/set/$f" "$ROOT/sessset/$f" "collection with a source_token: $f"
done
id=$(submit '{"name": "notok", "source": "http://'"$PEER_ADDR:$RANGE_PORT"'/set/",
	"destination": "sessset2"}')
wait_session "$id" FAILED
[[ $(sget "$id" 's["reason"]') == *"HTTP 401"* ]] ||
	fail "a listing without the token: reason $(sget "$id" 's["reason"]')"
note "ok: without the token the listing failed: $(sget "$id" 's["reason"]')"
"$TUSKCTL" -s "$CTRLD_SOCK" session list > "$S/list.out" 2>&1 || fail "session list"
"$TUSKCTL" -s "$CTRLD_SOCK" --json session list > "$S/list.json" 2>&1 || fail "session list --json"
for f in "$S/list.out" "$S/list.json" "$WORK/ctrld.log"; do
	! grep -qF "$SRC_TOKEN" "$f" || fail "the source token is in $f"
done
for f in "$WORK/ctrld/journal.db" "$WORK/ctrld/journal.db-wal" "$WORK/ctrld/journal.db-shm"; do
	[ -e "$f" ] || continue
	assert_eq "$(stat -c %a "$f")" 600 "mode of ${f##*/}"
	! grep -qaF "$SRC_TOKEN" "$f" || fail "${f##*/} still holds a finished session's token"
done

note "8: counted, and never logged"
ctl_json http > "$S/http.json" || fail "tuskctl http"
for c in ok anon missing invalid forbidden invalid_expired invalid_issuer \
	 invalid_audience invalid_signature; do
	n=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["result"]["auth"][sys.argv[2]])' \
		"$S/http.json" "$c") || fail "no auth counter $c"
	[ "$n" -gt 0 ] || fail "auth counter $c is $n"
	note "ok: auth $c = $n"
done
TOKENS_USED+=("$ALL_TOKEN")
grep -q "refused" "$LAB_STATE/tuskd.log" ||
	fail "no refusal in tuskd's debug log: the check below would prove nothing"
for t in "${TOKENS_USED[@]}"; do
	# the whole token, and its last 20 characters (a JWT's signature)
	if grep -qF -e "$t" -e "${t: -20}" "$LAB_STATE/tuskd.log"; then
		fail "a token is in tuskd's log: ${t:0:12}..."
	fi
done
note "ok: none of ${#TOKENS_USED[@]} tokens in tuskd's log ($(wc -l < "$LAB_STATE/tuskd.log") lines)"
echo "PASS: $TEST_NAME"
