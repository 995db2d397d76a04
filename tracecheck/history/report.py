"""What the history checker says: violations with minimal evidence, and the report over one history."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Any

from pyccf.formats.history import PROPERTIES

TxId = tuple[int, int]


@dataclass(frozen=True)
class Edge:
    """One edge of a dependency cycle: ``src`` must precede ``dst`` because of ``kind`` (ww, wr, rw,
    session, real-time, txid); transactions are named by request id."""

    src: int
    dst: int
    kind: str
    why: str

    def to_json(self) -> dict[str, Any]:
        return {"from": self.src, "to": self.dst, "kind": self.kind, "why": self.why}


@dataclass(frozen=True)
class Violation:
    """A property the history breaks: the event lines, transactions and TxIDs that show it, and for a
    dependency anomaly the cycle."""

    property: str
    message: str
    lines: tuple[int, ...]
    txs: tuple[int, ...] = ()
    tx_ids: tuple[TxId, ...] = ()
    cycle: tuple[Edge, ...] = ()
    key: str | None = None

    @builtins.property
    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message, "lines": list(self.lines)}
        if self.txs:
            out["txs"] = list(self.txs)
        if self.tx_ids:
            out["tx_ids"] = [list(t) for t in self.tx_ids]
        if self.key is not None:
            out["key"] = self.key
        if self.cycle:
            out["cycle"] = [e.to_json() for e in self.cycle]
        return out

    @builtins.property
    def fails(self) -> bool:
        return PROPERTIES[self.property].fails

    def describe(self) -> str:
        where = ",".join(str(n) for n in self.lines)
        text = f"{self.property} (line {where}): {self.message}"
        if self.cycle:
            text += "; cycle " + " ".join(f"{e.src} -{e.kind}-> {e.dst}" for e in self.cycle)
        return text

    def to_json(self) -> dict[str, Any]:
        return {"property": self.property, "fails": self.fails, **self.evidence}


@dataclass
class HistoryReport:
    """The verdict on one history: every violation found, documented ones (read-only linearizability)
    included; ``ok`` when none that fails does (with ``strict_reads`` every one fails)."""

    source: str
    events: int
    violations: list[Violation] = field(default_factory=list)
    strict_reads: bool = False

    def failing(self) -> list[Violation]:
        return [v for v in self.violations if v.fails or self.strict_reads]

    def documented(self) -> list[Violation]:
        return [v for v in self.violations if not (v.fails or self.strict_reads)]

    @property
    def ok(self) -> bool:
        return not self.failing()

    def violated(self) -> set[str]:
        """The names of the properties violated (documented ones included)."""
        return {v.property for v in self.violations}

    def to_json(self) -> dict[str, Any]:
        return {
            "history": self.source,
            "events": self.events,
            "ok": self.ok,
            "violations": [v.to_json() for v in self.failing()],
            "documented": [v.to_json() for v in self.documented()],
        }
