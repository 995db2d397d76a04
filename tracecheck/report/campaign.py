"""A campaign's output folder: its traces and ``verdicts.json``; the index page links a report per seed.

``verdicts.json`` (written by whatever ran the campaign) is ``{"runs": [{"seed": 7, "trace":
"seed-7.ndjson", "status": "accepted" | "rejected" | "error", "message": "..."}, ...]}``; ``trace`` is
relative to the folder and ``message`` optional. The index shows these recorded verdicts; the reports it
links are drawn from the traces themselves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracecheck.errors import BadInput
from tracecheck.report.page import Section, esc, render_page

VERDICTS_FILE = "verdicts.json"
STATUSES = ("accepted", "rejected", "error")


@dataclass(frozen=True)
class Run:
    seed: int
    trace: Path  # absolute
    status: str
    message: str


def load_campaign(folder: Path) -> list[Run]:
    path = folder / VERDICTS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput(f"a campaign folder needs {VERDICTS_FILE}: {exc.strerror or exc}", file=path) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"malformed JSON: {exc}", file=path) from None
    runs = data.get("runs") if isinstance(data, dict) else None
    if not isinstance(runs, list):
        raise BadInput("expected an object with a list 'runs'", file=path, field="runs")
    return [_run(folder, path, k, r) for k, r in enumerate(runs)]


def _run(folder: Path, path: Path, k: int, r: Any) -> Run:
    where = f"runs[{k}]"
    if not isinstance(r, dict):
        raise BadInput("expected an object", file=path, field=where)
    seed, trace, status, message = r.get("seed"), r.get("trace"), r.get("status"), r.get("message", "")
    if type(seed) is not int:
        raise BadInput(f"expected an integer, got {json.dumps(seed)}", file=path, field=f"{where}.seed")
    if not isinstance(trace, str) or not (folder / trace).is_file():
        raise BadInput(f"no such trace in the folder: {json.dumps(trace)}", file=path, field=f"{where}.trace")
    if status not in STATUSES:
        raise BadInput(
            f"expected one of {', '.join(STATUSES)}, got {json.dumps(status)}",
            file=path,
            field=f"{where}.status",
        )
    if not isinstance(message, str):
        raise BadInput("expected a string", file=path, field=f"{where}.message")
    return Run(seed, folder / trace, status, message)


def index_html(folder: Path, runs: list[Run], links: dict[Path, str]) -> str:
    """The index: one row per seed, its recorded verdict and a link to its report (``links``: trace ->
    relative href)."""
    counts = ", ".join(f"{sum(r.status == s for r in runs)} {s}" for s in STATUSES)
    rows = "".join(
        f'<tr data-seed="{r.seed}" data-status="{esc(r.status)}"><td>{r.seed}</td>'
        f'<td class="verdict-{esc(r.status)}">{esc(r.status)}</td>'
        f'<td><a href="{esc(links[r.trace])}">{esc(r.trace.name)}</a></td><td>{esc(r.message)}</td></tr>'
        for r in sorted(runs, key=lambda r: r.seed)
    )
    side = (
        f'<p class="counts">{len(runs)} runs: {counts}</p><table class="campaign"><tr><th>seed</th>'
        f"<th>verdict</th><th>report</th><th>message</th></tr>{rows}</table>"
    )
    return render_page(f"campaign {folder.name}", [Section(str(folder), None, side, "campaign")])
