#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check what tusk-ctrld's http archiver POSTed (archive_receiver.py's
DIR) and its journal's view (`tuskctl test show`): RUNS records, one per
run index, each in pScheduler's archiver record shape with a throughput
result in pScheduler's shape; the journal's runs finished and archived.

usage: pstask_check.py DIR SHOW.json RUNS
"""
import glob
import json
import sys


def fail(msg):
    print("pstask_check: " + msg, file=sys.stderr)
    sys.exit(1)


def need(o, k, what, kind=None):
    if not isinstance(o, dict) or k not in o:
        fail("%s: no %s" % (what, k))
    if kind is not None and not isinstance(o[k], kind):
        fail("%s.%s: %r" % (what, k, o[k]))
    return o[k]


def check_point(p, what):
    for k in ("throughput-bits", "throughput-bytes", "start", "end"):
        need(p, k, what, (int, float))
    if p["throughput-bits"] <= 0:
        fail(what + ": throughput-bits 0")


def check_record(r, n):
    what = "record %d" % n
    need(r, "id", what, str)
    sch = need(r, "schedule", what, dict)
    need(sch, "start", what + ".schedule", str)
    need(sch, "duration", what + ".schedule", str)
    if need(r, "test", what, dict)["type"] != "throughput":
        fail(what + ": test type")
    need(need(r, "tool", what, dict), "name", what + ".tool", str)
    run = need(r, "run", what, dict)
    need(r, "task", what, dict)
    res = need(r, "result", what, dict)
    if need(res, "succeeded", what + ".result") is not True:
        fail(what + ": not succeeded: %s" % res.get("error"))
    ivs = need(res, "intervals", what + ".result", list)
    if not ivs:
        fail(what + ": no intervals")
    for i, iv in enumerate(ivs[:-1]):
        check_point(need(iv, "summary", "interval", dict), "%s interval %d" % (what, i))
        for st in need(iv, "streams", "interval", list):
            need(st, "stream-id", "interval stream", int)
            need(st, "retransmits", "interval stream", int)
            need(st, "tcp-window-size", "interval stream", int)
            need(st, "rtt", "interval stream", int)
    s = need(res, "summary", what + ".result", dict)
    ss = need(s, "summary", what + ".result.summary", dict)
    check_point(ss, what + " summary")
    need(ss, "retransmits", what + " summary", int)
    need(ss, "rtt", what + " summary", (int, float))
    rb = need(ss, "receiver-throughput-bits", what + " summary", (int, float))
    # two clocks measure the seconds (ours from TEST_RUNNING, the
    # server its own): the 10%
    if abs(rb - ss["throughput-bits"]) > 0.10 * ss["throughput-bits"]:
        fail(what + ": receiver and sender throughput 10%% apart: %s vs %s" % (rb, ss["throughput-bits"]))
    for st in need(s, "streams", what + ".result.summary", list):
        check_point(st, what + " summary stream")
    return run["index"]


def main():
    d, show, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    files = sorted(f for f in glob.glob(d + "/*.json") if not f.endswith(".meta.json"))
    if len(files) != runs:
        fail("%d records archived, not %d" % (len(files), runs))
    idx = []
    for n, f in enumerate(files):
        with open(f) as fh:
            rec = json.load(fh)
        with open(f[:-5] + ".meta.json") as fh:
            meta = json.load(fh)
        if meta["method"] != "POST" or \
                meta["headers"].get("Content-Type") != "application/json" or \
                meta["headers"].get("x-ps-observer") != "tusk-test":
            fail("record %d: %s %s" % (n, meta["method"], meta["headers"]))
        idx.append(check_record(rec, n))
    if sorted(idx) != list(range(runs)):
        fail("run indexes archived: %s" % idx)
    with open(show) as fh:
        t = json.load(fh)
    if not t["done"] or t["reason"] != "max-runs reached" or t["runs"] != runs:
        fail("task: done %s reason %s runs %s" % (t["done"], t["reason"], t["runs"]))
    for r in t["results"]:
        if r["state"] != "finished" or not r["archived"] or not r["succeeded"]:
            fail("run %d: %s archived %s %s" % (r["index"], r["state"],
                                                r["archived"], r["archive_error"]))
        if not r["throughput-bits"] or r["throughput-bits"] <= 0:
            fail("run %d: no throughput" % r["index"])
        if r["result"]["summary"]["summary"]["throughput-bits"] != r["throughput-bits"]:
            fail("run %d: journal figure and result differ" % r["index"])
        if r["start"] < r["scheduled"] - 0.5:
            fail("run %d started before its slot" % r["index"])


if __name__ == "__main__":
    main()
