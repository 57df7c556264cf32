# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# shellcheck disable=SC2034 # CODE and SECS are set here for the tests
#
# http_lib.sh: what the HTTP tests share (sourced after lib.sh).
#
# Files are random (AES-CTR keystream from openssl: ~2 GB/s, where
# /dev/urandom gives ~0.4) and compared by SHA-256 (openssl, SHA-NI:
# ~1.2 GB/s). curl runs in the peer namespace: the Linux host is the
# client of tuskd's HTTP endpoint. Hostile requests that curl would
# normalise go through raw_http.py byte for byte.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# tuskd's HTTP endpoint in the lab (config key http_port, default 80).
readonly HTTP_PORT=80
readonly HTTP_BASE=http://$TUSKD_ADDR:$HTTP_PORT
# Bound on one curl transfer: 1 GiB over the lab's af_packet veth takes
# seconds; through the impairment stage tens of seconds. Past this, the
# transfer is stuck and the test fails instead of hanging.
CURL_MAX_S=${CURL_MAX_S:-120}
# Bound on connecting: the lab answers at once.
readonly CURL_CONNECT_S=5

# After pcurl: curl's exit code and what it printed (-w); after http_get,
# http_put, raw: CODE, the response's status (000: no response); after
# http_get, http_put: SECS, the transfer's time in seconds.
CURL_RC=0
CURL_OUT=
CODE=
SECS=

# Commands run at exit, before the labs come down (lib.sh's on_exit).
HTTP_CLEANUP=()

http_on_exit() {
	local rc=$? c
	trap - EXIT
	set +e
	# The labs first: tuskd holds its data root open, which may be a
	# mount that a cleanup command removes.
	lab_stop_all
	for c in "${HTTP_CLEANUP[@]}"; do
		eval "$c" >/dev/null 2>&1 || echo "# cleanup failed: $c" >&2
	done
	(exit $rc)
	on_exit
}
trap http_on_exit EXIT

http_cleanup_add() { HTTP_CLEANUP+=("$1"); }

# kill_if WORD PID: SIGTERM to PID if it is still a process whose command
# line has WORD (not a PID reused since).
kill_if() {
	tr '\0' ' ' < "/proc/$2/cmdline" 2>/dev/null | grep -qF -- "$1" || return 0
	kill "$2" 2>/dev/null || true
}

# mkrand FILE MIB: MIB mebibytes of random bytes.
mkrand() {
	local key iv
	key=$(openssl rand -hex 16)
	iv=$(openssl rand -hex 16)
	head -c "$(( $2 << 20 ))" /dev/zero |
		openssl enc -aes-128-ctr -K "$key" -iv "$iv" -nosalt -out "$1" ||
		fail "cannot make random file $1"
}

# sha_of FILE: the hex SHA-256.
sha_of() {
	local out
	out=$(openssl dgst -sha256 -r "$1") || fail "sha256 of $1"
	echo "${out%% *}"
}

# digest_of FILE: its Repr-Digest field value (RFC 9530 section 3:
# sha-256 as an RFC 8941 byte sequence, base64 of the raw digest in colons).
digest_of() {
	echo "sha-256=:$(openssl dgst -sha256 -binary "$1" | base64 -w0):"
}

# pcurl ARGS...: curl in the peer, quiet but with errors, carrying
# TUSK_TOKEN (lib.sh) as a bearer token unless it is empty; sets CURL_RC
# and CURL_OUT (its stdout).
pcurl() {
	CURL_RC=0
	CURL_OUT=$(tcurl -sS --noproxy '*' --connect-timeout "$CURL_CONNECT_S" \
		--max-time "$CURL_MAX_S" "$@") || CURL_RC=$?
}

