#!/usr/bin/python3
# The Python client module (clients/python/lispos) against a real
# lispos-server: TLS trust (CA file, pinned fingerprint, an unknown
# certificate), logins (password, Ed25519 key), eval and its values both
# ways, handles, errors mapped to exceptions, the store's methods, watches
# whose events come while other responses are awaited, cancelling, a 20 MB
# byte vector put and got in pieces, and the two example scripts.
import csv, datetime, os, subprocess, sys
from fractions import Fraction

here = os.path.dirname(os.path.abspath(__file__))
module_dir = os.path.join(here, "..", "..", "clients", "python")
sys.path.insert(0, here)
sys.path.insert(0, module_dir)
sys.dont_write_bytecode = True          # no __pycache__ in the source tree
from server_helper import Tap, Server, free_port
import lispos
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

t = Tap()
ok = t.ok
srv = Server("admin-pw", "--snapshot-interval", "3600")
r = srv.init("--size", "256M")
ok(r.returncode == 0, "--init", r.stderr)
fingerprint = r.stdout.split("TLS fingerprint: ")[1].split("\n")[0]
srv.start()
ca = os.path.join(srv.data, "tls", "server.crt")


def connect(user=None, password=None, **kw):
    c = lispos.connect("127.0.0.1", srv.port, ca=ca, **kw)
    if user:
        c.login(user, password)
    return c


def raises(fn, cls):
    """The exception of class cls fn raised, or what it did instead."""
    try:
        return "returned %r" % (fn(),)
    except cls as e:
        return e
    except Exception as e:
        return "raised %r" % (e,)


# ---- connecting and logging in ----
c = connect()
hello = c.hello()
ok(hello["server"] == "lispos" and hello["protocol"] == 1 and
   "ed25519" in hello["auth"], "connect with the certificate as CA: hello",
   hello)
e = raises(lambda: c.count("t"), lispos.NotLoggedIn)
ok(isinstance(e, lispos.NotLoggedIn) and e.type == "NOT-LOGGED-IN",
   "a method before login: NotLoggedIn", e)
e = raises(lambda: c.login("admin", "wrong"), lispos.LoginFailed)
ok(isinstance(e, lispos.LoginFailed) and isinstance(e, lispos.LispOSError)
   and e.type == "LOGIN-FAILED", "a wrong password: LoginFailed", e)
ok(c.login("admin", "admin-pw") == {"user": "admin"}, "login")
admin = c
for name in ("alice", "bob"):
    admin.admin.user_add(name, name + "-pw")
ok(admin.admin.user_list() == ["admin", "alice", "bob"],
   "admin.user_add, admin.user_list")

e = raises(lambda: lispos.connect("127.0.0.1", srv.port), lispos.TLSError)
ok(isinstance(e, lispos.TLSError) and isinstance(e, ConnectionError) and
   "not trusted" in str(e) and "ca=" in str(e) and "fingerprint=" in str(e),
   "an unknown certificate: a TLSError saying how to trust it", e)
pinned = lispos.connect("127.0.0.1", srv.port, fingerprint=fingerprint)
ok(pinned.hello()["server"] == "lispos",
   "a pinned fingerprint as --init prints it is trusted without a CA")
pinned.close()
pinned = lispos.connect("127.0.0.1", srv.port, fingerprint=fingerprint
                        .replace("SHA256 ", "").replace(":", "").lower())
ok(pinned.hello()["server"] == "lispos", "and as bare lower-case hex")
pinned.close()
wrong = "SHA256 " + ":".join(["AB"] * 32)
e = raises(lambda: lispos.connect("127.0.0.1", srv.port, fingerprint=wrong),
           lispos.CertificateError)
ok(isinstance(e, lispos.CertificateError) and
   fingerprint.split()[1] in str(e),
   "another fingerprint: CertificateError naming the server's", e)
e = raises(lambda: lispos.connect("127.0.0.1", free_port(), ca=ca),
           lispos.ConnectionError)
ok(isinstance(e, lispos.ConnectionError) and "cannot connect" in str(e),
   "nobody listening: lispos.ConnectionError", e)

with connect("alice", "alice-pw") as scoped:
    ok(scoped.eval("(+ 1 2)") == [3], "in a with block: eval")
ok(scoped.closed and isinstance(raises(scoped.hello, lispos.ConnectionClosed),
                                lispos.ConnectionClosed),
   "the with block closed the connection")

