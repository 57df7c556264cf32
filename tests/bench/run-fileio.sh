#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# File data path benchmark (printed, not asserted): preadv into mbufs vs
# read(), pwritev from mbufs vs write(), the SHA-256 digest worker and
# CRC32C, on a 1 GiB file in tmpfs (/dev/shm; needs ~2.3 GiB of memory).
#
# usage: tests/bench/run-fileio.sh [BUILD_DIR] [extra tusk-bench-fileio args]
set -eu

build=${1:-build}
[ $# -gt 0 ] && shift
bench="$build/tests/bench/tusk-bench-fileio"
[ -x "$bench" ] || { echo "no $bench: build first (ninja -C $build)"; exit 2; }

echo "== file <-> mbuf data path, digests (1 GiB on tmpfs, median of 3) =="
"$bench" --mib 1024 --runs 3 "$@"
