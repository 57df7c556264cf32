#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Speak iperf3's control protocol by hand to tuskd, badly on purpose.

usage: iperf3_raw.py HOST PORT CASE [TIMEOUT_S]

  malformed        a valid cookie, then a parameter block that is not JSON:
                   the server closes the connection
  oversize         a parameter block announced at 1 MiB: closed at once
  bad-cookie       a control cookie outside iperf3's alphabet: closed
  cookie-mismatch  a test waiting for its stream gets a data connection
                   with another cookie: that one is answered ACCESS_DENIED
                   (0xff) and closed, the test's control connection stays;
                   the right cookie then starts the test (TEST_START,
                   TEST_RUNNING) and CLIENT_TERMINATE ends it
  abandon          a cookie, then silence: closed after TIMEOUT_S, not
                   before (a little slack either way)
  silent           connect, send nothing: the connection is closed within
                   TIMEOUT_S (another address's client takes the slot)
Exits non-zero with the reason. Facts of the protocol: app/svc/iperf3.md.
"""
import json
import socket
import struct
import sys
import time

PARAM_EXCHANGE, CREATE_STREAMS = 9, 10
TEST_START, TEST_RUNNING, CLIENT_TERMINATE = 1, 2, 12
ACCESS_DENIED = 0xff
COOKIE_A = b"abcdefghijklmnopqrstuvwxyz2345672345\0"
COOKIE_B = b"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\0"


def fail(msg):
    sys.exit("iperf3_raw: " + msg)


def connect(host, port):
    s = socket.create_connection((host, port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def expect_byte(s, want, what):
    b = s.recv(1)
    if b != bytes([want]):
        fail("%s: got %r, want %d" % (what, b, want))


def expect_closed(s, within, what):
    s.settimeout(within)
    try:
        data = s.recv(4096)
    except ConnectionResetError:
        return
    except socket.timeout:
        fail("%s: still open after %.1f s" % (what, within))
    if data:
        fail("%s: got %r instead of the close" % (what, data))


def expect_open(s, quiet, what):
    s.settimeout(quiet)
    try:
        data = s.recv(4096)
    except socket.timeout:
        return
    fail("%s: closed or spoke (%r) when it should wait" % (what, data))


def control(host, port):
    s = connect(host, port)
    s.sendall(COOKIE_A)
    expect_byte(s, PARAM_EXCHANGE, "PARAM_EXCHANGE")
    return s


def send_json(s, obj):
    data = json.dumps(obj).encode()
    s.sendall(struct.pack(">I", len(data)) + data)


def case_malformed(host, port, _):
    s = control(host, port)
    s.sendall(struct.pack(">I", 5) + b"nope!")
    expect_closed(s, 5, "malformed parameters")


def case_oversize(host, port, _):
    s = control(host, port)
    s.sendall(struct.pack(">I", 1 << 20))
    expect_closed(s, 5, "1 MiB parameter block")


def case_bad_cookie(host, port, _):
    s = connect(host, port)
    s.sendall(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\0")
    expect_closed(s, 5, "bad cookie")


def case_cookie_mismatch(host, port, _):
    s = control(host, port)
    send_json(s, {"tcp": True, "omit": 0, "time": 1, "num": 0,
                  "blockcount": 0, "parallel": 1, "len": 131072,
                  "client_version": "3.12"})
    expect_byte(s, CREATE_STREAMS, "CREATE_STREAMS")
    d = connect(host, port)
    d.sendall(COOKIE_B)
    expect_byte(d, ACCESS_DENIED, "data stream with another cookie")
    expect_closed(d, 5, "denied data stream")
    expect_open(s, 0.5, "the test's control connection")
    d = connect(host, port)
    d.sendall(COOKIE_A)
    s.settimeout(5)
    expect_byte(s, TEST_START, "TEST_START")
    expect_byte(s, TEST_RUNNING, "TEST_RUNNING")
    s.sendall(bytes([CLIENT_TERMINATE]))
    expect_closed(s, 5, "after CLIENT_TERMINATE")
    d.close()


def case_abandon(host, port, timeout_s):
    s = control(host, port)
    t0 = time.monotonic()
    expect_closed(s, timeout_s + 3, "abandoned control connection")
    took = time.monotonic() - t0
    if took < timeout_s - 1:
        fail("closed after %.1f s, before the %d s timeout" %
             (took, timeout_s))
    print("closed after %.1f s" % took)


def case_silent(host, port, timeout_s):
    s = connect(host, port)
    t0 = time.monotonic()
    expect_closed(s, timeout_s, "silent control connection")
    print("closed after %.1f s" % (time.monotonic() - t0))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    host, port, case = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    timeout_s = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    fn = globals().get("case_" + case.replace("-", "_"))
    if fn is None:
        sys.exit(__doc__)
    fn(host, port, timeout_s)


if __name__ == "__main__":
    main()
