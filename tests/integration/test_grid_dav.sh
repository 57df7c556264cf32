#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_grid_dav: the WebDAV namespace and HTTP third-party copy of tuskd
# driven by the grid's own clients (Debian's davix and python3-gfal2),
# from the Linux peer, with a Linux nginx (WebDAV PUT) as the other end
# of the copies:
#
#   peer netns 10.77.0.1                     tuskd 10.77.0.2:80
#     davix-*, gfal2, curl  ---- COPY ---->  pull: GET  <- nginx :8080
#     nginx :8080 (dav_methods PUT)  <------ push: PUT  -- tuskd
#
#   1. davix-mkdir, davix-put, davix-get, davix-ls, davix-mv, davix-rm:
#      each lands on the data root as the client said (bytes identical
#      after put/get and after the move; nothing left behind).
#   2. gfal2 (stat, listdir, mkdir, rename, rmdir, unlink).
#   3. Third-party copy, both modes, both clients: davix-cp push (tuskd
#      PUTs to nginx) and pull (tuskd GETs from nginx); gfal2 filecopy
#      "3rd pull" and "3rd push" with the streamed fallback off. Bytes
#      identical, and a TransferHeaderX-Tusk-Probe field forwarded to nginx
#      (its access log shows it); curl sees 202, chunked, "success:
#      Created". nginx offers no Repr-Digest: a pull with
#      RequireChecksumVerification: true fails and leaves no file.
#   4. Refused, nothing changed: MOVE out of the root (dot segments,
#      encoded), DELETE of internal names and of a non-empty directory,
#      MKCOL over a file, MOVE with Overwrite: F onto a file; a COPY whose
#      Source (pull) or Destination (push) is a refused port ends with a
#      "failure:" line.
#   5. Tokens (tuskd refuses requests without one; every client above
#      carries the lab's): MKCOL, DELETE, MOVE, COPY without one get 401;
#      with storage.create on /box only: MKCOL and a pull into a new file
#      pass, DELETE, MOVE, a pull over a file and a push (no read) get
#      403; with every activity on /box, MOVE out of /box and a push of a
#      file outside it get 403 and change nothing.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

readonly NGINX_PORT=8080
readonly NGINX_BASE=http://$PEER_ADDR:$NGINX_PORT
# A third-party copy of a few MiB over the lab ends within seconds; past
# this the client is stuck.
readonly TPC_MAX_S=120

need_lab
need_cmd davix-ls davix-mkdir davix-put davix-get davix-mv davix-rm \
	davix-cp nginx
/usr/bin/python3 -c 'import gfal2' 2>/dev/null ||
	skip "no python3-gfal2 (tools/tusk-setup installs it)"
[ -e /usr/lib/x86_64-linux-gnu/gfal2-plugins/libgfal_plugin_http.so ] ||
	skip "no gfal2-plugin-http (tools/tusk-setup installs it)"

ROOT=$WORK/root
S=$WORK/s
NG=$WORK/nginx
mkdir -p "$ROOT" "$S" "$NG/root" "$NG/tmp"
export TUSK_LAB_DATA=$ROOT
lab_start a
wait_http

# nginx in the peer namespace: WebDAV PUT/DELETE/MKCOL, the forwarded
# probe field logged.
cat > "$NG/nginx.conf" <<NGX
user root;
worker_processes 1;
pid $NG/nginx.pid;
error_log $NG/error.log info;
events { worker_connections 64; }
http {
	log_format probe '\$request_method \$uri \$status probe=\$http_x_tusk_probe';
	access_log $NG/access.log probe;
	client_body_temp_path $NG/tmp;
	client_max_body_size 0;
	server {
		listen $PEER_ADDR:$NGINX_PORT;
		root $NG/root;
		dav_methods PUT DELETE MKCOL;
		create_full_put_path on;
	}
}
NGX
peer nginx -c "$NG/nginx.conf" -g 'daemon off;' 2> "$NG/stderr" &
NGINX_PID=$!
http_cleanup_add "kill_if nginx $NGINX_PID"
for (( i = 0; i < 50; i++ )); do
	pcurl -o /dev/null -w '%{http_code}' "$NGINX_BASE/"
	[ "$CURL_OUT" != 000 ] && break
	sleep 0.1
done
[ "$CURL_OUT" != 000 ] || fail "nginx does not answer: $(cat "$NG/stderr")"

T=$HTTP_BASE
# davix carries the lab's token (lib.sh: every activity on the root)
dv() { peer "$@" -H "$(authz)" --conn-timeout 5 --retry 0; }
# a tuskd URL with the token in its query (gfal2: bearer over HTTPS only)
tq() { echo "$1?authz=$TUSK_TOKEN&"; }

