#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# File benchmark (issue 16): how close tuskd's file path comes to the wire,
# all in one run, figures printed, targets compared (PASS/MISS), exit 0.
#
#   bulk   two tuskd over net_memif (MTU 9000), the bulk source -> sink:
#          memory to memory, the figure the file path is held to
#   memif  the same pair, tuskd B fetches a file from tuskd A's HTTP
#          endpoint (`fetch`, 1 and 4 streams), data roots on tmpfs
#          (/dev/shm) and on the machine's disk ($FILES_DISK, default
#          /var/tmp): a first fetch (the source never hashed) and a
#          repeat (its digest kept), each phase timed from `watch` events
#          (probing, running, verifying), every file compared with cmp
#   fio    sequential write (fsync at the end, as a fetch's commit) and
#          read of the same size on the same file systems
#   sha    SHA-256 of the source with openssl on one core: the rate a
#          SHA-256-verified fetch is held to
#   http   over net_af_packet on a veth (tools/tusk-lab, MTU 9000,
#          offloads off): curl GETs the file from tuskd (time to the
#          first byte of a never-hashed file, then the rate), tuskd
#          fetches it from nginx in the peer namespace; next to nginx ->
#          curl on the same kind of veth (offloads off), to /dev/null and
#          into tmpfs (as tuskd's fetch writes)
# After each transfer: CPU seconds of every thread of both ends
# (/proc/PID/task/*/stat, utime + stime).
#
#   tuskd A 10.88.0.1 (HTTP, worker core 0) == memif == tuskd B 10.88.0.2
#                                                   (fetch, worker core 1)
#
# usage: tests/bench/run-files.sh [BUILD_DIR]     (as root; default build)
# env:   FILES_MIB (4096: the file size, MiB; 256 for a quick run),
#        FILES_STREAMS ("1 4"), FILES_ROOTS ("tmpfs disk"),
#        FILES_WRITER (auto | thread | lcore: [tuskd] fetch_writer),
#        FILES_VERIFY ("auto adler32": the fetches' verify= modes, each
#        on a new file, first and repeat; auto = sha-256 and what the
#        source offers),
#        FILES_PARTS ("bulk memif fio sha http"), FILES_POLL (busy |
#        adaptive: [tuskd] poll of every tuskd), FILES_DIRECT (0; 1:
#        fetches with direct=1, O_DIRECT writes - the disk root only,
#        tmpfs refuses them), FILES_DISK (/var/tmp), BENCH_SECONDS (bulk
#        run, 10), FILES_PERF (a directory: perf records both workers for
#        1 s in the running phase of the 1-stream tmpfs fetch of the
#        first FILES_VERIFY mode, FILES_PERF_TRY: first or repeat; and
#        tuskd's worker serving the second af_packet GET),
#        FILES_MEMIF_ZC (0: A, the source, is a copying memif client; 1
#        asks for zero-copy, which tuskd now refuses: it delivered wrong
#        bytes, README "memif ports").
# Exits 1 only when a fetch delivered wrong bytes (README "Files at
# network speed"), after all the figures.
# Not part of `meson test`: it needs the machine quiet for minutes and
# 3 x FILES_MIB of tmpfs.
set -euo pipefail
# Hugepages per tuskd (lib.sh): 240 MB hold the 64 MiB data pool and the
# port pool; two tuskd fit in what other programs on a small host leave.
MEMIF_HUGE=${MEMIF_HUGE:-120}
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/bench/veth_lib.sh
. "$BENCH_DIR/veth_lib.sh"

