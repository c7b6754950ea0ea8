#!/usr/bin/python3
# lispos-server's login-key (Ed25519 challenge and response) and the
# administrator's methods beyond users (issue 20): keys, groups (which the
# store's ACLs then see), env-reset, install (software every user sees),
# snapshot and stats -- and that no other user may call any of them.
import os, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_helper import Tap, Server, is_error
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

t = Tap()
ok = t.ok
srv = Server("admin-pw", "--snapshot-interval", "3600")
r = srv.init("--size", "64M")
ok(r.returncode == 0, "--init", r.stderr)
srv.start()
admin = srv.client().login("admin", "admin-pw")
for name in ("alice", "bob"):
    admin.call("admin.user-add", name, name + "-pw")


def raw(key):
    return key.public_key().public_bytes(serialization.Encoding.Raw,
                                         serialization.PublicFormat.Raw)


def signed(user, challenge):
    return b"lispos-login-key\0" + user.encode() + b"\0" + challenge


def call_unthrottled(client, *call):
    """The call, again after the wait a LOGIN-THROTTLED answer asks for
    (the failures below all come from this address)."""
    while True:
        err, res = client.call(*call)
        if not is_error(err, "LOGIN-THROTTLED"):
            return err, res
        time.sleep(int(err["message"].split(" in ")[1].split()[0]) + 0.1)


def key_login(client, user, key):
    err, res = call_unthrottled(client, "login-key", user)
    if err:
        return err, res
    return client.call("login-key", user, key.sign(signed(user,
                                                          res["challenge"])))


err, res = srv.client().call("hello")
ok(res and "ed25519" in res["auth"], "hello offers ed25519", res)

# ---- keys and login-key ----
key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
openssh = key.public_key().public_bytes(
    serialization.Encoding.OpenSSH,
    serialization.PublicFormat.OpenSSH).decode() + " alice@laptop"
err, fp = admin.call("admin.key-add", "alice", openssh)
ok(err is None and fp.startswith("SHA256:") and len(fp) == 50,
   "admin.key-add of an OpenSSH public key: its fingerprint", err or fp)
err, res = admin.call("admin.key-add", "alice", raw(key))
ok(is_error(err, "ARGUMENT-ERROR", "already"), "the same key as 32 bytes: "
   "known already", err)
err, res = admin.call("admin.key-add", "nobody", raw(other))
ok(is_error(err, "ARGUMENT-ERROR", "no user"), "a key for no user", err)
err, res = admin.call("admin.key-add", "alice", b"short")
ok(is_error(err, "ARGUMENT-ERROR", "Ed25519"), "a key of 5 bytes", err)
err, res = admin.call("admin.key-add", "alice", "ssh-rsa AAAAB3NzaC1yc2E=")
ok(is_error(err, "ARGUMENT-ERROR", "Ed25519"), "an RSA key", err)

c = srv.client()
err, res = c.call("login-key", "alice")
ch = res["challenge"] if res else b""
ok(err is None and isinstance(ch, bytes) and len(ch) == 32,
   "login-key [user]: a challenge of 32 bytes", err)
err, res = c.call("login-key", "alice", key.sign(signed("alice", ch)))
ok(err is None and res == {"user": "alice"}, "the signed challenge logs in",
   err)
err, res = c.call("eval", "(+ 1 2)")
ok(err is None and res["values"] == [3], "and the session works", err)

d = srv.client()
err, res = key_login(d, "alice", other)
ok(is_error(err, "LOGIN-FAILED"), "a key that is not alice's does not log "
   "in", err)
err, res = call_unthrottled(d, "login-key", "alice")
sig = key.sign(signed("alice", res["challenge"]))
err, res = d.call("login-key", "bob", sig)
ok(is_error(err, "PROTOCOL-ERROR"), "a signature for another user than the "
   "challenge's", err)
err, res = d.call("login-key", "alice", sig)
ok(is_error(err, "PROTOCOL-ERROR", "first"), "a challenge serves once", err)
e = srv.client()
err, res = e.call("login-key", "alice", sig)
ok(is_error(err, "PROTOCOL-ERROR"), "a signature replayed on another "
   "connection", err)
err, res = call_unthrottled(e, "login-key", "alice")
err, res = e.call("login-key", "alice", b"\0" * 64)
ok(is_error(err, "LOGIN-FAILED"), "a forged signature", err)
err, res = e.call("login-key", "alice", b"\0" * 10)
ok(is_error(err, "ARGUMENT-ERROR", "64 bytes"), "a signature of 10 bytes",
   err)
err, res = call_unthrottled(e, "login-key", "nobody")
ok(err is None and len(res["challenge"]) == 32,
   "a challenge for a user who does not exist too (nothing is told)", err)
err, res = e.call("login-key", "nobody", key.sign(signed("nobody",
                                                         res["challenge"])))
ok(is_error(err, "LOGIN-FAILED"), "which never logs in", err)
err, res = admin.call("admin.key-remove", "alice", raw(key))
ok(err is None and res is True, "admin.key-remove", err)
err, res = admin.call("admin.key-remove", "alice", raw(key))
ok(is_error(err, "ARGUMENT-ERROR", "no such key"), "removing it again", err)
f = srv.client()
err, res = key_login(f, "alice", key)
ok(is_error(err, "LOGIN-FAILED"), "a removed key no longer logs in", err)

