#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""authz_attack.py: an attacker with narrow tokens against tuskd's HTTP
endpoint (test_http_authz.sh), over http and https.

  authz_attack.py keys DIR
      DIR/jwks_other.json: DIR/other.pem's public half as kid "o1", the
      JWKS of a second trusted issuer (jwt_make.py made the keys).
  authz_attack.py run --base URL [--cacert PEM] --root DIR --keys DIR
                      --secret FILE --name NAME --iss ISS --other-iss ISS
                      --sink HOST:PORT --src URL --mac-tuskctl TOKEN
                      [--table FILE]
      Lays out its files in the data root (as the operator), then sends
      every case of CASES, each on a connection of its own, byte for byte
      (raw sockets: nothing normalised). A case passes when the status is
      one it allows AND the data root changed only where it allows (every
      file's SHA-256 before and after), AND the push sink received only
      what it allows. Prints one line per case; exits 1 if any failed.

Tokens are made here: JWTs signed with the issuers' keys (python3-jwt,
or by hand for the forgeries PyJWT refuses to make), macaroons minted
with the lab's secret in the format of app/auth/README.md (so the
holder-added caveats and the orders and locations tuskctl would never
mint can be tried), and one macaroon from `tuskctl token mint`.
"""

import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import socket
import ssl
import sys
import threading
import time

import jwt
from cryptography.hazmat.primitives import serialization
from jwt.algorithms import RSAAlgorithm

# One request's answer within this, else the case fails (a COPY runs
# seconds; everything else answers at once).
TIMEOUT_S = 30
# Size of the files laid out: small, the bytes matter, not the time.
FILE_BYTES = 64 << 10
TTL = 600
READ_CHUNK = 1 << 16


# ---- tokens ----

def b64u(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64j(obj):
    return b64u(json.dumps(obj, separators=(",", ":")).encode())


def load_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


class Jwts:
    def __init__(self, keys, iss, other_iss, aud):
        self.rsa = load_key(os.path.join(keys, "rsa.pem"))
        self.ec = load_key(os.path.join(keys, "ec.pem"))
        self.other = load_key(os.path.join(keys, "other.pem"))
        self.iss, self.other_iss, self.aud = iss, other_iss, aud

    def claims(self, sc, **kw):
        now = int(time.time())
        c = {"iss": self.iss, "aud": self.aud, "sub": "attacker",
             "iat": now, "exp": now + TTL, "wlcg.ver": "1.0",
             "jti": os.urandom(8).hex()}
        if sc is not None:
            c["scope"] = sc
        for k, v in kw.items():
            if v is None:
                c.pop(k, None)
            else:
                c[k] = v
        return c

    def rs(self, sc, hdr=None, key=None, **kw):
        h = {"kid": "r1"}
        h.update(hdr or {})
        return jwt.encode(self.claims(sc, **kw), key or self.rsa,
                          algorithm="RS256", headers=h)

    def es(self, sc, **kw):
        return jwt.encode(self.claims(sc, **kw), self.ec,
                          algorithm="ES256", headers={"kid": "e1"})

    def raw_rs(self, payload_text):
        """RS256 over a payload given as text (duplicate keys)."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        h = b64j({"alg": "RS256", "typ": "JWT", "kid": "r1"})
        p = b64u(payload_text.encode())
        sig = self.rsa.sign(("%s.%s" % (h, p)).encode(), padding.PKCS1v15(),
                            hashes.SHA256())
        return "%s.%s.%s" % (h, p, b64u(sig))

    def hs_with_public(self, scope):
        """alg confusion: HS256 keyed by the issuer's public key PEM."""
        pub = self.rsa.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo)
        h = b64j({"alg": "HS256", "typ": "JWT", "kid": "r1"})
        p = b64j(self.claims(scope))
        sig = hmac.new(pub, ("%s.%s" % (h, p)).encode(),
                       hashlib.sha256).digest()
        return "%s.%s.%s" % (h, p, b64u(sig))

    def none(self, scope):
        return "%s.%s." % (b64j({"alg": "none", "kid": "r1"}),
                           b64j(self.claims(scope)))


class Macaroons:
    """The V1 packet layout of app/auth/README.md, minted with the lab's
    secret, and attenuated as any holder can (no secret needed)."""

    def __init__(self, secret_file, name):
        with open(secret_file) as f:
            secret = bytes.fromhex(f.read().strip())
        gen = b"macaroons-key-generator".ljust(32, b"\0")
        self.key = hmac.new(gen, secret, hashlib.sha256).digest()
        self.name = name

    @staticmethod
    def pkt(key, val):
        body = key.encode() + b" " + val + b"\n"
        return b"%04x" % (len(body) + 4) + body

    def mint(self, caveats, location=None):
        ident = os.urandom(16).hex().encode()
        sig = hmac.new(self.key, ident, hashlib.sha256).digest()
        raw = self.pkt("location", (location or self.name).encode())
        raw += self.pkt("identifier", ident)
        for c in caveats:
            raw += self.pkt("cid", c.encode())
            sig = hmac.new(sig, c.encode(), hashlib.sha256).digest()
        return b64u(raw + self.pkt("signature", sig))

    @classmethod
    def attenuate(cls, tok, caveat):
        raw = base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4))
        sig = raw[-33:-1]
        head = raw[:-(4 + len("signature ") + 32 + 1)]
        sig = hmac.new(sig, caveat.encode(), hashlib.sha256).digest()
        return b64u(head + cls.pkt("cid", caveat.encode()) +
                    cls.pkt("signature", sig))


