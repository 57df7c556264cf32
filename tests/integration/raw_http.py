#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""raw_http.py: send one HTTP request exactly as given, print the status.

For the hostile request-targets that curl would normalise even with
--path-as-is (absolute-form to another host, "%2E%2E%2F", NUL bytes,
requests without Content-Length): the request head comes from the
command line byte for byte ("\\r\\n" line ends added), an optional body
from a file, and the answer is read as RFC 9112 section 6 frames it
(Content-Length, or until the server closes).

Usage: raw_http.py HOST PORT METHOD TARGET [-H 'Name: value']...
                   [--body FILE] [--no-length] [-o RESPONSE_FILE]
Prints the status code (000 when no response came) and exits 0; the
whole response (head and body) goes to RESPONSE_FILE when given.
"""

import argparse
import socket
import sys

import tusk_token

# A request that gets no answer within this is reported as 000.
TIMEOUT_S = 10
# Responses to hostile requests are small; a large one is read in full
# anyway (the test then checks what it contains).
READ_CHUNK = 1 << 16


def build(a):
    head = ["%s %s HTTP/1.1" % (a.method, a.target)]
    names = {h.split(":", 1)[0].strip().lower() for h in a.header}
    if "host" not in names:
        head.append("Host: %s" % a.host)
    head += a.header
    # the lab's token (tusk_token.py) unless the test gave its own
    if "authorization" not in names and tusk_token.TOKEN:
        head.append(tusk_token.FIELD.rstrip("\r\n"))
    body = b""
    if a.body:
        with open(a.body, "rb") as f:
            body = f.read()
        if not a.no_length and "content-length" not in names:
            head.append("Content-Length: %d" % len(body))
    head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1", "surrogateescape") + body


def content_length(head):
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return None


def exchange(a, req):
    """The raw response: head + body, as much as came."""
    with socket.create_connection((a.host, a.port), timeout=TIMEOUT_S) as s:
        try:
            s.sendall(req)
        except OSError:
            # The server may answer (and close) before taking all of a body.
            pass
        data = b""
        while True:
            try:
                b = s.recv(READ_CHUNK)
            except (socket.timeout, ConnectionResetError):
                break
            if not b:
                break
            data += b
            end = data.find(b"\r\n\r\n")
            if end < 0:
                continue
            n = content_length(data[:end])
            if a.method == "HEAD" and end >= 0:
                break
            if n is not None and len(data) >= end + 4 + n:
                break
        return data


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("method")
    ap.add_argument("target")
    ap.add_argument("-H", dest="header", action="append", default=[])
    ap.add_argument("--body")
    ap.add_argument("--no-length", action="store_true",
                    help="send the body without a Content-Length header")
    ap.add_argument("-o", dest="out")
    a = ap.parse_args()
    # Targets may carry bytes the shell cannot pass (NUL): "\\xNN" escapes.
    a.target = a.target.encode().decode("unicode_escape")
    try:
        data = exchange(a, build(a))
    except OSError as e:
        sys.stderr.write("raw_http.py: %s:%d: %s\n" % (a.host, a.port, e))
        data = b""
    if a.out:
        with open(a.out, "wb") as f:
            f.write(data)
    status = "000"
    if data.startswith(b"HTTP/1.") and len(data) >= 12:
        status = data[9:12].decode("latin-1")
    print(status)


if __name__ == "__main__":
    main()
