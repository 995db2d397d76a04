"""Shrinking one failing seed, as its own Dask task: the seed's batch reports at once, and a long shrink
(TLC rounds) runs beside the other batches instead of holding its batch's records back.

The task re-simulates the seed (the simulator is deterministic, so this is the seed's exact run) and
returns one ``shrink`` results line that completes the seed's record when it lands. A rejected trace is
shrunk by ``ddmin_batched``: each ddmin round's candidates are validated together, in one call of the
validation engine per worker of the cluster (so one JVM per worker serves the whole round, and the
rounds of a campaign's last shrink use every worker), with the same 1-minimal result as one TLC run per
candidate.
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

from pyccf.campaign.results import SHRINK, SeedVerdict
from pyccf.campaign.settings import ONE_TLC_RUN, SeedSettings, one_core_per_worker
from pyccf.sim.commands import Command
from pyccf.sim.parsing import parse_line
from pyccf.sim.shrink import ddmin_batched
from pyccf.sim.simulate import SimulationResult, Verdict, run_lines, shrink, simulate

#: Simulator verdicts as campaign verdicts.
SIM_VERDICTS = {
    Verdict.SAFETY: SeedVerdict.SAFETY,
    Verdict.ASSERTION: SeedVerdict.ASSERTION,
    Verdict.CRASH: SeedVerdict.CRASH,
    Verdict.LIVENESS: SeedVerdict.LIVENESS,
}


def needs_shrink(result: SimulationResult, verdict: SeedVerdict) -> bool:
    """Whether a failing seed has something to shrink: a simulator failure, or a rejected trace."""
    failure = result.run.failure
    sim = failure is not None and verdict is SIM_VERDICTS.get(failure.kind)
    return sim or verdict is SeedVerdict.REJECTED


@one_core_per_worker()
def shrink_seed(record: dict[str, Any], settings: SeedSettings) -> dict[str, Any]:
    """The ``shrink`` line of a failing seed's record (its ``seed``, ``verdict`` and ``kind``). Runs in a
    worker process."""
    seed, verdict, kind = int(record["seed"]), SeedVerdict(record["verdict"]), str(record["kind"])
    result = simulate(seed, steps=settings.steps, nodes=settings.nodes, bugs=settings.bugs,
                      name=f"seed_{seed}", ccf_version=settings.ccf_version)  # fmt: skip
    start = time.perf_counter()
    workers: set[str] = set()
    text, runs, rounds = _shrink(result, verdict, kind, settings, workers)
    return {
        "record": SHRINK,
        "seed": seed,
        "shrunk": text,
        "shrink_runs": runs,
        "shrink_rounds": rounds,
        "shrink_seconds": round(time.perf_counter() - start, 3),
        "shrink_worker": _here(),
        "shrink_validated_on": sorted(workers),  # the workers that validated its TLC rounds
    }


def _shrink(
    result: SimulationResult, verdict: SeedVerdict, kind: str, settings: SeedSettings, workers: set[str]
) -> tuple[str, int, int]:
    """The shrunk scenario's text, the candidates run and the TLC rounds (one validation call each): by
    the simulator's check for a simulation failure, by TLC (the same first rejected event kind) for a
    rejected trace."""
    failure = result.run.failure
    head = [line for line in result.text.splitlines() if line.startswith("#")]
    rounds = 0
    if failure is not None and verdict is SIM_VERDICTS.get(failure.kind):
        lines, runs, exhausted = shrink(
            result.generated, failure, bugs=settings.bugs, max_tests=settings.shrink_budget,
            ccf_version=settings.ccf_version,
        )  # fmt: skip
    elif verdict is SeedVerdict.REJECTED:
        lines, runs, rounds, exhausted = _shrink_by_tlc(result, kind, settings, workers)
    else:
        return result.text, 0, 0
    note = " (budget exhausted: may not be 1-minimal)" if exhausted else ""
    top = [f"# shrunk from seed_{result.seed} ({len(result.generated)} -> {len(lines)} lines){note}", *head]
    return "\n".join(top + lines) + "\n", runs, rounds


def _shrink_by_tlc(
    result: SimulationResult, kind: str, settings: SeedSettings, workers: set[str]
) -> tuple[list[str], int, int, bool]:
    def rejected_all(candidates: list[list[Command]]) -> list[bool]:
        """Each candidate's trace rejected at an event of ``kind``, the round's traces in one validation
        call per worker of the cluster."""
        traces: dict[int, str] = {}
        for i, candidate in enumerate(candidates):
            run = run_lines(candidate, bugs=settings.bugs, traced=True, check_rules=True,
                            ccf_version=settings.ccf_version)  # fmt: skip
            if run.failure is None or run.failure.kind is not Verdict.INVALID:
                traces[i] = run.trace
        judged = _judge_round(traces, kind, settings, workers)
        return [judged.get(i, False) for i in range(len(candidates))]

    commands = [parse_line(line) for line in result.generated]
    shrunk = ddmin_batched(commands, rejected_all, max_batches=settings.tlc_shrink_budget)
    return [c.text for c in shrunk.items], shrunk.tests, shrunk.batches, shrunk.exhausted


def _judge_round(
    traces: dict[int, str], kind: str, settings: SeedSettings, workers: set[str]
) -> dict[int, bool]:
    """One round's verdicts. On a Dask worker the round is split over the cluster's threads (one
    validation call, so one JVM, each), so that one seed's shrink, often a campaign's last work, does not
    run on one core while the others idle."""
    try:
        from distributed import get_client, get_worker, rejoin, secede

        get_worker()
        client = get_client()
        threads = sum(client.nthreads().values())
    except (ImportError, ValueError):
        threads = 1
    groups = _groups(traces, threads)
    if len(groups) <= 1:
        found, worker = judge(traces, kind, settings)
        workers.add(worker)
        return found
    # submitted before this task secedes, so the thread it frees goes to one of the groups
    futures = [client.submit(judge, g, kind, settings, pure=False, priority=2) for g in groups]
    secede()
    try:
        parts = client.gather(futures)
    finally:
        rejoin()
    out: dict[int, bool] = {}
    for found, worker in parts:
        out.update(found)
        workers.add(worker)
    return out


def _groups(traces: dict[int, str], n: int) -> list[dict[int, str]]:
    """``traces`` in at most ``n`` groups of similar total length (longest first)."""
    groups: list[dict[int, str]] = [{} for _ in range(max(1, min(n, len(traces))))]
    sizes = [0] * len(groups)
    for i in sorted(traces, key=lambda k: -len(traces[k])):
        g = sizes.index(min(sizes))
        groups[g][i] = traces[i]
        sizes[g] += len(traces[i])
    return [g for g in groups if g]


@one_core_per_worker()
def judge(traces: dict[int, str], kind: str, settings: SeedSettings) -> tuple[dict[int, bool], str]:
    """Whether each trace is rejected at an event of ``kind``, all in one validation call; and where it
    ran (``host:pid``)."""
    from tracecheck.errors import TracecheckError
    from tracecheck.validation.engine import validate
    from tracecheck.validation.raft.adapter import RaftAdapter

    adapter = RaftAdapter(settings.ccf_version)
    found = dict.fromkeys(traces, False)
    loaded: list[Any] = []
    index: list[int] = []
    with tempfile.TemporaryDirectory(prefix="pyccf-shrink-") as tmp:
        for i, text in traces.items():
            path = Path(tmp) / f"candidate_{i}.ndjson"
            path.write_text(text, encoding="utf-8")
            try:
                loaded.append(adapter.load(path))
            except TracecheckError:  # e.g. an empty trace: not the same failure
                continue
            index.append(i)
        try:
            verdicts = (
                validate(loaded, adapter=adapter, jobs=1, diagnose=False, max_events=ONE_TLC_RUN)
                if loaded
                else []
            )
        except TracecheckError:
            verdicts = []
    for i, v in zip(index, verdicts, strict=False):
        found[i] = v.status == "rejected" and v.failing is not None and rejected_event(v) == kind
    return found, _here()


def _here() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def rejected_event(verdict: Any) -> str:
    """The kind of a rejected trace's first unmatched event (the raft trace's ``function``)."""
    return str(verdict.failing.fields().get("event", "")) if verdict.failing is not None else ""
