#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_config_errors: `tuskd --check-config` is how an operator checks
# tuskd.conf before a restart. A good file exits 0; a bad one exits 2 with
# ONE line on stderr that names the file, the line and the key, so that the
# operator can go straight to the mistake (STYLE.md habit 11).
#
# Each case below is the good file with one line changed, added or removed.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# Exit status of tuskd for a rejected configuration (app/tuskd/config.h).
readonly CONFIG_EXIT=2

need_tuskd
cd "$WORK"

good() {
	cat <<CONF
# tuskd.conf for test_config_errors
[eal]
args = -l 0-1 --no-huge -m 256 --no-pci --in-memory --file-prefix tusk-cfgtest-$$

[tuskd]
lcores = 1
data_root = $WORK
control_socket = $WORK/tuskd.sock
log_level = info

[port data0]
device = net_af_packet0,iface=tusk0
profile = af_packet
address = 10.77.0.2/24
mtu = 9000
CONF
}

# Line number of the first line of the good file matching regex $1.
line_of() { good | grep -n -m1 -E "$1" | cut -d: -f1; }

# check_rejected NAME FILE WANT_PREFIX KEY [tuskd args...]: tuskd exits 2,
# stdout is empty, stderr is one line starting with WANT_PREFIX and naming KEY.
check_rejected() {
	local name=$1 file=$2 want=$3 key=$4 rc=0
	shift 4
	"$TUSKD" --check-config -c "$file" "$@" > out.txt 2> err.txt || rc=$?
	[ "$rc" = "$CONFIG_EXIT" ] || fail "$name: exit $rc, want $CONFIG_EXIT (stderr: $(cat err.txt))"
	[ ! -s out.txt ] || fail "$name: stdout not empty: $(cat out.txt)"
	[ "$(wc -l < err.txt)" = 1 ] || fail "$name: want one line on stderr, got: $(cat err.txt)"
	grep -q "^$want" err.txt || fail "$name: '$(cat err.txt)' does not start with '$want'"
	grep -q "$key" err.txt || fail "$name: '$(cat err.txt)' does not name '$key'"
	note "ok: $name: $(cat err.txt)"
}

# bad NAME REGEX REPLACEMENT KEY: replace the good file's first line matching
# REGEX (empty REPLACEMENT: delete it) and expect "bad-NAME.conf:LINE: KEY".
bad() {
	local name=$1 re=$2 repl=$3 key=$4 line f=bad-$1.conf
	line=$(line_of "$re")
	[ -n "$line" ] || fail "test bug: no line matches '$re'"
	good | awk -v n="$line" -v r="$repl" 'NR == n { if (r != "") print r; next } { print }' > "$f"
	check_rejected "$name" "$f" "$f:$line: $key:" "$key"
}

good > good.conf
rc=0
"$TUSKD" --check-config -c good.conf > out.txt 2> err.txt || rc=$?
[ $rc = 0 ] || fail "good config: exit $rc: $(cat err.txt)"
note "ok: good config accepted"

bad unknown_key   '^log_level'  'log_levels = info'          log_levels
bad bad_prefix    '^address'    'address = 10.77.0.300/24'   address
bad no_prefix_len '^address'    'address = 10.77.0.2'        address
bad lcores_zero   '^lcores'     'lcores = 0'                 lcores
bad lcores_text   '^lcores'     'lcores = two'               lcores
bad log_level     '^log_level'  'log_level = loud'           log_level
bad mtu_too_big   '^mtu'        'mtu = 9600'                 mtu
bad no_profile    '^profile'    'profile = no_such_pmd'      profile


# A line that is neither a section, a key = value nor a comment.
f=bad-malformed.conf
line=$(line_of '^lcores')
good | awk -v n="$line" 'NR == n { print "lcores 1"; next } { print }' > "$f"
check_rejected malformed "$f" "$f:$line: " "malformed"

# A duplicate key: the second occurrence is the error.
f=bad-duplicate.conf
line=$(( $(line_of '^address') + 1 ))
good | awk -v n="$line" 'NR == n { print "address = 10.77.0.3/24" } { print }' > "$f"
check_rejected duplicate "$f" "$f:$line: address:" address

# A required key missing: the error points at its section.
f=bad-missing.conf
line=$(line_of '^\[port data0\]')
good | grep -v '^address' > "$f"
check_rejected missing_address "$f" "$f:$line: " address

# A key before any section.
f=bad-outside.conf
{ echo "lcores = 1"; good; } > "$f"
check_rejected outside_section "$f" "$f:1: lcores" lcores

# An unreadable file.
check_rejected no_file no-such.conf "no-such.conf: cannot open" "cannot open"

# Overrides from the command line are validated like the file.
check_rejected override_range good.conf "<command line>: lcores:" lcores \
	--set tuskd.lcores=0
check_rejected override_port good.conf "<command line>: address:" address \
	--set port.data0.address=10.1.2.3.4/8

note "pass"
