#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_http_hostile2: hostile HTTP clients not in test_http_hostile, each
# against its bound (hostile2.py, from the peer, all at once):
#   - a head of 1,000 lines and one of 16,225 bytes are served; 16,385
#     bytes get 431 (the 16 KiB head limit);
#   - a Range of 1,500 ranges is ignored: 200 and the whole file;
#   - a PUT with Expect: 100-continue that never sends its body, and a
#     PROPFIND whose 16 KiB body comes a byte a second, are reset 9..25 s
#     on (http_body_rate_min over 10 s windows): body_too_slow >= 2;
#   - 10 pipelined GETs of a 64 MiB file with a 4 KiB SO_RCVBUF, never
#     read: gone 25..45 s on (http_send_timeout_s 30): send_timeouts >= 1;
#   - meanwhile a legitimate GET of the 64 MiB file is byte-identical.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

need_lab
ROOT=$WORK/root
mkdir -p "$ROOT"
mkrand "$ROOT/f.bin" 1
mkrand "$ROOT/big.bin" 64
export TUSK_LAB_DATA=$ROOT
lab_start a
wait_http

pids=()
for c in heads ranges expect propfind pipeline; do
	peer python3 "$INTEG_DIR/hostile2.py" "$TUSKD_ADDR" "$HTTP_PORT" "$c" \
		> "$WORK/$c.out" 2>&1 &
	pids+=($!)
done
http_get /big.bin "$WORK/big.out" "$WORK/big.hdr"
assert_code "$CODE" 200 "legitimate GET during the attack"
same_file "$ROOT/big.bin" "$WORK/big.out" "legitimate GET during the attack"
i=0
for c in heads ranges expect propfind pipeline; do
	st=0
	wait "${pids[$i]}" || st=$?
	sed 's/^/# /' "$WORK/$c.out"
	[ "$st" -eq 0 ] || fail "hostile2.py $c: $(tail -1 "$WORK/$c.out")"
	i=$((i + 1))
done
ctl_json http > "$WORK/http.json" || fail "tuskctl http"
python3 - "$WORK/http.json" <<'PY' || fail "limits' counters"
import json, sys
http = json.load(open(sys.argv[1]))
lim = http.get("result", http)["limits"]
print("# body_too_slow %d, send_timeouts %d" %
      (lim["body_too_slow"], lim["send_timeouts"]))
sys.exit(0 if lim["body_too_slow"] >= 2 and lim["send_timeouts"] >= 1 else 1)
PY
note "ok: every hostile client stopped at its bound"
