#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_http_errors: hostile and wrong requests get a clear status, and
# nothing outside tuskd's data root is ever read or written.
#
#   1. Path escapes (RFC 3986 dot segments, percent-encoded dots and
#      slashes, absolute-form to another host, "//etc/passwd", a NUL, a
#      target that is not origin-form, symlinks inside the root that point
#      out of it) by GET and PUT: 403 or 404 (400 where the target itself
#      is malformed). A canary directory next to the root is watched with
#      inotify the whole time: no open, read, write, create or rename
#      there, and no response carries a canary's or /etc/passwd's bytes.
#      A symlink that stays inside the root is followed (200).
#   2. 405 for POST and PATCH (methods tuskd does not serve; DELETE is
#      WebDAV's, test_grid_dav), with Allow: GET, HEAD, PUT; the file stays.
#   3. 411 for a PUT without Content-Length (chunked, and no length at all).
#   4. 413 for a PUT over http_put_max_mb (set to 256 for this lab): one
#      byte more announced in Content-Length, never sent.
#   5. PUT with a wrong Repr-Digest: 400, the file not created, no
#      temporary left; a malformed Repr-Digest: 400.
# The root is an ordinary directory: nothing here needs a mount. A full
# disk (507) is test_http_disk_full, whose root is a small tmpfs.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

# The lab's tuskd takes PUT bodies up to this (tuskd.conf http_put_max_mb).
readonly PUT_MAX_MB=256

need_lab
ROOT=$WORK/root
OUT=$WORK/outside
S=$WORK/s
mkdir -p "$ROOT" "$OUT" "$S"

# The canary: a random token no response may carry, next to the root.
token=canary-$(openssl rand -hex 16)
echo "$token" > "$OUT/canary"
canary_sha=$(sha_of "$OUT/canary")
mkrand "$ROOT/keep.bin" 1
mkdir "$ROOT/sub"
ln -s "$OUT/canary" "$ROOT/link-file"
ln -s "$OUT" "$ROOT/link-dir"
ln -s /etc "$ROOT/link-etc"
ln -s keep.bin "$ROOT/link-in"
echo evil > "$S/evil.txt"

export TUSK_LAB_DATA=$ROOT
export TUSK_LAB_TUSKD_ARGS="--set tuskd.http_put_max_mb=$PUT_MAX_MB"
lab_start a
wait_http

# Watch the canary directory and the directory holding the root (for
# anything created beside it) until the end.
python3 "$INTEG_DIR/watch_paths.py" "$S/watch.log" "$OUT" "$WORK" \
	--ignore root --ignore s > "$S/watch.ready" &
watcher=$!
http_cleanup_add "kill_if watch_paths.py $watcher"
for (( i = 0; i < 50; i++ )); do
	grep -q ready "$S/watch.ready" 2>/dev/null && break
	sleep 0.1
done
grep -q ready "$S/watch.ready" || fail "inotify watcher did not start"

n=0
# escape METHOD TARGET STATUS... : raw request, status among those given.
escape() {
	local method=$1 target=$2
	shift 2
	n=$(( n + 1 ))
	if [ "$method" = PUT ]; then
		raw PUT "$target" --body "$S/evil.txt" -o "$S/r$n.out"
	else
		raw "$method" "$target" -o "$S/r$n.out"
	fi
	assert_code "$CODE" "$@" "$method $target"
}

