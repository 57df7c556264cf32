#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# iperf3 benchmark (issue 14; printed, not asserted): Debian's stock iperf3
# client in a peer network namespace over a veth at MTU 9000 against
#   1. tuskd's iperf3 server: its own stack on net_af_packet on the
#      root-side veth (the lab, tools/tusk-lab; veth offloads off, as
#      af_packet needs);
#   2. Linux's `iperf3 -s` in the root namespace over a veth with the same
#      settings (offloads off);
#   3. the same over a veth with the kernel's default offloads (TSO, GSO,
#      GRO on: 64 KB super-frames, Linux's best case).
# Both directions: the client sends (tuskd/Linux receives), and -R (the
# server sends). Servers on CPU 1 (tuskd's worker lcore), the client on
# CPU 0. Each: RUNS tests of SECS seconds, median Gbit/s (the receiver's
# figure, end.sum_received) and CPU seconds per GB moved for the whole
# machine (busy jiffies of /proc/stat: both veth ends' softirq work that
# no process is charged for, and tuskd's polling, which burns its core
# whether packets come or not). The machine figure counts every process:
# run it when quiet.
#
# usage: tests/bench/run-iperf3.sh [BUILD_DIR]   (default: build; as root)
# env:   RUNS (default 3), SECS (default 5), PARTS (default "tuskd linux")

set -euo pipefail

REPO=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
# shellcheck source=tests/bench/veth_lib.sh
. "$REPO/tests/bench/veth_lib.sh"
veth_bench_begin iperf3 "tbi$$" "tb-ilinux-$$" "tbj$$" 10.79.0 "$@"
readonly RUNS=${RUNS:-3}
readonly SECS=${SECS:-5}
readonly PARTS=${PARTS:-tuskd linux}
# Bound on one test beyond its SECS.
readonly SLACK_S=30
command -v iperf3 >/dev/null || die "no iperf3 (tools/tusk-setup installs it)"

# One test from namespace $1 to $2 with client options $3: prints
# "gbit/s bytes machine_cpu_s".
test_once() {
	local ns=$1 dst=$2 opts=$3 m0 m1
	m0=$(machine_ticks)
	# shellcheck disable=SC2086
	ip netns exec "$ns" taskset -c "$CLIENT_CPU" timeout $((SECS + SLACK_S)) \
		iperf3 -c "$dst" -t "$SECS" -J $opts > "$W/one.json" ||
		die "iperf3 -c $dst $opts failed: $(grep -m1 error "$W/one.json")"
	m1=$(machine_ticks)
	python3 - "$W/one.json" "$(( m1 - m0 ))" "$HZ" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))["end"]["sum_received"]
print("%.3f %d %.3f" % (e["bits_per_second"] / 1e9, e["bytes"],
                        int(sys.argv[2]) / int(sys.argv[3])))
PY
}

# measure NAME NS DST OPTS: a warm-up, RUNS tests; one summary line.
measure() {
	local name=$1 ns=$2 dst=$3 opts=$4 i line
	test_once "$ns" "$dst" "$opts" > /dev/null
	: > "$W/$name.runs"
	for (( i = 1; i <= RUNS; i++ )); do
		line=$(test_once "$ns" "$dst" "$opts")
		echo "$line" | awk -v i="$i" '{ printf "  run %d: %.2f Gbit/s" \
			" (%d bytes received; machine CPU %s s)\n", i, $1, $2, $3 }'
		echo "$line" >> "$W/$name.runs"
	done
	python3 - "$W/$name.runs" "$name" >> "$W/summary" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
print("%s %.2f %.3f" % (sys.argv[2], statistics.median(r[0] for r in rows),
                        statistics.median(r[2] / (r[1] / 1e9) for r in rows)))
PY
}

run_tuskd() {
	"$LAB" up > "$W/lab.log" 2>&1 || { cat "$W/lab.log"; die "lab up failed"; }
	echo "== 1. tuskd (net_af_packet on a veth, MTU $MTU), client sends =="
	measure tuskd "$TUSK_LAB_NS" 10.77.0.2 ""
	echo "== 1. tuskd, -R (tuskd sends) =="
	measure tuskd_r "$TUSK_LAB_NS" 10.77.0.2 "-R"
	"$LAB" down > /dev/null 2>&1
}

# The Linux pair: root side serves, the namespace's client tests.
linux_veth() { veth_pair "$LNX_NS" "$LNX_IF" "$LNX_SRV" "$LNX_CLI" "$MTU"; }
set_offloads() { veth_offloads "$LNX_NS" "$LNX_IF" "$1"; }

start_server() {
	taskset -c "$SERVER_CPU" iperf3 -s -B "$LNX_SRV" > "$W/server.log" 2>&1 &
	SRV_PID=$!
	sleep 1 # iperf3 -s listens at once; a probe would count as a client
	kill -0 "$SRV_PID" 2>/dev/null || die "iperf3 -s: $(cat "$W/server.log")"
}

run_linux() {
	linux_veth
	start_server
	set_offloads off
	echo "== 2. Linux iperf3 -s, veth MTU $MTU, offloads off (as the lab), client sends =="
	measure linux_off "$LNX_NS" "$LNX_SRV" ""
	echo "== 2. Linux, offloads off, -R =="
	measure linux_off_r "$LNX_NS" "$LNX_SRV" "-R"
	set_offloads on
	echo "== 3. Linux iperf3 -s, veth MTU $MTU, kernel default offloads, client sends =="
	measure linux_on "$LNX_NS" "$LNX_SRV" ""
	echo "== 3. Linux, offloads on, -R =="
	measure linux_on_r "$LNX_NS" "$LNX_SRV" "-R"
}

: > "$W/summary"
for part in $PARTS; do
	case $part in
	tuskd) run_tuskd ;;
	linux) run_linux ;;
	*) die "PARTS: '$part' is not tuskd or linux" ;;
	esac
done

echo
echo "== summary: medians of $RUNS tests of $SECS s; machine CPU in seconds per GB (1e9 bytes) =="
python3 - "$W/summary" <<'PY'
import sys
rows = {l.split()[0]: list(map(float, l.split()[1:])) for l in open(sys.argv[1])}
names = {"tuskd": "tuskd (af_packet, busy-poll)", "linux_off": "Linux, veth offloads off",
         "linux_on": "Linux, veth TSO/GSO/GRO on"}
print("%-30s %-14s %8s %13s" % ("server", "direction", "Gbit/s", "machine s/GB"))
for k in ("tuskd", "linux_off", "linux_on"):
    for suffix, d in (("", "client sends"), ("_r", "-R")):
        if k + suffix in rows:
            g, m = rows[k + suffix]
            print("%-30s %-14s %8.2f %13.3f" % (names[k], d, g, m))
for suffix, d in (("", "client sends"), ("_r", "-R")):
    t = rows.get("tuskd" + suffix)
    for k in ("linux_off", "linux_on"):
        if t and k + suffix in rows:
            o = rows[k + suffix]
            print("ratio tuskd / %-27s %-13s Gbit/s %.2fx, machine CPU per GB %.2fx"
                  % (names[k] + ",", d + ":", t[0] / o[0], t[1] / o[1]))
PY
