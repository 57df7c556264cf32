#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Swift upload benchmark (issue 13; printed, not asserted): one file
# (default 4 GiB, from the page cache) uploaded to a local Swift
# all-in-one (tests/integration/swift_aio.py, started and stopped here) as
# a Static Large Object with parallel segment connections, by
#   1. tusk-swift (ctrl/swift_*.c): HEADs, parallel segment PUTs each
#      hashed (MD5) in the read that feeds curl and its ETag compared, the
#      file's SHA-256 on a thread beside them, the manifest;
#   2. `swift upload --use-slo` (python3-swiftclient) with the same
#      segment size and as many segment threads;
# in the same run, into different containers. Prints MB/s (10^6 bytes per
# wall-clock second, the whole command) of each and the ratio tusk/swift,
# and tusk's hashing time. The Swift proxy is one Python process
# (workers = 0): both clients share that ceiling.
#
# usage: tests/bench/run-swift.sh [BUILD_DIR]   (default: build)
# env:   MIB (default 4096), SEG_MIB (default 1024), PARALLEL (default 4),
#        BEFORE=PATH: another tusk-swift (an older build) run too, first,
#        into a third container, for a before/after in the same run

set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$REPO/build}
MIB=${MIB:-4096}
SEG_MIB=${SEG_MIB:-1024}
PARALLEL=${PARALLEL:-4}
TUSK_SWIFT=${TUSK_SWIFT:-$BUILD/ctrl/tusk-swift}	# or another build of it
AIO_PY=$REPO/tests/integration/swift_aio.py

[ -x "$TUSK_SWIFT" ] || { echo "no $TUSK_SWIFT (ninja -C $BUILD)" >&2; exit 1; }
command -v swift >/dev/null || { echo "no swift CLI (tools/tusk-setup)" >&2; exit 1; }
WORK=$(mktemp -d /var/tmp/tusk-bench-swift.XXXXXX)
cleanup() { /usr/bin/python3 "$AIO_PY" stop "$WORK/aio" || true; rm -rf "$WORK"; }
trap cleanup EXIT

/usr/bin/python3 "$AIO_PY" start "$WORK/aio" > "$WORK/aio.json"
AUTH=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["auth_url"])' "$WORK/aio.json")
# openssl rand takes at most 2^31-1 bytes at a time: whole MiB in 1 GiB pieces
for (( left = MIB; left > 0; left -= 1024 )); do
	openssl rand $(( (left < 1024 ? left : 1024) * 1024 * 1024 ))
done > "$WORK/file"
cat "$WORK/file" > /dev/null	# both read it from the page cache
BYTES=$((MIB * 1024 * 1024))
SEG=$((SEG_MIB * 1024 * 1024))

now() { date +%s.%N; }
tb0=$(now)
if [ -n "${BEFORE:-}" ]; then
	"$BEFORE" --auth-url "$AUTH" --user test:tester --key testing \
		--segment-size $SEG --parallel "$PARALLEL" \
		upload bench-before file "$WORK/file" > "$WORK/before.json" ||
		{ cat "$WORK/before.json" >&2; exit 1; }
fi
tb1=$(now)
t0=$(now)
"$TUSK_SWIFT" --auth-url "$AUTH" --user test:tester --key testing \
	--segment-size $SEG --parallel "$PARALLEL" \
	upload bench-tusk file "$WORK/file" > "$WORK/tusk.json" ||
	{ cat "$WORK/tusk.json" >&2; exit 1; }
t1=$(now)
/usr/bin/python3 /usr/bin/swift -A "$AUTH" -U test:tester -K testing \
	upload --use-slo -S $SEG --segment-threads "$PARALLEL" \
	--object-name file bench-swift "$WORK/file" > /dev/null
t2=$(now)

/usr/bin/python3 - "$WORK/tusk.json" "$BYTES" "$t0" "$t1" "$t2" "$SEG_MIB" "$PARALLEL" \
	"${BEFORE:+$WORK/before.json}" "$tb0" "$tb1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n = int(sys.argv[2]); t0, t1, t2 = map(float, sys.argv[3:6])
assert r["ok"], r
tusk, swift = n / (t1 - t0) / 1e6, n / (t2 - t1) / 1e6
print(f"file        {n / 2**30:.2f} GiB, SLO segments of {sys.argv[6]} MiB, "
      f"{sys.argv[7]} parallel")
st = r["stats"]
print(f"tusk-swift  {tusk:8.1f} MB/s  ({t1 - t0:.1f} s; hashing before "
      f"sending {st['hash_ms'] / 1000:.1f} s, SHA-256 pass beside the PUTs "
      f"{st.get('sha_ms', 0) / 1000:.1f} s; {r['result']['segments']} segments)")
print(f"swift CLI   {swift:8.1f} MB/s  ({t2 - t1:.1f} s)")
print(f"ratio       {tusk / swift:8.2f}  tusk / swift upload")
if sys.argv[8]:
    b = json.load(open(sys.argv[8]))
    assert b["ok"], b
    tb = n / (float(sys.argv[10]) - float(sys.argv[9])) / 1e6
    print(f"before      {tb:8.1f} MB/s  ({float(sys.argv[10]) - float(sys.argv[9]):.1f} s; "
          f"hashing pass {b['stats']['hash_ms'] / 1000:.1f} s), ratio "
          f"{tb / swift:.2f} of swift upload")
PY
