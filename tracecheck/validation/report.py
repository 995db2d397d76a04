"""Rendering validation verdicts: a JSON-ready dict (the single source), and human text from it.

TLC explores one state space per batch of traces, so its state count belongs to the batch: a trace that
shared its run reports the batch's figure as such (``batch``), never as its own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tracecheck.validation.engine import Verdict

TIMELINE_TAIL = 25  # events of the matched prefix shown in human output


def _event_dict(e: Any) -> dict[str, Any]:
    return {"line": e.line, **e.fields(), "cmd": e.cmd, "summary": e.summary()}


def _cmd_of(verdict: Verdict) -> str:
    """The scenario command that caused the failing event: the last non-empty cmd up to it."""
    if verdict.failing is None:
        return ""
    for e in reversed(verdict.trace.events[: verdict.failing_index + 1]):
        if e.cmd:
            return e.cmd
    return ""


def verdict_dict(v: Verdict) -> dict[str, Any]:
    out: dict[str, Any] = {
        "trace": str(v.trace.path),
        "status": v.status,
        "events": len(v.trace.events),
        "matched": v.matched,
        "seconds": round(v.seconds, 3),
        "distinct_states": v.distinct_states,
        "batch": None
        if v.batch is None
        else {
            "traces": v.batch.traces,
            "distinct_states": v.batch.distinct_states,
            "seconds": round(v.batch.seconds, 3),
        },  # fmt: skip
        "message": v.message,
    }
    if v.status == "rejected" and v.failing is not None:
        out["failing_event"] = {**_event_dict(v.failing), "text": v.failing.text}
        out["cmd"] = _cmd_of(v)
        out["invariant_violations"] = v.invariant_violations
        out["candidates"] = [
            {"observed": c.observed, "comparison": [x.as_dict() for x in c.comparisons]} for c in v.candidates
        ]
        out["matched_prefix"] = [_event_dict(e) for e in v.trace.events[: v.matched]]
    return out


def report_dict(verdicts: Sequence[Verdict], wall_seconds: float | None = None) -> dict[str, Any]:
    counts = {s: sum(v.status == s for v in verdicts) for s in ("accepted", "rejected", "error")}
    out: dict[str, Any] = {"summary": {"traces": len(verdicts), **counts}}
    if wall_seconds is not None:
        out["seconds"] = round(wall_seconds, 3)  # wall time of the whole run
    out["traces"] = [verdict_dict(v) for v in verdicts]
    return out


def report_json(verdicts: Sequence[Verdict], wall_seconds: float | None = None) -> str:
    return json.dumps(report_dict(verdicts, wall_seconds), indent=2, default=str)


def _states(v: Verdict) -> str:
    """``, 57 states`` for a trace with a run of its own; the batch's figure, said so, otherwise."""
    if v.batch is None or v.batch.distinct_states is None:
        return ""
    if v.batch.traces == 1:
        return f", {v.batch.distinct_states:,} states"
    return f", {v.batch.distinct_states:,} states in a batch of {v.batch.traces} traces"


def _fmt(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str) if not isinstance(value, str) else value


def report_text(verdicts: Sequence[Verdict], wall_seconds: float | None = None) -> str:
    lines: list[str] = []
    for v in verdicts:
        d = verdict_dict(v)
        head = f"{d['status'].upper():8} {v.trace.path}  ({d['matched']}/{d['events']} events"
        head += f", {d['seconds']:.1f} s{_states(v)})"
        lines.append(head)
        if v.status == "error":
            lines.append(f"  {v.message}")
        if v.status != "rejected" or v.failing is None:
            continue
        f = d["failing_event"]
        first = next(iter(v.failing.fields().items()), None)  # e.g. a timestamp of the log
        where = f" ({first[0]} {first[1]})" if first else ""
        lines.append(f"  first event no behaviour of the spec matches: line {f['line']}{where}")
        lines.append(f"    {f['summary']}")
        lines.append(f"    caused by command: {d['cmd'] or '(none logged)'}")
        if v.invariant_violations:
            prev = v.trace.events[v.matched - 1] if v.matched else None
            kind = (prev.fields().get("event") or prev.summary()) if prev is not None else ""
            after = f"line {prev.line} ({kind})" if prev is not None else "the start"
            lines.append(
                f"    safety: the spec states after {after} violate "
                f"{', '.join(v.invariant_violations)}; those states were pruned, so what follows compares "
                "only the branches that kept the invariants"
            )
        if not v.candidates:
            lines.append(f"  {v.message}" if not v.matched else "  no candidate states were collected")
        for k, c in enumerate(v.candidates, start=1):
            diff = c.mismatches
            lines.append(
                f"  spec state {k} of {len(v.candidates)} before it: "
                f"{len(diff)} field(s) differ from the event"
                if diff
                else f"  spec state {k} of {len(v.candidates)}: every logged field agrees "
                "(the step itself is not allowed by the spec)"
            )
            for x in diff:
                note = f"   [{x.note}]" if x.note else ""
                lines.append(f"      {x.field:38} logged {_fmt(x.logged):>12}   spec {_fmt(x.spec)}{note}")
        prefix = d["matched_prefix"]
        lines.append(f"  matched prefix ({len(prefix)} events), last {min(len(prefix), TIMELINE_TAIL)}:")
        for e in prefix[-TIMELINE_TAIL:]:
            cmd = f"   <- {e['cmd']}" if e["cmd"] else ""
            lines.append(f"    {e['line']:>5}  {e['summary']}{cmd}")
    s = report_dict(verdicts)["summary"]
    took = f" in {wall_seconds:.1f} s" if wall_seconds is not None else ""
    lines.append(
        f"{s['traces']} trace(s): {s['accepted']} accepted, {s['rejected']} rejected, {s['error']} error(s)"
        f"{took}"
    )
    return "\n".join(x for x in lines if x != "")
