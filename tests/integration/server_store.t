#!/usr/bin/python3
# lispos-server's store methods (issue 20), as an independent client sees
# them (docs/protocol.md): store.put/get/set/delete/history/revert,
# store.query/count, acl.grant/revoke between two users, values of every
# extension type both ways, handles passed back (and refused from another
# connection or made up), and live queries (store.watch) telling each
# user exactly what they may read.
import os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_helper import Tap, Server, is_error
import msgpack
from msgpack import ExtType

t = Tap()
ok = t.ok
srv = Server("admin-pw", "--snapshot-interval", "3600")
r = srv.init("--size", "64M")
ok(r.returncode == 0, "--init", r.stderr)
srv.start()
admin = srv.client().login("admin", "admin-pw")
for name in ("alice", "bob"):
    admin.call("admin.user-add", name, name + "-pw")
alice = srv.client().login("alice", "alice-pw")
bob = srv.client().login("bob", "bob-pw")


def kw(name):
    return ExtType(2, name.encode())


# ---- put and get ----
err, one = alice.call("store.put", "a note", ["name", "first", "year", 2013,
                                              "category", kw("NOTE")])
ok(err is None and one == 1, "store.put: the new entry's id", err)
err, two = alice.call("store.put", b"\x00\x01\x02", {"name": "blob",
                                                     "acl": [["bob", 1]]})
ok(err is None and two == 2, "store.put with a map of attributes and an ACL",
   err)
err, res = alice.call("store.get", one)
ok(err is None and res["id"] == 1 and res["object"] == "a note" and
   res["attributes"] == ["NAME", "first", "YEAR", 2013, "CATEGORY",
                         kw("NOTE")] and res["owner"] == "alice" and
   res["version"] == 1 and res["access"] == 15, "store.get: the entry", res)
err, res = alice.call("store.get", two)
ok(err is None and res["object"] == b"\x00\x01\x02" and
   res["attributes"][-2:] == ["ACL", [["bob", 1]]],
   "a byte vector comes back as bin; the ACL last", res)
err, res = bob.call("store.get", one)
ok(err is None and res is None, "bob cannot see alice's private entry", res)
err, res = bob.call("store.get", two)
ok(err is None and res["access"] == 1, "bob reads what she shared, read only",
   res)
err, res = alice.call("store.put", "x", ["name"])
ok(is_error(err, "ARGUMENT-ERROR", "without a value"),
   "an attribute without a value", err)
err, res = alice.call("store.put", "x", ["name", "y", 7, "z"])
ok(is_error(err, "ARGUMENT-ERROR", "key"), "a number as a key", err)
err, res = alice.call("store.put")
ok(is_error(err, "ARGUMENT-ERROR", "store.put takes"), "store.put of nothing",
   err)
err, res = alice.call("store.get", "one")
ok(is_error(err, "ARGUMENT-ERROR", "positive integer"), "an id that is a "
   "string", err)
err, res = alice.call("store.get", 999)
ok(err is None and res is None, "store.get of an id never used: nil", res)

# ---- query and count ----
err, res = bob.call("store.count", "t")
ok(err is None and res == 1, "bob counts only what he may read", res)
err, res = alice.call("store.query", "(= :category :note)")
ok(err is None and res == [[1, ["NAME", "first", "YEAR", 2013, "CATEGORY",
                                kw("NOTE")]]], "store.query", res)

# ---- set, history, revert ----
err, res = alice.call("store.set", one, {"attributes": ["name", "renamed"],
                                         "add": ["tag", "a", "tag", "b"],
                                         "remove": ["year"]})
ok(err is None and isinstance(res, int) and res > 1,
   "store.set: the new version", err)
err, res = alice.call("store.get", one)
ok(res["attributes"] == ["NAME", "renamed", "CATEGORY", kw("NOTE"),
                         "TAG", "a", "TAG", "b"], "the changes made",
   res["attributes"])
err, res = alice.call("store.set", one, {"object": "another note"})
err, res = alice.call("store.get", one)
ok(res["object"] == "another note", "store.set of the object", res)
err, res = alice.call("store.set", one, {"colour": 1})
ok(is_error(err, "ARGUMENT-ERROR", "colour"), "an unknown change", err)
err, res = alice.call("store.set", one, ["name", "x"])
ok(is_error(err, "ARGUMENT-ERROR", "map"), "changes that are no map", err)
err, res = bob.call("store.set", two, {"add": ["k", 1]})
ok(is_error(err, "ACCESS-DENIED"), "bob may not change a read-only entry",
   err)
