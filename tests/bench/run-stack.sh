#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Stack benchmarks (printed, not asserted):
#   1. ns per data segment (sender + receiver stack, TSC) at 1460 and 8960 MSS
#   2. instructions per segment under callgrind, counted only inside the
#      stack's entry points (stable on a noisy machine)
#   3. Internet-checksum GB/s, DPDK's against ours, by payload size; the
#      fetch's file sums per segment (CRC32C, ADLER-32) and a block's fold
#   4. simulated seconds per wall second of the simulator on the issue's
#      clean 10 Gbit/s x 150 ms scenario
#
# usage: tests/bench/run-stack.sh [BUILD_DIR]   (default: build)
# needs: valgrind (apt-get install valgrind) for step 2; skipped without it.
set -eu

build=${1:-build}
bench="$build/tests/bench/tusk-bench-stack"
sim="$build/tests/sim/tusk-sim"
[ -x "$bench" ] || { echo "no $bench: build first (ninja -C $build)"; exit 2; }

echo "== ns per segment (1 GiB per MSS, 3 runs) =="
for i in 1 2 3; do "$bench" --mss 1460,8960 --bytes 1024; done |
	awk '/^mss/ { k = $2; line[k] = line[k] "\n  " $0 }
	     END { for (k in line) print "mss " k ":" line[k] }'

if command -v valgrind >/dev/null 2>&1; then
	echo "== instructions per segment (callgrind, 64 MiB per MSS) =="
	for mss in 1460 8960; do
		out=$(mktemp)
		valgrind --tool=callgrind --callgrind-out-file="$out" \
			--collect-atstart=no \
			--toggle-collect=tusk_stack_input \
			--toggle-collect=tusk_stack_poll \
			"$bench" --mss "$mss" --bytes 64 >"$out.log" 2>&1 || {
			echo "callgrind run failed (mss $mss):"; tail -5 "$out.log"
			rm -f "$out" "$out.log"; continue; }
		segs=$(awk '/^mss/ { print $4 }' "$out.log")
		ir=$(awk '/^(summary|totals):/ { print $2 }' "$out" | tail -1)
		echo "mss $mss: $ir instructions / $segs segments =" \
			"$(awk -v i="$ir" -v s="$segs" 'BEGIN { printf "%.0f", i / s }')" \
			"instructions per segment (both stacks)"
		rm -f "$out" "$out.log"
	done
else
	echo "== callgrind skipped: valgrind not installed =="
fi

if [ -x "$build/tests/bench/tusk-bench-cksum" ]; then
	echo "== Internet checksum; file sums per segment (GB/s, buffer in cache, odd offset) =="
	"$build/tests/bench/tusk-bench-cksum"
fi

if [ -x "$sim" ]; then
	echo "== simulator speed (clean: 10 Gbit/s, 150 ms, 8960 MSS, 30 s) =="
	"$sim" --scenario clean | awk -F': ' '/"sim_s_per_wall_s"|"wall_s"|"link_utilisation"/ {
		gsub(/[ ,]/, "", $2); gsub(/[ "]/, "", $1); print "  " $1 " " $2 }'
fi
