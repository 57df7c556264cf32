#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_http_propfind: WebDAV listings of tuskd's data root as grid clients
# read them (RFC 4918 PROPFIND), from the Linux peer.
#
#   1. The peer's `curl -X PROPFIND -H 'Depth: 1'` on a directory of
#      random files (one empty, one with a space, '&' and UTF-8 in its
#      name), a subdirectory and tuskd's own in-progress names: 207, and
#      the members' names and sizes are exactly what stat(2) says of the
#      directory (internal names absent, directories with a trailing
#      slash); the file a GET was made of lists its kept SHA-256, equal to
#      openssl's, and no other file has one (none computed for a listing).
#   2. Debian's davix-ls (davix 0.8) lists the same directory: the same
#      names, and with -l the same sizes. davix names an entry by the last
#      segment of its href as sent, without percent-decoding it (davix
#      src/xml/davpropxmlparser.cpp, check_href), so the odd name is
#      compared in its RFC 3986 encoded form.
#   3. Depth 0 on a file: one response, its size.
#   4. Depth: infinity gets 403 with DAV:propfind-finite-depth.
#   5. Path escapes by PROPFIND (dot segments, encoded dots, a symlink out
#      of the root) get 400/403/404 and list nothing.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

readonly ODD='odd name & <é>.bin'

need_lab
command -v davix-ls >/dev/null || fail "no davix-ls (package davix; tools/tusk-setup)"
ROOT=$WORK/root
S=$WORK/s
mkdir -p "$ROOT/set/sub" "$S"
mkrand "$ROOT/set/a.bin" 3
mkrand "$ROOT/set/b.bin" 1
head -c 12345 "$ROOT/set/b.bin" > "$ROOT/set/$ODD"
: > "$ROOT/set/empty"
mkrand "$ROOT/set/sub/inner.bin" 1
echo part > "$ROOT/set/c.bin.tusk-part"
echo tmp > "$ROOT/set/.up.bin.tusk-tmp.0123456789abcdef"
ln -s /etc "$ROOT/set/out"

export TUSK_LAB_DATA=$ROOT
lab_start a
wait_http

# What stat(2) says the listing must hold: NAME TAB SIZE-or-- TAB KIND.
expected() {
	python3 - "$ROOT/set" <<'EOF'
import os, stat, sys
rows = []
for n in os.listdir(sys.argv[1]):
    if ".tusk-part" in n or ".tusk-tmp" in n or n == "out":
        continue
    st = os.stat(os.path.join(sys.argv[1], n))
    d = stat.S_ISDIR(st.st_mode)
    rows.append("%s\t%s\t%s" % (n, "-" if d else st.st_size, "d" if d else "f"))
print("\n".join(sorted(rows)))
EOF
}
expected > "$S/want"

note "1: curl PROPFIND Depth 1"
# a GET first: tuskd hashes a.bin behind it and keeps the digest
http_get /set/a.bin "$S/a.out" "$S/a.hdr"
assert_code "$CODE" 200 "GET /set/a.bin"
wait_digest /set/a.bin "$S/a.head" 60
pcurl -o "$S/ls.xml" -D "$S/ls.hdr" -w '%{http_code}' -X PROPFIND \
	-H 'Depth: 1' "$HTTP_BASE/set/"
assert_code "${CURL_OUT:0:3}" 207 "PROPFIND Depth 1 /set/"
[[ $(hdr "$S/ls.hdr" Content-Type) == application/xml* ]] ||
	fail "Content-Type $(hdr "$S/ls.hdr" Content-Type)"
python3 "$INTEG_DIR/dav_list.py" "$S/ls.xml" /set/ > "$S/got" ||
	fail "multistatus unreadable: $(head -c 300 "$S/ls.xml")"
cut -f1-3 "$S/got" | diff "$S/want" - > "$S/diff" ||
	fail "listing differs from stat: $(cat "$S/diff")"
