#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""twamp_peer: an independent TWAMP / STAMP implementation for the tests,
written from the RFCs' packet layouts (not from tuskd's code), on plain
Python sockets in the lab's peer namespace.

  send HOST PORT COUNT INTERVAL_MS SIZE   Session-Sender (RFC 5357 4.1.2,
        RFC 8762 4.2.1): checks every field of every reflection, prints the
        per-packet times and a summary as JSON
  reflect PORT SECONDS [READY]            Session-Reflector (RFC 5357
        4.2.1, RFC 8762 4.3.1): answers until SECONDS of silence, prints
        every sender packet it saw as JSON; creates READY once bound
  control HOST PORT COUNT                 TWAMP-Control client (RFC 4656
        3.1, RFC 5357 3): greeting, set-up, Request-TW-Session, Start,
        COUNT test packets to the accepted port, Stop; checks each message
  malformed HOST PORT                     short test packets and bad
        control messages: every one must be dropped or refused cleanly;
        two idle control clients from this address (tuskd's
        TWAMP_CTRL_PER_SOURCE_MAX): a third is refused, then served

Layouts (big-endian; timestamps NTP 32.32, RFC 5905 6):
  sender:    seq(4) ts(8) err(2) [STAMP: ssid(2) mbz(28)] padding
  reflector: seq(4) ts(8) err(2) ssid/mbz(2) rx_ts(8) s_seq(4) s_ts(8)
             s_err(2) mbz(2) s_ttl(1) [mbz(3) | padding]   (41 + ...)
  error estimate: S(1) Z(1) scale(6) mult(8): mult * 2^(scale-32) s
Any failed check exits 1 with the reason.
"""
import ctypes
import ctypes.util
import json
import os
import select
import socket
import struct
import sys
import time

NTP_UNIX = 2208988800          # RFC 868: 1900 -> 1970
SEND_FMT = "!IQH"              # 14 bytes
REFL_FMT = "!IQHHQIQHHB"       # 41 bytes
SEND_LEN, REFL_LEN, STAMP_LEN = 14, 41, 44
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
IP_RECVTOS = getattr(socket, "IP_RECVTOS", 13)
IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)
SSID = 0xBEEF
TOS = 0x20                     # DSCP 8 (CS1)


def fail(msg):
    print("twamp_peer: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def ntp_of_ns(ns):
    sec, rem = divmod(ns, 10**9)
    return (sec + NTP_UNIX) << 32 | ((rem << 32) + 5 * 10**8) // 10**9


def ns_of_ntp(t):
    return ((t >> 32) - NTP_UNIX) * 10**9 + (((t & 0xFFFFFFFF) * 10**9 + (1 << 31)) >> 32)


def err_of(e):
    """(synced, z, seconds) of an Error Estimate (RFC 4656 4.1.2)."""
    mult, scale = e & 0xFF, (e >> 8) & 0x3F
    if mult == 0:
        fail("error estimate 0x%04x: multiplier 0 (RFC 4656: MUST NOT)" % e)
    return bool(e & 0x8000), bool(e & 0x4000), mult * 2.0 ** (scale - 32)


class Timex(ctypes.Structure):
    _fields_ = [("modes", ctypes.c_uint), ("offset", ctypes.c_long),
                ("freq", ctypes.c_long), ("maxerror", ctypes.c_long),
                ("esterror", ctypes.c_long), ("status", ctypes.c_int),
                ("rest", ctypes.c_long * 32)]


def host_clock():
    """(synced, error seconds) as the kernel says (adjtimex)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    t = Timex()
    state = libc.adjtimex(ctypes.byref(t))
    synced = state not in (-1, 5) and not t.status & 0x40   # TIME_ERROR, STA_UNSYNC
    return synced, (t.esterror if synced else t.maxerror) / 1e6


def ancillary(anc):
    """kernel rx time (ns), TOS, TTL from recvmsg's ancillary data."""
    rx, tos, ttl = None, None, None
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
            sec, nsec = struct.unpack("qq", data[:16])
            rx = sec * 10**9 + nsec
        elif level == socket.IPPROTO_IP and kind in (socket.IP_TOS, 1):
            tos = data[0]
        elif level == socket.IPPROTO_IP and kind in (socket.IP_TTL, 2):
            ttl = struct.unpack("i", data[:4])[0] if len(data) >= 4 else data[0]
    return rx, tos, ttl