err, res = bob.call("store.set", one, {"add": ["k", 1]})
ok(is_error(err, "STORE-ERROR", "no entry"),
   "nor one he cannot see (as if it did not exist)", err)
err, hist = alice.call("store.history", one)
ok(err is None and [h["change"] for h in hist][-1] == "put" and
   hist[0]["change"] == "object" and all(h["by"] == "alice" for h in hist)
   and all(isinstance(h["at"], int) for h in hist),
   "store.history: newest first, who, when, what", hist)
err, res = alice.call("store.get", one)
ok(res["version"] == hist[0]["version"] == len(hist),
   "store.get's version is the history's newest", (res["version"], hist))
err, res = alice.call("store.revert", one, 1)
ok(err is None and res == hist[0]["version"] + 1, "store.revert: a new "
   "version", err)
err, res = alice.call("store.get", one)
ok(res["object"] == "a note" and res["attributes"][:2] == ["NAME", "first"],
   "the entry as version 1 left it", res)
err, res = alice.call("store.revert", one, 0)
ok(is_error(err, "ARGUMENT-ERROR"), "version 0", err)

# ---- ACLs between two users ----
err, res = alice.call("acl.grant", one, "bob", 3)
ok(err is None and res is True, "acl.grant bob read and write", err)
err, res = bob.call("store.set", one, {"add": ["seen-by", "bob"]})
ok(err is None, "now bob may change it", err)
err, res = alice.call("store.history", one)
ok(res[0]["by"] == "bob", "his change is in its history", res[0])
err, res = alice.call("acl.grant", one, ["group", "staff"], 1)
ok(err is None, "a group as principal", err)
err, res = alice.call("acl.grant", one, kw("EVERYONE"), 0)
ok(err is None, "everyone as principal", err)
err, res = alice.call("acl.grant", one, 17, 1)
ok(is_error(err, "ARGUMENT-ERROR", "principal"), "a number as principal", err)
err, res = alice.call("acl.grant", one, "bob", 99)
ok(is_error(err, "ARGUMENT-ERROR", "bits"), "bits past 15", err)
err, res = bob.call("acl.grant", one, "bob", 15)
ok(is_error(err, "ACCESS-DENIED"), "only the owner grants", err)
err, res = alice.call("acl.revoke", one, "bob")
ok(err is None and res is True, "acl.revoke", err)
err, res = alice.call("acl.revoke", one, "bob")
ok(err is None and res is None, "revoking again: nil", err)
err, res = bob.call("store.get", one)
ok(err is None and res is None, "bob no longer sees it", res)

# ---- delete ----
err, three = alice.call("store.put", "short-lived", ["name", "tmp"])
err, res = alice.call("store.delete", three)
ok(err is None and res is True, "store.delete", err)
err, res = alice.call("store.get", three)
ok(res is None, "a deleted entry is gone", res)
err, res = alice.call("store.history", three)
ok(err is None and res[0]["change"] == "delete", "and keeps its history", res)
err, res = bob.call("store.delete", two)
ok(is_error(err, "ACCESS-DENIED"), "bob may not delete a read-only entry",
   err)

# ---- values of every kind, both ways ----
err, res = alice.call("eval", "(values :k 'car (expt 2 70) (- (expt 2 70)) "
                      "1/3 #\\a (date 2013 5) (duration :hours 1 :minutes 3) "
                      "(store-get 1) 18446744073709551615)")
v = res["values"] if res else []
ok(err is None and v == [kw("K"), ExtType(3, b"COMMON-LISP\x00CAR"),
                         ExtType(4, b"1180591620717411303424"),
                         ExtType(4, b"-1180591620717411303424"),
                         ExtType(5, b"1/3"), ExtType(6, b"a"),
                         ExtType(7, b"2013-05"), ExtType(8, b"PT1H3M"),
                         ExtType(9, b"1"), 18446744073709551615],
   "every value of eval, each as its type", res)
back = "(lambda (&rest xs) (mapcar (lambda (x) (prin1-to-string x)) xs))"
err, res = alice.call("eval", back, v)
ok(err is None and res["values"][0] == [
    ":K", "CAR", "1180591620717411303424", "-1180591620717411303424", "1/3",
    "#\\a", '#@"2013-05"', '#@"PT1H3M"', "#<ENTRY 1>",
    "18446744073709551615"], "and sent back, the same values", res)
