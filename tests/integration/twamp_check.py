#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""twamp_check: the assertions of test_twamp.sh over the JSON that
twamp_peer.py and `tuskctl --json twamp` wrote.

  sender TX.json REFL.json COUNT SIZE DSCP   tuskd's packets as the Python
        reflector saw them, and tuskd's result against the reflector's
        own receive times
  delay-peer SEND.json MS TOL    the Python sender through a stage that
        delays tuskd's tx: minimum RTT and backward MS +- TOL, forward ~0
  delay-tuskd TX.json MS TOL     tuskd's sender: RTT and forward MS +- TOL
        Both exit 2 when a minimum is above its tolerance but none below:
        scheduling added time to every packet; the test measures again.
  loss TX.json STAGE0 STAGE1 PPM N   lost = what the stage dropped, and
        within 4 sigma of PPM of N
"""
import json
import math
import statistics
import sys

NTP_UNIX = 2208988800
# tuskd's IPv4 TTL (app/stack/ipv4.h TUSK_IPV4_DEFAULT_TTL)
TUSKD_TTL = 64
# Largest one-way delay over an unimpaired veth, loaded host included.
IDLE_MS = 1.0


def fail(msg):
    print("twamp_check: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def load(path):
    with open(path) as f:
        return json.load(f)


def ns_of_ntp(t):
    return ((t >> 32) - NTP_UNIX) * 10**9 + (((t & 0xFFFFFFFF) * 10**9 + (1 << 31)) >> 32)


# Exit status of a delay check whose minimum came out above the set delay
# but never below it: time added by scheduling (test_twamp.sh measures
# again), not a wrong delay.
INFLATED = 2


def near(what, got, want, tol, inflatable=False):
    if got < want - tol or (got > want + tol and not inflatable):
        fail("%s = %.3f ms, want %.3f +- %.3f" % (what, got, want, tol))
    if got > want + tol:
        print("# %s = %.3f ms: above %.3f + %.3f, the lcore was not running"
              % (what, got, want, tol))
        return False
    print("# ok: %s = %.3f ms (want %.3f +- %.3f)" % (what, got, want, tol))
    return True


def sender(tx, refl, count, size, dscp):
    r = load(tx)["result"]
    seen = [p for p in load(refl) if "seq" in p]
    if [p["seq"] for p in seen] != list(range(count)):
        fail("reflector saw sequence numbers %s" % [p["seq"] for p in seen][:12])
    for p in seen:
        if p["len"] != size or not p["padding_zero"]:
            fail("seq %d: %d bytes (want %d), padding zero %s"
                 % (p["seq"], p["len"], size, p["padding_zero"]))
        if p["tos"] != dscp << 2 or p["ttl"] != TUSKD_TTL:
            fail("seq %d: TOS %s TTL %s, want %d and %d"
                 % (p["seq"], p["tos"], p["ttl"], dscp << 2, TUSKD_TTL))
        if p["err"] & 0xFF == 0 or p["err"] & 0x4000:
            fail("seq %d: error estimate %#x" % (p["seq"], p["err"]))
        fwd = (p["rx_ns"] - ns_of_ntp(p["ts"])) / 1e6
        if not -IDLE_MS < fwd < 50:
            fail("seq %d: tuskd's timestamp is %.3f ms before the peer's "
                 "kernel received it" % (p["seq"], fwd))
    want = {"sent": count, "received": count, "lost": 0, "duplicates": 0,
            "reordered": 0, "size": size, "dscp": dscp, "count": count}
    for k, v in want.items():
        if r[k] != v:
            fail("result %s = %s, want %s" % (k, r[k], v))
    fwds = [(p["rx_ns"] - ns_of_ntp(p["ts"])) / 1e6 for p in seen]
    # tuskd's forward delays are the reflector's receive times less its
    # own send times: the same figures the reflector computes, to 1 us
    for k, v in (("min", min(fwds)), ("max", max(fwds)),
                 ("mean", statistics.fmean(fwds))):
        near("forward_ms." + k, r["forward_ms"][k], v, 0.001)
    rtt = r["rtt_ms"]
    if not 0 < rtt["min"] <= rtt["p50"] <= rtt["p99"] <= rtt["max"]:
        fail("rtt_ms not ordered: %s" % rtt)
    if r["ttl"] != {"min": 64, "max": 64}:
        fail("ttl %s, want 64" % r["ttl"])
    for k in ("synced", "error_ms", "local_error_ms", "remote_error_ms"):
        if k not in r["clock"]:
            fail("clock.%s missing" % k)


def delay_peer(path, ms, tol):
    d = load(path)
    if d["received"] != d["sent"]:
        fail("%d of %d came back" % (d["received"], d["sent"]))
    rtt, fwd, back = [], [], []
    for _, t1, t2, t3, t4 in d["packets"]:
        rtt.append(((t4 - t1) - (t3 - t2)) / 1e6)
        fwd.append((t2 - t1) / 1e6)
        back.append((t4 - t3) / 1e6)
    # The stage holds each frame exactly `ms`; what a packet takes beyond
    # it is queueing and scheduling (two cores shared by every test: a
    # polling lcore is sometimes not running for tens of ms). The path's
    # delay is the minimum, and no packet may take less.
    ok = [near("peer rtt min", min(rtt), ms, tol, True),
          near("peer backward min", min(back), ms, tol, True),
          near("peer forward min", min(fwd), 0, IDLE_MS, True)]
    print("# peer medians: rtt %.3f forward %.3f backward %.3f ms"
          % (statistics.median(rtt), statistics.median(fwd),
             statistics.median(back)))
    return all(ok)


def delay_tuskd(path, ms, tol):
    r = load(path)["result"]
    if r["lost"] != 0:
        fail("lost %d" % r["lost"])
    ok = [near("tuskd rtt_ms.min", r["rtt_ms"]["min"], ms, tol, True),
          near("tuskd forward_ms.min", r["forward_ms"]["min"], ms, tol, True),
          near("tuskd backward_ms.min", r["backward_ms"]["min"], 0, IDLE_MS,
               True)]
    print("# tuskd p50: rtt %.3f forward %.3f backward %.3f ms"
          % (r["rtt_ms"]["p50"], r["forward_ms"]["p50"],
             r["backward_ms"]["p50"]))
    return all(ok)


def stage_lost(path):
    r = load(path)["result"]
    return ((r.get("tx") or {}).get("stats") or {}).get("lost", 0)


def loss(path, s0, s1, ppm, n):
    r = load(path)["result"]
    dropped = stage_lost(s1) - stage_lost(s0)
    p = ppm / 1e6
    sigma = math.sqrt(n * p * (1 - p))
    print("# tuskd: sent %d lost %d (%.1f%%); the stage dropped %d"
          % (r["sent"], r["lost"], r["loss_percent"], dropped))
    if r["sent"] != n or r["lost"] != dropped:
        fail("lost %d, the stage dropped %d" % (r["lost"], dropped))
    if abs(r["lost"] - n * p) > 4 * sigma:
        fail("lost %d of %d: beyond 4 sigma (%.1f) of %.0f"
             % (r["lost"], n, sigma, n * p))
    if r["duplicates"] != 0 or r["received"] + r["lost"] != n:
        fail("received %d + lost %d != %d" % (r["received"], r["lost"], n))


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "sender":
        sender(a[0], a[1], int(a[2]), int(a[3]), int(a[4]))
    elif cmd == "delay-peer":
        sys.exit(0 if delay_peer(a[0], float(a[1]), float(a[2])) else INFLATED)
    elif cmd == "delay-tuskd":
        sys.exit(0 if delay_tuskd(a[0], float(a[1]), float(a[2])) else INFLATED)
    elif cmd == "loss":
        loss(a[0], a[1], a[2], int(a[3]), int(a[4]))
    else:
        fail("unknown check " + cmd)


if __name__ == "__main__":
    main()
