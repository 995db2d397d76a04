"""Compare two raft_trace ndjson files event by event, ignoring fields that only say when/where.

``h_ts`` (a logical clock), ``thread_id``, ``file`` and ``number`` (source positions) differ between CCF
and pyccf by construction; everything else must be equal. Both files are read by the validator's strict
reader, so a file that diffs cleanly is also one that ``tracecheck validate`` can read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracecheck.validation.raft.trace import load_trace as load_checked_trace

IGNORED_FIELDS = frozenset({"h_ts", "thread_id", "file", "number"})


@dataclass(frozen=True)
class TraceDifference:
    """The first difference: 1-based event number in each file, the field path, and both values."""

    line_a: int
    line_b: int
    path: str
    value_a: Any
    value_b: Any

    def describe(self) -> str:
        return (
            f"event {self.line_a} (A) vs {self.line_b} (B) differ at {self.path}: "
            f"{json.dumps(self.value_a, sort_keys=True)} != {json.dumps(self.value_b, sort_keys=True)}"
        )


_MISSING = "<missing>"


def load_trace(path: Path) -> list[dict[str, Any]]:
    """The events of a checked trace as logged, minus the ignored fields; TraceFormatError on bad input."""
    events = []
    for e in load_checked_trace(path).events:
        obj = json.loads(e.text)
        events.append({k: v for k, v in obj.items() if k not in IGNORED_FIELDS})
    return events


def _first_diff(a: Any, b: Any, path: str) -> tuple[str, Any, Any] | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            sub = _first_diff(a.get(k, _MISSING), b.get(k, _MISSING), f"{path}.{k}" if path else k)
            if sub is not None:
                return sub
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            sub = _first_diff(x, y, f"{path}[{i}]")
            if sub is not None:
                return sub
        return None
    if a != b or type(a) is not type(b):
        return path, a, b
    return None


def diff_events(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> TraceDifference | None:
    """First difference between two event lists (a missing event shows as ``<end of trace>``)."""
    for i in range(max(len(a), len(b))):
        if i >= len(a) or i >= len(b):
            return TraceDifference(
                i + 1,
                i + 1,
                "<event>",
                a[i] if i < len(a) else "<end of trace>",
                b[i] if i < len(b) else "<end of trace>",
            )
        d = _first_diff(a[i], b[i], "")
        if d is not None:
            return TraceDifference(i + 1, i + 1, *d)
    return None


def diff_files(a: Path, b: Path) -> TraceDifference | None:
    return diff_events(load_trace(a), load_trace(b))
