"""A connection to lispos-server: TLS, MessagePack-RPC, and one method
for each of the protocol's (docs/protocol.md).

A :class:`Client` is used from one thread at a time.  Requests may be
pipelined (:meth:`Client.submit`, :meth:`Client.wait`); responses to other
requests and watch notifications read while waiting are kept for whoever
asks for them, never lost.
"""

import hashlib
import hmac
import os
import socket
import ssl
import time
from collections import deque
from typing import (IO, Any, Callable, Deque, Dict, Iterable, Iterator, List,
                    Mapping, NamedTuple, NoReturn, Optional, Sequence, Set,
                    Tuple, Union)

from . import errors
from .errors import ConnectionClosed, Timeout, TLSError, WatchEnded
from .values import Keyword, encode, pack, unpacker

DEFAULT_PORT = 7453

# The largest message the server takes after login (its default
# --max-message-bytes): one larger would end the connection, so the client
# refuses to send it.
MAX_MESSAGE_BYTES = 16 << 20

# Byte vectors longer than this are put and got in pieces of this size,
# each well within a message.
CHUNK_SIZE = 4 << 20

Attributes = Union[Mapping[Any, Any], Iterable[Tuple[Any, Any]], None]
PathOrFile = Union[str, "os.PathLike[str]", IO[bytes]]

_MISSING: Any = object()

# the forms put and get run to move a large byte vector in pieces: the
# vector in a box (a vector of one element), since a byte vector crosses
# as its contents, and the box crosses as a handle.  (_OPEN_BYTES checks
# the element type itself: typep's array types do not look at it yet.)
_NEW_BOX = "(lambda (n) (vector (make-array n :element-type '(unsigned-byte 8))))"
_FILL = "(lambda (box off chunk) (replace (svref box 0) chunk :start1 off) nil)"
_PUT_BOX = ("(lambda (box attrs) "
            "(entry-id (apply #'store-put (svref box 0) attrs)))")
_OPEN_BYTES = """(lambda (id n)
  (let ((o (entry-object id)))
    (unless (and (vectorp o) (equal (array-element-type o) '(unsigned-byte 8)))
      (error 'type-error :datum o :expected-type '(vector (unsigned-byte 8))))
    (if (<= (length o) n) o (values (vector o) (length o)))))"""
_READ_BOX = """(lambda (box off n)
  (let ((o (svref box 0))) (subseq o off (min (length o) (+ off n)))))"""


def key_name(key: Any) -> str:
    """An attribute's key as the store names it: ``"year"``, ``"YEAR"``
    and ``Keyword("YEAR")`` are all ``"YEAR"``."""
    if isinstance(key, Keyword):
        return key.name
    if isinstance(key, str):
        return key.upper()
    raise TypeError("an attribute's key is a str or a Keyword, not %r"
                    % (key,))


def group(name: str) -> List[Any]:
    """The ACL principal for the group NAME (``(:group "name")``)."""
    return [Keyword("GROUP"), name]


EVERYONE = Keyword("EVERYONE")
"""The ACL principal that matches every user."""


def _principal(principal: Any) -> Any:
    # ["group", name], as protocol.md writes it, made the keyword form that
    # both store.put and the Lisp's store-put take
    if (isinstance(principal, (list, tuple)) and len(principal) == 2 and
            isinstance(principal[0], str) and
            principal[0].lower() == "group"):
        return group(principal[1])
    return principal


def _pairs(flat: Optional[Sequence[Any]]) -> List[Tuple[str, Any]]:
    flat = flat or []
    return [(str(flat[i]), flat[i + 1]) for i in range(0, len(flat) - 1, 2)]