MIB=${FILES_MIB:-4096}
BYTES=$(( MIB << 20 ))
STREAMS=${FILES_STREAMS:-1 4}
ROOTS=${FILES_ROOTS:-tmpfs disk}
PARTS=${FILES_PARTS:-bulk memif fio sha http}
POLL=${FILES_POLL:-busy}
VERIFY=${FILES_VERIFY:-auto adler32}
WRITER=${FILES_WRITER:-auto}
DIRECT=${FILES_DIRECT:-0}
DISK=${FILES_DISK:-/var/tmp}
MEMIF_ZC=${FILES_MEMIF_ZC:-0}
PERF_TRY=${FILES_PERF_TRY:-first}
SECONDS_RUN=${BENCH_SECONDS:-10}
# The idle pair's CPU is sampled this long before the fetches.
IDLE_S=5
FETCH=$BENCH_DIR/fetch_watch.py
CORE_TX=0
CORE_RX=1
# A fetch of 4 GiB takes ~10-30 s here; minutes mean it is stuck.
FETCH_MAX_S=$(( 120 + MIB / 8 ))
LAB=$REPO/tools/tusk-lab
HZ=$(getconf CLK_TCK)
bench_tmpdir
RES=$TMP/results   # "key value" lines, read by the summary
: > "$RES"

put() { echo "$1 $2" >> "$RES"; }
# A fetch that delivered wrong bytes: said at once and in the summary,
# and the run exits 1 after printing everything else.
BAD=()
bad() { BAD+=("$1: $2"); echo "  WRONG BYTES: fetch $1: $2"; }
get() { awk -v k="$1" '$1 == k { v = $2 } END { print v }' "$RES"; }
gbps() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.2f", b * 8 / s / 1e9 }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# A scratch directory on file system $1 (tmpfs|disk) in $RD, removed at exit.
root_dir() {
	case $1 in
	tmpfs) RD=$(mktemp -d /dev/shm/tusk-files.XXXXXX) ;;
	disk) RD=$(mktemp -d "$DISK/tusk-files.XXXXXX") ;;
	*) die "FILES_ROOTS: '$1' is not tmpfs or disk" ;;
	esac
	# in this shell, not a $( ) subshell: the exit trap removes it
	# (4 GiB files left on /dev/shm by an interrupted run are RAM)
	BENCH_DIRS+=("$RD")
}

# ------------------------------------------------------------ thread CPU

# "tid comm ticks syscw wchar" for every thread of process $1: CPU and
# write syscalls (/proc/PID/task/TID/io; pwrite and pwritev count alike).
threads_snap() {
	local f t
	for f in /proc/"$1"/task/*/stat; do
		t=${f%/stat}
		awk -v io="$(awk '/^syscw|^wchar/ { printf "%s ", $2 }' "$t/io" 2>/dev/null)" \
		    '{ c = $0; sub(/^[^(]*\(/, "", c); sub(/\).*/, "", c);
		       gsub(/ /, "_", c); sub(/.*\) /, "");
		       split(FILENAME, p, "/"); split(io, w, " ");
		       print p[5], c, $12 + $13, w[2] + 0, w[1] + 0 }' "$f" 2>/dev/null
	done
}

# Print, for label $1, the CPU seconds each thread took between the
# snapshots in files $2 and $3 (threads under 0.01 s left out), and the
# write syscalls of those that wrote (count x average size).
threads_diff() {
	awk -v hz="$HZ" -v who="$1" 'NR == FNR { t[$1] = $3; n[$1] = $4; b[$1] = $5; next }
		{ d = ($3 - t[$1]) / hz; if (d < 0.01) next
		  s = s sprintf(" %s %.2f", $2, d); k = $4 - n[$1]
		  if (k > 0) s = s sprintf(" (%d writes x %.0f KiB)", k, ($5 - b[$1]) / k / 1024) }
		END { printf "  CPU s %s:%s\n", who, (s == "" ? " -" : s) }' "$2" "$3"
}

# ------------------------------------------------------------------ bulk

# The pair with data roots under $1: B (the memif server) first, then A
# as a copying client (FILES_MEMIF_ZC=1: zero-copy, refused by tuskd).
memif_pair_files() {
	local side role
	# A private memif link between two tuskd of the benchmark: HTTP
	# without tokens, said explicitly ([auth] mode = off; the section
	# follows [tuskd]'s extra lines)
	export MEMIF_DATA=$1 MEMIF_HTTP_PORT=80 MEMIF_TUSKD_EXTRA="poll = $POLL
fetch_writer = $WRITER

[auth]
mode = off"
	memif_conf b "$CORE_RX" server 9000
	tuskd_start "$TMP/b.conf" "$TMP/b.log" "$TMP/b.sock"
	PAIR_PID[b]=$TUSKD_PID
	role=client,zero-copy=yes
	if [ "$MEMIF_ZC" = 0 ]; then
		role=client
	elif [ "$(free_hugepages)" -lt $(( MEMIF_HUGE + 8 )) ]; then
		role=client
		say "$(free_hugepages) hugepages free: A is a copying memif client"
	fi
	memif_conf a "$CORE_TX" "$role" 9000
	tuskd_start "$TMP/a.conf" "$TMP/a.log" "$TMP/a.sock"
	PAIR_PID[a]=$TUSKD_PID
	unset MEMIF_DATA MEMIF_HTTP_PORT MEMIF_TUSKD_EXTRA
	for side in a b; do wait_link "$TMP/$side.sock"; done
	MEMIF_ROLE=$role
}

