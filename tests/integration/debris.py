#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""debris.py: tuskd's leftovers under a data root, one path a line.

What a crash can leave (app/fileio/sweep.h), written out again here so
that the tests do not take the sweep's word for it:
  .NAME.tusk-tmp.<16 hex>            an upload or a record save cut short
  DEST.tusk-part without its record  a fetch nothing can resume
  DEST.tusk-part.state without part  a record of nothing
Paths are relative to the root; symlinks are not followed. Exit 0 always
(an empty output: no debris).

Usage: debris.py ROOT
"""

import os
import re
import sys

TMP = re.compile(r"^\..+\.tusk-tmp\.[0-9a-f]{16}$")
PART = ".tusk-part"
RECORD = ".tusk-part.state"


def debris(root):
    for d, dirs, files in os.walk(root):
        names = set(files) | set(dirs)
        for f in sorted(files):
            path = os.path.join(d, f)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            if TMP.match(f):
                yield path
            elif f.endswith(RECORD) and len(f) > len(RECORD):
                if f[:-len(".state")] not in names:
                    yield path
            elif f.endswith(PART) and len(f) > len(PART):
                if f + ".state" not in names:
                    yield path


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    root = sys.argv[1]
    for p in debris(root):
        print(os.path.relpath(p, root))


if __name__ == "__main__":
    main()
