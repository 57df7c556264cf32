#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A fetch's phases by verification mode (printed, not asserted): tuskd in
# the lab fetches a file from the Linux peer's range_server.py (which
# announces sha-256 in Repr-Digest and adler32, crc32c, md5, sha-256 in
# Digest), once per `verify=` mode, and prints the time in each phase
# (probing, running, verifying: the list's "phase_s") and the whole
# fetch. Before verify-while-receiving every fetch was "reread": a second,
# serial SHA-256 pass after the last byte.
#
#   tuskd 10.77.0.2 (fetch)  <== veth, af_packet ==  peer: range_server.py
#
# usage: tests/bench/run-fetch-verify.sh        (as root, after a build)
# (It lives beside the integration tests, whose lab helpers it uses; not a
# meson test.)
# env:   BENCH_MIB (2048), BENCH_STREAMS ("1 4"), BENCH_VERIFY ("auto
#        adler32 crc32c sha-256 reread none"; "-": send no verify=, for a
#        tuskd that predates it), TUSKD (the tuskd to measure)
# The source's digests are computed once, before the first fetch, so that
# probing measures tuskd, not the Python server.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

readonly MIB=${BENCH_MIB:-2048}
readonly SIZE=$(( MIB << 20 ))
readonly RANGE_PORT=8000
readonly FETCH_MAX_S=600
STREAMS=${BENCH_STREAMS:-1 4}
MODES=${BENCH_VERIFY:-auto adler32 crc32c sha-256 reread none}

# shellcheck source=tests/integration/fetch_lib.sh
. "$(dirname "$0")/fetch_lib.sh"

# phases ID: "probing running verifying" seconds of transfer ID, from
# its "phase_s"; for a tuskd without it, from the states polled every
# 0.1 s while it ran (POLLED, set by wait_polled).
phases() {
	ctl_json transfers | python3 -c '
import json, sys
for x in json.load(sys.stdin)["result"]:
    if x["id"] == int(sys.argv[1]):
        p = x.get("phase_s")
        print("%.2f %.2f %.2f" % (p["probing"], p["running"], p["verifying"])
              if p else sys.argv[2])' "$1" "$POLLED"
}

# wait_polled ID: until transfer ID ends; ST: its state; POLLED: the
# seconds spent in probing, running and verifying as polling saw them.
wait_polled() {
	local t0 s prev=probing i t
	declare -A at=([probing]=0)
	t0=$(date +%s.%N)
	for (( i = 0; i < FETCH_MAX_S * 10; i++ )); do
		s=$(xget "$1" state)
		t=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { print a - b }')
		if [ "$s" != "$prev" ]; then
			at[$s]=$t
			prev=$s
		fi
		case $s in done|failed|cancelled|missing) break ;; esac
		sleep 0.1
	done
	POLLED=$(awk -v r="${at[running]:-0}" -v v="${at[verifying]:-$t}" -v e="$t" \
		'BEGIN { printf "%.2f %.2f %.2f", r, v - r, e - v }')
	ST=$s
}

need_lab
mkdir -p "$WORK/root" "$WORK/srv"
export TUSK_LAB_DATA=$WORK/root
lab_start a
note "making a $MIB MiB file on the peer; the source hashes it once"
mkrand "$WORK/srv/big.bin" "$MIB"
srv_start --digest --legacy-digest adler32,crc32c,md5,sha-256
url=http://$PEER_ADDR:$RANGE_PORT/big.bin
peer curl -sS -o /dev/null -I --max-time 300 "$url" || fail "source HEAD"
want=$(sha_of "$WORK/srv/big.bin")

printf '%-8s %-8s %8s %8s %8s %8s %9s\n' streams verify probing running \
	verifying whole 'Gbit/s'
for s in $STREAMS; do
	for v in $MODES; do
		arg=$v
		[ "$v" = - ] && arg=
		id=$(fetch "$url" got.bin "$s" "$arg")
		wait_polled "$id"
		[ "$ST" = done ] || fail "verify=$v: $ST: $(xget "$id" error)"
		[ "$(sha_of "$WORK/root/got.bin")" = "$want" ] ||
			fail "verify=$v: the fetched file differs"
		read -r p r vf <<< "$(phases "$id")"
		whole=$(xget "$id" elapsed_s)
		printf '%-8s %-8s %8s %8s %8s %8.2f %9s\n' "$s" "$v" "$p" "$r" \
			"$vf" "$whole" "$(gbps "$SIZE" "$whole")"
		rm -f "$WORK/root/got.bin"
		ctl_json cancel "id=$id" discard=true > /dev/null || true
	done
done
