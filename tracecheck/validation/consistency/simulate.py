"""Histories from the spec's own random walks (specs/consistency/SIMConsistency), as history ndjson files.

Every history the spec produces satisfies CCF's guarantees, so the trace spec and the Python history
checker must accept each one: the cross-check between them starts here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pyccf.formats.history import REQUESTS, RESPONSES, EventType, Field
from tracecheck.errors import ToolFailed
from tracecheck.tla.proc import scratch_folder
from tracecheck.tla.specs import spec_folder
from tracecheck.tla.tlc import override_constants, run_tlc


def history_lines(history: Any) -> list[dict[str, Any]]:
    """A printed spec history (a tuple of records) as history events, without the neutral fields."""
    events = []
    for record in history:
        kind = EventType(record["type"])
        event: dict[str, Any] = {Field.TYPE.value: kind.value, Field.CLIENT.value: str(record["client"])}
        if kind in REQUESTS | RESPONSES:
            event[Field.TX.value] = record["tx"]
        if kind not in REQUESTS:
            event[Field.TX_ID.value] = list(record["tx_id"])
        if kind in RESPONSES:
            event[Field.OBSERVED.value] = list(record["observed"])
        if kind is EventType.STATUS:
            event[Field.STATUS.value] = record["status"]
        events.append(event)
    return events


def simulate_histories(
    num: int, seed: int, *, depth: int = 60, timeout: float | None = 600, history_limit: int | None = None
) -> list[list[dict]]:
    """The distinct histories of ``num`` random walks (those that reach the cfg's HistoryLimit, or
    ``history_limit`` events)."""
    folder = spec_folder("consistency")
    cfg = folder / "SIMConsistency.cfg"
    with scratch_folder("simulate") as scratch:
        if history_limit is not None:
            text = override_constants(cfg.read_text(encoding="utf-8"), {"HistoryLimit": str(history_limit)})
            cfg = scratch / cfg.name
            cfg.write_text(text, encoding="utf-8")
        result = run_tlc(folder / "SIMConsistency.tla", cfg, simulate=True, num=num, depth=depth, seed=seed,
                         deadlock_check=False, timeout=timeout)  # fmt: skip
    if result.status != "ok":
        raise ToolFailed(
            f"simulation failed: {result.status} {result.violated or ''} {' '.join(result.errors)}"
        )
    seen: dict[str, list[dict]] = {}
    for value in result.printed_values():
        if isinstance(value, tuple) and len(value) == 2 and value[0] == "sim-history":
            lines = history_lines(value[1])
            seen.setdefault(json.dumps(lines), lines)
    return list(seen.values())


def write_histories(histories: list[list[dict]], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, events in enumerate(histories):
        path = folder / f"sim-{k:05d}.ndjson"
        path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
        paths.append(path)
    return paths
