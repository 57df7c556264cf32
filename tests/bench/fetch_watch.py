#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Start one `fetch` on tuskd's control socket and time its phases.

usage: fetch_watch.py SOCK --wait S KEY=VALUE...   (url=..., dest=..., ...)

Subscribes to `watch` first (a second connection), then sends the fetch,
and stamps every `state` event of that transfer as it arrives. Prints one
JSON object: id, state, error, size, sha256, total_s (request to `done`),
and phases {probing, running, verifying}: seconds from entering each
state to leaving it. tuskd publishes state changes every 100 ms
(TUSK_CTL_WATCH_POLL_MS), so each phase is within ~0.1 s.
"""
import argparse
import json
import socket
import sys
import time


class Ctl:
    """One connection to the control socket: a JSON object per line."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""

    def line(self, deadline):
        while b"\n" not in self.buf:
            self.s.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = self.s.recv(1 << 20)
            if not chunk:
                sys.exit("fetch_watch: tuskd closed the control socket")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def call(self, cmd, deadline, **args):
        self.s.sendall(json.dumps(dict(args, cmd=cmd)).encode() + b"\n")
        ans = self.line(deadline)
        if not ans.get("ok"):
            sys.exit("fetch_watch: %s: %s" % (cmd, ans.get("error")))
        return ans["result"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sock")
    ap.add_argument("--wait", type=float, default=600)
    ap.add_argument("args", nargs="+")
    a = ap.parse_args()
    req = dict(kv.split("=", 1) for kv in a.args)
    if "streams" in req:
        req["streams"] = int(req["streams"])
    deadline = time.monotonic() + a.wait
    w = Ctl(a.sock)
    w.call("watch", deadline)
    t0 = time.monotonic()
    xid = Ctl(a.sock).call("fetch", deadline, **req)["id"]
    stamps, last = [], None
    try:
        while True:
            ev = w.line(deadline)
            if ev.get("event") != "state" or ev.get("id") != xid:
                continue
            stamps.append((ev["state"], time.monotonic()))
            last = ev
            if ev["state"] in ("done", "failed", "cancelled", "paused"):
                break
    except socket.timeout:
        sys.exit("fetch_watch: transfer %d not done in %.0f s" % (xid, a.wait))
    phases = {}
    for (st, t), (_, t1) in zip(stamps, stamps[1:]):
        phases[st] = round(phases.get(st, 0) + t1 - t, 3)
    x = last.get("transfer") or {}
    print(json.dumps({"id": xid, "state": last["state"],
                      "error": x.get("error"), "size": x.get("size"),
                      "sha256": x.get("sha256"),
                      "total_s": round(stamps[-1][1] - t0, 3),
                      "phases": phases}))


main()
