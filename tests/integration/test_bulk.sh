#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_bulk: tuskd's bulk service (app/svc/bulk.h) against the Linux peer,
# both ways, with every byte accounted for on both ends.
#
#   1. tuskd source -> socat in the peer writing a file: the file has
#      exactly the bytes asked for, each the documented pattern byte, and
#      bulk_list shows the source done with all of them acknowledged.
#   2. Linux (socat) sends a file into tuskd's discard sink (port 9):
#      bulk_list shows a sink connection done with exactly its size, and
#      tuskctl prints it as a table row.
#   3. The same as 1 through the impairment stage (10 ms each way, 1%
#      loss, jitter): all bytes, retransmissions counted.
#   4. A bulk to a port nobody listens on fails with "Connection refused";
#      bad requests are refused with a reason.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# Transfer sizes: a few MB cross the veth in well under a second; an odd
# size exercises the last, partial chunk.
readonly BYTES=12345679
readonly SINK_BYTES=7654321
# Bound on each transfer (af_packet on a veth: hundreds of MB/s).
readonly XFER_WAIT_S=60

need_lab
need_cmd socat
lab_start a
SOCK=$LAB_STATE/tuskd.sock
WATCH="$REPO/tests/bench/bulk_watch.py"

# Check that file $1 holds $2 pattern bytes (bulk.h tusk_bulk_pattern_byte).
check_pattern() {
	python3 - "$1" "$2" <<'EOF'
import sys
path, want = sys.argv[1], int(sys.argv[2])
data = open(path, "rb").read()
if len(data) != want:
    sys.exit("%s: %d bytes, want %d" % (path, len(data), want))
chunk = bytes(((i * 2654435761) & 0xffffffff) >> 24 for i in range(16384))
for off in range(0, len(data), 16384):
    part = data[off:off + 16384]
    if part != chunk[:len(part)]:
        bad = next(i for i in range(len(part)) if part[i] != chunk[i])
        sys.exit("%s: byte %d is not the pattern" % (path, off + bad))
EOF
}

# Run a source to the peer's socat (options $1 for its listen address),
# into file $2; prints bulk_watch's summary.
source_to_peer() {
	local out=$2 pid id
	peer socat -u "TCP-LISTEN:9,reuseaddr$1" "OPEN:$out,creat,trunc" &
	pid=$!
	sleep 0.5
	id=$("$WATCH" "$SOCK" start dst="$PEER_ADDR" port=9 bytes="$BYTES")
	"$WATCH" "$SOCK" watch --id "$id" --wait "$XFER_WAIT_S" --every 0.2
	# socat ends when tuskd's FIN arrives
	for (( i = 0; i < XFER_WAIT_S * 10; i++ )); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$pid" 2>/dev/null && fail "socat still running after the FIN"
	wait "$pid" || true
}

field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

note "1: tuskd source -> Linux, $BYTES bytes"
res=$(source_to_peer "" "$WORK/recv1")
note "$res"
assert_eq "$(field "$res" state)" done "source state"
assert_eq "$(field "$res" bytes)" "$BYTES" "bytes acknowledged"
check_pattern "$WORK/recv1" "$BYTES" || fail "received stream differs"
note "ok: the peer received $BYTES pattern bytes"

note "2: Linux -> tuskd's sink, $SINK_BYTES bytes"
head -c "$SINK_BYTES" /dev/urandom > "$WORK/send2"
after=$("$WATCH" "$SOCK" last-sink)
peer socat -u "OPEN:$WORK/send2" "TCP:$TUSKD_ADDR:9" ||
	fail "socat could not send to the sink"
res=$("$WATCH" "$SOCK" watch --sink --after "$after" --wait "$XFER_WAIT_S" \
	--every 0.2)
note "$res"
assert_eq "$(field "$res" state)" done "sink state"
assert_eq "$(field "$res" bytes)" "$SINK_BYTES" "bytes the sink counted"
# the operator's view: a table row per transfer
table=$("$TUSKCTL" -s "$SOCK" bulk_list) || fail "tuskctl bulk_list failed"
note "$table"
echo "$table" | head -1 | grep -qE '^ID +LCORE +ROLE +STATE +PEER' ||
	fail "bulk_list: no table header"
echo "$table" | grep -qE " sink +done +$PEER_ADDR:[0-9]+ +9 " ||
	fail "bulk_list: no row for the finished sink"

note "3: through the impairment stage: 10 ms each way, jitter, 1% loss"
ctl_json impair lab0 dir=both delay_ms=10 jitter_ms=2 loss_ppm=10000 \
	>/dev/null || fail "impair refused"
res=$(source_to_peer "" "$WORK/recv3")
note "$res"
assert_eq "$(field "$res" state)" done "source state (impaired)"
assert_eq "$(field "$res" bytes)" "$BYTES" "bytes acknowledged (impaired)"
[ "$(field "$res" retransmits)" -gt 0 ] || fail "no retransmission at 1% loss"
check_pattern "$WORK/recv3" "$BYTES" || fail "received stream differs (impaired)"
note "ok: $BYTES pattern bytes through loss"
ctl_json impair lab0 dir=both clear=1 >/dev/null

note "4: refusals"
id=$("$WATCH" "$SOCK" start dst="$PEER_ADDR" port=4444 bytes=1000)
res=$("$WATCH" "$SOCK" watch --id "$id" --wait 10 --every 0.2)
assert_eq "$(field "$res" state)" failed "state of a refused source"
assert_eq "$(field "$res" error)" "Connection refused" "its error"
out=$(ctl_json bulk dst=10.77.0.1 cc=vegas 2>&1) && fail "cc=vegas accepted"
echo "$out" | grep -q 'unknown cc \\"vegas\\"\|unknown cc "vegas"' ||
	fail "cc=vegas: unclear error: $out"
out=$(ctl_json bulk dst=nowhere 2>&1) && fail "dst=nowhere accepted"
echo "$out" | grep -q 'IPv4 address' || fail "dst=nowhere: unclear error: $out"
note "ok: refused with reasons"
