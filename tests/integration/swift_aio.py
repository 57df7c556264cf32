#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A real OpenStack Swift all-in-one on 127.0.0.1, in one directory.

  swift_aio.py start DIR [--token-life S]   prints {"auth_url", ...} as JSON
  swift_aio.py stop DIR                     stops what start started, by PID

Run with Debian's /usr/bin/python3 (the swift modules live there). Facts
this relies on are in README "Swift storage": Debian's swift packages and
memcached; proxy (tempauth, memcache) + one account, container and object
server, each with workers = 0 so the PID started is the server; rings of
one replica, part power 8, one device; set_swift_dir() so swift.conf is
read from DIR/etc, not /etc/swift; user.* xattrs on DIR's filesystem.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

START_TIMEOUT_S = 60      # ready in 4-8 s idle; slower on 2 busy cores
STOP_TIMEOUT_S = 10
USER, KEY = "test:tester", "testing"
PIPELINE = ("catch_errors gatekeeper healthcheck proxy-logging cache "
            "listing_formats tempauth copy slo dlo versioned_writes symlink "
            "proxy-logging proxy-server")
FILTERS = ["catch_errors", "gatekeeper", "healthcheck", "listing_formats",
           "copy", "slo", "dlo", "versioned_writes", "symlink"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def common(d, port):
    return (f"[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = {port}\n"
            f"workers = 0\nswift_dir = {d}/etc\ndevices = {d}/srv/node\n"
            f"mount_check = false\nlog_level = WARNING\n")


def proxy_conf(d, port, mc_port, token_life):
    text = common(d, port)
    text += f"\n[pipeline:main]\npipeline = {PIPELINE}\n"
    text += ("\n[app:proxy-server]\nuse = egg:swift#proxy\n"
             "account_autocreate = true\n")
    text += (f"\n[filter:tempauth]\nuse = egg:swift#tempauth\n"
             f"user_test_tester = {KEY} .admin\ntoken_life = {token_life}\n")
    text += (f"\n[filter:cache]\nuse = egg:swift#memcache\n"
             f"memcache_servers = 127.0.0.1:{mc_port}\n")
    text += "\n[filter:proxy-logging]\nuse = egg:swift#proxy_logging\n"
    for f in FILTERS:
        text += f"\n[filter:{f}]\nuse = egg:swift#{f}\n"
    return text


def build_rings(d, ports):
    from swift.common.ring import RingBuilder
    for kind, port in ports.items():
        b = RingBuilder(8, 1, 1)
        b.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1",
                   "port": port, "device": "d1", "weight": 100})
        b.rebalance()
        b.get_ring().save(f"{d}/etc/{kind}.ring.gz")


def check_xattr(d):
    probe = f"{d}/srv/node/d1/.xattr-probe"
    write(probe, "")
    try:
        os.setxattr(probe, "user.tusk", b"1")
    except OSError as e:
        sys.exit(f"swift_aio: {d}: no user xattrs ({e.strerror}); Swift "
                 "keeps metadata there: use ext4, xfs or tmpfs")
    finally:
        os.unlink(probe)


def spawn(d, kind, log):
    conf = f"{d}/etc/{kind}-server.conf"
    code = ("import runpy, sys\n"
            "from swift.common.utils import set_swift_dir\n"
            f"set_swift_dir({d + '/etc'!r})\n"
            f"sys.argv = ['/usr/bin/swift-{kind}-server', {conf!r}]\n"
            f"runpy.run_path('/usr/bin/swift-{kind}-server', "
            "run_name='__main__')\n")
    return subprocess.Popen(["/usr/bin/python3", "-c", code], stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def wait_ready(auth_url, procs):
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        for name, p in procs.items():
            if p.poll() is not None:
                return f"{name} exited with {p.returncode}"
        try:
            req = urllib.request.Request(auth_url, headers={
                "X-Auth-User": USER, "X-Auth-Key": KEY})
            with urllib.request.urlopen(req, timeout=2) as r:
                url = r.headers["X-Storage-Url"]
                tok = r.headers["X-Auth-Token"]
            req = urllib.request.Request(url, method="HEAD",
                                         headers={"X-Auth-Token": tok})
            urllib.request.urlopen(req, timeout=2).close()
            return None
        except OSError:
            time.sleep(0.3)
    return f"not ready after {START_TIMEOUT_S} s"


def start(d, token_life):
    os.makedirs(f"{d}/etc", exist_ok=True)
    os.makedirs(f"{d}/srv/node/d1", exist_ok=True)
    check_xattr(d)
    ports = {k: free_port() for k in ("account", "container", "object")}
    proxy_port, mc_port = free_port(), free_port()
    write(f"{d}/etc/swift.conf", "[swift-hash]\nswift_hash_path_suffix = tusk\n"
          "swift_hash_path_prefix = tusk\n\n[storage-policy:0]\n"
          "name = gold\ndefault = yes\n")
    for kind, port in ports.items():
        write(f"{d}/etc/{kind}-server.conf", common(d, port) +
              f"\n[pipeline:main]\npipeline = {kind}-server\n"
              f"\n[app:{kind}-server]\nuse = egg:swift#{kind}\n")
    write(f"{d}/etc/proxy-server.conf",
          proxy_conf(d, proxy_port, mc_port, token_life))
    build_rings(d, ports)
    log = open(f"{d}/servers.log", "ab")
    procs = {"memcached": subprocess.Popen(
        ["memcached", "-l", "127.0.0.1", "-p", str(mc_port), "-U", "0",
         "-u", "root", "-m", "64"], stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)}
    for kind in ("account", "container", "object", "proxy"):
        procs[kind] = spawn(d, kind, log)
    write(f"{d}/pids", "".join(f"{k} {p.pid}\n" for k, p in procs.items()))
    auth_url = f"http://127.0.0.1:{proxy_port}/auth/v1.0"
    err = wait_ready(auth_url, procs)
    info = {"auth_url": auth_url, "user": USER, "key": KEY,
            "proxy_port": proxy_port, "memcached_port": mc_port,
            "pids": {k: p.pid for k, p in procs.items()}}
    write(f"{d}/aio.json", json.dumps(info))
    if err:
        stop(d)
        sys.exit(f"swift_aio: {err}; see {d}/servers.log")
    print(json.dumps(info))


def stop(d):
    try:
        pids = [int(l.split()[1]) for l in open(f"{d}/pids")]
    except FileNotFoundError:
        return
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for pid in pids:
        while time.monotonic() < deadline:
            try:
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    break
            except ChildProcessError:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
            time.sleep(0.1)
        else:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    os.unlink(f"{d}/pids")


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("start", "stop"):
        sys.exit("usage: swift_aio.py start|stop DIR [--token-life S]")
    d = os.path.abspath(sys.argv[2])
    if sys.argv[1] == "stop":
        stop(d)
        return
    life = 86400
    if len(sys.argv) == 5 and sys.argv[3] == "--token-life":
        life = int(sys.argv[4])
    start(d, life)


if __name__ == "__main__":
    main()