run_bulk() {
	local out id
	echo "== bulk: tuskd -> tuskd over memif, MTU 9000, ${SECONDS_RUN}s, memory to memory (load $(load)) =="
	memif_pair_files "$TMP"
	id=$("$WATCH" "$TMP/a.sock" start dst=10.88.0.2 seconds="$SECONDS_RUN")
	out=$("$WATCH" "$TMP/a.sock" watch --id "$id" --wait "$(( SECONDS_RUN + 30 ))")
	memif_pair_down
	put bulk "$(printf '%.2f' "$(jfield "$out" gbps)")"
	echo "  $(get bulk) Gbit/s (A: memif $MEMIF_ROLE)"
}

# --------------------------------------------------------- memif fetches

# fetch_one FS STREAMS VERIFY TRY: B fetches src-STREAMS.bin from A with
# verify=VERIFY; prints the phases, checks the bytes, records the figures
# under FS.STREAMS.TRY (auto) or FS.STREAMS.VERIFY.TRY.
fetch_one() {
	local fs=$1 n=$2 v=$3 try=$4 key out ta0 tb0 ta1 tb1 st perf=
	key=$fs.$n.$try
	[ "$v" = auto ] || key=$fs.$n.$v.$try
	ta0=$TMP/ta0; tb0=$TMP/tb0; ta1=$TMP/ta1; tb1=$TMP/tb1
	rm -f "$DATA/b-data/f.bin"
	threads_snap "${PAIR_PID[a]}" > "$ta0"
	threads_snap "${PAIR_PID[b]}" > "$tb0"
	loops_snap a > "$TMP/la0"; loops_snap b > "$TMP/lb0"
	if [ -n "${FILES_PERF:-}" ] && [ "$fs.$n.$try" = "tmpfs.1.$PERF_TRY" ] &&
	   [ "$v" = "${VERIFY%% *}" ]; then
		perf_worker &
		perf=$!
	fi
	out=$("$FETCH" "$TMP/b.sock" --wait "$FETCH_MAX_S" \
		url="http://10.88.0.1/src-$n.bin" dest=f.bin streams="$n" \
		verify="$v" ${FETCH_DIRECT:+direct=1})
	threads_snap "${PAIR_PID[a]}" > "$ta1"
	threads_snap "${PAIR_PID[b]}" > "$tb1"
	loops_snap a > "$TMP/la1"; loops_snap b > "$TMP/lb1"
	[ -n "$perf" ] && wait "$perf"
	st=$(jfield "$out" state)
	if [ "$st" != done ]; then
		# what is needed to tell a wrong file from a wrong kept digest
		say "source $(openssl dgst -sha256 -r "$DATA/a-data/src-$n.bin")"
		say "source's xattrs: $(python3 -c 'import os,sys; print({k: os.getxattr(sys.argv[1], k) for k in os.listxattr(sys.argv[1])})' "$DATA/a-data/src-$n.bin" 2>&1)"
		tail -n 15 "$TMP/a.log" "$TMP/b.log" >&2
		case $(jfield "$out" error) in
		"digest mismatch"*) bad "$key" "$(jfield "$out" error)"; return 0 ;;
		esac
		die "fetch $key: $st: $(jfield "$out" error)"
	fi
	if ! cmp "$DATA/a-data/src-$n.bin" "$DATA/b-data/f.bin"; then
		# where and how much: a wrong page, a wrong segment, a shift?
		say "differing bytes (offset, count of the run): $(cmp -l \
			"$DATA/a-data/src-$n.bin" "$DATA/b-data/f.bin" | awk '
			$1 != last + 1 { if (n) printf "%d+%d ", start - 1, n; start = $1; n = 0 }
			{ n++; last = $1 } END { if (n) printf "%d+%d", start - 1, n }' | cut -c1-400)"
		"$TUSKCTL" -s "$TMP/b.sock" --json transfers >&2 || true
		tail -n 15 "$TMP/a.log" "$TMP/b.log" >&2
		bad "$key" "the file differs from the source"
		return 0
	fi
	python3 - "$out" "$key" "$BYTES" >> "$RES" <<'PY'
