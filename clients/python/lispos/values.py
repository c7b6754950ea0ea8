"""Lisp values as Python values, and their MessagePack form.

docs/protocol.md, "Values": nil, booleans, integers, floats, strings,
byte vectors (bin) and lists (arrays) cross as themselves; the rest as
MessagePack extension types, which this module turns into small Python
classes and back:

====  ===================  ===========================================
ext   Lisp                 Python
====  ===================  ===========================================
1     printed (show only)  :class:`Printed` (cannot be sent back)
2     keyword              :class:`Keyword`
3     another symbol       :class:`Symbol`
4     a larger integer     ``int``
5     ratio                ``fractions.Fraction``
6     character            :class:`Character`
7     date                 :class:`Date` (``datetime.date`` is sent as one)
8     duration             :class:`Duration`
9     store entry          :class:`EntryRef`
10    handle               :class:`Handle`
====  ===================  ===========================================

An extension type this module does not know stays a ``msgpack.ExtType``.
"""

import datetime
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Optional

import msgpack

EXT_PRINTED = 1
EXT_KEYWORD = 2
EXT_SYMBOL = 3
EXT_BIGNUM = 4
EXT_RATIO = 5
EXT_CHARACTER = 6
EXT_DATE = 7
EXT_DURATION = 8
EXT_ENTRY = 9
EXT_HANDLE = 10

# integers MessagePack carries as themselves; others go as ext 4
_INT_MIN = -(1 << 63)
_INT_MAX = (1 << 64) - 1


@dataclass(frozen=True)
class Keyword:
    """A keyword, by its name as Lisp holds it: ``Keyword("MUSIC")`` is
    ``:music`` (the name is case-sensitive, as a symbol's is)."""

    name: str

    def __str__(self) -> str:
        return ":" + self.name


@dataclass(frozen=True)
class Symbol:
    """A symbol other than a keyword: its package's name and its name."""

    package: str
    name: str

    def __str__(self) -> str:
        return "%s::%s" % (self.package, self.name)


@dataclass(frozen=True)
class Character:
    """A Lisp character (one Unicode character)."""

    char: str

    def __str__(self) -> str:
        return self.char


@dataclass(frozen=True)
class Date:
    """A date (a span of time), by its ISO 8601 text: ``Date("2013-05")``,
    ``Date("2013-05-17T14:30")``, ``Date("2013-05-17/2014-02")``."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Duration:
    """A duration, by its ISO 8601 text: ``Duration("PT1H3M")``."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class EntryRef:
    """A store entry (a reference by id, as Lisp's entry handle is)."""

    id: int

    def __str__(self) -> str:
        return "#<ENTRY %d>" % self.id


@dataclass(frozen=True)
class Handle:
    """An object the server keeps, named by a number in this connection's
    table of handles, with the access bits this reference carries (1 read,
    2 write, 4 call, 8 the user's own), its type's name and its printed
    form.  Pass it back (to :meth:`Client.eval`, as an object to put) and
    the server uses that very object with those bits.  Valid on the
    connection that got it, until it closes."""

    number: int
    bits: Optional[int] = None
    type: Optional[str] = None
    summary: Optional[str] = None
    # the extension's body as received, sent back unchanged
    raw: bytes = field(default=b"", repr=False, compare=False)

    def __str__(self) -> str:
        return self.summary or "#<handle %d>" % self.number


@dataclass(frozen=True)
class Printed:
    """What ``PRIN1`` writes for an object that has no other form: for
    showing only (sending it back is a ``TypeError``)."""

    text: str

    def __str__(self) -> str:
        return self.text


def _ext(code: int, text: str) -> msgpack.ExtType:
    return msgpack.ExtType(code, text.encode("utf-8"))


def encode(value: Any) -> Any:
    """VALUE as what msgpack packs: the classes above and the Python values
    without a MessagePack type of their own as extension types.  Maps are
    walked too (the store's methods take some); a ``TypeError`` for a
    value that has no Lisp form."""
    if value is None or isinstance(value, (bool, float, str, bytes,
                                           bytearray, msgpack.ExtType)):
        return value
    if isinstance(value, int):
        if _INT_MIN <= value <= _INT_MAX:
            return value
        return _ext(EXT_BIGNUM, str(value))
    if isinstance(value, memoryview):
        return value.tobytes()
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {encode(k): encode(v) for k, v in value.items()}
    if isinstance(value, Keyword):
        return _ext(EXT_KEYWORD, value.name)
    if isinstance(value, Symbol):
        return _ext(EXT_SYMBOL, value.package + "\0" + value.name)
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return encode(value.numerator)
        return _ext(EXT_RATIO, str(value))
    if isinstance(value, Character):
        return _ext(EXT_CHARACTER, value.char)
    if isinstance(value, Date):
        return _ext(EXT_DATE, value.text)
    if isinstance(value, datetime.datetime):
        raise TypeError("a datetime has no single Lisp form: send "
                        "lispos.Date('YYYY-MM-DDTHH:MM:SS') in UTC")
    if isinstance(value, datetime.date):
        return _ext(EXT_DATE, value.isoformat())
    if isinstance(value, Duration):
        return _ext(EXT_DURATION, value.text)
    if isinstance(value, EntryRef):
        return _ext(EXT_ENTRY, str(value.id))
    if isinstance(value, Handle):
        return msgpack.ExtType(EXT_HANDLE,
                               value.raw or msgpack.packb(value.number))
    if isinstance(value, Printed):
        raise TypeError("a printed value (%r) is for showing only: it "
                        "cannot be sent back" % value.text)
    raise TypeError("%s has no Lisp form" % type(value).__name__)


def decode_ext(code: int, data: bytes) -> Any:
    """The Python value of an extension type (msgpack's ``ext_hook``)."""
    if code == EXT_HANDLE:
        body = msgpack.unpackb(data, raw=False)
        if isinstance(body, list):
            number, bits, type_, summary = (body + [None] * 4)[:4]
            return Handle(number, bits, type_, summary, data)
        return Handle(body, raw=data)
    text = data.decode("utf-8", "replace")
    if code == EXT_PRINTED:
        return Printed(text)
    if code == EXT_KEYWORD:
        return Keyword(text)
    if code == EXT_SYMBOL:
        package, _, name = text.partition("\0")
        return Symbol(package, name)
    if code == EXT_BIGNUM:
        return int(text)
    if code == EXT_RATIO:
        return Fraction(text)
    if code == EXT_CHARACTER:
        return Character(text)
    if code == EXT_DATE:
        return Date(text)
    if code == EXT_DURATION:
        return Duration(text)
    if code == EXT_ENTRY:
        return EntryRef(int(text))
    return msgpack.ExtType(code, data)


def pack(message: Any) -> bytes:
    """One message's bytes (its values already encoded)."""
    return msgpack.packb(message, use_bin_type=True)


def unpacker() -> msgpack.Unpacker:
    """A streaming reader of messages, decoding the extension types."""
    return msgpack.Unpacker(raw=False, ext_hook=decode_ext,
                            strict_map_key=False,
                            max_buffer_size=1 << 31)
