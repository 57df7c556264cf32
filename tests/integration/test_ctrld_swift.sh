#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_ctrld_swift: tusk-ctrld sessions whose hand-off is OpenStack Swift,
# against a real Swift all-in-one (tests/integration/swift_aio.py) that
# this test starts in the lab's peer namespace, beside tusk-ctrld (which
# runs there too: ctrld_lib.sh), and stops by PID.
#
# The platform is swift_lab.sh's; analysis images from Swift are
# test_ctrld_swift_image.sh's.
#
#   peer ns: range_server.py :8000, Swift (proxy, account, container,
#            object, memcached on 127.0.0.1), tusk-ctrld
#   tuskd --fetch--> $WORK/root --swift hand-off--> Swift container "runs"
#
#   1. Three files, the biggest an SLO of 4 MiB segments: FINISHED; each
#      object read back with curl is the source's bytes, its
#      X-Object-Meta-Sha256 the sha256 tuskd computed on arrival; the big
#      one a manifest of 7 segments; a second session of the same files
#      finds them there and sends nothing (Swift's timestamps unchanged).
#   2. tusk-ctrld SIGKILLed mid-SLO (the hand-off paced by max_send_mbps),
#      restarted: FINISHED, identical, and the segments Swift had at the
#      kill are not sent again (same last_modified); the journal kept them.
#   3. An object of the same name that differs: FAILED with the reason,
#      not replaced.
#   4. The pilot's shape: a session handed off to Swift whose analysis
#      runs through Marathon (the strict stand-in, marathon_standin.py, in
#      the peer namespace, validating every app definition against
#      Marathon's schema and running the job for real under bubblewrap):
#      FINISHED; the job's output (sha256sum of /data inside the job) is
#      the sources' digests; the stand-in rejected no definition.
#   5. A data set parked in Swift as a session's source
#      (swift://pilot/runs/run1/): listed, read into the data root with
#      ranged GETs (a.bin over 3 connections), verified against each
#      object's SHA-256 metadata, analysed through Marathon: FINISHED,
#      identical; objects without the metadata FAIL with that reason.
#      Then `tuskctl notebook start user=alice session=ID` on that data
#      (MarathonSpawner's app /tusk/alice on the stand-in, a stand-in
#      server on the mapped port: Python's http.server in /data) prints
#      host:port once healthy, and the server there serves the session's
#      data byte for byte; a second start is refused (409); `notebook
#      stop` returns once the deployment ended, and the port is closed.
#   6. Swift down at submit: the file waits in WAIT_HANDOFF (reason naming
#      the failed connection), retried after the backoff, then FAILED
#      with that reason after 1 + retries attempts.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

readonly RANGE_PORT=8000
readonly FETCH_MAX_S=120
# shellcheck source=tests/integration/fetch_lib.sh
. "$(dirname "$0")/fetch_lib.sh"
# shellcheck source=tests/integration/ctrld_lib.sh
. "$(dirname "$0")/ctrld_lib.sh"

# shellcheck source=tests/integration/swift_lab.sh
. "$(dirname "$0")/swift_lab.sh"

note "1: three files handed off to Swift, the biggest as an SLO"
id=$(submit '{"name": "sw1", "source": ["'$base'/set/a.bin",
	"'$base'/set/b.bin", "'$base'/set/c.dat"], "destination": "run1",
	"checksum": "both",
	"handoff": [{"type": "swift", "storage": "pilot", "container": "runs"}]}')
wait_session "$id" FINISHED
for f in a.bin b.bin c.dat; do
	got "run1/$f" "$WORK/srv/set/$f"
	assert_eq "$(meta_sha "runs/run1/$f")" "$(sget "$id" \
		"[x['sha256'] for x in s['file_list'] if x['name'] == '$f'][0]")" \
		"X-Object-Meta-Sha256 of $f = tuskd's digest"
	assert_eq "$(meta_sha "runs/run1/$f")" "$(sha_of "$WORK/srv/set/$f")" \
		"X-Object-Meta-Sha256 of $f = the source's sha256"
done
n=$(scurl "$SURL/runs/run1/a.bin?multipart-manifest=get" |
	python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
assert_eq "$n" 7 "a.bin's manifest entries (26 MiB in 4 MiB segments)"
assert_eq "$(sget "$id" '",".join(e["what"] for e in s["history"] if e["file"] == 2)')" \
	"TRANSFERRING,VERIFYING,HANDOFF,DONE" "c.dat's history"
segs run1/a.bin/ > "$WORK/segs1"
scurl -I "$SURL/runs/run1/b.bin" | tr -d '\r' | grep -i '^last-modified' > "$WORK/lm1"
id=$(submit '{"name": "sw1again", "source": ["'$base'/set/a.bin",
	"'$base'/set/b.bin"], "destination": "run1b", "checksum": "target",
	"handoff": [{"storage": "pilot", "container": "runs", "prefix": "run1/"}]}')