note "1: path escapes"
escape GET '/../outside/canary' 403 404
escape GET '/%2e%2e/outside/canary' 403 404
escape GET '/%2E%2E/outside/canary' 403 404
escape GET '/%2E%2E%2Foutside%2Fcanary' 400 403 404
escape GET '/.%2e/outside/canary' 403 404
escape GET '/sub/../../outside/canary' 403 404
escape GET '/sub/%2e%2e/%2e%2e/outside/canary' 403 404
escape GET '/sub/..%2f..%2foutside%2fcanary' 400 403 404
escape GET '/sub/..\\outside\\canary' 400 403 404
escape GET "http://$TUSKD_ADDR/../outside/canary" 400 403 404
escape GET 'http://127.0.0.1/etc/passwd' 403 404
escape GET 'http://127.0.0.1//etc/passwd' 403 404
escape GET '//etc/passwd' 403 404
escape GET '/etc/passwd' 403 404
escape GET '/keep.bin%00/../../outside/canary' 400 403 404
escape GET '/keep.bin\x00' 400 403 404
escape GET '../outside/canary' 400 403 404
escape GET '/link-file' 403 404
escape GET '/link-dir/canary' 403 404
escape GET '/link-etc/passwd' 403 404
escape HEAD '/link-file' 403 404
escape PUT '/../outside/new.bin' 403 404
escape PUT '/%2e%2e/outside/canary' 403 404
escape PUT '/sub/%2e%2e/%2e%2e/outside/new.bin' 403 404
escape PUT '/link-dir/new.bin' 403 404
escape PUT '/link-dir/canary' 403 404
escape PUT 'http://127.0.0.1/../outside/new.bin' 400 403 404
escape PUT '/sub/.x.tusk-part' 403 404
http_get /link-in "$S/in.bin" "$S/in.hdr"
assert_code "$CODE" 200 "GET /link-in (a symlink inside the root)"
same_file "$ROOT/keep.bin" "$S/in.bin" "symlink inside the root"

note "2: 405"
for m in POST PATCH; do
	pcurl -o /dev/null -D "$S/m.hdr" -w '%{http_code}' -X "$m" \
		--data-binary @"$S/evil.txt" "$HTTP_BASE/keep.bin"
	assert_code "${CURL_OUT:0:3}" 405 "$m /keep.bin"
	allow=$(hdr "$S/m.hdr" Allow)
	for w in GET HEAD PUT; do
		[[ ,${allow// /}, == *,$w,* ]] || fail "405 Allow '$allow' lacks $w"
	done
done
same_file "$S/in.bin" "$ROOT/keep.bin" "keep.bin after POST/PATCH"

note "3: 411"
http_put "$S/evil.txt" /chunked.bin "$S/c.hdr" -H 'Transfer-Encoding: chunked'
assert_code "$CODE" 411 "PUT with Transfer-Encoding: chunked"
raw PUT /nolength.bin --body "$S/evil.txt" --no-length
assert_code "$CODE" 411 "PUT without Content-Length"

note "4: 413"
raw PUT /huge.bin -H "Content-Length: $(( (PUT_MAX_MB << 20) + 1 ))" -o "$S/huge.out"
assert_code "$CODE" 413 "PUT of http_put_max_mb MiB + 1 byte (announced)"

note "5: Repr-Digest"
mkrand "$S/four.bin" 4
http_put "$S/four.bin" /four.bin "$S/d.hdr" -H "Repr-Digest: $(digest_of "$S/evil.txt")"
assert_code "$CODE" 400 "PUT with a wrong Repr-Digest"
[ ! -e "$ROOT/four.bin" ] || fail "PUT with a wrong digest kept /four.bin"
http_put "$S/four.bin" /four.bin "$S/d.hdr" -H "Repr-Digest: sha-256=:not base64!:"
assert_code "$CODE" 400 "PUT with a malformed Repr-Digest"
[ ! -e "$ROOT/four.bin" ] || fail "PUT with a malformed digest kept /four.bin"

expected=(keep.bin sub link-file link-dir link-etc link-in)
left=$(extras "$ROOT" "${expected[@]}")
[ -z "$left" ] || fail "left in the data root: $left"

note "nothing outside the root touched"
kill "$watcher"
wait "$watcher" || true
if [ -s "$S/watch.log" ]; then
	fail "accesses outside the data root: $(head -20 "$S/watch.log")"
fi
note "ok: inotify saw no access next to the root"
assert_eq "$(sha_of "$OUT/canary")" "$canary_sha" "canary content"
assert_eq "$(find "$OUT" -mindepth 1 | wc -l)" 1 "entries in the canary directory"
if grep -l -a -e "$token" -e 'root:x:0:0' "$S"/r*.out "$S"/*.hdr* 2>/dev/null; then
	fail "a response carried a canary's bytes (files above)"
fi
note "ok: no response carried a canary"

note "pass"
