#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_ctrld_session: tusk-ctrld sessions end to end in the lab.
#
#   +-- host ------------------------------------+        +-- peer 10.77.0.1 ------+
#   | tuskctl session ... -> tusk-ctrld          |        | range_server.py :8000  |
#   |                 journal, hand-off $WORK/store|      |   --digest, PROPFIND   |
#   |                        | tuskd.sock        |  veth  | :8001 --flaky 503      |
#   | tuskd 10.77.0.2 fetch -> $WORK/root <------|========|                        |
#   +--------------------------------------------+        +------------------------+
#
#   1. Three files by URL, checksum both, copied to the archive: FINISHED
#      (followed by `tuskctl session watch`, one line per change), each
#      stored file identical to the source, its sha256 the source's,
#      nothing else in storage; the history names each step.
#   2. The same data set by a WebDAV collection (PROPFIND Depth 1), moved:
#      FINISHED, identical, the data root copies gone.
#   3. Retries: a server failing every other request (503): tuskd retries
#      its streams, FINISHED, identical; a file that appears on the server
#      after its first attempt failed (404) is fetched by tusk-ctrld's
#      retry after the backoff; a missing file fails after 1 + retries
#      attempts with the server's reason: FINISHEDDIRTY. A collection
#      whose listing is answered 503 is listed again after the backoff;
#      one nobody answers fails after 1 + retries listings.
#   4. Cancel mid-transfer (paced by tuskd's impairment stage): CANCELED,
#      tuskd's transfer stopped, nothing in storage.
#   5. Bad specs are refused with the field named; an existing different
#      file in storage is not overwritten.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

readonly RANGE_PORT=8000
readonly FLAKY_PORT=8001
# Nothing listens there.
readonly DEAD_PORT=8002
readonly FETCH_MAX_S=120
# shellcheck source=tests/integration/fetch_lib.sh
. "$(dirname "$0")/fetch_lib.sh"
# shellcheck source=tests/integration/ctrld_lib.sh
. "$(dirname "$0")/ctrld_lib.sh"

# tuskd's rx rate while a transfer is to be caught in the middle.
readonly PACE_MBPS=200

FLAKY_PID=
flaky_stop() { [ -z "$FLAKY_PID" ] || kill_if range_server.py "$FLAKY_PID"; }
http_cleanup_add flaky_stop

need_lab
need_ctrld
mkdir -p "$WORK/root" "$WORK/srv/set"
export TUSK_LAB_DATA=$WORK/root
lab_start a
mkrand "$WORK/srv/set/a.bin" 24
mkrand "$WORK/srv/set/b.bin" 8
head -c 12345 /dev/urandom > "$WORK/srv/set/c.dat"
mkrand "$WORK/srv/big.bin" 256
srv_start --digest
base=http://$PEER_ADDR:$RANGE_PORT
CTRLD_CONF_EXTRA="retries = 2" ctrld_conf
ctrld_start

note "1: three files by URL, checksum both, copied to the archive"
id=$(submit '{"name": "three", "source": ["'$base'/set/a.bin",
	"'$base'/set/b.bin", "'$base'/set/c.dat"], "destination": "run1",
	"checksum": "both", "streams": 4,
	"handoff": [{"storage": "archive", "path": "one"}]}')
# followed with tuskctl session watch (piped: one line per change)
timeout "$SESSION_MAX_S" "$TUSKCTL" -s "$CTRLD_SOCK" session watch "$id" \
	> "$WORK/watch.log" || fail "session watch: exit $? ($(cat "$WORK/watch.log"))"
assert_eq "$(tail -1 "$WORK/watch.log")" "session $id: FINISHED" "watch's last line"
assert_eq "$(grep -c ': DONE$' "$WORK/watch.log")" 3 "files DONE in watch"
wait_session "$id" FINISHED
for f in a.bin b.bin c.dat; do
	same_bytes "$WORK/srv/set/$f" "$WORK/store/one/$f" "stored $f"
	same_bytes "$WORK/srv/set/$f" "$WORK/root/run1/$f" "data root $f"
