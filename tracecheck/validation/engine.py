"""Trace validation: is each implementation trace a behaviour of the spec? Which event is the first that no
behaviour can match, and what did the spec's states look like just before it?

Several traces share one TLC run (a variable ``t`` of the trace spec picks the trace), so JVM start-up is
paid per batch, not per trace; batches run in parallel JVMs. The trace spec prints one line per newly
reached event index (``TraceReach``), so a single exhaustive run tells, for every trace of the batch, how
far its longest matching behaviour got. Rejected traces get a second, diagnosis run over the prefix up to
the failing event, which prints the observable spec state of every candidate state before it.

The engine knows nothing of a trace format: an :class:`~tracecheck.validation.adapter.Adapter` reads the
traces, writes the data module and compares a failing event with the spec's states.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracecheck.errors import BadInput
from tracecheck.tla.specs import spec_folder
from tracecheck.tla.tlc import override_constants
from tracecheck.validation.adapter import Adapter, Comparison, Trace, TraceEvent
from tracecheck.validation.jobs import Jobs
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
class Batch:
    """One TLC run's share of the work: its traces and the distinct states it explored (for all of them)."""

    traces: int
    distinct_states: int | None
    seconds: float


@dataclass
class Verdict:
    trace: Trace  # the adapter's
    status: str  # accepted | rejected | error
    matched: int = 0  # events matched (the longest matching prefix), the first event included
    failing: TraceEvent | None = None  # the first event no behaviour matches (rejected traces)
    candidates: list[Candidate] = field(default_factory=list)
    invariant_violations: list[str] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0  # this trace's share of its batch's run time (by event count)
    batch: Batch | None = None  # the TLC run that decided this verdict (None: not run)

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"

    @property
    def failing_index(self) -> int:
        """0-based index of the failing event in ``trace.events`` (every event before it matched)."""
        return self.matched

    @property
    def distinct_states(self) -> int | None:
        """Distinct states of this trace's own run: known only when the trace had its batch to itself."""
        return self.batch.distinct_states if self.batch is not None and self.batch.traces == 1 else None


@dataclass(frozen=True)
class TraceSpec:
    """A spec folder with its trace spec ``Trace<Name>.tla`` and config ``Trace<Name>.cfg``."""

    folder: Path
    module: str

    @property
    def cfg(self) -> Path:
        return self.folder / f"{self.module}.cfg"


def default_adapter() -> Adapter:
    """The raft adapter, for callers that name none (imported here only, so the engine stays generic)."""
    from tracecheck.validation.raft.adapter import RaftAdapter

    return RaftAdapter()


def find_trace_spec(spec: str | Path, data_module_name: str = "TraceData") -> TraceSpec:
    """``consensus`` (a folder under specs/) or a path to a folder or to its Trace*.tla."""
    path = Path(spec)
    if path.suffix == ".tla":
        return TraceSpec(path.resolve().parent, path.stem)
    folder = path if path.is_dir() else spec_folder(str(spec))
    found = sorted(p for p in folder.glob("Trace*.tla") if not p.stem.startswith(data_module_name))
    if len(found) != 1:
        raise BadInput(
            f"expected one Trace*.tla in {folder}, found {[p.name for p in found]}", field="--spec"
        )
    return TraceSpec(folder.resolve(), found[0].stem)


#: The most events one TLC run gets by default, so that a large trace set spreads over the jobs.
MAX_BATCH_EVENTS = 4000


def plan_batches(traces: Sequence[Any], jobs: int, max_events: int = MAX_BATCH_EVENTS) -> list[list[int]]:
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


def validate_paths(
    paths: Sequence[Path | str], *, adapter: Adapter | None = None, **kwargs: Any
) -> list[Verdict]:
    """Load (and check) every trace first, so bad input fails before any TLC run."""
    adapter = adapter or default_adapter()
    return validate([adapter.load(Path(p)) for p in paths], adapter=adapter, **kwargs)


@dataclass(frozen=True)
class _Run:
    """What every TLC run of one validate() call shares."""

    adapter: Adapter
    tspec: TraceSpec
    jobs: Jobs
    timeout: float | None
    invariants: bool
    progress: Progress | None


