#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Single-connection goodput between two tuskd over net_memif, next to Linux
# iperf3 over a veth between two namespaces and dpdk-testpmd's raw memif
# rate, at MTU 1500 and 9000, all in one run (issue 4, Benchmarks):
#
#   tuskd A (source)  == memif ==  tuskd B (sink, port 9)
#     worker on core 0               worker on core 1
#   netns A: iperf3 -c  == veth ==  netns B: iperf3 -s     (Linux, cubic)
#   testpmd txonly      == memif ==  testpmd rxonly         (raw rate)
#
# Each pair polls two separate cores (the control threads sleep on the
# other side's core): two pollers on one core collapse (1.5 Gbit/s at
# 1500 B, README "Reference figures"). Linux runs at MTU 9000 with TSO/GSO
# on (its best case) and at 1500 with them off (a fair per-packet
# comparison).
#
# Prints Gbit/s for each, the ratios and the targets:
#   MTU 9000: tuskd >= 1.5 x Linux, tuskd >= 0.70 x testpmd
#   MTU 1500: tuskd >= 2 x Linux (TSO off)
# Not part of `meson test`: it needs both cores quiet for ~2 minutes.
#
# usage: tests/bench/run-memif.sh [BUILD_DIR]    (as root; default build)
# env:   BENCH_SECONDS (10), BENCH_MTUS ("9000 1500"), BENCH_CC (tuskd's
#        congestion control, default the stack's: bbr), BENCH_LINUX_CC
#        (cubic), BENCH_CORES ("0 1": the sender's and the receiver's),
#        BENCH_PERF (a directory: perf records each tuskd worker for 3 s
#        mid-run and the top of each profile is printed). Both tuskd run
#        memif in copy mode: tuskd refuses zero-copy memif, which
#        delivered wrong bytes (README "memif ports"); BENCH_MEMIF_ZC=1
#        only shows that refusal. testpmd runs in copy mode, its fastest
#        here (zero-copy txonly measured 9.2 Gbit/s).
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

SECONDS_RUN=${BENCH_SECONDS:-10}
MTUS=${BENCH_MTUS:-9000 1500}
CC=${BENCH_CC:-}
LINUX_CC=${BENCH_LINUX_CC:-cubic}
read -r CORE_TX CORE_RX <<< "${BENCH_CORES:-0 1}"
# memif buffer size (the memif profile's, a 9000-byte MTU frame in one
# descriptor); testpmd gets the same, and mbufs that hold a jumbo frame
# (--mbuf-size must come before --txpkts, which is checked against it).
MEMIF_ARGS="bsize=9216,rsize=10"
ZC=${BENCH_MEMIF_ZC:-0}
TESTPMD_MBUF=10240
bench_tmpdir

# tuskd A -> B over memif at MTU $1: the source's goodput (Gbit/s) in R.
run_tuskd() {
	local mtu=$1 pa pb id out ta tb ra rb t0
	# the server first: a client that finds no socket does not retry
	local order="a b"
	if [ "$ZC" = 1 ]; then
		memif_conf a "$CORE_TX" client,zero-copy=yes "$mtu"
		memif_conf b "$CORE_RX" server "$mtu"
		order="b a"
	else
		memif_conf a "$CORE_TX" server "$mtu"
		memif_conf b "$CORE_RX" client "$mtu"
	fi
	# shellcheck disable=SC2086 # two words
	memif_pair_up $order
	pa=${PAIR_PID[a]}
	pb=${PAIR_PID[b]}
	ta=$(worker_tid "$pa")
	tb=$(worker_tid "$pb")
	ra=$(run_ns "$pa" "$ta")
	rb=$(run_ns "$pb" "$tb")
	t0=$(date +%s%N)
	id=$("$WATCH" "$TMP/a.sock" start dst=10.88.0.2 \
		seconds="$SECONDS_RUN" ${CC:+cc=$CC})
	[ -n "${BENCH_PERF:-}" ] && profile_workers "$mtu" "$ta" "$tb"
	out=$("$WATCH" "$TMP/a.sock" watch --id "$id" \
		--wait "$(( SECONDS_RUN + 30 ))")
	t0=$(( $(date +%s%N) - t0 ))
	# A polling worker runs all the time it is given: less than 100% is
	# what other processes took from it (a busy machine)
	say "tuskd MTU $mtu: $out"
	say "tuskd workers got $(( ($(run_ns "$pa" "$ta") - ra) * 100 / t0 ))% (sender) and $(( ($(run_ns "$pb" "$tb") - rb) * 100 / t0 ))% (receiver) of their cores"
	"$TUSKCTL" -s "$TMP/b.sock" bulk_list >&2 || true
	# frames the sender's stack gave up on (tx_full: the ring refused
	# them; no_mbuf: its pool ran dry)
	say "sender $("$TUSKCTL" -s "$TMP/a.sock" stats | awk '/^drops[ :(]/ { on = 1; printf "%s", $0; next }
		on && /^  / { printf " %s", $1 "=" $2; next } { on = 0 }')"
	memif_pair_down
	R=$(printf '%.2f' "$(jfield "$out" gbps)")
}

# perf profiles of the sender's ($2) and receiver's ($3) worker threads
# at MTU $1, 3 s from the middle of the run, into $BENCH_PERF.
profile_workers() {
	local mtu=$1 side tid pids=()
	command -v perf >/dev/null || { say "perf not installed: no profile"; return 0; }
	mkdir -p "$BENCH_PERF"
	sleep $(( SECONDS_RUN / 2 > 3 ? SECONDS_RUN / 2 - 2 : 0 ))
	for side in sender receiver; do
		tid=$2
		[ "$side" = receiver ] && tid=$3
		perf record -q -t "$tid" -o "$BENCH_PERF/$side-$mtu.data" \
			-- sleep 3 >/dev/null 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	for side in sender receiver; do
		say "perf $side MTU $mtu (top 25, $BENCH_PERF/$side-$mtu.data):"
		perf report -q -i "$BENCH_PERF/$side-$mtu.data" --no-children \
			--percent-limit 0.5 --stdio 2>/dev/null | head -25 >&2
	done
}

