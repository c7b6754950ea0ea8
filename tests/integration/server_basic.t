#!/usr/bin/python3
# lispos-server end to end (issue 20, the first path): --init, TLS, and
# MessagePack-RPC spoken by an independent client -- Python's ssl and
# Debian's python3-msgpack, from docs/protocol.md -- hello, login, eval,
# errors, pipelining, bad input that must end only its own connection,
# and the state kept across a clean stop.
import os, socket, ssl, subprocess, sys, warnings
import msgpack

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_helper import Tap, Server, server_bin

# the test offers TLS 1.1 on purpose, to see it refused
warnings.simplefilter("ignore", DeprecationWarning)
t = Tap()
ok = t.ok
srv = Server("correct horse")
data = srv.data
port = srv.port
Client = srv.client
server = server_bin
env = srv.env
tmp = srv.tmp


def start():
    srv.start()
    return srv.p


# ---- --init ----
r = subprocess.run([server, "--help"], capture_output=True, text=True)
ok(r.returncode == 0 and "--listen" in r.stdout and "--init" in r.stdout,
   "--help lists the options", r.stdout)
r = subprocess.run([server, "--init", "--data", data, "--size", "64M"],
                   capture_output=True, text=True, env=env)
ok(r.returncode == 0 and "TLS fingerprint: SHA256 " in r.stdout,
   "--init makes a store and a certificate, printing its fingerprint",
   r.stdout + r.stderr)
ok("password from LISPOS_ADMIN_PASSWORD" in r.stdout,
   "the administrator's password comes from LISPOS_ADMIN_PASSWORD", r.stdout)
ok(oct(os.stat(os.path.join(data, "tls", "server.key")).st_mode & 0o777)
   == "0o600", "the key is readable by its owner only")
r = subprocess.run([server, "--init", "--data", data], capture_output=True,
                   text=True, env=env)
ok(r.returncode == 1 and "never replaces" in r.stderr,
   "a second --init refuses to replace the store", r.stderr)
r = subprocess.run([server, "--data", data, "--listen", "nowhere"],
                   capture_output=True, text=True)
ok(r.returncode == 2 and "bad --listen" in r.stderr,
   "a bad --listen is a clear error", r.stderr)

# ---- the config file ----
conf = os.path.join(tmp, "lispos.conf")
with open(conf, "w") as f:
    f.write("[server]\nlisten = nowhere\n")
r = subprocess.run([server, "--config", conf, "--data", data],
                   capture_output=True, text=True)
ok(r.returncode == 2 and "bad --listen 'nowhere'" in r.stderr,
   "a config file's value is checked as the option's", r.stderr)
with open(conf, "w") as f:
    f.write("[server]\ncolour = red\n")
r = subprocess.run([server, "--config", conf, "--data", data],
                   capture_output=True, text=True)
ok(r.returncode == 2 and "no option --colour" in r.stderr and
   "in [server], colour = red" in r.stderr,
   "an unknown key is a clear error", r.stderr)
r = subprocess.run([server, "--config", os.path.join(tmp, "missing.conf")],
                   capture_output=True, text=True)
ok(r.returncode == 2 and "cannot read the config file" in r.stderr,
   "a missing config file is a clear error", r.stderr)
r = subprocess.run([server, "--config",
                    os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 "..", "..", "conf", "lispos.conf"),
                    "--listen", "bad", "--data", data],
                   capture_output=True, text=True)
ok(r.returncode == 2 and "bad --listen 'bad'" in r.stderr,
   "conf/lispos.conf reads, and the command line overrides it", r.stderr)

# ---- serving ----
p = start()
c = Client()
ok(c.s.version() in ("TLSv1.3", "TLSv1.2"), "TLS is spoken (%s)" % c.s.version())
err, res = c.call("hello")
ok(err is None and res["server"] == "lispos" and res["protocol"] == 1 and
   "password" in res["auth"] and isinstance(res["version"], str),
   "hello: server, version, protocol, auth methods", res)
err, res = c.call("eval", "(+ 1 2)")
ok(err and err["type"] == "NOT-LOGGED-IN" and res is None,
   "eval before login is refused", err)
err, res = c.call("login", "admin", "wrong")
ok(err and err["type"] == "LOGIN-FAILED", "a wrong password fails", err)
wrong_password = err["message"]
err, res = c.call("login", "nobody", "correct horse")
ok(err and err["type"] == "LOGIN-FAILED" and err["message"] == wrong_password,
   "no such user: the same answer as a wrong password", err)
err, res = c.call("login", "admin")
ok(err and err["type"] == "ARGUMENT-ERROR", "login without a password: "
   "an argument error", err)
err, res = c.call("login", "admin", "correct horse")
ok(err is None and res == {"user": "admin"}, "the right password logs in", res)
err, res = c.call("login", "admin", "correct horse")
ok(err and err["type"] == "PROTOCOL-ERROR", "logging in twice is refused", err)
err, res = c.call("eval", "(+ 1 2)")
ok(err is None and res == {"values": [3], "output": ""}, "eval (+ 1 2)", res)
err, res = c.call("eval", '(progn (princ "hi") (list 1 2.5 "x" nil t))')
ok(err is None and res["values"] == [[1, 2.5, "x", None, True]] and
   res["output"] == "hi", "a list of values and the output printed", res)
err, res = c.call("eval", ":key")
ok(err is None and isinstance(res["values"][0], msgpack.ExtType) and
   res["values"][0].code == 2 and res["values"][0].data == b"KEY",
   "a keyword: its name in ext 2",
   res)