def when(delta):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + delta))


def make_tokens(a):
    j = Jwts(a.keys, a.iss, a.other_iss, a.name)
    m = Macaroons(a.secret, a.name)
    later, past = "before:" + when(TTL), "before:" + when(-3600)
    rd = "activity:DOWNLOAD,LIST"
    t = {
        "r_a": j.rs("storage.read:/a"),
        "r_a_es": j.es("storage.read:/a"),
        "r_a_slash": j.rs("storage.read:/a/"),
        "c_up": j.es("storage.create:/up"),
        "m_up": j.rs("storage.modify:/up"),
        "c_a": j.rs("storage.create:/a"),
        "m_a": j.rs("storage.modify:/a"),
        "m_mv": j.rs("storage.modify:/mv"),
        "c_mv": j.rs("storage.create:/mv"),
        "m_mv_c_dst": j.rs("storage.modify:/mv storage.create:/dst"),
        "stage_a": j.rs("storage.stage:/a"),
        "root_all": j.rs("storage.read:/ storage.modify:/"),
        # token tricks
        "hs_pub": j.hs_with_public("storage.read:/"),
        "none": j.none("storage.read:/"),
        "kid_other_iss": j.rs("storage.read:/", key=j.other,
                              hdr={"kid": "o1"}),
        "other_iss_kid_r1": j.rs("storage.read:/", iss=a.other_iss),
        "other_iss_own": j.rs("storage.read:/a", key=j.other,
                              hdr={"kid": "o1"}, iss=a.other_iss),
        "crit": j.rs("storage.read:/", hdr={"crit": ["x-tusk-policy"],
                                             "x-tusk-policy": "narrow"}),
        "no_exp": j.rs("storage.read:/a", exp=None),
        "exp_huge": j.rs("storage.read:/a", exp=(1 << 63) - 1),
        "exp_float": j.rs("storage.read:/a", exp=time.time() + TTL),
        "nbf_future": j.rs("storage.read:/a", nbf=int(time.time()) + 3600),
        "iat_future": j.rs("storage.read:/a", iat=int(time.time()) + 3600),
        "scope_rel": j.rs("storage.read:a"),
        "scope_nopath": j.rs("storage.read"),
        "scope_empty": j.rs("storage.read:"),
        "scope_dotdot": j.rs("storage.read:/a/../b"),
        "scope_dslash": j.rs("storage.read://b"),
        "scope_one_bad": j.rs("storage.read:/a storage.modify"),
        "scope_tab": j.rs("storage.read:/a\tstorage.read:/b"),
        "scope_array": j.rs(None, scope=["storage.read:/"]),
        "scope_case": j.rs("STORAGE.READ:/"),
        "scope_poll": j.rs("storage.poll:/"),
        "no_scope": j.rs(None),
        "aud_array_ok": j.rs("storage.read:/a", aud=["other", a.name]),
        "aud_array_bad": j.rs("storage.read:/a", aud=["other", "x"]),
        "aud_missing": j.rs("storage.read:/a", aud=None),
        "aud_empty": j.rs("storage.read:/a", aud=""),
        "iss_slash": j.rs("storage.read:/a", iss=a.iss + "/"),
        "dup_scope": j.raw_rs(
            '{"iss":"%s","aud":"%s","sub":"x","iat":%d,"exp":%d,'
            '"scope":"storage.read:/a","scope":"storage.read:/"}'
            % (a.iss, a.name, int(time.time()), int(time.time()) + TTL)),
        "long": j.rs("storage.read:/a", pad="x" * 20000),
        # macaroons
        "mac_tuskctl": a.mac_tuskctl,
        "mac_r_a": m.mint(["path:/a", rd, later]),
        "mac_order": m.mint([later, rd, "path:/a"]),
        "mac_two_paths": m.mint(["path:/a", "path:/b", rd, later]),
        "mac_exp_then_later": m.mint(["path:/a", rd, past, later]),
        "mac_later_then_exp": m.mint(["path:/a", rd, later, past]),
        "mac_other_loc": m.mint(["path:/a", rd, later], location="other-dtn"),
        "mac_no_before": m.mint(["path:/a", rd]),
        "mac_no_activity": m.mint(["path:/a", later]),
        "mac_unknown": m.mint(["path:/a", rd, later, "ip:0.0.0.0/0"]),
        "mac_dotdot": m.mint(["path:/a/../b", rd, later]),
        "mac_meta_only": m.mint(["path:/a", "activity:READ_METADATA",
                                 later]),
        "mac_dup_act": m.mint(["path:/a", rd, "activity:UPLOAD", later]),
        "mac_up_create": m.mint(["path:/up", "activity:UPLOAD", later]),
        "mac_mv_manage": m.mint(["path:/mv", "activity:MANAGE", later]),
    }
    root = m.mint(["path:/", "activity:DOWNLOAD,UPLOAD,MANAGE,LIST,DELETE",
                   later])
    t["mac_root"] = root
    t["mac_att_narrow"] = Macaroons.attenuate(root, "path:/a")
    t["mac_att_widen"] = Macaroons.attenuate(t["mac_r_a"], "path:/")
    t["mac_att_act"] = Macaroons.attenuate(t["mac_r_a"], "activity:UPLOAD")
    t["mac_att_later"] = Macaroons.attenuate(
        m.mint(["path:/a", rd, past]), later)
    forged = bytearray(base64.urlsafe_b64decode(
        t["mac_r_a"] + "=" * (-len(t["mac_r_a"]) % 4)))
    forged[-5] ^= 1
    t["mac_forged"] = b64u(bytes(forged))
    return t


