#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Print one counter from saved `tuskctl --json stats` output.

usage: stat.py FILE PATH     e.g. stat.py s.json drops.ip_bad_csum

The control socket answers {"ok": true, "result": {...}}; tuskctl --json may
print either that or the result alone, so both are accepted. A counter that
is absent is an error (a typo in a test must not read as zero).
"""
import json
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        doc = json.load(f)
    if isinstance(doc, dict) and "result" in doc and "ok" in doc:
        if not doc["ok"]:
            sys.exit("stats: tuskd said: %s" % doc.get("error"))
        doc = doc["result"]
    node = doc
    for part in sys.argv[2].split("."):
        if not isinstance(node, dict) or part not in node:
            sys.exit("stats: no counter %r in %s" % (sys.argv[2], sys.argv[1]))
        node = node[part]
    if not isinstance(node, int):
        sys.exit("stats: %r is not a number: %r" % (sys.argv[2], node))
    print(node)


main()
