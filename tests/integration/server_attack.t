#!/usr/bin/python3
# The attack suite (issue 20): what a hostile user, mallory, tries over the
# wire against alice, and against everyone -- reaching another user's
# environment, definitions, sessions, handles or unreadable entries;
# calling system-only functions and admin.* methods; forging and
# replaying handles; exhausting memory, steps, time, connections or watch
# notifications; random and truncated bytes.  Each attempt fails with a
# clear error, and alice's service and data are the same afterwards.
import os, random, socket, ssl, sys, time
import msgpack
from msgpack import ExtType

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_helper import Tap, Server

seed = int(os.environ.get("SERVER_ATTACK_SEED", str(random.randrange(1 << 30))))
rng = random.Random(seed)
print("# seed %d (SERVER_ATTACK_SEED replays the random bytes)" % seed)

t = Tap()
ok = t.ok
srv = Server("admin-pw", "--max-eval-seconds", "3", "--max-eval-bytes",
             "64M", "--max-connections-per-user", "4",
             "--snapshot-interval", "3600")
r = srv.init("--size", "128M")
ok(r.returncode == 0, "--init", r.stderr)
srv.start()
admin = srv.client().login("admin", "admin-pw")
for name in ("alice", "mallory"):
    admin.call("admin.user-add", name, name + "-pw")
alice = srv.client().login("alice", "alice-pw")
mal = srv.client().login("mallory", "mallory-pw")


def is_error(err, *kinds):
    return err is not None and err["type"] in kinds


# alice's state, to compare at the end
alice.call("eval", "(defvar *secret* \"alice's secret\") "
           "(defun secret-fn () *secret*) (defvar *v* (vector 1 2 3))")
err, private = alice.call("store.put", "private diary", ["name", "diary"])
err, shared = alice.call("store.put", "read-only note",
                         ["name", "note", "acl", [["mallory", 1]]])
err, res = alice.call("eval", "*v*")
alice_handle = res["values"][0]
err, before = alice.call("store.query", "t")

# ---- another user's environment and definitions ----
err, res = mal.call("eval", "(boundp 'cl-user::*secret*)")
ok(err is None and res["values"] == [None], "alice's variable is not "
   "bound in mallory's environment", res)
err, res = mal.call("eval", "(secret-fn)")
ok(is_error(err, "UNDEFINED-FUNCTION"), "nor is her function", err)
err, res = mal.call("eval", "(defun cl-user::secret-fn () :pwned)")
err, res = alice.call("eval", "(secret-fn)")
ok(res and res["values"] == ["alice's secret"],
   "defining the same name changes only mallory's environment", res)
err, res = mal.call("eval", "(lispos-internal::%set-user \"alice\")")
ok(err is not None, "no way to select another user's environment", err)
err, res = mal.call("eval", "(find-package \"ALICE\")")
ok(err is None and res["values"] == [None], "nor to name it", res)

# ---- system-only functions ----
refused = 0
for form in ["(lispos-internal::%make-group \"g\")",
             "(lispos-internal::%groups)",
             "(lispos-internal::%wire-group-add \"g\")",
             "(make-group \"g\")",
             "(setf (symbol-function 'car) (lambda (x) x))",
             "(defun lispos:store-put (&rest x) x)",
             "(lispos-internal::%delete-group \"g\")"]:
    err, res = mal.call("eval", form)
    refused += err is not None
ok(refused == 7, "system-only functions and the system's definitions are "
   "refused (%d of 7)" % refused)
err, res = alice.call("eval", "(car '(1 2))")
ok(res["values"] == [1], "CAR is still CAR for everyone", res)

# ---- the administrator's methods and other sessions ----
refused = 0
for call in [("admin.sessions",), ("admin.session-kill", 1),
             ("admin.user-passwd", "alice", "x"),
             ("admin.user-add", "mallory2", "x"),
             ("admin.install", "(defun cl-user::secret-fn () 1)"),
             ("admin.env-reset", "alice"), ("admin.key-add", "mallory",
                                            b"\1" * 32),
             ("admin.group-add-member", "g", "mallory"),
             ("admin.stats",), ("admin.snapshot",)]:
    err, res = mal.call(*call)
    refused += is_error(err, "ACCESS-DENIED")