# ---- the data root ----

def put_file(root, rel, data=None):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data if data is not None else os.urandom(FILE_BYTES))


def layout(root):
    for rel in ("a/f.bin", "a/sub/g.bin", "ab/x.bin", "b/secret.bin",
                "up/old.bin", "mv/s.bin", "dst/old.bin"):
        put_file(root, rel)
    os.makedirs(os.path.join(root, "b/dir"), exist_ok=True)
    # the operator's symlinks: out of the token's tree, and within it
    for link, to in (("a/ln_file", "../b/secret.bin"), ("a/ln_dir", "../b"),
                     ("a/ln_in", "f.bin"), ("up/ln_dir", "../b"),
                     ("mv/ln_dir", "../b"), ("mv/ln_out", "../b/secret.bin")):
        p = os.path.join(root, link)
        if not os.path.lexists(p):
            os.symlink(to, p)


def snapshot(root):
    """rel -> sha256 (files) or 'dir'; tuskd's own temporaries left out."""
    out = {}
    for d, dirs, files in os.walk(root):
        for n in dirs:
            rel = os.path.relpath(os.path.join(d, n), root)
            if ".tusk-" not in rel:
                out[rel] = "dir"
        for n in files:
            rel = os.path.relpath(os.path.join(d, n), root)
            if ".tusk-" in rel or rel.endswith(".part"):
                continue
            with open(os.path.join(d, n), "rb") as f:
                out[rel] = hashlib.sha256(f.read()).hexdigest()
    return out


def changed(before, after):
    return {k for k in set(before) | set(after)
            if before.get(k) != after.get(k)}


# ---- the push sink: a PUT receiver on the peer ----