# Linux iperf3 between two namespaces over a veth at MTU $1, TSO $2
# (on|off): the receiver's Gbit/s in R.
run_linux() {
	local mtu=$1 tso=$2 a=tbm-a-$$ b=tbm-b-$$ out
	bench_netns "$a"
	bench_netns "$b"
	ip link add tbma$$ mtu "$mtu" netns "$a" type veth \
		peer name tbmb$$ mtu "$mtu" netns "$b"
	ip -n "$a" addr add 10.89.0.1/24 dev tbma$$
	ip -n "$b" addr add 10.89.0.2/24 dev tbmb$$
	ip netns exec "$a" ethtool -K tbma$$ tso "$tso" gso "$tso" >/dev/null
	ip netns exec "$b" ethtool -K tbmb$$ tso "$tso" gso "$tso" >/dev/null
	ip -n "$a" link set tbma$$ up
	ip -n "$b" link set tbmb$$ up
	bench_bg ip netns exec "$b" iperf3 -s -1 -A "$CORE_RX" >/dev/null 2>&1
	sleep 1
	out=$(ip netns exec "$a" iperf3 -c 10.89.0.2 -t "$SECONDS_RUN" \
		-A "$CORE_TX" -C "$LINUX_CC" -J)
	ip netns del "$a"
	ip netns del "$b"
	R=$(python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))' <<< "$out")
}

# dpdk-testpmd txonly -> rxonly over memif with frames of MTU $1 + 14:
# the receiver's median rate in Gbit/s (frame bits, as testpmd counts
# them) in R.
run_testpmd() {
	local mtu=$1 frame=$(( $1 + 14 )) pa pb common
	R=
	command -v dpdk-testpmd >/dev/null || return 0
	common="--no-pci --no-telemetry $(eal_mem "$MEMIF_HUGE")"
	# shellcheck disable=SC2046,SC2086
	bench_bg setsid dpdk-testpmd $(eal_lcores "$CORE_TX" "$CORE_RX") \
		--file-prefix tp-a-$$ $common \
		--vdev "net_memif0,role=server,socket=$TMP/tp.sock,$MEMIF_ARGS" \
		-- --forward-mode=txonly --mbuf-size="$TESTPMD_MBUF" \
		--txpkts="$frame" --total-num-mbufs=8192 \
		--nb-cores=1 --stats-period=1 > "$TMP/tp-a.log" 2>&1 < /dev/null
	pa=$BG_PID
	sleep 2
	# shellcheck disable=SC2046,SC2086
	bench_bg setsid dpdk-testpmd $(eal_lcores "$CORE_RX" "$CORE_TX") \
		--file-prefix tp-b-$$ $common \
		--vdev "net_memif0,role=client,socket=$TMP/tp.sock,$MEMIF_ARGS" \
		-- --forward-mode=rxonly --mbuf-size="$TESTPMD_MBUF" \
		--total-num-mbufs=8192 --nb-cores=1 --stats-period=1 \
		> "$TMP/tp-b.log" 2>&1 < /dev/null
	pb=$BG_PID
	sleep $(( SECONDS_RUN + 3 ))
	# SIGINT: testpmd's clean exit (memif can crash on SIGTERM)
	stop_pid "$pb" INT
	stop_pid "$pa" INT
	rm -rf "/var/run/dpdk/tp-a-$$" "/var/run/dpdk/tp-b-$$"
	# Rx-bps per stats period; skip the first samples (link coming up)
	R=$(awk '/Rx-bps:/ { n++; if (n > 3 && $4 > 0) print $4 }' "$TMP/tp-b.log" |
		sort -n | awk '{ v[NR] = $1 } END {
			if (NR > 0) printf "%.2f\n", v[int((NR + 1) / 2)] / 1e9 }')
}

main() {
	local mtu t l p tso rows=()
	need_root
	say "cores: sender $CORE_TX, receiver $CORE_RX; ${SECONDS_RUN}s per run; load: $(cut -d' ' -f1-3 /proc/loadavg)"
	for mtu in $MTUS; do
		tso=off
		[ "$mtu" -ge 9000 ] && tso=on
		run_tuskd "$mtu"
		t=$R
		run_linux "$mtu" "$tso"
		l=$R
		run_testpmd "$mtu"
		p=$R
		rows+=("$mtu $tso $t $l $p")
	done
	printf '\n%-5s %12s %18s %14s %12s %8s %14s %8s\n' MTU "tuskd Gbit/s" \
		"Linux iperf3" "testpmd memif" "tuskd/Linux" target \
		"tuskd/testpmd" target
	for r in "${rows[@]}"; do
		read -r mtu tso t l p <<< "$r"
		local tl tp want_l="x2.0" want_p="-"
		tl=$(ratio "$t" "$l")
		tp=$(ratio "$t" "$p")
		if [ "$mtu" -ge 9000 ]; then want_l="x1.5"; want_p="x0.70"; fi
		printf '%-5s %12s %18s %14s %12s %8s %14s %8s\n' "$mtu" "$t" \
			"$l (TSO $tso)" "${p:--}" "$tl" "$want_l" "$tp" "$want_p"
	done
	echo "tuskd: ${CC:-bbr}, one connection, source->sink over memif; Linux: $LINUX_CC; testpmd: frame bits, txonly->rxonly"
}

main