ok(refused == 10, "every admin.* method is ACCESS-DENIED (%d of 10)" %
   refused)
err, res = mal.call("cancel", 1)
ok(is_error(err, "NO-SUCH-METHOD"), "cancel as a request is no method", err)
mal.s.sendall(msgpack.packb([2, "cancel", [1]]))     # alice's msgid 1
err, res = alice.call("eval", "(+ 1 1)")
ok(res and res["values"] == [2], "cancelling another connection's msgid "
   "touches nothing", res)

# ---- handles ----
err, res = mal.call("eval", "(lambda (v) v)", [alice_handle])
ok(is_error(err, "ARGUMENT-ERROR"), "alice's handle, replayed by mallory", err)
body = msgpack.unpackb(alice_handle.data)
forged = 0
for k in range(200):
    n = rng.choice([body[0] + rng.randrange(1, 1000), rng.randrange(1 << 64),
                    body[0] ^ (1 << rng.randrange(24, 56)), k])
    err, res = mal.call("eval", "(lambda (v) v)",
                        [ExtType(10, msgpack.packb([n, 15, "VECTOR", ""]))])
    forged += is_error(err, "ARGUMENT-ERROR")
ok(forged == 200, "200 forged handle numbers are refused", forged)
err, res = mal.call("store.get", shared)
ro = res["object"]
ok(res["access"] == 1, "mallory reads the note alice shared read-only",
   res)
err, res = mal.call("eval", "(lambda () (lispos:restrict *standard-output* 15))")
err, res = mal.call("store.put", "x", ["acl", [["alice", 15]]])
err, res = mal.call("store.set", shared, {"object": "defaced"})
ok(is_error(err, "ACCESS-DENIED"), "he cannot change it", err)
err, res = mal.call("acl.grant", shared, "mallory", 15)
ok(is_error(err, "ACCESS-DENIED"), "nor grant himself more", err)

# ---- unreadable entries ----
answers = [mal.call("store.get", private),
           mal.call("store.history", private),
           mal.call("store.set", private, {"add": ["x", 1]}),
           mal.call("store.delete", private),
           mal.call("store.revert", private, 1),
           mal.call("acl.grant", private, "mallory", 15),
           mal.call("acl.revoke", private, "alice")]
ok(answers[0] == (None, None) and
   all(is_error(e, "STORE-ERROR") and "no entry" in e["message"]
       for e, r in answers[1:]),
   "alice's private entry: nil, or 'no entry', whatever he tries",
   answers)
err, n = mal.call("store.count", "t")
err2, q = mal.call("store.query", "(has :name)")
ok(n == 2 and [e[0] for e in q] == [shared], "queries never show it "
   "(he sees the note and his own entry)", (n, q))
err, w = mal.call("store.watch", "t")
alice.call("store.set", private, {"add": ["tag", "secret"]})
alice.call("store.set", shared, {"add": ["tag", "public"]})
notes = []
while True:
    n = mal.notification(3)
    if n is None:
        break
    notes.append(n)
ok(notes and all(x[2][2][0] != private for x in notes),
   "a live query is never told of it", notes)
err, res = mal.call("eval", "(lispos:store-get %d)" % private)
ok(err is None and res["values"] == [None], "nor is eval's STORE-GET", res)

# ---- exhausting ----
err, res = mal.call("eval", "(loop)")
ok(is_error(err, "RESOURCE-EXHAUSTED"), "an endless loop ends at the time "
   "limit", err)
err, res = mal.call("eval", "(let ((l nil)) (loop (push (make-array 100000) "
                    "l)))")
ok(is_error(err, "RESOURCE-EXHAUSTED", "STORAGE-CONDITION"),
   "allocating without end ends at the allocation limit", err)