wait_session "$id" FINISHED
segs run1/a.bin/ > "$WORK/segs1b"
cmp -s "$WORK/segs1" "$WORK/segs1b" || fail "segments rewritten by a session finding them there"
scurl -I "$SURL/runs/run1/b.bin" | tr -d '\r' | grep -i '^last-modified' > "$WORK/lm1b"
cmp -s "$WORK/lm1" "$WORK/lm1b" || fail "b.bin rewritten by a session finding it there"
note "ok: objects already there with the same sha256 are not sent again"

note "2: tusk-ctrld killed mid-SLO, restarted"
ctrld_stop
swift_conf $PACED_MBPS
ctrld_start
id=$(submit '{"name": "sw2", "source": ["'$base'/big/paced.bin"],
	"destination": "run2",
	"handoff": [{"storage": "pilot", "container": "runs"}]}')
for (( i = 0; i < SESSION_MAX_S * 10; i++ )); do
	[ "$(journal_segs "$id")" -ge 3 ] && break
	sleep 0.1
done
ctrld_kill9
had=$(journal_segs "$id")
segs run2/paced.bin/ > "$WORK/segs2"
[ "$had" -ge 3 ] && [ "$had" -lt 12 ] || fail "$had of 12 segments journaled at the kill"
[ "$(wc -l < "$WORK/segs2")" -ge "$had" ] || fail "journaled segments missing in Swift"
note "killed tusk-ctrld with $had segments journaled, $(wc -l < "$WORK/segs2") in Swift"
swift_conf 0
ctrld_start
wait_session "$id" FINISHED
got run2/paced.bin "$WORK/srv/big/paced.bin"
assert_eq "$(meta_sha runs/run2/paced.bin)" "$(sha_of "$WORK/srv/big/paced.bin")" \
	"paced.bin's X-Object-Meta-Sha256"
segs run2/paced.bin/ > "$WORK/segs2b"
assert_eq "$(wc -l < "$WORK/segs2b")" 12 "paced.bin's segments"
assert_eq "$(grep -cxFf "$WORK/segs2" "$WORK/segs2b")" "$(wc -l < "$WORK/segs2")" \
	"segments in Swift at the kill, untouched (same last_modified)"
assert_eq "$(journal_segs "$id")" 12 "segments journaled"

note "3: a different object of the same name is not replaced"
echo "not the same" > "$WORK/other"
peer curl -sf -X PUT -H "X-Auth-Token: $TOK" -T "$WORK/other" "$SURL/runs/run3/c.dat" ||
	fail "PUT the other object"
id=$(submit '{"source": ["'$base'/set/c.dat"], "destination": "run3",
	"handoff": [{"storage": "pilot", "container": "runs"}]}')
wait_session "$id" FAILED
got run3/c.dat "$WORK/other"
reason=$(sget "$id" 's["file_list"][0]["reason"]')
case $reason in *"exists and differs"*) note "ok: $reason" ;;
	*) fail "c.dat's reason: $reason" ;; esac

note "4: hand-off to Swift, analysis through Marathon"
id=$(submit '{"name": "pilot", "source": ["'$base'/set/a.bin",
	"'$base'/set/b.bin"], "destination": "run4", "checksum": "both",
	"handoff": [{"storage": "pilot", "container": "runs"}],
	"analysis": [{"launcher": "cluster", "job": {"command": ["sh", "-c",
		"cd /data && sha256sum a.bin b.bin > /out/sums.txt"]}}]}')
wait_session "$id" FINISHED
for f in a.bin b.bin; do
	got "run4/$f" "$WORK/srv/set/$f"
done
assert_eq "$(sget "$id" 's["analysis"][0]["outputs"]')" "['sums.txt']" "the job's outputs"
out=$WORK/ctrld/state/outputs/$(sget "$id" 's["analysis"][0]["job_id"]')/sums.txt
(cd "$WORK/srv/set" && sha256sum a.bin b.bin) > "$WORK/sums.want"
cmp -s "$WORK/sums.want" "$out" || fail "the job's sums.txt: $(cat "$out")"
note "ok: the Marathon job's sha256sum of /data = the sources' digests"
assert_eq "$(sget "$id" 's["analysis"][0]["state"]')" SUCCEEDED "the Marathon job"
posts=$(peer curl -sf -u tusk:s3cret "$MARATHON/_standin/stats" | python3 -c 'import json,sys
d = json.load(sys.stdin); print(d["validations"], d["schema_failures"])')
read -r nval nbad <<< "$posts"
[ "$nval" -ge 1 ] || fail "the stand-in validated no app definition"
assert_eq "$nbad" 0 "app definitions the stand-in's schema rejected"

note "5: a data set in Swift as the source, analysed through Marathon"
id=$(submit '{"name": "parked", "source": "swift://pilot/runs/run1/",
	"destination": "run5", "checksum": "both",
	"analysis": [{"launcher": "cluster", "job": {"command": ["sh", "-c",
		"cd /data && sha256sum a.bin b.bin c.dat > /out/sums.txt"]}}]}')
wait_session "$id" FINISHED
assert_eq "$(sget "$id" 's["files"]')" 3 "objects listed under runs/run1/"
for f in a.bin b.bin c.dat; do
	same_bytes "$WORK/srv/set/$f" "$WORK/root/run5/$f" "from Swift: $f"
	assert_eq "$(sget "$id" "[x['source_sha256'] for x in s['file_list'] if x['name'] == '$f'][0]")" \
		"$(sha_of "$WORK/srv/set/$f")" "$f's digest from its object's metadata"
done
(cd "$WORK/srv/set" && sha256sum a.bin b.bin c.dat) > "$WORK/sums.want"
cmp -s "$WORK/sums.want" "$WORK/ctrld/state/outputs/$(sget "$id" 's["analysis"][0]["job_id"]')/sums.txt" ||
	fail "the job's sums.txt over the data set from Swift"
note "ok: the Marathon job's sha256sum of the data set from Swift = the sources'"
nb() { "$TUSKCTL" -s "$CTRLD_SOCK" notebook "$@"; }
addr=$(timeout 120 "$TUSKCTL" -s "$CTRLD_SOCK" notebook start user=alice "session=$id" timeout=90) ||
	fail "notebook start: $addr"
case $addr in 127.0.0.1:[0-9]*) note "ok: alice's notebook at $addr" ;;
	*) fail "notebook start printed \"$addr\"" ;; esac
