#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A local HTTP receiver for tusk-ctrld's http archiver (ctrl/pstask_archive.c):
each POST or PUT body is checked to be JSON and kept as DIR/NNN.json with
its method, path and headers in DIR/NNN.meta.json. The first FAIL requests
are answered 503, so that the archiver's retry policy is exercised.

usage: archive_receiver.py PORT DIR [--fail N]
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

# A result is a few KB; anything past this is not what the archiver sends.
BODY_MAX = 16 << 20


class Handler(BaseHTTPRequestHandler):
    def _take(self):
        n = int(self.headers.get("Content-Length", "0"))
        if n <= 0 or n > BODY_MAX:
            self.send_error(400, "no body, or too long")
            return
        body = self.rfile.read(n)
        srv = self.server
        if srv.fail > 0:
            srv.fail -= 1
            self.send_error(503, "failing on purpose")
            return
        try:
            json.loads(body)
        except ValueError:
            self.send_error(400, "not JSON")
            return
        srv.count += 1
        base = os.path.join(srv.dir, "%03d" % srv.count)
        with open(base + ".meta.json", "w") as f:
            json.dump({"method": self.command, "path": self.path,
                       "headers": dict(self.headers)}, f)
        with open(base + ".json", "wb") as f:
            f.write(body)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = _take
    do_PUT = _take

    def log_message(self, fmt, *args):
        pass


def main():
    port, d = int(sys.argv[1]), sys.argv[2]
    srv = HTTPServer(("127.0.0.1", port), Handler)
    srv.dir, srv.count = d, 0
    srv.fail = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--fail" else 0
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
