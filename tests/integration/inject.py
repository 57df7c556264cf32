#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send one malformed IPv4 frame from the peer to tuskd (raw AF_PACKET).

usage: inject.py IFACE DST_MAC SRC_IP DST_IP KIND
KIND:
  bad_csum   ICMP echo request whose IPv4 header checksum is wrong
  truncated  Ethernet header and only 12 bytes of a 20-byte IPv4 header
  fragment   ICMP echo request with More Fragments set (offset 0), every
             checksum right: only the fragment rule may reject it

Each would be answered if it were well formed (an echo request to tuskd's
address), so a drop is the receiver's decision, not an accident.
"""
import socket
import struct
import sys

ETH_P_IPV4 = 0x0800
IPPROTO_ICMP = 1
ICMP_ECHO_REQUEST = 8
IP_MF = 0x2000             # RFC 791 3.1: flags bit 2, More Fragments
IPV4_HDR_LEN = 20
TRUNCATED_IP_BYTES = 12    # less than IPV4_HDR_LEN
ECHO_ID = 0x7475           # "tu"
ECHO_PAYLOAD = bytes(range(56))  # ping's default 56 bytes


def cksum(data):
    """RFC 1071 Internet checksum."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def echo_request(seq):
    hdr = struct.pack("!BBHHH", ICMP_ECHO_REQUEST, 0, 0, ECHO_ID, seq)
    c = cksum(hdr + ECHO_PAYLOAD)
    return struct.pack("!BBHHH", ICMP_ECHO_REQUEST, 0, c, ECHO_ID, seq) + ECHO_PAYLOAD


def ipv4(src, dst, payload, frag=0, corrupt_csum=False):
    def hdr(c):
        return struct.pack("!BBHHHBBH4s4s", 0x45, 0, IPV4_HDR_LEN + len(payload),
                           0x1234, frag, 64, IPPROTO_ICMP, c,
                           socket.inet_aton(src), socket.inet_aton(dst))
    c = cksum(hdr(0))
    if corrupt_csum:
        c ^= 0x00FF  # still 16 bits, never the right value
    return hdr(c) + payload


def frame(kind, src, dst):
    if kind == "bad_csum":
        return ipv4(src, dst, echo_request(1), corrupt_csum=True)
    if kind == "truncated":
        return ipv4(src, dst, echo_request(2))[:TRUNCATED_IP_BYTES]
    if kind == "fragment":
        return ipv4(src, dst, echo_request(3), frag=IP_MF)
    sys.exit("unknown kind %r" % kind)


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    iface, dst_mac, src_ip, dst_ip, kind = sys.argv[1:]
    with open("/sys/class/net/%s/address" % iface) as f:
        src_mac = bytes.fromhex(f.read().strip().replace(":", ""))
    eth = bytes.fromhex(dst_mac.replace(":", "")) + src_mac + struct.pack("!H", ETH_P_IPV4)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    data = eth + frame(kind, src_ip, dst_ip)
    if s.send(data) != len(data):
        sys.exit("short send")
    s.close()


if __name__ == "__main__":
    main()