def _flat_attributes(attrs: Attributes,
                     kwattrs: Optional[Mapping[str, Any]] = None) -> List[Any]:
    """Attributes as the wire's array ``[KEY, value ...]``, each key a
    keyword: ATTRS (a mapping, or (key, value) pairs where a key may
    repeat) then KWATTRS (Python names: ``source_control`` is
    ``:SOURCE-CONTROL``)."""
    pairs: List[Tuple[Any, Any]] = []
    if isinstance(attrs, Mapping):
        pairs.extend(attrs.items())
    elif attrs is not None:
        pairs.extend(attrs)
    for k, v in (kwattrs or {}).items():
        pairs.append((k.replace("_", "-"), v))
    flat: List[Any] = []
    for k, v in pairs:
        name = key_name(k)
        if name == "ACL":
            v = [[_principal(row[0]), row[1]] for row in v]
        flat += [Keyword(name), v]
    return flat


class _Attributed:
    """The attribute helpers an entry and a watch's event share."""

    attributes: Optional[List[Tuple[str, Any]]]

    def attr(self, key: Any, default: Any = None) -> Any:
        """The first value of KEY (any case, or a Keyword), else DEFAULT."""
        name = key_name(key)
        for k, v in self.attributes or ():
            if k == name:
                return v
        return default

    def attrs(self, key: Any) -> List[Any]:
        """Every value of KEY, in the entry's order."""
        name = key_name(key)
        return [v for k, v in self.attributes or () if k == name]


class Entry(_Attributed):
    """A store entry: its id and attributes (``(KEY, value)`` pairs in the
    entry's order, a key repeating as often as it does there, the ACL last
    under ``"ACL"``).  From :meth:`Client.query` with ``summary=True``,
    ``summary`` is a line about its object; from :meth:`Client.get`,
    ``object``, ``owner``, ``version`` and ``access`` (the bits the ACL
    grants the caller) are there too (else None)."""

    def __init__(self, id: int, attributes: List[Tuple[str, Any]], *,
                 summary: Optional[str] = None, object: Any = None,
                 owner: Optional[str] = None, version: Optional[int] = None,
                 access: Optional[int] = None) -> None:
        self.id = id
        self.attributes = attributes
        self.summary = summary
        self.object = object
        self.owner = owner
        self.version = version
        self.access = access

    def __repr__(self) -> str:
        return "Entry(%d, %r)" % (self.id, self.attributes)


class Event(_Attributed):
    """A watch's notification: ``kind`` is ``"added"``, ``"changed"`` or
    ``"removed"``; ``attributes`` are the entry's as :class:`Entry` has
    them, None when removed."""

    def __init__(self, kind: str, id: int,
                 attributes: Optional[List[Tuple[str, Any]]]) -> None:
        self.kind = kind
        self.id = id
        self.attributes = attributes

    def __repr__(self) -> str:
        return "Event(%r, %d, %r)" % (self.kind, self.id, self.attributes)


class EvalResult(NamedTuple):
    """An evaluation's values and the text it printed."""

    values: List[Any]
    output: str


class Watch:
    """A live query (:meth:`Client.watch`).  Iterating yields its
    :class:`Event` objects as they come, and stops when none came within
    the watch's ``timeout`` (None: wait for ever).  If the server ends the
    watch, the next event is the :class:`~lispos.WatchEnded` raised."""

    def __init__(self, client: "Client", id: int,
                 timeout: Optional[float]) -> None:
        self.client = client
        self.id = id
        self.timeout = timeout
        self.closed = False

    def next(self, timeout: Optional[float] = _MISSING) -> Optional[Event]:
        """The next event, waiting up to TIMEOUT seconds (by default the
        watch's); None when none came."""
        if timeout is _MISSING:
            timeout = self.timeout
        try:
            return self.client._next_event(self.id, timeout)
        except WatchEnded:
            self.closed = True
            raise

    def __iter__(self) -> Iterator[Event]:
        while True:
            event = self.next()
            if event is None:
                return
            yield event

    def close(self) -> None:
        """Ends the watch (store.unwatch); events not yet taken are
        dropped."""
        if not self.closed:
            self.closed = True
            self.client._end_watch(self.id)

    def __enter__(self) -> "Watch":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _fingerprint_bytes(fingerprint: str) -> bytes:
    """A SHA-256 fingerprint as ``lispos-server --init`` prints it
    ("SHA256 AB:CD:...") or as hex, with or without colons, any case."""
    text = fingerprint.strip()
    if text.upper().startswith("SHA256"):
        text = text[6:].lstrip(" :=")
    text = text.replace(":", "").replace(" ", "")
    try:
        digest = bytes.fromhex(text)
    except ValueError:
        digest = b""
    if len(digest) != 32:
        raise ValueError("not a SHA-256 fingerprint: %r (want 'SHA256 "
                         "AB:CD:...' as lispos-server --init prints it, "
                         "or 64 hex digits)" % fingerprint)
    return digest


