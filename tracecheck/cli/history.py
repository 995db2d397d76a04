"""``tracecheck history check HISTORY...``: the fast Python checker of CCF's client guarantees.

Exit codes: 0 the guarantees hold (a documented read-only linearizability violation is reported but does
not fail, unless ``--strict-reads``), 1 a violation, 2 bad input (file and line), 3 internal error.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.markup import escape

from tracecheck.cli.common import EXIT_OK, EXIT_VIOLATION, handle_errors, out_console, output_path
from tracecheck.errors import BadInput, TracecheckError
from tracecheck.history.check import check_file
from tracecheck.history.report import HistoryReport


@click.group("history")
def history() -> None:
    """Client histories: check CCF's consistency guarantees on long histories."""


@history.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="HISTORY...")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per history, one a line.")
@click.option("--strict-reads", is_flag=True, help="Fail on read-only linearizability violations too.")
@click.option(
    "--html",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write an HTML report of the (one) HISTORY, its violations' evidence highlighted.",
)
@handle_errors
def check(paths: tuple[Path, ...], as_json: bool, strict_reads: bool, html: Path | None = None) -> int:
    """Check each HISTORY (ndjson) against CCF's guarantees, naming each violated property."""
    html = output_path(html, "--html")
    if html is not None and len(paths) != 1:
        raise BadInput(f"--html writes one history's report: {len(paths)} histories given", field="--html")
    reports = []
    for path in paths:
        try:
            reports.append(check_file(path, strict_reads=strict_reads))
        except (TracecheckError, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # a bug of ours, not of the input: exit 3 with one line
            raise TracecheckError(f"internal error: {type(exc).__name__}: {exc}", file=path) from exc
    if html is not None:
        from tracecheck.report import write_history_report

        evidence = [(v.property, list(v.lines)) for v in reports[0].violations]
        write_history_report(paths[0], evidence, html)
    for report in reports:
        if as_json:
            click.echo(json.dumps(report.to_json()))
        else:
            _print(report)
    return EXIT_OK if all(r.ok for r in reports) else EXIT_VIOLATION


def _print(report: HistoryReport) -> None:
    console = out_console()
    failing, documented = report.failing(), report.documented()
    head = "[green]ok[/]" if report.ok else "[red]violated[/]"
    console.print(f"{head}: {escape(report.source)} ({report.events:,} events)")
    for v in failing:
        console.print(f"  {escape(v.describe())}")
    for v in documented:
        console.print(f"  [yellow]documented[/] {escape(v.describe())}")