err, res = alice.call("eval", "(lambda (x) x)", [ExtType(7, b"2013-13")])
ok(is_error(err, "ARGUMENT-ERROR", "date"), "a malformed date", err)
err, res = alice.call("eval", "(lambda (x) x)", [ExtType(5, b"1/0")])
ok(is_error(err, "ARGUMENT-ERROR", "ratio"), "a ratio over zero", err)
err, res = alice.call("eval", "(lambda (x) x)", [ExtType(3, b"NO-SUCH\x00X")])
ok(is_error(err, "ARGUMENT-ERROR", "package"), "a symbol of no package", err)
err, res = alice.call("eval", "(lambda (x) x)", [ExtType(1, b"#<X>")])
ok(is_error(err, "ARGUMENT-ERROR", "printed"), "a printed value cannot come "
   "back", err)
err, res = alice.call("eval", "(lambda (x) x)", [ExtType(99, b"")])
ok(is_error(err, "ARGUMENT-ERROR", "extension"), "an unknown extension type",
   err)
err, res = alice.call("eval", "(lambda (x) x)", [{"a": 1}])
ok(is_error(err, "ARGUMENT-ERROR", "map"), "a map as an eval argument", err)
err, res = alice.call("eval", "(lambda (x) x)", "not an array")
ok(is_error(err, "ARGUMENT-ERROR"), "eval's arguments not an array", err)
err, res = alice.call("eval", "(values)")
ok(err is None and res["values"] == [], "no values", res)

# ---- handles ----
cut = []
for n in range(195, 205):       # a summary is cut at 200 bytes: never
    err, res = alice.call(       # inside a character (2 bytes each here)
        "eval", "(vector (make-string %d :initial-element #\\\u00e9))" % n)
    try:
        cut.append(msgpack.unpackb(res["values"][0].data)[3].endswith("..."))
    except UnicodeDecodeError as e:
        cut.append(e)
ok(all(c is True for c in cut), "a long summary is cut between characters "
   "(valid UTF-8)", cut)
err, res = alice.call("eval", "(defvar *v* (vector 1 2 3)) *v*")
h = res["values"][0]
body = msgpack.unpackb(h.data) if h.code == 10 else None
ok(body and body[1] == 15 and body[2] in ("VECTOR", "SIMPLE-VECTOR") and
   body[3] == "#(1 2 3)", "a vector comes as a handle: number, bits, type, "
   "summary", body)
err, res = alice.call("eval", "*v*")
ok(res["values"][0] == h, "the same object again: the same handle", res)
err, res = alice.call("eval", "(lambda (v) (setf (aref v 0) 99) (eq v *v*))",
                      [h])
ok(err is None and res["values"] == [True], "a handle sent back is the very "
   "object", err)
err, res = alice.call("eval", "(lambda (v) v)", [ExtType(10, msgpack.packb(
    body[0]))])
ok(err is None, "a handle sent as its number alone", err)
err, res = bob.call("eval", "(lambda (v) v)", [h])
ok(is_error(err, "ARGUMENT-ERROR", "handle"),
   "another connection's handle is refused", err)
alice2 = srv.client().login("alice", "alice-pw")
err, res = alice2.call("eval", "(lambda (v) v)", [h])
ok(is_error(err, "ARGUMENT-ERROR", "handle"),
   "even the same user's, on another connection", err)
forged = [body[0] + 1, body[0] ^ (1 << 40), 0, 1, 2 ** 64 - 1]
refused = 0
for n in forged:
    err, res = alice.call("eval", "(lambda (v) v)",
                          [ExtType(10, msgpack.packb([n, 15, "X", ""]))])
    refused += is_error(err, "ARGUMENT-ERROR", "handle")
ok(refused == len(forged), "made-up handle numbers are refused", refused)
err, four = alice.call("store.put", h, ["name", "vector", "acl", [["bob", 1]]])
ok(err is None, "store.put of a handle: the object itself", err)
err, res = bob.call("store.get", four)
bh = res["object"] if res else None
ok(isinstance(bh, ExtType) and bh.code == 10 and
   msgpack.unpackb(bh.data)[1] == 1 and
   msgpack.unpackb(bh.data)[3] == "#(99 2 3)",
   "bob gets it as a read-only handle", res)
err, res = bob.call("eval", "(lambda (v) (setf (aref v 0) 0))", [bh])
ok(is_error(err, "ACCESS-DENIED", "write"), "which does not let him write",
   err)
err, res = bob.call("eval", "(lambda (v) (aref v 1))", [bh])
ok(err is None and res["values"] == [2], "but read", err)
err, res = bob.call("eval", "(lambda (v) (access-bits v))", [bh])
ok(err is None and res["values"] == [1], "its bits are the ACL's", err)

