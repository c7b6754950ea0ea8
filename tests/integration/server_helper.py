# What the server's tests share (tests/integration/server_*.t): TAP
# output, a lispos-server started on a free loopback port on a data
# directory of its own, and a client speaking the protocol from
# docs/protocol.md alone (Python's ssl, Debian's python3-msgpack).
import atexit, os, shutil, signal, socket, ssl, subprocess, sys, tempfile, time
import msgpack

build = os.environ.get("LISPOS_BUILD", "build")
server_bin = os.path.join(build, "lispos-server")
# a sanitizer's build (build/san, build/tsan): memory it keeps for itself
# (ASan's quarantine of freed blocks) makes the process's size no measure
sanitized = os.path.basename(os.path.normpath(build)) in ("san", "tsan")


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, detail=None):
        self.n += 1
        print(("ok %d - %s" if cond else "not ok %d - %s") % (self.n, what))
        if not cond:
            self.failed += 1
            # on stderr too: prove shows a failing test's stderr without -v
            print("# failed: %s" % what, file=sys.stderr)
            if detail is not None:
                print("#   got: %r" % (detail,))
                print("#   got: %r" % (detail,), file=sys.stderr)
        sys.stdout.flush()
        return cond

    def skip(self, what, why):
        self.n += 1
        print("ok %d - %s # skip %s" % (self.n, what, why))
        sys.stdout.flush()

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def is_error(err, kind, part=""):
    """Whether err (a response's error map) is of type kind, its message
    holding part."""
    return err is not None and err["type"] == kind and part in err["message"]


class Server:
    """A data directory of its own, made with --init, and the server on it."""

    def __init__(self, password, *serve_args):
        self.tmp = tempfile.mkdtemp(prefix="lispos-server-",
                                    dir=os.environ.get("TMPDIR"))
        self.data = os.path.join(self.tmp, "data")
        self.port = free_port()
        self.env = dict(os.environ, LISPOS_ADMIN_PASSWORD=password)
        self.serve_args = list(serve_args)
        self.p = None
        # a test that raises must not leave its server running (holding
        # the harness's pipe)
        atexit.register(self.cleanup)

    def init(self, *args):
        return subprocess.run([server_bin, "--init", "--data", self.data]
                              + list(args), capture_output=True, text=True,
                              env=self.env)

    def log(self):
        with open(os.path.join(self.tmp, "server.log")) as f:
            return f.read()

    def start(self):
        log = open(os.path.join(self.tmp, "server.log"), "ab")
        self.p = subprocess.Popen(
            [server_bin, "--data", self.data, "--listen",
             "127.0.0.1:%d" % self.port] + self.serve_args, stderr=log)
        for _ in range(400):
            try:
                socket.create_connection(("127.0.0.1", self.port),
                                         timeout=1).close()
                return
            except OSError:
                if self.p.poll() is not None:
                    break
                time.sleep(0.05)
        print("Bail out! lispos-server did not start: %s" % self.log())
        sys.exit(1)

    def stop(self):
        self.p.terminate()
        return self.p.wait(timeout=120)

    def kill(self):
        self.p.send_signal(signal.SIGKILL)
        self.p.wait(timeout=60)

    def client(self):
        return Client(self.port, os.path.join(self.data, "tls", "server.crt"))

    def cleanup(self):
        if self.p and self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


class Client:
    def __init__(self, port, cafile):
        ctx = ssl.create_default_context(cafile=cafile)
        raw = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.s = ctx.wrap_socket(raw, server_hostname="localhost")
        self.u = msgpack.Unpacker(raw=False)
        self.next_id = 1
        self.notes = []         # notifications received, oldest first

    def send(self, method, params):
        msgid = self.next_id
        self.next_id += 1
        self.s.sendall(msgpack.packb([0, msgid, method, params]))
        return msgid

    def receive(self):
        while True:
            for m in self.u:
                return m
            data = self.s.recv(65536)
            if not data:
                return None
            self.u.feed(data)

    def call(self, method, *params):
        msgid = self.send(method, list(params))
        while True:
            m = self.receive()
            if m is not None and m[0] == 2:
                self.notes.append(m)
                continue
            assert m is not None and m[0] == 1 and m[1] == msgid, m
            return m[2], m[3]

    def notification(self, timeout=10):
        """The oldest notification not yet taken, waiting for one up to
        timeout seconds; None when none comes."""
        if not self.notes:
            self.s.settimeout(timeout)
            try:
                m = self.receive()
            except (socket.timeout, ssl.SSLError):
                m = None
            finally:
                self.s.settimeout(60)
            if m is not None:
                assert m[0] == 2, m
                self.notes.append(m)
        return self.notes.pop(0) if self.notes else None

    def login(self, user, password):
        err, res = self.call("login", user, password)
        assert err is None, err
        return self

    def value(self, source):
        """The first value of eval, or the error's type."""
        err, res = self.call("eval", source)
        return err["type"] if err else res["values"][0]

    def closed_by_server(self):
        try:
            return self.receive() is None
        except (ssl.SSLError, ConnectionError):
            return True

    def close(self):
        self.s.close()
