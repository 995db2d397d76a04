"""``tracecheck validate TRACE...``: the click layer over :mod:`tracecheck.validation.engine`.

Exit codes: 0 every trace accepted, 1 some trace rejected, 2 bad input (a malformed trace, an unknown
spec), 3 the tool failed (TLC error or timeout, no Java).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tracecheck.errors import BadInput, TracecheckError
from tracecheck.validation.engine import Verdict
from tracecheck.validation.engine import validate as run_validation
from tracecheck.validation.junit import write_junit
from tracecheck.validation.raft.trace import load_trace
from tracecheck.validation.report import report_json, report_text

EXIT_OK, EXIT_REJECTED, EXIT_BAD_INPUT, EXIT_TOOL = 0, 1, 2, 3


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
def validate(
    traces: tuple[Path, ...],
    spec: str,
    as_json: bool,
    junit: Path | None,
    jobs: int,
    timeout: float | None,
    no_invariants: bool,
) -> None:
    """Check that each CCF-format ndjson TRACE is a behaviour of the spec; report where it diverges."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        loaded = [load_trace(p) for p in traces]
        verdicts = _run(loaded, spec, jobs, timeout, not no_invariants)
    except BadInput as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(EXIT_BAD_INPUT)
    except TracecheckError as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(EXIT_TOOL)
    click.echo(report_json(verdicts) if as_json else report_text(verdicts))
    if junit is not None:
        write_junit(verdicts, junit)
    sys.exit(exit_code(verdicts))


def _run(loaded, spec: str, jobs: int, timeout: float | None, invariants: bool) -> list[Verdict]:
    kwargs = dict(spec=spec, jobs=jobs, timeout=timeout, invariants=invariants)
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
