#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_ctrld_diskfull: the storage fills up during a hand-off.
#
#   peer range_server.py --> tuskd --> $WORK/root --hand-off--> tmpfs 32 MiB
#
# A session of a 48 MiB file (more than the storage holds) and a 4 MiB
# one: the big file's copy fails with "No space left on device" on every
# attempt and the file ends FAILED with that reason; the small one is
# delivered (retried if the big copy had the space at the time); the
# session is FINISHEDDIRTY; the storage shows the small file only, whole,
# and the space the failed copies took is free again (the copies were
# unnamed O_TMPFILEs, never visible).

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

readonly RANGE_PORT=8000
readonly FETCH_MAX_S=60
# shellcheck source=tests/integration/fetch_lib.sh
. "$(dirname "$0")/fetch_lib.sh"
# shellcheck source=tests/integration/ctrld_lib.sh
. "$(dirname "$0")/ctrld_lib.sh"

readonly STORE_MIB=32

SMALL_MNT=
umount_small() { [ -z "$SMALL_MNT" ] || umount "$SMALL_MNT"; }
http_cleanup_add umount_small

need_lab
need_ctrld
mkdir -p "$WORK/root" "$WORK/srv" "$WORK/small"
mount -t tmpfs -o "size=${STORE_MIB}m" tusk-ctrld-test "$WORK/small" ||
	fail "cannot mount a tmpfs"
SMALL_MNT=$WORK/small
export TUSK_LAB_DATA=$WORK/root
lab_start a
mkrand "$WORK/srv/big.bin" 48
mkrand "$WORK/srv/small.bin" 4
srv_start
base=http://$PEER_ADDR:$RANGE_PORT
CTRLD_CONF_EXTRA="retries = 2" CTRLD_CONF_STORAGE="
[storage small]
path = $WORK/small/store" ctrld_conf
ctrld_start

id=$(submit '{"source": ["'$base'/big.bin", "'$base'/small.bin"],
	"destination": "full", "handoff": [{"storage": "small"}]}')
wait_session "$id" FINISHEDDIRTY
reason=$(sget "$id" 's["file_list"][0]["reason"]')
case $reason in *"No space left on device"*) note "ok: big.bin: $reason" ;;
	*) fail "big.bin's reason: $reason" ;; esac
assert_eq "$(sget "$id" 's["file_list"][0]["state"]')" FAILED "big.bin"
assert_eq "$(sget "$id" 's["file_list"][0]["attempts"]')" 3 "big.bin's attempts"
assert_eq "$(sget "$id" 's["file_list"][1]["state"]')" DONE "small.bin"
same_bytes "$WORK/srv/small.bin" "$WORK/small/store/full/small.bin" "small.bin"
assert_eq "$(visible "$WORK/small")" "store/full/small.bin " "files in storage"
used=$(df -k --output=used "$WORK/small" | tail -1)
[ "$used" -lt $(( 6 << 10 )) ] ||
	fail "the storage holds ${used} KiB: failed copies not freed"
note "ok: ${used} KiB used in the storage after the failures"
note "session: $(sget "$id" 's["reason"]')"
