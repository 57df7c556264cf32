#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_http_disk_full: a PUT that does not fit gets 507 Insufficient
# Storage (RFC 4918 11.5), leaves nothing behind, and tuskd goes on
# serving. tuskd's data root is a 64 MiB tmpfs (root: mount(2); a failed
# mount is a skip, a failure under CI=true; test_http_errors needs none).
#
#   1. A 96 MiB PUT: 507 from the free-space check before the body (curl
#      sent less than the root's 64 MiB, so not at ENOSPC); no partial
#      file, the space is free; a GET right after is intact and a PUT
#      that fits gets 201, intact.
#   2. Two 40 MiB PUTs at once, each passing the up-front check: the one
#      (or both) that meets ENOSPC while writing gets 507 (curl had sent
#      at least a MiB of it: a mid-write refusal, not an up-front one) and
#      its partial file is removed, the other 201 intact; the space is
#      free again, and a GET right after is intact.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

readonly ROOT_FS_MIB=64
readonly FULL_PUT_MIB=96
# Two of these fit the root one at a time, not together; sent at this
# rate each (curl --limit-rate) they fill the root in ~3 s, so the second
# curl starting a second late still passes the up-front check.
readonly HALF_PUT_MIB=40
readonly HALF_PUT_RATE=10M
# A 507 after at least this much body was a mid-write one (up front,
# with Expect: 100-continue, curl sends none of it).
readonly MID_WRITE_MIN=$(( 1 << 20 ))

need_lab
need_cmd mount umount df
ROOT=$WORK/root
S=$WORK/s
mkdir -p "$ROOT" "$S"
mount -t tmpfs -o "size=${ROOT_FS_MIB}m,mode=0755" tusk-test-root "$ROOT" ||
	skip "cannot mount a ${ROOT_FS_MIB} MiB tmpfs at $ROOT"
http_cleanup_add "umount '$ROOT'"
mkrand "$ROOT/keep.bin" 1
expected=(keep.bin)
halves=()

export TUSK_LAB_DATA=$ROOT
lab_start a
wait_http

note "1: a PUT that fills the ${ROOT_FS_MIB} MiB root: 507"
mkrand "$S/full.bin" "$FULL_PUT_MIB"
used0=$(df -k --output=used "$ROOT" | tail -1)
# put_sent FILE PATH [CURL ARGS]: PUT; sets CODE and SENT (body bytes curl sent).
put_sent() {
	local file=$1 path=$2
	shift 2
	pcurl --path-as-is -o /dev/null -w '%{http_code} %{size_upload}' "$@" \
		-T "$file" "$HTTP_BASE$path"
	CODE=${CURL_OUT:0:3}
	SENT=${CURL_OUT#* }
}
put_sent "$S/full.bin" /full.bin
assert_code "$CODE" 507 "PUT of $FULL_PUT_MIB MiB into $ROOT_FS_MIB MiB"
note "curl sent $SENT bytes of the body"
[ "$SENT" -lt $(( ROOT_FS_MIB << 20 )) ] ||
	fail "507 came only after $SENT bytes: not refused up front"
left=$(extras "$ROOT" "${expected[@]}")
[ -z "$left" ] || fail "after 507, left in the data root: $left"
used1=$(df -k --output=used "$ROOT" | tail -1)
note "root used: ${used0} KiB before, ${used1} KiB after"
[ "$used1" -le $(( used0 + 64 )) ] || fail "after 507 the space is not free: ${used1} KiB used"
http_get /keep.bin "$S/after.bin" "$S/a.hdr"
assert_code "$CODE" 200 "GET right after 507"
same_file "$ROOT/keep.bin" "$S/after.bin" "GET right after 507"
mkrand "$S/fits.bin" 8
http_put "$S/fits.bin" /fits.bin "$S/p.hdr"
assert_code "$CODE" 201 "PUT that fits after 507"
same_file "$S/fits.bin" "$ROOT/fits.bin" "PUT after 507"
rm "$ROOT/fits.bin"

# A PUT larger than the free space is refused before a byte is stored;
# the disk filling up under a PUT that passed that check is the other
# path: two PUTs started together, each fitting alone, not both. curl
# sends slowly, so both are checked before either has written much and
# at least one meets ENOSPC half-way.
note "2: two ${HALF_PUT_MIB} MiB PUTs at once into the ${ROOT_FS_MIB} MiB root"
for k in 1 2; do mkrand "$S/half$k.bin" "$HALF_PUT_MIB"; done
for k in 1 2; do
	( put_sent "$S/half$k.bin" "/half$k.bin" --limit-rate "$HALF_PUT_RATE"
	  echo "$CODE $SENT" > "$S/half$k.code" ) &
	halves+=($!)
done
wait "${halves[@]}"
n507=0
for k in 1 2; do
	read -r code sent < "$S/half$k.code"
	note "PUT /half$k.bin: $code after $sent bytes of the body"
	case $code in
	201) same_file "$S/half$k.bin" "$ROOT/half$k.bin" "PUT /half$k.bin" ;;
	507) n507=$(( n507 + 1 ))
	     [ "$sent" -ge "$MID_WRITE_MIN" ] ||
		fail "PUT /half$k.bin: 507 up front, not mid-write (started too late?)"
	     [ ! -e "$ROOT/half$k.bin" ] || fail "PUT /half$k.bin: 507 but the file exists" ;;
	*) fail "PUT /half$k.bin: status $code, want 201 or 507" ;;
	esac
done
[ "$n507" -ge 1 ] || fail "two ${HALF_PUT_MIB} MiB PUTs both stored in ${ROOT_FS_MIB} MiB"
left=$(extras "$ROOT" "${expected[@]}" half1.bin half2.bin)
[ -z "$left" ] || fail "after a mid-write 507, left in the data root: $left"
rm -f "$ROOT/half1.bin" "$ROOT/half2.bin"
used2=$(df -k --output=used "$ROOT" | tail -1)
[ "$used2" -le $(( used0 + 64 )) ] || fail "after the mid-write 507: ${used2} KiB used"
http_get /keep.bin "$S/after.bin" "$S/a.hdr"
assert_code "$CODE" 200 "GET right after the mid-write 507"
same_file "$ROOT/keep.bin" "$S/after.bin" "GET right after the mid-write 507"

note "pass"
