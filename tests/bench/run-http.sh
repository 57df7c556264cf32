#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# HTTP benchmark (issue 4, first benchmark; printed, not asserted):
# Linux curl GETs a 1 GiB file (from the page cache) in a peer network
# namespace over a veth at MTU 9000, from
#   1. tuskd: its own stack on net_af_packet on the root-side veth (the
#      lab, tools/tusk-lab; veth offloads off, as af_packet needs);
#   2. nginx (Debian's nginx-light, sendfile on, one process) in the root
#      namespace over a veth with the same settings (offloads off);
#   3. the same nginx over a veth with the kernel's default offloads (TSO,
#      GSO, GRO on: 64 KB super-frames, Linux's best case);
#   4. (PARTS=https, or tests/bench/run-https.sh) one tuskd with HTTPS on:
#      HTTP GET and HTTPS GET (curl --cacert, TLS 1.3 AES-256-GCM) of the
#      same file, alternating run by run, and their ratio.
# Servers on CPU 1 (tuskd's worker lcore), curl on CPU 0.
# Each: RUNS timed GETs after one warm-up, median Gbit/s; CPU seconds per
# GB moved for the server process (utime + stime of all its threads,
# /proc/PID/stat), the curl client (getrusage of the child) and the whole
# machine (busy jiffies of /proc/stat, which also counts the softirq work
# of both veth ends that no process is charged for); ratio tusk/Linux.
#
# tuskd busy-polls: its worker lcore burns a whole core whether packets
# come or not, so its process CPU is ~1 s per wall second by design.
# The machine figure is the whole cost of a GB moved, polling included,
# and the only one that shows the kernel's softirq work for nginx and
# curl. It counts every process on the machine: run it when quiet.
#
# usage: tests/bench/run-http.sh [BUILD_DIR]   (default: build; as root)
# env:   RUNS (default 5), MIB (default 1024), PARTS (default "tuskd linux";
#        "https" for part 4)

set -euo pipefail

REPO=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
# shellcheck source=tests/bench/veth_lib.sh
. "$REPO/tests/bench/veth_lib.sh"
veth_bench_begin http "tbt$$" "tb-linux-$$" "tbl$$" 10.78.0 "$@"
readonly RUNS=${RUNS:-5}
readonly MIB=${MIB:-1024}
readonly PARTS=${PARTS:-tuskd linux}
readonly BYTES=$(( MIB << 20 ))
# Bound on one GET: 1 GiB takes about a second here.
readonly GET_MAX_S=120
readonly LNX_PORT=8080
command -v nginx >/dev/null || die "no nginx (tools/tusk-setup installs nginx-light)"

# One timed GET in namespace $1 of URL $2 with server process $3 (curl
# arguments after): prints
# "seconds bytes status client_cpu_s server_cpu_s machine_cpu_s".
get_once() {
	local ns=$1 url=$2 pid=$3 s0 m0 s1 m1 out
	shift 3
	s0=$(proc_ticks "$pid")
	m0=$(machine_ticks)
	out=$(ip netns exec "$ns" taskset -c "$CLIENT_CPU" python3 -c '
import resource, subprocess, sys
p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, text=True)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(p.stdout.strip(), "%.4f" % (ru.ru_utime + ru.ru_stime))
' curl -sS --noproxy '*' --max-time "$GET_MAX_S" -o /dev/null \
		-w '%{time_total} %{size_download} %{http_code}' "$@" "$url")
	s1=$(proc_ticks "$pid")
	m1=$(machine_ticks)
	echo "$out $(awk -v a="$s0" -v b="$s1" -v h="$HZ" 'BEGIN { printf "%.3f", (b - a) / h }') \
$(awk -v a="$m0" -v b="$m1" -v h="$HZ" 'BEGIN { printf "%.3f", (b - a) / h }')"
}

# run_once NAME I NS URL PID [CURL ARGS]: GET number I, printed and
# appended to $W/NAME.runs.
run_once() {
	local name=$1 i=$2 line
	shift 2
	line=$(get_once "$@")
	echo "$line" | awk -v i="$i" -v n="$name" '{ printf "  %s run %d: %.2f Gbit/s (%s s, HTTP %s;" \
		" CPU s: client %s, server %s, machine %s)\n", n, i, $2 * 8 / $1 / 1e9,
		$1, $3, $4, $5, $6 }'
	[ "$(echo "$line" | awk '{ print $2 }')" = "$BYTES" ] ||
		die "$name: GET moved $(echo "$line" | awk '{ print $2 }') bytes, want $BYTES"
	echo "$line" >> "$W/$name.runs"
}

# measure NAME NS URL PID: warm-up, RUNS GETs; one summary line in
# $W/summary and the runs on stdout.
measure() {
	local name=$1 i
	shift
	get_once "$@" > /dev/null
	: > "$W/$name.runs"
	for (( i = 1; i <= RUNS; i++ )); do
		run_once "$name" "$i" "$@"
	done
	summarize "$name"
}

# summarize NAME: the medians of $W/NAME.runs, a line in $W/summary.
summarize() {
	python3 - "$W/$1.runs" "$1" >> "$W/summary" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
gb = rows[0][1] / 1e9
med = lambda k: statistics.median(r[k] for r in rows)
gbps = statistics.median(r[1] * 8 / r[0] / 1e9 for r in rows)
print("%s %.2f %.3f %.3f %.3f" % (sys.argv[2], gbps, med(4) / gb, med(3) / gb, med(5) / gb))
PY
}

