#!/usr/bin/python3
# lispos-server's operation (issue 20): a store on a disk given by --disk,
# --memory, the log to a file with levels, --metrics (Prometheus' text
# over HTTP), and the limits on connections in total and per user.
import os, ssl, sys, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_helper import Tap, Server, free_port

t = Tap()
ok = t.ok
metrics_port = free_port()
srv = Server("admin-pw")
disk = os.path.join(srv.tmp, "elsewhere.img")
log = os.path.join(srv.tmp, "lispos.log")
r = srv.init("--size", "32M", "--disk", disk)
ok(r.returncode == 0 and os.path.getsize(disk) == 96 << 20 and
   not os.path.exists(os.path.join(srv.data, "lispos.store")),
   "--init --disk: the store on that file, not in the data directory",
   r.stderr)
r = srv.init("--disk", disk)
ok(r.returncode == 1 and "never replaces" in r.stderr,
   "--init refuses a disk that holds a store", r.stderr)
srv.serve_args = ["--disk", disk, "--memory", "64M", "--log", log,
                  "--log-level", "info", "--metrics",
                  "127.0.0.1:%d" % metrics_port, "--max-connections", "6",
                  "--max-connections-per-user", "2"]
srv.start()
admin = srv.client().login("admin", "admin-pw")
err, res = admin.call("admin.user-add", "alice", "alice-pw")
a1 = srv.client().login("alice", "alice-pw")
a2 = srv.client().login("alice", "alice-pw")
a3 = srv.client()
err, res = a3.call("login", "alice", "alice-pw")
ok(err and err["type"] == "TOO-MANY-CONNECTIONS", "a third connection of "
   "alice is refused (--max-connections-per-user 2)", err)
err, res = a3.call("eval", "1")
ok(err and err["type"] == "NOT-LOGGED-IN", "and stays logged out", err)
a2.close()
time.sleep(0.3)
err, res = a3.call("login", "alice", "alice-pw")
ok(err is None, "once one closes, she may log in again", err)
others = [srv.client() for _ in range(3)]       # 6 connections now
try:
    extra = srv.client()
    refused = extra.closed_by_server()
except (ssl.SSLError, ConnectionError):
    refused = True
ok(refused, "a connection past --max-connections is closed at once")
for c in others:
    c.close()

err, res = a1.call("store.put", "x", ["k", 1])
body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % metrics_port,
                              timeout=30).read().decode()
lines = dict(l.split(" ", 1) for l in body.splitlines()
             if l and not l.startswith("#"))
ok(lines.get("lispos_entries") == "1" and lines.get("lispos_users") == "2"
   and int(lines.get("lispos_requests_total", "0")) > 3 and
   "# TYPE lispos_requests_total counter" in body,
   "--metrics: the figures in Prometheus' text format", body[:400])
try:
    urllib.request.urlopen("http://127.0.0.1:%d/other" % metrics_port,
                           timeout=30)
    ok(False, "any other path is 404")
except urllib.error.HTTPError as e:
    ok(e.code == 404, "any other path is 404", e.code)

err, res = admin.call("sync")
ok(srv.stop() == 0, "SIGTERM: a clean stop")
text = open(log).read()
ok("lispos info:" in text and "login alice accepted" in text and
   "login alice refused: too many connections" in text and
   "serving on" in text and "stopped after a final snapshot" in text and
   text.split(" ", 1)[0].endswith("Z"),
   "--log: one line an event, with the time and a level", text[-600:])
ok(srv.log() == "", "nothing goes to stderr then", srv.log()[:300])

srv.serve_args = ["--disk", disk, "--log-level", "warn"]
srv.start()
c = srv.client().login("alice", "alice-pw")
err, res = c.call("store.get", 1)
ok(res and res["object"] == "x", "the store on --disk serves again", res)
c.close()
ok(srv.stop() == 0, "stopped")
ok("login alice accepted" not in srv.log(), "--log-level warn leaves out "
   "the logins", srv.log()[-300:])
r = srv.init("--disk", os.path.join(srv.tmp, "no", "such", "dir", "img"))
ok(r.returncode != 0, "--init on a disk that cannot be made fails",
   r.stderr)
srv.cleanup()
t.done()
