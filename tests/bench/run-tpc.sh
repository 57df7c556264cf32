#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# HTTP third-party copy between two tuskd over net_memif (issue 15): the
# rate of a COPY pull (tuskd A GETs from B over 4 range streams) and of a
# COPY push (A PUTs to B), driven by curl from a Linux namespace the way
# FTS drives a storage element:
#
#   netns tpc-PID: curl  == veth (af_packet) ==  tuskd A  == memif ==  tuskd B
#   10.79.0.1                                  10.79.0.2 / 10.88.0.1   10.88.0.2
#                                              worker core 0           worker core 1
#
# B holds a random file of MIB MiB. One warm-up pull (B hashes its file
# behind that first GET and keeps the digest), then RUNS timed pulls with
# RequireChecksumVerification: true (A's SHA-256 of what arrived must
# equal B's Repr-Digest, or the copy fails) and RUNS timed pushes of A's
# copy back to B (the PUT carries A's kept Repr-Digest; B checks it on
# arrival). Both tuskd want tokens: curl carries A's, and B's rides in
# TransferHeaderAuthorization, which A sends on. Each copy's time is from curl's COPY to the final line of the
# 202's body; every copy is checked byte-identical by sha256sum. Printed,
# not asserted: two pollers on a 2-core machine shared with other work.
#
# usage: tests/bench/run-tpc.sh [BUILD_DIR]    (as root; default build)
# env:   MIB (1024), RUNS (3), BENCH_CORES ("0 1": A's and B's worker)
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

MIB=${MIB:-1024}
RUNS=${RUNS:-3}
read -r CORE_A CORE_B <<< "${BENCH_CORES:-0 1}"
NS=tpc-$$
IF=tpc$$a
# Each tuskd on ordinary memory: A's af_packet jumbo pool, both payload
# pools (data_pool_mb) and EAL's heap.
MEM_A_MB=1536
MEM_B_MB=1024
# One copy of MIB MiB takes seconds; past this it is stuck.
COPY_MAX_S=${COPY_MAX_S:-600}

need_root
command -v curl >/dev/null || die "no curl"
bench_tmpdir
mkdir -p "$TMP/a-data" "$TMP/b-data"

# the client namespace and the veth tuskd A drives with af_packet
ip netns add "$NS"
BENCH_NS+=("$NS")
BENCH_ATEXIT+=("ip link del $IF")
ip link add "$IF" mtu 9000 type veth peer name eth0 mtu 9000 netns "$NS"
# af_packet hands tuskd frames as the veth has them: no offloads on
# either end (checksums filled, no super-frames), no IPv6 chatter
sysctl -qw "net.ipv6.conf.$IF.disable_ipv6=1"
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
for dev in "$IF" "$NS:eth0"; do
	if [ "$dev" = "$IF" ]; then run=(); d=$IF; else run=(ip netns exec "$NS"); d=eth0; fi
	"${run[@]}" ethtool -K "$d" rx off tx off sg off tso off gso off gro off \
		>/dev/null 2>&1 || true
done
ip link set "$IF" up
ip -n "$NS" link set lo up
ip -n "$NS" addr add 10.79.0.1/24 dev eth0
ip -n "$NS" link set eth0 up

# conf SIDE CORE OTHER MEM_MB: the [eal] and [tuskd] sections
conf_head() {
	cat <<CONF
[eal]
args = $(eal_lcores "$2" "$3") --file-prefix tusk-tpc-$1-$$ --no-pci --no-telemetry --no-huge -m $4

[tuskd]
lcores = 1
data_root = $TMP/$1-data
control_socket = $TMP/$1.sock
log_level = notice
data_pool_mb = 256

[auth]
name = tpc-$1
macaroon_secret = $TMP/$1.key

CONF
}
# each tuskd its own macaroon secret (owner-only: tuskd checks)
for side in a b; do
	(umask 077; openssl rand -hex 32 > "$TMP/$side.key")