def connect(host: str = "127.0.0.1", port: int = DEFAULT_PORT, *,
            ca: Optional[str] = None, fingerprint: Optional[str] = None,
            timeout: Optional[float] = 60.0) -> "Client":
    """A TLS connection to lispos-server, not yet logged in.

    The server's certificate is verified against CA (a file of CA
    certificates; the server's own ``DATA/tls/server.crt`` will do), its
    name against HOST; or, with FINGERPRINT, it must have that SHA-256
    fingerprint (``"SHA256 AB:CD:..."`` as ``lispos-server --init`` prints
    it, or hex) and no CA is asked unless CA is given too; with neither,
    the system's CA certificates verify it.  TIMEOUT bounds the connection
    and each wait for a response (None: no bound).

    Raises :class:`~lispos.TLSError` when the certificate is not trusted
    (:class:`~lispos.CertificateError` for the wrong fingerprint) and
    :class:`~lispos.ConnectionError` when the server cannot be reached.
    """
    pin = _fingerprint_bytes(fingerprint) if fingerprint else None
    try:
        ctx = ssl.create_default_context(cafile=ca)
    except (OSError, ssl.SSLError) as e:
        raise TLSError("cannot load the CA file %s: %s"
                       % (ca, getattr(e, "strerror", None) or e)) from e
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if pin is not None and ca is None:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    try:
        raw = socket.create_connection((host, port), timeout=timeout)
    except OSError as e:
        raise errors.ConnectionError("cannot connect to %s:%d: %s"
                                     % (host, port, e)) from e
    try:
        sock = ctx.wrap_socket(raw, server_hostname=host)
    except ssl.SSLCertVerificationError as e:
        raw.close()
        raise TLSError(
            "the certificate of %s:%d is not trusted (%s): pass ca= the "
            "server's certificate (DATA/tls/server.crt) or fingerprint= the "
            "SHA-256 fingerprint lispos-server --init printed"
            % (host, port, e.verify_message or e)) from e
    except (ssl.SSLError, OSError) as e:
        raw.close()
        raise TLSError("TLS handshake with %s:%d failed: %s"
                       % (host, port, e)) from e
    if pin is not None:
        der = sock.getpeercert(binary_form=True) or b""
        if not hmac.compare_digest(hashlib.sha256(der).digest(), pin):
            sock.close()
            raise errors.CertificateError(
                "the certificate of %s:%d has the fingerprint SHA256 %s, "
                "not the one given" % (host, port, ":".join(
                    "%02X" % b for b in hashlib.sha256(der).digest())))
    return Client(sock, timeout)