err, res = mal.call("eval", "(defun f (n) (+ 1 (f n))) (f 1)")
ok(err is not None, "unbounded recursion is an error", err and err["type"])
extra = [srv.client() for _ in range(4)]
logged = [c.call("login", "mallory", "mallory-pw")[0] for c in extra]
ok(any(is_error(e, "TOO-MANY-CONNECTIONS") for e in logged),
   "mallory's connections stop at the per-user limit", logged)
for c in extra:
    c.close()
err, res = mal.call("eval", "(make-string 20000000 :initial-element #\\a)")
ok(err is None or is_error(err, "RESOURCE-EXHAUSTED"),
   "a 20 MB reply is sent or refused, never kills the server", err)
# a watcher that never reads, while alice writes a lot
lazy = srv.client().login("mallory", "mallory-pw")
lazy.send("store.watch", ["(has :blob)"])
big = "x" * 60000
for batch in range(16):                 # 64 in flight at most
    for k in range(50):
        alice.send("store.put", [k, ["blob", big, "acl", [["mallory", 1]]]])
    for k in range(50):
        alice.receive()
def ends(c):
    """Whether the server ends c's connection (what it sent is read and
    dropped); false if it still holds it open after 10 s of silence."""
    c.s.settimeout(10)
    try:
        while c.receive() is not None:
            pass
        return True
    except socket.timeout:
        return False
    except (ssl.SSLError, ConnectionError):
        return True


ok(ends(lazy) and "does not read its notifications" in srv.log(),
   "a watcher that does not read its notifications is disconnected, not "
   "buffered for")

# a live query whose predicate never returns: it runs on every change
# anyone makes, so it gets a second at most, then the watch ends
hog = srv.client().login("mallory", "mallory-pw")
err, hw = hog.call("store.watch", "(satisfies (lambda (e) (when (equal "
                  "(entry-attribute e :name) \"w\") (loop)) t))")
err, res = alice.call("store.put", "wakes the watches",
                      ["name", "w", "acl", [["mallory", 1]]])
n = hog.notification(30)
while n and n[1] != "store.watch-ended":
    n = hog.notification(30)
ok(n and n[2][0] == hw and n[2][1]["type"] == "RESOURCE-EXHAUSTED",
   "a live query whose predicate loops ends, its client told why", n)
err, res = alice.call("store.put", "again", ["name", "w2"])
ok(err is None and hog.notification(2) is None,
   "and costs nothing more after", err)
hog.close()

# ---- random and truncated bytes ----
ctx = ssl.create_default_context(cafile=os.path.join(srv.data, "tls",
                                                     "server.crt"))
survived = 0
for k in range(60):
    raw = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s = ctx.wrap_socket(raw, server_hostname="localhost")
    junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
    if k % 3 == 0:                  # a real message cut short
        junk = msgpack.packb([0, 1, "login", ["mallory", "x" * 100]])
        junk = junk[:rng.randrange(1, len(junk))]
    try:
        s.sendall(junk)
        s.settimeout(0.5)
        s.recv(100)
    except (OSError, ssl.SSLError):
        pass
    s.close()
    err, res = alice.call("eval", "(+ 2 2)")
    survived += res is not None and res["values"] == [4]
ok(survived == 60, "60 connections of random or truncated bytes: alice "
   "served after each", survived)

# ---- alice is as she was ----
err, res = alice.call("eval", "(secret-fn)")
ok(res and res["values"] == ["alice's secret"], "her definitions", res)
err, res = alice.call("store.get", private)
ok(res and res["object"] == "private diary" and
   res["attributes"][:2] == ["NAME", "diary"] and res["owner"] == "alice",
   "her private entry", res)
err, res = alice.call("store.get", shared)
ok(res and res["object"] == "read-only note", "her shared one", res)
err, res = alice.call("eval", "(lambda (v) (aref v 2))", [alice_handle])
ok(res and res["values"] == [3], "her handle still works", err)
err, res = admin.call("admin.stats")
ok(err is None, "the administrator is served", err)
ok(srv.stop() == 0, "the server stops cleanly")
srv.cleanup()
t.done()
