#!/usr/bin/python3
# lispos-client's REPL driven through a pseudo-terminal (issue 21): the
# prompt with user and package, multi-line input, pretty-printed results,
# errors, tab completion from the user's environment, Ctrl-C cancelling
# an evaluation (not the client) and dropping a half-typed form, history
# kept across runs, the password asked without echo, and a certificate
# trusted on first use with a clear prompt (then kept in known_hosts, and
# refused loudly once it changes).
import os, re, select, signal, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_helper import Tap, Server, build

t = Tap()
ok = t.ok
client_bin = os.path.join(build, "lispos-client")

srv = Server("admin-pw")
srv.init("--size", "256M")
srv.start()
admin = srv.client().login("admin", "admin-pw")
err, _ = admin.call("admin.user-add", "alice", "alice-pw")
ok(err is None, "alice added", err)
home = os.path.join(srv.tmp, "home")
os.makedirs(home)
ca = os.path.join(srv.data, "tls", "server.crt")
history = os.path.join(home, ".local", "state", "lispos", "history")
base_env = {k: v for k, v in os.environ.items()
            if not k.startswith("LISPOS_") and not k.startswith("XDG_")}
base_env.update(HOME=home, TERM="xterm", LISPOS_PORT=str(srv.port),
                LISPOS_USER="alice")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|\r")


