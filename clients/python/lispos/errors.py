"""The exceptions of the LispOS client.

A response's error (docs/protocol.md, "Errors of the protocol") becomes
the subclass of :class:`LispOSError` its ``type`` names; a Lisp condition
signalled by an evaluation (``DIVISION-BY-ZERO``, ``TYPE-ERROR`` ...) is
an :class:`EvalError`.  Failures of the connection itself (refused, TLS,
closed) are :class:`ConnectionError`, which is also Python's built-in
``ConnectionError``.
"""

import builtins
import re
from typing import Any, Mapping, Optional


class LispOSError(Exception):
    """An error the server answered, or one of the client's own.

    ``type`` is the error's type as the server names it (``"LOGIN-FAILED"``,
    ``"UNBOUND-VARIABLE"``), ``message`` its text, ``backtrace`` the Lisp
    frames (innermost first, one a line; ``""`` when there are none).
    """

    def __init__(self, type: str, message: str, backtrace: str = "") -> None:
        super().__init__(message)
        self.type = type
        self.message = message
        self.backtrace = backtrace

    def __str__(self) -> str:
        return "%s: %s" % (self.type, self.message)


class ConnectionError(LispOSError, builtins.ConnectionError):
    """The server could not be reached, or the connection broke."""

    def __init__(self, message: str, type: str = "CONNECTION-ERROR") -> None:
        super().__init__(type, message)


class ConnectionClosed(ConnectionError):
    """The connection is closed: by :meth:`Client.close`, or by the server
    (which closes it on a message past its limits, an idle timeout, or
    ``admin.session-kill``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "CONNECTION-CLOSED")


class TLSError(ConnectionError):
    """The TLS handshake failed, or the server's certificate is not trusted."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "TLS-ERROR")


class CertificateError(TLSError):
    """The server's certificate does not have the pinned fingerprint."""


class Timeout(LispOSError, builtins.TimeoutError):
    """No response came within the client's timeout (the request was
    cancelled)."""

    def __init__(self, message: str) -> None:
        super().__init__("TIMEOUT", message)


class LoginFailed(LispOSError):
    """No such user, the wrong password, or no registered key signed."""


class LoginThrottled(LispOSError):
    """Too many failed logins: ``seconds`` is how long to wait (None when
    the message does not say)."""

    def __init__(self, type: str, message: str, backtrace: str = "") -> None:
        super().__init__(type, message, backtrace)
        m = re.search(r"try again in (\d+) s", message)
        self.seconds: Optional[int] = int(m.group(1)) if m else None


class NotLoggedIn(LispOSError):
    """A method other than hello, login and login-key before logging in."""


class AccessDenied(LispOSError):
    """An admin method called by another user, or a change the entry's ACL
    or the object's access bits refuse."""


class ArgumentError(LispOSError):
    """Parameters of the wrong number or type (a map as an eval argument,
    an unknown handle, a malformed date ...)."""


class NoSuchMethod(LispOSError):
    """A method the server does not have."""


class ProtocolError(LispOSError):
    """A request out of order (logging in twice, a signature without its
    challenge)."""


class StoreError(LispOSError):
    """The store refused (``STORE-ERROR``), a filter is wrong
    (``STORE-QUERY-ERROR``), or ``sync`` could not make the state durable
    (``STORE-FAILED``)."""


class Cancelled(LispOSError):
    """The request was cancelled (:meth:`Client.cancel`)."""


class TooManyRequests(LispOSError):
    """More than 64 requests in flight, or more than 64 watches."""


class TooManyConnections(LispOSError):
    """The user has as many connections logged in as the server allows."""


class ServerError(LispOSError):
    """The server could not do it (out of memory ...)."""


class ResourceExhausted(LispOSError):
    """An evaluation went past the server's limits (time, memory, steps)."""


class EvalError(LispOSError):
    """A Lisp condition signalled while reading or evaluating: ``type`` is
    its type (``"DIVISION-BY-ZERO"``, ``"UNBOUND-VARIABLE"`` ...)."""


class WatchEnded(LispOSError):
    """The server ended a watch: checking its filter failed or went past
    its bounds (``type`` and ``message`` say which)."""


_BY_TYPE = {
    "LOGIN-FAILED": LoginFailed,
    "LOGIN-THROTTLED": LoginThrottled,
    "NOT-LOGGED-IN": NotLoggedIn,
    "ACCESS-DENIED": AccessDenied,
    "ARGUMENT-ERROR": ArgumentError,
    "NO-SUCH-METHOD": NoSuchMethod,
    "PROTOCOL-ERROR": ProtocolError,
    "STORE-ERROR": StoreError,
    "STORE-QUERY-ERROR": StoreError,
    "STORE-FAILED": StoreError,
    "CANCELLED": Cancelled,
    "TOO-MANY-REQUESTS": TooManyRequests,
    "TOO-MANY-CONNECTIONS": TooManyConnections,
    "SERVER-ERROR": ServerError,
    "RESOURCE-EXHAUSTED": ResourceExhausted,
}


def error_from_response(error: Mapping[str, Any]) -> LispOSError:
    """The exception for a response's error map."""
    type_ = str(error.get("type", "ERROR"))
    cls = _BY_TYPE.get(type_, EvalError)
    return cls(type_, str(error.get("message", "")),
               str(error.get("backtrace") or ""))