# ---- live queries ----
err, wb = bob.call("store.watch", "(= :category :book)")
ok(err is None and isinstance(wb, int), "store.watch: a watch id", err)
err, wa = alice.call("store.watch", "(= :category :book)")
err, five = alice.call("store.put", "shared book", ["category", kw("BOOK"),
                                                    "acl", [["bob", 1]]])
err, six = alice.call("store.put", "private book", ["category", kw("BOOK")])
n = bob.notification()
ok(n == [2, "store.changed", [wb, "added", [five, ["CATEGORY", kw("BOOK"),
                                                   "ACL", [["bob", 1]]]]]],
   "bob is told of the shared book", n)
na = [alice.notification(), alice.notification()]
ok([x[2][1] for x in na if x] == ["added", "added"] and
   [x[2][2][0] for x in na if x] == [five, six], "alice of both", na)
err, res = alice.call("store.set", five, {"add": ["pages", 100]})
n = bob.notification()
ok(n == [2, "store.changed", [wb, "changed", [five, [
    "CATEGORY", kw("BOOK"), "PAGES", 100, "ACL", [["bob", 1]]]]]],
   "a change within the result", n)
err, res = alice.call("acl.revoke", five, "bob")
n = bob.notification()
ok(n == [2, "store.changed", [wb, "removed", [five, None]]],
   "an entry bob may no longer read leaves his result", n)
err, res = alice.call("store.set", six, {"attributes": ["category",
                                                        kw("NOTE")]})
seen = []
while not seen or seen[-1] and seen[-1][2][2][0] != six:
    seen.append(alice.notification())
ok(seen[-1] and seen[-1][2][1:] == ["removed", [six, None]] and
   all(x[2][1] == "changed" and x[2][2][0] == five for x in seen[:-1]),
   "an entry that no longer matches leaves (after the changes of the "
   "other)", seen)
# a group's members change: what its ACL rows grant enters or leaves
err, res = admin.call("admin.group-add", "readers")
err, wg = bob.call("store.watch", '(= :kind "report")')
err, seven = alice.call("store.put", "a report", ["kind", "report", "acl",
                                                  [[["group", "readers"], 1]]])
err, res = alice.call("store.put", "another", ["kind", "report"])
err, res = admin.call("admin.group-add-member", "readers", "bob")
n = bob.notification()
while n and n[2][0] != wg:          # the book watch's, if any came late
    n = bob.notification()
ok(err is None and n and n[2][:2] == [wg, "added"] and n[2][2][0] == seven,
   "bob made a member of the group an entry names: it enters his watch", n)
err, res = admin.call("admin.group-remove-member", "readers", "bob")
n = bob.notification()
ok(n == [2, "store.changed", [wg, "removed", [seven, None]]],
   "taken out of it: the entry leaves", n)
err, res = admin.call("admin.group-add-member", "readers", "bob")
n = bob.notification()
err, res = admin.call("admin.group-delete", "readers")
n = bob.notification()
ok(n == [2, "store.changed", [wg, "removed", [seven, None]]],
   "the group deleted: it leaves again", n)
ok(bob.notification(1) is None, "and nothing else is told", bob.notes)
bob.call("store.unwatch", wg)
err, res = bob.call("store.unwatch", wb)
ok(err is None and res is True, "store.unwatch", err)
err, res = bob.call("store.unwatch", wb)
ok(is_error(err, "ARGUMENT-ERROR", "watch"), "unwatching twice", err)
err, res = alice.call("store.put", "b2", ["category", kw("BOOK"),
                                          "acl", [["bob", 1]]])
ok(bob.notification(1) is None, "after unwatch, bob hears nothing", bob.notes)
err, res = bob.call("store.watch", "(= :category")
ok(is_error(err, "END-OF-FILE"), "a watch of a malformed filter", err)
err, res = bob.call("store.watch", "(frobnicate :x)")
ok(is_error(err, "STORE-QUERY-ERROR"), "a watch of an unknown operator", err)
watches = [bob.call("store.watch", "t") for _ in range(65)]
ok(all(e is None for e, r in watches[:64]) and
   is_error(watches[64][0], "TOO-MANY-REQUESTS", "64"),
   "at most 64 watches a connection", watches[64])

