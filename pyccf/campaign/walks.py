"""Simulation walks of a TLA+ spec as campaign work: each seed is one ``tracecheck check --simulate`` run
(``num`` random behaviours of at most ``depth`` states, TLC's ``-seed``), so walks spread over the same
scheduler as pyccf's seeds and resume the same way. The spec's folder must be readable by the workers
(the same path: a LocalCluster, or a cluster sharing the checkout).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pyccf.campaign.results import SEED, SeedVerdict
from pyccf.campaign.settings import one_core_per_worker

#: TLC outcomes that are findings of the spec (the rest, but "ok", are tool errors).
_FINDINGS = frozenset({"invariant_violated", "property_violated", "deadlock", "assumption_failed"})


@dataclass(frozen=True)
class WalkSettings:
    spec: str  # absolute path of the .tla
    config: str | None = None  # its .cfg (default: next to the spec)
    depth: int = 100
    num: int = 20
    timeout: float | None = None  # seconds per seed

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def replay(self, seed: int) -> str:
        config = f" --config {self.config}" if self.config else ""
        walks = f"--simulate --depth {self.depth} --num {self.num} --seed {seed}"
        return f"tracecheck check {self.spec}{config} {walks}"


@one_core_per_worker()
def run_walks(seeds: Sequence[int], settings: WalkSettings) -> list[dict[str, Any]]:
    """One finished record per seed: TLC's verdict on its walks. Runs in a worker process."""
    from tracecheck.errors import TracecheckError
    from tracecheck.tla.tlc import run_tlc

    worker = f"{socket.gethostname()}:{os.getpid()}"
    records = []
    for seed in seeds:
        try:
            result = run_tlc(
                Path(settings.spec), settings.config, simulate=True, depth=settings.depth, num=settings.num,
                seed=seed, timeout=settings.timeout,
            )  # fmt: skip
            status, kind, message = result.status, result.violated or result.status, "; ".join(result.errors)
            seconds, states, length = result.duration_s, result.states_generated or 0, len(result.trace)
        except TracecheckError as exc:
            status, kind, message, seconds, states, length = "error", "tlc", str(exc), 0.0, 0, 0
        verdict = (SeedVerdict.OK if status == "ok"
                   else SeedVerdict.VIOLATED if status in _FINDINGS else SeedVerdict.ERROR)  # fmt: skip
        if verdict is SeedVerdict.VIOLATED:
            message = message or f"{kind} violated in a {length}-state behaviour"
        found = verdict is not SeedVerdict.OK
        records.append(
            {
                "record": SEED,
                "seed": seed,
                "verdict": str(verdict),
                "kind": kind if found else "",
                "where": Path(settings.spec).name if found else "",
                "message": message,
                "lines": length,
                "events": states,
                "sim_seconds": round(seconds, 3),
                "trace": {"validated": False},
                "seconds": round(seconds, 3),
                "worker": worker,
                "scenario": None,
                "shrunk": None,
                "replay": settings.replay(seed) if found else None,
            }
        )
    return records