# ---- login-key ----
key = Ed25519PrivateKey.generate()
public = key.public_key().public_bytes(serialization.Encoding.Raw,
                                       serialization.PublicFormat.Raw)
fp = admin.admin.key_add("bob", public)
ok(fp.startswith("SHA256:"), "admin.key_add: the key's fingerprint", fp)
with connect() as k:
    ok(k.login_key("bob", key) == {"user": "bob"} and
       k.eval("(+ 20 22)") == [42], "login_key with an Ed25519PrivateKey")
seed = key.private_bytes(serialization.Encoding.Raw,
                         serialization.PrivateFormat.Raw,
                         serialization.NoEncryption())
with connect() as k:
    ok(k.login_key("bob", seed) == {"user": "bob"},
       "login_key with the 32 bytes of its seed")
key_file = os.path.join(srv.tmp, "id_ed25519")
with open(key_file, "wb") as f:
    f.write(key.private_bytes(serialization.Encoding.PEM,
                              serialization.PrivateFormat.OpenSSH,
                              serialization.NoEncryption()))
with connect() as k:
    ok(k.login_key("bob", key_file) == {"user": "bob"},
       "login_key with an OpenSSH private key file")
with connect() as k:
    e = raises(lambda: k.login_key("bob", Ed25519PrivateKey.generate()),
               lispos.LoginFailed)
    ok(isinstance(e, lispos.LoginFailed), "a key not registered: LoginFailed",
       e)

# ---- eval and values ----
alice = connect("alice", "alice-pw")
bob = connect("bob", "bob-pw")
res = alice.eval_full('(princ "hi") (values 1 2.5 "x" nil t)')
ok(res.values == [1, 2.5, "x", None, True] and res.output == "hi" and
   alice.last_output == "hi", "eval_full: every value and the output", res)
sent = [lispos.Keyword("MUSIC"), lispos.Symbol("COMMON-LISP", "CAR"),
        lispos.Character("é"), Fraction(1, 3), 2 ** 100, -(2 ** 70),
        2 ** 64 - 1, lispos.Date("2013-05-17"), lispos.Duration("PT1H3M"),
        "naïve", b"\0\1\2", [1, [2, None]], -1.5]
back = alice.eval("(lambda (&rest xs) xs)", *sent)
ok(back == [sent], "values round trip: keyword, symbol, character, ratio, "
   "big integers, date, duration, string, bytes, lists", back)
ok(alice.eval("(lambda (d) d)", datetime.date(2013, 5, 17)) ==
   [lispos.Date("2013-05-17")], "a datetime.date goes as a date")
ok(alice.eval("(list :a 'b #\\c 2/4 (expt 2 64))") ==
   [[lispos.Keyword("A"), lispos.Symbol("COMMON-LISP-USER", "B"),
     lispos.Character("c"), Fraction(1, 2), 2 ** 64]],
   "values read from Lisp")
e = raises(lambda: alice.eval("(lambda (x) x)",
                              lispos.Printed("#<something>")), TypeError)
ok(isinstance(e, TypeError), "a Printed value is refused before sending", e)

e = raises(lambda: alice.eval("(/ 1 0)"), lispos.EvalError)
ok(isinstance(e, lispos.EvalError) and e.type == "DIVISION-BY-ZERO",
   "(/ 1 0): EvalError DIVISION-BY-ZERO", e)
e = raises(lambda: alice.eval("no-such-variable"), lispos.EvalError)
ok(isinstance(e, lispos.EvalError) and e.type == "UNBOUND-VARIABLE" and
   "NO-SUCH-VARIABLE" in e.message, "an unbound variable: UNBOUND-VARIABLE",
   e)
e = raises(lambda: alice.eval("(defun g (x) (car x)) (defun f (x) (1+ (g x)))"
                              " (f 2)"), lispos.EvalError)
ok(isinstance(e, lispos.EvalError) and e.type == "TYPE-ERROR" and
   "(G 2)" in e.backtrace, "an error's backtrace", e)
e = raises(lambda: alice.call("no.such.method"), lispos.NoSuchMethod)
ok(isinstance(e, lispos.NoSuchMethod), "an unknown method: NoSuchMethod", e)
e = raises(lambda: alice.eval("(lambda (x) x)", {"a": 1}),
           lispos.ArgumentError)
