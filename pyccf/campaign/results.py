"""A campaign's results: one JSON line per finished seed, appended as it arrives, read back to resume.

Two kinds of line (``record``): a ``seed`` line once the seed is simulated and validated, and for a
failing seed whose shrink ran as its own task (``shrink: pending`` in its seed line) a ``shrink`` line
that completes that record. Each is written whole, flushed and synced, so an interrupted campaign never
reports a seed it did not finish, and a resumed one runs only the missing seeds and the missing shrinks;
a line cut short by the interruption is ignored when the file is read back. A seed or shrink that appears
twice (a task retried after its worker died, reported on both) is counted once.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

RESULTS = "results.ndjson"
SETTINGS = "campaign.json"
SEED = "seed"  # a results line that reports a seed (a line without ``record`` is one too)
SHRINK = "shrink"  # a results line that completes a seed's record with its shrunk scenario
PENDING = "pending"  # a seed line's ``shrink`` while its shrink line is not written
DONE = "done"


class SeedVerdict(StrEnum):
    """What one seed found, most severe first (a seed gets the first that applies)."""

    SAFETY = "safety"  # the simulator's commit-safety check failed
    ASSERTION = "assertion"  # another check of the simulator failed
    CRASH = "crash"  # the core raised
    AUDIT = "audit"  # a service run's ledger or receipt failed the offline audit
    CONSISTENCY = "consistency"  # a service run's client history breaks one of CCF's guarantees
    VIOLATED = "violated"  # a spec walk (TLC simulation) violated an invariant or property, or deadlocked
    REJECTED = "rejected"  # TLC: the trace is not a behaviour of the consensus spec
    ERROR = "error"  # TLC could not decide (a tool error or timeout)
    LIVENESS = "liveness"  # the final sync found no leader or could not sync (CCF's known stuck follower)
    OK = "ok"  # simulated with every check holding, trace accepted (or not validated)


FAILING = frozenset(SeedVerdict) - {SeedVerdict.OK}


class ResultsFile:
    """``DIR/results.ndjson``: append finished seeds; read back the ones already done."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / RESULTS

    def done(self) -> dict[int, dict[str, Any]]:
        """The seeds already finished, by seed, shrink lines merged in (``shrink: pending`` where one
        is missing); a torn last line is dropped, and cut off the file."""
        if not self.path.exists():
            return {}
        out: dict[int, dict[str, Any]] = {}
        data = self.path.read_bytes()
        good = 0
        for raw in data.splitlines(keepends=True):
            try:
                record = json.loads(raw)
                seed = int(record["seed"])
            except (ValueError, KeyError, TypeError):
                break  # an interrupted write: everything after it is not a finished seed
            if not raw.endswith(b"\n"):
                break
            if record.get("record", SEED) == SHRINK:
                if seed in out:
                    complete(out[seed], record)
            else:
                out.setdefault(seed, record)
            good += len(raw)
        if good != len(data):
            with self.path.open("r+b") as f:
                f.truncate(good)
        return out

    def append(self, records: Iterable[dict[str, Any]]) -> None:
        with self.path.open("a", encoding="utf-8") as f:
            for record in records:
                f.write(json.dumps(record, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())


def complete(record: dict[str, Any], shrink: dict[str, Any]) -> bool:
    """Merge a ``shrink`` line into its seed's record, unless it is complete already (a retried task)."""
    if record.get("shrink") != PENDING:
        return False
    record.update({k: v for k, v in shrink.items() if k not in ("record", "seed")}, shrink=DONE)
    return True


@dataclass
class Summary:
    """Counts per verdict and per failure kind, throughput and the slowest seeds."""

    seeds: int
    ran: int  # seeds run by this invocation (the rest were resumed)
    wall_seconds: float
    workers: int
    verdicts: dict[str, int]
    kinds: dict[str, int]
    slowest: list[tuple[int, float]]
    traces_validated: int
    failures: list[dict[str, Any]]

    @property
    def ok(self) -> bool:
        return not any(self.verdicts.get(v, 0) for v in FAILING)

    @property
    def seeds_per_s(self) -> float:
        return self.ran / self.wall_seconds if self.wall_seconds > 0 else 0.0

    @property
    def traces_per_s(self) -> float:
        return self.traces_validated / self.wall_seconds if self.wall_seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "seeds": self.seeds,
            "ran": self.ran,
            "resumed": self.seeds - self.ran,
            "wall_seconds": round(self.wall_seconds, 3),
            "workers": self.workers,
            "seeds_per_s": round(self.seeds_per_s, 3),
            "traces_per_s": round(self.traces_per_s, 3),
            "verdicts": self.verdicts,
            "failure_kinds": self.kinds,
            "slowest": [{"seed": s, "seconds": round(t, 3)} for s, t in self.slowest],
            "failures": self.failures,
        }


def summarise(
    records: dict[int, dict[str, Any]], ran: int, wall_seconds: float, workers: int, traces_validated: int
) -> Summary:
    verdicts = Counter(r["verdict"] for r in records.values())
    failed = [r for r in records.values() if r["verdict"] != SeedVerdict.OK]
    kinds = Counter(f"{r['verdict']}: {r['kind']}" for r in failed)
    slowest = sorted(((s, float(r["seconds"])) for s, r in records.items()), key=lambda x: (-x[1], x[0]))[:5]
    failures = [
        {k: r.get(k) for k in ("seed", "verdict", "kind", "where", "message", "replay")}
        for _, r in sorted(records.items())
        if r["verdict"] != SeedVerdict.OK
    ]
    return Summary(
        len(records), ran, wall_seconds, workers, dict(sorted(verdicts.items())), dict(sorted(kinds.items())),
        slowest, traces_validated, failures,
    )  # fmt: skip
