#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""dav_list.py: a WebDAV multistatus (RFC 4918 13) as lines, for tests.

Usage: dav_list.py FILE BASE
Prints one line per response whose href is below BASE (BASE itself left
out), sorted: NAME TAB SIZE TAB KIND TAB CHECKSUM, where NAME is the
percent-decoded last component, SIZE the getcontentlength ("-" when
absent), KIND "d" (resourcetype collection) or "f", CHECKSUM dCache's
Checksums value or "-". Exits 1 on a response without a 200 propstat,
an href that is not percent-encoded ASCII, or a directory href without
its trailing slash.
"""

import sys
import urllib.parse
import xml.etree.ElementTree as ET

D = "{DAV:}"
C = "{http://www.dcache.org/2013/webdav}"


def main():
    path, base = sys.argv[1], sys.argv[2]
    rows = []
    for r in ET.parse(path).getroot().findall(D + "response"):
        href = r.findtext(D + "href")
        if not href.isascii() or " " in href:
            sys.exit("href not percent-encoded: %r" % href)
        ok = [p for p in r.findall(D + "propstat")
              if p.findtext(D + "status") == "HTTP/1.1 200 OK"]
        if not ok:
            sys.exit("no 200 propstat for %s" % href)
        prop = ok[0].find(D + "prop")
        coll = prop.find(D + "resourcetype/" + D + "collection") is not None
        if coll != href.endswith("/"):
            sys.exit("collection %s vs trailing slash: %s" % (coll, href))
        if href.rstrip("/") == base.rstrip("/"):
            continue
        name = urllib.parse.unquote(href.rstrip("/").rsplit("/", 1)[1])
        rows.append("%s\t%s\t%s\t%s" % (
            name, prop.findtext(D + "getcontentlength") or "-",
            "d" if coll else "f", prop.findtext(C + "Checksums") or "-"))
    for row in sorted(rows):
        print(row)


main()