class Admin:
    """The administrator's methods (``client.admin``); only the user
    ``admin`` may call them, anyone else gets
    :class:`~lispos.AccessDenied`."""

    def __init__(self, client: "Client") -> None:
        self._c = client

    def user_add(self, user: str, password: str) -> None:
        """A new user."""
        self._c.call("admin.user-add", user, password)

    def user_passwd(self, user: str, password: str) -> None:
        """A user's new password."""
        self._c.call("admin.user-passwd", user, password)

    def user_delete(self, user: str) -> None:
        """The user can no longer log in (their environment stays)."""
        self._c.call("admin.user-delete", user)

    def user_list(self) -> List[str]:
        """The users' names, sorted."""
        return self._c.call("admin.user-list")

    def key_add(self, user: str, key: Union[bytes, str]) -> str:
        """Registers an Ed25519 public key (32 bytes, or an OpenSSH public
        key's text) for :meth:`Client.login_key`: its fingerprint."""
        return self._c.call("admin.key-add", user, key)

    def key_remove(self, user: str, key: Union[bytes, str]) -> None:
        """The key no longer logs USER in."""
        self._c.call("admin.key-remove", user, key)

    def group_add(self, group: str) -> None:
        """A new group, without members."""
        self._c.call("admin.group-add", group)

    def group_delete(self, group: str) -> None:
        """Deletes a group: ACL rows naming it match nobody from then on."""
        self._c.call("admin.group-delete", group)

    def group_list(self) -> List[Dict[str, Any]]:
        """Each group as ``{"name": ..., "members": [...]}``, sorted."""
        return self._c.call("admin.group-list")

    def group_add_member(self, group: str, user: str) -> bool:
        """True, or False when USER was a member already."""
        return bool(self._c.call("admin.group-add-member", group, user))

    def group_remove_member(self, group: str, user: str) -> bool:
        """True, or False when USER was not a member."""
        return bool(self._c.call("admin.group-remove-member", group, user))

    def env_reset(self, user: str) -> None:
        """Gives USER a fresh environment (the old one is kept as
        ``USER:previous``)."""
        self._c.call("admin.env-reset", user)

    def install(self, source: str) -> EvalResult:
        """Evaluates SOURCE in the system environment, which every user's
        is layered on."""
        res = self._c.call("admin.install", source)
        return EvalResult(res["values"], res["output"])

    def snapshot(self) -> Dict[str, Any]:
        """A snapshot now: ``{"generation", "pages", "stall-us"}``."""
        return self._c.call("admin.snapshot")

    def stats(self) -> Dict[str, Any]:
        """The server's figures (store-bytes, entries, sessions ...)."""
        return self._c.call("admin.stats")

    def sessions(self) -> List[Dict[str, Any]]:
        """Every open connection, newest first."""
        return self._c.call("admin.sessions")

    def session_kill(self, id: int) -> None:
        """Closes the connection ID."""
        self._c.call("admin.session-kill", id)


