"""``tracecheck report INPUT... --html OUT.html``: the click layer over :mod:`tracecheck.report`.

Inputs are raft traces (validated, unless ``--no-validate``), client histories, or one campaign folder.
The text report of the verdicts goes to stdout as ``validate`` prints it; the exit codes are validate's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from pyccf.formats.variants import CCF_VERSION_DEFAULT, CCF_VERSIONS
from tracecheck.cli.common import EXIT_OK, handle_errors, output_path
from tracecheck.cli.validate import exit_code
from tracecheck.errors import BadInput
from tracecheck.report import Evidence, Validator, is_history, report_campaign, report_files
from tracecheck.validation.engine import Verdict
from tracecheck.validation.engine import validate as run_validation
from tracecheck.validation.raft.adapter import RaftAdapter
from tracecheck.validation.raft.trace import Trace
from tracecheck.validation.report import report_text


def parse_evidence(values: Sequence[str]) -> list[Evidence]:
    """``PROPERTY=LINE,LINE...`` options as (property, lines)."""
    out: list[Evidence] = []
    for value in values:
        prop, sep, lines = value.partition("=")
        try:
            numbers = [int(n) for n in lines.split(",")] if sep and prop else None
        except ValueError:
            numbers = None
        if not numbers:
            raise BadInput(f"expected PROPERTY=LINE,LINE..., got {value!r}", field="--evidence")
        out.append((prop, numbers))
    return out


@click.command("report")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--html",
    "html",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The HTML file to write (a campaign's per-seed pages go beside it).",
)
@click.option("--spec", default="consensus", show_default=True, help="Spec folder validating the traces.")
@click.option(
    "--ccf-version",
    type=click.Choice(CCF_VERSIONS),
    default=CCF_VERSION_DEFAULT,
    show_default=True,
    help="The CCF behaviour the traces were written with.",
)
@click.option("--no-validate", is_flag=True, help="Only draw the traces; no TLC run, no verdicts.")
@click.option(
    "--evidence",
    "evidence",
    multiple=True,
    metavar="PROPERTY=LINE,...",
    help="A violation of the one history given, and the lines showing it (repeatable).",
)
@click.option("--jobs", "-j", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--timeout", type=click.FloatRange(min=1), help="Seconds per TLC run.")
@handle_errors
def report(
    inputs: tuple[Path, ...],
    html: Path,
    spec: str,
    ccf_version: str,
    no_validate: bool,
    evidence: tuple[str, ...],
    jobs: int,
    timeout: float | None,
) -> int:
    """Write one self-contained HTML report of raft TRACEs, client HISTORYs, or a campaign FOLDER."""
    out = output_path(html, "--html")
    assert out is not None
    adapter = RaftAdapter(ccf_version)

    def validator(traces: Sequence[Trace]) -> list[Verdict]:
        return run_validation(traces, adapter=adapter, spec=spec, jobs=jobs, timeout=timeout)

    chosen: Validator | None = None if no_validate else validator
    folders = [p for p in inputs if p.is_dir()]
    if folders and len(inputs) > 1:
        raise BadInput("a campaign folder is reported on its own", file=folders[0])
    missing = [p for p in inputs if not p.exists()]
    if missing:
        raise BadInput("no such file", file=missing[0])
    if folders:
        verdicts = report_campaign(folders[0], out, validator=chosen)
    else:
        histories = [p for p in inputs if is_history(p)]
        marks = parse_evidence(evidence)
        if marks and len(histories) != 1:
            raise BadInput(
                f"--evidence needs exactly one history among the inputs, got {len(histories)}",
                field="--evidence",
            )
        verdicts = report_files(
            list(inputs), out, validator=chosen, evidence={histories[0]: marks} if marks else {}
        )
    if verdicts:
        click.echo(report_text(verdicts))
    click.echo(f"report written to {out}")
    return exit_code(verdicts) if verdicts else EXIT_OK
