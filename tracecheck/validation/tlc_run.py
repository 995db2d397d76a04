"""One TLC run of a trace spec over a batch of traces, and what its printed lines say (the PrintT protocol).

The trace spec reports through ``PrintT`` (unframed stdout even with ``-tool``), one value per line:
``<<"tv-reach", t, l>>`` when trace ``t`` first reaches event index ``l``; ``<<"tv-inv", t, l, name>>``
when a state matching events ``1..l-1`` violates a spec invariant (it is pruned, like any constraint);
``<<"tv-frontier", t, record>>`` (diagnosis runs) for each state reachable before the failing event.
The command line, the framing and SANY's report are :mod:`tracecheck.tla`'s; only the protocol is here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracecheck.tla.proc import run_streaming
from tracecheck.tla.tlc import tlc_command
from tracecheck.tla.tlcresult import parse_tlc_output

_REACH = '<<"tv-reach"'
_MESSAGE_LIMIT = 2000  # characters of TLC's error text kept in a verdict


@dataclass
class TlcOutcome:
    status: str  # ok | timeout | error
    message: str = ""
    reached: dict[int, int] = field(default_factory=dict)
    frontier: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    invariant_failures: list[tuple[int, int, str]] = field(default_factory=list)
    distinct_states: int | None = None
    seconds: float = 0.0
    output: str = ""


def _plain(value: Any) -> Any:
    """Records/functions -> dicts, recursively, for comparison and JSON."""
    if hasattr(value, "items") and not isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, frozenset):
        return sorted((_plain(v) for v in value), key=repr)
    return value


def read_protocol(values: list[Any], outcome: TlcOutcome) -> None:
    """Fill ``outcome`` from the values the trace spec printed (other printed values are ignored)."""
    for value in values:
        if not (isinstance(value, tuple) and len(value) >= 3 and str(value[0]).startswith("tv-")):
            continue
        tag, t = value[0], value[1]
        if tag == "tv-reach":
            outcome.reached[t] = max(outcome.reached.get(t, 0), value[2])
        elif tag == "tv-inv" and len(value) == 4:
            outcome.invariant_failures.append((t, value[2], value[3]))
        elif tag == "tv-frontier":
            outcome.frontier.setdefault(t, []).append(_plain(value[2]))


def _reach_watcher(on_reach: Callable[[int, int], None]) -> Callable[[str], None]:
    """Progress while TLC runs: reach lines are short, so one stdout line is one value."""
    best: dict[int, int] = {}

    def line(text: str) -> None:
        if text.startswith(_REACH):
            t, _, level = text.strip()[len(_REACH) :].strip(" ,>").partition(",")
            try:
                tt, ll = int(t), int(level)
            except ValueError:
                return
            if ll > best.get(tt, 0):
                best[tt] = ll
                on_reach(tt, ll)

    return line


def run_trace_tlc(
    spec_folder: Path,
    module: str,
    work: Path,
    *,
    timeout: float | None = None,
    on_reach: Callable[[int, int], None] | None = None,
    heap: str | None = None,
) -> TlcOutcome:
    """Run TLC on ``module`` (found in ``spec_folder``) with the generated data module and cfg in ``work``."""
    argv = tlc_command(
        work / f"{module}.tla",  # TLC runs in ``work``; the module itself is found on the library path
        work / f"{module}.cfg",
        work / "states",
        heap=heap,
        jvm_opts=("-Xss16m",),
        deadlock_check=False,  # a matched trace ends in a state without successors: not an error here
        library_paths=(spec_folder,),
        tmpdir_parent=work,
    )
    watcher = _reach_watcher(on_reach) if on_reach else None
    proc = run_streaming(argv, cwd=work, timeout=timeout, on_line=watcher)
    result = parse_tlc_output(proc.stdout, returncode=proc.returncode, stderr=proc.stderr,
                              timed_out=proc.timed_out, cwd=spec_folder)  # fmt: skip
    outcome = TlcOutcome("ok", distinct_states=result.distinct_states, seconds=proc.duration_s,
                         output=result.output)  # fmt: skip
    read_protocol(result.printed_values(), outcome)
    if proc.timed_out:
        outcome.status, outcome.message = "timeout", f"TLC timed out after {timeout:g} s"
    elif proc.returncode != 0 or result.status not in ("ok", "deadlock"):
        outcome.status = "error"
        errors = " ".join(result.errors) or f"TLC reported {result.status.replace('_', ' ')}"
        outcome.message = f"TLC exit code {proc.returncode}: {errors}"[:_MESSAGE_LIMIT]
    return outcome
