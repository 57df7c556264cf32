#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# A 2 GiB fetch's phases (probing, running, verifying) per verify= mode,
# in the lab: tests/integration/fetch_verify_phases.sh says what and how.
#
# usage: tests/bench/run-fetch-verify.sh [BUILD_DIR]   (as root)
set -eu
build=${1:-build}
TUSK_BUILD=$(cd "$build" && pwd)
export TUSK_BUILD
exec bash "$(dirname "$0")/../integration/fetch_verify_phases.sh"
