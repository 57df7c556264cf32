#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# run-https: HTTPS GET next to HTTP GET from the same tuskd in the same
# run (run-http.sh part 4): Gbit/s, CPU seconds per GB (tuskd, curl, the
# machine) and the HTTPS / HTTP ratios.
#
# usage: tests/bench/run-https.sh [BUILD_DIR]   (as root)
# env:   RUNS (default 5), MIB (default 1024)
PARTS=https exec "$(dirname "$(readlink -f "$0")")/run-http.sh" "$@"
