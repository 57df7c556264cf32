#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""gfal_ops.py: what test_grid_dav.sh asks of Debian's python3-gfal2.

usage: gfal_ops.py ns BASE            namespace: mkdir, stat, listdir,
                                      rename, unlink, rmdir under BASE/g
       gfal_ops.py tpc MODE SRC DST   a third-party copy only (MODE
                                      "3rd pull" or "3rd push": no
                                      streamed fallback)
       gfal_ops.py sums URL           the checksums gfal2 asks the server
                                      for: "alg value" per line (gfal2's
                                      ADLER32, MD5, SHA-256, CRC32C)
       gfal_ops.py copysum SRC DST    a streamed copy (gfal2 GETs and PUTs)
                                      with checksum mode both, ADLER32:
                                      the source's and the target's asked
Run with /usr/bin/python3 (gfal2's module is Debian's). Prints one line
per step; exits non-zero with the gfal2 error on the first failure.

tuskd wants a token and gfal2 sends bearer tokens over HTTPS only: the
token (TUSK_TOKEN, lib.sh) rides in the URL's query as ?authz=, which
tuskd reads as XRootD does (the test passes TPC URLs with it already).
"""
import os
import stat
import sys

import gfal2


def ctx_new():
    ctx = gfal2.creat_context()
    # tokens are not fetched by gfal2 here (the test sends none over
    # plain HTTP): no macaroon request before a copy
    ctx.set_opt_boolean("HTTP PLUGIN", "RETRIEVE_BEARER_TOKEN", False)
    return ctx


def tok(url):
    """url with the lab's token in its query (none without one). The
    token is followed by '&': davix's rmdir appends '/' to the URL it is
    given, query and all, and "authz=TOKEN/" is no token."""
    t = os.environ.get("TUSK_TOKEN", "")
    return url + "?authz=" + t + "&" if t else url


def ns(base):
    ctx = ctx_new()
    d = base + "/g"
    ctx.mkdir(tok(d), 0o755)
    st = ctx.stat(tok(d))
    assert stat.S_ISDIR(st.st_mode), "stat of a new directory: not a dir"
    print("mkdir+stat ok")
    ctx.mkdir(tok(d + "/sub"), 0o755)
    names = sorted(ctx.listdir(tok(d)))
    assert names == ["sub"], "listdir %r" % names
    print("listdir ok", names)
    ctx.rename(tok(d + "/sub"), tok(d + "/sub2"))
    names = sorted(ctx.listdir(tok(d)))
    assert names == ["sub2"], "after rename: %r" % names
    print("rename ok", names)
    ctx.rmdir(tok(d + "/sub2"))
    ctx.rmdir(tok(d))
    try:
        ctx.stat(tok(d))
    except gfal2.GError as e:
        print("rmdir ok (stat: %s)" % e.message.strip())
    else:
        sys.exit("stat after rmdir succeeded")


def unlink(url):
    ctx_new().unlink(tok(url))
    print("unlink ok")


def tpc(mode, src, dst):
    ctx = ctx_new()
    ctx.set_opt_string("HTTP PLUGIN", "DEFAULT_COPY_MODE", mode)
    ctx.set_opt_boolean("HTTP PLUGIN", "ENABLE_STREAM_COPY", False)
    ctx.set_opt_boolean("HTTP PLUGIN", "ENABLE_FALLBACK_TPC_COPY", False)
    p = ctx.transfer_parameters()
    p.overwrite = True
    p.timeout = 120
    ctx.filecopy(p, src, dst)
    print("filecopy ok (%s)" % mode)


def sums(url):
    ctx = ctx_new()
    for alg in ("ADLER32", "MD5", "SHA-256", "CRC32C"):
        print(alg.lower(), ctx.checksum(tok(url), alg).strip().lower())


def copysum(src, dst):
    ctx = ctx_new()
    ctx.set_opt_string("HTTP PLUGIN", "DEFAULT_COPY_MODE", "streamed")
    ctx.set_opt_boolean("HTTP PLUGIN", "ENABLE_STREAM_COPY", True)
    p = ctx.transfer_parameters()
    p.overwrite = True
    p.timeout = 120
    p.set_checksum(gfal2.checksum_mode.both, "ADLER32", "")
    ctx.filecopy(p, tok(src), tok(dst))
    print("filecopy ok (streamed, checksum both ADLER32)")


def main():
    try:
        if sys.argv[1] == "ns":
            ns(sys.argv[2])
        elif sys.argv[1] == "unlink":
            unlink(sys.argv[2])
        elif sys.argv[1] == "sums":
            sums(sys.argv[2])
        elif sys.argv[1] == "copysum":
            copysum(sys.argv[2], sys.argv[3])
        else:
            tpc(sys.argv[2], sys.argv[3], sys.argv[4])
    except gfal2.GError as e:
        sys.exit("gfal2: %s (code %d)" % (e.message, e.code))


main()
