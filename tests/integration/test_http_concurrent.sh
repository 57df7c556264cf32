#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_http_concurrent: 32 curl clients GET 32 distinct files from tuskd at
# the same time while 8 more PUT 8 distinct files; every file arrives
# intact (SHA-256 per file) with the right status (200 / 201).
#
# Every client moves its file at a capped rate (curl --limit-rate), so
# that all 40 transfers overlap for seconds whatever the machine's speed:
# tuskd holds 40 connections at once, the GETs mostly with the client's
# window closed (zero-window probing, RFC 9293 3.8.6.1) while it keeps
# the others moving. While they run, `tuskctl conns` must show all 40
# ESTABLISHED on port 80 at one moment: exactly 40, no fewer, no more.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

readonly N_GET=32
readonly N_PUT=8
readonly MIB=${HTTP_TEST_MIB:-16}
# 16 MiB at 2 MB/s: about 8 s per transfer, all of them at once, so the
# sampling below sees all 40 even when starting 40 curls takes seconds.
readonly RATE=2M
# Sampling tuskd's connection table: at most this many samples (each a
# tuskctl and a python3, ~0.1 s, plus the pause between them).
readonly SAMPLES_MAX=300
# How long the transfers may take at most (curl's bound per client).
CURL_MAX_S=60

need_lab
mkdir -p "$WORK/root" "$WORK/peer" "$WORK/out"
export TUSK_LAB_DATA=$WORK/root
lab_start a
wait_http

note "making $N_GET + $N_PUT files of $MIB MiB"
for (( i = 0; i < N_GET; i++ )); do mkrand "$WORK/root/get$i.bin" "$MIB"; done
for (( i = 0; i < N_PUT; i++ )); do mkrand "$WORK/peer/put$i.bin" "$MIB"; done

# One client in the background: its status and curl's exit code land in
# $WORK/out/NAME.res.
client() {
	local name=$1 rc=0 code
	shift
	code=$(tcurl -sS --noproxy '*' --connect-timeout "$CURL_CONNECT_S" \
		--max-time "$CURL_MAX_S" -w '%{http_code}' "$@" 2> "$WORK/out/$name.err") || rc=$?
	echo "$code $rc" > "$WORK/out/$name.res"
}

pids=()
for (( i = 0; i < N_GET; i++ )); do
	client "get$i" --limit-rate "$RATE" -o "$WORK/peer/get$i.bin" \
		"$HTTP_BASE/get$i.bin" &
	pids+=($!)
done
for (( i = 0; i < N_PUT; i++ )); do
	client "put$i" --limit-rate "$RATE" -o /dev/null -T "$WORK/peer/put$i.bin" \
		"$HTTP_BASE/put$i.bin" &
	pids+=($!)
done
# (Should the test fail early, tusk-lab down kills the clients with the
# peer namespace.)

# Sample tuskd's connection table while the clients run: the most
# HTTP connections it had open at once. Until all 40 are seen, or every
# client has ended (then the test fails below), or the bound.
running() {
	local pid
	for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && return 0; done
	return 1
}
most=0
for (( s = 0; s < SAMPLES_MAX; s++ )); do
	n=$(ctl_json conns | python3 -c '
import json, sys
conns = json.load(sys.stdin)["result"]["conns"]
print(sum(1 for c in conns if c["lport"] == 80 and c["state"] == "ESTABLISHED"))') ||
		fail "tuskctl conns"
	[ "$n" -gt "$most" ] && most=$n
	[ "$most" -ge $(( N_GET + N_PUT )) ] && break
	running || break
	sleep 0.05
done
note "most HTTP connections ESTABLISHED at once in tuskd: $most ($s samples)"

for pid in "${pids[@]}"; do wait "$pid" || true; done
for (( i = 0; i < N_GET; i++ )); do
	read -r code rc < "$WORK/out/get$i.res"
	[ "$code $rc" = "200 0" ] ||
		fail "GET /get$i.bin: status $code, curl exit $rc: $(cat "$WORK/out/get$i.err")"
	[ "$(sha_of "$WORK/root/get$i.bin")" = "$(sha_of "$WORK/peer/get$i.bin")" ] ||
		fail "GET /get$i.bin: content differs"
done
note "ok: $N_GET GETs: 200, every file identical"
for (( i = 0; i < N_PUT; i++ )); do
	read -r code rc < "$WORK/out/put$i.res"
	[ "$code $rc" = "201 0" ] ||
		fail "PUT /put$i.bin: status $code, curl exit $rc: $(cat "$WORK/out/put$i.err")"
	[ "$(sha_of "$WORK/peer/put$i.bin")" = "$(sha_of "$WORK/root/put$i.bin")" ] ||
		fail "PUT /put$i.bin: content differs"
done
note "ok: $N_PUT PUTs: 201, every file identical"
[ "$most" -eq $(( N_GET + N_PUT )) ] ||
	fail "tuskd never showed the $(( N_GET + N_PUT )) clients ESTABLISHED at once (most: $most)"
note "ok: all $(( N_GET + N_PUT )) connections ESTABLISHED at once"

note "pass"
