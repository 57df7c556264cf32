#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Drive tuskd's bulk service (app/svc/bulk.h) over its control socket.

usage:
  bulk_watch.py SOCK start KEY=VALUE...       start a source, print its id
  bulk_watch.py SOCK watch (--id N | --sink [--after N]) [--window A,B]
                [--wait S] [--stop-after S]
  bulk_watch.py SOCK last-sink                  print the newest sink's id

watch samples `bulk_list` every --every seconds until the transfer is done
(or --stop-after seconds after it started, then stops it), and prints one
JSON object: bytes, seconds, gbps (whole transfer, as tuskd measured it),
window_gbps (bytes between seconds A and B of the transfer over that time,
interpolated between samples), retransmits, rtt_ms, state, error.
--sink watches the newest sink connection with an id above --after,
waiting --wait seconds for one to appear (`last-sink` before starting the
sender gives the id to wait past). Times are tuskd's own (the lcore clock), so a slow poll does
not skew them.
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

    def call(self, cmd, **args):
        req = dict(args, cmd=cmd)
        self.s.sendall(json.dumps(req).encode() + b"\n")
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                sys.exit("bulk_watch: tuskd closed the control socket")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        ans = json.loads(line)
        if not ans.get("ok"):
            sys.exit("bulk_watch: %s: %s" % (cmd, ans.get("error")))
        return ans["result"]


def find(transfers, args):
    if args.sink:
        sinks = [t for t in transfers
                 if t["role"] == "sink" and t["id"] > args.after]
        return sinks[-1] if sinks else None
    for t in transfers:
        if t["id"] == args.id and t["role"] == "source":
            return t
    return None


def at(samples, when):
    """Bytes at `when` seconds, interpolated between samples."""
    prev = None
    for s in samples:
        if s[0] >= when:
            if prev is None or s[0] == prev[0]:
                return s[1]
            f = (when - prev[0]) / (s[0] - prev[0])
            return prev[1] + f * (s[1] - prev[1])
        prev = s
    return None


def watch(ctl, args):
    deadline = time.monotonic() + args.wait
    samples, t = [], None
    while True:
        t = find(ctl.call("bulk_list")["transfers"], args)
        if t is not None or time.monotonic() > deadline:
            break
        time.sleep(args.every)
    if t is None:
        sys.exit("bulk_watch: no such transfer after %.0f s" % args.wait)
    while True:
        samples.append((t["seconds"], t["bytes"]))
        if t["state"] != "running":
            break
        if args.stop_after and t["seconds"] >= args.stop_after:
            ctl.call("bulk_stop", id=t["id"], lcore=t["lcore"])
        time.sleep(args.every)
        t = find(ctl.call("bulk_list")["transfers"], args) or t
    out = {k: t[k] for k in ("id", "role", "state", "error", "bytes",
                             "seconds", "gbps", "retransmits", "rtt_ms",
                             "min_rtt_ms", "cc")}
    if args.window:
        a, b = args.window
        ba, bb = at(samples, a), at(samples, b)
        out["window_gbps"] = (None if ba is None or bb is None else
                              (bb - ba) * 8 / (b - a) / 1e9)
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("sock")
    p.add_argument("verb", choices=("start", "watch", "last-sink"))
    p.add_argument("kv", nargs="*")
    p.add_argument("--id", type=int)
    p.add_argument("--sink", action="store_true")
    p.add_argument("--after", type=int, default=0)
    p.add_argument("--window", type=lambda s: tuple(map(float, s.split(","))))
    p.add_argument("--wait", type=float, default=30)
    p.add_argument("--every", type=float, default=0.5)
    p.add_argument("--stop-after", type=float, default=0)
    args = p.parse_args()
    ctl = Ctl(args.sock)
    if args.verb == "start":
        req = dict(kv.split("=", 1) for kv in args.kv)
        print(ctl.call("bulk", **req)["id"])
    elif args.verb == "last-sink":
        ids = [t["id"] for t in ctl.call("bulk_list")["transfers"]
               if t["role"] == "sink"]
        print(max(ids) if ids else 0)
    else:
        if not args.sink and args.id is None:
            p.error("watch needs --id N or --sink")
        watch(ctl, args)


main()
