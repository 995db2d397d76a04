"""Reading one-key client histories (ndjson, pyccf.formats.history) strictly, before anything reaches TLC.

The lines are read by the checker's reader (:mod:`tracecheck.history.events`, where every field is
checked); here only what the spec asks more. Every defect is one :class:`~tracecheck.errors.BadInput`
naming file, line and field. A history whose ``observed`` is an object (several keys) is refused: the
spec models CCF's one-key application.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyccf.formats.history import RESPONSES, SINGLE_KEY, EventType, Field
from tracecheck.errors import BadInput
from tracecheck.history import events as columns

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


def _events(path: Path, lines: list[str], h: columns.History) -> tuple[HistoryEvent, ...]:
    """The spec's records of ``h`` (read by the shared reader), with what only the spec asks: a client on
    every event, request ids up to MAX_TX, positive TxIDs, one key."""
    out = []
    for i, line in enumerate(h.line):
        kind, tx, tx_id, client = h.kind[i], h.tx[i], h.txid[i], h.client[i]
        if client is None:
            raise _bad(path, line, f"expected a client name, got {client!r}", Field.CLIENT)
        if tx > MAX_TX:
            raise _bad(path, line, f"request id {tx} is above {MAX_TX} (ids are numbered from 0)", Field.TX)
        if tx_id is not None and (tx_id[0] < 1 or tx_id[1] < 1):
            message = f"expected [view, seqno] of positive integers, got {list(tx_id)!r}"
            raise _bad(path, line, message, Field.TX_ID)
        obs = h.observed[i]
        if obs is not None and i == h.first_keyed:
            keys = sorted(obs)[:5]
            message = f"a multi-key history (observed has keys {keys}): the consistency spec replays one-key "
            raise _bad(path, line, message + "histories only (observed a plain list)", Field.OBSERVED)
        status = columns.STATUS_NAME[h.status[i]] if kind == columns.STATUS else ""
        out.append(HistoryEvent(
            line, lines[line - 1], EventType(columns.TYPE_NAME[kind]), tx if tx >= 0 else NO_TX,
            str(client), tx_id if tx_id is not None else NO_TX_ID,
            tuple(obs[SINGLE_KEY]) if obs is not None else (), status,
        ))  # fmt: skip
    return tuple(out)


def parse_lines(path: Path, lines: list[str]) -> tuple[HistoryEvent, ...]:
    """The records of ``lines``; the first defect, in line order, is the error (the shared reader's or
    the spec's own). A response without its request is left to TLC, which rejects it where it occurs."""
    return columns.parse_with_rules(path, lines, lambda h: _events(path, lines, h))


def load_history(path: Path) -> History:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read history: {exc}", file=path) from None
    events = parse_lines(path, lines)
    if not events:
        raise BadInput("empty history: no events", file=path)
    return History(path, events)
