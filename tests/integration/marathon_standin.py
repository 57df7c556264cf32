#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A strict stand-in for Marathon's REST API v2 (the parts tusk uses).

Marathon is not installable on these machines, so the tests talk to this.
It is strict where it matters to tusk:
- every app definition (POST /v2/apps, PUT/POST /v2/apps/{id}) is validated
  against Marathon's own schema, tests/integration/marathon-schema/
  AppDefinition.json (v1.7.236), with an explicit Draft 4 validator; a
  rejected definition gets 422 with Marathon's error body
  {"message":"Object is not valid","details":[{"path","errors"}]} and is
  counted as a schema failure (GET /_standin/stats; one JSON line per
  validation in --log);
- codes and bodies as v2/apps.raml documents them: 201 + Marathon-Deployment-Id
  + the app with "deployments" and "tasks"; 409 "An app with id [/x] already
  exists."; 400 "Invalid JSON"; 404 "App '/x' does not exist"; DELETE answers
  {"version","deploymentId"}; GET /v2/deployments lists the live deployments;
  401 without the configured credentials;
- the app's command runs for real on this machine under bubblewrap (the host
  root read-only, container.volumes bound at their containerPath with their
  mode, /tmp a tmpfs), so a job's outputs are real files; one task per app
  with states TASK_STAGING -> TASK_RUNNING -> TASK_FINISHED | TASK_FAILED |
  TASK_KILLED, and lastTaskFailure (embed=app.lastTaskFailure) with the exit
  status as message, as Mesos words it ("Command exited with status N");
- TCP health checks on a port mapping with hostPort 0: a real free port is
  picked (task.ports[0], env PORT0/PORT_<containerPort>), and tasksHealthy
  becomes 1 once that port accepts a connection.

Unlike real Marathon, a finished task is not restarted (tusk deletes the app
when its task ends). Test hooks under /_standin/: GET stats, POST
fail?count=N&code=C (the next N API requests answer C).

usage: marathon_standin.py --port-file F [--port P] [--log F]
       [--user U --password P | --token T]