import json, sys
o, k, b = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
p = o["phases"]
for ph in ("probing", "running", "verifying"):
    print("%s.%s %.3f" % (k, ph, p.get(ph, 0)))
print("%s.total %.3f" % (k, o["total_s"]))
PY
	printf '  %-5s %s stream(s) %-7s %-6s total %6.2f s = %5s Gbit/s | probing %6.2f  running %6.2f (%5s Gbit/s)  verifying %6.2f  (load %s)\n' \
		"$fs" "$n" "$v" "$try" "$(get "$key.total")" "$(gbps "$BYTES" "$(get "$key.total")")" \
		"$(get "$key.probing")" "$(get "$key.running")" \
		"$(gbps "$BYTES" "$(get "$key.running")")" "$(get "$key.verifying")" "$(load)"
	threads_diff "A (source)" "$ta0" "$ta1"
	threads_diff "B (fetch) " "$tb0" "$tb1"
	loops_diff "$TMP/la0" "$TMP/la1" "$TMP/lb0" "$TMP/lb1" "$(get "$key.total")"
}

# The worker's loop counters (tuskctl stats): iterations, those that
# received a frame, frames in and out, idle time, its clock; one line
# "loops busy rx tx idle_ms clock_ms".
loops_snap() {
	"$TUSKCTL" -s "$TMP/$1.sock" --json stats 2>/dev/null | python3 -c '
import json, sys
o = json.load(sys.stdin); o = o.get("result", o)
l = o["lcores"][0]
print(l["loops"], l["busy_loops"], l.get("rx_frames", 0), l.get("tx_frames", 0),
      l["idle_ms"], l["clock_ms"])' || echo "0 0 0 0 0 0"
}

# How the workers spent their iterations over a fetch: how many, how
# many received something, frames per receiving iteration, and the
# worker's idle time (iterations that found nothing to do: tuskctl stats
# idle_ms). The snapshots bracket the fetch ($5 seconds) with its
# tuskctl calls, ~0.7 s more in which the pair idles: the share of the
# fetch the worker was busy counts that window's excess as idle.
loops_diff() {
	python3 - "$@" <<'PY'
import sys
def rd(p): return [int(x) for x in open(p).read().split()]
fetch_s = float(sys.argv[5])
for side, a, b in (("A", sys.argv[1], sys.argv[2]), ("B", sys.argv[3], sys.argv[4])):
    d = [y - x for x, y in zip(rd(a), rd(b))]
    loops, busy, rx, tx, idle, clock = d
    idle_in = idle / 1000.0 - max(clock / 1000.0 - fetch_s, 0)
    print("  loops %s: %d iterations, %.1f%% received (%.1f frames each), tx %d frames; "
          "idle %.2f of %.2f s, busy %.0f%% of the fetch"
          % (side, loops, 100.0 * busy / max(loops, 1), rx / max(busy, 1), tx,
             idle / 1000.0, clock / 1000.0,
             100.0 * (1 - max(idle_in, 0) / fetch_s) if fetch_s > 0 else 0))
PY
}

# perf profile of process $2's worker as $FILES_PERF/worker-$1.{data,txt}:
# 1 s from 0.5 s into a transfer (a 4 GiB fetch runs 2-3 s here: a
# longer window would profile the idle worker after it), call graphs
# (DWARF: the build keeps no frame pointers).
perf_record() {
	perf record -q --call-graph dwarf,16384 -t "$(worker_tid "$2")" \
		-o "$FILES_PERF/worker-$1.data" -- sleep 1 >/dev/null 2>&1
	perf report -q -i "$FILES_PERF/worker-$1.data" --no-children \
		--percent-limit 1 --stdio -g none 2>/dev/null | head -25 \
		> "$FILES_PERF/worker-$1.txt"
}