done
assert_eq "$(visible "$WORK/store")" "one/a.bin one/b.bin one/c.dat " \
	"files in storage"
assert_eq "$(sget "$id" 's["file_list"][0]["sha256"]')" \
	"$(sha_of "$WORK/srv/set/a.bin")" "a.bin's sha256 in show"
assert_eq "$(sget "$id" 's["file_list"][0]["source_sha256"]')" \
	"$(sha_of "$WORK/srv/set/a.bin")" "a.bin's source digest in show"
assert_eq "$(sget "$id" '",".join(e["what"] for e in s["history"] if e["file"] == 2)')" \
	"TRANSFERRING,VERIFYING,HANDOFF,DONE" "c.dat's history"
"$TUSKCTL" -s "$CTRLD_SOCK" session show "$id"

note "2: a WebDAV collection, listed with PROPFIND, moved"
id=$(submit '{"source": "'$base'/set/", "destination": "run2",
	"checksum": "target",
	"handoff": [{"storage": "archive", "mode": "move"}]}')
wait_session "$id" FINISHED
assert_eq "$(sget "$id" 's["files"]')" 3 "files listed"
for f in a.bin b.bin c.dat; do
	same_bytes "$WORK/srv/set/$f" "$WORK/store/run2/$f" "moved $f"
done
assert_eq "$(visible "$WORK/root/run2")" "" "data root after the move"
id=$(submit '{"source": "'$base'/nothing-here/", "destination": "run2b"}')
wait_session "$id" FAILED
note "ok: $(sget "$id" 's["reason"]')"

note "3: a server failing every other request, a late file, a missing one"
ip netns exec "$TUSK_LAB_NS" python3 "$INTEG_DIR/range_server.py" \
	--bind "$PEER_ADDR" --port "$FLAKY_PORT" --flaky 503 --quiet \
	"$WORK/srv" > "$WORK/flaky.log" 2>&1 &
FLAKY_PID=$!
for (( i = 0; i < 100; i++ )); do
	grep -q '^listening' "$WORK/flaky.log" && break
	sleep 0.1
done
flaky=http://$PEER_ADDR:$FLAKY_PORT
id=$(submit '{"source": ["'$flaky'/set/a.bin", "'$flaky'/set/b.bin"],
	"destination": "run3", "handoff": [{"storage": "archive"}]}')
wait_session "$id" FINISHED
for f in a.bin b.bin; do
	same_bytes "$WORK/srv/set/$f" "$WORK/store/run3/$f" "flaky $f"
done
retried=$(( $(xfers run3/a.bin retries) + $(xfers run3/b.bin retries) ))
[ "$retried" -ge 1 ] || fail "tuskd retried nothing against the flaky server"
note "ok: tuskd retried $retried times, tusk-ctrld saw" \
	"$(sget "$id" 'sum(f["attempts"] for f in s["file_list"])') failures"
# A listing answered 503 (the flaky server's first answer) is retried
# after the backoff; one nobody answers fails after 1 + retries tries.
id=$(submit '{"source": "'$flaky'/set/", "destination": "run3c",
	"checksum": "target"}')
wait_session "$id" FINISHED
assert_eq "$(sget "$id" 's["files"]')" 3 "files listed after a 503"
grep -q "session $id: listing failed (PROPFIND .*HTTP 503), try 2 of 3" \
	"$WORK/ctrld.log" || fail "no listing retry after a 503 in ctrld.log"
id=$(submit '{"source": "http://'$PEER_ADDR':'$DEAD_PORT'/set/",
	"destination": "run3d"}')
wait_session "$id" FAILED
reason=$(sget "$id" 's["reason"]')
case $reason in *"Couldn't connect"*) ;;
	*) fail "listing with nobody listening: reason $reason" ;; esac
assert_eq "$(grep -c "session $id: listing failed" "$WORK/ctrld.log")" 2 \
	"listing retries with nobody listening"
note "ok: listings retried: $reason"
# late.bin appears on the server only after its first attempt failed:
# tuskd gives up on a 404, tusk-ctrld tries again after its backoff
id=$(submit '{"source": ["'$base'/late.bin", "'$base'/missing.bin"],
	"destination": "run3b", "handoff": [{"storage": "archive"}]}')
