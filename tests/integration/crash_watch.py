#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""crash_watch.py: SIGKILL a process at a chosen point of a file's life.

The crash tests kill tuskd while it writes a file: at the creation of an
upload's temporary, when it holds so many bytes, while a resume record is
being saved, at the rename that commits a file. Polling from a shell sees
such points tens of milliseconds late; inotify(7) reports them as they
happen (IN_CREATE, IN_MODIFY on every write, IN_ACCESS on every read,
IN_MOVED_TO), and the kill follows within a millisecond or so of the event
(run it with real-time priority, chrt -f, on a loaded machine).

Usage: crash_watch.py --pid PID --cmdline WORD [--timeout S]
                      [--tuskctl PATH --socket SOCK] POINT DIR...
POINT is one of
  create:GLOB[:N]   the Nth entry matching GLOB created in a DIR (N: 1)
  access:GLOB[:N]   the Nth read of a file matching GLOB (inotify merges
                    reads not yet collected into one event)
  moved:GLOB        an entry matching GLOB renamed into a DIR
  size:GLOB:BYTES   a file matching GLOB holds BYTES or more (checked at
                    its creation and at every write)
  bytes:ID:BYTES    fetch transfer ID has BYTES or more on disk (asked of
                    tuskd with `tuskctl --json transfers` every
                    BYTES_POLL_S: a part file's size says nothing, it is
                    preallocated)
Prints "ready" once the watches are in place. At the point it checks that
PID's command line still holds WORD (not a PID reused since), sends
SIGKILL, prints "killed at EVENT DIR/NAME SIZE" and exits 0. Exit 1 when
the point did not come within the timeout (default 60 s), or PID is gone.
"""

import argparse
import ctypes
import ctypes.util
import fnmatch
import json
import os
import select
import signal
import struct
import subprocess
import sys
import time

IN_ACCESS = 0x001
IN_MODIFY = 0x002
IN_MOVED_TO = 0x080
IN_CREATE = 0x100
EVENT_HDR = struct.Struct("iIII")
# Poll the timeout and the target's life this often (seconds) while no
# event comes.
POLL_S = 0.1
# Ask tuskd for a transfer's bytes this often (seconds): tuskctl answers
# in a few ms; at the tests' 25 MB/s that is well under a MiB apart.
BYTES_POLL_S = 0.02


def parse_point(spec):
    parts = spec.split(":")
    kind = parts[0]
    if kind in ("create", "access") and len(parts) in (2, 3):
        return kind, parts[1], int(parts[2]) if len(parts) == 3 else 1
    if kind == "moved" and len(parts) == 2:
        return kind, parts[1], 1
    if kind in ("size", "bytes") and len(parts) == 3:
        return kind, parts[1], int(parts[2])
    sys.exit("crash_watch.py: bad point %r (create:GLOB[:N], access:GLOB"
             "[:N], moved:GLOB, size:GLOB:BYTES, bytes:ID:BYTES)" % spec)


def cmdline_has(pid, word):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return word.encode() in f.read()
    except OSError:
        return False


def size_of(path):
    try:
        return os.stat(path).st_size
    except OSError:
        return -1


class Point:
    """Counts the events of one point; hit() says when it has come."""

    def __init__(self, kind, glob, arg):
        self.kind, self.glob, self.arg, self.seen = kind, glob, arg, 0

    def hit(self, mask, path):
        if not fnmatch.fnmatchcase(os.path.basename(path), self.glob):
            return False
        want = {"create": IN_CREATE, "access": IN_ACCESS}.get(self.kind, 0)
        if mask & want:
            self.seen += 1
            return self.seen >= self.arg
        if self.kind == "moved":
            return bool(mask & IN_MOVED_TO)
        if self.kind == "size" and mask & (IN_CREATE | IN_MODIFY):
            return size_of(path) >= self.arg
        return False


def transfer_bytes(a, xid):
    """Bytes on disk of fetch transfer xid, -1 if tuskd does not say."""
    try:
        out = subprocess.run([a.tuskctl, "-s", a.socket, "--json",
                              "transfers"], capture_output=True, check=True,
                             timeout=5).stdout
        for x in json.loads(out)["result"]:
            if x["id"] == xid:
                return x["bytes"]
    except (OSError, ValueError, KeyError, subprocess.SubprocessError):
        pass
    return -1


def poll_bytes(a, point):
    xid, want = int(point.glob), point.arg
    end = time.monotonic() + a.timeout
    print("ready", flush=True)
    while time.monotonic() < end and cmdline_has(a.pid, a.cmdline):
        got = transfer_bytes(a, xid)
        if got >= want:
            return got
        time.sleep(BYTES_POLL_S)
    return None


def events(fd, wds):
    """(mask, path) of every event read from the inotify fd."""
    buf = os.read(fd, 65536)
    off = 0
    while off < len(buf):
        wd, mask, _cookie, n = EVENT_HDR.unpack_from(buf, off)
        name = buf[off + EVENT_HDR.size:off + EVENT_HDR.size + n]
        off += EVENT_HDR.size + n
        yield mask, os.path.join(wds[wd], os.fsdecode(name.rstrip(b"\0")))


def watch(a, point):
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
    if fd < 0:
        sys.exit("crash_watch.py: inotify_init1: %s" %
                 os.strerror(ctypes.get_errno()))
    wds = {}
    for d in a.dirs:
        wd = libc.inotify_add_watch(fd, os.fsencode(d), IN_CREATE |
                                    IN_MODIFY | IN_ACCESS | IN_MOVED_TO)
        if wd < 0:
            sys.exit("crash_watch.py: %s: %s" %
                     (d, os.strerror(ctypes.get_errno())))
        wds[wd] = d
    print("ready", flush=True)
    end = time.monotonic() + a.timeout
    while time.monotonic() < end and cmdline_has(a.pid, a.cmdline):
        r, _, _ = select.select([fd], [], [], POLL_S)
        for mask, path in (events(fd, wds) if r else ()):
            if point.hit(mask, path):
                return mask, path
    return None, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--cmdline", required=True)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--tuskctl", help="for bytes: points")
    ap.add_argument("--socket", help="tuskd's control socket (bytes:)")
    ap.add_argument("point")
    ap.add_argument("dirs", nargs="*")
    a = ap.parse_args()
    point = Point(*parse_point(a.point))
    if point.kind == "bytes":
        if not a.tuskctl or not a.socket:
            sys.exit("crash_watch.py: bytes: needs --tuskctl and --socket")
        got = poll_bytes(a, point)
        mask, path = 0, None if got is None else "transfer %s: %d bytes" % (
            point.glob, got)
    elif not a.dirs:
        sys.exit("crash_watch.py: %s needs a DIR to watch" % a.point)
    else:
        mask, path = watch(a, point)
    if path is None:
        sys.exit("crash_watch.py: %s did not come within %g s (or pid %d "
                 "is gone)" % (a.point, a.timeout, a.pid))
    if not cmdline_has(a.pid, a.cmdline):
        sys.exit("crash_watch.py: pid %d is no longer %s" %
                 (a.pid, a.cmdline))
    os.kill(a.pid, signal.SIGKILL)
    if point.kind == "bytes":
        print("killed at %s" % path, flush=True)
        return
    ev = ("CREATE" if mask & IN_CREATE else
          "MOVED_TO" if mask & IN_MOVED_TO else
          "ACCESS" if mask & IN_ACCESS else "MODIFY")
    print("killed at %s %s %d" % (ev, path, size_of(path)), flush=True)


if __name__ == "__main__":
    main()