def udp_socket(port=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.setsockopt(socket.IPPROTO_IP, IP_RECVTOS, 1)
    s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("0.0.0.0", port))
    return s


def sender_packet(seq, size, t1):
    err = 0x0000 | 20 << 8 | 1          # not synced, 2^-12 s: what we claim
    head = struct.pack(SEND_FMT, seq, ntp_of_ns(t1), err)
    if size >= STAMP_LEN:
        return head + struct.pack("!H", SSID) + bytes(size - 16), err
    return head + bytes(size - SEND_LEN), err


def check_reflection(data, sent, size, want_seq, tos, ttl_seen, host_err):
    """Every field of one reflection (RFC 5357 4.2.1, RFC 8762 4.3.1)."""
    want_len = max(size, REFL_LEN)
    if len(data) != want_len:
        fail("reflection of a %d-byte packet is %d bytes, want %d"
             % (size, len(data), want_len))
    seq, t3, err, ssid, t2, sseq, sts, serr, mbz, sttl = \
        struct.unpack(REFL_FMT, data[:REFL_LEN])
    if sseq not in sent:
        fail("sender sequence %d was never sent" % sseq)
    t1, our_err = sent[sseq]
    if sts != ntp_of_ns(t1):
        fail("seq %d: sender timestamp %x, we sent %x" % (sseq, sts, ntp_of_ns(t1)))
    if serr != our_err:
        fail("seq %d: sender error estimate %x, we sent %x" % (sseq, serr, our_err))
    if sttl != 255:
        fail("seq %d: sender TTL %d, we sent 255 (one hop: veth)" % (sseq, sttl))
    if want_seq is not None and seq != want_seq:
        fail("reflector sequence %d, want %d (its own count, from 0)" % (seq, want_seq))
    if mbz != 0 or any(data[REFL_LEN:]):
        fail("seq %d: MBZ or padding not zero" % sseq)
    want_ssid = SSID if size >= STAMP_LEN else 0
    if ssid != want_ssid:
        fail("seq %d: SSID %x, want %x (RFC 8972: copied)" % (sseq, ssid, want_ssid))
    s_bit, z_bit, e = err_of(err)
    if z_bit:
        fail("Z set: timestamps are NTP format here")
    if s_bit != host_err[0]:
        fail("S bit %d but the host clock is %s" % (s_bit, "synced" if host_err[0] else "not synced"))
    if e < host_err[1]:
        fail("error estimate %g s below the kernel's own %g s" % (e, host_err[1]))
    if tos is not None and tos != TOS:
        fail("seq %d: TOS %#x, sent %#x (RFC 8762 4.3: reflected)" % (sseq, tos, TOS))
    if t3 < t2:
        fail("seq %d: transmit time before receive time" % sseq)
    return sseq, seq, ns_of_ntp(t2), ns_of_ntp(t3)


def cmd_send(host, port, count, interval_ms, size, want_own_seq=True):
    s = udp_socket()
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, TOS)
    host_err = host_clock()
    sent, recs, refl_seqs = {}, {}, []
    dups = 0
    start = time.monotonic()
    nxt = start
    deadline = None
    while True:
        now = time.monotonic()
        if len(sent) < count and now >= nxt:
            t1 = time.time_ns()
            pkt, err = sender_packet(len(sent), size, t1)
            sent[len(sent)] = (t1, err)
            s.sendto(pkt, (host, port))
            nxt += interval_ms / 1000.0
            if len(sent) == count:
                deadline = time.monotonic() + 2.0
            continue
        if deadline is not None and (now >= deadline or len(recs) == count):
            break
        wait = (nxt - now) if len(sent) < count else deadline - now
        r, _, _ = select.select([s], [], [], max(wait, 0))
        if not r:
            continue
        data, anc, _, _ = s.recvmsg(65536, 256)
        t4, tos, _ = ancillary(anc)
        sseq, rseq, t2, t3 = check_reflection(data, sent, size, None, tos, None, host_err)
        if sseq in recs:
            dups += 1
            continue
        refl_seqs.append(rseq)
        recs[sseq] = (sent[sseq][0], t2, t3, t4)
    if want_own_seq and refl_seqs != list(range(len(refl_seqs))):
        fail("the reflector's own sequence numbers are not 0, 1, 2, ...: %s" % refl_seqs[:10])
    out = {"sent": count, "received": len(recs), "dups": dups,
           "packets": [[k] + list(v) for k, v in sorted(recs.items())]}
    json.dump(out, sys.stdout)
    print()


