"""HTML reports a person looks at: trace timelines with their verdicts, client histories, campaign indexes.

Every report is one self-contained file (plotly.js inline), so it opens offline, from CI artefacts or mail.
Raft traces and client histories are told apart by their first event; a folder is a campaign.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import cast

from plotly.offline import get_plotlyjs

from tracecheck.errors import BadInput
from tracecheck.report.campaign import VERDICTS_FILE, index_html, load_campaign
from tracecheck.report.history import Evidence, History, history_section, is_history_line, load_history
from tracecheck.report.page import Section, render_page, write_page
from tracecheck.report.raft import trace_section
from tracecheck.validation.engine import Verdict
from tracecheck.validation.raft.trace import Trace, load_trace

#: Validates raft traces (in one batch) and returns their verdicts in order.
PLOTLY_JS = "plotly.min.js"  # a campaign's copy, beside its pages
Validator = Callable[[Sequence[Trace]], Sequence[Verdict]]

__all__ = [
    "Evidence",
    "Validator",
    "history_html",
    "is_history",
    "report_campaign",
    "report_files",
    "traces_html",
    "write_traces_report",
    "write_history_report",
]


def anchor_for(name: str, taken: set[str]) -> str:
    """A unique id made of a file name (ids are the page's hooks for links and tests)."""
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "report"
    anchor, n = base, 1
    while anchor in taken:
        n += 1
        anchor = f"{base}-{n}"
    taken.add(anchor)
    return anchor


def traces_html(
    traces: Sequence[Trace],
    verdicts: Sequence[Verdict | None] | None = None,
    title: str = "tracecheck report",
) -> str:
    """One page with a timeline per trace; ``verdicts`` (same order) adds verdicts and divergences."""
    found = list(verdicts) if verdicts is not None else [None] * len(traces)
    taken: set[str] = set()
    sections = [
        trace_section(t, v, anchor_for(t.path.name, taken)) for t, v in zip(traces, found, strict=True)
    ]
    return render_page(title, sections)


def write_traces_report(verdicts: Sequence[Verdict], out: Path) -> None:
    """What ``validate --html`` calls: the validated traces' page."""
    traces = [v.trace for v in verdicts]
    if not all(isinstance(t, Trace) for t in traces):
        raise BadInput("the HTML report draws raft traces only", field="--html")
    write_page(out, traces_html(cast(list[Trace], traces), verdicts))


def history_html(path: Path | str, evidence: Sequence[Evidence] = ()) -> str:
    """The page of one client history; ``evidence``: (property name, history lines) of each violation."""
    history = load_history(path)
    return render_page(f"history {history.path.name}", [history_section(history, evidence, "history")])


def write_history_report(path: Path | str, evidence: Sequence[Evidence], out: Path) -> None:
    """What ``history check --html`` calls: the history's page, its violations' evidence ringed."""
    write_page(out, history_html(path, evidence))


def is_history(path: Path) -> bool:
    """Whether ``path`` holds a client history (its first non-empty line is a history event)."""
    try:
        with path.open(encoding="utf-8") as f:
            first = next((line for line in f if line.strip()), "")
        return is_history_line(json.loads(first))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False  # the trace loader reports the defect, with its line


def _load(paths: Sequence[Path]) -> list[Trace | History]:
    return [load_history(p) if is_history(p) else load_trace(p) for p in paths]


def _validate(loaded: Sequence[Trace | History], validator: Validator | None) -> dict[int, Verdict]:
    """Every raft trace in one call of ``validator`` (one batch), keyed by the trace's identity."""
    traces = [x for x in loaded if isinstance(x, Trace)]
    verdicts = list(validator(traces)) if validator is not None and traces else []
    return {id(v.trace): v for v in verdicts}


def _page(
    loaded: Sequence[Trace | History],
    verdicts: Mapping[int, Verdict],
    evidence: Mapping[Path, Sequence[Evidence]],
    title: str,
    plotly_src: str | None = None,
) -> str:
    taken: set[str] = set()
    sections: list[Section] = []
    for x in loaded:
        anchor = anchor_for(x.path.name, taken)
        if isinstance(x, Trace):
            sections.append(trace_section(x, verdicts.get(id(x)), anchor))
        else:
            sections.append(history_section(x, evidence.get(x.path, ()), anchor))
    return render_page(title, sections, plotly_src=plotly_src)


def report_files(
    paths: Sequence[Path],
    out: Path,
    *,
    validator: Validator | None = None,
    evidence: Mapping[Path, Sequence[Evidence]] | None = None,
) -> list[Verdict]:
    """Write one page for raft traces and histories (in the given order); returns the traces' verdicts.

    Every input is read (and checked) before anything is validated or written.
    """
    loaded = _load(paths)
    verdicts = _validate(loaded, validator)
    write_page(out, _page(loaded, verdicts, evidence or {}, "tracecheck report"))
    return list(verdicts.values())


def report_campaign(folder: Path, out: Path, *, validator: Validator | None = None) -> list[Verdict]:
    """The index page ``out`` and, next to it, one report per run (``<out stem>-<trace stem>.html``).

    The runs' raft traces are validated in one batch; the pages share one plotly.js beside them.
    """
    runs = load_campaign(folder)
    if not runs:
        raise BadInput("a campaign without runs", file=folder / VERDICTS_FILE, field="runs")
    loaded = _load([r.trace for r in runs])
    verdicts = _validate(loaded, validator)
    links: dict[Path, str] = {}
    js = out.with_name(PLOTLY_JS)
    write_page(js, get_plotlyjs())
    for run, x in zip(runs, loaded, strict=True):
        page = out.with_name(f"{out.stem}-{run.trace.stem}.html")
        write_page(page, _page([x], verdicts, {}, f"seed {run.seed}: {run.trace.name}", js.name))
        links[run.trace] = page.name
    write_page(out, index_html(folder, runs, links))
    return list(verdicts.values())