note "1: davix namespace"
dv davix-mkdir "$T/d1" > "$S/out" 2>&1 || fail "davix-mkdir: $(cat "$S/out")"
[ -d "$ROOT/d1" ] || fail "davix-mkdir made no directory"
if dv davix-mkdir "$T/d1" > "$S/out" 2>&1; then
	fail "davix-mkdir of an existing directory succeeded"
fi
mkrand "$S/a.bin" 3
dv davix-put "$S/a.bin" "$T/d1/a.bin" > "$S/out" 2>&1 ||
	fail "davix-put: $(cat "$S/out")"
same_file "$S/a.bin" "$ROOT/d1/a.bin" "davix-put"
dv davix-get "$T/d1/a.bin" "$S/a.get" > "$S/out" 2>&1 ||
	fail "davix-get: $(cat "$S/out")"
same_file "$S/a.bin" "$S/a.get" "davix-get"
# davix-mv 0.8.4 exits 255 after a successful MOVE (seen against nginx's
# WebDAV module too: 201, file moved, exit 255): judged by what it did
# and by its silence (it prints the error when a MOVE fails)
dv davix-mv "$T/d1/a.bin" "$T/d1/b.bin" > "$S/out" 2>&1 || true
[ ! -s "$S/out" ] || fail "davix-mv: $(cat "$S/out")"
[ ! -e "$ROOT/d1/a.bin" ] || fail "davix-mv left the source"
same_file "$S/a.bin" "$ROOT/d1/b.bin" "davix-mv"
names=$(dv davix-ls "$T/d1" 2> "$S/out") || fail "davix-ls: $(cat "$S/out")"
[ "$names" = b.bin ] || fail "davix-ls after the move: '$names'"
dv davix-rm "$T/d1/b.bin" > "$S/out" 2>&1 || fail "davix-rm: $(cat "$S/out")"
[ ! -e "$ROOT/d1/b.bin" ] || fail "davix-rm left the file"
dv davix-rm "$T/d1" > "$S/out" 2>&1 || fail "davix-rm of the empty directory: $(cat "$S/out")"
[ ! -e "$ROOT/d1" ] || fail "davix-rm left the empty directory"
[ -z "$(extras "$ROOT")" ] || fail "left in the root: $(extras "$ROOT")"
note "ok: davix mkdir, put, get, mv, ls, rm as asked, nothing left"

note "2: gfal2 namespace"
peer /usr/bin/python3 "$INTEG_DIR/gfal_ops.py" ns "$T" > "$S/gfal" 2>&1 ||
	fail "gfal2: $(cat "$S/gfal")"
cp "$S/a.bin" "$ROOT/u.bin"
peer /usr/bin/python3 "$INTEG_DIR/gfal_ops.py" unlink "$T/u.bin" >> "$S/gfal" 2>&1 ||
	fail "gfal2 unlink: $(cat "$S/gfal")"
[ ! -e "$ROOT/u.bin" ] || fail "gfal2 unlink left the file"
[ -z "$(extras "$ROOT")" ] || fail "left in the root: $(extras "$ROOT")"
note "ok: gfal2: $(tr '\n' ';' < "$S/gfal")"
# checksums as gfal2 (and FTS) ask for them: HEAD with Want-Digest,
# compared with Python's own; then a streamed copy tuskd -> tuskd with
# checksum mode both (the source's and the target's adler32 compared)
mkrand "$ROOT/sum.bin" 4
peer /usr/bin/python3 "$INTEG_DIR/gfal_ops.py" sums "$T/sum.bin" > "$S/sums" 2>&1 ||
	fail "gfal2 checksum: $(cat "$S/sums")"
python3 "$INTEG_DIR/file_digests.py" "$ROOT/sum.bin" hex | sort > "$S/sums.want" ||
	fail "file_digests.py"
sort "$S/sums" | diff -u "$S/sums.want" - > "$S/sums.diff" ||
	fail "gfal2's checksums differ from Python's: $(cat "$S/sums.diff")"
peer /usr/bin/python3 "$INTEG_DIR/gfal_ops.py" copysum "$T/sum.bin" "$T/sumcopy.bin" \
	> "$S/gfal" 2>&1 || fail "gfal2 copy with checksum both: $(cat "$S/gfal")"
same_file "$ROOT/sum.bin" "$ROOT/sumcopy.bin" "gfal2 streamed copy, checksum both"
note "ok: gfal2 checksums (adler32, md5, sha-256, crc32c) equal Python's; $(cat "$S/gfal")"

note "3: third-party copy"
mkrand "$ROOT/src.bin" 8
mkrand "$NG/root/ng.bin" 8
# davix-cp push (its default): COPY to tuskd with Destination
timeout "$TPC_MAX_S" ip netns exec "$TUSK_LAB_NS" davix-cp -H "$(authz)" \
	-H 'TransferHeaderX-Tusk-Probe: push-1' \
	"$T/src.bin" "$NGINX_BASE/pushed.bin" > "$S/out" 2>&1 ||
	fail "davix-cp push: $(cat "$S/out")"