def cmd_reflect(port, quiet_s, ready=None):
    """A stateful STAMP/TWAMP-Light reflector; prints what it saw."""
    s = udp_socket(port)
    if ready:
        open(ready, "w").close()
    seen, own = [], {}
    err = 0x8000 | 20 << 8 | 1 if host_clock()[0] else 20 << 8 | 1
    while True:
        r, _, _ = select.select([s], [], [], quiet_s)
        if not r:
            break
        data, anc, _, addr = s.recvmsg(65536, 256)
        t2, tos, ttl = ancillary(anc)
        if len(data) < SEND_LEN:
            seen.append({"short": len(data)})
            continue
        sseq, sts, serr = struct.unpack(SEND_FMT, data[:SEND_LEN])
        n = own.get(addr, 0)
        own[addr] = n + 1
        t3 = time.time_ns()
        body = struct.pack(REFL_FMT, n, ntp_of_ns(t3), err, 0, ntp_of_ns(t2),
                           sseq, sts, serr, 0, ttl or 0)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, tos or 0)
        s.sendto(body + bytes(max(len(data), REFL_LEN) - REFL_LEN), addr)
        seen.append({"seq": sseq, "ts": sts, "err": serr, "len": len(data),
                     "tos": tos, "ttl": ttl, "rx_ns": t2, "port": addr[1],
                     "padding_zero": not any(data[SEND_LEN:])})
    json.dump(seen, sys.stdout)
    print()


def recv_exact(c, n, what):
    buf = b""
    while len(buf) < n:
        chunk = c.recv(n - len(buf))
        if not chunk:
            fail("%s: connection closed after %d of %d bytes" % (what, len(buf), n))
        buf += chunk
    return buf


def control_open(host, port):
    """Greeting -> Set-Up-Response -> Server-Start (RFC 4656 3.1)."""
    c = socket.create_connection((host, port), timeout=10)
    g = recv_exact(c, 64, "Server Greeting")
    modes, count = struct.unpack("!I", g[12:16])[0], struct.unpack("!I", g[48:52])[0]
    if not modes & 1:
        fail("greeting modes %#x: no unauthenticated mode" % modes)
    if count < 1024 or count & (count - 1):
        fail("greeting count %d: not a power of 2 >= 1024" % count)
    if any(g[:12]) or any(g[52:64]):
        fail("greeting unused/MBZ bytes not zero")
    c.sendall(struct.pack("!I", 1) + bytes(160))
    ss = recv_exact(c, 48, "Server-Start")
    if any(ss[:15]) or ss[15] != 0 or any(ss[40:48]):
        fail("Server-Start: accept %d, MBZ %s" % (ss[15], ss[:15].hex()))
    start = struct.unpack("!Q", ss[32:40])[0]
    if abs(ns_of_ntp(start) - time.time_ns()) > host_clock()[1] * 1e9 + 10**9:
        fail("Server-Start time %d ns off ours" % (ns_of_ntp(start) - time.time_ns()))
    return c


def request_session(c, my_port, want_port, timeout_s=1):
    """Request-TW-Session (RFC 5357 3.5) -> (accept, port, sid)."""
    rq = struct.pack("!BBBBIIHHI12sI12s16sIQQI8s16s", 5, 4, 0, 0, 0, 0,
                     my_port, want_port, 0, bytes(12), 0, bytes(12), bytes(16),
                     SEND_LEN, ntp_of_ns(time.time_ns()), timeout_s << 32, 0,
                     bytes(8), bytes(16))
    assert len(rq) == 112
    c.sendall(rq)
    a = recv_exact(c, 48, "Accept-Session")
    accept, mbz, port, sid = a[0], a[1], struct.unpack("!H", a[2:4])[0], a[4:20]
    if mbz or any(a[20:48]):
        fail("Accept-Session MBZ/HMAC not zero")
    return accept, port, sid


