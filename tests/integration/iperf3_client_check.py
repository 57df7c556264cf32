#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check tuskd's iperf3 client document (tuskctl iperf3 host=...) field by
field: its iperf3 -J shape, against the stock server's own -J document
(server_output_json: `iperf3 -s -J` with get_server_output), and against
tuskd's own counters (`tuskctl --json iperf3`, the last test, role client).

usage: iperf3_client_check.py tcp|udp DOC.json TUSKD.json [--parallel N]
         [--reverse] [--bidir] [--rate BPS] [--loss P --stage-in N
         --stage-lost N] [--no-loss]
"""
import argparse
import json
import math
import sys

# Two views of the same bytes: each side's own count and the count the
# other side sent it in the results exchange, taken moments apart.
SAME = 0.01
# tuskd's own counters against the document: the bound.
COUNTERS = 0.10


def fail(msg):
    print("iperf3_client_check: " + msg, file=sys.stderr)
    sys.exit(1)


def close(a, b, tol, what):
    if b == 0 and a == 0:
        return
    if abs(a - b) > tol * max(abs(a), abs(b)):
        fail("%s: %s vs %s (more than %.0f%% apart)" % (what, a, b, tol * 100))


def need(obj, key, what, kind=(int, float)):
    if not isinstance(obj, dict) or key not in obj:
        fail("%s: no %s" % (what, key))
    if kind is not None and not isinstance(obj[key], kind):
        fail("%s.%s: %r is not %s" % (what, key, obj[key], kind))
    return obj[key]


def check_side(side, what, tcp_sender_ours=False):
    b = need(side, "bytes", what)
    secs = need(side, "seconds", what)
    bps = need(side, "bits_per_second", what)
    if b <= 0 or secs <= 0:
        fail("%s: bytes %s seconds %s" % (what, b, secs))
    close(bps, b * 8 / secs, 0.001, what + ": bits_per_second")
    if tcp_sender_ours:
        need(side, "retransmits", what, int)
        if need(side, "max_snd_cwnd", what, int) <= 0:
            fail(what + ": max_snd_cwnd 0")
        if need(side, "mean_rtt", what, int) <= 0:
            fail(what + ": mean_rtt 0")


def check_shape(a, doc):
    start = need(doc, "start", "doc", dict)
    ts = need(start, "test_start", "start", dict)
    if need(ts, "protocol", "test_start", str) != a.proto.upper():
        fail("protocol %s" % ts["protocol"])
    if ts["num_streams"] != a.parallel:
        fail("num_streams %s, not %s" % (ts["num_streams"], a.parallel))
    if bool(ts["reverse"]) != a.reverse or bool(ts["bidir"]) != a.bidir:
        fail("reverse/bidir %s/%s" % (ts["reverse"], ts["bidir"]))
    need(start, "connecting_to", "start", dict)
    need(start["timestamp"], "timesecs", "start.timestamp")
    ivs = need(doc, "intervals", "doc", list)
    if len(ivs) < 1:
        fail("no intervals")
    for i, iv in enumerate(ivs):
        need(iv, "sum", "interval %d" % i, dict)
        for st in need(iv, "streams", "interval %d" % i, list):
            need(st, "bytes", "interval stream")
            need(st, "bits_per_second", "interval stream")
            if a.proto == "tcp" and st.get("sender"):
                # tuskd's own sender streams: the TCP state iperf3 shows
                for k in ("retransmits", "snd_cwnd", "rtt"):
                    need(st, k, "interval %d stream %s" % (i, st["socket"]))
    for iv in ivs:
        for st in iv["streams"]:
            if st.get("snd_cwnd", 1) <= 0 or st.get("rtt", 1) <= 0:
                fail("interval stream %s: snd_cwnd or rtt 0" % st["socket"])


def check_tcp(a, doc, srv):
    end = doc["end"]
    n = a.parallel * (2 if a.bidir else 1)
    streams = need(end, "streams", "end", list)
    if len(streams) != n:
        fail("%d end streams, not %d" % (len(streams), n))
    for i, st in enumerate(streams):
        snd, rcv = need(st, "sender", "stream", dict), need(st, "receiver", "stream", dict)
        # tuskd sends on all (plain), none (reverse), the first half (bidir)
        ours_send = not a.reverse and (not a.bidir or i < a.parallel)
        check_side(snd, "stream %s sender" % snd.get("socket"))
        check_side(rcv, "stream %s receiver" % rcv.get("socket"))
        close(snd["bytes"], rcv["bytes"], 0.02, "stream %s sent/received" % snd["socket"])
        if "max_snd_cwnd" in snd:
            check_side(snd, "stream %s sender (tuskd)" % snd["socket"], True)
        elif ours_send:
            fail("stream %s: tuskd sends but shows no TCP state" % snd["socket"])
    keys = ["sum_sent", "sum_received"]
    if a.bidir:
        keys += ["sum_sent_bidir_reverse", "sum_received_bidir_reverse"]
    compared = 0
    for k in keys:
        check_side(need(end, k, "end", dict), "end." + k)
        # the stock server writes its -J before our results reach it: it
        # knows its own side only (the other reads 0)
        theirs = need(srv["end"], k, "server end", dict)["bytes"]
        if theirs > 0:
            close(end[k]["bytes"], theirs, SAME, k + ": ours vs the server's -J")
            compared += 1
    if compared < (2 if a.bidir else 1):
        fail("the server's -J has %d sums of its own side" % compared)
    if a.rate:
        close(end["sum_received"]["bits_per_second"], a.rate * a.parallel, 0.1,
              "rate asked")
    need(end, "sender_tcp_congestion", "end", str)
    # retransmits of the server's sending streams: its own figure
    if a.reverse:
        close(sum(s["sender"]["retransmits"] for s in streams),
              srv["end"]["sum_sent"].get("retransmits", 0), 0, "retransmits")


def check_udp(a, doc, srv):
    end = doc["end"]
    streams = need(end, "streams", "end", list)
    if len(streams) != a.parallel:
        fail("%d end streams, not %d" % (len(streams), a.parallel))
    for st in streams:
        u = need(st, "udp", "stream", dict)
        check_side(u, "udp stream %s" % u.get("socket"))
        for k in ("jitter_ms", "lost_packets", "packets", "lost_percent"):
            need(u, k, "udp stream")
        if u["packets"] <= 0:
            fail("udp stream: no packets")
        close(u["lost_percent"], 100.0 * u["lost_packets"] / u["packets"],
              0.001, "lost_percent")
    s = need(end, "sum", "end", dict)
    ss = need(srv["end"], "sum", "server end", dict)
    # the server's own side: what it received, or (reverse) sent
    own = "sum_sent" if a.reverse else "sum_received"
    close(end[own]["bytes"], srv["end"][own]["bytes"], SAME,
          own + ": ours vs the server's -J")
    # packets: the sender's count; loss and jitter: the receiver's, which
    # the server's -J has only when it received
    for k in ("packets",) if a.reverse else ("packets", "lost_packets"):
        if abs(s[k] - ss[k]) > max(2, SAME * ss[k]):
            fail("sum.%s: ours %s, the server's -J %s" % (k, s[k], ss[k]))
    if not a.reverse:
        close(s["jitter_ms"], ss["jitter_ms"], 0.05, "jitter_ms vs the server's")
    if a.rate:
        close(s["bits_per_second"], a.rate * a.parallel, 0.1, "rate asked")
    if a.no_loss and s["lost_percent"] > 1:
        fail("%.2f%% lost on a clean path" % s["lost_percent"])
    if a.loss is not None:
        # binomial: the stage drops each frame with probability p
        n = a.stage_in
        sigma = math.sqrt(n * a.loss * (1 - a.loss))
        if abs(a.stage_lost - n * a.loss) > 4 * sigma:
            fail("the stage dropped %d of %d, not %.1f%% within 4 sigma"
                 % (a.stage_lost, n, a.loss * 100))
        sent = s["packets"]
        sig = math.sqrt(sent * a.loss * (1 - a.loss))
        if abs(s["lost_packets"] - sent * a.loss) > 4 * sig:
            fail("lost %d of %d: not %.1f%% within 4 sigma"
                 % (s["lost_packets"], sent, a.loss * 100))
        # every datagram lost was one the stage dropped (a few control
        # segments and the hello are dropped too)
        if not a.stage_lost - 5 - a.parallel * 2 <= s["lost_packets"] <= a.stage_lost:
            fail("lost %d, the stage dropped %d" % (s["lost_packets"], a.stage_lost))


def check_counters(a, doc, tuskd):
    r = tuskd["result"]
    if r["role"] != "client" or r["state"] != "idle":
        fail("tuskd: role %s state %s" % (r["role"], r["state"]))
    t = r["test"]
    streams = t["streams"]
    ours = {}
    for st in doc["end"]["streams"]:
        for side in st.values():
            # the side tuskd counted: its sender when tuskd sends
            ours.setdefault(side["socket"], []).append(side)
    for x in streams:
        sides = ours.get(x["id"])
        if not sides:
            fail("tuskd stream %d not in the document" % x["id"])
        if a.proto == "udp":
            side = sides[0]
        else:
            side = [s for s in sides if s["sender"] == x["sender"]][0]
        close(side["bytes"], x["bytes"], COUNTERS, "stream %d bytes vs tuskd" % x["id"])
        close(side["bits_per_second"], x["bits_per_second"], COUNTERS,
              "stream %d bits_per_second vs tuskd" % x["id"])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("proto", choices=["tcp", "udp"])
    p.add_argument("doc")
    p.add_argument("tuskd")
    p.add_argument("--parallel", type=int, default=1)
    p.add_argument("--reverse", action="store_true")
    p.add_argument("--bidir", action="store_true")
    p.add_argument("--rate", type=float)
    p.add_argument("--loss", type=float)
    p.add_argument("--stage-in", type=int, default=0)
    p.add_argument("--stage-lost", type=int, default=0)
    p.add_argument("--no-loss", action="store_true")
    a = p.parse_args()
    with open(a.doc) as f:
        doc = json.load(f)
    with open(a.tuskd) as f:
        tuskd = json.load(f)
    if "error" in doc:
        fail("the test failed: " + doc["error"])
    check_shape(a, doc)
    srv = need(doc, "server_output_json", "doc", dict)
    if a.proto == "tcp":
        check_tcp(a, doc, srv)
    else:
        check_udp(a, doc, srv)
    check_counters(a, doc, tuskd)


if __name__ == "__main__":
    main()
