#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Clients of tuskd's control socket for test_ctl.sh.

usage: ctl_peer.py hold SOCKET N HOLD_S READY
       ctl_peer.py watch SOCKET OUT
       ctl_peer.py check-watch OUT ID SHA256
       ctl_peer.py check-pcap FILE N

hold: connect N clients that send nothing, touch READY, wait HOLD_S, then
print as JSON what became of each: "evicted" (told it was idle the longest,
then closed), "idle" (closed by the idle timeout, told so), "open", or
"other" with what it got.

watch: subscribe ({"cmd":"watch"}) and write every line received, with its
arrival time (monotonic seconds), as {"t": T, "msg": LINE} to OUT until
tuskd closes the connection or the process is stopped.

check-watch: what a subscriber relies on, checked in OUT: the answer, then
events numbered 1, 2, 3... without a gap, a snapshot first; transfer ID
seen new -> probing -> running -> verifying -> done in that order, the done
event carrying the transfer with SHA256; its progress events at most one
per second (with slack for scheduling), bytes never going back.

check-pcap: FILE is a pcap file (libpcap's format, Ethernet) of exactly N
frames, most of them ICMP (the pings sent while it was captured; ARP may
come first).
"""
import json
import socket
import struct
import sys
import time

# Slack on "at most one progress event per second per transfer": the
# control thread samples every second; scheduling on a loaded two-core
# machine can bunch two samples.
PROGRESS_MIN_GAP_S = 0.5


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def hold(path, n, hold_s, ready):
    clients = []
    for _ in range(n):
        clients.append(connect(path))
        time.sleep(0.02)  # distinct idle ages: the oldest goes first
    open(ready, "w").close()
    time.sleep(hold_s)
    fates = []
    for s in clients:
        s.setblocking(False)
        got, closed = b"", False
        while True:
            try:
                b = s.recv(65536)
            except BlockingIOError:
                break
            if not b:
                closed = True
                break
            got += b
        text = got.decode(errors="replace")
        if not closed:
            fates.append("open")
        elif "idle the longest" in text:
            fates.append("evicted")
        elif "closed: idle for" in text:
            fates.append("idle")
        else:
            fates.append("other: " + text)
        s.close()
    print(json.dumps(fates))


def watch(path, out):
    s = connect(path)
    s.sendall(b'{"cmd":"watch"}\n')
    buf = b""
    with open(out, "w") as f:
        while True:
            b = s.recv(65536)
            if not b:
                return
            buf += b
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                f.write(json.dumps({"t": time.monotonic(),
                                    "msg": json.loads(line)}) + "\n")
                f.flush()


def check_watch(out, want_id, want_sha):
    with open(out) as f:
        lines = [json.loads(x) for x in f if x.strip()]
    if not lines or lines[0]["msg"].get("ok") is not True:
        sys.exit("watch: no ok answer first: %r" % lines[:1])
    events = [x for x in lines[1:]]
    for i, e in enumerate(events):
        if e["msg"].get("seq") != i + 1:
            sys.exit("watch: event %d has seq %r" % (i + 1,
                                                     e["msg"].get("seq")))
    if events[0]["msg"]["event"] != "snapshot":
        sys.exit("watch: first event is %r" % events[0]["msg"])
    states, progress, done = [], [], None
    for e in events:
        m = e["msg"]
        if m.get("id") != want_id:
            continue
        if m["event"] == "state":
            states.append((m["from"], m["state"]))
            if m["state"] == "done":
                done = m
        elif m["event"] == "progress":
            progress.append((e["t"], m["bytes"]))
        elif m["event"] == "lost":
            sys.exit("watch: events lost: %r" % m)
    want = [(None, "probing"), ("probing", "running"),
            ("running", "verifying"), ("verifying", "done")]
    if states != want:
        sys.exit("watch: states %r, wanted %r" % (states, want))
    sha = (done.get("transfer") or {}).get("sha256")
    if sha != want_sha:
        sys.exit("watch: done carries sha256 %r, wanted %r" % (sha, want_sha))
    for (t0, b0), (t1, b1) in zip(progress, progress[1:]):
        if t1 - t0 < PROGRESS_MIN_GAP_S:
            sys.exit("watch: progress %.3f s apart" % (t1 - t0))
        if b1 < b0:
            sys.exit("watch: progress went back %d -> %d" % (b0, b1))
    print("%d events, %d progress of transfer %d, states %s" % (
        len(events), len(progress), want_id,
        " -> ".join(s for _, s in states)))


def check_pcap(path, want):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24 or struct.unpack("<I", data[:4])[0] != 0xa1b2c3d4:
        sys.exit("not a pcap file: %r" % data[:4])
    off, frames, icmp = 24, 0, 0
    while off + 16 <= len(data):
        incl = struct.unpack("<IIII", data[off:off + 16])[2]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        frames += 1
        # IPv4 (ethertype 0x0800), protocol 1
        if len(frame) > 23 and frame[12:14] == b"\x08\x00" and frame[23] == 1:
            icmp += 1
    print("%d frames, %d ICMP" % (frames, icmp))
    if frames != want or icmp < want - 2:
        sys.exit(1)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "hold" and len(args) == 4:
        hold(args[0], int(args[1]), float(args[2]), args[3])
    elif cmd == "watch" and len(args) == 2:
        watch(args[0], args[1])
    elif cmd == "check-watch" and len(args) == 3:
        check_watch(args[0], int(args[1]), args[2])
    elif cmd == "check-pcap" and len(args) == 2:
        check_pcap(args[0], int(args[1]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
