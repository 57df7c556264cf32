#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""hostile2.py: hostile HTTP clients beyond test_http_hostile's, run from the
peer against tuskd; each case checks its bound and prints one line.

usage: hostile2.py DST_IP PORT CASE
CASE:
  heads     a head of 1,000 field lines (~10 KB) and one of 16,225 bytes
            are served (200); one of 16,385 bytes gets 431 (the 16 KiB
            head limit)
  ranges    a Range of 1,500 byte ranges: ignored (RFC 9110 14.2 allows
            it), 200 with the whole file (f.bin, 1 MiB)
  expect    a PUT with Expect: 100-continue that never sends its body:
            100 Continue, then reset between 9 and 25 s (body_rate_min
            over 10 s windows)
  propfind  a PROPFIND with a 16 KiB body sent a byte a second: reset
            between 9 and 25 s (the same body rate)
  pipeline  10 pipelined GETs of big.bin (64 MiB) with a 4 KiB SO_RCVBUF,
            never read: the connection is gone between 25 and 45 s (the
            30 s send timeout, from the last acknowledged byte)
"""
import socket
import sys
import time

import tusk_token

# Every request carries the lab's token (tusk_token.py): these clients are
# abusive, not anonymous, or tuskd's 401 would end each case at once.
AUTH = tusk_token.FIELD_B

TCP_ESTABLISHED = 1


def first_line(s):
    d = b""
    s.settimeout(10)
    while b"\r\n" not in d:
        x = s.recv(4096)
        if not x:
            break
        d += x
    return d.split(b"\r\n")[0].decode(errors="replace")


def expect(what, got, want):
    if not got.startswith(want):
        sys.exit("%s: got %r, want %r" % (what, got, want))
    print("ok: %s: %s" % (what, got))


def in_range(what, secs, lo, hi):
    if not lo <= secs <= hi:
        sys.exit("%s after %.1f s, want %d..%d s" % (what, secs, lo, hi))
    print("ok: %s after %.1f s" % (what, secs))


def until_gone(s, t0, limit):
    """Seconds until the server closes or resets s (reading it)."""
    s.settimeout(1)
    while time.time() - t0 < limit:
        try:
            if not s.recv(65536):
                break
        except socket.timeout:
            pass
        except OSError:
            break
    return time.time() - t0


def heads(dst, port):
    for n, pad, want in ((1000, 0, "HTTP/1.1 200"),
                         (0, 16384 - 200, "HTTP/1.1 200"),
                         (0, 16384 - 40, "HTTP/1.1 431")):
        h = b"GET /f.bin HTTP/1.1\r\nHost: t\r\n" + AUTH + \
            b"".join(b"X-%d: y\r\n" % i for i in range(n))
        if pad:
            # the head's size as meant, whatever the token's length
            h += b"X-Big: " + b"a" * (pad - len(AUTH)) + b"\r\n"
        h += b"\r\n"
        with socket.create_connection((dst, port), timeout=10) as s:
            s.sendall(h)
            expect("head of %d bytes, %d lines" % (len(h), n),
                   first_line(s), want)


def ranges(dst, port):
    r = b",".join(b"%d-%d" % (2 * i, 2 * i) for i in range(1500))
    with socket.create_connection((dst, port), timeout=10) as s:
        s.sendall(b"GET /f.bin HTTP/1.1\r\nHost: t\r\n" + AUTH + b"Range: bytes=" + r +
                  b"\r\n\r\n")
        d = b""
        while b"\r\n\r\n" not in d or len(d) < d.index(b"\r\n\r\n") + 4 + \
                (1 << 20):
            x = s.recv(1 << 20)
            if not x:
                break
            d += x
        expect("Range of 1,500 ranges", d.split(b"\r\n")[0].decode(),
               "HTTP/1.1 200")
        body = len(d) - d.index(b"\r\n\r\n") - 4
        if body != 1 << 20:
            sys.exit("Range of 1,500 ranges: body %d bytes" % body)


def expect_continue(dst, port):
    s = socket.create_connection((dst, port), timeout=10)
    t0 = time.time()
    s.sendall(b"PUT /e.bin HTTP/1.1\r\nHost: t\r\n" + AUTH + b"Content-Length: 1048576"
              b"\r\nExpect: 100-continue\r\n\r\n")
    expect("Expect: 100-continue", first_line(s), "HTTP/1.1 100")
    in_range("PUT without its body gone", until_gone(s, t0, 60), 9, 25)


def propfind(dst, port):
    s = socket.create_connection((dst, port), timeout=10)
    t0 = time.time()
    s.sendall(b"PROPFIND / HTTP/1.1\r\nHost: t\r\n" + AUTH + b"Depth: 1\r\n"
              b"Content-Length: 16384\r\n\r\n")
    s.settimeout(1)
    while time.time() - t0 < 60:
        try:
            s.send(b"<")
            if not s.recv(4096):
                break
        except socket.timeout:
            pass
        except OSError:
            break
    in_range("PROPFIND body at 1 B/s gone", time.time() - t0, 9, 25)


def pipeline(dst, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((dst, port))
    t0 = time.time()
    s.sendall((b"GET /big.bin HTTP/1.1\r\nHost: t\r\n" + AUTH + b"\r\n") * 10)
    while time.time() - t0 < 60:
        time.sleep(0.5)
        info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
        if info[0] != TCP_ESTABLISHED:
            break
    in_range("10 pipelined GETs never read: connection gone",
             time.time() - t0, 25, 45)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    dst, port, case = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    {"heads": heads, "ranges": ranges, "expect": expect_continue,
     "propfind": propfind, "pipeline": pipeline}[case](dst, port)


main()
