# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# swift_lab.sh: the pilot's platform in the lab for test_ctrld_swift*.sh
# (sourced after http_lib.sh, fetch_lib.sh and ctrld_lib.sh, with
# RANGE_PORT set): a lab (tuskd), the peer serving set/a.bin (26 MiB),
# set/b.bin (3 MiB), set/c.dat and big/paced.bin (48 MiB); in the peer
# namespace a real Swift all-in-one (swift_aio.py), the strict Marathon
# stand-in and tusk-ctrld with [storage pilot] type = swift, [launcher
# local] (bwrap) and [launcher cluster] (marathon); helpers to look at
# Swift as the test (curl, tempauth). Everything stops by PID at exit.

readonly SEG_MB=4
readonly IMAGE=/var/lib/tusk/images/analysis
# Bound on the Marathon stand-in writing its port file.
readonly STANDIN_START_S=10
MARATHON_PID=
# The hand-off's pace while tusk-ctrld is to be killed in the middle.
readonly PACED_MBPS=40
AIO=$WORK/aio

need_lab
need_ctrld
need_cmd memcached sha256sum
[ -x /usr/bin/swift-proxy-server ] ||
	prereq "no Swift servers (tools/tusk-setup installs swift-proxy ...)"
[ -x "$IMAGE/bin/sh" ] || prereq "no analysis image at $IMAGE (tools/tusk-image build)"
command -v bwrap > /dev/null || prereq "no bubblewrap (tools/tusk-setup)"
TUSK_SWIFT=${TUSK_SWIFT:-$TUSK_BUILD/ctrl/tusk-swift}
[ -x "$TUSK_SWIFT" ] || fail "no tusk-swift at $TUSK_SWIFT"

swift_stop() { /usr/bin/python3 "$INTEG_DIR/swift_aio.py" stop "$AIO" 2>/dev/null || true; }
http_cleanup_add swift_stop
marathon_stop() { [ -z "$MARATHON_PID" ] || kill_if marathon_standin.py "$MARATHON_PID"; }
http_cleanup_add marathon_stop

mkdir -p "$WORK/root" "$WORK/srv/set" "$WORK/srv/big"
export TUSK_LAB_DATA=$WORK/root
lab_start a
mkrand "$WORK/srv/set/a.bin" 26		# 7 segments of 4 MiB, the last short
mkrand "$WORK/srv/set/b.bin" 3
head -c 12345 /dev/urandom > "$WORK/srv/set/c.dat"
mkrand "$WORK/srv/big/paced.bin" 48	# 12 segments
srv_start --digest
base=http://$PEER_ADDR:$RANGE_PORT

peer /usr/bin/python3 "$INTEG_DIR/swift_aio.py" start "$AIO" > "$WORK/aio.json" ||
	prereq "the Swift all-in-one did not start (see above)"
AUTH=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["auth_url"])' "$WORK/aio.json")
note "Swift all-in-one at $AUTH (in $TUSK_LAB_NS)"

# The Marathon stand-in, in the peer namespace beside tusk-ctrld.
# not through peer(): ip netns exec execs, so $! is the stand-in's PID
ip netns exec "$TUSK_LAB_NS" /usr/bin/python3 "$INTEG_DIR/marathon_standin.py" \
	--port-file "$WORK/marathon.port" --log "$WORK/marathon.log" \
	--user tusk --password s3cret > "$WORK/marathon.out" 2>&1 &
MARATHON_PID=$!
for (( i = 0; i < STANDIN_START_S * 10; i++ )); do
	[ -s "$WORK/marathon.port" ] && break
	sleep 0.1
done
[ -s "$WORK/marathon.port" ] || fail "the Marathon stand-in did not start: $(cat "$WORK/marathon.out")"
MARATHON=http://127.0.0.1:$(cat "$WORK/marathon.port")
note "Marathon stand-in at $MARATHON (in $TUSK_LAB_NS)"

# swift_conf MBPS: ctrld.conf with a Swift storage paced at MBPS (0: not)
# and the Marathon launcher.
swift_conf() {
	CTRLD_CONF_EXTRA="retries = 2" CTRLD_CONF_STORAGE="
[launcher local]
type = local
runtime = bwrap

[launcher cluster]
type = marathon
url = $MARATHON
user = tusk
password = s3cret
image = registry.example/analysis:2026.12
poll_interval_ms = 200
notebook_cmd = cd /data && exec python3 -m http.server --bind 127.0.0.1 \$PORT0

[storage pilot]
type = swift
auth_url = $AUTH
user = test:tester
key = testing
segment_mb = $SEG_MB
parallel = 3
request_retries = 1
request_retry_ms = 200
max_send_mbps = $1" ctrld_conf
}

# Swift as the test sees it (curl in the peer namespace, tempauth).
tok() { peer curl -sf -D - -o /dev/null -H "X-Auth-User: test:tester" \
	-H "X-Auth-Key: testing" "$AUTH" | tr -d '\r' | awk -v h="$1" \
	'tolower($1) == tolower(h) ":" { print $2 }'; }
TOK=$(tok X-Auth-Token)
SURL=$(tok X-Storage-Url)
[ -n "$TOK" ] || fail "tempauth gave no token"
scurl() { peer curl -sf -H "X-Auth-Token: $TOK" "$@"; }
meta_sha() { scurl -I "$SURL/$1" | tr -d '\r' |
	awk 'tolower($1) == "x-object-meta-sha256:" { print $2 }'; }
# segs PREFIX: "name last_modified" of the segments under PREFIX
segs() { scurl "$SURL/runs_segments?format=json&prefix=$1" |
	python3 -c 'import json,sys
for o in json.load(sys.stdin): print(o["name"], o["last_modified"])'; }
# got OBJECT FILE: the object's bytes equal FILE's
got() {
	scurl -o "$WORK/got" "$SURL/runs/$1" || fail "GET runs/$1"
	same_bytes "$2" "$WORK/got" "Swift object runs/$1"
}
journal_segs() { python3 -c 'import sqlite3,sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM swift_segments WHERE session = ?", (int(sys.argv[2]),)).fetchone()[0])' \
	"$WORK/ctrld/journal.db" "$1"; }

swift_conf 0
ctrld_start