# Both workers of the memif pair (A serves, B fetches), at once.
perf_worker() {
	local side pids=()
	command -v perf >/dev/null || { say "perf not installed: no profile"; return 0; }
	mkdir -p "$FILES_PERF"
	sleep 0.5
	for side in a b; do
		perf_record "$side" "${PAIR_PID[$side]}" &
		pids+=($!)
	done
	wait "${pids[@]}"
}

run_memif_fs() {
	local fs=$1 n
	root_dir "$fs"; DATA=$RD
	mkdir -p "$DATA/a-data" "$DATA/b-data"
	FETCH_DIRECT=
	[ "$DIRECT" = 1 ] && [ "$fs" = disk ] && FETCH_DIRECT=1
	memif_pair_files "$DATA"
	echo "  $fs: $(df --output=fstype "$DATA" | tail -1) at $DATA, A: memif $MEMIF_ROLE"
	# what the pair costs doing nothing: busy pollers burn their cores,
	# adaptive ones sleep
	threads_snap "${PAIR_PID[a]}" > "$TMP/ia0"
	threads_snap "${PAIR_PID[b]}" > "$TMP/ib0"
	sleep "$IDLE_S"
	threads_snap "${PAIR_PID[a]}" > "$TMP/ia1"
	threads_snap "${PAIR_PID[b]}" > "$TMP/ib1"
	echo "  idle ${IDLE_S}s, poll = $POLL:"
	threads_diff "A" "$TMP/ia0" "$TMP/ia1"
	threads_diff "B" "$TMP/ib0" "$TMP/ib1"
	for n in $STREAMS; do
		for v in $VERIFY; do
			# a new file: its source never hashed
			make_file "$DATA/a-data/src-$n.bin" "$BYTES"
			fetch_one "$fs" "$n" "$v" first
			fetch_one "$fs" "$n" "$v" repeat
			rm -f "$DATA/a-data/src-$n.bin"
		done
	done
	memif_pair_down
	rm -rf "$DATA"
}

run_memif() {
	local fs
	echo "== memif: tuskd B fetches $MIB MiB from tuskd A's HTTP endpoint, poll = $POLL${DIRECT:+, direct=$DIRECT on disk} =="
	for fs in $ROOTS; do
		run_memif_fs "$fs"
	done
	local side
	for side in a b; do
		[ -f "${FILES_PERF:-/nonexistent}/worker-$side.txt" ] || continue
		echo "  perf, $side's worker (1 stream, tmpfs, ${VERIFY%% *}, $PERF_TRY fetch; $FILES_PERF/worker-$side.data):"
		sed 's/^/    /' "$FILES_PERF/worker-$side.txt"
	done
	return 0
}

# ------------------------------------------------------------- fio, sha

# fio_rate DIR RW: MB/s of a sequential RW (write|read) of the file size.
fio_rate() {
	local f=$1/fio.bin
	fio --name=seq --filename="$f" --rw="$2" --bs=1M --size="${MIB}M" \
		--ioengine=psync --end_fsync=1 --output-format=json 2>/dev/null |
		python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]; print("%.2f" % ((j["write"]["bw_bytes"] + j["read"]["bw_bytes"]) * 8 / 1e9))'
}

run_fio() {
	local fs d
	command -v fio >/dev/null || die "no fio (tools/tusk-setup installs it)"
	echo "== fio: sequential write (fsync at the end) and read, 1 MiB blocks, $MIB MiB =="
	for fs in $ROOTS; do
		root_dir "$fs"; d=$RD
		put "fio.$fs.write" "$(fio_rate "$d" write)"
		put "fio.$fs.read" "$(fio_rate "$d" read)"
		rm -rf "$d"
		echo "  $fs: write $(get "fio.$fs.write") Gbit/s, read $(get "fio.$fs.read") Gbit/s (load $(load))"
	done
}

