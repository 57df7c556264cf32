#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Hostile clients and a legitimate one, for test_http_hostile.sh.

  hostile.py attack DST PORT --srcs A,B,... --secs S [--slowloris N]
             [--readers N --reader-path P] [--idle N] [--syn-rate R]
  hostile.py legit DST PORT --src A --secs S --get P --get-sha HEX
             --put-file F --put-prefix P [--get-every 2 --put-every 5]

attack: in one process (epoll), for S seconds, from the source addresses
given (round robin): N slowloris connections (a head byte every ~3 s,
never complete), N readers of P (connect, GET, never read, SO_RCVBUF
tiny), N idle connections (connect, nothing), and R SYNs a second from a
raw socket (random source ports on the same addresses; the peer's kernel
resets tuskd's SYN-ACKs). A connection the server closes is opened again
after a pause, connects bounded by CONNECT_RATE a second overall. Prints
one JSON line of counts.

legit: from --src, GET P every 2 s (bytes checked against --get-sha) and
PUT the bytes of F every 5 s as PREFIX<n>.bin, each on a new connection
with a 5 s deadline. Prints one JSON line: every request's outcome and
latency.
"""
import argparse
import errno
import hashlib
import heapq
import json
import os
import random
import resource
import select
import socket
import struct
import sys
import threading
import time

import tusk_token

# New attacker connections per second, all kinds together (--connect-rate):
# enough to refill the server's table within seconds of every eviction,
# bounded so the peer's own ports and CPU (shared with tuskd on this
# machine) hold out.
CONNECT_RATE = 400
# A closed attacker connection is opened again after this (+ jitter).
RECONNECT_S = 0.5
# Slowloris: one head byte every this many seconds (+ jitter).
TRICKLE_S = 3.0
# Readers: the smallest receive buffer Linux allows (it doubles it and
# rounds up to SOCK_MIN_RCVBUF): a window of a few hundred bytes.
READER_RCVBUF = 1024
# Not in Python's socket module on every version (linux/in.h).
IP_BIND_ADDRESS_NO_PORT = 24
LEGIT_DEADLINE_S = 5.0


class Slot:
    __slots__ = ("kind", "src", "sock", "state", "sent")

    def __init__(self, kind, src):
        self.kind, self.src = kind, src
        self.sock, self.state, self.sent = None, "down", 0


class Attack:
    def __init__(self, a):
        self.a = a
        self.dst = (a.dst, a.port)
        self.ep = select.epoll()
        self.by_fd = {}
        self.timers = []  # (when, seq, slot, what)
        self.seq = 0
        self.rate = a.connect_rate
        self.tokens, self.tok_at = 0.0, time.monotonic()
        self.c = dict(connects=0, established=0, closed=0, resets=0,
                      refused=0, answers_408=0, trickled=0, syns=0)
        # slow readers hold their answers: they carry the lab's token
        # (tusk_token.py), or tuskd's 401 would free them at once
        self.get = ("GET %s HTTP/1.1\r\nHost: t\r\n%s\r\n" %
                    (a.reader_path, tusk_token.FIELD)).encode()
        self.loris = b"GET / HTTP/1.1\r\nHost: t\r\nX-" + b"a" * 16384

    def at(self, when, slot, what):
        self.seq += 1
        heapq.heappush(self.timers, (when, self.seq, slot, what))

    def open(self, s):
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens +
                          (now - self.tok_at) * self.rate)
        self.tok_at = now
        if self.tokens < 1:
            self.at(now + 0.05 + random.random() * 0.1, s, "open")
            return
        self.tokens -= 1
        k = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        k.setblocking(False)
        k.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        if s.kind == "reader":
            k.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, READER_RCVBUF)
        k.bind((s.src, 0))
        rc = k.connect_ex(self.dst)
        if rc not in (0, errno.EINPROGRESS):
            k.close()
            self.c["refused"] += 1
            self.at(now + RECONNECT_S, s, "open")
            return
        self.c["connects"] += 1
        s.sock, s.state, s.sent = k, "connecting", 0
        self.by_fd[k.fileno()] = s
        self.ep.register(k.fileno(), select.EPOLLOUT | select.EPOLLRDHUP)

    def down(self, s, err):
        if s.sock is None:
            return
        self.ep.unregister(s.sock.fileno())
        del self.by_fd[s.sock.fileno()]
        s.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                          struct.pack("ii", 1, 0))
        s.sock.close()
        s.sock, s.state = None, "down"
        self.c["resets" if err else "closed"] += 1
        self.at(time.monotonic() + RECONNECT_S * (1 + random.random()), s,
                "open")

    def established(self, s):
        self.c["established"] += 1
        s.state = "up"
        fd = s.sock.fileno()
        if s.kind == "reader":
            try:
                s.sock.send(self.get)
            except OSError:
                # reset at once: tuskd refused it (table full, the
                # fairest victim being the newcomer)
                self.down(s, True)
                return
            # never read: only hear of the end (RST, FIN)
            self.ep.modify(fd, select.EPOLLRDHUP)
        else:
            self.ep.modify(fd, select.EPOLLIN | select.EPOLLRDHUP)
        if s.kind == "slowloris":
            self.trickle(s)

    def trickle(self, s):
        if s.sock is None or s.state != "up":
            return
        try:
            s.sock.send(self.loris[s.sent:s.sent + 1])
            s.sent += 1
            self.c["trickled"] += 1
        except OSError:
            self.down(s, True)
            return
        self.at(time.monotonic() + TRICKLE_S * (0.8 + 0.4 * random.random()),
                s, "trickle")

    def event(self, s, ev):
        if s.state == "connecting":
            err = s.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err or ev & (select.EPOLLERR | select.EPOLLHUP):
                self.down(s, True)
                return
            self.established(s)
            return
        if ev & select.EPOLLIN:
            try:
                data = s.sock.recv(65536)
            except OSError:
                self.down(s, True)
                return
            if b" 408 " in data[:16]:
                self.c["answers_408"] += 1
            if data:
                return
            self.down(s, False)
            return
        if ev & (select.EPOLLERR | select.EPOLLHUP | select.EPOLLRDHUP):
            self.down(s, bool(ev & select.EPOLLERR))

    def run(self):
        a, srcs = self.a, self.a.srcs.split(",")
        slots = []
        for kind, n in (("slowloris", a.slowloris), ("reader", a.readers),
                        ("idle", a.idle)):
            slots += [Slot(kind, srcs[i % len(srcs)]) for i in range(n)]
        random.shuffle(slots)
        now = time.monotonic()
        for i, s in enumerate(slots):
            self.at(now + i / self.rate, s, "open")
        end = now + a.secs
        if a.syn_rate > 0:
            t = threading.Thread(target=syn_flood, daemon=True,
                                 args=(a, srcs, end, self.c))
            t.start()
        while time.monotonic() < end:
            self.step()
        for s in slots:
            if s.sock is not None:
                self.down(s, False)
        live = sum(1 for s in slots if s.state == "up")
        self.c["slots"] = len(slots)
        self.c["up_at_end"] = live
        print(json.dumps(self.c))

    def step(self):
        now = time.monotonic()
        while self.timers and self.timers[0][0] <= now:
            _, _, s, what = heapq.heappop(self.timers)
            if what == "open" and s.sock is None:
                self.open(s)
            elif what == "trickle":
                self.trickle(s)
        wait = 0.05
        if self.timers:
            wait = max(0.0, min(wait, self.timers[0][0] - now))
        for fd, ev in self.ep.poll(wait):
            s = self.by_fd.get(fd)
            if s is not None:
                self.event(s, ev)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def syn_frame(src, dst, sport, dport):
    seq = random.getrandbits(32)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02,
                      64240, 0, 0)
    pseudo = (socket.inet_aton(src) + socket.inet_aton(dst) +
              struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp)))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp),
                     random.getrandbits(16), 0, 64, socket.IPPROTO_TCP, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def syn_flood(a, srcs, end, counts):
    """SYNs at a.syn_rate a second to a.dst only, until end."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    period = 0.01
    per = max(1, int(a.syn_rate * period))
    while time.monotonic() < end:
        t0 = time.monotonic()
        for _ in range(per):
            f = syn_frame(random.choice(srcs), a.dst,
                          random.randint(1024, 65535), a.port)
            try:
                raw.sendto(f, (a.dst, 0))
                counts["syns"] += 1
            except OSError:
                pass
        time.sleep(max(0.0, period - (time.monotonic() - t0)))
    raw.close()


def http_once(a, method, path, body=None):
    """One request on a new connection; (status, body, seconds)."""
    t0 = time.monotonic()
    k = socket.create_connection((a.dst, a.port), LEGIT_DEADLINE_S,
                                 source_address=(a.src, 0))
    try:
        head = "%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n%s" % (
            method, path, tusk_token.FIELD)
        if body is not None:
            head += "Content-Length: %d\r\n" % len(body)
        k.sendall(head.encode() + b"\r\n" + (body or b""))
        data = bytearray()
        while True:
            left = LEGIT_DEADLINE_S - (time.monotonic() - t0)
            if left <= 0:
                raise TimeoutError("over %.0f s" % LEGIT_DEADLINE_S)
            k.settimeout(left)
            b = k.recv(1 << 20)
            if not b:
                break
            data += b
    finally:
        k.close()
    h, _, rest = bytes(data).partition(b"\r\n\r\n")
    status = int(h.split(b" ", 2)[1]) if h.startswith(b"HTTP/") else 0
    return status, rest, time.monotonic() - t0


def legit_loop(a, kind, every, results, lock, put_body):
    end = time.monotonic() + a.secs
    n = 0
    while time.monotonic() < end:
        t0 = time.monotonic()
        r = {"kind": kind, "n": n, "at": round(time.time(), 3)}
        try:
            if kind == "GET":
                st, body, secs = http_once(a, "GET", a.get)
                ok = st == 200 and hashlib.sha256(body).hexdigest() == \
                    a.get_sha
            else:
                path = "%s%d.bin" % (a.put_prefix, n)
                st, body, secs = http_once(a, "PUT", path, put_body)
                ok = st in (201, 204)
                r["path"] = path
            r.update(status=st, secs=round(secs, 3),
                     ok=ok and secs <= LEGIT_DEADLINE_S)
        except OSError as e:
            r.update(status=0, secs=round(time.monotonic() - t0, 3),
                     ok=False, error=str(e))
        with lock:
            results.append(r)
        n += 1
        time.sleep(max(0.0, every - (time.monotonic() - t0)))


def legit(a):
    with open(a.put_file, "rb") as f:
        put_body = f.read()
    results, lock = [], threading.Lock()
    ts = [threading.Thread(target=legit_loop, args=(a, k, e, results, lock,
                                                    put_body))
          for k, e in (("GET", a.get_every), ("PUT", a.put_every))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(json.dumps(results))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=("attack", "legit"))
    p.add_argument("dst")
    p.add_argument("port", type=int)
    p.add_argument("--secs", type=float, required=True)
    p.add_argument("--srcs", default="")
    p.add_argument("--slowloris", type=int, default=0)
    p.add_argument("--readers", type=int, default=0)
    p.add_argument("--reader-path", default="/big.bin")
    p.add_argument("--idle", type=int, default=0)
    p.add_argument("--syn-rate", type=int, default=0)
    p.add_argument("--connect-rate", type=int, default=CONNECT_RATE)
    p.add_argument("--src")
    p.add_argument("--get")
    p.add_argument("--get-sha")
    p.add_argument("--get-every", type=float, default=2.0)
    p.add_argument("--put-file")
    p.add_argument("--put-prefix")
    p.add_argument("--put-every", type=float, default=5.0)
    a = p.parse_args()
    if a.mode == "attack":
        want = a.slowloris + a.readers + a.idle + 1024
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
        Attack(a).run()
    else:
        legit(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