class Sink(http.server.BaseHTTPRequestHandler):
    got = []
    protocol_version = "HTTP/1.1"

    def do_PUT(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        Sink.got.append((self.path, hashlib.sha256(body).hexdigest()))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


# ---- one exchange, raw ----

class Client:
    def __init__(self, base, cacert):
        scheme, rest = base.split("://", 1)
        self.host, port = rest.split(":")
        self.port = int(port)
        self.ctx = None
        if scheme == "https":
            self.ctx = ssl.create_default_context(cafile=cacert)

    def conn(self):
        s = socket.create_connection((self.host, self.port), timeout=TIMEOUT_S)
        if self.ctx:
            s = self.ctx.wrap_socket(s, server_hostname=self.host)
        return s

    @staticmethod
    def read_head(s, buf):
        while b"\r\n\r\n" not in buf:
            b = s.recv(READ_CHUNK)
            if not b:
                return None, buf
            buf += b
        end = buf.index(b"\r\n\r\n")
        return buf[:end].decode("latin-1"), buf[end + 4:]

    @staticmethod
    def read_body(s, head, rest, method):
        lines = head.split("\r\n")
        status = int(lines[0][9:12])
        h = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            h[k.strip().lower()] = v.strip()
        if method == "HEAD" or status in (204, 304) or status < 200:
            return status, h, b""
        if "content-length" in h:
            n = int(h["content-length"])
            while len(rest) < n:
                b = s.recv(READ_CHUNK)
                if not b:
                    break
                rest += b
            return status, h, rest[:n]
        if h.get("transfer-encoding", "").lower() == "chunked":
            while not rest.endswith(b"0\r\n\r\n"):
                b = s.recv(READ_CHUNK)
                if not b:
                    break
                rest += b
            return status, h, rest
        while True:
            b = s.recv(READ_CHUNK)
            if not b:
                return status, h, rest
            rest += b

    def send(self, method, target, headers, body=b"", expect=False):
        head = "%s %s HTTP/1.1\r\nHost: %s\r\n" % (method, target, self.host)
        for hd in headers:
            head += hd + "\r\n"
        head += "Connection: close\r\n\r\n"
        with self.conn() as s:
            s.sendall(head.encode("latin-1"))
            buf = b""
            if expect:
                h, buf = self.read_head(s, buf)
                if h is None:
                    return 0, {}, b""
                if not h.startswith("HTTP/1.1 100"):
                    return self.read_body(s, h, buf, method)
            if body:
                try:
                    s.sendall(body)
                except OSError:
                    pass
            h, buf = self.read_head(s, buf)
            if h is None:
                return 0, {}, b""
            return self.read_body(s, h, buf, method)


# ---- the cases ----

def C(name, tok, method, target, want, hdr=(), body=b"", may=(), expect=False,
      sink=0, check=None):
    """tok: a token name, None, or a list of raw header lines. want: the
    statuses allowed. may: paths that may change. sink: PUTs the push
    sink may receive. check(status, body, files) -> reason or None."""
    return dict(name=name, tok=tok, method=method, target=target, want=want,
                hdr=list(hdr), body=body, may=set(may), expect=expect,
                sink=sink, check=check)


def body_is(rel):
    def chk(st, body, root):
        with open(os.path.join(root, rel), "rb") as f:
            return None if f.read() == body else "body is not %s" % rel
    return chk


def body_not_secret(st, body, root):
    with open(os.path.join(root, "b/secret.bin"), "rb") as f:
        sec = f.read()
    return "the secret's bytes came back" if sec[:4096] in body else None


def lists(names, absent):
    def chk(st, body, root):
        t = body.decode("latin-1")
        for n in names:
            if n not in t:
                return "%s not listed" % n
        for n in absent:
            if n in t:
                return "%s listed" % n
        return None
    return chk


def case_get(src):
    B = "/b/secret.bin"
    return [
        C("GET in scope", "r_a", "GET", "/a/f.bin", {200}, check=body_is("a/f.bin")),
        C("GET in scope ES256", "r_a_es", "GET", "/a/f.bin", {200}),
        C("GET scope with trailing /", "r_a_slash", "GET", "/a/f.bin", {200}),
        C("GET outside", "r_a", "GET", B, {403}),
        C("GET sibling prefix /ab", "r_a", "GET", "/ab/x.bin", {403}),
        C("GET /a/../b", "r_a", "GET", "/a/../b/secret.bin", {403}),
        C("GET /a/%2e%2e/b", "r_a", "GET", "/a/%2e%2e/b/secret.bin", {403}),
        C("GET /a/%2E%2E%2Fb", "r_a", "GET", "/a/%2E%2E%2Fb/secret.bin", {400}),
        C("GET /a%2f..%2fb", "r_a", "GET", "/a%2f..%2fb/secret.bin", {400}),
        C("GET //b (empty segment)", "r_a", "GET", "//b/secret.bin", {403}),
        C("GET /a/./../b", "r_a", "GET", "/a/./../b/secret.bin", {403}),
        C("GET /A (case)", "r_a", "GET", "/A/f.bin", {403}),
        C("GET NUL %00", "r_a", "GET", "/a/f.bin%00/../../b/secret.bin", {400}),
        C("GET overlong UTF-8 ..", "r_a", "GET",
          "/a/%c0%ae%c0%ae/b/secret.bin", {403, 404}, check=body_not_secret),
        C("GET query names /a", "r_a", "GET", B + "?/a/f.bin", {403}),
        C("GET absolute-form", "r_a", "GET", "http://evil.test" + B, {403}),
        C("GET absolute-form /a/..", "r_a", "GET",
          "http://x/a/../b/secret.bin", {403}),
        C("GET backslash", "r_a", "GET", "/a\\..\\b\\secret.bin", {403, 404},
          check=body_not_secret),
        C("GET Range outside", "r_a", "GET", B, {403}, hdr=["Range: bytes=0-9"]),
        C("GET outside, trailing /", "r_a", "GET", B + "/", {403}),
        C("GET in scope, trailing /", "r_a", "GET", "/a/f.bin/", {200, 404}),
        C("GET /a/. (the scope dir)", "r_a", "GET", "/a/.", {403, 404, 405}),
        C("PUT onto a dir outside, trailing /", "c_up", "PUT", "/b/", {403},
          hdr=["Content-Length: 5"], body=b"hello"),
        C("HEAD outside", "r_a", "HEAD", B, {403}),
        C("HEAD Range in scope", "r_a", "HEAD", "/a/f.bin", {200, 206},
          hdr=["Range: bytes=0-9"]),
        C("GET header narrow + ?authz= root", "r_a", "GET",
          B + "?authz=" + "@mac_root", {403}),
        C("GET ?authz= root, no header", None, "GET", B + "?authz=@mac_root",
          {200}),
        C("GET ?authz= narrow", None, "GET", B + "?authz=@r_a", {403}),
        C("GET two Authorization fields", ["Authorization: Bearer @r_a",
                                           "Authorization: Bearer @root_all"],
          "GET", B, {401}),
        C("GET Basic + ?authz= root", ["Authorization: Basic dTpw"], "GET",
          B + "?authz=@mac_root", {401}),
        C("GET bearer lower-case scheme", ["authorization: bearer @r_a"],
          "GET", "/a/f.bin", {200}),
        C("GET Bearer with extra spaces", ["Authorization: Bearer   @r_a  "],
          "GET", "/a/f.bin", {200}),
        C("GET token with a comma tail", ["Authorization: Bearer @r_a,x"],
          "GET", "/a/f.bin", {401}),
        C("GET folded Authorization", ["Authorization: Bearer", " @root_all"],
          "GET", B, {400, 401}),
        C("GET no token", None, "GET", B, {401}),
        C("OPTIONS", "r_a", "OPTIONS", B, {405, 403}, check=body_not_secret),
        C("TRACE", "r_a", "TRACE", B, {405, 403}, check=body_not_secret),
        C("lower-case get", "r_a", "get", B, {405, 400, 403},
          check=body_not_secret),
        C("PROPPATCH", "m_a", "PROPPATCH", "/b/secret.bin", {405, 403}),
        C("LOCK", "m_a", "LOCK", "/b/secret.bin", {405, 403}),
    ]


def case_put():
    return [
        C("PUT outside (create)", "c_up", "PUT", "/b/new.bin", {403},
          hdr=["Content-Length: 5"], body=b"hello"),
        C("PUT new (create)", "c_up", "PUT", "/up/n1.bin", {201},
          hdr=["Content-Length: 5"], body=b"hello", may={"up/n1.bin"}),
        C("PUT over (create)", "c_up", "PUT", "/up/old.bin", {403},
          hdr=["Content-Length: 5"], body=b"hello"),
        C("PUT over, macaroon UPLOAD", "mac_up_create", "PUT", "/up/old.bin",
          {403}, hdr=["Content-Length: 5"], body=b"hello"),
        C("PUT Expect 100 outside", "c_up", "PUT", "/b/new.bin", {403},
          hdr=["Content-Length: 5", "Expect: 100-continue"], body=b"hello",
          expect=True),
        C("PUT Expect 100 in scope", "c_up", "PUT", "/up/n2.bin", {201},
          hdr=["Content-Length: 5", "Expect: 100-continue"], body=b"hello",
          expect=True, may={"up/n2.bin"}),
        C("PUT chunked outside", "c_up", "PUT", "/b/new.bin", {403},
          hdr=["Transfer-Encoding: chunked"], body=b"5\r\nhello\r\n0\r\n\r\n"),
        C("PUT chunked in scope", "c_up", "PUT", "/up/n3.bin", {411, 201},
          hdr=["Transfer-Encoding: chunked"], body=b"5\r\nhello\r\n0\r\n\r\n",
          may={"up/n3.bin"}),
        C("PUT /up/../b", "c_up", "PUT", "/up/../b/new.bin", {403},
          hdr=["Content-Length: 5"], body=b"hello"),
        C("PUT /up/%2e%2e/b", "c_up", "PUT", "/up/%2e%2e/b/new.bin", {403},
          hdr=["Content-Length: 5"], body=b"hello"),
        C("PUT read token", "r_a", "PUT", "/a/new.bin", {403},
          hdr=["Content-Length: 5"], body=b"hello"),
        C("PUT stage token", "stage_a", "PUT", "/a/new.bin", {403},
          hdr=["Content-Length: 5"], body=b"hello"),
        C("PUT over (modify)", "m_up", "PUT", "/up/old.bin", {204},
          hdr=["Content-Length: 5"], body=b"hello", may={"up/old.bin"}),
        C("PUT onto the scope dir", "c_up", "PUT", "/up", {403},
          hdr=["Content-Length: 5"], body=b"hello"),
    ]


def case_dav():
    return [
        C("PROPFIND / Depth 1, scope /a", "r_a", "PROPFIND", "/", {403},
          hdr=["Depth: 1"]),
        C("PROPFIND /b Depth 0, scope /a", "r_a", "PROPFIND", "/b", {403},
          hdr=["Depth: 0"]),
        C("PROPFIND / Depth infinity", "r_a", "PROPFIND", "/", {403},
          hdr=["Depth: infinity"]),
        C("PROPFIND /a Depth 1", "r_a", "PROPFIND", "/a/", {207},
          hdr=["Depth: 1"], check=lists(["f.bin", "sub"], ["secret", "ab/"])),
        C("PROPFIND /a Depth 1, modify only", "m_a", "PROPFIND", "/a/", {403},
          hdr=["Depth: 1"]),
        C("PROPFIND /up/old.bin Depth 0, create (stat)", "c_up", "PROPFIND",
          "/up/old.bin", {207}, hdr=["Depth: 0"]),
        C("PROPFIND /up Depth 1, create (no list)", "c_up", "PROPFIND",
          "/up/", {403}, hdr=["Depth: 1"]),
        C("PROPFIND /a Depth 1, macaroon meta only", "mac_meta_only",
          "PROPFIND", "/a/", {403}, hdr=["Depth: 1"]),
        C("MKCOL outside", "c_up", "MKCOL", "/b/d", {403}),
        C("MKCOL in scope", "c_up", "MKCOL", "/up/d", {201}, may={"up/d"}),
        C("MKCOL read token", "r_a", "MKCOL", "/a/d", {403}),
        C("MKCOL /up/../b", "c_up", "MKCOL", "/up/../b/d", {403}),
        C("DELETE outside", "m_up", "DELETE", "/b/secret.bin", {403}),
        C("DELETE create only", "c_up", "DELETE", "/up/old.bin", {403}),
        C("DELETE read only", "r_a", "DELETE", "/a/f.bin", {403}),
        C("DELETE parent of scope", "m_mv", "DELETE", "/", {403}),
        C("DELETE macaroon UPLOAD", "mac_up_create", "DELETE", "/up/old.bin",
          {403}),
        C("MOVE dest outside", "m_mv", "MOVE", "/mv/s.bin", {403},
          hdr=["Destination: /b/s.bin"]),
        C("MOVE source outside", "m_mv", "MOVE", "/b/secret.bin", {403},
          hdr=["Destination: /mv/stolen.bin"]),
        C("MOVE dest another host", "m_mv", "MOVE", "/mv/s.bin", {502},
          hdr=["Destination: http://192.0.2.1/mv/t.bin"]),
        C("MOVE dest %2e%2e", "m_mv", "MOVE", "/mv/s.bin", {403},
          hdr=["Destination: http://@HOST/mv/%2e%2e/b/t.bin"]),
        C("MOVE dest ..", "m_mv", "MOVE", "/mv/s.bin", {403},
          hdr=["Destination: /mv/../b/t.bin"]),
        C("MOVE dest //b", "m_mv", "MOVE", "/mv/s.bin", {403, 502},
          hdr=["Destination: //b/t.bin"]),
        C("MOVE dest encoded /", "m_mv", "MOVE", "/mv/s.bin", {400},
          hdr=["Destination: /mv%2f..%2fb/t.bin"]),
        C("MOVE dest on a host not the Host", "m_mv", "MOVE", "/mv/s.bin",
          {502}, hdr=["Destination: http://evil.test/b/t.bin"]),
        C("MOVE two Destinations", "m_mv", "MOVE", "/mv/s.bin", {403, 400},
          hdr=["Destination: /b/t.bin", "Destination: /mv/t.bin"]),
        C("MOVE source create only", "c_mv", "MOVE", "/mv/s.bin", {403},
          hdr=["Destination: /mv/t.bin"]),
        C("MOVE macaroon MANAGE", "mac_mv_manage", "MOVE", "/mv/s.bin",
          {403, 201}, hdr=["Destination: /b/t.bin"]),
        C("MOVE Overwrite T, dest create only", "m_mv_c_dst", "MOVE",
          "/mv/s.bin", {403}, hdr=["Destination: /dst/old.bin",
                                   "Overwrite: T"]),
        C("MOVE into itself", "m_mv", "MOVE", "/mv", {403},
          hdr=["Destination: /mv/in"]),
        C("MOVE in scope, new dest (create)", "m_mv_c_dst", "MOVE",
          "/mv/s.bin", {201}, hdr=["Destination: http://@HOST/dst/new.bin"],
          may={"mv/s.bin", "dst/new.bin"}),
    ]


def case_copy(sink, src):
    dst = "Destination: http://%s/pushed.bin" % sink
    return [
        C("COPY push, modify only", "m_a", "COPY", "/a/f.bin", {403},
          hdr=[dst]),
        C("COPY push, create only", "c_a", "COPY", "/a/f.bin", {403},
          hdr=[dst]),
        C("COPY push outside", "r_a", "COPY", "/b/secret.bin", {403},
          hdr=[dst]),
        C("COPY push, empty Source + Destination, modify only", "m_a",
          "COPY", "/a/f.bin", {400, 403}, hdr=["Source:", dst]),
        C("COPY push, huge Source + Destination, modify only", "m_a",
          "COPY", "/a/f.bin", {400, 403, 431},
          hdr=["Source: http://%s/%s" % (sink, "x" * 9000), dst]),
        C("COPY push, stage token", "stage_a", "COPY", "/a/f.bin", {202},
          hdr=[dst], sink=1),
        C("COPY push in scope", "r_a", "COPY", "/a/f.bin", {202}, hdr=[dst],
          sink=1),
        C("COPY Source and Destination", "r_a", "COPY", "/a/f.bin",
          {400, 403}, hdr=["Source: " + src, dst]),
        C("COPY pull outside", "c_up", "COPY", "/b/p.bin", {403},
          hdr=["Source: " + src]),
        C("COPY pull, read token", "r_a", "COPY", "/a/p.bin", {403},
          hdr=["Source: " + src]),
        C("COPY pull over, create only", "c_up", "COPY", "/up/old.bin",
          {403}, hdr=["Source: " + src]),
        C("COPY pull /up/../b", "c_up", "COPY", "/up/../b/p.bin", {403},
          hdr=["Source: " + src]),
        C("COPY pull new, create", "c_up", "COPY", "/up/pulled.bin", {202},
          hdr=["Source: " + src], may={"up/pulled.bin"},
          check=lambda st, b, r: None if b"success" in b else
          "no success line: %r" % b[-200:]),
    ]


def case_symlinks(sink):
    dst = "Destination: http://%s/pushed.bin" % sink
    L = ["Content-Length: 5"]
    return [
        C("symlink: GET through a file link out", "r_a", "GET", "/a/ln_file",
          {403}, check=body_not_secret),
        C("symlink: GET through a dir link out", "r_a", "GET",
          "/a/ln_dir/secret.bin", {403}, check=body_not_secret),
        C("symlink: HEAD through a dir link out", "r_a", "HEAD",
          "/a/ln_dir/secret.bin", {403}),
        C("symlink: PROPFIND a dir link out", "r_a", "PROPFIND", "/a/ln_dir/",
          {403}, hdr=["Depth: 1"]),
        C("symlink: COPY push through a link out", "r_a", "COPY",
          "/a/ln_file", {403}, hdr=[dst]),
        C("symlink: GET a link within scope", "r_a", "GET", "/a/ln_in",
          {200}, check=body_is("a/f.bin")),
        C("symlink: PUT through a dir link out", "c_up", "PUT",
          "/up/ln_dir/new.bin", {403}, hdr=L, body=b"hello"),
        C("symlink: MKCOL through a dir link out", "c_up", "MKCOL",
          "/up/ln_dir/d", {403}),
        C("symlink: DELETE through a dir link out", "m_mv", "DELETE",
          "/mv/ln_dir/secret.bin", {403}),
        C("symlink: MOVE source through a dir link out", "m_mv", "MOVE",
          "/mv/ln_dir/secret.bin", {403}, hdr=["Destination: /mv/got.bin"]),
        C("symlink: MOVE dest through a dir link out", "m_mv", "MOVE",
          "/mv/s.bin", {403}, hdr=["Destination: /mv/ln_dir/s.bin"]),
        C("symlink: COPY pull through a dir link out", "m_up", "COPY",
          "/up/ln_dir/p.bin", {403}, hdr=["Source: http://%s/x" % sink]),
        C("symlink: DELETE a link itself (in scope)", "m_mv", "DELETE",
          "/mv/ln_out", {204}, may={"mv/ln_out"}),
    ]


def case_tokens():
    A, B = "/a/f.bin", "/b/secret.bin"
    out = []
    for name in ("hs_pub", "none", "kid_other_iss", "other_iss_kid_r1",
                 "crit", "no_exp", "exp_float", "nbf_future", "iat_future",
                 "scope_rel", "scope_nopath", "scope_empty", "scope_dotdot",
                 "scope_dslash", "scope_one_bad", "scope_array",
                 "aud_array_bad", "aud_missing", "aud_empty", "iss_slash",
                 "dup_scope", "mac_other_loc", "mac_no_before",
                 "mac_unknown", "mac_dotdot", "mac_exp_then_later",
                 "mac_later_then_exp", "mac_att_later", "mac_forged"):
        out.append(C("token %s" % name, name, "GET", A, {401}))
    out += [
        C("token exp_huge", "exp_huge", "GET", A, {401}),
        C("token long (20 kB)", "long", "GET", A, {401, 431}),
        C("token scope_tab on /b", "scope_tab", "GET", B, {403}),
        C("token dup_scope on /b", "dup_scope", "GET", B, {401}),
        C("token crit on /b", "crit", "GET", B, {401}),
        C("token scope_case", "scope_case", "GET", B, {403}),
        C("token scope_poll", "scope_poll", "GET", B, {403}),
        C("token no_scope", "no_scope", "GET", B, {403}),
        C("token other issuer, own key, in scope", "other_iss_own", "GET",
          A, {200}),
        C("token other issuer, own key, outside", "other_iss_own", "GET",
          B, {403}),
        C("token aud array with ours", "aud_array_ok", "GET", A, {200}),
        C("token stage grants read", "stage_a", "GET", A, {200}),
        C("token stage outside", "stage_a", "GET", B, {403}),
        C("mac tuskctl in scope", "mac_tuskctl", "GET", A, {200}),
        C("mac tuskctl outside", "mac_tuskctl", "GET", B, {403}),
        C("mac minted here in scope", "mac_r_a", "GET", A, {200}),
        C("mac caveat order", "mac_order", "GET", A, {200}),
        C("mac caveat order outside", "mac_order", "GET", B, {403}),
        C("mac two disjoint paths /a", "mac_two_paths", "GET", A, {403}),
        C("mac two disjoint paths /b", "mac_two_paths", "GET", B, {403}),
        C("mac no activity", "mac_no_activity", "GET", A, {403}),
        C("mac READ_METADATA only", "mac_meta_only", "GET", A, {403}),
        C("mac activity twice intersects", "mac_dup_act", "GET", A, {403}),
        C("mac holder narrows root to /a", "mac_att_narrow", "GET", B, {403}),
        C("mac holder narrows root, in", "mac_att_narrow", "GET", A, {200}),
        C("mac holder widens to /", "mac_att_widen", "GET", B, {403}),
        C("mac holder adds UPLOAD", "mac_att_act", "GET", A, {403}),
    ]
    return out


def expand(v, toks, host):
    for k in sorted(toks, key=len, reverse=True):
        v = v.replace("@" + k, toks[k])
    return v.replace("@HOST", host)


def run_case(c, cl, toks, root, label):
    hdr = []
    if isinstance(c["tok"], str):
        hdr.append("Authorization: Bearer " + toks[c["tok"]])
    elif isinstance(c["tok"], list):
        hdr += [expand(h, toks, cl.host) for h in c["tok"]]
    hdr += [expand(h, toks, cl.host) for h in c["hdr"]]
    target = expand(c["target"], toks, cl.host)
    before = snapshot(root)
    n_sink = len(Sink.got)
    try:
        st, h, body = cl.send(c["method"], target, hdr, c["body"],
                              c["expect"])
    except OSError as e:
        st, h, body = 0, {}, repr(e).encode()
    why = []
    if st not in c["want"]:
        why.append("status %d, want %s" % (
            st, "/".join(map(str, sorted(c["want"])))))
    elif c["check"] and (st // 100 == 2 or c["check"] is body_not_secret):
        r = c["check"](st, body, root)
        if r:
            why.append(r)
    if c["method"] == "COPY" and st == 202:
        time.sleep(0.2)
    ch = changed(before, snapshot(root)) - c["may"]
    if ch:
        why.append("changed outside what it may: %s" % sorted(ch))
    got = len(Sink.got) - n_sink
    if got > c["sink"]:
        why.append("the push sink received %d PUT(s) of %s" % (
            got, [p for p, _ in Sink.got[n_sink:]]))
    why = "; ".join(why) or None
    print("%-4s %-5s %-58s %3d  %s" % ("ok" if why is None else "FAIL", label,
                                        c["name"][:58], st, why or ""))
    sys.stdout.flush()
    return why is None


def pipelined(cl, toks, label):
    """Two requests on one connection: the second's own credentials
    decide (nothing carried over from the first's token)."""
    ok = True
    for first, second, want in (("mac_root", None, 401),
                                ("mac_root", "r_a", 403)):
        heads = []
        for tok, path in ((first, "/a/f.bin"), (second, "/b/secret.bin")):
            h = "GET %s HTTP/1.1\r\nHost: %s\r\n" % (path, cl.host)
            if tok:
                h += "Authorization: Bearer %s\r\n" % toks[tok]
            heads.append(h + "\r\n")
        with cl.conn() as s:
            s.sendall("".join(heads).encode())
            h1, rest = cl.read_head(s, b"")
            st1 = int(h1[9:12]) if h1 else 0
            n = 0
            for ln in (h1 or "").split("\r\n")[1:]:
                k, _, v = ln.partition(":")
                if k.strip().lower() == "content-length":
                    n = int(v)
            while len(rest) < n:
                b = s.recv(READ_CHUNK)
                if not b:
                    break
                rest += b
            h2, rest = cl.read_head(s, rest[n:])
            st2 = int(h2[9:12]) if h2 else 0
        why = None if (st1, st2) == (200, want) else \
            "statuses %d %d, want 200 %d" % (st1, st2, want)
        print("%-4s %-5s %-58s %3d  %s" % (
            "ok" if why is None else "FAIL", label,
            "pipelined: %s then %s" % (first, second or "no token"), st2,
            why or ""))
        ok = ok and why is None
    return ok


def restore(root):
    for rel in ("up/n1.bin", "up/n2.bin", "up/n3.bin", "up/pulled.bin",
                "dst/new.bin"):
        p = os.path.join(root, rel)
        if os.path.exists(p):
            os.remove(p)
    if os.path.isdir(os.path.join(root, "up/d")):
        os.rmdir(os.path.join(root, "up/d"))
    layout(root)


def run(a):
    toks = make_tokens(a)
    layout(a.root)
    sh, sp = a.sink.split(":")
    srv = http.server.ThreadingHTTPServer((sh, int(sp)), Sink)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    cases = (case_get(a.src) + case_put() + case_dav() +
             case_copy(a.sink, a.src) + case_symlinks(a.sink) +
             case_tokens())
    fails = 0
    for base in a.base:
        cl = Client(base, a.cacert)
        label = base.split(":")[0]
        restore(a.root)
        for c in cases:
            fails += not run_case(c, cl, toks, a.root, label)
            if c["may"] or c["sink"]:
                restore(a.root)
        fails += not pipelined(cl, toks, label)
    srv.shutdown()
    print("%d cases x %d transports, %d failed" % (len(cases), len(a.base),
                                                   fails))
    return 1 if fails else 0


def keys(d):
    o = load_key(os.path.join(d, "other.pem"))
    jo = json.loads(RSAAlgorithm.to_jwk(o.public_key()))
    jo.update(kid="o1", use="sig", alg="RS256")
    with open(os.path.join(d, "jwks_other.json"), "w") as f:
        json.dump({"keys": [jo]}, f)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "keys":
        return keys(sys.argv[2])
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["run"])
    ap.add_argument("--base", action="append", required=True)
    ap.add_argument("--cacert")
    for k in ("root", "keys", "secret", "name", "iss", "other-iss", "sink",
              "src", "mac-tuskctl"):
        ap.add_argument("--" + k, required=True)
    return run(ap.parse_args())


if __name__ == "__main__":
    sys.exit(main())
