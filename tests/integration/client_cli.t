#!/usr/bin/python3
# lispos-client and lispos-admin against a real server (issue 21): every
# subcommand of both, their JSON output parsed and checked, -e and forms
# on stdin, a 100 MB file put and got back byte-identical, two users
# sharing an entry by ACL, live queries, key logins, the config file, and
# the failures -- wrong password, unknown certificate, unreachable server
# -- with their messages and documented exit codes (docs/clients.md).
import json, os, signal, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_helper import Tap, Server, build, free_port

t = Tap()
ok = t.ok
client_bin = os.path.join(build, "lispos-client")
admin_bin = os.path.join(build, "lispos-admin")

srv = Server("admin-pw")
r = srv.init("--size", "512M")
fingerprint = r.stdout.split("TLS fingerprint: SHA256 ")[1].split()[0]
srv.start()
home = os.path.join(srv.tmp, "home")
os.makedirs(home)
ca = os.path.join(srv.data, "tls", "server.crt")

# the clients' environment: their own HOME (config, known_hosts), no
# settings inherited from whoever runs the test
base_env = {k: v for k, v in os.environ.items()
            if not k.startswith("LISPOS_") and not k.startswith("XDG_")}
base_env.update(HOME=home, LISPOS_PORT=str(srv.port), LISPOS_CA=ca)


def run(program, args, user=None, password=None, stdin=None, env=None,
        timeout=120, binary=False):
    e = dict(base_env)
    if user:
        e["LISPOS_USER"] = user
    if password:
        e["LISPOS_PASSWORD" if program == client_bin
          else "LISPOS_ADMIN_PASSWORD"] = password
    e.update(env or {})
    return subprocess.run([program] + args, input=stdin, capture_output=True,
                          text=not binary, env=e, timeout=timeout,
                          stdin=None if stdin is not None else
                          subprocess.DEVNULL)


def admin(*args, **kw):
    return run(admin_bin, list(args), password="admin-pw", **kw)


def alice(*args, **kw):
    return run(client_bin, list(args), user="alice", password="alice-pw",
               **kw)


def bob(*args, **kw):
    return run(client_bin, list(args), user="bob", password="bob-pw", **kw)


