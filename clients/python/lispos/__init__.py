"""LispOS client: talk to lispos-server (TLS, MessagePack-RPC) from Python.

    import lispos

    with lispos.connect("127.0.0.1", ca="data/tls/server.crt") as c:
        c.login("alice", "secret")
        c.eval("(+ 1 2)")                              # [3]
        id = c.put(b"...", name="notes", category=lispos.Keyword("NOTE"))
        for e in c.query("(= :category :note)", summary=True):
            print(e.id, e.attr("name"), e.summary)

docs/protocol.md is the protocol this speaks; docs/store.md the store and
its filters.
"""

from .client import (CHUNK_SIZE, DEFAULT_PORT, EVERYONE, Admin, Client,
                     Entry, EvalResult, Event, Watch, connect, group)
from .errors import (AccessDenied, ArgumentError, Cancelled, CertificateError,
                     ConnectionClosed, ConnectionError, EvalError, LispOSError,
                     LoginFailed, LoginThrottled, NoSuchMethod, NotLoggedIn,
                     ProtocolError, ResourceExhausted, ServerError, StoreError,
                     Timeout, TLSError, TooManyConnections, TooManyRequests,
                     WatchEnded)
from .values import (Character, Date, Duration, EntryRef, Handle, Keyword,
                     Printed, Symbol)

__version__ = "0.4.0"

__all__ = [
    "connect", "Client", "Admin", "Entry", "Event", "EvalResult", "Watch",
    "group", "EVERYONE", "DEFAULT_PORT", "CHUNK_SIZE",
    "Keyword", "Symbol", "Character", "Date", "Duration", "EntryRef",
    "Handle", "Printed",
    "LispOSError", "ConnectionError", "ConnectionClosed", "TLSError",
    "CertificateError", "Timeout", "LoginFailed", "LoginThrottled",
    "NotLoggedIn", "AccessDenied", "ArgumentError", "NoSuchMethod",
    "ProtocolError", "StoreError", "Cancelled", "TooManyRequests",
    "TooManyConnections", "ServerError", "ResourceExhausted", "EvalError",
    "WatchEnded",
]