note "ok: $(wc -l < "$S/got") members, names and sizes as stat says"
sum=$(awk -F'\t' '$1 == "a.bin" { print $4 }' "$S/got")
want="sha-256=$(openssl dgst -sha256 -binary "$ROOT/set/a.bin" | base64 -w0)"
[ "$sum" = "$want" ] || fail "a.bin Checksums '$sum', want '$want'"
others=$(awk -F'\t' '$1 != "a.bin" && $4 != "-"' "$S/got")
[ -z "$others" ] || fail "checksums listed that were never kept: $others"
note "ok: a.bin's kept digest listed ($sum), none for the others"

note "2: davix-ls"
peer davix-ls -H "$(authz)" "$HTTP_BASE/set/" > "$S/davix.names" 2> "$S/davix.err" ||
	fail "davix-ls failed: $(cat "$S/davix.err")"
# the names as hrefs carry them (RFC 3986: all but unreserved encoded)
python3 -c 'import sys, urllib.parse as u
for l in sys.stdin: print(u.quote(l.split("\t")[0], safe=""))' \
	< "$S/want" | sort > "$S/want.names"
sed 's:/$::' "$S/davix.names" | sort | diff "$S/want.names" - > "$S/diff" ||
	fail "davix-ls names differ: $(cat "$S/diff")"
peer davix-ls -l -H "$(authz)" "$HTTP_BASE/set/" > "$S/davix.long" 2> "$S/davix.err" ||
	fail "davix-ls -l failed: $(cat "$S/davix.err")"
# davix-ls -l: MODE NLINK SIZE DATE TIME NAME (the name may hold spaces)
python3 - "$S/davix.long" "$S/want" <<'EOF' || fail "davix-ls -l sizes differ"
import sys
import urllib.parse
want = {}
for line in open(sys.argv[2], encoding="utf-8"):
    n, size, kind = line.rstrip("\n").split("\t")
    want[urllib.parse.quote(n, safe="")] = (size, kind)
got = {}
for line in open(sys.argv[1], encoding="utf-8"):
    f = line.rstrip("\n").split(None, 5)
    if len(f) < 6:
        continue
    got[f[5].rstrip("/")] = (f[2], "d" if f[0].startswith("d") else "f")
bad = [n for n in want if n not in got or
       (want[n][1] == "f" and got[n][0] != want[n][0]) or
       got[n][1] != want[n][1]]
if bad or len(got) != len(want):
    sys.exit("davix-ls -l: %r, want %r" % (got, want))
EOF
note "ok: davix-ls and davix-ls -l: $(wc -l < "$S/davix.names") names, sizes equal"

note "3: Depth 0 on a file"
pcurl -o "$S/one.xml" -w '%{http_code}' -X PROPFIND -H 'Depth: 0' \
	"$HTTP_BASE/set/b.bin"
assert_code "${CURL_OUT:0:3}" 207 "PROPFIND Depth 0 /set/b.bin"
python3 "$INTEG_DIR/dav_list.py" "$S/one.xml" /set/ > "$S/one" ||
	fail "Depth 0 multistatus unreadable"
[ "$(cat "$S/one")" = "$(printf 'b.bin\t%s\tf\t-' "$(stat -c %s "$ROOT/set/b.bin")")" ] ||
	fail "Depth 0: $(cat "$S/one")"

note "4: Depth infinity"
pcurl -o "$S/inf.xml" -w '%{http_code}' -X PROPFIND -H 'Depth: infinity' \
	"$HTTP_BASE/set/"
assert_code "${CURL_OUT:0:3}" 403 "PROPFIND Depth infinity"
grep -q 'propfind-finite-depth' "$S/inf.xml" ||
	fail "403 without propfind-finite-depth: $(cat "$S/inf.xml")"

note "5: path escapes"
n=0
for t in '/../' '/set/../..' '/%2e%2e/' '/set/%2E%2E/%2E%2E/etc' '/set/out/' \
	 '/set/out/passwd' '//etc/' "http://127.0.0.1/../"; do
	n=$(( n + 1 ))
	raw PROPFIND "$t" -H 'Depth: 1' -o "$S/esc$n.out"
	assert_code "$CODE" 400 403 404 "PROPFIND $t"
	! grep -q 'passwd\|multistatus' "$S/esc$n.out" ||
		fail "PROPFIND $t listed something: $(head -c 300 "$S/esc$n.out")"
done
note "ok: $n escapes refused"
