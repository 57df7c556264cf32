#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""jwt_make.py: an issuer of WLCG tokens for the tests, from Debian's
python3-jwt (PyJWT) and python3-cryptography (run with /usr/bin/python3).

  jwt_make.py keys DIR
      DIR/rsa.pem (RSA 2048, kid "r1"), DIR/ec.pem (EC P-256, kid "e1")
      and DIR/jwks.json with their public halves; DIR/other.pem, an RSA
      key nobody trusts (the forger's).
  jwt_make.py token DIR KEY ISS AUD EXP_IN SCOPE
      a JWT signed with KEY (rsa: RS256 kid r1; ec: ES256 kid e1; other:
      RS256 with the forger's key but kid r1; none: alg "none", unsigned),
      claims iss, aud, iat now, exp now + EXP_IN seconds, scope.
"""

import base64
import json
import os
import sys
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm


def save(key, path):
    with open(path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))


def load(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def keys(d):
    r = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    e = ec.generate_private_key(ec.SECP256R1())
    o = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    save(r, os.path.join(d, "rsa.pem"))
    save(e, os.path.join(d, "ec.pem"))
    save(o, os.path.join(d, "other.pem"))
    jr = json.loads(RSAAlgorithm.to_jwk(r.public_key()))
    je = json.loads(ECAlgorithm.to_jwk(e.public_key()))
    jr.update(kid="r1", use="sig", alg="RS256")
    je.update(kid="e1", use="sig", alg="ES256")
    with open(os.path.join(d, "jwks.json"), "w") as f:
        json.dump({"keys": [jr, je]}, f)


def b64(obj):
    raw = json.dumps(obj, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def token(d, kind, iss, aud, exp_in, scope):
    now = int(time.time())
    claims = {"iss": iss, "aud": aud, "sub": "tester", "iat": now,
              "exp": now + int(exp_in), "scope": scope,
              "wlcg.ver": "1.0"}
    if kind == "none":
        return "%s.%s." % (b64({"alg": "none", "typ": "JWT", "kid": "r1"}),
                           b64(claims))
    alg, kid, pem = {"rsa": ("RS256", "r1", "rsa.pem"),
                     "ec": ("ES256", "e1", "ec.pem"),
                     "other": ("RS256", "r1", "other.pem")}[kind]
    return jwt.encode(claims, load(os.path.join(d, pem)), algorithm=alg,
                      headers={"kid": kid})


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "keys":
        keys(sys.argv[2])
    elif len(sys.argv) == 8 and sys.argv[1] == "token":
        print(token(*sys.argv[2:]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