class Terminal:
    """lispos-client on a pseudo-terminal: keys typed, output awaited."""

    def __init__(self, args, env):
        self.pid, self.fd = os.forkpty()
        if self.pid == 0:
            os.execve(client_bin, [client_bin] + args, env)
        self.seen = ""                  # all output, escapes removed
        self.at = 0                     # what expect has consumed

    def read(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        self.seen += ANSI.sub("", data.decode("utf-8", "replace")).replace("\x07", "")
        return True

    def expect(self, text, timeout=60):
        """Wait for text after what was expected before; the output up to
        and including it, or None."""
        end = time.time() + timeout
        while True:
            i = self.seen.find(text, self.at)
            if i >= 0:
                out = self.seen[self.at:i + len(text)]
                self.at = i + len(text)
                return out
            if time.time() > end or not self.read(max(0.01, end - time.time())):
                if time.time() > end:
                    return None

    def type(self, keys):
        os.write(self.fd, keys.encode())

    def wait(self, timeout=60, kill=True):
        end = time.time() + timeout
        while time.time() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                while self.read(0.5):   # what it wrote last, still unread
                    pass
                return os.waitstatus_to_exitcode(status)
            self.read(0.1)
        if kill:
            os.kill(self.pid, signal.SIGKILL)
        return None


env = dict(base_env, LISPOS_CA=ca, LISPOS_PASSWORD="alice-pw")

# ---- a session ----
term = Terminal([], env)
ok(term.expect("alice@CL-USER> ") is not None,
   "the prompt shows the user and the package", term.seen)
term.type("(+ 1\r")
ok(term.expect("...") is not None, "an open form: a continuation prompt",
   term.seen)
term.type("   2)\r")
out = term.expect("alice@CL-USER> ")
ok(out is not None and "\n3\n" in out, "multi-line input: evaluated once "
   "balanced", out)
term.type("(defun fact (n) (if (< n 2) 1 (* n (fact (- n 1)))))\r")
ok(term.expect("FACT") is not None, "defun", term.seen[term.at - 200:])
term.expect("alice@CL-USER> ")
term.type("(loop for i below 30 collect (list i (* i i) \"some text\"))\r")
out = term.expect("alice@CL-USER> ")
lines = [l for l in (out or "").splitlines() if l.startswith((" (", "(("))]
ok(len(lines) == 30 and lines[0].startswith("((0 0 ") and
   lines[1].startswith(" (1 1 "), "a long list pretty-printed, an "
   "element a line", out)
term.type("(car 5)\r")
out = term.expect("alice@CL-USER> ")
ok(out is not None and "error: TYPE-ERROR" in out and "backtrace:" in out,
   "an error: its type, message and backtrace", out)

# completion: the user's own function, from the server
term.type("(fac\t")
out = term.expect("(fact ")
ok(out is not None, "tab completes fac to fact (the user's own function)",
   term.seen[-200:])
term.type("10)\r")
out = term.expect("alice@CL-USER> ")
ok(out is not None and "3628800" in out, "and the completed form runs", out)
term.type("(multiple-value-bi\t")
out = term.expect("(multiple-value-bind ")
ok(out is not None, "tab completes a COMMON-LISP symbol",
   term.seen[-200:])
term.type("\x03")                       # drop this half-typed form
ok(term.expect("alice@CL-USER> ") is not None,
   "Ctrl-C at the prompt drops the form being typed", term.seen[-200:])
term.type("(+ 3 3)\r")
out = term.expect("alice@CL-USER> ")
ok(out is not None and "\n6\n" in out and "MULTIPLE" not in out,
   "the next form is read afresh", out)

# Ctrl-C cancels a running evaluation, not the client
term.type("(loop)\r")
time.sleep(1.5)
term.type("\x03")
out = term.expect("alice@CL-USER> ", timeout=30)
ok(out is not None and "CANCELLED" in out,
   "Ctrl-C cancels the running evaluation (CANCELLED)", out)
term.type("(fact 5)\r")
out = term.expect("alice@CL-USER> ")
ok(out is not None and "120" in out, "the client and the session go on",
   out)

term.type("(defpackage :geometry (:use :cl) (:nicknames :geo))\r")
term.expect("alice@CL-USER> ")
term.type("(in-package :geometry)\r")
ok(term.expect("alice@GEO> ") is not None,
   "in-package: the prompt shows the new package (its shortest name)",
   term.seen[-200:])
term.type("'(here cl-user::there)\r")
out = term.expect("alice@GEO> ")
ok(out is not None and "(HERE COMMON-LISP-USER::THERE)" in out,
   "symbols of the current package print without it, others with it", out)
term.type("(in-package :cl-user)\r")
term.expect("alice@CL-USER> ")
term.type("(list (length \"h\u00e9llo \u263a\") \"\u00e9\")\r")
out = term.expect("alice@CL-USER> ")
ok(out is not None and '(7 "\u00e9")' in out, "UTF-8 typed at the prompt",
   out)
term.type("(values)\r")
out = term.expect("alice@CL-USER> ")
ok(out is not None and "; no values" in out, "(values): said", out)
term.type("(format t \"hi~%\") ; with output\r")
out = term.expect("alice@CL-USER> ")
ok(out is not None and "hi\nNIL" in out, "output, then the value", out)
term.type("\x04")                       # Ctrl-D
# A Ctrl-D typed in the instant the line editor has the terminal in
# cooked mode, between two reads, is taken by the terminal as an end of
# file no read is waiting for, and lost (seen once in 20 runs on a busy
# machine); a person presses it again, and so does the test.
status = term.wait(5, kill=False)
if status is None:
    term.type("\x04")
    status = term.wait()
ok(status == 0, "Ctrl-D ends the REPL, exit 0",
   "exit status %r (None: still running after a minute); last output %r"
   % (status, term.seen[-300:]))
ok(os.path.exists(history), "the history is kept in "
   "~/.local/state/lispos/history")

# ---- history across runs ----
term = Terminal([], env)
term.expect("alice@CL-USER> ")
term.type("\x1b[A")                     # up: the last line typed before
out = term.expect("(format t \"hi~%\") ; with output")
ok(out is not None, "the previous run's input comes back with the up "
   "arrow", term.seen[-200:])
term.type("\r")
out = term.expect("alice@CL-USER> ")
ok(out is not None and "hi" in out, "and runs again", out)
term.type("\x04")
term.wait()

# ---- the password asked on the terminal, without echo ----
term = Terminal([], dict(base_env, LISPOS_CA=ca))
ok(term.expect("Password for alice@127.0.0.1: ") is not None,
   "no password given: asked on the terminal", term.seen)
term.type("alice-pw\r")
out = term.expect("alice@CL-USER> ")
ok(out is not None and "alice-pw" not in term.seen,
   "the password typed is not echoed, and logs in", term.seen)
term.type("\x04")
term.wait()
term = Terminal([], dict(base_env, LISPOS_CA=ca))
term.expect("Password for alice@127.0.0.1: ")
term.type("wrong\r")
ok(term.expect("login failed") is not None and term.wait() == 4,
   "a wrong password: 'login failed', exit 4", term.seen)

# ---- put's progress bar, on a terminal ----
big = os.path.join(srv.tmp, "big.bin")
with open(big, "wb") as f:
    f.write(os.urandom(12 << 20))
small = os.path.join(srv.tmp, "small.txt")
with open(small, "w") as f:
    f.write("small\n")
term = Terminal(["put", big, small], env)
ok(term.wait() == 0 and
   re.search(r"100% +12\.0/12\.0 MiB  big\.bin \(1/2\)", term.seen) and
   "small.txt (2/2)" in term.seen, "put on a terminal: a progress bar for "
   "each file, counted", term.seen[-400:])

# ---- trust on first use ----
known = os.path.join(home, ".config", "lispos", "known_hosts")
term = Terminal(["-e", "(+ 20 22)"], dict(base_env, LISPOS_PASSWORD="alice-pw"))
out = term.expect("[yes/no] ")
ok(out is not None and "SHA256 " in out and "lispos-server --init" in out,
   "an unknown certificate: its fingerprint shown, and a question", out)
term.type("no\r")
ok(term.wait() == 3 and not os.path.exists(known),
   "answered no: exit 3, nothing kept", term.seen[-300:])
term = Terminal(["-e", "(+ 20 22)"], dict(base_env, LISPOS_PASSWORD="alice-pw"))
term.expect("[yes/no] ")
term.type("yes\r")
out = term.expect("42")
ok(out is not None and term.wait() == 0, "answered yes: connected",
   term.seen[-300:])
kept = open(known).read() if os.path.exists(known) else ""
ok(kept.startswith("127.0.0.1:%d SHA256 " % srv.port),
   "the fingerprint is kept in ~/.config/lispos/known_hosts", kept)
import subprocess
r = subprocess.run([client_bin, "-e", "(+ 1 2)"], capture_output=True,
                   text=True, stdin=subprocess.DEVNULL,
                   env=dict(base_env, LISPOS_PASSWORD="alice-pw"))
ok(r.returncode == 0 and r.stdout == "3\n",
   "from then on trusted without asking (and without a terminal)", r.stderr)
with open(known, "w") as f:
    f.write("127.0.0.1:%d SHA256 %s\n" % (srv.port, ":".join(["AB"] * 32)))
r = subprocess.run([client_bin, "-e", "(+ 1 2)"], capture_output=True,
                   text=True, stdin=subprocess.DEVNULL,
                   env=dict(base_env, LISPOS_PASSWORD="alice-pw"))
ok(r.returncode == 3 and "CHANGED" in r.stderr and "known_hosts, line 1" in
   r.stderr, "a certificate that changed: refused loudly, exit 3", r.stderr)

admin.close()
srv.stop()
t.done()