wait_file "$id" 0 WAIT_FETCH
cp "$WORK/srv/set/b.bin" "$WORK/srv/late.bin"
wait_session "$id" FINISHEDDIRTY
same_bytes "$WORK/srv/late.bin" "$WORK/store/run3b/late.bin" "late.bin"
[ "$(sget "$id" 's["file_list"][0]["attempts"]')" -ge 1 ] ||
	fail "late.bin: no failed attempt counted"
assert_eq "$(sget "$id" 's["file_list"][1]["state"]')" FAILED "missing.bin"
assert_eq "$(sget "$id" 's["file_list"][1]["attempts"]')" 3 \
	"missing.bin's attempts (1 + retries)"
reason=$(sget "$id" 's["file_list"][1]["reason"]')
case $reason in *404*) note "ok: missing.bin: $reason" ;;
	*) fail "missing.bin's reason: $reason" ;; esac
assert_eq "$(visible "$WORK/store/run3b")" "late.bin " "run3b in storage"
note "ok: $(sget "$id" 's["reason"]')"

note "4: cancel mid-transfer"
ctl_json impair port=lab0 dir=rx "rate_mbps=$PACE_MBPS" > /dev/null ||
	fail "cannot pace tuskd's port"
id=$(submit '{"source": ["'$base'/big.bin"], "destination": "run4",
	"handoff": [{"storage": "archive"}]}')
wait_bytes_over "$id" $(( 16 << 20 ))
sess cancel "$id" > /dev/null || fail "cancel refused"
wait_session "$id" CANCELED
for (( i = 0; i < 50; i++ )); do
	st=$(ctl_json transfers | python3 -c 'import json, sys
print([x["state"] for x in json.load(sys.stdin)["result"] if x["dest"] == "run4/big.bin"][-1])')
	[ "$st" = cancelled ] && break
	sleep 0.1
done
assert_eq "$st" cancelled "tuskd's transfer after cancel"
[ ! -e "$WORK/store/run4" ] || fail "a canceled session wrote to storage"
ctl_json impair port=lab0 dir=rx clear=1 > /dev/null || fail "impair clear"
sess cancel "$id" > /dev/null 2>&1 && fail "a second cancel was accepted"

note "5: bad specs and overwrite"
bad() {
	echo "$1" > "$WORK/bad.json"
	out=$("$TUSKCTL" -s "$CTRLD_SOCK" session submit "$WORK/bad.json" 2>&1) &&
		fail "accepted: $1"
	case $out in *"$2"*) note "ok: refused: $out" ;;
		*) fail "spec $1: got \"$out\", want \"$2\"" ;; esac
}
bad '{"source": ["'$base'/a"], "destination": "../x"}' \
	'destination: escapes its root'
bad '{"source": ["'$base'/a"], "destination": "x", "handoff": [{"storage": "tape"}]}' \
	'handoff[0].storage: no [storage tape]'
bad '{"source": [], "destination": "x"}' 'source: empty list'
bad '{"source": ["'$base'/a"], "destination": "x", "checksum": "md5"}' \
	'checksum: one of none, source, target, both'
bad '{"source": ["'$base'/a"], "destination": "x", "analysis": [{"launcher": "gpu", "job": {"command": ["true"]}}]}' \
	'analysis[0].launcher: no [launcher gpu]'
echo "not the same" > "$WORK/store/one/c.dat.keep"
cp "$WORK/store/one/c.dat.keep" "$WORK/store/one/c.dat"
id=$(submit '{"source": ["'$base'/set/c.dat"], "destination": "run5",
	"handoff": [{"storage": "archive", "path": "one"}]}')
wait_session "$id" FAILED
same_bytes "$WORK/store/one/c.dat.keep" "$WORK/store/one/c.dat" \
	"a different file in storage, not overwritten"
note "ok: $(sget "$id" 's["file_list"][0]["reason"]')"
note "sessions:"
"$TUSKCTL" -s "$CTRLD_SOCK" session list
