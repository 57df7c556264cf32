# SPDX-License-Identifier: BSD-3-Clause
#
# Helpers for tests of tuskd's fetch client (app/svc/http_fetch.c): the
# peer's range-capable HTTP server, starting a fetch, watching it. Sourced
# after http_lib.sh; the test sets RANGE_PORT (the server's port) and
# FETCH_MAX_S (the bound on one fetch).

SRV_PID=
PLAIN_PID=

# srv_start [--digest]: the peer's range-capable server on RANGE_PORT.
# With --digest it sends Repr-Digest, which it computes on the first
# request for the file (a second or more per GiB on this machine): the
# first start has it (the probe learns the digest the fetch must match),
# the restart does not, so that the resumed streams are not held up.
readonly SRV_START_S=20
srv_start() {
	local i
	: > "$WORK/srv.log"
	# not through peer(): $! must be python's own PID, to kill it
	ip netns exec "$TUSK_LAB_NS" python3 "$INTEG_DIR/range_server.py" \
		--bind "$PEER_ADDR" --port "$RANGE_PORT" "$@" --quiet \
		"$WORK/srv" >> "$WORK/srv.log" 2>&1 &
	SRV_PID=$!
	for (( i = 0; i < SRV_START_S * 10; i++ )); do
		grep -q '^listening' "$WORK/srv.log" && return 0
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$WORK/srv.log" >&2
	fail "range_server.py did not start within ${SRV_START_S}s"
}

srv_stop() { [ -z "$SRV_PID" ] || kill_if range_server.py "$SRV_PID"; }
plain_stop() { [ -z "$PLAIN_PID" ] || kill_if http.server "$PLAIN_PID"; }
http_cleanup_add srv_stop
http_cleanup_add plain_stop

# xget ID KEY: field KEY of transfer ID in `tuskctl --json transfers`
# ("" for null, "missing" when there is no such transfer).
xget() {
	ctl_json transfers | python3 -c '
import json, sys
want, key = int(sys.argv[1]), sys.argv[2]
for x in json.load(sys.stdin)["result"]:
    if x["id"] == want:
        v = x.get(key)
        print("" if v is None else str(v).lower() if isinstance(v, bool) else v)
        break
else:
    print("missing")' "$1" "$2" || fail "tuskctl transfers failed"
}

# fetch URL DEST [STREAMS] [VERIFY]: start a fetch (verify= auto unless
# given); prints its id.
fetch() {
	ctl_json fetch "url=$1" "dest=$2" "streams=${3:-4}" ${4:+"verify=$4"} |
		python3 -c 'import json, sys
r = json.load(sys.stdin)
if not r["ok"]:
    sys.exit("fetch refused: " + r["error"])
print(r["result"]["id"])' || fail "tuskctl fetch $1 failed"
}

# wait_bytes ID N: until transfer ID has N bytes on disk.
wait_bytes() {
	local i b
	for (( i = 0; i < FETCH_MAX_S * 10; i++ )); do
		b=$(xget "$1" bytes)
		[ "$b" != missing ] && [ -n "$b" ] && [ "$b" -ge "$2" ] && return 0
		case $(xget "$1" state) in done|failed) break ;; esac
		sleep 0.1
	done
	fail "transfer $1: $b bytes, wanted $2 (state $(xget "$1" state))"
}

# wait_end ID: until transfer ID is done or failed; prints the state.
wait_end() {
	local i s
	for (( i = 0; i < FETCH_MAX_S * 5; i++ )); do
		s=$(xget "$1" state)
		case $s in done|failed|cancelled|missing) echo "$s"; return 0 ;; esac
		sleep 0.2
	done
	fail "transfer $1 not finished after ${FETCH_MAX_S}s: $s"
}

assert_done() {
	local s
	s=$(wait_end "$1")
	[ "$s" = done ] || fail "$2: transfer $1 $s: $(xget "$1" error)"
	note "ok: $2: done in $(xget "$1" elapsed_s) s, $(xget "$1" retries) failed attempts"
}
