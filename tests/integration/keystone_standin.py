#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A stand-in for Keystone's Identity API v3 token call, for test_swift.

  keystone_standin.py PORT_FILE SWIFT_AUTH_URL

Keystone cannot run here, so this answers POST /v3/auth/tokens as the
Identity API v3 reference documents "Password authentication with scoped
authorization": the request body must be {"auth": {"identity": {"methods":
["password"], "password": {"user": {"name", "domain": {"name"},
"password"}}}, "scope": {"project": {"name", "domain": {"name"}}}}};
success is 201 with the token in X-Subject-Token and a body {"token":
{..., "catalog": [{"type", "name", "endpoints": [{"interface",
"region_id", "url"}]}]}}; bad credentials are 401, a malformed body 400.
The token it issues is a real tempauth token of the Swift all-in-one
(what keystoneauth would let through), and the catalog's public
object-store endpoint is that Swift's storage URL; an internal endpoint
in another region points nowhere, so picking the wrong one fails.
"""
import json
import sys
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

USER, PASSWORD, PROJECT, DOMAIN = "alice", "secret", "pilot", "Default"
BODY_MAX = 64 * 1024


def swift_token(auth_url):
    req = urllib.request.Request(auth_url, headers={
        "X-Auth-User": "test:tester", "X-Auth-Key": "testing"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.headers["X-Auth-Token"], r.headers["X-Storage-Url"]


def check(body):
    """None if the credentials are right, else (status, reason)."""
    try:
        ident = body["auth"]["identity"]
        user = ident["password"]["user"]
        proj = body["auth"]["scope"]["project"]
        if ident["methods"] != ["password"]:
            return 400, "methods must be [\"password\"]"
        fields = (user["name"], user["password"], user["domain"]["name"],
                  proj["name"], proj["domain"]["name"])
    except (KeyError, TypeError):
        return 400, "malformed auth body"
    if fields != (USER, PASSWORD, DOMAIN, PROJECT, DOMAIN):
        return 401, "The request you have made requires authentication."
    return None


class Handler(BaseHTTPRequestHandler):
    def answer(self, code, obj, token=None):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if token:
            self.send_header("X-Subject-Token", token)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        if self.path != "/v3/auth/tokens" or n > BODY_MAX:
            return self.answer(404, {"error": {"code": 404}})
        try:
            body = json.loads(self.rfile.read(n))
        except ValueError:
            return self.answer(400, {"error": {"code": 400,
                                               "message": "not JSON"}})
        bad = check(body)
        if bad:
            return self.answer(bad[0], {"error": {"code": bad[0],
                                                  "message": bad[1]}})
        tok, url = swift_token(self.server.swift_auth)
        self.server.issued += 1
        self.answer(201, {"token": {
            "methods": ["password"], "expires_at": "2099-01-01T00:00:00Z",
            "user": {"name": USER, "domain": {"name": DOMAIN}},
            "project": {"name": PROJECT, "domain": {"name": DOMAIN}},
            "catalog": [
                {"type": "identity", "name": "keystone", "endpoints": [
                    {"interface": "public", "region_id": "RegionOne",
                     "url": "http://127.0.0.1:1/v3"}]},
                {"type": "object-store", "name": "swift", "endpoints": [
                    {"interface": "internal", "region_id": "RegionTwo",
                     "url": "http://127.0.0.1:1/v1/nowhere"},
                    {"interface": "public", "region_id": "RegionOne",
                     "url": url}]}]}}, tok)

    def log_message(self, fmt, *args):
        pass


def main():
    srv = HTTPServer(("127.0.0.1", 0), Handler)
    srv.swift_auth = sys.argv[2]
    srv.issued = 0
    with open(sys.argv[1], "w") as f:
        f.write(str(srv.server_address[1]))
    srv.serve_forever()


if __name__ == "__main__":
    main()