run_tuskd() {
	echo "== 1. tuskd (net_af_packet on a veth, MTU $MTU), $RUNS x $MIB MiB GET =="
	TUSK_LAB_DATA=$W/root "$LAB" up > "$W/lab.log" 2>&1 ||
		{ cat "$W/lab.log"; die "lab up failed"; }
	tuskd_pid=$(cat "/run/tusk-lab/$TUSK_LAB_NS/tuskd.pid")
	measure tuskd "$TUSK_LAB_NS" "http://10.77.0.2/big.bin" "$tuskd_pid"
	"$LAB" down > /dev/null 2>&1
}

# Part 4: HTTP and HTTPS from one tuskd, alternating, same file.
run_https() {
	local i pki=$W/pki args pid
	echo "== 4. tuskd, HTTP and HTTPS (TLS 1.3, AES-256-GCM) alternating, $RUNS x $MIB MiB GET each =="
	mkdir -p "$pki"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=bench CA" -keyout "$pki/ca.key" -out "$pki/ca.pem" 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=tuskd" \
		-keyout "$pki/srv.key" -out "$pki/srv.csr" 2>/dev/null
	printf 'subjectAltName=IP:10.77.0.2\n' > "$pki/ext"
	openssl x509 -req -in "$pki/srv.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
		-CAcreateserial -days 2 -extfile "$pki/ext" -out "$pki/srv.pem" 2>/dev/null ||
		die "openssl: cannot make the bench certificate"
	args="--set tuskd.tls_cert=$pki/srv.pem --set tuskd.tls_key=$pki/srv.key"
	TUSK_LAB_DATA=$W/root TUSK_LAB_TUSKD_ARGS=$args "$LAB" up > "$W/lab.log" 2>&1 ||
		{ cat "$W/lab.log"; die "lab up failed"; }
	pid=$(cat "/run/tusk-lab/$TUSK_LAB_NS/tuskd.pid")
	get_once "$TUSK_LAB_NS" "http://10.77.0.2/big.bin" "$pid" > /dev/null
	get_once "$TUSK_LAB_NS" "https://10.77.0.2/big.bin" "$pid" --cacert "$pki/ca.pem" > /dev/null
	: > "$W/tuskd_http.runs"
	: > "$W/tuskd_https.runs"
	for (( i = 1; i <= RUNS; i++ )); do
		run_once tuskd_http "$i" "$TUSK_LAB_NS" "http://10.77.0.2/big.bin" "$pid"
		run_once tuskd_https "$i" "$TUSK_LAB_NS" "https://10.77.0.2/big.bin" "$pid" \
			--cacert "$pki/ca.pem"
	done
	summarize tuskd_http
	summarize tuskd_https
	"$LAB" down > /dev/null 2>&1
}

# The Linux pair: root side serves, the namespace's curl fetches.
linux_veth() { veth_pair "$LNX_NS" "$LNX_IF" "$LNX_SRV" "$LNX_CLI" "$MTU"; }
set_offloads() { veth_offloads "$LNX_NS" "$LNX_IF" "$1"; }

start_nginx() {
	nginx_start "$W/nginx" "$W/root" "$LNX_SRV" "$LNX_PORT" "$SERVER_CPU" "" \
		"$LNX_NS" || die "nginx did not start"
}

run_linux() {
	local url=http://$LNX_SRV:$LNX_PORT/big.bin
	linux_veth
	start_nginx
	echo "== 2. nginx $(nginx -v 2>&1 | sed 's/.*\///') (sendfile), veth MTU $MTU," \
		"offloads off (as the lab) =="
	set_offloads off
	measure nginx_off "$LNX_NS" "$url" "$NGINX_PID"
	echo "== 3. nginx, veth MTU $MTU, kernel default offloads (TSO/GSO/GRO on) =="
	set_offloads on
	measure nginx_on "$LNX_NS" "$url" "$NGINX_PID"
}

mkdir -p "$W/root"
make_file "$W/root/big.bin" "$BYTES"
: > "$W/summary"
for part in $PARTS; do
	case $part in
	tuskd) run_tuskd ;;
	linux) run_linux ;;
	https) run_https ;;
	*) die "PARTS: '$part' is not tuskd, linux or https" ;;
	esac
done

echo
echo "== summary: medians of $RUNS GETs of $MIB MiB; CPU in seconds per GB (1e9 bytes) =="
python3 - "$W/summary" <<'PY'
import sys
rows = {l.split()[0]: list(map(float, l.split()[1:])) for l in open(sys.argv[1])}
names = {"tuskd": "tuskd (af_packet, busy-poll)",
         "nginx_off": "nginx, veth offloads off",
         "nginx_on": "nginx, veth TSO/GSO/GRO on",
         "tuskd_http": "tuskd HTTP (HTTPS on too)",
         "tuskd_https": "tuskd HTTPS (TLS 1.3 AES-GCM)"}
print("%-30s %8s %12s %12s %13s" % ("server", "Gbit/s", "server s/GB", "client s/GB",
                                    "machine s/GB"))
for k in ("tuskd", "nginx_off", "nginx_on", "tuskd_http", "tuskd_https"):
    if k in rows:
        g, s, c, m = rows[k]
        print("%-30s %8.2f %12.3f %12.3f %13.3f" % (names[k], g, s, c, m))
t = rows.get("tuskd")
for k in ("nginx_off", "nginx_on"):
    if t and k in rows:
        print("ratio tuskd / %-26s Gbit/s %.2fx, machine CPU per GB %.2fx"
              % (names[k] + ":", t[0] / rows[k][0], t[3] / rows[k][3]))
h, s = rows.get("tuskd_http"), rows.get("tuskd_https")
if h and s:
    print("ratio HTTPS / HTTP (same tuskd): Gbit/s %.2fx, server CPU per GB %.2fx, "
          "client CPU per GB %.2fx, machine CPU per GB %.2fx"
          % (s[0] / h[0], s[1] / h[1], s[2] / h[2], s[3] / h[3]))
PY
