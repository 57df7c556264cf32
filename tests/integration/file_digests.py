#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""file_digests.py: a file's digests as HTTP fields carry them, computed
with Python's own libraries, the reference tusk's are compared with.

  adler32  zlib.adler32 (RFC 1950)
  md5      hashlib.md5, sha-256 hashlib.sha256
  crc32c   not in Python's library: ISA-L's crc32_iscsi through ctypes
           (libisal2, what tools/tusk-setup installs), checked at import
           against a table-driven CRC written here (RFC 9260 appendix A,
           polynomial 0x1EDC6F41, reflected 0x82F63B78; too slow for
           files: ~1 MB/s) on the check value 0xE3069283 of "123456789"
           and on 64 KiB of random bytes. (tusk's own crc32c is checked
           against the SSE4.2 implementation in tests/unit/
           test_digest_algs.c.)

Usage: file_digests.py FILE [FORM]   FORM: hex (default), rfc3230, rfc9530
  hex      one line per algorithm: "adler32 03da0195"
  rfc3230  the Digest value an RFC 3230 server sends for each, one a line:
           "adler32=03da0195", "md5=<base64>", "sha-256=<base64>",
           "crc32c=<8 hex>"
  rfc9530  "adler=:<base64>:" ... (RFC 9530 byte sequences)
"""

import base64
import ctypes
import hashlib
import os
import sys
import zlib

BLOCK = 4 << 20


def _table():
    t = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


TABLE = _table()


def crc32c_table(data, crc=0):
    crc ^= 0xFFFFFFFF
    t = TABLE
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


_isal = ctypes.CDLL("libisal.so.2")
_isal.crc32_iscsi.restype = ctypes.c_uint32
_isal.crc32_iscsi.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint32]


def crc32c(data, crc=0):
    """Standard CRC32C of data, continuing from crc (0 to start)."""
    return _isal.crc32_iscsi(bytes(data), len(data), crc ^ 0xFFFFFFFF) ^ \
        0xFFFFFFFF


assert crc32c_table(b"123456789") == 0xE3069283
assert crc32c(b"123456789") == 0xE3069283
_SAMPLE = os.urandom(65536)
assert crc32c(_SAMPLE[1000:], crc32c(_SAMPLE[:1000])) == crc32c_table(_SAMPLE)


def digests(path, want_crc=True):
    """Raw digests: {name: bytes}."""
    a, m, s, c, size = 1, hashlib.md5(), hashlib.sha256(), 0, 0
    with open(path, "rb") as f:
        while True:
            b = f.read(BLOCK)
            if not b:
                break
            size += len(b)
            a = zlib.adler32(b, a)
            m.update(b)
            s.update(b)
            if want_crc:
                c = crc32c(b, c)
    out = {"adler32": a.to_bytes(4, "big"), "md5": m.digest(),
           "sha-256": s.digest()}
    if want_crc:
        out["crc32c"] = c.to_bytes(4, "big")
    return out


def main():
    path = sys.argv[1]
    form = sys.argv[2] if len(sys.argv) > 2 else "hex"
    d = digests(path)
    for name, raw in d.items():
        if form == "hex":
            print(name, raw.hex())
        elif form == "rfc3230":
            v = raw.hex() if name in ("adler32", "crc32c") else \
                base64.b64encode(raw).decode()
            print("%s=%s" % (name, v))
        else:
            key = "adler" if name == "adler32" else name
            print("%s=:%s:" % (key, base64.b64encode(raw).decode()))


if __name__ == "__main__":
    main()
