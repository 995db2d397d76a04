"""Turning TLC's ``-tool`` output into a :class:`TlcResult`: verdict, statistics, counterexample.

The verdict comes from message codes (see :mod:`tracecheck.tla.tlcout`), falling back to TLC's exit code
only when no deciding message was printed, so output details that differ between TLC 1.8 and 2.x do not
matter. Counterexample values are parsed with :func:`tracecheck.tla.values.parse_value`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracecheck.errors import BadInput
from tracecheck.tla import tlcout as mc
from tracecheck.tla.sany import SanyError, parse_sany_report
from tracecheck.tla.values import Unparsed, parse_value

STATUSES = (
    "ok",
    "invariant_violated",
    "property_violated",
    "deadlock",
    "assumption_failed",
    "parse_error",
    "semantic_error",
    "timeout",
    "tool_error",
)
VIOLATIONS = ("invariant_violated", "property_violated", "deadlock", "assumption_failed")


@dataclass
class TraceStep:
    """One state of a counterexample: its 1-based index, the action that led to it, and the state."""

    index: int
    action: str | None  # None for the initial state
    location: str | None  # "line L, col C to line L2, col C2 of module M", as TLC prints it
    state: dict[str, Any]


@dataclass
class TlcResult:
    """What one TLC run found. ``status`` is one of :data:`STATUSES`."""

    status: str
    violated: str | None = None
    states_generated: int | None = None
    distinct_states: int | None = None
    left_on_queue: int | None = None
    depth: int | None = None
    duration_s: float = 0.0
    trace: list[TraceStep] = field(default_factory=list)
    back_to_state: int | None = None  # liveness lasso: the trace loops back to this 1-based index
    stuttering: bool = False  # liveness: the trace ends in infinite stuttering
    errors: list[str] = field(default_factory=list)
    returncode: int | None = None
    output: str = ""
    printed: list[str] = field(default_factory=list)  # unframed Print/PrintT lines, in order
    sany_errors: list[SanyError] = field(default_factory=list)
    tlc_version: str | None = None
    tlc_duration_s: float | None = None  # TLC's own "Finished in ..." figure (duration_s is wall clock)
    simulate: bool = False
    spec: Path | None = None
    config: Path | None = None
    command: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def printed_values(self) -> list[Any]:
        """``printed`` as values: lines TLC wrapped are joined first; text that is not one value (e.g.
        ``Print(a, b)``'s two values on one line) comes back as :class:`Unparsed`."""
        values: list[Any] = []
        for text in join_wrapped(self.printed):
            try:
                values.append(parse_value(text))
            except BadInput:
                values.append(Unparsed(text))
        return values

    @property
    def violation(self) -> bool:
        """True when TLC found a violation (invariant, property, deadlock, assumption)."""
        return self.status in VIOLATIONS


_STEP_HEAD = re.compile(r"^\s*(\d+): <(.*)>\s*$")
_LOCATION = re.compile(r"^(.*?)\s*(line \d+, col \d+ to line \d+, col \d+ of module \S+)$")
_BACK_TO = re.compile(r"(\d+): Back to state|Back to state:? (\d+)")
_COUNTS = re.compile(
    r"(-?[\d,]+) states generated.*?, (-?[\d,]+) distinct states found.*?, (-?[\d,]+) states left on queue"
)
_PROGRESS_DEPTH = re.compile(r"Progress\((-?\d+)\)")
_SIM_COUNT = re.compile(r"number of states generated: ([\d,]+)")
_DEPTH = re.compile(r"depth of the complete state graph search is (\d+)")
_VERSION = re.compile(r"TLC2 Version (\S+)")
_FINISHED_IN = re.compile(r"Finished in ((?:\d+\s*(?:ms|h|min|s)\s*)+)")
_TIME_UNITS = {"ms": 0.001, "s": 1.0, "min": 60.0, "h": 3600.0}


def _tlc_seconds(text: str) -> float | None:
    """Seconds from TLC's ``Finished in 01min 02s`` / ``651ms`` / ``01h 02min 03s``."""
    match = _FINISHED_IN.search(text)
    if not match:
        return None
    parts = re.findall(r"(\d+)\s*(ms|h|min|s)", match.group(1))
    return round(sum(int(n) * _TIME_UNITS[unit] for n, unit in parts), 3)


_VAR_LINE = re.compile(r"^/\\ ", re.M)
# How an exhausted JVM heap shows (TLC sometimes prints only the exception's message).
_OOM = re.compile(r"OutOfMemoryError|^Java heap space$|GC overhead limit exceeded", re.M)


def _num(text: str) -> int | None:
    n = int(text.replace(",", ""))
    return None if n < 0 else n


def bracket_depth(line: str) -> int:
    """Net count of opened brackets in a printed value (strings skipped; ``|->``, ``:>`` are not brackets)."""
    depth, i, n = 0, 0, len(line)
    while i < n:
        ch = line[i]
        if ch == '"':
            i += 1
            while i < n and line[i] != '"':
                i += 2 if line[i] == "\\" else 1
        elif line.startswith("<<", i) or line.startswith(">>", i):
            depth += 1 if ch == "<" else -1
            i += 1
        elif line.startswith("|->", i) or line.startswith(":>", i):
            i += 2
        elif ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
        i += 1
    return depth


def join_wrapped(lines: list[str]) -> list[str]:
    """Join the lines TLC wrapped (at 80 columns) back into one text per printed value."""
    joined: list[str] = []
    pending: list[str] = []
    depth = 0
    for line in lines:
        pending.append(line)
        depth += bracket_depth(line)
        if depth <= 0:
            joined.append("\n".join(pending))
            pending, depth = [], 0
    if pending:
        joined.append("\n".join(pending))
    return joined


def parse_state(body: str, problems: list[str] | None = None) -> dict[str, Any]:
    """A state as TLC prints it (``/\\ x = 1`` lines, or ``x = 1`` alone) -> {variable: value}.

    A value the grammar cannot read is kept as :class:`Unparsed` text and described in ``problems``
    (if given; else :class:`BadInput` is raised), so one odd value does not lose the whole trace.
    """
    body = body.strip()
    if not body:
        return {}
    parts = _VAR_LINE.split(body)[1:] if body.startswith("/\\") else [body]
    state: dict[str, Any] = {}
    for part in parts:
        name, sep, value = part.partition(" = ")
        if not sep:
            raise BadInput(f"cannot read a state line from TLC: {part.strip()[:80]!r}")
        try:
            state[name.strip()] = parse_value(value)
        except BadInput as exc:
            message = f"cannot read the value TLC printed for {name.strip()}: {exc.message}"
            if problems is None:
                raise BadInput(message, field=name.strip()) from None
            problems.append(message)
            state[name.strip()] = Unparsed(" ".join(value.split()))
    return state


def _step(text: str, fallback_index: int, problems: list[str]) -> TraceStep:
    head, _, body = text.strip("\n").partition("\n")
    match = _STEP_HEAD.match(head)
    if not match:  # a state without a header
        return TraceStep(fallback_index, None, None, parse_state(text, problems))
    index, inner = int(match.group(1)), match.group(2).strip()
    loc = _LOCATION.match(inner)
    name, location = (loc.group(1).strip(), loc.group(2)) if loc else (inner, None)
    action = None if name in ("Initial predicate", "") else name
    return TraceStep(index, action, location, parse_state(body, problems))


#: The keywords that open a section of a TLC config file.
CFG_KEYWORDS = frozenset({
    "CONSTANT", "CONSTANTS", "INIT", "NEXT", "SPECIFICATION", "INVARIANT", "INVARIANTS", "PROPERTY",
    "PROPERTIES", "CONSTRAINT", "CONSTRAINTS", "ACTION_CONSTRAINT", "ACTION_CONSTRAINTS", "SYMMETRY",
    "VIEW", "CHECK_DEADLOCK", "POSTCONDITION", "ALIAS",
})  # fmt: skip


def cfg_tokens(config_text: str) -> list[tuple[int, str]]:
    """The words of a TLC config, each with its line number; comments are left out."""
    text = re.sub(r"\(\*.*?\*\)", lambda m: re.sub(r"[^\n]", " ", m.group()), config_text, flags=re.S)
    text = re.sub(r"\\\*.*", " ", text)
    return [(n, tok) for n, line in enumerate(text.splitlines(), 1) for tok in line.split()]


def cfg_properties(config_text: str) -> list[str]:
    """Names listed under PROPERTY/PROPERTIES in a TLC config (to name a violated temporal property)."""
    names: list[str] = []
    collecting = False
    for _, tok in cfg_tokens(config_text):
        if tok in CFG_KEYWORDS:
            collecting = tok in ("PROPERTY", "PROPERTIES")
        elif collecting:
            names.append(tok)
    return names


_RC_STATUS = {
    0: "ok",
    10: "assumption_failed",
    11: "deadlock",
    12: "invariant_violated",
    13: "property_violated",
    75: "semantic_error",
    150: "parse_error",
    151: "semantic_error",
}


def parse_tlc_output(
    output: str,
    *,
    returncode: int | None,
    stderr: str = "",
    timed_out: bool = False,
    simulate: bool = False,
    properties: list[str] | tuple[str, ...] = (),
    cwd: Path | None = None,
) -> TlcResult:
    """Build a :class:`TlcResult` from the text TLC wrote with ``-tool`` (exposed for tests and replays)."""
    items = mc.split_output(output)
    res = TlcResult(status="", returncode=returncode, output=output + stderr, simulate=simulate)
    res.printed = mc.loose_lines(items, sany=False)
    messages = [m for m in items if isinstance(m, mc.Message)]
    status: str | None = None
    in_trace = False
    last_progress: str | None = None
    problems: list[str] = []

    violation_codes = (
        mc.INVARIANT_VIOLATED_BEHAVIOR, mc.INVARIANT_VIOLATED_INITIAL, mc.ACTION_PROPERTY_VIOLATED,
        mc.TEMPORAL_VIOLATED, mc.DEADLOCK, mc.ASSUMPTION_FALSE, mc.ASSUMPTION_EVAL_ERROR,
    )  # fmt: skip
    for msg in messages:
        code, text = msg.code, msg.text.strip()
        if code in violation_codes and status is not None:
            in_trace = False  # a later violation (-continue): keep only the first counterexample
            res.errors.append(" ".join(text.partition("\n")[0].split()))
            continue
        if code == mc.BANNER and (v := _VERSION.search(text)):
            res.tlc_version = v.group(1)
        elif code == mc.INVARIANT_VIOLATED_BEHAVIOR and status is None:
            status, in_trace = "invariant_violated", True
            res.violated = m.group(1) if (m := re.search(r"Invariant (\S+) is violated", text)) else None
        elif code == mc.INVARIANT_VIOLATED_INITIAL and status is None:
            status = "invariant_violated"
            head, _, body = text.partition("\n")
            res.violated = m.group(1) if (m := re.search(r"Invariant (\S+) is violated", head)) else None
            res.trace.append(TraceStep(1, None, None, parse_state(body, problems)))
        elif code == mc.ACTION_PROPERTY_VIOLATED and status is None:
            status, in_trace = "property_violated", True
            res.violated = m.group(1) if (m := re.search(r"property (\S+) is violated", text)) else None
        elif code == mc.TEMPORAL_VIOLATED and status is None:
            status, in_trace = "property_violated", True
            named = re.search(r"[Tt]emporal property (\S+) (?:is|was) violated", text)
            res.violated = named.group(1) if named else (properties[0] if len(properties) == 1 else None)
        elif code == mc.DEADLOCK and status is None:
            status, in_trace = "deadlock", True
        elif code in (mc.ASSUMPTION_FALSE, mc.ASSUMPTION_EVAL_ERROR) and status is None:
            status = "assumption_failed"
            loc = re.search(r"line \d+, col \d+ to line \d+, col \d+ of module \S+", text)
            res.violated = loc.group(0) if loc else None
        elif code == mc.STATE and in_trace:
            res.trace.append(_step(msg.text, len(res.trace) + 1, problems))
        elif code == mc.STUTTERING and in_trace:
            res.stuttering = True
        elif code == mc.BACK_TO_STATE and in_trace:
            if m := _BACK_TO.search(text):
                res.back_to_state = int(m.group(1) or m.group(2))
        elif code == mc.PARSE_OR_SEMANTIC_FAILED and status is None:
            report = "".join(i.text for i in items if isinstance(i, mc.Loose))
            kind, errors = parse_sany_report(report, cwd=cwd)
            if not errors:  # a TLC that frames SANY's report: look inside the messages
                kind, errors = parse_sany_report("\n\n\n".join(m.all_text() for m in messages), cwd=cwd)
            res.sany_errors = errors
            status = "semantic_error" if kind == "semantic" else "parse_error"
        elif code in mc.CFG_SYNTAX_ERRORS or any(c.code in mc.CFG_SYNTAX_ERRORS for c in msg.walk()):
            status = status or "parse_error"
        elif code == mc.CFG_UNDEFINED_NAME:
            status = status or "semantic_error"
        elif code == mc.METADIR_CLASH:
            status = status or "tool_error"
        elif code in (mc.PROGRESS, mc.SIM_PROGRESS):
            last_progress = text
        elif code == mc.FINAL_COUNTS and (m := _COUNTS.search(text)):
            res.states_generated, res.distinct_states, res.left_on_queue = (_num(g) for g in m.groups())
        elif code == mc.SIM_COUNTS and (m := _SIM_COUNT.search(text)):
            res.states_generated = _num(m.group(1))
        elif code == mc.DEPTH and (m := _DEPTH.search(text)):
            res.depth = int(m.group(1))
        elif code == mc.FINISHED:
            res.tlc_duration_s = _tlc_seconds(text)
        if msg.cls in (mc.CLASS_ERROR, mc.CLASS_BUG) and code not in (
            mc.BEHAVIOR_UP_TO_HERE,
            mc.TEMPORAL_COUNTEREXAMPLE,
        ):
            first = msg.all_text() if code != mc.INVARIANT_VIOLATED_INITIAL else text.partition("\n")[0]
            res.errors.append(" ".join(first.split()))
            if status is None:
                # Evaluation errors (failed Assert, CHOOSE on an empty set, overflow...) are errors in the
                # spec: reported as semantic_error; a TLC bug or a JVM crash is a tool_error.
                bug = msg.cls == mc.CLASS_BUG or _OOM.search(msg.all_text()) is not None
                status = "tool_error" if bug else "semantic_error"

    if last_progress is not None:
        if res.states_generated is None and (m := _COUNTS.search(last_progress)):
            res.states_generated, res.distinct_states, res.left_on_queue = (_num(g) for g in m.groups())
        if res.depth is None and not simulate and (m := _PROGRESS_DEPTH.search(last_progress)):
            res.depth = _num(m.group(1))
    res.errors.extend(str(e) for e in res.sany_errors)
    res.errors.extend(problems)
    # Out of memory is a tool failure wherever it surfaces (a TLC message or the JVM's stderr); text
    # a spec Print-ed is not looked at.
    if _OOM.search(stderr) or any(_OOM.search(m.all_text()) for m in messages):
        status = "tool_error"
        res.errors.append("Java ran out of memory (raise the heap with --heap / heap=)")
    if timed_out:
        status = "timeout"
    elif status is None:
        finished = any(m.code in (mc.SUCCESS, mc.FINISHED) for m in messages)
        status = _RC_STATUS.get(returncode, "tool_error") if returncode is not None else "tool_error"
        if status == "ok" and not finished:
            status = "tool_error"
    if status == "tool_error" and not res.errors:
        tail = [line for line in (stderr or output).splitlines() if line.strip()][-5:]
        res.errors.append(" | ".join(tail) or f"TLC exited with code {returncode} and no message")
    res.status = status
    return res
