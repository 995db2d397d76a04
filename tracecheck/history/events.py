"""The one strict reader of client histories (ndjson, one event a line), into compact columns.

Every line is validated on its own (JSON, ``type``, ``status``, each field's presence and type) and a bad
one raises :class:`BadInput` naming file, line and field. The checker, the consistency spec's trace
reader and the report's timeline all read histories here, so a field is checked in one place; what one
of them allows less (one key, positive TxIDs) it checks on these columns.

Two structural faults need the lines before: a response without its request and a request id used
twice. To the checker they are bad input too; building a history in memory (tests, mutations) or for a
reader with its own rule (``strict=False``) they are instead kept as violations of
``ResponseFollowsRequest`` and ``UniqueRequests``, so the checker judges them like any other property.

Columns, not one object per event: a million-event history is a handful of lists of small ints.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pyccf.formats.history import REQUEST_OF, SINGLE_KEY, EventType, Field, HistoryStatus
from tracecheck.errors import BadInput

T = TypeVar("T")

# Event kinds and statuses as small ints (the columns hold these).
RW_REQ, RW_RESP, RO_REQ, RO_RESP, STATUS = range(5)
KIND_OF = {
    EventType.RW_REQUEST.value: RW_REQ,
    EventType.RW_RESPONSE.value: RW_RESP,
    EventType.RO_REQUEST.value: RO_REQ,
    EventType.RO_RESPONSE.value: RO_RESP,
    EventType.STATUS.value: STATUS,
}
TYPE_NAME = {v: k for k, v in KIND_OF.items()}
COMMITTED, INVALID, PENDING, UNKNOWN = range(4)
STATUS_OF = {
    HistoryStatus.COMMITTED.value: COMMITTED,
    HistoryStatus.INVALID.value: INVALID,
    HistoryStatus.PENDING.value: PENDING,
    HistoryStatus.UNKNOWN.value: UNKNOWN,
}
STATUS_NAME = {v: k for k, v in STATUS_OF.items()}
_REQUEST_KIND = {KIND_OF[k.value]: KIND_OF[v.value] for k, v in REQUEST_OF.items()}

TxId = tuple[int, int]
Observed = dict[str, list[int]]


@dataclass
class Structural:
    """A structural fault kept as a violation instead of an error: its property, lines and message."""

    property: str
    lines: list[int]
    message: str
    tx: int


@dataclass
class History:
    """A parsed history: one entry per event in every column (index ``i`` is the ``i``-th event)."""

    source: str
    line: list[int] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    tx: list[int] = field(default_factory=list)  # -1 on status events
    txid: list[TxId | None] = field(default_factory=list)  # None on requests
    status: list[int] = field(default_factory=list)  # -1 unless a status event
    client: list[Any] = field(default_factory=list)
    observed: list[Observed | None] = field(default_factory=list)  # responses only
    #: request id -> index of its request event
    request_at: dict[int, int] = field(default_factory=dict)
    structural: list[Structural] = field(default_factory=list)
    more_requests: dict[int, list[int]] = field(default_factory=dict)  # a reused request id's later requests
    #: index of the first response whose ``observed`` is an object (several keys), -1 if none
    first_keyed: int = -1

    def __len__(self) -> int:
        return len(self.kind)


def _bad(src: str, line: int, fld: str | None, msg: str) -> BadInput:
    return BadInput(msg, file=src, line=line, field=fld)


def _nat(value: Any) -> bool:
    return type(value) is int and value >= 0


def _txid(d: dict[str, Any], src: str, line: int) -> TxId:
    v = d.get(Field.TX_ID.value)
    if v is None:
        raise _bad(src, line, Field.TX_ID.value, "missing")
    if type(v) is not list or len(v) != 2 or not _nat(v[0]) or not _nat(v[1]) or not v[0] or not v[1]:
        msg = f"expected [view, seqno] of positive integers (CCF numbers both from 1), got {v!r}"
        raise _bad(src, line, Field.TX_ID.value, msg)
    return (v[0], v[1])


_INT = {int}
_NODE = {str, int, bool}  # an optional node id: a string or an integer
_CLIENT = "a client name (the session: a string or an integer)"
_KNOWN_TYPES = ", ".join(KIND_OF)
_KNOWN_STATUSES = ", ".join(STATUS_OF)


def _ids(v: Any) -> bool:
    """A list of naturals (type checks in C: per-element Python code is the cost of a long history)."""
    return type(v) is list and (not v or (set(map(type, v)) == _INT and min(v) >= 0))


_IDS = "expected a list of request ids (the transaction ids observed: naturals)"


def _observed(d: dict[str, Any], src: str, line: int) -> Observed:
    v = d.get(Field.OBSERVED.value)
    if v is None:
        raise _bad(src, line, Field.OBSERVED.value, "missing")
    if type(v) is list:
        if not _ids(v):
            raise _bad(src, line, Field.OBSERVED.value, _IDS)
        return {SINGLE_KEY: v}
    if type(v) is dict:
        for key, ids in v.items():
            if not _ids(ids):
                raise _bad(src, line, f"{Field.OBSERVED.value}.{key}", _IDS)
        return v
    msg = "expected a list or an object (a list of tx, or an object from key to list)"
    raise _bad(src, line, Field.OBSERVED.value, f"{msg}, got {type(v).__name__}")


def _client(d: dict[str, Any], src: str, line: int, required: bool) -> Any:
    c = d.get(Field.CLIENT.value)
    if c is None:
        if required:
            raise _bad(src, line, Field.CLIENT.value, f"missing: expected {_CLIENT}")
        return None
    if type(c) is not str and type(c) is not int:
        raise _bad(src, line, Field.CLIENT.value, f"expected {_CLIENT}, got {c!r}")
    return c


def add_event(h: History, d: Any, line: int, *, strict: bool = True) -> None:
    """Validate one decoded event and append it to ``h`` (BadInput, or a Structural when not ``strict``)."""
    src = h.source
    if type(d) is not dict:
        raise _bad(src, line, None, f"expected a JSON object, got {type(d).__name__}")
    t = d.get(Field.TYPE.value)
    kind = KIND_OF.get(t) if type(t) is str else None
    if kind is None:
        if t is None:
            raise _bad(src, line, Field.TYPE.value, "missing")
        raise _bad(src, line, Field.TYPE.value, f"unknown event type {t!r} (known: {_KNOWN_TYPES})")
    node = d.get(Field.NODE.value, "")
    if type(node) not in _NODE:
        raise _bad(src, line, Field.NODE.value, f"expected a node id (a string or an integer), got {node!r}")
    tx = -1
    if kind != STATUS:
        raw = d.get(Field.TX.value)
        if raw is None:
            raise _bad(src, line, Field.TX.value, "missing")
        if not _nat(raw):
            raise _bad(src, line, Field.TX.value, f"expected a natural number, got {raw!r}")
        tx = raw
    txid: TxId | None = None
    status = -1
    observed: Observed | None = None
    if kind in (RW_REQ, RO_REQ):
        client = _client(d, src, line, True)
        first = h.request_at.get(tx)
        if first is not None:
            msg = f"request id {tx} was already requested at line {h.line[first]}"
            if strict:
                raise _bad(src, line, Field.TX.value, msg)
            h.structural.append(Structural("UniqueRequests", [h.line[first], line], msg, tx))
            h.more_requests.setdefault(tx, []).append(len(h.kind))
        else:
            h.request_at[tx] = len(h.kind)
    elif kind == STATUS:
        txid = _txid(d, src, line)
        s = d.get(Field.STATUS.value)
        if s is None:
            raise _bad(src, line, Field.STATUS.value, "missing")
        status = STATUS_OF.get(s, -1) if type(s) is str else -1
        if status < 0:
            raise _bad(src, line, Field.STATUS.value, f"unknown status {s!r} (known: {_KNOWN_STATUSES})")
        client = _client(d, src, line, True)
    else:
        txid = _txid(d, src, line)
        client = _client(d, src, line, True)
        observed = _observed(d, src, line)
        if h.first_keyed < 0 and type(d[Field.OBSERVED.value]) is dict:
            h.first_keyed = len(h.kind)
        at = h.request_at.get(tx)
        want_kind = _REQUEST_KIND[kind]
        if all(
            h.kind[j] != want_kind or h.client[j] != client
            for j in ([] if at is None else [at, *h.more_requests.get(tx, ())])
        ):
            want = TYPE_NAME[_REQUEST_KIND[kind]]
            msg = f"response to request {tx} without an earlier {want} of client {client!r}"
            if strict:
                raise _bad(src, line, Field.TX.value, msg)
            h.structural.append(Structural("ResponseFollowsRequest", [line], msg, tx))
    h.line.append(line)
    h.kind.append(kind)
    h.tx.append(tx)
    h.txid.append(txid)
    h.status.append(status)
    h.client.append(client)
    h.observed.append(observed)


def parse_with_rules(path: Path | str, lines: list[str], own: Callable[[History], T]) -> T:
    """``own`` (a reader's extra rules, raising BadInput) on the lenient parse of ``lines``; the first
    defect in line order is the error, the shared reader's or ``own``'s: when the shared reader refuses
    line L, ``own`` first runs on the lines before it."""
    try:
        h = parse_lines(lines, str(path), strict=False)
    except BadInput as err:
        if err.line:  # a defect of the reader's own on an earlier line comes first
            own(parse_lines(lines[: err.line - 1], str(path), strict=False))
        raise
    return own(h)


class _Float(ValueError):
    """A float (a literal, NaN or Infinity): the fast path's scanner refuses them, so that a list's
    minimum checks its ids."""


def _no_float(text: str) -> Any:
    raise _Float(text)


def parse_lines(lines: Iterable[str], source: str = "<history>", *, strict: bool = True) -> History:
    """Read ndjson lines (blank ones are skipped, still counted) into a :class:`History`.

    A well-formed event takes the inlined path below; anything else goes through :func:`add_event`,
    which accepts exactly what this path does and names what is wrong with the rest. The inlined path
    checks a list of ids without a test per element: its scanner refuses floats and a line with
    ``true`` or ``false`` in it goes to :func:`add_event`, so what is left is ints, strings, nulls,
    lists and objects, and ``min(ids) >= 0`` holds exactly when every id is a natural (comparing any
    of the others with an int raises TypeError)."""
    h = History(source)
    # the C scanner, without loads' checks and regexes per line
    scan = json.JSONDecoder(parse_float=_no_float, parse_constant=_no_float).scan_once  # type: ignore[attr-defined]
    request_at, kinds, clients = h.request_at, h.kind, h.client
    a_line, a_kind, a_tx, a_txid = h.line.append, h.kind.append, h.tx.append, h.txid.append
    a_status, a_client, a_obs = h.status.append, h.client.append, h.observed.append
    f_type, f_tx, f_txid, f_client, f_obs, f_status, f_node = (
        f.value
        for f in (Field.TYPE, Field.TX, Field.TX_ID, Field.CLIENT, Field.OBSERVED, Field.STATUS, Field.NODE)
    )
    first_keyed = -1
    for n, text in enumerate(lines, 1):
        try:
            d, end = scan(text, 0)
            if end != len(text) and text[end:].strip():
                raise ValueError
        except (StopIteration, ValueError):
            if not text.strip():
                continue
            try:
                d = json.loads(text)
            except json.JSONDecodeError as exc:
                msg = f"not JSON: malformed JSON at column {exc.colno} ({exc.msg})"
                raise _bad(source, n, None, msg) from None
            kind = None  # a float somewhere, or not JSON: add_event decides
        else:
            t = d.get(f_type) if type(d) is dict else None
            kind = KIND_OF.get(t) if type(t) is str else None
            if kind is not None and f_node in d and type(d[f_node]) not in _NODE:
                kind = None  # add_event names the bad node id
        if kind == STATUS:
            v, st, c = d.get(f_txid), d.get(f_status), d.get(f_client)
            st = STATUS_OF.get(st) if type(st) is str else None
            if (
                st is not None and type(v) is list and len(v) == 2 and type(v[0]) is int
                and type(v[1]) is int and v[0] >= 1 and v[1] >= 1
                and (type(c) is str or type(c) is int)
            ):  # fmt: skip
                a_line(n), a_kind(kind), a_tx(-1), a_txid((v[0], v[1])), a_status(st), a_client(c)
                a_obs(None)
                continue
        tx = d.get(f_tx) if kind is not None else None
        c = d.get(f_client) if tx is not None else None
        if kind in (RW_REQ, RO_REQ) and type(tx) is int and tx >= 0 and tx not in request_at:
            if type(c) is str or type(c) is int:
                request_at[tx] = len(kinds)
                a_line(n), a_kind(kind), a_tx(tx), a_txid(None), a_status(-1), a_client(c), a_obs(None)
                continue
        elif kind in (RW_RESP, RO_RESP) and type(tx) is int and tx >= 0:
            v, o = d.get(f_txid), d.get(f_obs)
            at = request_at.get(tx)
            if (
                type(v) is list and len(v) == 2 and type(v[0]) is int and type(v[1]) is int
                and v[0] >= 1 and v[1] >= 1 and (type(c) is str or type(c) is int)
                and at is not None and kinds[at] == kind - 1 and clients[at] == c  # its request's kind
                and "true" not in text and "false" not in text
            ):  # fmt: skip
                try:
                    if type(o) is dict:
                        for x in o.values():
                            if type(x) is not list or (x and min(x) < 0):
                                o = None
                                break
                        else:
                            if first_keyed < 0:
                                first_keyed = len(kinds)
                    elif type(o) is list:
                        o = {SINGLE_KEY: o} if not o or min(o) >= 0 else None
                    else:
                        o = None
                except TypeError:
                    o = None
                if o is not None:
                    a_line(n), a_kind(kind), a_tx(tx), a_txid((v[0], v[1])), a_status(-1), a_client(c)
                    a_obs(o)
                    continue
        h.first_keyed = first_keyed
        add_event(h, d, n, strict=strict)
        first_keyed = h.first_keyed
    h.first_keyed = first_keyed
    return h


def from_events(events: Iterable[dict[str, Any]], source: str = "<events>") -> History:
    """A history from decoded events, structural faults kept as violations (for tests and mutations)."""
    h = History(source)
    for n, d in enumerate(events, 1):
        add_event(h, d, n, strict=False)
    return h


def read_file(path: str | Path) -> History:
    """Parse a history file strictly (BadInput naming file, line and field on the first bad line)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read: {exc.strerror or exc}", file=p) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BadInput(f"not UTF-8 ({exc.reason})", file=p, line=line) from None
    del data
    return parse_lines(text.split("\n"), str(p))
