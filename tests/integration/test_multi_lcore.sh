#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_multi_lcore: tuskd with two worker lcores on a two-queue af_packet
# port (qpairs=2: the kernel's fan-out hashes each flow to one queue, as
# RSS would), against the Linux peer.
#
#   +-- tuskd 10.77.0.2 ------------------+        +-- peer 10.77.0.1 ---------+
#   |  worker 1: stack, queue 0           |  veth  |  range_server.py :8000    |
#   |  worker 2: stack, queue 1           |========|  socat :9 (bulk sink)     |
#   |  each opens connections from its    |        |  curl (GETs)              |
#   |  own share of the ephemeral ports   |        |                           |
#   +-------------------------------------+        +---------------------------+
#
#   1. tuskd fetches a file with 8 range streams: every stream's replies
#      reach the stream's lcore wherever the fan-out put them (steered
#      through the other lcore's inbox), no attempt fails, SHA-256 equal.
#   2. Four bulk sources to the peer: each delivers every byte.
#   3. 8 concurrent curl GETs (served connections, spread by the fan-out):
#      every file intact.
#   4. Some segments were steered (`tcp_steered`), none lost on the way
#      (`steer_drops`), and no reset answered a reply of ours (a segment
#      no connection or listener of the lcore owns is counted in
#      drops.tcp_no_listener and answered with a reset: none).
# Without steering, a reply landing on the other lcore's queue is answered
# with a reset and the fetch's streams fail (step 1 counts failed attempts).

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

readonly MIB=${MULTI_TEST_MIB:-64}
readonly RANGE_PORT=8000
readonly FETCH_MAX_S=120
readonly STREAMS=8
readonly BULK_BYTES=3333333
readonly BULKS=4
readonly GETS=8
# shellcheck source=tests/integration/fetch_lib.sh
. "$(dirname "$0")/fetch_lib.sh"

need_lab
need_cmd socat
mkdir -p "$WORK/root" "$WORK/srv"
export TUSK_LAB_DATA=$WORK/root
# main lcore and worker 1 on CPU 0, worker 2 on CPU 1: two workers on a
# two-CPU machine (the main lcore sleeps in the control socket's poll)
export TUSK_LAB_LCORES=0@0,1@0,2@1
export TUSK_LAB_TUSKD_ARGS="--set port.lab0.devargs=qpairs=2"
lab_start a
SOCK=$LAB_STATE/tuskd.sock
WATCH="$REPO/tests/bench/bulk_watch.py"
workers=$(ctl_json stats | python3 -c 'import json, sys
print(len(json.load(sys.stdin)["result"]["lcores"]))')
assert_eq "$workers" 2 "worker lcores"
stats_save "$WORK/before.json"

note "1: fetch of $MIB MiB with $STREAMS streams"
mkrand "$WORK/srv/f.bin" "$MIB"
want=$(sha_of "$WORK/srv/f.bin")
srv_start
id=$(fetch "http://$PEER_ADDR:$RANGE_PORT/f.bin" f.bin "$STREAMS")
assert_done "$id" "fetch over two lcores"
assert_eq "$(xget "$id" retries)" 0 "failed attempts"
assert_eq "$(sha_of "$WORK/root/f.bin")" "$want" "sha256 of the fetched file"

note "2: $BULKS bulk sources of $BULK_BYTES bytes to the peer"
for (( n = 0; n < BULKS; n++ )); do
	peer socat -u TCP-LISTEN:9,reuseaddr "OPEN:$WORK/bulk$n,creat,trunc" &
	spid=$!
	sleep 0.3
	bid=$("$WATCH" "$SOCK" start dst="$PEER_ADDR" port=9 bytes="$BULK_BYTES")
	res=$("$WATCH" "$SOCK" watch --id "$bid" --wait 60 --every 0.2)
	for (( i = 0; i < 100; i++ )); do
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$spid" 2>/dev/null && fail "socat still running after the FIN"
	wait "$spid" || true
	echo "$res" | grep -q '"state": "done"' || fail "bulk $n: $res"
	assert_eq "$(stat -c %s "$WORK/bulk$n")" "$BULK_BYTES" "bulk $n bytes received"
done

note "3: $GETS concurrent GETs"
pids=()
for (( n = 0; n < GETS; n++ )); do
	head -c $(( (n + 1) << 20 )) "$WORK/srv/f.bin" > "$WORK/root/g$n.bin"
	tcurl -sS --noproxy '*' --max-time 60 -o "$WORK/got$n" \
		"http://$TUSKD_ADDR:$HTTP_PORT/g$n.bin" &
	pids+=($!)
done
for (( n = 0; n < GETS; n++ )); do
	wait "${pids[$n]}" || fail "GET $n failed"
	same_file "$WORK/root/g$n.bin" "$WORK/got$n" "GET $n"
done
note "ok: $GETS files intact"

note "4: counters"
stats_save "$WORK/after.json"
steered=$(( $(stat_of "$WORK/after.json" tcp_steered) -
	    $(stat_of "$WORK/before.json" tcp_steered) ))
[ "$steered" -gt 0 ] || fail "no segment was steered: the fan-out put every flow on its lcore's queue (rerun) or steering is off"
note "ok: $steered segments steered to the lcore owning their port"
drops=$(python3 -c 'import json, sys
print(sum(l.get("steer_drops", 0) for l in json.load(open(sys.argv[1]))["result"]["lcores"]))' "$WORK/after.json")
assert_eq "$drops" 0 "steer_drops"
resets=$(( $(stat_of "$WORK/after.json" drops.tcp_no_listener) -
	   $(stat_of "$WORK/before.json" drops.tcp_no_listener) ))
assert_eq "$resets" 0 "segments answered with a reset (drops.tcp_no_listener)"