# ---- groups, seen by the ACLs ----
alice, bob = srv.client(), srv.client()
for client, name in ((alice, "alice"), (bob, "bob")):
    err, res = call_unthrottled(client, "login", name, name + "-pw")
err, res = admin.call("admin.group-add", "staff")
ok(err is None and res is True, "admin.group-add", err)
err, res = admin.call("admin.group-add", "staff")
ok(is_error(err, "STORE-ERROR", "already"), "a group twice", err)
err, eid = alice.call("store.put", "memo", ["acl", [[["group", "staff"], 1]]])
ok(err is None, "an entry shared with a group", err)
err, res = bob.call("store.get", eid)
ok(err is None and res is None, "bob, not in staff, does not see the memo",
   res)
err, res = admin.call("admin.group-add-member", "staff", "bob")
ok(err is None and res is True, "admin.group-add-member", err)
err, res = bob.call("store.get", eid)
ok(res and res["object"] == "memo", "now he does", res)
err, res = admin.call("admin.group-list")
ok(res == [{"name": "staff", "members": ["bob"]}], "admin.group-list", res)
err, res = admin.call("admin.group-remove-member", "staff", "bob")
ok(err is None and res is True, "admin.group-remove-member", err)
err, res = bob.call("store.get", eid)
ok(res is None, "and he no longer sees it", res)
err, res = admin.call("admin.group-delete", "staff")
ok(err is None and res is True, "admin.group-delete", err)
err, res = admin.call("admin.group-list")
ok(res == [], "no groups left: an empty array", res)
err, res = admin.call("admin.group-delete", "staff")
ok(is_error(err, "STORE-ERROR", "no group"), "deleting it again", err)

# ---- install and env-reset ----
err, res = admin.call("admin.install", "(defpackage :tools (:use :cl) "
                      "(:export #:twice)) (in-package :tools) "
                      "(defun twice (x) (* 2 x))")
ok(err is None, "admin.install: software in the system environment", err)
err, res = bob.call("eval", "(tools:twice 21)")
ok(err is None and res["values"] == [42], "every user sees it", err)
err, res = admin.call("eval", "(defun admins-own () 1)")
err, res = bob.call("eval", "(fboundp 'admins-own)")
ok(res["values"] == [None], "the administrator's eval stays in their own "
   "environment", res)
err, res = bob.call("eval", "(defun tools::twice (x) x)")
ok(err is not None, "a user cannot redefine installed software", err)
err, res = alice.call("eval", "(defvar *mine* 7) *mine*")
err, res = admin.call("admin.env-reset", "alice")
ok(err is None and res is True, "admin.env-reset", err)
alice2 = srv.client()
call_unthrottled(alice2, "login", "alice", "alice-pw")
err, res = alice2.call("eval", "(boundp '*mine*)")
ok(err is None and res["values"] == [None], "after it, alice starts afresh",
   res)
err, res = alice2.call("store.get", eid)
ok(res and res["object"] == "memo", "and keeps her entries", res)
err, res = admin.call("admin.env-reset", "bad name")
ok(is_error(err, "ARGUMENT-ERROR"), "env-reset of a malformed name", err)

# ---- snapshot and stats ----
err, res = admin.call("admin.snapshot")
ok(err is None and res["generation"] > 0 and "stall-us" in res,
   "admin.snapshot: durable, with its stall", res)
err, res = admin.call("eval", "(setq *pages* (make-list 100000)) t")
err, res = admin.call("admin.snapshot")
ok(err is None and res["pages"] >= 100,
   "admin.snapshot: the pages its own snapshot wrote (a 100,000-cons "
   "list: hundreds)", res)
err, st = admin.call("admin.stats")
keys = ("store-bytes", "entries", "users", "sessions", "requests",
        "last-snapshot", "snapshot-stall-us", "faults", "gc-collections",
        "gc-young-collections",
        "gc-pause-max-us")
ok(err is None and all(k in st for k in keys) and st["users"] == 3 and
   st["entries"] == 1 and st["sessions"] >= 4 and st["requests"] > 10 and
   st["last-snapshot"] > 1700000000, "admin.stats", st)

# ---- nobody else may ----
refused = 0
calls = [("admin.group-add", "g"), ("admin.group-list",),
         ("admin.group-add-member", "staff", "bob"),
         ("admin.key-add", "bob", raw(other)), ("admin.env-reset", "alice"),
         ("admin.install", "(defun lispos::evil () 1)"),
         ("admin.snapshot",), ("admin.stats",), ("admin.sessions",),
         ("admin.user-add", "mallory", "pw"), ("admin.anything",)]
for call in calls:
    err, res = bob.call(*call)
    refused += is_error(err, "ACCESS-DENIED")
ok(refused == len(calls), "every admin.* method refused to bob", refused)
err, res = bob.call("eval", "(lispos-internal::%wire-group-add \"g\")")
ok(err is not None, "nor can he call the Lisp behind them", err)

for x in (admin, alice, alice2, bob, c, d, e, f):
    x.close()
ok(srv.stop() == 0, "the server stops cleanly")
srv.cleanup()
t.done()