class Client:
    """A connection to lispos-server (made by :func:`connect`).

    Log in with :meth:`login` or :meth:`login_key`; then evaluate Lisp
    (:meth:`eval`) and use the object store (:meth:`put`, :meth:`get`,
    :meth:`query`, :meth:`watch` ...).  A method whose request the server
    refuses raises the :class:`~lispos.LispOSError` its error's type names.
    Use it as a context manager to close it at the end.

    Attributes: ``timeout`` (seconds a response is waited for, None: for
    ever), ``chunk_size`` (byte vectors longer than this are put and got
    in pieces this large; each such put or get takes one of the
    connection's 16384 handles), ``max_message_bytes`` (a larger message
    is refused before it is sent: the server's ``--max-message-bytes``),
    ``last_output`` (what the last :meth:`eval` printed), ``admin`` (the
    administrator's methods, :class:`Admin`).
    """

    def __init__(self, sock: ssl.SSLSocket,
                 timeout: Optional[float] = 60.0) -> None:
        self._sock = sock
        self._unpacker = unpacker()
        self._next_msgid = 1
        self._responses: Dict[int, Tuple[Any, Any]] = {}
        self._abandoned: Set[int] = set()
        self._events: Dict[int, Deque[Union[Event, WatchEnded]]] = {}
        self._closed = False
        self.timeout = timeout
        self.chunk_size = CHUNK_SIZE
        self.max_message_bytes = MAX_MESSAGE_BYTES
        self.last_output = ""
        self.admin = Admin(self)

    # ---- the connection ----

    def close(self) -> None:
        """Closes the connection (its watches and handles end with it)."""
        if not self._closed:
            self._closed = True
            try:
                self._sock.close()
            except OSError:
                pass

    @property
    def closed(self) -> bool:
        """Whether the connection is closed (by either side)."""
        return self._closed

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _lost(self, why: str,
              cause: Optional[BaseException] = None) -> NoReturn:
        self.close()
        raise ConnectionClosed(why) from cause

    def _send(self, message: List[Any]) -> None:
        if self._closed:
            raise ConnectionClosed("the connection is closed")
        data = pack(message)
        if len(data) > self.max_message_bytes:
            raise ValueError("a message of %d bytes: the server takes at "
                             "most %d (max_message_bytes)"
                             % (len(data), self.max_message_bytes))
        try:
            self._sock.settimeout(self.timeout)
            self._sock.sendall(data)
        except (OSError, ssl.SSLError) as e:
            self._lost("the connection broke while sending: %s" % e, e)

    def _read(self, deadline: Optional[float]) -> bool:
        """Reads one message and files it: a response under its msgid, a
        notification under its watch.  False when DEADLINE (a
        time.monotonic() value) passed first."""
        while True:
            try:
                message = next(self._unpacker)
                break
            except StopIteration:
                pass
            if self._closed:
                raise ConnectionClosed("the connection is closed")
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                return False
            try:
                self._sock.settimeout(wait)
                data = self._sock.recv(1 << 20)
            except socket.timeout:
                return False
            except (OSError, ssl.SSLError) as e:
                self._lost("the connection broke: %s" % e, e)
            if not data:
                self._lost("the server closed the connection")
            self._unpacker.feed(data)
        self._file(message)
        return True

    def _file(self, message: Any) -> None:
        if not isinstance(message, list) or not message:
            self._lost("the server sent what is no message: %r"
                       % (message,))
        if message[0] == 1 and len(message) == 4:
            msgid = message[1]
            if msgid in self._abandoned:
                self._abandoned.discard(msgid)
            else:
                self._responses[msgid] = (message[2], message[3])
        elif message[0] == 2 and len(message) == 3:
            self._notification(message[1], message[2])

    def _notification(self, method: str, params: List[Any]) -> None:
        # other notifications (none is specified yet) are not for us
        if method == "store.changed":
            watch, kind, (id, attributes) = params
            item: Union[Event, WatchEnded] = Event(
                kind, id, None if attributes is None else _pairs(attributes))
        elif method == "store.watch-ended":
            watch, error = params
            item = WatchEnded(error.get("type", "WATCH-ENDED"),
                              error.get("message", ""))
        else:
            return
        self._events.setdefault(watch, deque()).append(item)

    def _deadline(self, timeout: Optional[float]) -> Optional[float]:
        return None if timeout is None else time.monotonic() + timeout

    # ---- requests ----

    def submit(self, method: str, *params: Any) -> int:
        """Sends a request without waiting: its msgid, for :meth:`wait`
        or :meth:`cancel`.  At most 64 may be in flight."""
        msgid = self._next_msgid
        self._next_msgid = (msgid + 1) & 0xFFFFFFFF
        self._send([0, msgid, method, encode(list(params))])
        return msgid

    def wait(self, msgid: int, timeout: Optional[float] = _MISSING) -> Any:
        """The result of the request MSGID (from :meth:`submit`), waiting
        up to TIMEOUT seconds (by default the client's); its error raised.
        Past the timeout, the request is cancelled and
        :class:`~lispos.Timeout` raised."""
        if timeout is _MISSING:
            timeout = self.timeout
        deadline = self._deadline(timeout)
        while msgid not in self._responses:
            if not self._read(deadline):
                self.cancel(msgid)
                self._abandoned.add(msgid)
                raise Timeout("no response to request %d within %s s"
                              % (msgid, timeout))
        error, result = self._responses.pop(msgid)
        if error is not None:
            raise errors.error_from_response(error)
        return result

    def call(self, method: str, *params: Any) -> Any:
        """Any method of the protocol: ``call("store.count", "t")``.  The
        result, or the error raised."""
        return self.wait(self.submit(method, *params))

    def cancel(self, msgid: int) -> None:
        """Asks the server to cancel the request MSGID (its response is
        then :class:`~lispos.Cancelled`)."""
        self._send([2, "cancel", [msgid]])

    # ---- logging in ----

    def hello(self) -> Dict[str, Any]:
        """The server's name, version, protocol and login methods."""
        return self.call("hello")

    def login(self, user: str, password: str) -> Dict[str, Any]:
        """Logs in with a password: ``{"user": user}``.  Raises
        :class:`~lispos.LoginFailed` or :class:`~lispos.LoginThrottled`."""
        return self.call("login", user, password)

    def login_key(self, user: str, private_key: Any,
                  password: Optional[bytes] = None) -> Dict[str, Any]:
        """Logs in with an Ed25519 key the administrator registered for
        USER (:meth:`Admin.key_add`), answering the server's challenge.

        PRIVATE_KEY is a ``cryptography`` Ed25519PrivateKey (or anything
        with its ``sign(data) -> bytes``), 32 raw seed bytes, the path of
        an OpenSSH or PEM private key file, or such a file's bytes;
        PASSWORD decrypts an encrypted file.  The files and seeds need the
        ``cryptography`` package (``pip install lispos[key]``)."""
        key = _signing_key(private_key, password)
        challenge = self.call("login-key", user)["challenge"]
        signature = key.sign(b"lispos-login-key\0" + user.encode("utf-8") +
                             b"\0" + challenge)
        return self.call("login-key", user, signature)

    # ---- evaluation ----

    def eval_full(self, source: str, *args: Any) -> EvalResult:
        """Evaluates SOURCE (one or more forms) in the user's environment:
        every value of the last form, and the output printed.  With ARGS,
        the last form's value must be a function; it is called on them
        (handles among them name the server's objects).  A Lisp error
        raises :class:`~lispos.EvalError` (type, message, backtrace)."""
        params = [source, list(args)] if args else [source]
        res = self.call("eval", *params)
        self.last_output = res["output"]
        return EvalResult(res["values"], res["output"])

    def eval(self, source: str, *args: Any) -> List[Any]:
        """The values of :meth:`eval_full` (the output is kept in
        ``last_output``)."""
        return self.eval_full(source, *args).values

    def _eval1(self, source: str, *args: Any) -> Any:
        values = self.eval(source, *args)
        return values[0] if values else None

    # ---- the store ----

    def put(self, obj: Any, /, attrs: Attributes = None,
            **kwattrs: Any) -> int:
        """A new entry of OBJ with attributes: its id.

        ATTRS is a mapping or a sequence of (key, value) pairs (a key may
        repeat); keyword arguments add more (``source_control=`` is
        ``:SOURCE-CONTROL``).  ``acl=[("bob", 1), (group("staff"), 3),
        (EVERYONE, 1)]`` sets the ACL.  A byte string longer than
        ``chunk_size`` (4 MiB) is sent in pieces.  For a byte vector
        without ``format``, the store derives it."""
        return self._put(obj, _flat_attributes(attrs, kwattrs))

    def _put(self, obj: Any, flat: List[Any]) -> int:
        if isinstance(obj, (bytes, bytearray, memoryview)):
            view = memoryview(obj).cast("B")
            if len(view) > self.chunk_size:
                return self._put_pieces(
                    len(view), lambda off, n: view[off:off + n].tobytes(),
                    flat)
        return self.call("store.put", obj, flat)

    def put_file(self, file: PathOrFile, attrs: Attributes = None,
                 **kwattrs: Any) -> int:
        """A new entry of the bytes of FILE (a path or a binary file
        object), read and sent in pieces of ``chunk_size`` when larger:
        its id.  Attributes as :meth:`put`'s."""
        flat = _flat_attributes(attrs, kwattrs)
        if isinstance(file, (str, os.PathLike)):
            with open(file, "rb") as f:
                return self._put_file(f, flat)
        return self._put_file(file, flat)

    def _put_file(self, f: IO[bytes], flat: List[Any]) -> int:
        try:
            start = f.tell()
            size = f.seek(0, os.SEEK_END) - start
            f.seek(start)
        except (OSError, ValueError):          # a pipe: read it all
            return self._put(f.read(), flat)
        if size <= self.chunk_size:
            return self.call("store.put", f.read(), flat)

        def read(off: int, n: int) -> bytes:
            data = f.read(n)
            if len(data) != n:
                raise OSError("the file changed while it was read")
            return data
        return self._put_pieces(size, read, flat)

    def _put_pieces(self, size: int, read: Callable[[int, int], bytes],
                    flat: List[Any]) -> int:
        box = self._eval1(_NEW_BOX, size)
        for off in range(0, size, self.chunk_size):
            self.eval(_FILL, box, off, read(off, min(self.chunk_size,
                                                     size - off)))
        return self._eval1(_PUT_BOX, box, flat)

    def get(self, id: int) -> Optional[Entry]:
        """The entry ID with its object, or None when there is none the
        user may read."""
        res = self.call("store.get", id)
        if res is None:
            return None
        return Entry(res["id"], _pairs(res["attributes"]),
                     object=res["object"], owner=res["owner"],
                     version=res["version"], access=res["access"])

    def iter_bytes(self, id: int) -> Iterator[bytes]:
        """The byte vector of entry ID, in pieces of at most
        ``chunk_size``.  A :class:`~lispos.StoreError` when there is no
        such entry, an :class:`~lispos.EvalError` (``TYPE-ERROR``) when
        its object is no byte vector."""
        first = self.eval(_OPEN_BYTES, id, self.chunk_size)
        if len(first) == 1:
            yield first[0]
            return
        box, size = first
        for off in range(0, size, self.chunk_size):
            yield self._eval1(_READ_BOX, box, off, self.chunk_size)

    def get_bytes(self, id: int) -> bytes:
        """The byte vector of entry ID (fetched in pieces when large)."""
        return b"".join(self.iter_bytes(id))

    def get_file(self, id: int, file: PathOrFile) -> int:
        """Writes the byte vector of entry ID to FILE (a path or a binary
        file object), piece by piece: how many bytes."""
        if isinstance(file, (str, os.PathLike)):
            with open(file, "wb") as f:
                return self.get_file(id, f)
        size = 0
        for piece in self.iter_bytes(id):
            file.write(piece)
            size += len(piece)
        return size

    def query(self, filter: str, *, order_by: Any = None,
              descending: bool = False, limit: Optional[int] = None,
              offset: Optional[int] = None,
              summary: bool = False) -> Iterator[Entry]:
        """Yields the entries the user may read that FILTER (the text of
        one filter form: ``'(= :category :book)'``, ``"t"``) matches: by
        ascending id, or by ORDER_BY's first value (DESCENDING reverses
        it; alone, newest id first); OFFSET skips that many, LIMIT keeps
        at most that many; with SUMMARY, each entry's ``summary`` is a line
        about its object.  The query runs at once (a bad filter raises
        here, not when iterating); ``list()`` the result to keep it."""
        options: Dict[str, Any] = {}
        if order_by is not None:
            options["order-by"] = key_name(order_by)
        if descending:
            options["descending"] = True
        if limit is not None:
            options["limit"] = limit
        if offset is not None:
            options["offset"] = offset
        if summary:
            options["summary"] = True
        rows = self.call("store.query", filter, options)
        return iter([Entry(row[0], _pairs(row[1]),
                           summary=row[2] if len(row) > 2 else None)
                     for row in rows])

    def count(self, filter: str) -> int:
        """How many entries the user may read FILTER matches."""
        return self.call("store.count", filter)

    def set(self, id: int, *, object: Any = _MISSING,
            attributes: Attributes = None, add: Attributes = None,
            remove: Union[Any, Sequence[Any], None] = None) -> int:
        """Changes entry ID: its OBJECT; the values of each key in
        ATTRIBUTES replaced by those given; ADD's added at the end; every
        value of each key in REMOVE dropped.  Its newest version."""
        changes: Dict[str, Any] = {}
        if object is not _MISSING:
            changes["object"] = object
        if attributes is not None:
            changes["attributes"] = _flat_attributes(attributes)
        if add is not None:
            changes["add"] = _flat_attributes(add)
        if remove is not None:
            keys = [remove] if isinstance(remove, (str, Keyword)) else remove
            changes["remove"] = [key_name(k) for k in keys]
        return self.call("store.set", id, changes)

    def delete(self, id: int) -> None:
        """Deletes entry ID (its history stays: :meth:`revert` brings it
        back)."""
        self.call("store.delete", id)

    def history(self, id: int) -> List[Dict[str, Any]]:
        """Entry ID's versions, newest first: ``{"version", "by", "at"
        (seconds since 1970), "change"}``."""
        return self.call("store.history", id)

    def revert(self, id: int, version: int) -> int:
        """Makes entry ID as VERSION left it, as a new version: its
        number."""
        return self.call("store.revert", id, version)

    def grant(self, id: int, principal: Any, bits: int) -> None:
        """Gives PRINCIPAL (a user's name, :func:`group`, or
        :data:`EVERYONE`) BITS on entry ID, replacing its ACL row."""
        self.call("acl.grant", id, _principal(principal), bits)

    def revoke(self, id: int, principal: Any) -> bool:
        """Takes PRINCIPAL's row out of entry ID's ACL: whether it had
        one."""
        return bool(self.call("acl.revoke", id, _principal(principal)))

    def watch(self, filter: str, *,
              timeout: Optional[float] = None) -> Watch:
        """A live query: a :class:`Watch` whose events say when an entry
        enters, changes within or leaves FILTER's result.  Its iteration
        ends when no event came within TIMEOUT seconds (None: never)."""
        return Watch(self, self.call("store.watch", filter), timeout)

    def _next_event(self, watch: int,
                    timeout: Optional[float]) -> Optional[Event]:
        deadline = self._deadline(timeout)
        while not self._events.get(watch):
            if not self._read(deadline):
                return None
        item = self._events[watch].popleft()
        if isinstance(item, WatchEnded):
            del self._events[watch]
            raise item
        return item

    def _end_watch(self, watch: int) -> None:
        try:
            if not self._closed:
                self.call("store.unwatch", watch)
        except errors.ArgumentError:
            pass                # the server had ended it already
        self._events.pop(watch, None)

    def sync(self) -> None:
        """Returns once everything done before it, by every session, is
        durable."""
        self.call("sync")


def _signing_key(private_key: Any, password: Optional[bytes]) -> Any:
    """An object with ``sign(data) -> bytes`` for PRIVATE_KEY (see
    :meth:`Client.login_key`)."""
    if hasattr(private_key, "sign"):
        return private_key
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError as e:
        raise ImportError("login_key with a key file or seed needs the "
                          "cryptography package: pip install "
                          "'lispos[key]'") from e
    if isinstance(private_key, (str, os.PathLike)):
        with open(private_key, "rb") as f:
            private_key = f.read()
    if not isinstance(private_key, (bytes, bytearray)):
        raise TypeError("a private key is an Ed25519PrivateKey, 32 bytes, "
                        "or a key file's path or bytes, not %s"
                        % type(private_key).__name__)
    data = bytes(private_key)
    if len(data) == 32:
        return ed25519.Ed25519PrivateKey.from_private_bytes(data)
    if b"OPENSSH PRIVATE KEY" in data:
        key = serialization.load_ssh_private_key(data, password)
    else:
        key = serialization.load_pem_private_key(data, password)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise TypeError("the key is %s, not Ed25519"
                        % type(key).__name__)
    return key
