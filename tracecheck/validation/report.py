"""Rendering validation verdicts: a JSON-ready dict (the single source), and human text from it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tracecheck.validation.engine import Verdict
from tracecheck.validation.raft.trace import TraceEvent

TIMELINE_TAIL = 25  # events of the matched prefix shown in human output


def _event_dict(e: TraceEvent) -> dict[str, Any]:
    return {
        "line": e.line,
        "h_ts": e.h_ts,
        "event": str(e.function),
        "node": e.node,
        "cmd": e.cmd,
        "summary": e.summary(),
    }


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


def report_dict(verdicts: Sequence[Verdict]) -> dict[str, Any]:
    counts = {s: sum(v.status == s for v in verdicts) for s in ("accepted", "rejected", "error")}
    return {"summary": {"traces": len(verdicts), **counts}, "traces": [verdict_dict(v) for v in verdicts]}


def report_json(verdicts: Sequence[Verdict]) -> str:
    return json.dumps(report_dict(verdicts), indent=2, default=str)


def _fmt(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str) if not isinstance(value, str) else value


def report_text(verdicts: Sequence[Verdict]) -> str:
    lines: list[str] = []
    for v in verdicts:
        d = verdict_dict(v)
        head = f"{d['status'].upper():8} {v.trace.path}  ({d['matched']}/{d['events']} events"
        head += f", {d['seconds']:.1f} s"
        head += f", {v.distinct_states} states)" if v.distinct_states is not None else ")"
        lines.append(head)
        if v.status == "error":
            lines.append(f"  {v.message}")
        if v.status != "rejected" or v.failing is None:
            continue
        f = d["failing_event"]
        lines.append(f"  first event no behaviour of the spec matches: line {f['line']} (h_ts {f['h_ts']})")
        lines.append(f"    {f['summary']}")
        lines.append(f"    caused by command: {d['cmd'] or '(none logged)'}")
        if v.invariant_violations:
            prev = v.trace.events[v.matched - 1] if v.matched else None
            after = f"line {prev.line} ({prev.function})" if prev is not None else "the start"
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
    lines.append(
        f"{s['traces']} trace(s): {s['accepted']} accepted, {s['rejected']} rejected, {s['error']} error(s)"
    )
    return "\n".join(x for x in lines if x != "")
