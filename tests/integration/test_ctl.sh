#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_ctl: tuskd's control socket against hostile and idle clients, the
# `watch` event stream, and where `capture` may write.
#
#   +-- tuskd 10.77.0.2 ----------------------+        +-- peer 10.77.0.1 ------+
#   |  control socket  <- 20 idle clients     |  veth  |  range_server.py :8000 |
#   |                  <- tuskctl, watchers   |========|                        |
#   |  fetch client -> data root $WORK/root   |        |                        |
#   |  capture_dir $WORK/capture              |        |                        |
#   +-----------------------------------------+        +------------------------+
#
#   1. 20 clients connect and send nothing: all 16 slots are taken, yet
#      tuskctl is answered every time (each new client takes the slot of
#      the one idle the longest, which is told why); past
#      ctl_idle_timeout_s the rest are closed, told so.
#   2. A watcher sees a fetch go new -> probing -> running -> verifying ->
#      done, every event numbered without a gap, progress at most once a
#      second, and the final sha256 equal to the source's; `tuskctl watch`
#      prints the same as one line per event.
#   3. `capture` refuses an absolute path, "..", an existing file, a
#      symlink and a symlink on the way, each with its reason, touching
#      nothing; one capture of a ping lands under capture_dir and reads
#      back as pcap with the pings in it.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

readonly RANGE_PORT=8000
# Bound on the watched fetch (a few seconds at the paced rate).
readonly FETCH_MAX_S=120
# The file fetched while watched, and the rate it is paced at (tuskd's
# impairment stage, rx): a few seconds, so that progress is published.
readonly MIB=96
readonly PACE_MBPS=250
# Control clients idle this long are closed ([tuskd] ctl_idle_timeout_s);
# short so the test sees it, long enough that tuskctl runs inside it.
readonly IDLE_S=4
readonly IDLE_CLIENTS=20
# Slots of the control socket (app/ctl/ctl_server.h
# TUSK_CTL_SERVER_CLIENTS_MAX).
readonly SLOTS=16

# shellcheck source=tests/integration/fetch_lib.sh
. "$(dirname "$0")/fetch_lib.sh"

WATCH_PID=
TUSKCTL_WATCH_PID=
watchers_stop() {
	[ -z "$WATCH_PID" ] || kill_if ctl_peer.py "$WATCH_PID"
	[ -z "$TUSKCTL_WATCH_PID" ] || kill_if tuskctl "$TUSKCTL_WATCH_PID"
}
http_cleanup_add watchers_stop

need_lab
mkdir -p "$WORK/root" "$WORK/srv"
export TUSK_LAB_DATA=$WORK/root
export TUSK_LAB_TUSKD_ARGS="--set tuskd.ctl_idle_timeout_s=$IDLE_S --set tuskd.capture_dir=$WORK/capture"
lab_start a
SOCK=$LAB_STATE/tuskd.sock

note "1: $IDLE_CLIENTS idle clients on $SLOTS slots; tuskctl still answered"
python3 "$INTEG_DIR/ctl_peer.py" hold "$SOCK" "$IDLE_CLIENTS" \
	$(( IDLE_S * 2 + 2 )) "$WORK/ready" > "$WORK/fates.json" &
hold_pid=$!
for (( i = 0; i < 100; i++ )); do
	[ -e "$WORK/ready" ] && break
	kill -0 "$hold_pid" 2>/dev/null || fail "ctl_peer.py hold died"
	sleep 0.1
done
[ -e "$WORK/ready" ] || fail "idle clients not connected in 10 s"
for (( i = 0; i < 3; i++ )); do
	ctl_json stats > "$WORK/stats.json" ||
		fail "tuskctl stats with every slot held by idle clients"
	stat_of "$WORK/stats.json" rx_frames > /dev/null
