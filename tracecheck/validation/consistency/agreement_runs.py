"""The two agreement runs between the Python history checker and the spec (bench and tests share them).

Run A: histories from the spec's own random walks (several seeds, walk depths and history lengths), on
which the Python checker must find no violation of a guarantee and must judge every property as TLC does.
Run B: seeded mutants of the histories A accepted, on which the verdicts must be equal per property.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyccf.formats.history import RESPONSES, EventType, Field, HistoryStatus
from tracecheck.validation.consistency.agree import Agreement, compare
from tracecheck.validation.consistency.mutate import mutants
from tracecheck.validation.consistency.simulate import simulate_histories

History = list[dict[str, Any]]


@dataclass(frozen=True)
class Walks:
    """One TLC simulation: ``num`` walks of at most ``depth`` steps, histories of ``limit`` events."""

    num: int
    depth: int
    limit: int


#: Walk shapes, cycled with a new seed each: short histories, long ones, deep walks (more elections).
SHAPES = (Walks(2000, 60, 10), Walks(2000, 80, 13), Walks(2000, 100, 16), Walks(2000, 120, 20))


def simulated(
    target: int,
    *,
    seed: int = 0,
    shapes: Sequence[Walks] = SHAPES,
    on_run: Callable[[Walks, int, int], None] | None = None,
) -> list[History]:
    """At least ``target`` distinct histories (fewer only if the shapes stop yielding new ones)."""
    seen: dict[str, History] = {}
    dry = 0
    for k, shape in enumerate(itertools.cycle(shapes)):
        before = len(seen)
        for h in simulate_histories(shape.num, seed + k, depth=shape.depth, history_limit=shape.limit):
            seen.setdefault(json.dumps(h), h)
        if on_run:
            on_run(shape, seed + k, len(seen))
        dry = dry + 1 if len(seen) == before else 0
        if len(seen) >= target or dry >= len(shapes):
            break
    return list(seen.values())


def features(histories: Sequence[History]) -> Counter[str]:
    """How many histories show each situation the guarantees are hard in."""
    out: Counter[str] = Counter()
    for h in histories:
        statuses = {e[Field.STATUS.value] for e in h if e[Field.TYPE.value] == EventType.STATUS.value}
        ids = [tuple(e[Field.TX_ID.value]) for e in h if Field.TX_ID.value in e]
        views = {v for v, _ in ids}
        out["pending or unknown"] += bool(statuses & {HistoryStatus.PENDING, HistoryStatus.UNKNOWN})
        out["committed"] += HistoryStatus.COMMITTED in statuses
        out["invalid (rolled back)"] += HistoryStatus.INVALID in statuses
        out["several views"] += len(views) > 1
        seqnos: dict[int, set[int]] = {}
        for v, s in ids:
            seqnos.setdefault(s, set()).add(v)
        out["seqno reused"] += any(len(vs) > 1 for vs in seqnos.values())
        newest, deposed = 0, False
        for e in h:
            if e[Field.TYPE.value] in {t.value for t in RESPONSES}:
                view = e[Field.TX_ID.value][0]
                deposed |= view < newest
                newest = max(newest, view)
        out["served by a deposed leader"] += deposed
    return out


def run_a(histories: Sequence[History], *, folder: Path | None = None) -> Agreement:
    return compare(histories, folder=folder)


def run_b(
    histories: Sequence[History],
    accepted: Sequence[int],
    count: int,
    *,
    seed: int = 0,
    folder: Path | None = None,
) -> Agreement:
    """``count`` mutants of the accepted histories, compared per property."""
    batch = mutants([histories[k] for k in accepted], count, seed)
    return compare([m for m, _ in batch], [kind for _, kind in batch], folder=folder)
