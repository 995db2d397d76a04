"""One batch of seeds, as a Dask worker runs it: simulate each seed, validate the batch's traces in one
TLC run (one JVM for many traces), and return one finished record per seed at once.

A failing seed's record is marked ``shrink: pending``; its shrink is a task of its own
(pyccf/campaign/shrinking.py), so a long shrink never holds back the batch's other records. Everything a
record needs to be replayed travels in it (the scenario, the command, later the shrunk scenario), so the
client writes the files and a remote worker's disk holds nothing that matters.
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyccf.campaign.results import PENDING, SEED, SeedVerdict
from pyccf.campaign.settings import ONE_TLC_RUN, SeedSettings, one_core_per_worker
from pyccf.campaign.shrinking import SIM_VERDICTS, needs_shrink, rejected_event
from pyccf.sim.simulate import SimulationResult, simulate

_ORDER = list(SeedVerdict)


@one_core_per_worker()
def run_batch(seeds: Sequence[int], settings: SeedSettings) -> list[dict[str, Any]]:
    """The finished records of ``seeds``, in order. Runs in a worker process."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="pyccf-campaign-") as tmp:
        work = Path(tmp)
        sims: list[tuple[SimulationResult, float]] = []
        for seed in seeds:
            start = time.perf_counter()
            sims.append((simulate(seed, steps=settings.steps, nodes=settings.nodes, bugs=settings.bugs,
                                  name=f"seed_{seed}", ccf_version=settings.ccf_version),
                         time.perf_counter() - start))  # fmt: skip
        verdicts = _validate(work, [r for r, _ in sims], settings) if settings.validate else {}
    return [_record(r, t, verdicts.get(r.seed), settings, worker) for r, t in sims]


@dataclass(frozen=True)
class _Unloadable:
    """A trace the validator refused to read (e.g. empty: the run failed before any event)."""

    message: str
    status: str = "error"
    failing: None = None


def _validate(work: Path, results: list[SimulationResult], settings: SeedSettings) -> dict[int, Any]:
    """Every trace of the batch in one validation call: one TLC run serves them all."""
    paths = {}
    for r in results:
        paths[r.seed] = work / f"seed_{r.seed}.ndjson"
        paths[r.seed].write_text(r.run.trace, encoding="utf-8")
    return validate_traces(paths, settings.ccf_version)


def validate_traces(paths: dict[int, Path], ccf_version: str) -> dict[int, tuple[Any, float]]:
    """Seed -> (verdict, its share of the TLC time) of each raft trace, all in one validation call (one
    JVM); a trace the validator cannot load gets an ``error`` verdict naming why."""
    from tracecheck.errors import BadInput
    from tracecheck.validation.engine import validate
    from tracecheck.validation.raft.adapter import RaftAdapter

    adapter = RaftAdapter(ccf_version)
    loaded: list[Any] = []
    seeds: list[int] = []
    out: dict[int, tuple[Any, float]] = {}
    for seed, path in paths.items():
        try:
            loaded.append(adapter.load(path))
            seeds.append(seed)
        except BadInput as exc:
            out[seed] = (_Unloadable(str(exc)), 0.0)
    start = time.perf_counter()
    found = validate(loaded, adapter=adapter, jobs=1, max_events=ONE_TLC_RUN) if loaded else []
    share = (time.perf_counter() - start) / max(1, len(loaded))
    out.update({seed: (v, share) for seed, v in zip(seeds, found, strict=True)})
    return out


def _record(
    result: SimulationResult,
    sim_seconds: float,
    validated: Any,
    settings: SeedSettings,
    worker: str,
) -> dict[str, Any]:
    failure = result.run.failure
    candidates: list[tuple[SeedVerdict, str, str, str]] = []  # verdict, kind, where, message
    if failure is not None:
        where = f"seed_{result.seed}:{failure.line}"
        what = failure.what or str(failure.kind)
        candidates.append((SIM_VERDICTS[failure.kind], what, where, failure.message))
    trace: dict[str, Any] = {"validated": validated is not None}
    tlc_seconds = 0.0
    if validated is not None:
        verdict, tlc_seconds = validated
        trace.update(status=verdict.status, seconds=round(tlc_seconds, 3))
        if verdict.status == "rejected" and verdict.failing is not None:
            event = rejected_event(verdict)
            where = f"seed_{result.seed}.ndjson:{verdict.failing.line}"
            trace.update(line=verdict.failing.line, event=event)
            candidates.append((SeedVerdict.REJECTED, str(event), where, verdict.message))
        elif verdict.status != "accepted":
            candidates.append((SeedVerdict.ERROR, "tlc", f"seed_{result.seed}.ndjson", verdict.message))
    candidates.sort(key=lambda c: _ORDER.index(c[0]))
    verdict_name, kind, where, message = candidates[0] if candidates else (SeedVerdict.OK, "", "", "")
    record: dict[str, Any] = {
        "record": SEED,
        "seed": result.seed,
        "verdict": str(verdict_name),
        "kind": kind,
        "where": where,
        "message": message,
        "lines": result.run.lines_run,
        "events": result.run.events,
        "sim_seconds": round(sim_seconds, 3),
        "trace": trace,
        "seconds": round(sim_seconds + tlc_seconds, 3),
        "worker": worker,
        "scenario": None,
        "shrunk": None,
        "replay": None,
    }
    if verdict_name is not SeedVerdict.OK:
        record["scenario"] = result.text
        record["replay"] = _replay(result.seed, verdict_name, settings)
        if needs_shrink(result, verdict_name):
            record["shrink"] = PENDING  # a shrink task's line completes it
        else:
            record.update(shrunk=result.text, shrink_runs=0, shrink_seconds=0.0)
    return record


def _replay(seed: int, verdict: SeedVerdict, settings: SeedSettings) -> str:
    """The exact command that replays the shrunk failure from the campaign's output folder."""
    name = f"failures/seed_{seed}.min"
    flags = settings.flags()
    if verdict in (SeedVerdict.REJECTED, SeedVerdict.ERROR):
        return (f"pyccf scenario run {name}{flags} --trace-dir failures/replay && "
                f"tracecheck validate failures/replay/seed_{seed}.min.ndjson"
                + (f" --ccf-version {settings.ccf_version}" if "--ccf-version" in flags else ""))  # fmt: skip
    return f"pyccf scenario run {name}{flags}"