err, res = c.call("eval", "(defun f (x) (car x)) (f 1)")
ok(err and err["type"] == "TYPE-ERROR" and "CAR" in err["message"] and
   "(F 1)" in err["backtrace"], "an error: type, message, backtrace", err)
err, res = c.call("eval", "(car")
ok(err and err["type"] == "END-OF-FILE", "unbalanced source: a reader error",
   err)
err, res = c.call("eval", 42)
ok(err and err["type"] == "ARGUMENT-ERROR", "eval of a non-string: an "
   "argument error", err)
err, res = c.call("no.such.method")
ok(err and err["type"] == "NO-SUCH-METHOD", "an unknown method", err)
# several requests in flight: each response carries its msgid
ids = [c.send("eval", ["(* %d %d)" % (k, k)]) for k in range(1, 9)]
got = {}
for _ in ids:
    m = c.receive()
    got[m[1]] = m[3]["values"][0]
ok(got == {i: (k + 1) * (k + 1) for k, i in enumerate(ids)},
   "8 pipelined requests: 8 responses, matched by msgid", got)
c.s.sendall(msgpack.packb([2, "some.notification", [1]]))
err, res = c.call("eval", "(defvar *kept* (list :a 1 \"b\")) 'done")
ok(err is None, "an unknown notification is tolerated", err)

# ---- several TLS records in one segment ----
# The server reads ahead (one read a record, not two): records that came
# together must all be answered, even those read with the handshake's
# last one.  TLS through memory BIOs makes the records; one sendall sends
# them together.
def records_together(requests):
    """The replies to requests, sent one record each in the segment that
    ends the handshake; None for those not answered within 10 s."""
    ctx = ssl.create_default_context(cafile=os.path.join(data, "tls",
                                                         "server.crt"))
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(inc, out, server_hostname="localhost")
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            raw.sendall(out.read())
            inc.write(raw.recv(65536))
    for k, (method, params) in enumerate(requests):
        tls.write(msgpack.packb([0, k + 1, method, params]))
    raw.sendall(out.read())         # the client's Finished, then them all
    u = msgpack.Unpacker(raw=False)
    got = {}
    try:
        while len(got) < len(requests):
            try:
                for m in u:
                    got[m[1]] = m
                u.feed(tls.read(65536))
            except ssl.SSLWantReadError:
                chunk = raw.recv(65536)
                if not chunk:
                    break
                inc.write(chunk)
    except (socket.timeout, ssl.SSLError):
        pass
    raw.close()
    return [got.get(k + 1) for k in range(len(requests))]


replies = records_together([("hello", [])] * 60)
ok(all(r is not None and r[2] is None and r[3]["protocol"] == 1
       for r in replies),
   "60 requests in 60 records sent with the handshake's last: all "
   "answered", [r is not None for r in replies])

# ---- bad input ends only its own connection ----
def still_serving(what):
    d = Client()
    err, res = d.call("hello")
    ok(err is None and res["server"] == "lispos", "and the server still "
       "serves others (%s)" % what, err)
    d.close()

raw = socket.create_connection(("127.0.0.1", port), timeout=10)
raw.sendall(msgpack.packb([0, 1, "hello", []]))
try:
    answer = raw.recv(100)
except ConnectionError:
    answer = b""
ok(not answer.startswith(b"\x94\x01"), "plaintext on the TLS port gets no "
   "answer", answer)
raw.close()
still_serving("plaintext")

old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
old.check_hostname = False
old.verify_mode = ssl.CERT_NONE
try:
    old.minimum_version = ssl.TLSVersion.TLSv1
    old.maximum_version = ssl.TLSVersion.TLSv1_1
    old.set_ciphers("ALL:@SECLEVEL=0")
    s = old.wrap_socket(socket.create_connection(("127.0.0.1", port),
                                                 timeout=10))
    refused = False
    s.close()
except (ssl.SSLError, ConnectionError, ValueError):
    refused = True
ok(refused, "TLS 1.1 is refused")

d = Client()
d.call("login", "admin", "correct horse")
d.s.sendall(b"\xdd\xff\xff\xff\xff")
ok(d.closed_by_server(), "a declared array of 2^32-1 elements ends the "
   "connection")
still_serving("a huge declared count")

d = Client()
d.s.sendall(msgpack.packb([0, 1, "login", ["admin", "x" * 5000]]))
ok(d.closed_by_server(), "a 5 KB message before login ends the connection")
still_serving("an oversized message before login")

d = Client()
d.s.sendall(b"\x91" * 10 + b"\xc0")
ok(d.closed_by_server(), "messages nested 10 deep before login end the "
   "connection")
d = Client()
d.s.sendall(msgpack.packb({"not": "a request"}))
ok(d.closed_by_server(), "a message that is no request ends the connection")
d = Client()
d.s.sendall(b"\xc1")
ok(d.closed_by_server(), "a byte that is no MessagePack ends the connection")
still_serving("malformed messages")

c.close()

# ---- a clean stop keeps everything ----
p.terminate()
ok(p.wait(timeout=60) == 0, "SIGTERM: the server stops with status 0")
log = srv.log()
ok("stopped after a final snapshot" in log, "after a final snapshot", log)
p = start()
c = Client()
c.call("login", "admin", "correct horse")
err, res = c.call("eval", "*kept*")
ok(err is None and res["values"][0][1:] == [1, "b"],
   "a restart serves what was defined before the stop", res)
c.close()
p.terminate()
p.wait(timeout=60)

srv.cleanup()
t.done()
