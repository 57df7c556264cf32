#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_https: tuskd's file endpoint over TLS 1.3 on its own TCP, and its
# fetch client over https://, against stock Linux clients and servers.
#
#   lab peer (Linux)                         tuskd (own stack, af_packet)
#   curl --cacert ca.pem  ── https :443 ──►  HTTPS endpoint (tls_cert/key)
#   tls_probe.py (hostile) ──────────────►       "
#   nginx ssl :8443 (CA's) ◄── https ─────── fetch client (tls_ca = ca.pem)
#   nginx ssl :8444 (self-signed) ◄─────────     "
#
#   0. The certificate checks at load (`tuskd --check-config`): a missing
#      certificate, a key of another certificate, a key without a
#      certificate, a CA file without a certificate: one line each,
#      `file:line: key: reason`.
#   1. GET a MIB MiB file with curl --cacert (and the lab's token, as
#      every request here): 200, TLS 1.3 with AES-GCM, sha256 identical
#      to the file; a byte range from the middle: 206 and exactly those
#      bytes; a HEAD and a GET on one connection; without a token 401,
#      with a token for another path 403 (auth holds over TLS).
#   2. PUT MIB MiB over https: 201, the file in the root identical.
#   2b. gfal2 (python3-gfal2) over https with a bearer token: stat and
#      adler32 right; without a token refused (401).
#   3. curl with the wrong CA refuses tuskd's certificate (exit 60); no
#      request reached the endpoint.
#   4. Hostile clients: a TLS 1.2-only client gets a protocol_version
#      alert; random bytes and plaintext HTTP are answered with at most an
#      alert and a close; a client that connects and sends nothing, or
#      half a ClientHello, is reset at the handshake deadline (here
#      http_head_timeout_s = HEAD_S) and counted in
#      tls_handshake_timeouts; the endpoint still serves afterwards.
#   5. The per-source cap holds for TLS connections: with
#      http_source_conns_max = SRC_MAX, SRC_MAX + 4 TLS clients from the
#      peer get SRC_MAX handshakes and SRC_MAX answers.
#   6. tuskd fetches a MIB MiB file from nginx over https (4 range
#      streams): done, sha256 identical; from a server whose certificate
#      tls_ca does not vouch for: failed, with the verification error as
#      the reason, nothing kept.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"
# shellcheck source=tests/integration/fetch_lib.sh
. "$(dirname "$0")/fetch_lib.sh"

readonly MIB=${HTTPS_TEST_MIB:-256}
readonly SIZE=$(( MIB << 20 ))
readonly HTTPS_PORT=443
readonly HTTPS_BASE=https://$TUSKD_ADDR:$HTTPS_PORT
# The head deadline, which covers the TLS handshake: short, so that the
# stalled clients of step 4 are ended within the test.
readonly HEAD_S=3
# Per-source connections per lcore for step 5 (the lab has one lcore).
readonly SRC_MAX=8
readonly NGINX_PORT=8443
readonly ROGUE_PORT=8444
FETCH_MAX_S=180
CONFIG_EXIT=2

need_lab
need_cmd nginx openssl curl
mkdir -p "$WORK/root" "$WORK/peer" "$WORK/srv" "$WORK/pki" "$WORK/ngx"
PKI=$WORK/pki