done
{ conf_head a "$CORE_A" "$CORE_B" "$MEM_A_MB"; cat <<CONF
[port lab0]
device = net_af_packet0,iface=$IF
profile = af_packet
address = 10.79.0.2/24
mtu = 9000

[port m0]
device = net_memif0,socket=$TMP/memif.sock,id=0
profile = memif
address = 10.88.0.1/24
mtu = 9000
devargs = role=server
CONF
} > "$TMP/a.conf"
{ conf_head b "$CORE_B" "$CORE_A" "$MEM_B_MB"; cat <<CONF
[port m0]
device = net_memif0,socket=$TMP/memif.sock,id=0
profile = memif
address = 10.88.0.2/24
mtu = 9000
devargs = role=client
CONF
} > "$TMP/b.conf"

say "a random file of $MIB MiB on B"
head -c "$(( MIB << 20 ))" /dev/zero |
	openssl enc -aes-128-ctr -K "$(openssl rand -hex 16)" \
		-iv "$(openssl rand -hex 16)" -nosalt -out "$TMP/b-data/src.bin"
WANT=$(sha256sum < "$TMP/b-data/src.bin" | cut -d' ' -f1)

tuskd_start "$TMP/a.conf" "$TMP/a.log" "$TMP/a.sock"   # memif server first
tuskd_start "$TMP/b.conf" "$TMP/b.log" "$TMP/b.sock"
wait_link "$TMP/a.sock"
wait_link "$TMP/b.sock"
# tokens: curl's for A; A's for B goes in TransferHeaderAuthorization
token() {
	"$TUSKCTL" -s "$TMP/$1.sock" --json token mint path=/ \
		activity=read,create,modify,list ttl=3600 |
		python3 -c 'import json, sys; d = json.load(sys.stdin); print(d.get("result", d)["token"])'
}
TOK_A=$(token a)
TOK_B=$(token b)

# copy NAME HEADER...: COPY /NAME on A with the headers; SECS: its time,
# MARKERS: performance markers in its body; dies unless the body ends
# with "success: Created"
copy() {
	local name=$1 t0 t1 last
	shift
	t0=$(date +%s%N)
	ip netns exec "$NS" curl -sS -N --max-time "$COPY_MAX_S" -X COPY \
		-H "Authorization: Bearer $TOK_A" \
		-H "TransferHeaderAuthorization: Bearer $TOK_B" "$@" \
		-o "$TMP/copy.body" "http://10.79.0.2/$name" ||
		die "curl COPY $name failed"
	t1=$(date +%s%N)
	last=$(tail -n 1 "$TMP/copy.body")
	[ "$last" = "success: Created" ] || die "COPY $name: $last"
	MARKERS=$(grep -c '^Perf Marker$' "$TMP/copy.body" || true)
	SECS=$(awk -v n=$(( t1 - t0 )) 'BEGIN { printf "%.3f", n / 1e9 }')
}

check() {
	local got
	got=$(sha256sum < "$1" | cut -d' ' -f1)
	[ "$got" = "$WANT" ] || die "$1: sha256 $got, want $WANT"
}

rate() { awk -v s="$1" -v m="$MIB" 'BEGIN { printf "%.2f", m * 1048576 * 8 / s / 1e9 }'; }

say "warm-up pull (B hashes its file behind it)"
copy warm.bin -H "Source: http://10.88.0.2/src.bin"
check "$TMP/a-data/warm.bin"
PULLS=() PUSHES=()
for (( r = 1; r <= RUNS; r++ )); do
	rm -f "$TMP/a-data/pulled.bin" "$TMP/b-data/pushed.bin"
	copy pulled.bin -H "Source: http://10.88.0.2/src.bin" \
		-H 'RequireChecksumVerification: true'
	check "$TMP/a-data/pulled.bin"
	PULLS+=("$(rate "$SECS")")
	copy pulled.bin -H "Destination: http://10.88.0.2/pushed.bin"
	check "$TMP/b-data/pushed.bin"
	PUSHES+=("$(rate "$SECS")")
	say "run $r: pull ${PULLS[-1]} Gbit/s, push ${PUSHES[-1]} Gbit/s ($MARKERS markers in the push's body)"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
printf 'tpc %d MiB A<-B pull (4 streams, checksum verified): median %s Gbit/s (%s)\n' \
	"$MIB" "$(median "${PULLS[@]}")" "${PULLS[*]}"
printf 'tpc %d MiB A->B push (one PUT, Repr-Digest checked by B): median %s Gbit/s (%s)\n' \
	"$MIB" "$(median "${PUSHES[@]}")" "${PUSHES[*]}"