def cmd_control(host, port, count):
    c = control_open(host, port)
    s = udp_socket()
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)
    my_port = s.getsockname()[1]
    # the reflector's own port is taken: the server offers another
    accept, sport, sid = request_session(c, my_port, port)
    if accept != 0 or sport == 0 or sport == port:
        fail("Accept-Session for a taken port: accept %d port %d" % (accept, sport))
    if sid[:4] != socket.inet_aton(host) or not any(sid[12:]):
        fail("SID %s: not our address + time + random (RFC 4656 3.5)" % sid.hex())
    # before Start-Sessions nothing is reflected
    s.sendto(sender_packet(0, SEND_LEN, time.time_ns())[0], (host, sport))
    if select.select([s], [], [], 0.5)[0]:
        fail("a test packet was reflected before Start-Sessions")
    c.sendall(bytes([2]) + bytes(31))
    ack = recv_exact(c, 32, "Start-Ack")
    if ack[0] != 0 or any(ack[1:]):
        fail("Start-Ack: accept %d" % ack[0])
    host_err = host_clock()
    sent, got = {}, 0
    for i in range(count):
        t1 = time.time_ns()
        pkt, err = sender_packet(i, 60, t1)
        sent[i] = (t1, err)
        s.sendto(pkt, (host, sport))
        r, _, _ = select.select([s], [], [], 2)
        if not r:
            fail("no reflection of session packet %d" % i)
        data, anc, _, addr = s.recvmsg(65536, 256)
        if addr != (host, sport):
            fail("reflection from %s, want the session port %d" % (addr, sport))
        check_reflection(data, sent, 60, i, None, None, host_err)
        got += 1
    c.sendall(struct.pack("!BBHI8s16s", 3, 0, 0, 1, bytes(8), bytes(16)))
    # Stop-Sessions has no answer; after the 1 s timeout the port is shut
    time.sleep(1.5)
    s.sendto(sender_packet(count, SEND_LEN, time.time_ns())[0], (host, sport))
    if select.select([s], [], [], 0.5)[0]:
        fail("a test packet was reflected after Stop-Sessions + timeout")
    c.close()
    json.dump({"session_port": sport, "reflected": got}, sys.stdout)
    print()


def cmd_malformed(host, port):
    """Short datagrams (0..13 bytes), then control clients that misbehave."""
    s = udp_socket()
    for n in range(SEND_LEN):
        s.sendto(os.urandom(n), (host, port))
    if select.select([s], [], [], 0.5)[0]:
        fail("a short datagram was answered")
    # a wrong mode in Set-Up-Response: closed
    c = socket.create_connection((host, port), timeout=10)
    recv_exact(c, 64, "Server Greeting")
    c.sendall(struct.pack("!I", 2) + bytes(160))
    if c.recv(64) != b"":
        fail("Set-Up-Response with mode 2 (authenticated) was not refused")
    c.close()
    # an unknown command after set-up (OWAMP's Request-Session, 1): closed
    c = control_open(host, port)
    c.sendall(bytes([1]) + bytes(111))
    if c.recv(64) != b"":
        fail("an OWAMP Request-Session was not refused")
    c.close()
    # garbage, byte by byte, after set-up: closed, nothing answered
    c = control_open(host, port)
    c.sendall(bytes([0xFF]) + os.urandom(31))
    if c.recv(64) != b"":
        fail("command 0xff was not refused")
    c.close()
    # IPv6 asked for: Accept 3 (not supported), the connection stays
    c = control_open(host, port)
    rq = bytearray(112)
    rq[0], rq[1] = 5, 6
    c.sendall(bytes(rq))
    a = recv_exact(c, 48, "Accept-Session")
    if a[0] != 3:
        fail("IPv6 session: accept %d, want 3" % a[0])
    c.close()
    # two idle control clients hold this address's share of the slots
    # (TWAMP_CTRL_PER_SOURCE_MAX): a third is reset, and once they go a
    # client gets in again (test_hostile_net: many addresses, eviction)
    held = [control_open(host, port) for _ in range(2)]
    try:
        c = socket.create_connection((host, port), timeout=10)
        if c.recv(64) != b"":
            fail("a third control connection from one address was served")
        c.close()
    except ConnectionResetError:
        pass       # reset as soon as the handshake completed
    for c in held:
        c.close()
    time.sleep(0.5)
    control_open(host, port).close()
    print(json.dumps({"malformed": "ok"}))


def main():
    if len(sys.argv) < 2:
        fail(__doc__)
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "send":
        cmd_send(a[0], int(a[1]), int(a[2]), float(a[3]), int(a[4]),
                 len(a) < 6 or a[5] != "noseq")
    elif cmd == "reflect":
        cmd_reflect(int(a[0]), float(a[1]), a[2] if len(a) > 2 else None)
    elif cmd == "control":
        cmd_control(a[0], int(a[1]), int(a[2]))
    elif cmd == "malformed":
        cmd_malformed(a[0], int(a[1]))
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main()