# http_get PATH OUT HDRS [CURL ARGS]: GET from tuskd into OUT, response
# head into HDRS; sets CODE.
http_get() {
	local path=$1 out=$2 hdrs=$3
	shift 3
	pcurl --path-as-is -o "$out" -D "$hdrs" -w '%{http_code} %{time_total}' "$@" \
		"$HTTP_BASE$path"
	CODE=${CURL_OUT:0:3}
	SECS=${CURL_OUT#* }
}

# http_put FILE PATH HDRS [CURL ARGS]: PUT FILE to tuskd (response body
# into HDRS.body); sets CODE.
http_put() {
	local file=$1 path=$2 hdrs=$3
	shift 3
	pcurl --path-as-is -o "$hdrs.body" -D "$hdrs" -w '%{http_code} %{time_total}' \
		-T "$file" "$@" "$HTTP_BASE$path"
	CODE=${CURL_OUT:0:3}
	SECS=${CURL_OUT#* }
}

# hdr HDRS NAME: the value of the last NAME header in a saved head.
hdr() {
	tr -d '\r' < "$1" | awk -v n="$2" '
		BEGIN { n = tolower(n) }
		{ i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == n) {
			v = substr($0, i + 1); sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v) } }
		END { print v }'
}

# wait_digest PATH HDRS [SECONDS]: HEAD PATH until tuskd's answer carries
# Repr-Digest (a GET never waits for the hash: the digest worker hashes
# behind the sender, and HEADs join that job); fails after SECONDS
# (default 120). WAITED_S: roughly how long it took.
wait_digest() {
	local path=$1 hdrs=$2 limit=${3:-120} i
	for (( i = 0; i < limit * 2; i++ )); do
		pcurl -I -o "$hdrs" "$HTTP_BASE$path"
		if [ -n "$(hdr "$hdrs" Repr-Digest)" ]; then
			WAITED_S=$(( i / 2 ))
			return 0
		fi
		sleep 0.5
	done
	fail "$path: no Repr-Digest after $limit s of HEADs"
}

# raw METHOD TARGET [raw_http.py ARGS]: one request exactly as written,
# from the peer; sets CODE.
raw() {
	CURL_RC=0
	CODE=$(peer python3 "$INTEG_DIR/raw_http.py" "$TUSKD_ADDR" "$HTTP_PORT" "$@") ||
		fail "raw_http.py $*"
}

# same_file A B WHAT: A and B have the same SHA-256 (and so size).
same_file() {
	local a b
	a=$(sha_of "$1")
	b=$(sha_of "$2")
	[ "$a" = "$b" ] || fail "$3: sha256 $b, want $a ($1 -> $2)"
	note "ok: $3: sha256 ${a:0:16}... identical"
}

# assert_code GOT WANT... WHAT: GOT is one of the WANT statuses; when all
# of them are 2xx, curl (the last pcurl) must also have finished cleanly:
# a success status with a body cut short (timeout, reset) is a failure.
assert_code() {
	local got=$1 what=${*: -1} w ok=0 all2xx=1
	for w in "${@:2:$#-2}"; do
		[ "$got" = "$w" ] && ok=1
		[[ $w == 2?? ]] || all2xx=0
	done
	[ $ok = 1 ] || fail "$what: status $got, want ${*:2:$#-2} (curl exit $CURL_RC)"
	if [ $all2xx = 1 ] && [ "$CURL_RC" != 0 ]; then
		fail "$what: status $got but curl exit $CURL_RC (transfer incomplete)"
	fi
	note "ok: $what: $got"
}

# extras DIR NAME...: the entries of DIR (hidden ones too) other than the
# NAMEs, one a line: what a transfer left behind (temporaries, partials).
extras() {
	local dir=$1
	shift
	find "$dir" -mindepth 1 -maxdepth 1 -printf '%f\n' |
		grep -vxF -f <(printf '%s\n' "$@") || true
}

# gbps BYTES SECONDS: a rate in Gbit/s, three decimals.
gbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.3f", (s > 0 ? b * 8 / s / 1e9 : 0) }'; }

# wait_http: tuskd's endpoint answers (it listens once its lcore runs).
wait_http() {
	local i
	for (( i = 0; i < 50; i++ )); do
		pcurl -o /dev/null -I -w '%{http_code}' "$HTTP_BASE/"
		[ "$CURL_OUT" != 000 ] && return 0
		sleep 0.1
	done
	fail "tuskd's HTTP endpoint $HTTP_BASE does not answer (curl exit $CURL_RC)"
}