run_sha() {
	local d t0 t1
	root_dir tmpfs; d=$RD
	make_file "$d/f.bin" "$BYTES"
	t0=$(date +%s%N)
	taskset -c "$CORE_TX" openssl dgst -sha256 "$d/f.bin" > /dev/null
	t1=$(date +%s%N)
	rm -rf "$d"
	put sha "$(gbps "$BYTES" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e9 }')")"
	echo "== sha: openssl dgst -sha256 on one core: $(get sha) Gbit/s (load $(load)) =="
}

# ---------------------------------------------------- af_packet and nginx

LAB_NS=tb-files-$$
LAB_IF=tbf$$
LNX_NS=tb-flnx-$$
LNX_IF=tbn$$

# curl in namespace $1 GETs URL $2 into $3: "seconds first_byte_s bytes".
curl_get() {
	ip netns exec "$1" taskset -c "$CORE_TX" curl -sS --noproxy '*' \
		--max-time "$FETCH_MAX_S" -o "$3" \
		-w '%{time_total} %{time_starttransfer} %{size_download}\n' "$2"
}

# curl_fig KEY NS URL OUT PID: one GET, its rate under KEY, the server
# process PID's threads' CPU.
curl_fig() {
	local key=$1 out s0 s1
	threads_snap "$5" > "$TMP/s0"
	out=$(curl_get "$2" "$3" "$4")
	threads_snap "$5" > "$TMP/s1"
	[ "$(echo "$out" | cut -d' ' -f3)" = "$BYTES" ] || die "$key: GET moved $(echo "$out" | cut -d' ' -f3) bytes"
	put "$key" "$(gbps "$BYTES" "$(echo "$out" | cut -d' ' -f1)")"
	put "$key.ttfb_ms" "$(echo "$out" | awk '{ printf "%.1f", $2 * 1000 }')"
	printf '  %-34s %6s Gbit/s, first byte after %s ms (load %s)\n' "$key" \
		"$(get "$key")" "$(get "$key.ttfb_ms")" "$(load)"
	threads_diff "server" "$TMP/s0" "$TMP/s1"
}

