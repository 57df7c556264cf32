#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tls_probe.py: clients of tuskd's HTTPS port that curl cannot be.

  garbage    send random bytes; the server must close (FIN or RST) within
             the timeout without answering anything but a TLS alert
  plaintext  send an HTTP/1.1 request in clear text; the same
  stall      open TCP, send nothing; prints how many seconds until the
             server ended the connection (its handshake deadline)
  halfhello  send the first 5 bytes of a ClientHello record and stop;
             prints the seconds until the server ended it
  tls12      a TLS 1.2-only handshake (Python's ssl); must be refused with
             a protocol_version alert
  hold N CA  open N TLS connections with the CA file (handshakes done) and
             keep them open; prints how many completed, then how many the
             server had reset after a GET on each

Usage: tls_probe.py HOST PORT MODE [ARGS]; exit 0 when the expectation
holds, 1 with a reason otherwise. Bounded: every wait has a timeout.
"""

import os
import socket
import ssl
import sys
import time

# A server that has not closed within this has not enforced anything.
WAIT_S = 30


def closed_within(s, limit):
    """Read until EOF or reset; the bytes read and the seconds it took."""
    s.settimeout(limit)
    t0 = time.monotonic()
    got = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
    except (ConnectionResetError, BrokenPipeError):
        pass
    except socket.timeout:
        sys.exit("server kept the connection open %d s" % limit)
    return got, time.monotonic() - t0


def is_alert_only(data):
    """Only TLS alert records (content type 21), or nothing at all."""
    i = 0
    while i < len(data):
        if data[i] != 21 or len(data) < i + 5:
            return False
        i += 5 + int.from_bytes(data[i + 3:i + 5], "big")
    return True


def send_and_close(host, port, payload, what):
    s = socket.create_connection((host, port), timeout=WAIT_S)
    s.sendall(payload)
    got, secs = closed_within(s, WAIT_S)
    if not is_alert_only(got):
        sys.exit("%s: server answered %r" % (what, got[:64]))
    print("%s: closed after %.2f s, %d bytes of alert" % (what, secs,
                                                          len(got)))


def stall(host, port, first):
    s = socket.create_connection((host, port), timeout=WAIT_S)
    if first:
        s.sendall(first)
    _, secs = closed_within(s, WAIT_S)
    print("%.1f" % secs)


def tls12(host, port):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    s = socket.create_connection((host, port), timeout=WAIT_S)
    try:
        ctx.wrap_socket(s).close()
    except ssl.SSLError as e:
        if "PROTOCOL_VERSION" in str(e).upper():
            print("refused: %s" % e.reason)
            return
        sys.exit("TLS 1.2 handshake failed otherwise: %s" % e)
    sys.exit("a TLS 1.2-only handshake succeeded")


def hold(host, port, n, ca):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = False
    conns, done = [], 0
    for _ in range(n):
        try:
            s = socket.create_connection((host, port), timeout=WAIT_S)
        except OSError:
            continue  # reset at once: refused
        try:
            conns.append(ctx.wrap_socket(s))
            done += 1
        except (ssl.SSLError, OSError):
            s.close()
    alive = 0
    for c in conns:
        try:
            c.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
            if c.recv(16).startswith(b"HTTP/1.1"):
                alive += 1
        except (ssl.SSLError, OSError):
            pass
    print(done, alive)


def main():
    host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if mode == "garbage":
        send_and_close(host, port, os.urandom(4096), "garbage")
    elif mode == "plaintext":
        send_and_close(host, port, b"GET / HTTP/1.1\r\nHost: %s\r\n\r\n"
                       % host.encode(), "plaintext HTTP")
    elif mode == "stall":
        stall(host, port, b"")
    elif mode == "halfhello":
        stall(host, port, b"\x16\x03\x01\x02\x00")
    elif mode == "tls12":
        tls12(host, port)
    elif mode == "hold":
        hold(host, port, int(sys.argv[4]), sys.argv[5])
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
