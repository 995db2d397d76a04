"""``pyccf campaign``: many seeds, each simulated, its trace validated by TLC, failures shrunk, on a Dask
cluster (a LocalCluster by default, any scheduler by ``--scheduler``).

Exit codes: 0 every seed passed, 1 some seed failed (its shrunk scenario and replay command are written),
2 bad input (seeds, options, an output folder of another campaign, an unreachable scheduler), 130 Ctrl-C
(the seeds finished so far are kept; ``--resume`` finishes the rest).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress

from pyccf.campaign.settings import SeedsError, SeedSettings, parse_seeds
from pyccf.cli.exits import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from pyccf.cli.options import ccf_version_option
from pyccf.consensus.bugs import BUGS
from pyccf.formats.history import CONSISTENCY_BUGS

if TYPE_CHECKING:  # the runner (and the work it sends) loads only when a campaign runs
    from pyccf.campaign.runner import Progress
    from pyccf.campaign.services import ServiceSettings
    from pyccf.campaign.walks import WalkSettings


@click.command()
@click.option("--seeds", required=True, help="Seeds: N, A-B, or a comma-separated list of them.")
@click.option(
    "--steps", type=click.IntRange(1, 100_000), default=100, show_default=True, help="Random lines."
)
@click.option(
    "--nodes", type=click.IntRange(1, 9), default=3, show_default=True, help="Largest configuration."
)
@click.option(
    "--bug", "bugs", multiple=True, type=click.Choice(sorted(BUGS)), help="A seeded bug (repeatable)."
)
@ccf_version_option
@click.option("--scheduler", metavar="ADDR", help="A Dask scheduler's address (default: a LocalCluster).")
@click.option(
    "--workers", type=click.IntRange(1, 256), default=2, show_default=True, help="LocalCluster size."
)
@click.option("--batch", type=click.IntRange(1, 1000), default=8, show_default=True, help="Seeds per task.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--resume", is_flag=True, help="Finish a campaign in --out: run only the seeds not finished.")
@click.option("--no-validate", is_flag=True, help="Simulate only; do not validate traces with TLC.")
@click.option("--shrink-budget", type=click.IntRange(1), default=2000, show_default=True,
              help="Scenario runs spent shrinking a simulation failure.")  # fmt: skip
@click.option("--tlc-shrink-budget", type=click.IntRange(1), default=24, show_default=True,
              help="TLC rounds (each validates a ddmin round) to shrink a rejected trace.")  # fmt: skip
@click.option(
    "--spec-walks",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Instead: each seed is a TLC simulation of this .tla (its walks: --num behaviours of --depth).",
)
@click.option(
    "--spec-config", type=click.Path(dir_okay=False, path_type=Path), help="--spec-walks: its .cfg."
)
@click.option("--depth", type=click.IntRange(1), default=100, show_default=True, help="--spec-walks: depth.")
@click.option(
    "--num", type=click.IntRange(1), default=20, show_default=True, help="--spec-walks: walks a seed."
)
@click.option(
    "--service", is_flag=True,
    help="Instead: each seed is a service run with clients (trace, ledgers, receipts and history checked).",
)  # fmt: skip
@click.option("--txs", type=click.IntRange(1), default=40, show_default=True, help="--service: client txs.")
@click.option("--clients", type=click.IntRange(1), default=4, show_default=True, help="--service: sessions.")
@click.option("--keys", type=click.IntRange(1), default=1, show_default=True, help="--service: app keys.")
@click.option("--faults", type=click.FloatRange(0, 0.95), default=0.3, show_default=True,
              help="--service: chance of each further random line after a transaction.")  # fmt: skip
@click.option("--history-bug", type=click.Choice(sorted(CONSISTENCY_BUGS)),
              help="--service: a seeded consistency bug.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), help="Also write JUnit XML here.")
def campaign(
    seeds: str,
    steps: int,
    nodes: int,
    bugs: tuple[str, ...],
    ccf_version: str,
    scheduler: str | None,
    workers: int,
    batch: int,
    out: Path,
    resume: bool,
    no_validate: bool,
    shrink_budget: int,
    tlc_shrink_budget: int,
    spec_walks: Path | None,
    spec_config: Path | None,
    depth: int,
    num: int,
    service: bool,
    txs: int,
    clients: int,
    keys: int,
    faults: float,
    history_bug: str | None,
    as_json: bool,
    junit: Path | None,
) -> None:
    """Run a verification campaign: SEEDS simulated, validated and shrunk on a Dask cluster."""
    from pyccf.campaign.report import junit as junit_xml
    from pyccf.campaign.report import summary_json, summary_text
    from pyccf.campaign.results import ResultsFile
    from pyccf.campaign.runner import CampaignError, run_campaign
    from pyccf.campaign.services import ServiceSettings, run_services
    from pyccf.campaign.walks import run_walks
    from pyccf.campaign.work import run_batch

    try:
        chosen = parse_seeds(seeds)
        settings: SeedSettings | WalkSettings | ServiceSettings
        work: Callable[[list[int], Any], list[dict[str, Any]]]
        if service and spec_walks is not None:
            raise CampaignError("--service and --spec-walks are separate campaigns (choose one)")
        if history_bug is not None and not service:
            raise CampaignError("--history-bug applies to --service runs")
        if spec_walks is not None:
            settings, work = _walk_settings(spec_walks, spec_config, depth, num, bugs), run_walks
        elif service:
            if bugs:
                raise CampaignError("--bug seeds the simulator's core; a --service run takes --history-bug")
            settings = ServiceSettings(nodes, clients, txs, keys, faults, history_bug, not no_validate)
            work = run_services
        else:
            settings = SeedSettings(steps, nodes, tuple(sorted(bugs)), ccf_version, not no_validate,
                                    shrink_budget, tlc_shrink_budget)  # fmt: skip
            work = run_batch
        with _display(len(chosen), enabled=not as_json and sys.stderr.isatty()) as show:
            summary = run_campaign(chosen, settings, out, work=work, scheduler=scheduler, workers=workers,
                                   batch=batch, resume=resume, progress=show)  # fmt: skip
    except (SeedsError, CampaignError) as exc:
        click.echo(f"pyccf campaign: error: {exc}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except OSError as exc:
        click.echo(f"pyccf campaign: error: --out {out}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    (out / "summary.json").write_text(summary_json(summary) + "\n", encoding="utf-8")
    if junit is not None:
        records = {s: r for s, r in ResultsFile(out).done().items() if s in set(chosen)}
        junit.write_text(junit_xml(summary, records), encoding="utf-8")
    click.echo(summary_json(summary) if as_json else summary_text(summary))
    sys.exit(EXIT_OK if summary.ok else EXIT_FAILED)


def _walk_settings(
    spec: Path, config: Path | None, depth: int, num: int, bugs: tuple[str, ...]
) -> WalkSettings:
    from pyccf.campaign.runner import CampaignError
    from pyccf.campaign.walks import WalkSettings

    if bugs:
        raise CampaignError("--bug applies to pyccf's seeds, not to --spec-walks")
    for path, option in ((spec, "--spec-walks"), (config, "--spec-config")):
        if path is not None and not path.is_file():
            raise CampaignError(f"{option} {path}: no such file")
    if spec.suffix != ".tla":
        raise CampaignError(f"--spec-walks {spec}: not a .tla file")
    return WalkSettings(str(spec.resolve()), str(config.resolve()) if config else None, depth, num)


@contextmanager
def _display(total: int, *, enabled: bool) -> Iterator[Callable[[Progress], None] | None]:
    """The live display on a terminal: seeds done, failures, traces/s, ETA (None when not interactive)."""
    if not enabled:
        yield None
        return
    columns = (
        TextColumn("campaign"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("seeds  {task.fields[failures]} failing  {task.fields[rate]:.2f} traces/s  ETA"),
        TimeRemainingColumn(),
    )
    with RichProgress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("campaign", total=total, failures=0, rate=0.0)

        def show(p: Progress) -> None:
            rate = p.traces / p.elapsed if p.elapsed > 0 else 0.0
            bar.update(task, completed=p.done, failures=p.failures, rate=rate)

        yield show