def validate(
    traces: Sequence[Any],
    *,
    adapter: Adapter | None = None,
    spec: str | Path | None = None,
    jobs: int = 2,
    timeout: float | None = None,
    invariants: bool = True,
    diagnose: bool = True,
    progress: Progress | None = None,
    max_events: int = MAX_BATCH_EVENTS,
) -> list[Verdict]:
    """Validate every trace; returns one verdict per trace, in order.

    ``max_events``: the most events one TLC run gets (see :func:`plan_batches`); a caller with one job
    and traces it has batched itself (a campaign worker) gives more, so one JVM start serves them all.

    An interruption (Ctrl-C, a SIGTERM the CLI turned into an exception) stops every TLC run and
    propagates; no JVM and no work folder outlives this call.
    """
    adapter = adapter or default_adapter()
    tspec = find_trace_spec(spec if spec is not None else adapter.default_spec, adapter.data_module_name)
    run = _Run(adapter, tspec, Jobs(jobs, "validate"), timeout, invariants, progress)
    verdicts: dict[int, Verdict] = {}
    batches = plan_batches(traces, jobs, max_events)
    for batch, found in zip(batches, run.jobs.map(lambda b: _run_batch(run, [traces[k] for k in b]), batches),
                            strict=True):  # fmt: skip
        verdicts.update(zip(batch, found, strict=True))
    rejected = [k for k in sorted(verdicts) if verdicts[k].status == "rejected"]
    if diagnose and rejected:
        groups = [[rejected[i] for i in g] for g in plan_batches([traces[k] for k in rejected], jobs)]
        run.jobs.map(lambda g: _diagnose(run, [verdicts[k] for k in g]), groups)
    return [verdicts[k] for k in range(len(traces))]


def _write_workdir(run: _Run, work: Path, traces: Sequence[Any], prefixes: Sequence[int | None] | None,
                   diag: bool) -> None:  # fmt: skip
    text = run.adapter.data_module(traces, prefixes)
    flags = (
        f"TraceDiagnose == {'TRUE' if diag else 'FALSE'}\n"
        f"TraceCheckInvariants == {'TRUE' if run.invariants else 'FALSE'}\n"
    )
    end = text.rindex("====")  # the module's closing line: the flags go just before it
    (work / f"{run.adapter.data_module_name}.tla").write_text(text[:end] + flags + text[end:])
    cfg = run.tspec.cfg.read_text()
    (work / run.tspec.cfg.name).write_text(override_constants(cfg, run.adapter.constants()))


def _run_batch(run: _Run, traces: list[Any]) -> list[Verdict]:
    progress = run.progress

    def on_reach(t: int, level: int) -> None:
        if progress:
            trace = traces[t - 1]
            progress(trace.path, min(level - 1, len(trace.events)), len(trace.events))

    with run.jobs.workdir() as work:
        _write_workdir(run, work, traces, None, False)
        outcome = run_trace_tlc(
            run.tspec.folder, run.tspec.module, work, timeout=run.timeout, on_reach=on_reach
        )
    if outcome.status != "ok" and len(traces) > 1:
        # One trace's failure (a TLC error, a timeout) must not take the others with it: split.
        return [v for tr in traces for v in _run_batch(run, [tr])]
    batch = Batch(len(traces), outcome.distinct_states, outcome.seconds)
    total_events = sum(len(x.events) for x in traces)
    verdicts = []
    for t, trace in enumerate(traces, start=1):
        v = _verdict(run.adapter, trace, outcome, t)
        v.batch = batch
        v.seconds = outcome.seconds * len(trace.events) / total_events if total_events else outcome.seconds
        verdicts.append(v)
    return verdicts


def _verdict(adapter: Adapter, trace: Any, outcome: TlcOutcome, t: int) -> Verdict:
    n = len(trace.events)
    if outcome.status != "ok":
        return Verdict(trace, "error", message=outcome.message)
    reached = outcome.reached.get(t, 0)
    if reached == 0:
        return Verdict(trace, "rejected", matched=0, failing=trace.events[0],
                       message=adapter.no_initial_state(trace))  # fmt: skip
    if reached > n:
        return Verdict(trace, "accepted", matched=n)
    failing = trace.events[reached - 1]
    invs = sorted({name for (tt, level, name) in outcome.invariant_failures if tt == t and level == reached})
    message = f"line {failing.line}: no behaviour of the spec matches this {_kind(failing)} event"
    if invs:
        message += f" (states before it violate {', '.join(invs)})"
    return Verdict(trace, "rejected", matched=reached - 1, failing=failing, invariant_violations=invs,
                   message=message)  # fmt: skip


def _kind(event: Any) -> str:
    return str(event.fields().get("event", "")) or "logged"


def _diagnose(run: _Run, verdicts: list[Verdict]) -> None:
    """Re-run the rejected traces cut at their failing event and collect the states reachable before it."""
    traces = [v.trace for v in verdicts]
    prefixes: list[int | None] = [v.matched + 1 for v in verdicts]
    with run.jobs.workdir() as work:
        _write_workdir(run, work, traces, prefixes, True)
        outcome = run_trace_tlc(run.tspec.folder, run.tspec.module, work, timeout=run.timeout)
    if outcome.status != "ok":
        for v in verdicts:
            v.message += f" (diagnosis run failed: {outcome.message})"
        return
    for t, v in enumerate(verdicts, start=1):
        assert v.failing is not None
        # TLC evaluates constraints on every generated state, so a state reached twice prints twice
        unique = {json.dumps(obs, sort_keys=True, default=str): obs for obs in outcome.frontier.get(t, [])}
        v.candidates = [Candidate(obs, run.adapter.compare(v.failing, obs)) for obs in unique.values()]
