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

# ---- the store over the wire: ACLs decide what each user finds ----
alice.value('(store-put "shared" :name "shared" :year 1990 :category :book '
            ':acl (list (list "bob" 1)))')
alice.value('(store-put "private" :name "private" :year 2000)')
alice.value('(store-put "also private" :name "third" :year 2010)')
err, res = alice.call("store.count", "(has :year)")
ok(err is None and res == 3, "store.count: alice sees her 3 entries", res)
err, res = bob.call("store.count", "(has :year)")
ok(err is None and res == 1, "bob sees only the one shared with him", res)
err, res = bob.call("store.query", "t")
ok(err is None and len(res) == 1 and res[0][1][:4] == ["NAME", "shared",
   "YEAR", 1990], "store.query: [id, [KEY, value ...]] for bob's one", res)
err, res = alice.call("store.query", "(> :year 1980)",
                      {"order-by": "year", "descending": True, "limit": 2})
ok(err is None and [e[1][1] for e in res] == ["third", "private"],
   "options: order-by year descending, limit 2", res)
err, res = alice.call("store.query", "(> :year 1980)",
                      {"order-by": "year", "offset": 1})
ok(err is None and [e[1][1] for e in res] == ["private", "third"],
   "options: offset 1", res)
alice.value('(store-put (make-array 5 :element-type \'(unsigned-byte 8)) '
            ':name "bytes")')
alice.value('(store-put (loop for i below 100 collect i) :name "long list")')
err, res = alice.call("store.query", "(has :name)",
                      {"summary": True, "order-by": "name"})
ok(err is None and [e[2] for e in res] ==
   ['5 bytes', '(0 1 2 3 4 5 6 7 ...)', '"private"', '"shared"',
    '"also private"'], "options: summary, a line for each entry's object", res)
err, res = alice.call("store.query", "(has :name)", {"summary": "yes"})
ok(err and err["type"] == "ARGUMENT-ERROR", "summary is a boolean", err)
err, res = alice.call("store.query", "(has :year)",
                      {"descending": True, "limit": 2, "offset": 1})
ok(err is None and [e[0] for e in res] == [2, 1],
   "descending without order-by: newest id first, then offset and limit",
   res)
err, res = alice.call("store.query", "(bogus :year 1)")
ok(err and err["type"] == "STORE-QUERY-ERROR", "an unknown operator: "
   "STORE-QUERY-ERROR", err)
err, res = alice.call("store.query", "(has :year) (has :name)")
ok(err and err["type"] == "STORE-QUERY-ERROR", "two forms: refused", err)
err, res = alice.call("store.query", "(has :year", {})
ok(err and err["type"] == "END-OF-FILE", "an unbalanced filter: a reader "
   "error", err)
err, res = alice.call("store.query", "t", {"limit": -1})
ok(err and err["type"] == "ARGUMENT-ERROR", "a negative limit: an argument "
   "error", err)
err, res = alice.call("store.query", "t", {"colour": "red"})
ok(err and err["type"] == "ARGUMENT-ERROR", "an unknown option: an "
   "argument error", err)
err, res = alice.call("store.count", '(satisfies (lambda (e) (error "x")))')
ok(err is not None, "a filter's lambda is read, not a function: refused, "
   "never called", err)

# ---- sessions ----
extra = srv.client().login("alice", "alice-pw")
err, res = admin.call("admin.sessions")
users = sorted(x["user"] for x in res) if err is None else []
ok(err is None and users.count("alice") == 2 and "bob" in users and
   "admin" in users and all(isinstance(x["id"], int) and ":" in x["peer"]
                            for x in res),
   "admin.sessions lists every connection: id, user, peer", res)
target = max(x["id"] for x in res if x["user"] == "alice")
err, res = admin.call("admin.session-kill", target)
ok(err is None and res is True, "admin.session-kill", err)
ok(extra.closed_by_server(), "that connection is closed")
ok(alice.value("(+ 1 2)") == 3, "alice's other session goes on")
err, res = admin.call("admin.session-kill", 999999)
ok(err and err["type"] == "ARGUMENT-ERROR", "killing no session", err)
err, res = bob.call("admin.sessions")
ok(err and err["type"] == "ACCESS-DENIED", "admin.sessions by a user: "
   "ACCESS-DENIED", err)

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
