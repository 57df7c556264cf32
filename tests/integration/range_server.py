#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""range_server.py: a stock-library HTTP/1.1 file server with byte ranges.

The Linux peer's file server in the lab (tools/tusk-lab run, the fetch and
HTTP tests). Python 3.11's `python3 -m http.server` answers every GET with
200 and the whole file: it ignores Range (RFC 9110 section 14.2), so a
client cannot split a download into parallel range streams or resume one
against it. This is the same SimpleHTTPRequestHandler with what a standard
server (nginx, Apache) adds:

  - GET/HEAD with one byte range: 206 + Content-Range, or 416 with
    `Content-Range: bytes */SIZE` (RFC 9110 sections 14.1.2, 15.3.7,
    15.5.17); a multi-range request gets the whole file (200), which
    RFC 9110 section 14.2 allows ("a server MAY ignore the Range header");
  - Accept-Ranges: bytes, a strong ETag ("ino-size-mtime_ns") and
    Last-Modified, and If-Range (a changed file gets 200, not a range);
  - persistent connections (HTTP/1.1), one thread per connection;
  - the body sent with sendfile(2), so the server is not the bottleneck;
  - --digest: `Repr-Digest: sha-256=:BASE64:` (RFC 9530) on 200/206/HEAD,
    computed once per file version and kept;
  - --no-ranges: behave as python3 -m http.server (200, whole body);
  - PROPFIND with Depth 0 or 1 (RFC 4918 section 9.1): a multistatus of
    the file or the collection and its entries (href, resourcetype,
    getcontentlength, getlastmodified), what tusk-ctrld lists a data set
    with; Depth infinity gets 403 (section 9.1 allows refusing it);
  - --flaky STATUS: answer every other request (the 1st, 3rd, ...) with
    STATUS and no body, a server that fails half of what it is asked;
  - --legacy-digest ALGS: `Digest:` (RFC 3230, as XRootD and dCache send
    it) with the comma-separated algorithms (adler32, crc32c, md5,
    sha-256: file_digests.py) on 200/206/HEAD; with --lie, of the file
    with its first byte flipped (a source whose bytes differ from what
    it announces), and --digest's Repr-Digest lies the same way;
  - --put: PUT of a plain file name (no '/', not hidden) into DIR: the
    body to a hidden temporary, renamed at the end, 201 with no body (a
    push destination of a third-party copy; with --lie, one that lies
    about what it stored).

Usage: range_server.py [--bind ADDR] [--port N] [--digest] [--no-ranges]
                       [--flaky STATUS] [--legacy-digest ALGS] [--lie]
                       [--put] [--quiet] DIR