ok(isinstance(e, lispos.ArgumentError), "a map as an argument: "
   "ArgumentError", e)
e = raises(alice.admin.user_list, lispos.AccessDenied)
ok(isinstance(e, lispos.AccessDenied) and e.type == "ACCESS-DENIED",
   "an admin method by alice: AccessDenied", e)

# ---- handles ----
v = alice.eval("(defvar *v* (vector 1 2 3)) *v*")[0]
ok(isinstance(v, lispos.Handle) and v.type == "VECTOR" and v.bits == 15 and
   v.summary == "#(1 2 3)", "a vector comes back as a Handle", v)
alice.eval("(lambda (v) (setf (aref v 0) 10))", v)
ok(alice.eval("(lambda (v) (list (eq v *v*) (aref v 0)))", v) == [[True, 10]],
   "passed back, the handle is that very object")
e = raises(lambda: bob.eval("(lambda (v) v)", v), lispos.ArgumentError)
ok(isinstance(e, lispos.ArgumentError) and "no such handle" in e.message,
   "another connection's handle: ArgumentError", e)

# ---- cancel and timeouts ----
msgid = alice.submit("eval", "(loop)")
alice.cancel(msgid)
e = raises(lambda: alice.wait(msgid), lispos.Cancelled)
ok(isinstance(e, lispos.Cancelled), "submit, cancel: Cancelled", e)
e = raises(lambda: alice.wait(alice.submit("eval", "(loop)"), timeout=0.3),
           lispos.Timeout)
ok(isinstance(e, lispos.Timeout) and isinstance(e, TimeoutError),
   "no response within the timeout: Timeout", e)
ok(alice.eval("(+ 1 1)") == [2], "and the connection goes on, the late "
   "response dropped")

# ---- the store ----
greeting = alice.put(b"hello\n", name="greeting",
                     source_control=lispos.Keyword("GIT"))
got = alice.get(greeting)
ok(got.object == b"hello\n" and got.owner == "alice" and got.version == 1 and
   got.access == 15, "put and get bytes", got.__dict__)
ok(got.attr("format") == lispos.Keyword("TEXT") and
   got.attr("SOURCE-CONTROL") == lispos.Keyword("GIT") and
   got.attrs("name") == ["greeting"],
   "attributes: source_control= is :SOURCE-CONTROL, :format derived",
   got.attributes)
minuet = alice.put("Minuet", [("name", "Minuet"), ("composer", "Bach"),
                              ("composer", "Petzold"),
                              ("category", lispos.Keyword("MUSIC"))],
                   acl=[("bob", 1)])
got = alice.get(minuet)
ok(got.object == "Minuet" and got.attrs("composer") == ["Bach", "Petzold"]
   and got.attr("acl") == [["bob", 1]], "put a string, a key repeated, an "
   "ACL", got.attributes)
ok(alice.get(10 ** 6) is None, "get of no entry: None")
entries = alice.query("(has :name)", order_by="name", summary=True)
ok(next(alice.query("t")).id == greeting, "query yields entries")
ok([(x.id, x.attr("name"), x.summary) for x in entries] ==
   [(minuet, "Minuet", '"Minuet"'), (greeting, "greeting", "6 bytes")],
   "query with order_by and summary", entries)
ok(alice.count("(has :composer)") == 1 and bob.count("t") == 1,
   "count: bob sees only what was shared with him")
ok([x.id for x in alice.query("t", order_by="name", descending=True,
                              limit=1)] == [greeting] and
   [x.id for x in alice.query("t", offset=1)] == [minuet] and
   [x.id for x in alice.query("t", descending=True)] == [minuet, greeting],
   "descending, limit, offset", list(alice.query("t")))
e = raises(lambda: alice.query("(bogus :x)"), lispos.StoreError)
ok(isinstance(e, lispos.StoreError) and e.type == "STORE-QUERY-ERROR",
   "a bad filter: StoreError", e)
e = raises(lambda: bob.set(minuet, add={"note": "x"}), lispos.AccessDenied)
ok(isinstance(e, lispos.AccessDenied), "bob may read, not write: "
   "AccessDenied", e)
alice.grant(minuet, "bob", 3)
ok(bob.set(minuet, add={"note": "by bob"}) == 3, "grant: now bob may")
ok(alice.revoke(minuet, "bob") is True and bob.get(minuet) is None and
   alice.revoke(minuet, "bob") is False, "revoke")
