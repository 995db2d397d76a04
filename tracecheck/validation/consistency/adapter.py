"""The consistency adapter: client histories explained by specs/consistency/TraceConsistency.tla."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyccf.formats.history import REQUESTS, EventType
from tracecheck.validation.adapter import Comparison
from tracecheck.validation.consistency.history import NO_TX_ID, History, HistoryEvent, load_history
from tracecheck.validation.consistency.module import DATA_MODULE, data_module


def _id(value: Any) -> list[int]:
    return list(value) if value else list(NO_TX_ID)


@dataclass(frozen=True)
class ConsistencyAdapter:
    default_spec: str = "consistency"
    data_module_name: str = DATA_MODULE

    def load(self, path: Path) -> History:
        return load_history(path)

    def data_module(self, traces: Sequence[Any], prefix_lengths: Sequence[int | None] | None) -> str:
        return data_module(traces, prefix_lengths)

    def constants(self) -> Mapping[str, str]:
        return {}

    def compare(self, event: HistoryEvent, observed: dict[str, Any]) -> list[Comparison]:
        """The failing event next to what the spec would answer for its client in one candidate state."""
        kind = observed.get("in_flight", "none")
        if event.type in REQUESTS:
            return [Comparison("in_flight", "none", kind, "a client sends one request at a time")]
        if event.type is EventType.STATUS:
            allowed = sorted(observed.get("statuses", []))
            note = f"the service's commit point is {observed.get('commit')}"
            return [
                Comparison("status", event.status, event.status if event.status in allowed else allowed, note)
            ]
        want = "rw" if event.type is EventType.RW_RESPONSE else "ro"
        out = [Comparison("in_flight", want, kind, "the response's request is in flight")]
        if kind == want:
            out.append(
                Comparison(
                    "tx_id",
                    list(event.tx_id),
                    _id(observed.get("tx_id")),
                    f"session branch {observed.get('session')} of {observed.get('views')}",
                )
            )
            out.append(Comparison("observed", list(event.observed), list(observed.get("observed", []))))
        return out

    def no_initial_state(self, trace: History) -> str:
        first = trace.events[0]
        return f"line {first.line}: no initial state of the spec matches the history's start"
