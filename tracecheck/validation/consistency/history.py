"""Reading one-key client histories (ndjson, pyccf.formats.history) strictly, before anything reaches TLC.

Every defect is one :class:`~tracecheck.errors.BadInput` naming file, line and field. A history whose
``observed`` is an object (several keys) is refused: the spec models CCF's one-key application.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyccf.formats.history import REQUESTS, RESPONSES, EventType, Field, HistoryStatus
from tracecheck.errors import BadInput

#: The record the spec appends for an event without a TxID, request id or status.
NO_TX_ID = (0, 0)
NO_TX = -1
#: Request ids index a sequence in the generated module, so they must stay this small.
MAX_TX = 1_000_000


@dataclass(frozen=True)
class HistoryEvent:
    """One history line, with the fields the spec's event record has (neutral values where absent)."""

    line: int
    text: str
    type: EventType
    tx: int
    client: str
    tx_id: tuple[int, int]
    observed: tuple[int, ...]
    status: str

    @property
    def cmd(self) -> str:
        return ""

    def summary(self) -> str:
        parts = [self.type.value, f"client={self.client}"]
        if self.tx != NO_TX:
            parts.append(f"tx={self.tx}")
        if self.tx_id != NO_TX_ID:
            parts.append(f"tx_id={self.tx_id[0]}.{self.tx_id[1]}")
        if self.type in RESPONSES:
            parts.append(f"observed={list(self.observed)}")
        if self.status:
            parts.append(self.status)
        return " ".join(parts)

    def fields(self) -> dict[str, Any]:
        return {"event": self.type.value, "client": self.client, "tx": self.tx, "tx_id": list(self.tx_id),
                "observed": list(self.observed), "status": self.status}  # fmt: skip

    def record(self) -> dict[str, Any]:
        """The TLA+ record (ConsistencyEvents.Ev)."""
        return {"type": self.type.value, "tx": self.tx, "client": self.client, "tx_id": self.tx_id,
                "observed": self.observed, "status": self.status}  # fmt: skip


@dataclass(frozen=True)
class History:
    path: Path
    events: tuple[HistoryEvent, ...]

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def clients(self) -> frozenset[str]:
        return frozenset(e.client for e in self.events)


def _bad(path: Path, line: int, message: str, field: str | None = None) -> BadInput:
    return BadInput(message, file=path, line=line, field=field)


def _nat(path: Path, line: int, obj: dict[str, Any], name: str) -> int:
    value = obj.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _bad(path, line, f"expected a natural number, got {value!r}", name)
    return value


def _tx_id(path: Path, line: int, obj: dict[str, Any]) -> tuple[int, int]:
    value: Any = obj.get(Field.TX_ID)
    ok = isinstance(value, list) and len(value) == 2
    if not ok or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in value):
        raise _bad(path, line, f"expected [view, seqno] of positive integers, got {value!r}", Field.TX_ID)
    return (value[0], value[1])


def _observed(path: Path, line: int, obj: dict[str, Any]) -> tuple[int, ...]:
    value = obj.get(Field.OBSERVED)
    if isinstance(value, dict):
        keys = sorted(value)[:5]
        message = f"a multi-key history (observed has keys {keys}): the consistency spec replays one-key "
        raise _bad(path, line, message + "histories only (observed a plain list)", Field.OBSERVED)
    if not isinstance(value, list) or any(
        isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in value
    ):
        raise _bad(path, line, f"expected a list of request ids, got {value!r}", Field.OBSERVED)
    return tuple(value)


def parse_event(path: Path, line: int, text: str) -> HistoryEvent:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad(path, line, f"not JSON: {exc.msg} (column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise _bad(path, line, f"expected a JSON object, got {type(obj).__name__}")
    try:
        kind = EventType(str(obj.get(Field.TYPE)))
    except ValueError:
        known = ", ".join(e.value for e in EventType)
        raise _bad(
            path, line, f"unknown event type {obj.get(Field.TYPE)!r} (known: {known})", Field.TYPE
        ) from None
    client = obj.get(Field.CLIENT)
    if isinstance(client, bool) or not isinstance(client, str | int):
        raise _bad(path, line, f"expected a client name, got {client!r}", Field.CLIENT)
    tx = _nat(path, line, obj, Field.TX) if kind in REQUESTS | RESPONSES else NO_TX
    if tx > MAX_TX:
        raise _bad(path, line, f"request id {tx} is above {MAX_TX} (ids are numbered from 0)", Field.TX)
    tx_id = (
        _tx_id(path, line, obj)
        if kind is not EventType.RW_REQUEST and kind is not EventType.RO_REQUEST
        else NO_TX_ID
    )
    observed = _observed(path, line, obj) if kind in RESPONSES else ()
    status = ""
    if kind is EventType.STATUS:
        try:
            status = HistoryStatus(str(obj.get(Field.STATUS))).value
        except ValueError:
            known = ", ".join(s.value for s in HistoryStatus)
            raise _bad(path, line, f"unknown status {obj.get(Field.STATUS)!r} (known: {known})",
                       Field.STATUS) from None  # fmt: skip
    return HistoryEvent(line, text, kind, tx, str(client), tx_id, observed, status)


def load_history(path: Path) -> History:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read history: {exc}", file=path) from None
    events = tuple(parse_event(path, k, text) for k, text in enumerate(lines, start=1) if text.strip())
    if not events:
        raise BadInput("empty history: no events", file=path)
    return History(path, events)