version = alice.set(minuet, attributes={"name": "Minuet in G"},
                    remove="note")
got = alice.get(minuet)
ok(got.attrs("name") == ["Minuet in G"] and got.attr("note") is None and
   got.version == version, "set: attributes replaced, a key removed",
   got.attributes)
history = alice.history(minuet)
ok([h["change"] for h in history][-1] == "put" and
   history[0]["version"] == version and history[0]["by"] == "alice",
   "history", history)
alice.delete(minuet)
ok(alice.get(minuet) is None, "delete")
alice.revert(minuet, 1)
ok(alice.get(minuet).attr("name") == "Minuet", "revert brings version 1 "
   "back")
admin.admin.group_add("band")
shared = alice.put(lispos.Handle(v.number), name="shared",
                   acl=[(lispos.group("band"), 1), (lispos.EVERYONE, 1)])
ok(isinstance(alice.get(shared).object, lispos.Handle) and
   alice.eval("(lambda (id) (eq (entry-object id) *v*))", shared) == [True],
   "put of a handle puts its object; group() and EVERYONE in an ACL")

# ---- watches ----
w = alice.watch("(= :category :note)", timeout=30)
alice2 = connect("alice", "alice-pw")
ids = [alice2.put("note %d" % k, category=lispos.Keyword("NOTE"), n=k)
       for k in range(3)]
ok(alice.eval("(+ 2 2)") == [4], "another request answered while "
   "notifications are waiting")
events = [w.next() for _ in ids]
ok([(ev.kind, ev.id, ev.attr("n")) for ev in events if ev] ==
   [("added", i, k) for k, i in enumerate(ids)],
   "the watch's events: added, in order, none lost", events)
alice2.set(ids[0], add={"extra": 1})
ev = w.next()
ok(ev and ev.kind == "changed" and ev.id == ids[0] and ev.attr("extra") == 1,
   "changed", ev)
alice2.delete(ids[1])
ev = w.next()
ok(ev and ev.kind == "removed" and ev.id == ids[1] and ev.attributes is None,
   "removed", ev)
ok(list(alice.watch("(= :category :note)", timeout=0.3)) == [],
   "iterating a quiet watch ends after its timeout")
w.close()
alice2.put("after", category=lispos.Keyword("NOTE"))
ok(w.closed and alice.eval("1") == [1] and w.id not in alice._events,
   "close: unwatched, later changes not kept")
alice2.close()

# ---- a large byte vector, in pieces ----
big = os.urandom(20_000_000)
methods = []
submit = alice.submit
alice.submit = lambda method, *params: (methods.append(method),
                                        submit(method, *params))[1]
big_id = alice.put(big, name="big")
ok("store.put" not in methods and methods.count("eval") == 7,
   "put of 20 MB: a box, 5 pieces of 4 MiB, store-put", methods)
del methods[:]
ok(alice.get_bytes(big_id) == big, "get_bytes gives the 20 MB back")
ok(methods.count("eval") == 6, "in 5 pieces", methods)
alice.submit = submit
out = os.path.join(srv.tmp, "big.out")
ok(alice.get_file(big_id, out) == len(big) and open(out, "rb").read() == big,
   "get_file writes them to a file")
e = raises(lambda: alice.put("x" * (17 << 20)), ValueError)
ok(isinstance(e, ValueError) and "max_message_bytes" in str(e) and
   alice.eval("3") == [3], "a message past 16 MiB: refused before it is "
   "sent", e)

# ---- the examples ----
folder = os.path.join(srv.tmp, "folder")
os.makedirs(os.path.join(folder, "sub", "deep"))
files = {"a.txt": b"hello, world\n",
         "sub/b.bin": bytes(range(256)),
         "sub/deep/c.pdf": b"%PDF-1.4\n" + b"x" * 100,
         "sub/large.bin": os.urandom(5 << 20)}
may_17 = datetime.datetime(2013, 5, 17, 12, tzinfo=datetime.timezone.utc)
for name, content in files.items():
    path = os.path.join(folder, name)
    with open(path, "wb") as f:
        f.write(content)
    os.utime(path, (may_17.timestamp(), may_17.timestamp()))