def jsonl(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# ---- help and version ----
for program in (client_bin, admin_bin):
    name = os.path.basename(program)
    r = run(program, ["--help"])
    ok(r.returncode == 0 and "usage:" in r.stdout and "exit codes" in r.stdout
       and "--ca" in r.stdout, "%s --help: usage, options, exit codes" % name,
       r.stdout)
    r = run(program, ["--version"])
    ok(r.returncode == 0 and r.stdout.startswith(name + " 0."),
       "%s --version" % name, r.stdout)
    r = run(program, ["--bogus"])
    ok(r.returncode == 2 and "unknown option --bogus" in r.stderr,
       "%s: an unknown option is exit 2" % name, r.stderr)
for command in ("put", "get", "query", "attr", "rm", "history", "revert",
                "share", "watch"):
    r = run(client_bin, [command, "--help"])
    ok(r.returncode == 0 and r.stdout.startswith("usage: lispos-client " +
                                                  command),
       "lispos-client %s --help" % command, r.stdout)
r = run(client_bin, ["frobnicate"])
ok(r.returncode == 2 and "unknown command 'frobnicate'" in r.stderr,
   "an unknown command: exit 2", r.stderr)

# ---- lispos-admin: users, groups ----
r = admin("user", "add", "alice", stdin="alice-pw\n")
ok(r.returncode == 0 and "user added" in r.stdout,
   "user add: the password from stdin's first line", r.stdout + r.stderr)
r = admin("user", "add", "bob", env={"LISPOS_NEW_PASSWORD": "bob-pw"})
ok(r.returncode == 0, "user add: the password from LISPOS_NEW_PASSWORD",
   r.stderr)
r = admin("user", "add", "carol", stdin="")
ok(r.returncode == 2 and "no password" in r.stderr,
   "user add without a password: exit 2, said", r.stderr)
r = admin("user", "add", "alice", stdin="x\n")
ok(r.returncode == 1 and "ARGUMENT-ERROR" in r.stderr and
   "exists already" in r.stderr, "a name taken: exit 1, the server's error",
   r.stderr)
r = admin("user", "list", "--json")
ok(r.returncode == 0 and jsonl(r.stdout) == ["admin", "alice", "bob"],
   "user list --json: one name a line", r.stdout)
r = admin("user", "list")
ok(r.stdout.split() == ["admin", "alice", "bob"], "user list", r.stdout)
r = alice("-e", "(+ 1 2)")
ok(r.returncode == 0 and r.stdout == "3\n", "alice logs in with her password",
   r.stdout + r.stderr)
r = admin("user", "passwd", "alice", stdin="alice-new\n")
ok(r.returncode == 0 and "password changed" in r.stdout, "user passwd",
   r.stderr)
r = alice("-e", "1")
ok(r.returncode == 4 and "login failed" in r.stderr,
   "the old password: exit 4, 'login failed'", (r.returncode, r.stderr))
admin("user", "passwd", "alice", env={"LISPOS_NEW_PASSWORD": "alice-pw"})
r = alice("-e", "1")
ok(r.returncode == 0, "the password set back works", r.stderr)

r = admin("group", "add", "staff")
ok(r.returncode == 0 and "group added" in r.stdout, "group add", r.stderr)
r = admin("group", "add-member", "staff", "bob")
ok(r.returncode == 0 and r.stdout == "added\n", "group add-member", r.stdout)
r = admin("group", "add-member", "staff", "bob")
ok(r.stdout == "a member already\n", "add-member twice: said", r.stdout)
r = admin("group", "list", "--json")
ok(jsonl(r.stdout) == [{"name": "staff", "members": ["bob"]}],
   "group list --json", r.stdout)
r = admin("group", "list")
ok("staff" in r.stdout and "bob" in r.stdout and "members" in r.stdout,
   "group list: a table", r.stdout)

# ---- lispos-client: -e, stdin ----
r = alice("-e", "(defun sq (x) (* x x))", "-e", "(sq 12)", "-e",
          "(values 1 :two \"three\")")
ok(r.returncode == 0 and r.stdout == "SQ\n144\n1\n:TWO\n\"three\"\n",
   "-e FORM, repeated: each form's values, one a line", r.stdout)
r = alice("-e", "(sq 3)")
ok(r.stdout == "9\n", "definitions stay in alice's environment", r.stdout)
r = alice("-e", "(car 5)", "-e", "(print :never)")
ok(r.returncode == 1 and "error: TYPE-ERROR" in r.stderr and
   ":NEVER" not in r.stdout, "an error: its type on stderr, exit 1, the "
   "forms after it not run", (r.returncode, r.stdout, r.stderr))
r = alice("-e", "(defun boom () (error \"kaboom ~a\" 7))", "-e", "(boom)")
ok("error: SIMPLE-ERROR: kaboom 7" in r.stderr and "backtrace:\n  0: "
   in r.stderr, "the error's message and backtrace", r.stderr)
r = alice(stdin="(print 'hello)\n(+ 2\n   3)\n; a comment\n(list 1 \"(\" #\\()\n")
ok(r.returncode == 0 and
   r.stdout == "\nHELLO \nHELLO\n5\n(1 \"(\" #\\()\n",
   "forms from stdin: each evaluated, output and values printed",
   r.stdout + r.stderr)
r = alice(stdin="(+ 1 1)\n(oops\n")
ok(r.returncode == 1 and r.stdout == "2\n" and "END-OF-FILE" in r.stderr,
   "an unfinished form on stdin: the server's reader error, exit 1",
   (r.stdout, r.stderr))

# ---- put, get, query, attr, history, revert, rm ----
files = os.path.join(srv.tmp, "files")
os.makedirs(files)
with open(os.path.join(files, "paper.pdf"), "wb") as f:
    f.write(b"%PDF-1.4\n" + bytes(range(256)) * 10)
with open(os.path.join(files, "notes.txt"), "w") as f:
    f.write("shopping: bread, milk\n")
r = alice("put", os.path.join(files, "paper.pdf"), os.path.join(files,
          "notes.txt"), "--attr", "name", "mine", "--attr", "year", "2013",
          "--attr", "date", "#@2013-05", "--attr", "category", ":article",
          "--attr", "composer", "Bach", "--attr", "composer", "=42")
ids = [int(x) for x in r.stdout.split()] if r.returncode == 0 else []
ok(len(ids) == 2 and ids[1] == ids[0] + 1, "put: two files, their ids",
   r.stdout + r.stderr)
pdf, txt = ids if len(ids) == 2 else (1, 2)
r = alice("query", "(= :name \"mine\")", "--json")
rows = jsonl(r.stdout)
ok(r.returncode == 0 and [e["id"] for e in rows] == [pdf, txt],
   "query --json: one object a line", r.stdout)
if rows:
    a = rows[0]["attributes"]
    ok(a.get("name") == ["mine"] and a.get("year") == [2013] and
       a.get("date") == ["2013-05"] and a.get("category") == [":ARTICLE"] and
       a.get("composer") == ["Bach", "42"] and a.get("format") == [":PDF"],
       "attributes: typed values, a key repeated, :format derived", a)
    ok(rows[0]["object"] == "2569 bytes" and
       rows[1]["attributes"]["format"] == [":TEXT"],
       "the object's summary", rows)
r = alice("query", "(= :format :text)")
lines = r.stdout.splitlines()
ok(r.returncode == 0 and lines[0].split() == ["id", "name", "year", "date",
   "category", "composer", "format", "object"] and set(lines[1]) <= {"-", " "}
   and lines[2].split()[:3] == [str(txt), "mine", "2013"] and
   "Bach, 42" in lines[2], "query: an aligned table", r.stdout)
r = alice("query", "t", "--descending", "--limit", "1", "--json")
ok([e["id"] for e in jsonl(r.stdout)] == [txt],
   "query --descending --limit: the newest", r.stdout)
r = alice("query", "t", "--offset", "1", "--json")
ok([e["id"] for e in jsonl(r.stdout)] == [txt], "query --offset", r.stdout)
r = alice("query", "(bogus 1)")
ok(r.returncode == 1 and "STORE-QUERY-ERROR" in r.stderr,
   "a bad filter: the server's error, exit 1", r.stderr)
r = alice("query", "t", "--limit", "x")
ok(r.returncode == 2, "a bad --limit: exit 2", r.stderr)

r = alice("get", str(txt))
ok(r.returncode == 0 and r.stdout == "shopping: bread, milk\n",
   "get: the bytes on stdout", r.stdout)
out = os.path.join(srv.tmp, "paper.out")
r = alice("get", str(pdf), "-o", out)
ok(r.returncode == 0 and open(out, "rb").read() ==
   open(os.path.join(files, "paper.pdf"), "rb").read(), "get -o FILE",
   r.stderr)
r = alice("-e", "(entry-id (store-put (list 1 :a \"b\") :name \"a list\"))")
list_id = r.stdout.strip()
r = alice("get", list_id)
ok(r.stdout == "(1 :A \"b\")\n", "get: another object as Lisp prints it",
   r.stdout)
r = alice("get", "999999")
ok(r.returncode == 1 and "no entry 999999" in r.stderr,
   "get of no entry: exit 1, said", r.stderr)
r = alice("get", "abc")
ok(r.returncode == 2 and "not an entry id" in r.stderr, "get abc: exit 2",
   r.stderr)

r = alice("attr", str(pdf), "name", "paper")
ok(r.returncode == 0 and r.stdout.strip() == "2", "attr: the new version",
   r.stdout + r.stderr)
r = alice("query", "t", "--order-by", "name", "--descending", "--json")
ok([e["id"] for e in jsonl(r.stdout)][:2] == [pdf, txt],
   "query --order-by name --descending", r.stdout)
r = alice("history", str(pdf), "--json")
h = jsonl(r.stdout)
ok([(v["version"], v["by"], v["change"]) for v in h] ==
   [(2, "alice", "attributes"), (1, "alice", "put")] and
   all(isinstance(v["at"], int) for v in h), "history --json", r.stdout)
r = alice("history", str(pdf))
ok("version" in r.stdout and "attributes" in r.stdout and "UTC" in
   r.stdout, "history: a table", r.stdout)
r = alice("revert", str(pdf), "1")
ok(r.returncode == 0 and r.stdout.strip() == "3", "revert: the new version",
   r.stdout + r.stderr)
r = alice("query", "(= :name \"mine\")", "--json")
ok(len(jsonl(r.stdout)) == 2, "reverted: the old name is back", r.stdout)
r = alice("rm", str(txt))
ok(r.returncode == 0 and r.stdout == "", "rm", r.stderr)
r = alice("get", str(txt))
ok(r.returncode == 1, "a deleted entry is gone", r.stderr)
r = alice("revert", str(txt), "1")
ok(r.returncode == 0 and alice("get", str(txt)).stdout ==
   "shopping: bread, milk\n", "revert brings a deleted entry back",
   r.stderr)

# ---- two users sharing an entry by ACL ----
r = bob("get", str(pdf))
ok(r.returncode == 1 and "no entry" in r.stderr,
   "bob cannot read alice's entry", r.stderr)
r = bob("share", str(pdf), "bob", "r")
ok(r.returncode == 1 and "no entry %d" % pdf in r.stderr,
   "nor share it with himself (for him there is no such entry), exit 1",
   r.stderr)
r = alice("share", str(pdf), "bob", "r")
ok(r.returncode == 0, "alice shares it with bob (read)", r.stderr)
r = bob("get", str(pdf), binary=True)
ok(r.returncode == 0 and r.stdout.startswith(b"%PDF-1.4"),
   "bob reads it now", r.stderr)
r = bob("attr", str(pdf), "name", "bobs")
ok(r.returncode == 1 and "ACCESS-DENIED" in r.stderr,
   "but may not change it", r.stderr)
r = alice("share", str(txt), "group:staff", "rw")
ok(r.returncode == 0, "alice shares another with the group staff", r.stderr)
r = bob("attr", str(txt), "name", "edited by bob")
ok(r.returncode == 0, "bob, in staff, may change that one", r.stderr)
r = bob("query", "t", "--json")
ok(sorted(e["id"] for e in jsonl(r.stdout)) == [pdf, txt],
   "bob's query finds exactly the two shared with him", r.stdout)
r = admin("acl", "show", str(txt), "--json")
acl = jsonl(r.stdout)
ok(r.returncode == 0 and acl == [{"id": txt, "owner": "alice",
   "acl": [[["group", "staff"], 3]]}], "acl show --json", r.stdout)
r = admin("acl", "show", str(txt))
ok("group:staff" in r.stdout and "owner alice" in r.stdout, "acl show",
   r.stdout)
r = admin("acl", "revoke", str(txt), "group:staff")
ok(r.returncode == 0 and r.stdout == "revoked\n", "acl revoke", r.stdout)
r = bob("get", str(txt))
ok(r.returncode == 1, "revoked: bob no longer reads it", r.stderr)
r = admin("acl", "grant", str(txt), ":everyone", "r")
ok(r.returncode == 0 and bob("get", str(txt)).returncode == 0,
   "acl grant :everyone r: bob reads it again", r.stderr)
r = admin("acl", "grant", str(txt), "bob", "rwx")
ok(r.returncode == 2 and "not access bits" in r.stderr,
   "bits that are not rwco: exit 2", r.stderr)
r = admin("group", "remove-member", "staff", "bob")
ok(r.stdout == "removed\n", "group remove-member", r.stdout)
r = admin("group", "delete", "staff")
ok(r.returncode == 0 and admin("group", "list", "--json").stdout == "",
   "group delete", r.stderr)

# ---- a 100 MB file, streamed both ways ----
big = os.path.join(srv.tmp, "big.bin")
with open(big, "wb") as f:
    for i in range(100):
        f.write(os.urandom(1 << 20))
started = time.time()
r = alice("put", big, "--attr", "name", "big", timeout=600)
put_seconds = time.time() - started
ok(r.returncode == 0 and r.stdout.strip().isdigit(), "put of a 100 MiB "
   "file (%.1f s)" % put_seconds, r.stderr)
big_id = r.stdout.strip()
r = alice("query", "(= :name \"big\")", "--json")
ok(jsonl(r.stdout)[0]["object"] == "104857600 bytes", "it is one byte "
   "vector of 100 MiB", r.stdout)
big_out = big + ".out"
started = time.time()
r = alice("get", big_id, "-o", big_out, timeout=600)
ok(r.returncode == 0 and os.path.getsize(big_out) == 104857600 and
   open(big_out, "rb").read() == open(big, "rb").read(),
   "got back byte-identical (%.1f s)" % (time.time() - started), r.stderr)
os.unlink(big_out)
r = alice("-e", "(store-delete %s)" % big_id)

# ---- watch ----
import select


class Watcher:
    """lispos-client watch FILTER ..., its lines read as they come."""

    def __init__(self, user, password, *args):
        self.p = subprocess.Popen([client_bin, "watch"] + list(args),
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE,
                                  env=dict(base_env, LISPOS_USER=user,
                                           LISPOS_PASSWORD=password))
        self.buf = b""

    def line(self, timeout):
        """The next line printed, or None after timeout seconds."""
        end = time.time() + timeout
        while b"\n" not in self.buf:
            left = end - time.time()
            if left <= 0 or not select.select([self.p.stdout], [], [],
                                              left)[0]:
                return None
            data = os.read(self.p.stdout.fileno(), 65536)
            if not data:
                return None
            self.buf += data
        text, self.buf = self.buf.split(b"\n", 1)
        return text.decode()

    def ready(self, probe):
        """Once the watch sees changes: probe() makes one it sees, again
        until a line comes (logging in and starting take a while on a
        busy machine).  Probe lines are left out of what follows."""
        for _ in range(30):
            probe()
            if self.line(2) is not None:
                return True
        return False

    def lines(self, n, timeout=60):
        """The next n lines that are not a probe's (fewer on timeout)."""
        got, end = [], time.time() + timeout
        while len(got) < n and time.time() < end:
            line = self.line(end - time.time())
            if line is not None and "probe" not in line:
                got.append(line)
        return got

    def stop(self):
        self.p.send_signal(signal.SIGINT)
        out, err = self.p.communicate(timeout=30)
        return self.p.returncode, err.decode()


def probe_for(user_fn, shared_with=None):
    acl = ' :acl (list (list "%s" 1))' % shared_with if shared_with else ""
    return lambda: user_fn("-e", '(store-put "p" :topic "probe"%s)' % acl)


w = Watcher("bob", "bob-pw", "(has :topic)", "--json")
ok(w.ready(probe_for(alice, "bob")), "the watch is running")
r = alice("-e", "(entry-id (store-put \"x\" :topic \"news\" :acl (list "
          "(list \"bob\" 1))))")
topic = int(r.stdout)
alice("attr", str(topic), "topic", "weather")
alice("rm", str(topic))
alice("-e", "(store-put \"private\" :topic \"secret\")")
events = [json.loads(line) for line in w.lines(3)]
extra = w.line(1)                       # alice's private one must not come
code, err = w.stop()
ok([(e["event"], e["id"]) for e in events] ==
   [("added", topic), ("changed", topic), ("removed", topic)] and
   extra is None, "watch --json: added, changed, removed (not alice's "
   "private one)", (events, extra))
ok(len(events) == 3 and events[1]["attributes"]["topic"] == ["weather"] and
   events[2]["attributes"] is None, "each event with the entry's "
   "attributes (none once removed)", events)
ok(code == 0, "Ctrl-C ends watch with exit 0", (code, err))
w = Watcher("alice", "alice-pw", "(has :topic)")
w.ready(probe_for(alice))
alice("-e", "(store-put \"y\" :topic \"sport\")")
got = w.lines(1)
w.stop()
ok(len(got) == 1 and got[0].startswith("added ") and
   "topic=\"sport\"" in got[0], "watch: one line an event", got)

# ---- key login ----
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
key = Ed25519PrivateKey.generate()
key_file = os.path.join(home, "id_ed25519")
with open(key_file, "wb") as f:
    f.write(key.private_bytes(serialization.Encoding.PEM,
                              serialization.PrivateFormat.OpenSSH,
                              serialization.NoEncryption()))
with open(key_file + ".pub", "wb") as f:
    f.write(key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                          serialization.PublicFormat.OpenSSH)
            + b" alice@laptop\n")
