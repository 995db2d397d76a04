"""The one HTML page every report is: a template next to this module, plotly.js embedded once.

A report must open with no network access (it is attached to CI runs and bug reports), so the chart
library goes inline; each figure is a plotly ``<div>`` and the tables beside it are plain HTML with
``data-*`` hooks that tests and readers can query.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import Any

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from tracecheck.errors import BadInput

EVENTS_OPEN = 200  # a longer event table starts folded: laying out 10,000 rows doubles the render time


@dataclass(frozen=True)
class Section:
    """One report of the page: a heading, its chart (or none) and the HTML beside it."""

    title: str
    figure: go.Figure | None
    side: str  # HTML: verdict, comparisons, event table
    anchor: str


def esc(value: Any) -> str:
    return html.escape(value if isinstance(value, str) else json.dumps(value, default=str), quote=True)


@cache
def _template() -> Template:
    return Template(files("tracecheck.report").joinpath("page.html").read_text(encoding="utf-8"))


# After drawing, the chart states what it drew: the lanes of its first y axis as rendered (tests and the
# benchmark read these from the browser's DOM) and the milliseconds from page start to drawn.
_POST_SCRIPT = """
var gd = document.getElementById('{plot_id}');
var ticks = gd.querySelectorAll('.subplot.xy .yaxislayer-above .ytick text');
gd.setAttribute('data-rendered-lanes', Array.from(ticks, function (t) { return t.textContent; }).join(' '));
gd.setAttribute('data-render-ms', Math.round(performance.now()));
"""


def figure_div(fig: go.Figure, div_id: str) -> str:
    """The figure as a ``<div>`` and the script drawing it (plotly.js itself is in the page head)."""
    config = {"displaylogo": False, "responsive": True}
    return str(
        fig.to_html(
            include_plotlyjs=False, full_html=False, div_id=div_id, config=config, post_script=_POST_SCRIPT
        )
    )


def render_page(title: str, sections: Sequence[Section], *, plotly_src: str | None = None) -> str:
    """The page; plotly.js inline, or from ``plotly_src`` (a campaign's pages share one copy beside them)."""
    body = []
    for s in sections:
        chart = figure_div(s.figure, f"chart-{s.anchor}") if s.figure is not None else ""
        body.append(
            f'<section class="report" id="{esc(s.anchor)}"><h2>{esc(s.title)}</h2>'
            f'<div class="chart">{chart}</div><div class="side">{s.side}</div></section>'
        )
    script = ""
    if any(s.figure is not None for s in sections):
        script = (
            f'<script src="{esc(plotly_src)}"></script>'
            if plotly_src
            else f"<script>{get_plotlyjs()}</script>"
        )
    return _template().substitute(title=esc(title), plotly=script, body="\n".join(body))


def write_page(out: Path, text: str) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot write the report: {exc.strerror or exc}", file=out, field="--html") from None