"""
import argparse
import base64
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_PATH = os.path.join(HERE, "marathon-schema", "AppDefinition.json")
# Seconds a deployment stays listed after its app's task started (or after
# DELETE killed it): long enough that a poller sees it, as with Marathon.
DEPLOY_LINGER_S = 0.3
# A health check tries the task's port this often.
HEALTH_EVERY_S = 0.2
# Request bodies above this are refused (no app definition is near it).
BODY_MAX = 1 << 20


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def norm_id(app_id):
    return "/" + app_id.strip("/")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class App:
    def __init__(self, defn):
        self.defn = defn
        self.id = norm_id(defn["id"])
        self.version = now_iso()
        self.proc = None
        self.task = None
        self.last_failure = None
        self.healthy = False
        self.ports = []


class Spawner:
    """Starts every task from one thread that lives as long as the stand-in:
    bwrap --die-with-parent is PR_SET_PDEATHSIG, which fires when the
    *thread* that forked exits, and request threads end with their request."""

    def __init__(self):
        self.q = queue.Queue()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            argv, done = self.q.get()
            try:
                done.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                             start_new_session=True))
            except OSError as e:
                done.append(e)
            done.append(None)

    def popen(self, argv):
        done = []
        self.q.put((argv, done))
        while len(done) < 2:
            time.sleep(0.005)
        if isinstance(done[0], OSError):
            raise done[0]
        return done[0]


class State:
    def __init__(self, args):
        with open(SCHEMA_PATH) as f:
            schema = json.load(f)
        # The file's $schema is the generic one: pick Draft 4 explicitly.
        jsonschema.Draft4Validator.check_schema(schema)
        self.validator = jsonschema.Draft4Validator(schema)
        self.args = args
        self.lock = threading.Lock()
        self.apps = {}
        self.deployments = {}
        self.stats = {"posts": 0, "deletes": 0, "validations": 0,
                      "schema_failures": 0, "failed_ids": []}
        self.fail_left = 0
        self.fail_code = 503
        self.log = open(args.log, "a") if args.log else None
        self.spawner = Spawner()

    def validate(self, defn):
        errs = sorted(self.validator.iter_errors(defn), key=lambda e: list(e.path))
        details = [{"path": "/" + "/".join(str(p) for p in e.path),
                    "errors": [e.message]} for e in errs]
        with self.lock:
            self.stats["validations"] += 1
            if details:
                self.stats["schema_failures"] += 1
                self.stats["failed_ids"].append(str(defn.get("id")) if isinstance(defn, dict) else None)
            if self.log:
                self.log.write(json.dumps({"id": defn.get("id") if isinstance(defn, dict) else None,
                                           "valid": not details, "details": details}) + "\n")
                self.log.flush()
        return details

    def deploy(self, app, action):
        dep_id = str(uuid.uuid4())
        self.deployments[dep_id] = {
            "id": dep_id, "version": now_iso(), "affectedApps": [app.id],
            "affectedPods": [], "steps": [{"actions": [{"action": action, "app": app.id}]}],
            "currentActions": [{"action": action, "app": app.id, "readinessCheckResults": []}],
            "currentStep": 1, "totalSteps": 1}
        return dep_id

    def end_deployment_later(self, dep_id):
        def end():
            time.sleep(DEPLOY_LINGER_S)
            with self.lock:
                self.deployments.pop(dep_id, None)
        threading.Thread(target=end, daemon=True).start()


def host_root(mounts):
    """The host's top-level entries bound read-only one by one onto bwrap's
    tmpfs root (as the local launcher does with its image), so that mount
    points such as /data and /out can be made without writing to /."""
    skip = {"proc", "dev", "sys", "tmp", "run"}
    skip |= {m.strip("/").split("/")[0] for m in mounts}
    argv = []
    for name in sorted(os.listdir("/")):
        if name in skip:
            continue
        path = "/" + name
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path) or os.path.isfile(path):
            argv += ["--ro-bind", path, path]
    return argv


def bwrap_argv(app):
    d = app.defn
    c = d.get("container") or {}
    argv = ["bwrap", "--unshare-user", "--unshare-pid", "--unshare-ipc",
            "--unshare-uts", "--die-with-parent"]
    vols = [v for v in c.get("volumes", []) if "hostPath" in v]
    argv += host_root([v["containerPath"] for v in vols])
    argv += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for v in vols:
        how = "--bind" if v.get("mode") == "RW" else "--ro-bind"
        argv += [how, v["hostPath"], v["containerPath"]]
    argv += ["--chdir", "/tmp", "--clearenv",
             "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
             "--setenv", "MARATHON_APP_ID", app.id,
             "--setenv", "MESOS_TASK_ID", app.task["id"]]
    for k, v in (d.get("env") or {}).items():
        if isinstance(v, str):
            argv += ["--setenv", k, v]
    for i, p in enumerate(app.ports):
        argv += ["--setenv", "PORT%d" % i, str(p)]
    argv.append("--")
    if d.get("cmd") is not None:
        argv += ["/bin/sh", "-c", d["cmd"]]
    else:
        argv += d["args"]
    return argv


def port_mappings(defn):
    c = defn.get("container") or {}
    pm = c.get("portMappings") or (c.get("docker") or {}).get("portMappings") or []
    return pm


def start_task(st, app):
    app.ports = [free_port() if m.get("hostPort", 0) == 0 else m["hostPort"]
                 for m in port_mappings(app.defn)]
    app.task = {"id": app.id.strip("/").replace("/", "_") + "." + str(uuid.uuid4()),
                "appId": app.id, "host": "127.0.0.1", "ports": app.ports,
                "slaveId": "standin-agent", "stagedAt": now_iso(),
                "state": "TASK_STAGING", "version": app.version}
    try:
        app.proc = st.spawner.popen(bwrap_argv(app))
    except OSError as e:
        app.task["state"] = "TASK_FAILED"
        app.last_failure = {"appId": app.id, "message": "cannot start: %s" % e,
                            "state": "TASK_FAILED", "taskId": app.task["id"],
                            "timestamp": now_iso(), "version": app.version, "host": "127.0.0.1"}
        return
    app.task["state"] = "TASK_RUNNING"
    app.task["startedAt"] = now_iso()
    threading.Thread(target=reap, args=(st, app), daemon=True).start()
    if any(h.get("protocol") == "TCP" for h in app.defn.get("healthChecks", [])) and app.ports:
        threading.Thread(target=health, args=(st, app), daemon=True).start()


def reap(st, app):
    rc = app.proc.wait()
    with st.lock:
        if app.task["state"] == "TASK_KILLED":
            return
        app.healthy = False
        if rc == 0:
            app.task["state"] = "TASK_FINISHED"
            return
        app.task["state"] = "TASK_FAILED"
        msg = ("Command exited with status %d" % rc if rc > 0
               else "Command terminated with signal %d" % -rc)
        app.last_failure = {"appId": app.id, "host": "127.0.0.1", "message": msg,
                            "state": "TASK_FAILED", "taskId": app.task["id"],
                            "timestamp": now_iso(), "version": app.version}


def health(st, app):
    port = app.ports[0]
    while True:
        with st.lock:
            if app.task["state"] != "TASK_RUNNING" or st.apps.get(app.id) is not app:
                return
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            with st.lock:
                app.healthy = True
            return
        except OSError:
            time.sleep(HEALTH_EVERY_S)


def kill_task(app):
    """SIGKILL to the task's whole process group (bwrap was started as its
    leader), even when bwrap itself is gone: its namespaced child may live."""
    if app.proc is None:
        return
    if app.proc.poll() is None:
        app.task["state"] = "TASK_KILLED"
    try:
        os.killpg(app.proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    app.proc.wait()


class Handler(BaseHTTPRequestHandler):
    server_version = "marathon-standin/1.7.236"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def reply(self, code, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def authorized(self):
        a = self.server.st.args
        got = self.headers.get("Authorization", "")
        if a.user:
            want = "Basic " + base64.b64encode(("%s:%s" % (a.user, a.password)).encode()).decode()
            return got == want
        if a.token:
            return got == "token=" + a.token or got == "Bearer " + a.token
        return True

    def body(self):
        n = int(self.headers.get("Content-Length", "0"))
        if n > BODY_MAX:
            return None
        return self.rfile.read(n)

    def route(self, method):
        st = self.server.st
        u = urlparse(self.path)
        q = parse_qs(u.query)
        if u.path.startswith("/_standin/"):
            return self.hook(method, u.path, q)
        if not self.authorized():
            return self.reply(401, {"message": "Invalid username or password."})
        with st.lock:
            if st.fail_left > 0:
                st.fail_left -= 1
                return self.reply(st.fail_code, {"message": "stand-in: injected failure"})
        if u.path == "/v2/deployments" and method == "GET":
            with st.lock:
                return self.reply(200, list(st.deployments.values()))
        if u.path == "/v2/apps" and method == "POST":
            return self.create()
        if u.path.startswith("/v2/apps/"):
            rest = u.path[len("/v2/apps"):]
            if rest.endswith("/tasks") and method == "GET":
                return self.tasks(norm_id(rest[:-len("/tasks")]))
            if method == "GET":
                return self.get_app(norm_id(rest), q)
            if method == "DELETE":
                return self.delete(norm_id(rest))
        return self.reply(404, {"message": "Not found: %s %s" % (method, u.path)})

    def hook(self, method, path, q):
        st = self.server.st
        with st.lock:
            if path == "/_standin/stats":
                return self.reply(200, st.stats)
            if path == "/_standin/fail" and method == "POST":
                st.fail_left = int(q.get("count", ["1"])[0])
                st.fail_code = int(q.get("code", ["503"])[0])
                return self.reply(200, {"fail_left": st.fail_left})
        return self.reply(404, {"message": "no such hook"})

    def create(self):
        st = self.server.st
        raw = self.body()
        try:
            defn = json.loads(raw)
        except (TypeError, ValueError):
            return self.reply(400, {"message": "Invalid JSON",
                                    "details": [{"path": "/", "errors": ["error.expected.jsobject"]}]})
        with st.lock:
            st.stats["posts"] += 1
        details = st.validate(defn)
        if details:
            return self.reply(422, {"message": "Object is not valid", "details": details})
        app = App(defn)
        with st.lock:
            if app.id in st.apps:
                return self.reply(409, {"message": "An app with id [%s] already exists." % app.id})
            st.apps[app.id] = app
            dep_id = st.deploy(app, "StartApplication")
            start_task(st, app)
            st.end_deployment_later(dep_id)
            body = dict(defn, id=app.id, version=app.version,
                        deployments=[{"id": dep_id}], tasks=[])
        return self.reply(201, body, {"Marathon-Deployment-Id": dep_id,
                                      "Location": "/v2/apps" + app.id})

    def app_json(self, app, embed):
        body = dict(app.defn, id=app.id, version=app.version)
        running = 1 if app.task and app.task["state"] == "TASK_RUNNING" else 0
        body.update(tasksRunning=running, tasksStaged=0,
                    tasksHealthy=1 if app.healthy else 0, tasksUnhealthy=0,
                    deployments=[{"id": d["id"]} for d in self.server.st.deployments.values()
                                 if app.id in d["affectedApps"]])
        if "app.tasks" in embed or "apps.tasks" in embed:
            body["tasks"] = [app.task] if app.task else []
        if app.last_failure and ("app.lastTaskFailure" in embed or "apps.lastTaskFailure" in embed):
            body["lastTaskFailure"] = app.last_failure
        return body

    def get_app(self, app_id, q):
        st = self.server.st
        with st.lock:
            app = st.apps.get(app_id)
            if app is None:
                return self.reply(404, {"message": "App '%s' does not exist" % app_id})
            return self.reply(200, {"app": self.app_json(app, q.get("embed", []))})

    def tasks(self, app_id):
        st = self.server.st
        with st.lock:
            app = st.apps.get(app_id)
            if app is None:
                return self.reply(404, {"message": "App '%s' does not exist" % app_id})
            return self.reply(200, {"tasks": [app.task] if app.task else []})

    def delete(self, app_id):
        st = self.server.st
        with st.lock:
            app = st.apps.pop(app_id, None)
            if app is None:
                return self.reply(404, {"message": "App '%s' does not exist" % app_id})
            st.stats["deletes"] += 1
            dep_id = st.deploy(app, "StopApplication")
            kill_task(app)
            st.end_deployment_later(dep_id)
            return self.reply(200, {"version": now_iso(), "deploymentId": dep_id},
                              {"Marathon-Deployment-Id": dep_id})

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_DELETE(self):
        self.route("DELETE")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log")
    p.add_argument("--user")
    p.add_argument("--password", default="")
    p.add_argument("--token")
    args = p.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.st = State(args)

    def stop(*_):
        with srv.st.lock:
            for app in srv.st.apps.values():
                kill_task(app)
        os._exit(0)
    signal.signal(signal.SIGTERM, stop)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
