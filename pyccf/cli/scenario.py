"""``pyccf scenario run``: run CCF scenario files; exit 0 all pass, 1 an assertion failed, 2 bad input.

Every input is read and parsed before anything runs or any trace is written, so bad input (a missing
file, a malformed line, an empty file) stops with one line and exit 2 and leaves no output behind.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from pyccf.cli.exits import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from pyccf.cli.options import ccf_version_option
from pyccf.consensus.bugs import BUGS, UnknownBugError, validate
from pyccf.errors import ScenarioInputError, ScenarioSyntaxError
from pyccf.sim.commands import Command
from pyccf.sim.driver import load_scenario, read_scenario, run_commands

SUFFIX = ".scn"  # dropped from trace names; CCF's own scenario names have none (and may contain dots)


def is_scenario_name(name: str) -> bool:
    """Whether a file found in a directory argument is a scenario (not a README, notes or a dotfile)."""
    return not (name.startswith(".") or name.startswith("README") or name.endswith(".md"))


def expand(paths: tuple[Path, ...]) -> list[Path]:
    """The scenario files named: a file as given, a directory's scenario files in sorted order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and is_scenario_name(p.name))
            if not found:
                raise ScenarioInputError(str(path), "no scenario files in this directory")
            files.extend(found)
        elif not path.exists():
            raise ScenarioInputError(str(path), "no such file")
        else:
            files.append(path)
    return files


def scenario_name(path: Path) -> str:
    """The file name without a ``.scn`` suffix (names its trace and its ledger folder)."""
    return path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) and path.name != SUFFIX else path.name


def trace_name(path: Path) -> str:
    """``<name>.ndjson``, without a ``.scn`` suffix."""
    return f"{scenario_name(path)}.ndjson"


def _check_ledger_dirs(ledger_dir: Path, scenarios: list[tuple[Path, list[tuple[int, Command]]]]) -> None:
    """Each scenario's ledger folder must be new or empty: a ledger is never appended to another run's."""
    for path, _ in scenarios:
        folder = ledger_dir / scenario_name(path)
        if folder.exists() and any(folder.iterdir()):
            raise ScenarioInputError(str(folder), "--ledger-dir: this scenario's ledger folder is not empty")
    ledger_dir.mkdir(parents=True, exist_ok=True)


def _load(paths: tuple[Path, ...]) -> list[tuple[Path, list[tuple[int, Command]]]]:
    return [(path, load_scenario(read_scenario(path), str(path))) for path in expand(paths)]


def _check_trace_names(scenarios: list[tuple[Path, list[tuple[int, Command]]]]) -> None:
    seen: dict[str, Path] = {}
    for path, _ in scenarios:
        name = trace_name(path)
        if name in seen:
            raise ScenarioInputError(str(path), f"its trace {name} would overwrite that of {seen[name]}")
        seen[name] = path


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(EXIT_BAD_INPUT)


@click.group()
def scenario() -> None:
    """Run CCF raft_driver scenario files."""


@scenario.command("run")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--trace-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write <name>.ndjson (a .scn suffix dropped), a CCF-format raft_trace, per scenario.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the election-timeout RNG.")
@click.option(
    "--bug",
    "bugs",
    multiple=True,
    metavar="NAME",
    help=f"Switch on a seeded bug ({', '.join(sorted(BUGS))}).",
)
@click.option(
    "--ledger-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run the service too: write each node's CCF ledger to <dir>/<name>/<node id>/ (keys from --seed).",
)
@click.option("--verbose", "-v", is_flag=True, help="Print the output of state/summarise commands.")
@click.option(
    "--pre-vote-default/--no-pre-vote-default",
    default=False,
    show_default=True,
    help="PreVote for nodes created before any pre_vote_enabled line (on in later CCF versions).",
)
@ccf_version_option
def run(
    files: tuple[Path, ...],
    trace_dir: Path | None,
    ledger_dir: Path | None,
    seed: int,
    bugs: tuple[str, ...],
    verbose: bool,
    pre_vote_default: bool,
    ccf_version: str,
) -> None:
    """Run each FILE (a directory: its scenario files, sorted, skipping README*, *.md and dotfiles);
    report file:line, the command, expected vs actual for a failed assertion."""
    try:
        validate(bugs)
        scenarios = _load(files)
        if trace_dir is not None or ledger_dir is not None:
            _check_trace_names(scenarios)
        if trace_dir is not None:
            trace_dir.mkdir(parents=True, exist_ok=True)
    except UnknownBugError as e:
        _fail(f"--bug: error: {e}")
    except ScenarioSyntaxError as e:
        _fail(f"{e.file}:{e.line}: error: {e.field}: {e.message}")
    except ScenarioInputError as e:
        _fail(f"{e.path}: error: {e.message}")
    except OSError as e:
        _fail(f"--trace-dir {trace_dir}: error: {e.strerror or e}")
    if ledger_dir is not None:
        try:
            _check_ledger_dirs(ledger_dir, scenarios)
        except ScenarioInputError as e:
            _fail(f"{e.path}: error: {e.message}")
        except OSError as e:
            _fail(f"--ledger-dir {ledger_dir}: error: {e.strerror or e}")
    failed = False
    for path, commands in scenarios:
        trace_path = trace_dir / trace_name(path) if trace_dir is not None else None
        payloads = None
        if ledger_dir is not None:
            from pyccf.service.replicated import ReplicatedLedgers  # cryptography loads only when asked

            payloads = ReplicatedLedgers(ledger_dir / scenario_name(path), seed=seed)
        try:
            result = run_commands(
                commands,
                str(path),
                trace_path=trace_path,
                seed=seed,
                bugs=bugs,
                out=sys.stdout if verbose else None,
                pre_vote_default=pre_vote_default,
                ccf_version=ccf_version,
                payloads=payloads,
            )
        except ScenarioSyntaxError as e:  # a line naming a node that does not exist (known only when run)
            _fail(f"{e.file}:{e.line}: error: {e.field}: {e.message}")
        except OSError as e:
            _fail(f"{e.filename or trace_path}: error: {e.strerror or e}")
        if result.ok:
            click.echo(f"{path}: ok")
        else:
            f = result.failure
            assert f is not None
            failed = True
            click.echo(
                f"{f.file}:{f.line}: FAILED {f.command}\n  {f.message}\n  expected: {f.expected}\n"
                f"  actual:   {f.actual}"
            )
    sys.exit(EXIT_FAILED if failed else EXIT_OK)
