#!/usr/bin/python3
# lispos-server's users (issue 20): the administrator adds, lists,
# re-passwords and deletes users; only the administrator may; each user
# evaluates in an environment of their own that no other user reaches;
# sync makes what was done durable, so that a kill -9 right after loses
# none of it, round after round.
import os, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_helper import Tap, Server

t = Tap()
ok = t.ok
srv = Server("admin-secret", "--snapshot-interval", "3600")
r = srv.init("--size", "64M")
ok(r.returncode == 0, "--init", r.stderr)
srv.start()

admin = srv.client().login("admin", "admin-secret")
for name, pw in (("alice", "alice-pw"), ("bob", "bob-pw")):
    err, res = admin.call("admin.user-add", name, pw)
    ok(err is None and res is True, "admin.user-add %s" % name, err)
err, res = admin.call("admin.user-add", "alice", "again")
ok(err and err["type"] == "ARGUMENT-ERROR" and "exists" in err["message"],
   "adding a user twice is refused", err)
err, res = admin.call("admin.user-add", "with space", "pw")
ok(err and err["type"] == "ARGUMENT-ERROR", "a name with a blank is refused",
   err)
err, res = admin.call("admin.user-add", "carol", "")
ok(err and err["type"] == "ARGUMENT-ERROR", "an empty password is refused",
   err)
err, res = admin.call("admin.user-list")
ok(err is None and res == ["admin", "alice", "bob"], "admin.user-list", res)
err, res = admin.call("admin.user-delete", "admin")
ok(err and err["type"] == "ARGUMENT-ERROR",
   "the administrator cannot be deleted", err)
err, res = admin.call("admin.user-delete", "nobody")
ok(err and err["type"] == "ARGUMENT-ERROR" and "does not exist" in
   err["message"], "deleting a user who does not exist", err)

alice = srv.client().login("alice", "alice-pw")
bob = srv.client().login("bob", "bob-pw")
for method, params in (("admin.user-list", []),
                       ("admin.user-add", ["mallory", "x"]),
                       ("admin.user-passwd", ["admin", "x"]),
                       ("admin.user-delete", ["bob"])):
    err, res = alice.call(method, *params)
    ok(err and err["type"] == "ACCESS-DENIED",
       "%s by a user: ACCESS-DENIED" % method, err)
err, res = alice.call("admin.no-such")
ok(err and err["type"] == "ACCESS-DENIED", "any admin.* by a user: "
   "ACCESS-DENIED (no hint of what exists)", err)

# ---- each user's environment is their own ----
ok(alice.value("(defun secret () 42)") is not None and
   alice.value("(secret)") == 42, "alice defines a function")
ok(alice.value("(defvar *mine* (list 1 2))") is not None,
   "and a variable")
ok(bob.value("(secret)") == "UNDEFINED-FUNCTION",
   "bob does not see alice's function")
ok(bob.value("*mine*") == "UNBOUND-VARIABLE",
   "nor her variable")
ok(bob.value("(defun secret () :bobs)") is not None and
   alice.value("(secret)") == 42,
   "bob's own SECRET does not replace alice's")
ok(admin.value("(fboundp 'secret)") is None,
   "the administrator's own sessions do not see it either")
second = srv.client().login("alice", "alice-pw")
ok(second.value("(secret)") == 42,
   "a second session of alice shares her environment")
second.close()

# ---- passwords ----
err, res = admin.call("admin.user-passwd", "bob", "bob-new")
ok(err is None, "admin.user-passwd bob", err)
c = srv.client()
err, res = c.call("login", "bob", "bob-pw")
ok(err and err["type"] == "LOGIN-FAILED", "bob's old password fails", err)
c.close()
c = srv.client()
err, res = c.call("login", "bob", "bob-new")
ok(err is None, "his new one works", err)
c.close()

# ---- durability: sync, then kill -9 ----
rounds = 3
lost = []
for k in range(rounds):
    alice.value("(defparameter *round* %d)" % k)
    err, res = alice.call("sync")
    if err is not None or res is not True:
        lost.append(("sync", k, err))
    srv.kill()
    srv.start()
    alice = srv.client().login("alice", "alice-pw")
    got = alice.value("*round*")
    if got != k:
        lost.append((k, got))
ok(not lost, "%d rounds: what was synced survives kill -9" % rounds, lost)
ok(alice.value("(secret)") == 42, "and so does alice's function")

admin = srv.client().login("admin", "admin-secret")
err, res = admin.call("admin.user-delete", "bob")
ok(err is None, "admin.user-delete bob", err)
c = srv.client()
err, res = c.call("login", "bob", "bob-new")
ok(err and err["type"] == "LOGIN-FAILED", "bob can no longer log in", err)
c.close()
# ---- failed logins slow the next ones down ----
err, res = admin.call("admin.user-add", "carol", "carol-pw")
ok(err is None, "admin.user-add carol", err)
srv.client().login("alice", "alice-pw").close()   # the address's count: 0
c = srv.client()
answers = [c.call("login", "carol", "guess%d" % k)[0]["type"] for k in range(3)]
ok(answers == ["LOGIN-FAILED"] * 3, "three wrong passwords: refused", answers)
err, res = c.call("login", "carol", "carol-pw")
ok(err and err["type"] == "LOGIN-THROTTLED" and "try again in" in
   err["message"], "the fourth attempt must wait, even with the right "
   "password", err)
d = srv.client()
err, res = d.call("login", "carol", "carol-pw")
ok(err and err["type"] == "LOGIN-THROTTLED",
   "from another connection too", err)
time.sleep(1.2)
err, res = d.call("login", "carol", "carol-pw")
ok(err is None, "after the wait, the right password logs in", err)
e = srv.client()
err, res = e.call("login", "carol", "wrong")
ok(err and err["type"] == "LOGIN-FAILED", "and the count starts again", err)
for x in (c, d, e):
    x.close()
ok("login carol refused" in srv.log(), "failed logins are logged")

admin.close()
alice.close()
ok(srv.stop() == 0, "the server stops cleanly")
srv.cleanup()
t.done()