pem_key = Ed25519PrivateKey.generate()
pem_file = os.path.join(home, "key.pem")
with open(pem_file, "wb") as f:
    f.write(pem_key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
pem_public = pem_key.public_key().public_bytes(
    serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
r = admin("user", "key-add", "alice", key_file + ".pub")
ok(r.returncode == 0 and r.stdout.startswith("SHA256:"),
   "user key-add FILE.pub: the key's fingerprint", r.stdout + r.stderr)
r = admin("user", "key-add", "alice", pem_public)
ok(r.returncode == 0, "user key-add with the key's text", r.stderr)
r = run(client_bin, ["--key", key_file, "-e", "(sq 5)"], user="alice")
ok(r.returncode == 0 and r.stdout == "25\n",
   "--key FILE: login with an OpenSSH Ed25519 key", r.stdout + r.stderr)
r = run(client_bin, ["-e", "(sq 6)"], user="alice",
        env={"LISPOS_KEY": pem_file})
ok(r.returncode == 0 and r.stdout == "36\n",
   "LISPOS_KEY: a PKCS#8 PEM key", r.stdout + r.stderr)
r = admin("user", "key-remove", "alice", key_file + ".pub")
ok(r.returncode == 0, "user key-remove", r.stderr)
r = run(client_bin, ["--key", key_file, "-e", "1"], user="alice")
ok(r.returncode == 4 and "login failed" in r.stderr,
   "a removed key: exit 4", (r.returncode, r.stderr))
r = run(client_bin, ["--key", "/nonexistent/key", "-e", "1"], user="alice")
ok(r.returncode == 4 and "/nonexistent/key" in r.stderr,
   "an unreadable key file: said, exit 4", r.stderr)

# ---- admin's other commands ----
r = admin("stats", "--json")
stats = jsonl(r.stdout)[0] if r.returncode == 0 else {}
ok(stats.get("users") == 3 and stats.get("entries", 0) >= 3 and
   "gc-pause-max-us" in stats and "last-snapshot" in stats and
   "snapshot-stall-us" in stats and "faults" in stats and
   stats.get("sessions") == 1, "stats --json: the figures", stats)
r = admin("stats")
ok("store-bytes" in r.stdout and "entries" in r.stdout, "stats: a table",
   r.stdout)
r = admin("snapshot", "--json")
snap = jsonl(r.stdout)[0] if r.returncode == 0 else {}
ok(snap.get("generation", 0) > 0 and "stall-us" in snap,
   "snapshot --json", r.stdout)
r = admin("sync")
ok(r.returncode == 0 and r.stdout == "durable\n", "sync", r.stdout)
holder = subprocess.Popen([client_bin, "watch", "t"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True,
                          env=dict(base_env, LISPOS_USER="bob",
                                   LISPOS_PASSWORD="bob-pw"))
for _ in range(120):                    # until its login is done
    r = admin("sessions", "--json")
    sessions = jsonl(r.stdout)
    bobs = [s for s in sessions if s["user"] == "bob"]
    if bobs:
        break
    time.sleep(0.5)
ok(len(bobs) == 1 and "peer" in bobs[0] and "in-flight" in bobs[0],
   "sessions --json: bob's watch among them", sessions)
r = admin("sessions")
ok("bob" in r.stdout and "peer" in r.stdout, "sessions: a table", r.stdout)
if bobs:
    r = admin("sessions", "kill", str(bobs[0]["id"]))
    ok(r.returncode == 0, "sessions kill ID", r.stderr)
    holder.wait(timeout=30)
    ok(holder.returncode == 3 and "closed" in holder.stderr.read(),
       "the killed client ends with exit 3, saying why", holder.returncode)
else:
    holder.kill()
r = alice("-e", "(defvar *mine* 1)", "-e", "*mine*")
r = admin("env", "reset", "alice")
ok(r.returncode == 0 and alice("-e", "*mine*").returncode == 1,
   "env reset: alice's definitions are gone", r.stderr)
tools = os.path.join(srv.tmp, "tools.lisp")
with open(tools, "w") as f:
    f.write("(defpackage :tools (:use :cl) (:export #:twice))\n"
            "(in-package :tools)\n(defun twice (x) (* 2 x))\n")
r = admin("install", tools)
ok(r.returncode == 0 and alice("-e", "(tools:twice 21)").stdout == "42\n",
   "install FILE: software every user sees", r.stderr)
r = run(admin_bin, ["user", "list"], password="alice-pw",
        env={"LISPOS_ADMIN_PASSWORD": "alice-pw"}) 
r = run(admin_bin, ["--user", "alice", "user", "list"],
        env={"LISPOS_PASSWORD": "alice-pw"})
ok(r.returncode == 1 and "ACCESS-DENIED" in r.stderr,
   "another user's lispos-admin: ACCESS-DENIED, exit 1", r.stderr)
r = admin("user", "delete", "bob")
ok(r.returncode == 0 and bob("-e", "1").returncode == 4,
   "user delete: bob can no longer log in", r.stderr)

# ---- connection settings and failures ----
conf_dir = os.path.join(home, ".config", "lispos")
os.makedirs(conf_dir, exist_ok=True)
with open(os.path.join(conf_dir, "client.conf"), "w") as f:
    f.write("# alice's settings\nhost = 127.0.0.1\nport = %d\nuser = alice\n"
            "ca = %s\n" % (srv.port, ca))
plain = {k: v for k, v in base_env.items() if not k.startswith("LISPOS_")}
r = subprocess.run([client_bin, "-e", "(+ 40 2)"], capture_output=True,
                   text=True, env=dict(plain, LISPOS_PASSWORD="alice-pw"),
                   stdin=subprocess.DEVNULL)
ok(r.returncode == 0 and r.stdout == "42\n",
   "~/.config/lispos/client.conf: host, port, user, ca", r.stderr)
r = subprocess.run([client_bin, "--user", "nobody", "-e", "1"],
                   capture_output=True, text=True,
                   env=dict(plain, LISPOS_PASSWORD="alice-pw"),
                   stdin=subprocess.DEVNULL)
ok(r.returncode == 4, "flags come before the config file", r.stderr)
with open(os.path.join(conf_dir, "client.conf"), "w") as f:
    f.write("colour = red\n")
r = subprocess.run([client_bin, "-e", "1"], capture_output=True, text=True,
                   env=plain, stdin=subprocess.DEVNULL)
ok(r.returncode == 2 and "unknown setting 'colour'" in r.stderr,
   "a bad config file: said, exit 2", r.stderr)
os.unlink(os.path.join(conf_dir, "client.conf"))

r = run(client_bin, ["-e", "1"], user="alice", password="wrong")
ok(r.returncode == 4 and "login failed: wrong user name or password" in
   r.stderr, "a wrong password: exit 4", r.stderr)
r = run(client_bin, ["-e", "1"], user="alice")
ok(r.returncode == 4 and "no password" in r.stderr,
   "no password and no terminal: exit 4, said", r.stderr)
r = run(client_bin, ["-e", "1"], user="alice", password="alice-pw",
        env={"LISPOS_CA": ""})
ok(r.returncode == 3 and "not trusted" in r.stderr and fingerprint in
   r.stderr and "--ca" in r.stderr, "an unknown certificate: exit 3, its "
   "fingerprint and how to trust it", r.stderr)
r = run(client_bin, ["--fingerprint", "SHA256 " + fingerprint, "-e", "7"],
        user="alice", password="alice-pw", env={"LISPOS_CA": ""})
ok(r.returncode == 0 and r.stdout == "7\n",
   "--fingerprint as --init printed it: trusted", r.stderr)
r = run(client_bin, ["--fingerprint", fingerprint.lower().replace(":", ""),
                     "-e", "7"], user="alice", password="alice-pw",
        env={"LISPOS_CA": ""})
ok(r.returncode == 0, "--fingerprint in lower case without colons", r.stderr)
r = run(client_bin, ["--fingerprint", "AB" * 32, "-e", "7"],
        user="alice", password="alice-pw")
ok(r.returncode == 3 and "not the one given" in r.stderr,
   "another fingerprint: refused, exit 3", r.stderr)
other = os.path.join(srv.tmp, "other.crt")
Server("x").init()                      # a certificate of another server
import glob
other_crt = sorted(glob.glob(os.path.join(os.path.dirname(srv.tmp),
                                          "lispos-server-*", "data", "tls",
                                          "server.crt")))
other_crt = [c for c in other_crt if c != ca]
if other_crt:
    r = run(client_bin, ["--ca", other_crt[0], "-e", "1"], user="alice",
            password="alice-pw")
    ok(r.returncode == 3 and "not trusted" in r.stderr,
       "a CA that did not sign it: exit 3", r.stderr)
else:
    t.skip("a CA that did not sign it", "no second certificate")
r = run(client_bin, ["--host", "localhost", "-e", "(+ 1 1)"], user="alice",
        password="alice-pw")
ok(r.returncode == 0 and r.stdout == "2\n",
   "--host localhost: the certificate's name checked", r.stderr)
closed = free_port()
r = run(client_bin, ["-p", str(closed), "-e", "1"], user="alice",
        password="alice-pw")
ok(r.returncode == 3 and "cannot connect to 127.0.0.1 port %d" % closed in
   r.stderr, "an unreachable server: exit 3, said", r.stderr)
r = run(client_bin, ["--host", "no-such-host.invalid", "-e", "1"],
        user="alice", password="alice-pw")
ok(r.returncode == 3 and "cannot find no-such-host.invalid" in r.stderr,
   "an unknown host name: exit 3", r.stderr)

srv.stop()
t.done()
