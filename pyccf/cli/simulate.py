"""``pyccf simulate``: one seeded random scenario, run, checked, written, and shrunk if it fails.

Exit codes (decided here only): 0 no failure, 1 a failure was found (commit safety, another assertion,
the final sync, or pyccf itself raising; the shrunk scenario's path is printed), 2 bad input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from pyccf.cli.exits import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from pyccf.cli.options import ccf_version_option
from pyccf.consensus.bugs import BUGS
from pyccf.sim.simulate import GeneratorError, SimulationResult, simulate_to_dir


@click.command()
@click.option("--seed", type=click.IntRange(min=0), required=True, help="Seed of the random scenario.")
@click.option(
    "--steps",
    type=click.IntRange(min=1, max=100_000),
    default=100,
    show_default=True,
    help="Random lines to generate (a healing suffix and a loop_until_sync follow).",
)
@click.option(
    "--nodes",
    type=click.IntRange(min=1, max=9),
    default=3,
    show_default=True,
    help="Largest configuration the scenario asks for.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Directory for seed_<N>, seed_<N>.ndjson and, on failure, seed_<N>.min(.ndjson).",
)
@click.option(
    "--bug",
    "bugs",
    multiple=True,
    type=click.Choice(sorted(BUGS)),
    help="Switch on a deliberately seeded bug in the core (repeatable; docs/bugs.md).",
)
@click.option(
    "--shrink-budget",
    type=click.IntRange(min=1),
    default=2000,
    show_default=True,
    help="Most scenario runs spent shrinking a failure.",
)
@ccf_version_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
def simulate(
    seed: int,
    steps: int,
    nodes: int,
    out_dir: Path,
    bugs: tuple[str, ...],
    shrink_budget: int,
    ccf_version: str,
    as_json: bool,
) -> None:
    """Generate a random CCF scenario from SEED and run it, commit safety checked after every line."""
    try:
        result = simulate_to_dir(
            seed,
            out_dir,
            steps=steps,
            nodes=nodes,
            bugs=bugs,
            shrink_budget=shrink_budget,
            ccf_version=ccf_version,
        )
    except OSError as exc:
        click.echo(f"error: --out {out_dir}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except GeneratorError as exc:  # pyccf's own generator misbehaved: a failure, reported without a traceback
        click.echo(f"FAIL: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    if as_json:
        click.echo(json.dumps(_summary(result), sort_keys=True))
    else:
        _print(result)
    sys.exit(EXIT_OK if result.ok else EXIT_FAILED)


def _summary(result: SimulationResult) -> dict[str, object]:
    failure = result.run.failure
    return {
        "seed": result.seed,
        "ok": result.ok,
        "lines": result.run.lines_run,
        "trace_events": result.run.events,
        "failure": None
        if failure is None
        else {
            "kind": failure.kind,
            "line": failure.line,
            "command": failure.command,
            "message": failure.message,
        },
        "shrink_runs": result.shrink_tests,
        "paths": {k: str(v) for k, v in sorted(result.paths.items())},
    }


def _print(result: SimulationResult) -> None:
    failure = result.run.failure
    paths = result.paths
    if failure is None:
        click.echo(
            f"ok: seed {result.seed}: {result.run.lines_run} lines, {result.run.events} trace events, "
            f"commit safety held after every line: {paths['scenario']} (trace {paths['trace']})"
        )
        return
    click.echo(
        f"FAIL: {paths['scenario']}:{failure.line}: {failure.kind}: {failure.command}\n  {failure.message}"
    )
    text = result.shrunk_text or ""
    lines = sum(1 for line in text.splitlines() if not line.startswith("#"))
    click.echo(f"shrunk to {lines} lines ({result.shrink_tests} runs): {paths['shrunk']}")
