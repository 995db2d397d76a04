"""``tracecheck validate TRACE...``: the click layer over :mod:`tracecheck.validation.engine`.

Exit codes: 0 every trace accepted, 1 some trace rejected, 2 bad input (a malformed trace, an unknown
spec, an output path that cannot be written), 3 the tool failed (TLC error or timeout, no Java);
130/143 after Ctrl-C/SIGTERM (every TLC run is stopped first).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pyccf.formats.variants import CCF_VERSION_DEFAULT, CCF_VERSIONS
from tracecheck.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_TOOL,
    EXIT_VIOLATION,
    err_console,
    handle_errors,
    output_path,
)
from tracecheck.errors import BadInput
from tracecheck.validation.adapter import Adapter
from tracecheck.validation.consistency.adapter import ConsistencyAdapter
from tracecheck.validation.engine import Verdict
from tracecheck.validation.engine import validate as run_validation
from tracecheck.validation.junit import junit_xml
from tracecheck.validation.raft.adapter import RaftAdapter
from tracecheck.validation.report import report_json, report_text

EXIT_REJECTED = EXIT_VIOLATION


def exit_code(verdicts: list[Verdict]) -> int:
    if any(v.status == "error" for v in verdicts):
        return EXIT_TOOL
    return EXIT_OK if all(v.accepted for v in verdicts) else EXIT_REJECTED


@click.command("validate")
@click.argument("traces", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--spec",
    default="consensus",
    show_default=True,
    help="Spec folder under specs/ (or a path to it or to its Trace*.tla).",
)
@click.option(
    "--ccf-version",
    type=click.Choice(CCF_VERSIONS),
    default=CCF_VERSION_DEFAULT,
    show_default=True,
    help="The CCF behaviour the traces were written with (`pyccf scenario run --ccf-version`): "
    "it sets the spec's Fixes.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--junit", type=click.Path(path_type=Path, dir_okay=False), help="Also write JUnit XML here.")
@click.option(
    "--jobs",
    "-j",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="TLC processes in parallel (each validates a batch of traces).",
)
@click.option("--timeout", type=click.FloatRange(min=1), help="Seconds per TLC run.")
@click.option("--no-invariants", is_flag=True, help="Do not check the spec's invariants in matched states.")
@click.option("--html", type=click.Path(path_type=Path, dir_okay=False), help="Also write an HTML report.")
@click.option(
    "--invariant-sample",
    type=click.IntRange(min=1),
    metavar="N",
    help="Check the ledger-wide invariants in full in about N states per trace instead of per step in "
    "every state.",
)
@handle_errors
def validate(
    traces: tuple[Path, ...],
    spec: str,
    ccf_version: str,
    as_json: bool,
    junit: Path | None,
    jobs: int,
    timeout: float | None,
    no_invariants: bool,
    invariant_sample: int | None,
    html: Path | None = None,
) -> int:
    """Check that each CCF-format ndjson TRACE is a behaviour of the spec; report where it diverges."""
    start = time.monotonic()
    junit = output_path(junit, "--junit")
    html = output_path(html, "--html")
    adapter = _adapter(spec, ccf_version, invariant_sample)
    if html is not None and isinstance(adapter, ConsistencyAdapter):
        raise BadInput("a history's HTML report: tracecheck history check HISTORY --html", field="--html")
    loaded: list[Any] = []
    bad: list[tuple[Path, str]] = []
    for path in traces:
        try:
            loaded.append(adapter.load(path))
        except BadInput as exc:
            bad.append((path, str(exc)))
    if bad:
        for _, message in bad:
            err_console().print(f"[red]error:[/] {escape(message)}")
        if junit is not None:
            ok = {str(t.path) for t in loaded}
            not_run = [p for p in traces if str(p) in ok]
            junit.write_text(junit_xml([], time.monotonic() - start, bad_inputs=bad, not_run=not_run))
        return EXIT_BAD_INPUT
    verdicts = _run(loaded, adapter, spec, jobs, timeout, not no_invariants)
    wall = time.monotonic() - start
    click.echo(report_json(verdicts, wall) if as_json else report_text(verdicts, wall))
    if junit is not None:
        junit.write_text(junit_xml(verdicts, wall), encoding="utf-8")
    if html is not None:
        from tracecheck.report import write_traces_report  # plotly is imported only when asked for

        write_traces_report(verdicts, html)
    return exit_code(verdicts)


def _adapter(spec: str, ccf_version: str, invariant_sample: int | None) -> Adapter:
    """Client histories for the consistency spec, raft traces for any other."""
    if spec == ConsistencyAdapter.default_spec or Path(spec).name in ("consistency", "TraceConsistency.tla"):
        if invariant_sample is not None:
            raise BadInput("--invariant-sample applies to raft traces", field="--invariant-sample")
        return ConsistencyAdapter()
    return RaftAdapter(ccf_version, invariant_sample=invariant_sample)


def _run(
    loaded: Sequence[Any], adapter: Adapter, spec: str, jobs: int, timeout: float | None, invariants: bool
) -> list[Verdict]:
    kwargs: dict[str, Any] = {"adapter": adapter, "spec": spec, "jobs": jobs, "timeout": timeout,
                              "invariants": invariants}  # fmt: skip
    if not sys.stderr.isatty():
        return run_validation(loaded, **kwargs)
    total = sum(len(t.events) for t in loaded)
    columns = (
        TextColumn("validating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("events"),
        TimeElapsedColumn(),
    )
    done: dict[Path, int] = {}
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("validate", total=total)

        def progress(path: Path, matched: int, _events: int) -> None:
            done[path] = max(done.get(path, 0), matched)
            bar.update(task, completed=sum(done.values()))

        return run_validation(loaded, progress=progress, **kwargs)
