#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tcp_probe.py: crafted TCP segments from the peer to tuskd (raw AF_PACKET),
for the checks of tuskd's TCP defences (RFC 5961, SYN cookies).

usage: tcp_probe.py IFACE DST_MAC DST_IP DPORT MODE ARGS...
MODE:
  syn_on_conn COUNT GAP_MS
      open a real TCP connection to DST_IP:DPORT (the Linux stack's), then
      send COUNT SYNs on its 4-tuple GAP_MS apart: each is a SYN in a
      synchronized state (RFC 5961 4.2), answered by a challenge ACK if
      tuskd's limits allow; the connection is then closed normally.
      Prints the connection's local port.
  oow_on_conn COUNT GAP_MS
      open a real TCP connection (its SYN read back from IFACE for the
      Linux stack's ISN), then send COUNT bare ACKs on its 4-tuple GAP_MS
      apart with a sequence number half the space away from the real one:
      out of tuskd's window, each asks for a duplicate ACK that tuskd's
      out-of-window limit allows once per 500 ms. Prints the local port.
  syn_flood SRC_IP COUNT
      COUNT SYNs from SRC_IP (an address nobody answers ARP for, so the
      SYN-ACKs never leave and the SYN queue stays full) from distinct
      source ports.
  bad_ack SRC_IP COUNT
      COUNT bare ACKs from SRC_IP to the listener with no connection and
      random sequence and acknowledgment numbers: forged cookies.
"""
import os
import socket
import struct
import sys
import time

from inject import cksum  # RFC 1071, beside this file

ETH_P_IPV4 = 0x0800
ETH_P_ALL = 0x0003
IPPROTO_TCP = 6
TH_SYN, TH_ACK = 0x02, 0x10


def segment(src, dst, sport, dport, seq, ack, flags):
    """IPv4 + TCP header (no options, window 65535), checksums right."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      65535, 0, 0)
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + \
        struct.pack("!BBH", 0, IPPROTO_TCP, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", cksum(ph + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0x1234, 0x4000,
                     64, IPPROTO_TCP, 0, socket.inet_aton(src),
                     socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", cksum(ip)) + ip[12:]
    return ip + tcp


def rand32():
    return struct.unpack("!I", os.urandom(4))[0]


def connect_seen(iface, dst, dport):
    """connect() to dst:dport; returns the socket and the ISN of the SYN
    it sent, read on a packet socket for all protocols (only those see
    outgoing frames)."""
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                        socket.htons(ETH_P_ALL))
    raw.bind((iface, ETH_P_ALL))
    c = socket.socket()
    c.settimeout(5)
    c.connect((dst, dport))
    sport = c.getsockname()[1]
    raw.settimeout(0.2)
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            f = raw.recv(2048)
        except socket.timeout:
            continue
        if len(f) < 54 or f[12:14] != b"\x08\x00" or f[23] != IPPROTO_TCP:
            continue
        t = 14 + (f[14] & 0x0f) * 4
        sp, dp, seq = struct.unpack("!HHI", f[t:t + 8])
        if sp == sport and dp == dport and f[t + 13] & TH_SYN:
            raw.close()
            return c, seq
    sys.exit("the connection's SYN was not seen on the interface")


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    iface, dst_mac, dst, dport, mode = sys.argv[1:6]
    dport = int(dport)
    args = sys.argv[6:]
    with open("/sys/class/net/%s/address" % iface) as f:
        src_mac = bytes.fromhex(f.read().strip().replace(":", ""))
    eth = bytes.fromhex(dst_mac.replace(":", "")) + src_mac + \
        struct.pack("!H", ETH_P_IPV4)
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    raw.bind((iface, 0))

    def send(seg):
        if raw.send(eth + seg) != len(eth) + len(seg):
            sys.exit("short send")

    if mode == "syn_on_conn":
        count, gap = int(args[0]), float(args[1]) / 1000
        c = socket.create_connection((dst, dport), timeout=5)
        src, sport = c.getsockname()
        for _ in range(count):
            send(segment(src, dst, sport, dport, rand32(), 0, TH_SYN))
            time.sleep(gap)
        time.sleep(0.2)
        c.close()
        print(sport)
    elif mode == "oow_on_conn":
        count, gap = int(args[0]), float(args[1]) / 1000
        c, isn = connect_seen(iface, dst, dport)
        src, sport = c.getsockname()
        for _ in range(count):
            send(segment(src, dst, sport, dport, (isn + 1 + (1 << 31)) &
                         0xffffffff, 0, TH_ACK))
            time.sleep(gap)
        time.sleep(0.2)
        c.close()
        print(sport)
    elif mode == "syn_flood":
        src, count = args[0], int(args[1])
        for i in range(count):
            send(segment(src, dst, 20000 + i, dport, rand32(), 0, TH_SYN))
    elif mode == "bad_ack":
        src, count = args[0], int(args[1])
        for i in range(count):
            send(segment(src, dst, 40000 + i, dport, rand32(), rand32(),
                         TH_ACK))
    else:
        sys.exit("unknown mode %r" % mode)


main()
