#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""watch_paths.py: record every access to files and directories (inotify).

The path-escape tests plant canaries outside tuskd's data root and must
show that nothing there is read or written, not only that no response
carried a canary's bytes. inotify(7) reports opens, reads, writes,
creations, renames and deletions of a watched directory's entries
(IN_OPEN/IN_ACCESS on the files themselves, whoever the reader is).

Usage: watch_paths.py LOG DIR... [--ignore NAME]...
Writes "ready" to stdout once every watch is in place, then one line per
event to LOG ("DIR/NAME EVENTS") until SIGTERM or SIGINT.
"""

import argparse
import ctypes
import ctypes.util
import os
import select
import signal
import struct
import sys

IN_ACCESS = 0x001
IN_MODIFY = 0x002
IN_ATTRIB = 0x004
IN_CLOSE_WRITE = 0x008
IN_OPEN = 0x020
IN_MOVED_FROM = 0x040
IN_MOVED_TO = 0x080
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_ISDIR = 0x40000000
WATCH = (IN_ACCESS | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_OPEN |
         IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE)
NAMES = [(IN_ACCESS, "ACCESS"), (IN_MODIFY, "MODIFY"), (IN_ATTRIB, "ATTRIB"),
         (IN_CLOSE_WRITE, "CLOSE_WRITE"), (IN_OPEN, "OPEN"),
         (IN_MOVED_FROM, "MOVED_FROM"), (IN_MOVED_TO, "MOVED_TO"),
         (IN_CREATE, "CREATE"), (IN_DELETE, "DELETE"), (IN_ISDIR, "ISDIR")]
EVENT_HDR = struct.Struct("iIII")
# Poll the stop flag this often (seconds) while no event comes.
POLL_S = 0.2

stop = False


def on_signal(_sig, _frm):
    global stop
    stop = True


def describe(mask):
    return "|".join(n for bit, n in NAMES if mask & bit)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log")
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--ignore", action="append", default=[],
                    help="entry name whose events are not recorded")
    a = ap.parse_args()
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
    if fd < 0:
        sys.exit("watch_paths.py: inotify_init1: %s" % os.strerror(ctypes.get_errno()))
    wds = {}
    for d in a.dirs:
        wd = libc.inotify_add_watch(fd, os.fsencode(d), WATCH)
        if wd < 0:
            sys.exit("watch_paths.py: %s: %s" % (d, os.strerror(ctypes.get_errno())))
        wds[wd] = d
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with open(a.log, "w") as log:
        print("ready", flush=True)
        while not stop:
            r, _, _ = select.select([fd], [], [], POLL_S)
            if not r:
                continue
            buf = os.read(fd, 65536)
            off = 0
            while off < len(buf):
                wd, mask, _cookie, nlen = EVENT_HDR.unpack_from(buf, off)
                name = buf[off + EVENT_HDR.size:off + EVENT_HDR.size + nlen]
                name = name.rstrip(b"\0").decode(errors="replace")
                off += EVENT_HDR.size + nlen
                if name in a.ignore:
                    continue
                log.write("%s/%s %s\n" % (wds.get(wd, "?"), name, describe(mask)))
                log.flush()


if __name__ == "__main__":
    main()