same_file "$ROOT/src.bin" "$NG/root/pushed.bin" "davix-cp push (tuskd PUT to nginx)"
grep -q "^PUT /pushed.bin 201 probe=push-1$" "$NG/access.log" ||
	fail "nginx saw no PUT carrying the forwarded field: $(cat "$NG/access.log")"
note "ok: TransferHeaderX-Tusk-Probe arrived as X-Tusk-Probe"
# davix-cp pull: COPY to tuskd with Source
timeout "$TPC_MAX_S" ip netns exec "$TUSK_LAB_NS" davix-cp -H "$(authz)" --copy-mode pull \
	"$NGINX_BASE/ng.bin" "$T/pulled.bin" > "$S/out" 2>&1 ||
	fail "davix-cp pull: $(cat "$S/out")"
same_file "$NG/root/ng.bin" "$ROOT/pulled.bin" "davix-cp pull (tuskd GET from nginx)"
# gfal2, both modes, no streamed fallback
timeout "$TPC_MAX_S" ip netns exec "$TUSK_LAB_NS" /usr/bin/python3 \
	"$INTEG_DIR/gfal_ops.py" tpc "3rd pull" "$NGINX_BASE/ng.bin" \
	"$(tq "$T/gpulled.bin")" > "$S/gfal" 2>&1 || fail "gfal2 pull: $(cat "$S/gfal")"
same_file "$NG/root/ng.bin" "$ROOT/gpulled.bin" "gfal2 filecopy 3rd pull"
timeout "$TPC_MAX_S" ip netns exec "$TUSK_LAB_NS" /usr/bin/python3 \
	"$INTEG_DIR/gfal_ops.py" tpc "3rd push" "$(tq "$T/src.bin")" \
	"$NGINX_BASE/gpushed.bin" > "$S/gfal" 2>&1 || fail "gfal2 push: $(cat "$S/gfal")"
same_file "$ROOT/src.bin" "$NG/root/gpushed.bin" "gfal2 filecopy 3rd push"
# the response as a client reads it: 202, chunked, the final line
pcurl -N -o "$S/copy.body" -D "$S/copy.hdr" -w '%{http_code}' -X COPY \
	-H "Source: $NGINX_BASE/ng.bin" "$T/curl-pulled.bin"
assert_code "${CURL_OUT:0:3}" 202 "COPY with Source"
[ "$(tail -n 1 "$S/copy.body")" = "success: Created" ] ||
	fail "COPY body: $(cat "$S/copy.body")"
[[ $(hdr "$S/copy.hdr" Transfer-Encoding) == chunked ]] || fail "COPY not chunked"
same_file "$NG/root/ng.bin" "$ROOT/curl-pulled.bin" "curl COPY pull"
# nginx offers no Repr-Digest: a copy that must be verified fails
pcurl -N -o "$S/copy.body" -w '%{http_code}' -X COPY \
	-H "Source: $NGINX_BASE/ng.bin" -H 'RequireChecksumVerification: true' \
	"$T/unverified.bin"
assert_code "${CURL_OUT:0:3}" 202 "COPY with RequireChecksumVerification"
grep -q '^failure: RequireChecksumVerification' "$S/copy.body" ||
	fail "unverifiable copy: $(cat "$S/copy.body")"
[ ! -e "$ROOT/unverified.bin" ] || fail "an unverified copy was kept"
note "ok: an unverifiable copy fails and leaves no file"

note "4: refused, nothing changed"
mkdir "$ROOT/full"
cp "$S/a.bin" "$ROOT/full/x.bin"
echo part > "$ROOT/full/y.bin.tusk-part"
want=$(cd "$ROOT" && find . -printf '%p %s\n' | sort | sha256sum)
pcurl -o /dev/null -w '%{http_code}' -X MOVE -H "Destination: $T/../escaped.bin" \
	--path-as-is "$T/full/x.bin"
assert_code "$CURL_OUT" 403 "MOVE to /../escaped.bin"
pcurl -o /dev/null -w '%{http_code}' -X MOVE -H "Destination: /%2e%2e/escaped.bin" \
	"$T/full/x.bin"
assert_code "$CURL_OUT" 403 "MOVE to /%2e%2e/escaped.bin"
pcurl -o /dev/null -w '%{http_code}' -X MOVE -H "Destination: http://elsewhere/x" \
	"$T/full/x.bin"
assert_code "$CURL_OUT" 502 "MOVE to another server"
pcurl -o /dev/null -w '%{http_code}' -X MOVE -H "Destination: /src.bin" \
	-H 'Overwrite: F' "$T/full/x.bin"
