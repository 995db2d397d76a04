"""``pyccf scenario run``: run CCF scenario files; exit 0 all pass, 1 an assertion failed, 2 bad input."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pyccf.consensus.bugs import BUGS, UnknownBugError
from pyccf.errors import ScenarioSyntaxError
from pyccf.formats import variants
from pyccf.sim.driver import CCF_VERSION_DEFAULT, CCF_VERSIONS, run_scenario


@click.group()
def scenario() -> None:
    """Run CCF raft_driver scenario files."""


@scenario.command("run")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--trace-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write <name>.ndjson, a CCF-format raft_trace, per scenario.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the election-timeout RNG.")
@click.option("--bug", "bugs", multiple=True, metavar="NAME",
              help=f"Switch on a seeded bug ({', '.join(sorted(BUGS))}).")
@click.option("--verbose", "-v", is_flag=True, help="Print the output of state/summarise commands.")
@click.option("--pre-vote-default/--no-pre-vote-default", default=False, show_default=True,
              help="PreVote for nodes created before any pre_vote_enabled line (on in later CCF versions).")
@click.option("--ccf-version", type=click.Choice(CCF_VERSIONS), default=CCF_VERSION_DEFAULT,
              show_default=True,
              help=f"CCF behaviour to follow: {variants.profiles_help()}.")
def run(files: tuple[Path, ...], trace_dir: Path | None, seed: int, bugs: tuple[str, ...],
        verbose: bool, pre_vote_default: bool, ccf_version: str) -> None:
    """Run each FILE; report file:line, the command, expected vs actual for a failed assertion."""
    if trace_dir is not None:
        trace_dir.mkdir(parents=True, exist_ok=True)
    failed = False
    for path in files:
        if not path.is_file():
            click.echo(f"{path}: error: no such file", err=True)
            sys.exit(2)
        trace_path = trace_dir / f"{path.name}.ndjson" if trace_dir is not None else None
        try:
            result = run_scenario(path, trace_path=trace_path, seed=seed, bugs=bugs,
                                  out=sys.stdout if verbose else None, pre_vote_default=pre_vote_default,
                                  ccf_version=ccf_version)
        except ScenarioSyntaxError as e:
            click.echo(f"{e.file}:{e.line}: error: {e.message}", err=True)
            sys.exit(2)
        except UnknownBugError as e:
            click.echo(f"--bug: error: {e}", err=True)
            sys.exit(2)
        except UnicodeDecodeError as e:
            click.echo(f"{path}: error: not a text file ({e.reason})", err=True)
            sys.exit(2)
        if result.ok:
            click.echo(f"{path}: ok")
        else:
            f = result.failure
            assert f is not None
            failed = True
            click.echo(f"{f.file}:{f.line}: FAILED {f.command}\n  {f.message}\n  expected: {f.expected}\n"
                       f"  actual:   {f.actual}")
    sys.exit(1 if failed else 0)