done
wait "$hold_pid" || fail "ctl_peer.py hold failed"
fates=$(python3 -c 'import json, sys
f = json.load(open(sys.argv[1]))
print(f.count("evicted"), f.count("idle"), len(f) - f.count("evicted") - f.count("idle"))' "$WORK/fates.json")
read -r evicted idled others <<< "$fates"
note "idle clients: $evicted evicted, $idled closed as idle, $others else: $(cat "$WORK/fates.json")"
assert_eq "$others" 0 "idle clients neither evicted nor closed as idle"
# 4 by the clients past 16, at least 1 by tuskctl
[ "$evicted" -ge $(( IDLE_CLIENTS - SLOTS + 1 )) ] ||
	fail "$evicted clients evicted, wanted at least $(( IDLE_CLIENTS - SLOTS + 1 ))"
ctl_json help > /dev/null || fail "tuskctl after the idle clients"

note "2: watch a fetch from start to sha256"
mkrand "$WORK/srv/w.bin" "$MIB"
want=$(sha_of "$WORK/srv/w.bin")
srv_start --digest
python3 "$INTEG_DIR/ctl_peer.py" watch "$SOCK" "$WORK/watch.jsonl" &
WATCH_PID=$!
"$TUSKCTL" -s "$SOCK" watch > "$WORK/tuskctl-watch.txt" 2>&1 &
TUSKCTL_WATCH_PID=$!
for (( i = 0; i < 100; i++ )); do
	grep -qs snapshot "$WORK/watch.jsonl" &&
		grep -qs snapshot "$WORK/tuskctl-watch.txt" && break
	sleep 0.1
done
grep -q snapshot "$WORK/watch.jsonl" || fail "no snapshot for the watcher"
ctl_json impair port=lab0 dir=rx "rate_mbps=$PACE_MBPS" > /dev/null ||
	fail "cannot pace tuskd's port"
id=$(fetch "http://$PEER_ADDR:$RANGE_PORT/w.bin" w.bin 4)
assert_done "$id" "watched fetch"
ctl_json impair port=lab0 dir=rx clear=1 > /dev/null || fail "impair clear"
assert_eq "$(sha_of "$WORK/root/w.bin")" "$want" "sha256 of the fetched file"
for (( i = 0; i < 50; i++ )); do
	grep -q '"state": "done"' "$WORK/watch.jsonl" &&
		grep -q -- '-> done' "$WORK/tuskctl-watch.txt" && break
	sleep 0.1
done
kill_if ctl_peer.py "$WATCH_PID"
kill_if tuskctl "$TUSKCTL_WATCH_PID"
python3 "$INTEG_DIR/ctl_peer.py" check-watch "$WORK/watch.jsonl" "$id" "$want" \
	> "$WORK/check.txt" || fail "watch stream: $(cat "$WORK/check.txt")"
note "ok: $(cat "$WORK/check.txt")"
grep -q "$id verifying -> done  sha256 $want" "$WORK/tuskctl-watch.txt" ||
	fail "tuskctl watch did not print the done line: $(cat "$WORK/tuskctl-watch.txt")"
grep -q "$id new -> probing" "$WORK/tuskctl-watch.txt" ||
	fail "tuskctl watch did not print the start"
note "ok: tuskctl watch: $(grep -c . "$WORK/tuskctl-watch.txt") lines:"
sed 's/^/#   /' "$WORK/tuskctl-watch.txt"

note "3: capture writes only new files under capture_dir"
mkdir -p "$WORK/outside"
refuse() {
	local file=$1 why=$2 out
	out=$("$TUSKCTL" -s "$SOCK" capture lab0 "file=$file" count=1 2>&1) &&
		fail "capture file=$file accepted"
	case $out in *"$why"*) ;; *) fail "capture file=$file: \"$out\" lacks \"$why\"" ;; esac
}
refuse "$WORK/outside/abs.pcap" "must be a name"
refuse "../outside/up.pcap" "must be a name"
mkdir -p "$WORK/capture"
echo keep > "$WORK/capture/old.pcap"
refuse old.pcap "exists"
assert_eq "$(cat "$WORK/capture/old.pcap")" keep "an existing file is left alone"
ln -s "$WORK/outside/target.pcap" "$WORK/capture/link.pcap"
refuse link.pcap "exists"
ln -s "$WORK/outside" "$WORK/capture/out"
refuse out/x.pcap "a symlink is on the way"
assert_eq "$(ls -A "$WORK/outside")" "" "nothing written outside capture_dir"
ctl_json capture lab0 file=ping.pcap count=6 > "$WORK/cap.json" ||
	fail "capture ping.pcap: $(cat "$WORK/cap.json")"
assert_eq "$(ping_count -c 3 -i 0.2)" 3 "pings answered during the capture"
# the capture ends by itself after `count` frames: ports shows none then
for (( i = 0; i < 50; i++ )); do
	ctl_json ports | grep -q '"capture": null' && break
	sleep 0.1
done
ctl_json ports | grep -q '"capture": null' || fail "capture did not end"
python3 "$INTEG_DIR/ctl_peer.py" check-pcap "$WORK/capture/ping.pcap" 6 \
	> "$WORK/pcap.txt" || fail "ping.pcap: $(cat "$WORK/pcap.txt")"
assert_eq "$(stat -c %a "$WORK/capture/ping.pcap")" 640 "mode of the capture"
note "ok: capture under capture_dir ($(cat "$WORK/pcap.txt")), refusals touched nothing"
