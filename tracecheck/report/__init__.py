"""HTML reports a person looks at: trace timelines with their verdicts, client histories, campaign indexes.

Every report is one self-contained file (plotly.js inline), so it opens offline, from CI artefacts or mail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tracecheck.report.page import Section, render_page
from tracecheck.report.raft import trace_section
from tracecheck.validation.engine import Verdict
from tracecheck.validation.raft.trace import Trace


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
    sections: list[Section] = [
        trace_section(t, v, anchor_for(t.path.name, taken)) for t, v in zip(traces, found, strict=True)
    ]
    return render_page(title, sections)