Prints "listening ADDR:PORT" on stdout once it accepts connections.
"""

import argparse
import base64
import email.utils
import hashlib
import http.server
import json
import os
import re
import sys
import threading
import urllib.parse
import xml.etree.ElementTree as ET

import file_digests

# One sendfile(2) call moves at most this much, so that a client that
# stops reading never pins a thread in one enormous call.
SENDFILE_CHUNK = 8 << 20
# hashlib.file_digest reads in blocks of this size (OpenSSL SHA-NI).
DIGEST_BLOCK = 4 << 20

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


def lie(raw):
    """A digest of other bytes: the value with its first byte flipped."""
    return bytes([raw[0] ^ 0xFF]) + raw[1:]


class Digests:
    """Field values per (path, inode, size, mtime): computed once, kept.
    legacy: RFC 3230 algorithms to send in Digest (empty: none)."""

    def __init__(self, legacy=(), liar=False):
        self.lock = threading.Lock()
        self.known = {}
        self.legacy = legacy
        self.liar = liar

    def compute(self, path):
        if not self.legacy:
            with open(path, "rb") as f:
                h = hashlib.sha256()
                while True:
                    b = f.read(DIGEST_BLOCK)
                    if not b:
                        break
                    h.update(b)
            return {"sha-256": h.digest()}
        return file_digests.digests(path, "crc32c" in self.legacy)

    def get(self, path, st):
        """(Repr-Digest value, Digest value or None)"""
        key = (path, st.st_ino, st.st_size, st.st_mtime_ns)
        with self.lock:
            if key in self.known:
                return self.known[key]
        d = self.compute(path)
        if self.liar:
            d = {k: lie(v) for k, v in d.items()}
        repr_v = "sha-256=:%s:" % base64.b64encode(d["sha-256"]).decode()
        legacy = []
        for name in self.legacy:
            raw = d[name]
            legacy.append("%s=%s" % (name, raw.hex() if name in (
                "adler32", "crc32c") else base64.b64encode(raw).decode()))
        val = (repr_v, ", ".join(legacy) or None)
        with self.lock:
            self.known[key] = val
        return val


def parse_range(value, size):
    """(first, last) of one satisfiable range, None to send the whole file
    (no or ignorable Range), or "416" when unsatisfiable."""
    if value is None:
        return None
    m = RANGE_RE.match(value.strip())
    if not m:
        # Multiple ranges or another unit: ignored (RFC 9110 14.2).
        return None
    a, b = m.group(1), m.group(2)
    if a == "" and b == "":
        return None
    if a == "":
        n = int(b)
        if n == 0 or size == 0:
            return "416"
        return (max(0, size - n), size - 1)
    first = int(a)
    if first >= size:
        return "416"
    last = size - 1 if b == "" else min(int(b), size - 1)
    if last < first:
        return None
    return (first, last)


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tusk-range-server/1"

    def log_message(self, fmt, *args):
        if not self.server.quiet:
            super().log_message(fmt, *args)

    def authorised(self):
        """With --token: every request must carry it as a bearer token
        (RFC 6750 2.1), else 401; the headers seen are counted."""
        want = self.server.token
        if not want:
            return True
        if self.headers.get("Authorization") == "Bearer " + want:
            self.server.count("bearer_ok")
            return True
        self.server.count("bearer_refused")
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Bearer realm="range"')
        self.send_header("Content-Length", "0")
        self.end_headers()
        return False

    def do_GET(self):
        if self.authorised():
            self.serve(True)

    def do_HEAD(self):
        if self.authorised():
            self.serve(False)

    def do_PUT(self):
        if not self.server.put:
            self.send_error(405)
            return
        if not self.authorised():
            return
        name = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)[1:]
        n = int(self.headers.get("Content-Length") or -1)
        if not name or "/" in name or name.startswith("."):
            self.send_error(403)
            return
        if n < 0:
            self.send_error(411)
            return
        tmp = os.path.join(self.directory, ".%s.put" % name)
        with open(tmp, "wb") as f:
            left = n
            while left:
                b = self.rfile.read(min(left, DIGEST_BLOCK))
                if not b:  # the client went away: nothing kept
                    os.unlink(tmp)
                    self.close_connection = True
                    return
                f.write(b)
                left -= len(b)
        os.rename(tmp, os.path.join(self.directory, name))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_PROPFIND(self):
        depth = self.headers.get("Depth", "infinity")
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)  # the asked-for props: all are sent
        if not self.authorised():
            return
        if self.server.flaky and self.server.flake():
            self.send_error(self.server.flaky, "flaky by design (--flaky)")
            return
        if depth not in ("0", "1"):
            self.send_error(403, "Depth infinity is not served")
            return
        path = self.translate_path(self.path)
        if not os.path.exists(path):
            self.send_error(404, "File not found")
            return
        href = urllib.parse.urlsplit(self.path).path
        entries = [(href, path)]
        if depth == "1" and os.path.isdir(path):
            base = href if href.endswith("/") else href + "/"
            for name in sorted(os.listdir(path)):
                sub = os.path.join(path, name)
                entries.append((base + urllib.parse.quote(name) +
                                ("/" if os.path.isdir(sub) else ""), sub))
        body = multistatus(entries)
        self.send_response(207)
        self.send_header("Content-Type", 'application/xml; charset="utf-8"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def serve(self, body):
        if self.server.flaky and self.server.flake():
            self.send_error(self.server.flaky, "flaky by design (--flaky)")
            return
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            self.send_error(403, "directory listing disabled")
            return
        try:
            f = open(path, "rb")
        except OSError:
            self.send_error(404, "File not found")
            return
        with f:
            st = os.fstat(f.fileno())
            self.answer(f, st, path, body)

    def etag(self, st):
        return '"%x-%x-%x"' % (st.st_ino, st.st_size, st.st_mtime_ns)

    def pick_range(self, st):
        if self.server.no_ranges:
            return None
        rng = parse_range(self.headers.get("Range"), st.st_size)
        if_range = self.headers.get("If-Range")
        if rng is not None and if_range is not None:
            # RFC 9110 13.1.5: a range only if the validator still matches.
            lm = email.utils.formatdate(st.st_mtime, usegmt=True)
            if if_range.strip() not in (self.etag(st), lm):
                return None
        return rng

    def answer(self, f, st, path, body):
        size = st.st_size
        rng = self.pick_range(st)
        if rng == "416":
            self.send_response(416)
            self.send_header("Content-Range", "bytes */%d" % size)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        first, last = (0, size - 1) if rng is None else rng
        count = last - first + 1 if size else 0
        self.send_response(200 if rng is None else 206)
        self.send_header("Content-Length", str(count))
        if rng is not None:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (first, last, size))
        if not self.server.no_ranges:
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("ETag", self.etag(st))
        self.send_header("Last-Modified", email.utils.formatdate(st.st_mtime, usegmt=True))
        self.send_header("Content-Type", "application/octet-stream")
        if self.server.digests is not None:
            repr_v, legacy = self.server.digests.get(path, st)
            if self.server.repr_digest:
                self.send_header("Repr-Digest", repr_v)
            if legacy:
                self.send_header("Digest", legacy)
        self.end_headers()
        if body and count:
            self.wfile.flush()
            self.send_body(f, first, count)

    def send_body(self, f, off, count):
        sock = self.connection
        while count > 0:
            n = sock.sendfile(f, off, min(count, SENDFILE_CHUNK))
            if n == 0:
                # The file shrank under us: the client sees a short body.
                self.close_connection = True
                return
            off += n
            count -= n


def multistatus(entries):
    """RFC 4918 section 13 multistatus: one response per (href, path)."""
    ET.register_namespace("D", "DAV:")
    ms = ET.Element("{DAV:}multistatus")
    for href, path in entries:
        st = os.stat(path)
        resp = ET.SubElement(ms, "{DAV:}response")
        ET.SubElement(resp, "{DAV:}href").text = href
        ps = ET.SubElement(resp, "{DAV:}propstat")
        prop = ET.SubElement(ps, "{DAV:}prop")
        rt = ET.SubElement(prop, "{DAV:}resourcetype")
        if os.path.isdir(path):
            ET.SubElement(rt, "{DAV:}collection")
        else:
            ET.SubElement(prop, "{DAV:}getcontentlength").text = \
                str(st.st_size)
        ET.SubElement(prop, "{DAV:}getlastmodified").text = \
            email.utils.formatdate(st.st_mtime, usegmt=True)
        ET.SubElement(ps, "{DAV:}status").text = "HTTP/1.1 200 OK"
    return ET.tostring(ms, encoding="utf-8", xml_declaration=True)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # Many parallel streams from one client connect at once.
    request_queue_size = 128
    flaky = 0
    put = False
    served = 0
    served_lock = threading.Lock()

    token = None
    counts = {}
    counts_file = None

    def count(self, what):
        """Counted for --token; written to --counts as JSON."""
        with self.served_lock:
            self.counts[what] = self.counts.get(what, 0) + 1
            if self.counts_file:
                with open(self.counts_file, "w") as f:
                    json.dump(self.counts, f)

    def flake(self):
        """True for the 1st, 3rd, 5th ... request."""
        with self.served_lock:
            self.served += 1
            return self.served % 2 == 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bind", default="0.0.0.0")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--digest", action="store_true",
                    help="send Repr-Digest: sha-256 (RFC 9530)")
    ap.add_argument("--no-ranges", action="store_true",
                    help="ignore Range like python3 -m http.server")
    ap.add_argument("--flaky", type=int, default=0, metavar="STATUS",
                    help="answer every other request with STATUS")
    ap.add_argument("--legacy-digest", default="", metavar="ALGS",
                    help="send Digest (RFC 3230) of these algorithms")
    ap.add_argument("--lie", action="store_true",
                    help="announce digests of other bytes")
    ap.add_argument("--put", action="store_true",
                    help="take PUTs of plain file names into DIR")
    ap.add_argument("--quiet", action="store_true", help="no request log")
    ap.add_argument("--token", help="answer 401 unless a request carries "
                    "Authorization: Bearer TOKEN")
    ap.add_argument("--counts", help="with --token: keep the counts of "
                    "requests with and without it in this JSON file")
    ap.add_argument("dir")
    a = ap.parse_args()
    if not os.path.isdir(a.dir):
        sys.exit("range_server.py: %s: not a directory" % a.dir)

    def handler(*args, **kw):
        return Handler(*args, directory=a.dir, **kw)

    srv = Server((a.bind, a.port), handler)
    srv.quiet = a.quiet
    srv.no_ranges = a.no_ranges
    srv.flaky = a.flaky
    srv.put = a.put
    srv.token = a.token
    srv.counts_file = a.counts
    legacy = tuple(x for x in a.legacy_digest.split(",") if x)
    srv.repr_digest = a.digest
    srv.digests = Digests(legacy, a.lie) if a.digest or legacy else None
    print("listening %s:%d" % srv.server_address, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