run_http() {
	local d pid out sock perf=
	command -v nginx >/dev/null || die "no nginx (tools/tusk-setup installs nginx-light)"
	root_dir tmpfs; d=$RD
	mkdir -p "$d/lab" "$d/nginx-root" "$d/out"
	make_file "$d/lab/big.bin" "$BYTES"
	cp "$d/lab/big.bin" "$d/nginx-root/big.bin"
	echo "== http over net_af_packet (veth, MTU 9000, offloads off), $MIB MiB, tmpfs =="
	BENCH_ATEXIT+=("TUSK_LAB_NS=$LAB_NS TUSK_LAB_IF=$LAB_IF $LAB down")
	# curl GETs without a token: anyone may read (the auth decision
	# still runs on every request, as in production)
	TUSK_LAB_NS=$LAB_NS TUSK_LAB_IF=$LAB_IF TUSK_LAB_DATA=$d/lab TUSK_BUILD=$BUILD \
		TUSK_LAB_AUTH_CONF="anon_read = /" \
		TUSK_LAB_TUSKD_ARGS="--set tuskd.poll=$POLL --set tuskd.fetch_writer=$WRITER" "$LAB" up > "$TMP/lab.log" 2>&1 ||
		{ cat "$TMP/lab.log" >&2; die "lab up failed"; }
	pid=$(cat "/run/tusk-lab/$LAB_NS/tuskd.pid")
	sock=/run/tusk-lab/$LAB_NS/tuskd.sock
	curl_fig tuskd.get.first "$LAB_NS" http://10.77.0.2/big.bin /dev/null "$pid"
	if [ -n "${FILES_PERF:-}" ] && command -v perf >/dev/null; then
		mkdir -p "$FILES_PERF"
		( sleep 0.5; perf_record get "$pid" ) &
		perf=$!
	fi
	curl_fig tuskd.get "$LAB_NS" http://10.77.0.2/big.bin /dev/null "$pid"
	if [ -n "$perf" ]; then
		wait "$perf"
		echo "  perf, tuskd's worker serving the GET ($FILES_PERF/worker-get.data):"
		sed 's/^/    /' "$FILES_PERF/worker-get.txt"
	fi
	# (both no-ops when the part ended normally)
	BENCH_ATEXIT+=("kill -KILL \$(ip netns pids $LAB_NS 2>/dev/null) 2>/dev/null; true")
	nginx_start "$d/nginx-lab" "$d/nginx-root" 10.77.0.1 8080 "$CORE_TX" "$LAB_NS" "$LAB_NS" ||
		die "nginx in the lab namespace did not start"
	threads_snap "$pid" > "$TMP/s0"
	out=$("$FETCH" "$sock" --wait "$FETCH_MAX_S" url=http://10.77.0.1:8080/big.bin \
		dest=from-nginx.bin streams=1)
	threads_snap "$pid" > "$TMP/s1"
	[ "$(jfield "$out" state)" = done ] || die "fetch from nginx: $(jfield "$out" error)"
	cmp "$d/nginx-root/big.bin" "$d/lab/from-nginx.bin" || die "fetch from nginx: bytes differ"
	put tuskd.fetch "$(gbps "$BYTES" "$(jfield "$out" total_s)")"
	put tuskd.fetch.running "$(gbps "$BYTES" "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["phases"].get("running", 0))' "$out")")"
	printf '  %-34s %6s Gbit/s whole fetch, %s Gbit/s running (load %s)\n' \
		"tuskd.fetch (from nginx)" "$(get tuskd.fetch)" "$(get tuskd.fetch.running)" "$(load)"
	threads_diff "tuskd" "$TMP/s0" "$TMP/s1"
	kill "$NGINX_PID" 2>/dev/null; wait "$NGINX_PID" 2>/dev/null || true
	TUSK_LAB_NS=$LAB_NS TUSK_LAB_IF=$LAB_IF "$LAB" down > /dev/null 2>&1 || true
	echo "== nginx -> curl, veth MTU 9000, offloads off (the same kind of veth) =="
	BENCH_ATEXIT+=("veth_remove $LNX_NS $LNX_IF; true")
	veth_pair "$LNX_NS" "$LNX_IF" 10.78.0.2 10.78.0.1 9000
	veth_offloads "$LNX_NS" "$LNX_IF" off
	nginx_start "$d/nginx" "$d/nginx-root" 10.78.0.2 8080 "$CORE_RX" "" "$LNX_NS" ||
		die "nginx did not start"
	curl_fig nginx.get "$LNX_NS" http://10.78.0.2:8080/big.bin /dev/null "$NGINX_PID"
	curl_fig nginx.curl.file "$LNX_NS" http://10.78.0.2:8080/big.bin "$d/out/big.bin" "$NGINX_PID"
	cmp "$d/nginx-root/big.bin" "$d/out/big.bin" || die "curl from nginx: bytes differ"
	kill "$NGINX_PID" 2>/dev/null; wait "$NGINX_PID" 2>/dev/null || true
	veth_remove "$LNX_NS" "$LNX_IF"
	rm -rf "$d"
}

# --------------------------------------------------------------- summary

# target NAME VALUE WANT: a row; PASS when VALUE >= WANT (or <= for ms).
target() {
	local verdict
	verdict=$(awk -v v="$2" -v w="$3" -v le="${4:-}" 'BEGIN {
		if (v == "" || v == "-") print "-";
		else if (le != "") print (v + 0 <= w + 0 ? "PASS" : "MISS");
		else print (v + 0 >= w + 0 ? "PASS" : "MISS") }')
	printf '  %-76s %8s %8s  %s\n' "$1" "${2:--}" "$3" "$verdict"
}

# fkey FS STREAMS VERIFY TRY: the results key of a fetch (fetch_one).
fkey() {
	if [ "$3" = auto ]; then echo "$1.$2.$4"; else echo "$1.$2.$3.$4"; fi
}

