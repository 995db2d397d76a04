"""One TLC run of a trace spec over a batch of traces, and what its printed lines say.

The trace spec reports through ``PrintT`` (unframed stdout even with ``-tool``), one value per line:
``<<"tv-reach", t, l>>`` when trace ``t`` first reaches event index ``l``; ``<<"tv-inv", t, l, name>>``
when a state matching events ``1..l-1`` violates a spec invariant (it is pruned, like any constraint);
``<<"tv-frontier", t, record>>`` (diagnosis runs) for each state reachable before the failing event.
Nothing else is needed from TLC, so this works the same on TLC 2.15 and 1.8.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracecheck.errors import BadInput
from tracecheck.tla.proc import run_streaming
from tracecheck.tla.tlcresult import bracket_depth
from tracecheck.tla.tools import find_jar, find_java, private_tmpdir
from tracecheck.tla.values import parse_value

_FRAME = re.compile(r"^@!@!@(START|END)MSG (\d+)(?::(\d+))? @!@!@$")
_DISTINCT = re.compile(r"(\d[\d,]*) distinct states found")
_TLC_ERROR_CLASS = "1"


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


class _PrintCollector:
    """Joins PrintT values that TLC wrapped over several lines and dispatches them by tag."""

    def __init__(self, outcome: TlcOutcome, on_reach: Callable[[int, int], None] | None):
        self.outcome = outcome
        self.on_reach = on_reach
        self.pending: list[str] = []
        self.depth = 0  # nesting of framed -tool messages

    def line(self, raw: str) -> None:
        text = raw.rstrip("\n")
        frame = _FRAME.match(text)
        if frame:
            self.depth += 1 if frame.group(1) == "START" else -1
            return
        if self.pending:
            self.pending.append(text)
        elif text.startswith('<<"tv-'):
            self.pending = [text]
        else:
            return
        joined = "\n".join(self.pending)
        if bracket_depth(joined) <= 0:
            self.pending = []
            self._dispatch(joined)

    def _dispatch(self, text: str) -> None:
        try:
            value = parse_value(text)
        except BadInput:
            return
        tag, t = value[0], value[1]
        if tag == "tv-reach":
            level = value[2]
            if level > self.outcome.reached.get(t, 0):
                self.outcome.reached[t] = level
                if self.on_reach:
                    self.on_reach(t, level)
        elif tag == "tv-inv":
            self.outcome.invariant_failures.append((t, value[2], value[3]))
        elif tag == "tv-frontier":
            self.outcome.frontier.setdefault(t, []).append(_plain(value[2]))


def _plain(value: Any) -> Any:
    """Records/functions -> dicts, recursively, for comparison and JSON."""
    if hasattr(value, "items") and not isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, frozenset):
        return sorted((_plain(v) for v in value), key=repr)
    return value


def _error_text(output: str) -> str:
    """The text of TLC's error-class messages (parse errors, evaluation errors)."""
    sany = re.search(r"\*\*\* Errors?:.*?\n(.*?)(?:\n\s*\n\s*\n|\Z)", output, re.S)
    if sany is None:
        sany = re.search(r"\*\*\*\s*Parse Error\s*\*\*\*(.*?)(?:\n\s*\n|\Z)", output, re.S)
    if sany:  # SANY prints its own text unframed, before TLC's generic "parsing failed" message
        return " ".join(x.strip() for x in sany.group(1).splitlines() if x.strip())[:2000]
    lines, keep, depth_kept = [], False, 0
    for raw in output.splitlines():
        frame = _FRAME.match(raw)
        if frame:
            if frame.group(1) == "START":
                if frame.group(3) == _TLC_ERROR_CLASS and not keep:
                    keep, depth_kept = True, 1
                elif keep:
                    depth_kept += 1
            elif keep:
                depth_kept -= 1
                keep = depth_kept > 0
            continue
        if keep and raw.strip():
            lines.append(raw.strip())
    text = " ".join(lines) or output.strip().splitlines()[-1:] and output.strip().splitlines()[-1] or ""
    return text[:2000]


def run_trace_tlc(
    spec_folder: Path,
    module: str,
    work: Path,
    *,
    timeout: float | None = None,
    on_reach: Callable[[int, int], None] | None = None,
    heap: str | None = None,
) -> TlcOutcome:
    """Run TLC on ``module`` (found in ``spec_folder``) with the generated data module in ``work``."""
    argv = [
        str(find_java()),
        "-XX:+UseParallelGC",
        "-Xss16m",
        *private_tmpdir(work),
        *([f"-Xmx{heap}"] if heap else []),
        f"-DTLA-Library={spec_folder}",
        "-cp",
        str(find_jar()),
        "tlc2.TLC",
        "-tool",
        "-workers",
        "1",
        "-deadlock",  # a matched trace ends in a state without successors: not an error here
        "-metadir",
        str(work / "states"),
        "-config",
        f"{module}.cfg",
        module,
    ]
    outcome = TlcOutcome("ok")
    collector = _PrintCollector(outcome, on_reach)
    proc = run_streaming(argv, cwd=work, timeout=timeout, on_line=collector.line)
    outcome.output = proc.stdout + proc.stderr
    outcome.seconds = proc.duration_s
    found = _DISTINCT.findall(proc.stdout)
    if found:
        outcome.distinct_states = int(found[-1].replace(",", ""))
    if proc.timed_out:
        outcome.status, outcome.message = "timeout", f"TLC timed out after {timeout:g} s"
    elif proc.returncode != 0:
        outcome.status = "error"
        outcome.message = f"TLC exit code {proc.returncode}: {_error_text(outcome.output)}"
    return outcome