# ---- store.get on the event loop: a worker's answer, sooner ----
# The loop answers store.get itself when the entry's values are plain data
# (server/direct.c); an entry sent as ext 9 always goes to a worker.  Every
# entry below, read by its owner and by bob, must come back the same both
# ways, and admin.stats' direct-requests says which way it went.
def norm(x):          # a handle's number differs from one answer to the next
    if isinstance(x, ExtType) and x.code == 10:
        return ("handle",) + tuple(msgpack.unpackb(x.data)[1:])
    if isinstance(x, (list, tuple)):
        return [norm(y) for y in x]
    if isinstance(x, dict):
        return {k: norm(v) for k, v in x.items()}
    return x


def direct_count():
    err, res = admin.call("admin.stats")
    return res["direct-requests"]


plain = [  # each a Lisp form making the entry, as alice
    '(store-put "h\u00e9llo w\u00f6rld \u2713" :name "x" :n -5 :m %d '
    ':f 2.5d0 :g -0.0d0 :k :kw :yes t :no nil '
    ':list (list 1 (list 2 "three" (list :four)) nil))' % (2 ** 61 - 1),
    "(store-put (make-array 3 :element-type '(unsigned-byte 8) "
    ":initial-contents '(0 255 7)) :name \"bytes\" :acl '((\"bob\" 1)))",
    "(store-put (list 1 2.5d0 \"s\") :tag 1 :tag 2 :tag :three "
    ":acl '((\"bob\" 3) ((:group \"staff\") 1) (:everyone 0)))",
    "(store-put 42)",
    "(store-put \"shared\" (intern \"\u043a\u043b\u044e\u0447\" :keyword) "
    "\"\u0437\u043d\u0430\u0447\u0435\u043d\u0438\u0435\" :acl '((:everyone 1)))",
    "(store-put (make-string 4000 :initial-element #\\z) :name \"long\")",
]
worker = [  # values the loop leaves to a worker (and ones too big for it)
    "(store-put (restrict \"write-only\" 2) :name \"restricted\")",
    "(store-put #\\a :name \"char\")",
    "(store-put \"d\" :date (date 2013 5))",
    "(store-put \"big\" :n (expt 2 70))",
    "(store-put (vector 1 2) :name \"vector\" :acl '((\"bob\" 1)))",
    "(store-put (make-string 5000 :initial-element #\\z) :name \"longer\")",
    "(store-put (make-list 2000 :initial-element 1) :name \"many\")",
]
made = []
for form in plain + worker:
    err, res = alice.call("eval", "(entry-id %s)" % form)
    made.append(res["values"][0] if err is None else err)
ok(all(isinstance(i, int) for i in made), "entries of every kind made", made)
same, ways = [], []
for k, i in enumerate(made):
    for who in (alice, bob):
        before = direct_count()
        err, fast = who.call("store.get", i)
        went_direct = direct_count() - before
        err2, slow = who.call("store.get", ExtType(9, str(i).encode()))
        same.append(err is None and err2 is None and norm(fast) == norm(slow)
                    or (i, who is alice, err, err2, fast, slow))
        if who is alice:
            ways.append(went_direct)
ok(all(x is True for x in same), "the loop's store.get answers exactly as a "
   "worker's, for its owner and for another user",
   [x for x in same if x is not True])
ok(ways == [1] * len(plain) + [0] * len(worker), "plain data on the loop, "
   "the rest on a worker", ways)
err, res = alice.call("store.get", made[0])
ok(res["object"] == "h\u00e9llo w\u00f6rld \u2713" and
   res["attributes"][:6] == ["NAME", "x", "N", -5, "M", 2 ** 61 - 1] and
   res["attributes"][-2:] == ["LIST", [1, [2, "three", [kw("FOUR")]], None]],
   "the loop's answer itself", res)
restricted = made[len(plain)]
err, res = bob.call("store.get", restricted)
ok(res is None, "bob still sees nothing he may not read", res)
err, res = alice.call("store.get", restricted)
ok(isinstance(res["object"], ExtType) and res["object"].code == 10,
   "an object without the read bit comes as a handle (by a worker)", res)
err, res = admin.call("admin.install",
                      "(entry-id (store-put \"system's\" :acl '((:everyone 1))))")
sysid = res["values"][0] if err is None else None
before = direct_count()
err, fast = alice.call("store.get", sysid)
after = direct_count()
err2, slow = alice.call("store.get", ExtType(9, str(sysid).encode()))
ok(err is None and fast == slow and fast["owner"] == kw("ADMINISTRATOR") and
   after == before + 1, "an entry of the administrator's, on the loop",
   (err, fast, slow))

for c in (admin, alice, alice2, bob):
    c.close()
ok(srv.stop() == 0, "the server stops cleanly")
srv.cleanup()
t.done()