summary() {
	local bulk sha n s v k
	bulk=$(get bulk); sha=$(get sha)
	echo
	echo "== summary: $MIB MiB, poll = $POLL, load $(load) =="
	for fs in $ROOTS; do for n in $STREAMS; do for v in $VERIFY; do for s in first repeat; do
		k=$(fkey "$fs" "$n" "$v" "$s")
		[ -n "$(get "$k.total")" ] || continue
		printf '  %-5s %s stream(s) %-7s %-6s whole %6s Gbit/s, running %6s Gbit/s; x bulk: %s whole, %s running\n' \
			"$fs" "$n" "$v" "$s" "$(gbps "$BYTES" "$(get "$k.total")")" \
			"$(gbps "$BYTES" "$(get "$k.running")")" \
			"$(ratio "$(gbps "$BYTES" "$(get "$k.total")")" "$bulk")" \
			"$(ratio "$(gbps "$BYTES" "$(get "$k.running")")" "$bulk")"
	done; done; done; done
	printf "  %-76s %8s %8s\n" "ratio/value" got want
	target "first byte of a never-hashed GET, ms" "$(get tuskd.get.first.ttfb_ms)" 50 le
	for v in $VERIFY; do
		k=$(fkey tmpfs 1 "$v" first)
		target "memif 1 stream tmpfs, verify=$v: running / bulk" \
			"$(ratio "$(gbps "$BYTES" "$(get "$k.running")")" "$bulk")" 0.50
	done
	target "memif 1 stream tmpfs: whole fetch (verify=auto: SHA-256) / SHA-256 one core" \
		"$(ratio "$(gbps "$BYTES" "$(get tmpfs.1.first.total)")" "$sha")" 0.80
	for v in adler32 crc32c; do
		case " $VERIFY " in *" $v "*) ;; *) continue ;; esac
		target "memif 1 stream tmpfs: whole fetch (verify=$v) / bulk" \
			"$(ratio "$(gbps "$BYTES" "$(get "tmpfs.1.$v.first.total")")" "$bulk")" 0.40
	done
	for n in $STREAMS; do for v in $VERIFY; do
		target "memif $n stream(s) disk, verify=$v: whole fetch / fio write" \
			"$(ratio "$(gbps "$BYTES" "$(get "$(fkey disk "$n" "$v" first).total")")" "$(get fio.disk.write)")" 0.80
	done; done
	target "af_packet: tuskd fetch from nginx / curl from nginx (tmpfs)" \
		"$(ratio "$(get tuskd.fetch)" "$(get nginx.curl.file)")" 1.0
	target "af_packet: curl GET from tuskd / from nginx (offloads off)" \
		"$(ratio "$(get tuskd.get)" "$(get nginx.get)")" 1.0
	# what bounds the running phase on tmpfs here: the file system's own
	# write rate, for one writer with nothing else on its core
	if [ -n "$(get fio.tmpfs.write)" ] && [ -n "$bulk" ]; then
		echo "  (bound: fio's sequential write to tmpfs / bulk = $(ratio "$(get fio.tmpfs.write)" "$bulk"): the"
		echo "   running phase on tmpfs cannot pass the file system's own write rate; against it:)"
		for v in $VERIFY; do
			k=$(fkey tmpfs 1 "$v" first)
			printf '  %-76s %8s\n' "memif 1 stream tmpfs, verify=$v: running / fio tmpfs write" \
				"$(ratio "$(gbps "$BYTES" "$(get "$k.running")")" "$(get fio.tmpfs.write)")"
		done
	fi
	local b
	for b in "${BAD[@]}"; do echo "WRONG BYTES: $b"; done
}

main() {
	local p
	need_root
	echo "# tusk run-files.sh: $MIB MiB, streams '$STREAMS', roots '$ROOTS' (disk: $DISK," \
		"$(df --output=fstype "$DISK" | tail -1)), poll = $POLL, fetch_writer = $WRITER, $(nproc) CPUs, load $(load)"
	for p in $PARTS; do
		case $p in
		bulk) run_bulk ;;
		memif) run_memif ;;
		fio) run_fio ;;
		sha) run_sha ;;
		http) run_http ;;
		*) die "FILES_PARTS: '$p' is not bulk, memif, fio, sha or http" ;;
		esac
	done
	summary
	[ "${#BAD[@]}" -eq 0 ]
}

# one line: bash reads a script as it runs it
main; exit