peer curl -sf -o "$WORK/nb.a.bin" "http://$addr/a.bin" || fail "GET a.bin from the notebook server"
same_bytes "$WORK/srv/set/a.bin" "$WORK/nb.a.bin" "a.bin through alice's notebook server"
healthy=$(peer curl -sf -u tusk:s3cret "$MARATHON/v2/apps/tusk/alice?embed=app.tasks" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["app"]["tasksHealthy"])')
assert_eq "$healthy" 1 "tasksHealthy of /tusk/alice"
out=$(nb start user=alice "session=$id" 2>&1) && fail "a second notebook for alice started"
case $out in *409*"already exists"*) note "ok: refused: $out" ;;
	*) fail "second start: $out" ;; esac
out=$(nb start user=bob session=999999 2>&1) && fail "a notebook on no session started"
note "ok: refused: $out"
assert_eq "$(timeout 120 "$TUSKCTL" -s "$CTRLD_SOCK" notebook stop user=alice timeout=90)" stopped "notebook stop"
peer curl -s -o /dev/null "http://$addr/" && fail "alice's server still answers after stop"
code=$(peer curl -s -o /dev/null -w '%{http_code}' -u tusk:s3cret "$MARATHON/v2/apps/tusk/alice")
assert_eq "$code" 404 "/tusk/alice after stop"
out=$(nb stop user=alice 2>&1) && fail "stopping a stopped notebook passed"
note "ok: refused: $out"
nval=$(peer curl -sf -u tusk:s3cret "$MARATHON/_standin/stats" | python3 -c 'import json,sys
d = json.load(sys.stdin); print(d["validations"], d["schema_failures"])')
assert_eq "${nval#* }" 0 "app definitions (jobs and notebooks: ${nval% *}) the stand-in's schema rejected"
id=$(submit '{"source": "swift://pilot/runs/run3/", "destination": "run5b"}')
wait_session "$id" FAILED
reason=$(sget "$id" 's["file_list"][0]["reason"]')
case $reason in *"has no X-Object-Meta-Sha256"*) note "ok: $reason" ;;
	*) fail "an object without a digest: $reason" ;; esac
bad_src=$(sess submit <(echo '{"source": "swift://archive/runs/", "destination": "x"}') 2>&1) &&
	fail "a swift:// source on a posix storage was accepted"
case $bad_src in *"source: no [storage archive] type = swift"*) note "ok: refused: $bad_src" ;;
	*) fail "swift:// on posix storage: $bad_src" ;; esac

note "6: Swift down at submit: waits, retries, then fails with the reason"
swift_stop
id=$(submit '{"source": ["'$base'/set/b.bin"], "destination": "run7",
	"handoff": [{"storage": "pilot", "container": "runs"}]}')
wait_file "$id" 0 WAIT_HANDOFF
reason=$(sget "$id" 's["file_list"][0]["reason"]')
case $reason in *"handoff[0] to pilot: swift: "*"onnect"*"gave up after 2 tries"*) note "ok: waiting: $reason" ;;
	*) fail "b.bin's reason while waiting: $reason" ;; esac
wait_session "$id" FAILED
assert_eq "$(sget "$id" 's["file_list"][0]["attempts"]')" 3 "hand-off attempts (1 + retries)"
reason=$(sget "$id" 's["file_list"][0]["reason"]')
case $reason in *"handoff[0] to pilot: swift: "*"onnect"*) note "ok: failed: $reason" ;;
	*) fail "b.bin's final reason: $reason" ;; esac
[ -f "$WORK/root/run7/b.bin" ] || fail "the verified file left the data root"
"$TUSKCTL" -s "$CTRLD_SOCK" session list
echo "PASS: $TEST_NAME"