# mkcert NAME SAN [CA]: an ECDSA P-256 key and certificate for SAN signed
# by the lab CA (or self-signed when CA is "self").
mkcert() {
	local name=$1 san=$2 ca=${3:-ca}
	if [ "$ca" = self ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -days 2 -subj "/CN=$name" -addext "subjectAltName=$san" \
			-keyout "$PKI/$name.key" -out "$PKI/$name.pem" 2>/dev/null ||
			fail "openssl: self-signed $name"
		return
	fi
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/CN=$name" -keyout "$PKI/$name.key" -out "$PKI/$name.csr" \
		2>/dev/null || fail "openssl: request for $name"
	printf 'subjectAltName=%s\n' "$san" > "$PKI/$name.ext"
	openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.pem" \
		-CAkey "$PKI/$ca.key" -CAcreateserial -days 2 \
		-extfile "$PKI/$name.ext" -out "$PKI/$name.pem" 2>/dev/null ||
		fail "openssl: signing $name"
}

note "a CA, tuskd's certificate, nginx's, a self-signed one, another CA"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=tusk lab CA" -keyout "$PKI/ca.key" -out "$PKI/ca.pem" 2>/dev/null ||
	fail "openssl: CA"
mkcert tuskd "IP:$TUSKD_ADDR,DNS:tuskd.lab"
mkcert peer "IP:$PEER_ADDR"
mkcert rogue "IP:$PEER_ADDR" self
mkcert otherca "IP:$TUSKD_ADDR" self

note "0: certificate errors at load name file, line and key"
check_conf() {
	local name=$1 want=$2 rc=0
	cat > "$WORK/$name.conf" <<CONF
[eal]
args = -l 0-1 --no-huge -m 256 --in-memory
[tuskd]
data_root = $WORK/root
control_socket = $WORK/check.sock
$3
[port data0]
device = net_af_packet0,iface=tusk0
profile = af_packet
address = 10.77.0.2/24
CONF
	"$TUSKD" --check-config -c "$WORK/$name.conf" > "$WORK/out.txt" 2> "$WORK/err.txt" || rc=$?
	if [ -z "$want" ]; then
		[ "$rc" = 0 ] || fail "$name: exit $rc: $(cat "$WORK/err.txt")"
		note "ok: $name: accepted"
		return
	fi
	[ "$rc" = "$CONFIG_EXIT" ] || fail "$name: exit $rc, want $CONFIG_EXIT ($(cat "$WORK/err.txt"))"
	[ "$(wc -l < "$WORK/err.txt")" = 1 ] || fail "$name: want one line: $(cat "$WORK/err.txt")"
	grep -qF "$WORK/$name.conf:$want" "$WORK/err.txt" ||
		fail "$name: '$(cat "$WORK/err.txt")' lacks '$name.conf:$want'"
	note "ok: $name: $(cat "$WORK/err.txt")"
}
check_conf good "" "tls_cert = $PKI/tuskd.pem
tls_key = $PKI/tuskd.key
tls_ca = $PKI/ca.pem"
check_conf missing "6: tls_cert: cannot read certificate $PKI/none.pem: No such file" \
	"tls_cert = $PKI/none.pem
tls_key = $PKI/tuskd.key"
check_conf mismatch "7: tls_key: the key does not match the certificate" \
	"tls_cert = $PKI/tuskd.pem
tls_key = $PKI/peer.key"
check_conf notcert "6: tls_cert: no PEM certificate in the file" \
	"tls_cert = $PKI/tuskd.key
tls_key = $PKI/tuskd.key"
check_conf keyonly "6: tls_key: needs tls_cert too" "tls_key = $PKI/tuskd.key"
check_conf badca "6: tls_ca: no PEM certificate in the CA file" "tls_ca = $PKI/ca.key"
check_conf sameport "6: https_port: 80 is http_port too" "https_port = 80
tls_cert = $PKI/tuskd.pem
tls_key = $PKI/tuskd.key"

export TUSK_LAB_DATA=$WORK/root
export TUSK_LAB_TUSKD_ARGS="--set tuskd.tls_cert=$PKI/tuskd.pem --set tuskd.tls_key=$PKI/tuskd.key --set tuskd.tls_ca=$PKI/ca.pem --set tuskd.http_head_timeout_s=$HEAD_S --set tuskd.http_source_conns_max=$SRC_MAX"
lab_start a
wait_http

# scurl ARGS...: pcurl over https with the lab CA.
scurl() { pcurl --cacert "$PKI/ca.pem" "$@"; }

note "making $MIB MiB files"
mkrand "$WORK/root/big.bin" "$MIB"
mkrand "$WORK/peer/up.bin" "$MIB"
mkrand "$WORK/srv/pulled.bin" "$MIB"

note "1: GET $MIB MiB over https"
scurl -o "$WORK/peer/got.bin" -w '%{http_code} %{time_total}' \
	"$HTTPS_BASE/big.bin" -v 2> "$WORK/curl.v" || true
CODE=${CURL_OUT:0:3}
assert_code "$CODE" 200 "https GET /big.bin"
same_file "$WORK/root/big.bin" "$WORK/peer/got.bin" "https GET $MIB MiB"
note "https GET rate: $(gbps "$SIZE" "${CURL_OUT#* }") Gbit/s"
grep -q 'SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384' "$WORK/curl.v" ||
	fail "not TLS 1.3 with AES-256-GCM: $(grep 'SSL connection' "$WORK/curl.v")"
note "ok: $(grep -o 'SSL connection using.*' "$WORK/curl.v")"
rm -f "$WORK/peer/got.bin"
off=$(( SIZE / 2 + 12345 ))
len=$(( 8 << 20 ))
scurl -o "$WORK/peer/range.bin" -r "$off-$(( off + len - 1 ))" -w '%{http_code}' \
	"$HTTPS_BASE/big.bin"
assert_code "$CURL_OUT" 206 "https GET Range"
cmp -s "$WORK/peer/range.bin" <(tail -c +"$(( off + 1 ))" "$WORK/root/big.bin" | head -c "$len") ||
	fail "https range: bytes differ"
note "ok: https range of $len bytes at $off identical"
scurl -I -o /dev/null -w '%{http_code} ' "$HTTPS_BASE/big.bin" --next -sS \
	--cacert "$PKI/ca.pem" -H "$(authz)" -o /dev/null -r 0-99 \
	-w '%{http_code} %{num_connects}' "$HTTPS_BASE/big.bin"
assert_eq "$CURL_OUT" "200 206 0" "HEAD then GET on one TLS connection (statuses, new connections)"

# the token rules hold over TLS as over HTTP (auth is in the endpoint)
TUSK_TOKEN= scurl -o /dev/null -w '%{http_code}' "$HTTPS_BASE/big.bin"
assert_eq "$CURL_OUT" 401 "https GET without a token"
TUSK_TOKEN=$(lab_token /other read) scurl -o /dev/null -w '%{http_code}' "$HTTPS_BASE/big.bin"
assert_eq "$CURL_OUT" 403 "https GET with a token for another path"

note "2: PUT $MIB MiB over https"
scurl -o /dev/null -w '%{http_code} %{time_total}' -T "$WORK/peer/up.bin" "$HTTPS_BASE/up.bin"
assert_code "${CURL_OUT:0:3}" 201 "https PUT /up.bin"
same_file "$WORK/peer/up.bin" "$WORK/root/up.bin" "https PUT $MIB MiB"
note "https PUT rate: $(gbps "$SIZE" "${CURL_OUT#* }") Gbit/s"
# MOVE over https: a Destination naming https's default port, or none,
# is this server whether the Host field carries the port or not (curl
# leaves :443 out of Host)
s443=https://$TUSKD_ADDR:443
scurl -o /dev/null -w '%{http_code}' -X MOVE -H "Destination: $s443/up2.bin" \
	"$s443/up.bin"
assert_code "$CURL_OUT" 201 "https MOVE, Destination with :443, Host without"
scurl -o /dev/null -w '%{http_code}' -X MOVE -H "Host: $TUSKD_ADDR:443" \
	-H "Destination: https://$TUSKD_ADDR/up.bin" "$s443/up2.bin"
assert_code "$CURL_OUT" 201 "https MOVE, Destination without a port, Host with :443"
same_file "$WORK/peer/up.bin" "$WORK/root/up.bin" "https PUT after two MOVEs"

note "2b: gfal2 (Debian's python3-gfal2) with a bearer token over https"
# gfal2 sends bearer tokens over HTTPS only; it trusts the CAs of
# X509_CERT_DIR (an OpenSSL hashed directory)
mkdir -p "$WORK/cadir"
cp "$PKI/ca.pem" "$WORK/cadir/"
openssl rehash "$WORK/cadir" 2>/dev/null || c_rehash "$WORK/cadir" > /dev/null ||
	fail "cannot hash the CA directory"
gfal_https() {
	peer env X509_CERT_DIR="$WORK/cadir" GFAL_TOKEN="$1" /usr/bin/python3 - \
		"$HTTPS_BASE/$2" <<'PY'
import os, sys
import gfal2
ctx = gfal2.creat_context()
ctx.set_opt_boolean("HTTP PLUGIN", "RETRIEVE_BEARER_TOKEN", False)
if os.environ["GFAL_TOKEN"]:
    ctx.cred_set(sys.argv[1].rsplit("/", 1)[0],
                 gfal2.cred_new("BEARER", os.environ["GFAL_TOKEN"]))
try:
    st = ctx.stat(sys.argv[1])
    print(st.st_size, ctx.checksum(sys.argv[1], "ADLER32").lower())
except gfal2.GError as e:
    print("error", e.code, e.message.strip().splitlines()[0][:120])
PY
}
got=$(gfal_https "$TUSK_TOKEN" big.bin)
want="$(stat -c %s "$WORK/root/big.bin") $(python3 "$INTEG_DIR/file_digests.py" "$WORK/root/big.bin" hex | awk '$1 == "adler32" { print $2 }')"
assert_eq "$got" "$want" "gfal2 stat and adler32 over https with a bearer token"
got=$(gfal_https "" big.bin)
case $got in "error "*) note "ok: gfal2 without a token: $got" ;;
	*) fail "gfal2 without a token over https: $got" ;; esac

note "3: the wrong CA"
ctl_json http > "$WORK/http0.json"
pcurl --cacert "$PKI/otherca.pem" -o /dev/null -w '%{http_code}' "$HTTPS_BASE/big.bin" 2>/dev/null
assert_eq "$CURL_RC" 60 "curl exit with the wrong CA (certificate problem)"
ctl_json http > "$WORK/http1.json"
reqs() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["result"]["lcores"][0]; print(sum(d["requests"].values()))' "$1"; }
assert_eq "$(reqs "$WORK/http1.json")" "$(reqs "$WORK/http0.json")" "requests after a refused certificate"

note "4: hostile TLS clients"
probe() { peer python3 "$INTEG_DIR/tls_probe.py" "$TUSKD_ADDR" "$HTTPS_PORT" "$@"; }
note "ok: TLS 1.2 only: $(probe tls12 || fail "TLS 1.2-only client")"
note "ok: $(probe garbage || fail "garbage client")"
note "ok: $(probe plaintext || fail "plaintext client")"
pcurl -o /dev/null -w '%{http_code}' "http://$TUSKD_ADDR:$HTTPS_PORT/big.bin" 2>/dev/null
assert_eq "$CURL_RC" 52 "curl http:// to the HTTPS port (empty reply)"
for mode in stall halfhello; do
	secs=$(probe "$mode") || fail "$mode client"
	awk -v s="$secs" -v h="$HEAD_S" 'BEGIN { exit !(s >= h - 0.5 && s <= h + 3) }' ||
		fail "$mode: ended after $secs s, want about $HEAD_S"
	note "ok: $mode: reset after $secs s (head deadline $HEAD_S s)"
done
sleep "$STATS_SETTLE_S"
ctl_json http > "$WORK/http2.json"
lim() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["result"]["lcores"][0]; print(d[sys.argv[2]] if sys.argv[2] in d else d["limits"][sys.argv[2]])' "$WORK/http2.json" "$1"; }
assert_eq "$(lim tls_handshake_timeouts)" 2 "tls_handshake_timeouts"
[ "$(lim tls_failures)" -ge 4 ] || fail "tls_failures $(lim tls_failures), want >= 4"
note "ok: tls_handshakes $(lim tls_handshakes), tls_failures $(lim tls_failures)"
scurl -o "$WORK/peer/range.bin" -r 0-999 -w '%{http_code}' "$HTTPS_BASE/big.bin"
assert_code "$CURL_OUT" 206 "https GET after the hostile clients"

note "5: per-source cap over TLS"
held=$(probe hold $(( SRC_MAX + 4 )) "$PKI/ca.pem") || fail "hold client"
assert_eq "$held" "$SRC_MAX $SRC_MAX" "TLS connections admitted and answered from one source"

note "6: fetch over https from nginx in the peer"
cat > "$WORK/ngx/nginx.conf" <<CONF
daemon off;
master_process off;
user root;
worker_processes 1;
pid $WORK/ngx/nginx.pid;
error_log $WORK/ngx/error.log warn;
events { worker_connections 256; }
http {
	access_log off;
	sendfile on;
	client_body_temp_path $WORK/ngx;
	proxy_temp_path $WORK/ngx;
	fastcgi_temp_path $WORK/ngx;
	uwsgi_temp_path $WORK/ngx;
	scgi_temp_path $WORK/ngx;
	server {
		listen $PEER_ADDR:$NGINX_PORT ssl;
		ssl_certificate $PKI/peer.pem;
		ssl_certificate_key $PKI/peer.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		root $WORK/srv;
	}
	server {
		listen $PEER_ADDR:$ROGUE_PORT ssl;
		ssl_certificate $PKI/rogue.pem;
		ssl_certificate_key $PKI/rogue.key;
		root $WORK/srv;
	}
}
CONF
ip netns exec "$TUSK_LAB_NS" nginx -c "$WORK/ngx/nginx.conf" -e "$WORK/ngx/error.log" &
NGINX_PID=$!
http_cleanup_add "kill_if nginx $NGINX_PID"
for (( i = 0; i < 50; i++ )); do
	scurl -o /dev/null -w '%{http_code}' -r 0-0 "https://$PEER_ADDR:$NGINX_PORT/pulled.bin"
	[ "$CURL_OUT" = 206 ] && break
	sleep 0.1
done
[ "$CURL_OUT" = 206 ] || fail "nginx over https does not answer: $(cat "$WORK/ngx/error.log")"
id=$(fetch "https://$PEER_ADDR:$NGINX_PORT/pulled.bin" pulled.bin 4)
assert_done "$id" "fetch https $MIB MiB from nginx"
assert_eq "$(xget "$id" ranges)" true "range streams over https"
same_file "$WORK/srv/pulled.bin" "$WORK/root/pulled.bin" "fetched over https"
id=$(fetch "https://$PEER_ADDR:$ROGUE_PORT/pulled.bin" rogue.bin 2)
assert_eq "$(wait_end "$id")" failed "fetch from a self-signed server"
err=$(xget "$id" error)
case $err in
"TLS with $PEER_ADDR:$ROGUE_PORT: server certificate: self-signed certificate"*) ;;
*) fail "fetch from a self-signed server: reason '$err'" ;;
esac
note "ok: refused: $err"
[ -z "$(extras "$WORK/root" big.bin up.bin pulled.bin)" ] ||
	fail "left in the root: $(extras "$WORK/root" big.bin up.bin pulled.bin)"
kill_if nginx "$NGINX_PID"
wait "$NGINX_PID" 2>/dev/null || true
note "all https tests passed"
