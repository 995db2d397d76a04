"""Trace validation: is each implementation trace a behaviour of the spec? Which event is the first that no
behaviour can match, and what did the spec's states look like just before it?

Several traces share one TLC run (a variable ``t`` of the trace spec picks the trace), so JVM start-up is
paid per batch, not per trace; batches run in parallel JVMs. The trace spec prints one line per newly
reached event index (``TraceReach``), so a single exhaustive run tells, for every trace of the batch, how
far its longest matching behaviour got. Rejected traces get a second, diagnosis run over the prefix up to
the failing event, which prints the observable spec state of every candidate state before it.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracecheck.errors import BadInput
from tracecheck.tla.proc import scratch_dir
from tracecheck.tla.specs import spec_folder
from tracecheck.validation.raft.compare import Comparison, compare
from tracecheck.validation.raft.module import DATA_MODULE, data_module
from tracecheck.validation.raft.trace import Trace, TraceEvent, load_trace
from tracecheck.validation.tlc_run import TlcOutcome, run_trace_tlc

# progress(trace_path, events_matched_so_far, total_events)
Progress = Callable[[Path, int, int], None]


@dataclass
class Candidate:
    """One spec state reachable just before the failing event, compared with what the event logged."""

    observed: dict[str, Any]
    comparisons: list[Comparison]

    @property
    def mismatches(self) -> list[Comparison]:
        return [c for c in self.comparisons if not c.equal]


@dataclass
class Verdict:
    trace: Trace
    status: str  # accepted | rejected | error
    matched: int = 0  # events matched (the longest matching prefix), bootstrap included
    failing: TraceEvent | None = None
    candidates: list[Candidate] = field(default_factory=list)
    invariant_violations: list[str] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0
    distinct_states: int | None = None

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"

    @property
    def failing_index(self) -> int:
        """0-based index of the failing event in ``trace.events`` (every event before it matched)."""
        return self.matched


@dataclass(frozen=True)
class TraceSpec:
    """A spec folder with its trace spec ``Trace<Name>.tla`` and config ``Trace<Name>.cfg``."""

    folder: Path
    module: str

    @property
    def cfg(self) -> Path:
        return self.folder / f"{self.module}.cfg"


def find_trace_spec(spec: str | Path) -> TraceSpec:
    """``consensus`` (a folder under specs/) or a path to a folder or to its Trace*.tla."""
    path = Path(spec)
    if path.suffix == ".tla":
        return TraceSpec(path.resolve().parent, path.stem)
    folder = path if path.is_dir() else spec_folder(str(spec))
    found = sorted(p for p in folder.glob("Trace*.tla") if not p.stem.startswith(DATA_MODULE))
    if len(found) != 1:
        raise BadInput(
            f"expected one Trace*.tla in {folder}, found {[p.name for p in found]}", field="--spec"
        )
    return TraceSpec(folder.resolve(), found[0].stem)


def plan_batches(traces: Sequence[Trace], jobs: int, max_events: int = 4000) -> list[list[int]]:
    """Split trace indices into about ``jobs`` batches of similar total length (longest first).

    A batch is also capped at ``max_events`` so a huge trace set still spreads over the workers.
    """
    order = sorted(range(len(traces)), key=lambda k: -len(traces[k].events))
    total = sum(len(t.events) for t in traces)
    nbatches = max(1, min(len(traces), max(jobs, -(-total // max_events))))
    batches: list[list[int]] = [[] for _ in range(nbatches)]
    sizes = [0] * nbatches
    for k in order:
        b = sizes.index(min(sizes))
        batches[b].append(k)
        sizes[b] += len(traces[k].events)
    return [sorted(b) for b in batches if b]


def validate_paths(paths: Sequence[Path | str], **kwargs: Any) -> list[Verdict]:
    """Load (and check) every trace first, so bad input fails before any TLC run."""
    return validate(
        [load_trace(p) for p in paths],
        **kwargs,
    )


def validate(
    traces: Sequence[Trace],
    *,
    spec: str | Path = "consensus",
    jobs: int = 2,
    timeout: float | None = None,
    invariants: bool = True,
    diagnose: bool = True,
    progress: Progress | None = None,
) -> list[Verdict]:
    """Validate every trace; returns one verdict per trace, in order."""
    tspec = find_trace_spec(spec)
    batches = plan_batches(traces, jobs)
    verdicts: dict[int, Verdict] = {}

    def run(batch: list[int]) -> None:
        for k, v in zip(
            batch, _run_batch(tspec, [traces[k] for k in batch], timeout, invariants, progress), strict=True
        ):
            verdicts[k] = v

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(run, batches))
    rejected = [k for k in sorted(verdicts) if verdicts[k].status == "rejected"]
    if diagnose and rejected:
        groups = [[rejected[i] for i in g] for g in plan_batches([traces[k] for k in rejected], jobs)]
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            list(pool.map(lambda g: _diagnose(tspec, [verdicts[k] for k in g], timeout, invariants), groups))
    return [verdicts[k] for k in range(len(traces))]


def _workdir(
    tspec: TraceSpec, traces: Sequence[Trace], prefixes: Sequence[int] | None, diag: bool, invariants: bool
) -> Path:
    work = scratch_dir("validate")
    text = data_module(traces, prefixes)
    flags = (
        f"TraceDiagnose == {'TRUE' if diag else 'FALSE'}\n"
        f"TraceCheckInvariants == {'TRUE' if invariants else 'FALSE'}\n"
    )
    end = text.rindex("====")  # the module's closing line: the flags go just before it
    (work / f"{DATA_MODULE}.tla").write_text(text[:end] + flags + text[end:])
    shutil.copy(tspec.cfg, work / tspec.cfg.name)
    return work


def _run_batch(
    tspec: TraceSpec,
    traces: list[Trace],
    timeout: float | None,
    invariants: bool,
    progress: Progress | None,
) -> list[Verdict]:
    work = _workdir(tspec, traces, None, False, invariants)
    start = time.monotonic()

    def on_reach(t: int, level: int) -> None:
        if progress:
            trace = traces[t - 1]
            progress(trace.path, min(level - 1, len(trace.events)), len(trace.events))

    try:
        outcome = run_trace_tlc(tspec.folder, tspec.module, work, timeout=timeout, on_reach=on_reach)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    seconds = time.monotonic() - start
    if outcome.status != "ok" and len(traces) > 1:
        # One trace's failure (a TLC error, a timeout) must not take the others with it: split.
        return [v for tr in traces for v in _run_batch(tspec, [tr], timeout, invariants, progress)]
    verdicts = []
    for t, trace in enumerate(traces, start=1):
        v = _verdict(trace, outcome, t)
        v.seconds = (
            seconds if len(traces) == 1 else seconds * len(trace.events) / sum(len(x.events) for x in traces)
        )
        verdicts.append(v)
    return verdicts


def _verdict(trace: Trace, outcome: TlcOutcome, t: int) -> Verdict:
    n = len(trace.events)
    if outcome.status != "ok":
        return Verdict(trace, "error", message=outcome.message, distinct_states=outcome.distinct_states)
    reached = outcome.reached.get(t, 0)
    if reached == 0:
        return Verdict(
            trace,
            "rejected",
            matched=0,
            failing=trace.events[0],
            message=(
                "line 1: no initial state of the spec matches the bootstrap event (the spec starts the "
                "service with InitFrom: a 2-entry start ledger in term 2, one configuration; the event logs "
                f"view={trace.events[0].state['current_view']} last_idx={trace.events[0].state['last_idx']} "
                f"configurations={[c['idx'] for c in trace.events[0].msg.get('configurations', [])]})"
            ),
            distinct_states=outcome.distinct_states,
        )
    if reached > n:
        return Verdict(trace, "accepted", matched=n, distinct_states=outcome.distinct_states)
    failing = trace.events[reached - 1]
    invs = sorted({name for (tt, level, name) in outcome.invariant_failures if tt == t and level == reached})
    message = f"line {failing.line}: no behaviour of the spec matches this {failing.function} event"
    if invs:
        message += f" (states before it violate {', '.join(invs)})"
    return Verdict(
        trace,
        "rejected",
        matched=reached - 1,
        failing=failing,
        invariant_violations=invs,
        message=message,
        distinct_states=outcome.distinct_states,
    )


def _diagnose(tspec: TraceSpec, verdicts: list[Verdict], timeout: float | None, invariants: bool) -> None:
    """Re-run the rejected traces cut at their failing event and collect the states reachable before it."""
    traces = [v.trace for v in verdicts]
    prefixes = [v.matched + 1 for v in verdicts]
    work = _workdir(tspec, traces, prefixes, True, invariants)
    try:
        outcome = run_trace_tlc(tspec.folder, tspec.module, work, timeout=timeout)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if outcome.status != "ok":
        for v in verdicts:
            v.message += f" (diagnosis run failed: {outcome.message})"
        return
    for t, v in enumerate(verdicts, start=1):
        assert v.failing is not None
        # TLC evaluates constraints on every generated state, so a state reached twice prints twice
        unique = {json.dumps(obs, sort_keys=True, default=str): obs for obs in outcome.frontier.get(t, [])}
        v.candidates = [Candidate(obs, compare(v.failing, obs)) for obs in unique.values()]
