#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_ctrld_restart: kill -9 of tusk-ctrld at four points of a session,
# and of tuskd during a transfer; every session ends FINISHED with the
# stored bytes identical to the source, its analysis job run exactly once
# (the `local` launcher, bubblewrap, the job image), nothing done twice.
#
#   tuskctl -> tusk-ctrld --socket--> tuskd --veth--> peer range_server.py
#                 |  journal (SQLite)      \--> $WORK/root --hand-off--> $WORK/store
#
#   1. killed right after submit (the session journaled, nothing started):
#      the restarted tusk-ctrld fetches, verifies, stores: FINISHED.
#   2. killed mid-transfer (tuskd's rx paced): tuskd's fetch goes on
#      untouched; the restarted tusk-ctrld takes the same transfer over
#      (one tuskd transfer of the file, not two): FINISHED.
#   3. killed while the file is verified or handed off: on restart the
#      step is done again from the journal, the file is not fetched again
#      (one tuskd transfer) and storage shows only the whole file.
#   4. killed while the analysis job runs: the restarted tusk-ctrld submits
#      the journaled job id again and the launcher finds the job (it
#      outlived tusk-ctrld): it ran once, its output is there.
#   5. tuskd killed mid-transfer and restarted: tusk-ctrld sees it gone
#      (`waiting`), waits, fetches the same dest again and tuskd resumes
#      from its record (bytes verified on disk > 0): FINISHED.
#
# Each session's job appends a line to /out/runs and writes the stored
# files' sha256 to /out/sums: one line in runs is one run.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

readonly RANGE_PORT=8000
readonly FETCH_MAX_S=120
# shellcheck source=tests/integration/fetch_lib.sh
. "$(dirname "$0")/fetch_lib.sh"
# shellcheck source=tests/integration/ctrld_lib.sh
. "$(dirname "$0")/ctrld_lib.sh"

readonly MIB=256
readonly SIZE=$(( MIB << 20 ))
# tuskd's rx while a transfer is to be interrupted: 256 MiB in ~5 s.
readonly PACE_MBPS=400
# tuskd's resume record is saved at most every 0.5 s (app/svc/
# http_fetch_priv.h): tuskd is killed this long after the point, so the
# record holds blocks.
readonly RECORD_LAG_S=1
# The job image tools/tusk-image builds (the launcher's default).
readonly IMAGE=${TUSK_IMAGE:-/var/lib/tusk/images/analysis}
# How long the job runs: long enough to kill tusk-ctrld under it.
readonly JOB_S=4

need_lab
need_ctrld
command -v bwrap > /dev/null || prereq "no bubblewrap (tools/tusk-setup)"
[ -d "$IMAGE" ] || prereq "no job image at $IMAGE (tools/tusk-image build)"
mkdir -p "$WORK/root" "$WORK/srv"
export TUSK_LAB_DATA=$WORK/root
lab_start a
mkrand "$WORK/srv/big.bin" "$MIB"
mkrand "$WORK/srv/small.bin" 4
srv_start --digest
base=http://$PEER_ADDR:$RANGE_PORT
CTRLD_CONF_STORAGE="
[launcher local]
type = local
runtime = bwrap
image = $IMAGE" ctrld_conf
ctrld_start

spec() { # DEST: big.bin and small.bin, checksum both, copied to storage
	echo '{"source": ["'$base'/big.bin", "'$base'/small.bin"],
	       "destination": "'$1'", "checksum": "both",
	       "handoff": [{"storage": "archive"}],
	       "analysis": [{"launcher": "local", "job": {"command": ["sh", "-c",
	         "echo run >> /out/runs; cd /data && sha256sum big.bin small.bin > /out/sums; sleep '$JOB_S'"]}}]}'
}

check_stored() { # SESSION DEST
	local out
	same_bytes "$WORK/srv/big.bin" "$WORK/store/$2/big.bin" "$2: big.bin"
	same_bytes "$WORK/srv/small.bin" "$WORK/store/$2/small.bin" \
		"$2: small.bin"
	assert_eq "$(visible "$WORK/store/$2")" "big.bin small.bin " \
		"$2: files in storage"
	out=$WORK/ctrld/state/outputs/$1-0
	assert_eq "$(wc -l < "$out/runs")" 1 "$2: analysis runs"
	(cd "$WORK/srv" && sha256sum -c --quiet "$out/sums") ||
		fail "$2: the job saw other bytes than the source's"
	assert_eq "$(sget "$1" 's["analysis"][0]["state"]')" SUCCEEDED \
		"$2: the job's state"
}

note "1: killed right after submit"
id=$(submit "$(spec r1)")
ctrld_kill9
ctrld_start
wait_session "$id" FINISHED
check_stored "$id" r1

note "2: killed mid-transfer"
ctl_json impair port=lab0 dir=rx "rate_mbps=$PACE_MBPS" > /dev/null ||
	fail "cannot pace tuskd's port"
id=$(submit "$(spec r2)")
wait_bytes_over "$id" $(( SIZE / 4 ))
ctrld_kill9
note "tusk-ctrld killed at $(xfers r2/big.bin bytes) bytes of $SIZE"
sleep 1
ctrld_start
wait_session "$id" FINISHED
check_stored "$id" r2
assert_eq "$(xfers r2/big.bin state)" done "tuskd's transfers of r2/big.bin"

note "3: killed during verify or hand-off"
ctl_json impair port=lab0 dir=rx clear=1 > /dev/null || fail "impair clear"
id=$(submit "$(spec r3)")
for (( i = 0; i < 3000; i++ )); do
	st=$(sget "$id" 's["file_list"][0]["state"]' 2>/dev/null) || st=?
	case $st in VERIFYING|HANDOFF|DONE) break ;; esac
	sleep 0.02
done
ctrld_kill9
note "tusk-ctrld killed with big.bin $st"
case $st in VERIFYING|HANDOFF) ;;
	*) fail "missed the verify/hand-off window (big.bin $st)" ;; esac
ctrld_start
wait_session "$id" FINISHED
check_stored "$id" r3
assert_eq "$(xfers r3/big.bin state)" done "one tuskd transfer of r3/big.bin"

note "4: killed while the analysis job runs"
id=$(submit "$(spec r5)")
wait_session "$id" ANALYSING
sleep 1
ctrld_kill9
note "tusk-ctrld killed with the job $(sget "$id" 's["analysis"][0]["state"]' 2>/dev/null || echo running)"
ctrld_start
wait_session "$id" FINISHED
check_stored "$id" r5

note "5: tuskd killed mid-transfer"
ctl_json impair port=lab0 dir=rx "rate_mbps=$PACE_MBPS" > /dev/null ||
	fail "cannot pace tuskd's port"
id=$(submit "$(spec r4)")
wait_bytes_over "$id" $(( SIZE / 3 ))
sleep "$RECORD_LAG_S"
tuskd_kill9
for (( i = 0; i < 50; i++ )); do
	waiting=$(sget "$id" 's.get("waiting") or ""')
	[ -n "$waiting" ] && break
	sleep 0.1
done
[ -n "$waiting" ] || fail "tusk-ctrld did not notice tuskd gone"
note "ok: tusk-ctrld: $waiting"
tuskd_restart
wait_session "$id" FINISHED
check_stored "$id" r4
verified=$(xfers r4/big.bin bytes_verified)
[ "${verified:-0}" -gt 0 ] || fail "tuskd fetched r4/big.bin from scratch after its restart"
note "ok: tuskd resumed r4/big.bin with $verified bytes verified on disk"