assert_code "$CURL_OUT" 412 "MOVE with Overwrite: F onto a file"
pcurl -o /dev/null -w '%{http_code}' -X DELETE "$T/full/y.bin.tusk-part"
assert_code "$CURL_OUT" 403 "DELETE of an internal name"
pcurl -o /dev/null -w '%{http_code}' -X DELETE "$T/full"
assert_code "$CURL_OUT" 409 "DELETE of a non-empty directory"
pcurl -o /dev/null -w '%{http_code}' -X MKCOL "$T/full/x.bin"
assert_code "$CURL_OUT" 405 "MKCOL over a file"
pcurl -o /dev/null -w '%{http_code}' -X DELETE "$T/"
assert_code "$CURL_OUT" 403 "DELETE of the root"
got=$(cd "$ROOT" && find . -printf '%p %s\n' | sort | sha256sum)
[ "$got" = "$want" ] || fail "a refused request changed the root"
same_file "$S/a.bin" "$ROOT/full/x.bin" "x.bin after the refusals"
[ ! -e "$WORK/escaped.bin" ] || fail "MOVE escaped the root"
# port 9 of the peer: nothing listens, Linux answers RST
pcurl -N -o "$S/copy.body" -w '%{http_code}' -X COPY \
	-H "Source: http://$PEER_ADDR:9/x" "$T/refused.bin"
assert_code "${CURL_OUT:0:3}" 202 "COPY from a refused port"
grep -q '^failure: ' "$S/copy.body" || fail "no failure line: $(cat "$S/copy.body")"
[ ! -e "$ROOT/refused.bin" ] || fail "a failed copy left its file"
note "ok: $(grep '^failure' "$S/copy.body")"
pcurl -N -o "$S/copy.body" -w '%{http_code}' -X COPY \
	-H "Destination: http://$PEER_ADDR:9/x" "$T/src.bin"
assert_code "${CURL_OUT:0:3}" 202 "COPY to a refused port"
grep -q '^failure: ' "$S/copy.body" || fail "no failure line: $(cat "$S/copy.body")"
note "ok: $(grep '^failure' "$S/copy.body")"

note "5: tokens (app/auth): each new method goes through the decision"
mkdir "$ROOT/box"
cp "$S/a.bin" "$ROOT/box/in.bin"
cp "$S/a.bin" "$ROOT/other.bin"
# code METHOD PATH [CURL ARGS]: the status, with TUSK_TOKEN as it is
code() {
	local m=$1 p=$2
	shift 2
	pcurl -N -o "$S/tok.body" -w '%{http_code}' -X "$m" "$@" "$T$p"
	echo "$CURL_OUT"
}
ALL=$TUSK_TOKEN
TUSK_TOKEN=
for m in MKCOL DELETE MOVE COPY; do
	assert_code "$(code "$m" /box/x -H "Destination: /box/y" )" 401 "$m without a token"
done
TUSK_TOKEN=$(lab_token /box create)
assert_code "$(code MKCOL /box/new)" 201 "MKCOL with storage.create on /box"
assert_code "$(code DELETE /box/in.bin)" 403 "DELETE with create only"
assert_code "$(code MOVE /box/in.bin -H 'Destination: /box/m.bin')" 403 \
	"MOVE with create only"
assert_code "$(code COPY /box/in.bin -H "Source: $NGINX_BASE/ng.bin")" 403 \
	"COPY pull over a file with create only"
assert_code "$(code COPY /box/in.bin -H "Destination: $NGINX_BASE/x.bin")" 403 \
	"COPY push without read"
assert_code "$(code COPY /box/p.bin -H "Source: $NGINX_BASE/ng.bin")" 202 \
	"COPY pull of a new file with create"
grep -qx 'success: Created' "$S/tok.body" || fail "pull with create: $(cat "$S/tok.body")"
same_file "$NG/root/ng.bin" "$ROOT/box/p.bin" "pull with storage.create"
TUSK_TOKEN=$(lab_token /box read,create,modify,delete)
assert_code "$(code MOVE /box/in.bin -H 'Destination: /other2.bin')" 403 \
	"MOVE out of the token's path"
assert_code "$(code MOVE /box/in.bin -H 'Destination: /other.bin')" 403 \
	"MOVE over a file out of the token's path"
assert_code "$(code COPY /other.bin -H "Destination: $NGINX_BASE/o.bin")" 403 \
	"COPY push of a file out of the token's path"
[ ! -e "$ROOT/other2.bin" ] && [ ! -e "$NG/root/o.bin" ] ||
	fail "a refused MOVE or push acted"
same_file "$S/a.bin" "$ROOT/other.bin" "other.bin after the refusals"
assert_code "$(code MOVE /box/in.bin -H 'Destination: /box/m.bin')" 201 \
	"MOVE within the token's path"
assert_code "$(code DELETE /box/m.bin)" 204 "DELETE with storage.modify"
TUSK_TOKEN=$ALL
note "PASS"