examples = os.path.join(module_dir, "examples")
env = dict(os.environ, PYTHONPATH=module_dir, PYTHONDONTWRITEBYTECODE="1",
           LISPOS_HOST="127.0.0.1", LISPOS_PORT=str(srv.port),
           LISPOS_USER="alice", LISPOS_PASSWORD="alice-pw", LISPOS_CA=ca)
r = subprocess.run([sys.executable, os.path.join(examples, "import_folder.py"),
                    folder, "--attr", "project", "demo", "--attr", "category",
                    ":document"], capture_output=True, text=True, env=env,
                   timeout=120)
lines = [line.split("\t") for line in r.stdout.splitlines()]
imported = {origin: int(id) for id, origin in lines}
ok(r.returncode == 0 and sorted(imported) == sorted(files),
   "import_folder.py: a line for each file, its id and path",
   r.stdout + r.stderr)
entry = alice.get(imported.get("sub/deep/c.pdf", 0))
ok(entry and entry.attr("name") == "c.pdf" and
   entry.attr("origin") == "sub/deep/c.pdf" and
   entry.attr("format") == lispos.Keyword("PDF") and
   entry.attr("date") == lispos.Date("2013-05-17") and
   entry.attr("size") == len(files["sub/deep/c.pdf"]) and
   entry.attr("project") == "demo" and
   entry.attr("category") == lispos.Keyword("DOCUMENT"),
   "its attributes: name, origin, date, size, --attr's, format derived",
   entry and entry.attributes)
ok(alice.get_bytes(imported.get("sub/large.bin", 0)) ==
   files["sub/large.bin"], "a 5 MiB file went in pieces, whole")
alice.put("Aria", project="demo", name="aria", composer="Bach",
          attrs=[("composer", "Petzold")])
r = subprocess.run([sys.executable, os.path.join(examples, "list_csv.py"),
                    '(= :project "demo")', "--attrs",
                    "name,format,date,composer", "--order-by", "name"],
                   capture_output=True, text=True, env=env, timeout=60)
rows = list(csv.reader(r.stdout.splitlines()))
ok(r.returncode == 0 and rows and
   rows[0] == ["id", "name", "format", "date", "composer"] and
   len(rows) == 6, "list_csv.py: a header and a line per entry",
   r.stdout + r.stderr)
by_name = {row[1]: row for row in rows[1:]}
ok(by_name.get("c.pdf", [])[2:4] == [":PDF", "2013-05-17"] and
   by_name["c.pdf"][0] == str(imported["sub/deep/c.pdf"]) and
   by_name.get("aria", [])[4] == "Petzold;Bach",
   "each cell the values, several joined with ;", rows)
r = subprocess.run([sys.executable, os.path.join(examples, "list_csv.py"),
                    "(bogus)"], capture_output=True, text=True, env=env,
                   timeout=60)
ok(r.returncode == 1 and "STORE-QUERY-ERROR" in r.stderr,
   "list_csv.py: a bad filter is a clear error", r.stderr)

# ---- installable with pip (no network: the system's setuptools) ----
import shutil
source = os.path.join(srv.tmp, "python-source")
shutil.copytree(module_dir, source,
                ignore=shutil.ignore_patterns("build", "*.egg-info",
                                              "__pycache__"))
target = os.path.join(srv.tmp, "site")
r = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "--no-deps", "--no-build-isolation", "--no-index",
                    "--target", target, source],
                   capture_output=True, text=True, timeout=300)
ok(r.returncode == 0 and
   os.path.exists(os.path.join(target, "lispos", "py.typed")),
   "pip install clients/python (with its type hints' marker)",
   r.stdout + r.stderr)
probe = ("import lispos, sys; c = lispos.connect('127.0.0.1', %d, ca=%r); "
         "c.login('alice', 'alice-pw'); print(lispos.__file__, "
         "c.eval('(+ 40 2)')[0])" % (srv.port, ca))
r = subprocess.run([sys.executable, "-c", probe], capture_output=True,
                   text=True, timeout=60, cwd=srv.tmp,
                   env=dict(os.environ, PYTHONPATH=target))
ok(r.returncode == 0 and r.stdout.startswith(target) and
   r.stdout.split()[-1] == "42", "the installed module works",
   r.stdout + r.stderr)

for client in (alice, bob, admin):
    client.close()
srv.stop()
srv.cleanup()
t.done()
