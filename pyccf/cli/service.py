"""``pyccf service run``: a simulated multi-node service writing ledgers, receipts and its raft trace."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from pyccf.cli.exits import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from pyccf.cli.service_governance import governance_options, run_governance
from pyccf.formats.history import CONSISTENCY_BUGS
from pyccf.service.run import run_service


@click.group()
def service() -> None:
    """Run a simulated CCF service (the consensus core carrying the service's transactions)."""


@service.command("run")
@click.option("--nodes", type=click.IntRange(min=1, max=9), default=3, show_default=True)
@click.option("--clients", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--txs", type=click.IntRange(min=1), default=20, show_default=True, help="Client transactions.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option(
    "--faults",
    type=click.FloatRange(min=0, max=0.95),
    default=0.3,
    show_default=True,
    help="Chance of each further random scenario line (faults, time, reconfigurations) after a transaction.",
)
@click.option("--signature-every", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@governance_options
@click.option(
    "--history",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Run concurrent list-append client sessions and write their history (ndjson) to this file.",
)
@click.option(
    "--keys", type=click.IntRange(min=1), default=1, show_default=True, help="Keys of the list-append app."
)
@click.option(
    "--bug", type=click.Choice(sorted(CONSISTENCY_BUGS)), default=None, help="A seeded consistency bug."
)
def run(
    nodes: int,
    clients: int,
    txs: int,
    seed: int,
    faults: float,
    signature_every: int,
    out_dir: Path,
    history: Path | None,
    keys: int,
    bug: str | None,
    **governed: Any,
) -> None:
    """Write OUT/ledgers/<node id>/, OUT/service_cert.pem, OUT/receipts/<txid>.{json,cose} and
    OUT/raft_trace.ndjson (and with --history, the clients' history)."""
    if out_dir.exists() and any(out_dir.iterdir()):
        click.echo(f"{out_dir}: error: --out: the folder is not empty", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if governed["governance"] is not None:
        if history is not None:
            click.echo("error: --history and --governance are separate runs (choose one)", err=True)
            sys.exit(EXIT_BAD_INPUT)
        sys.exit(run_governance(out_dir, nodes=nodes, seed=seed, signature_every=signature_every, **governed))
    if history is None and (keys != 1 or bug is not None):
        click.echo("error: --keys and --bug need --history (they shape the history run's clients)", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if history is not None and not history.parent.is_dir():
        click.echo(f"{history}: error: --history: no folder {history.parent}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    try:
        result = run_service(
            out_dir,
            nodes=nodes,
            clients=clients,
            txs=txs,
            seed=seed,
            faults=faults,
            signature_every=signature_every,
            history=history,
            keys=keys,
            bug=bug,
        )
    except OSError as e:
        click.echo(f"{e.filename or out_dir}: error: {e.strerror or e}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    ledger = result.longest
    if history is not None:
        click.echo(f"{len(result.history)} history events in {history}")
    click.echo(
        f"{len(result.submitted)} writes, {len(result.reads)} reads, {len(result.receipts)} receipts; "
        f"commit {ledger.files.committed_seqno} on {len(result.ledgers.ledgers)} nodes"
    )
    if result.failure is not None:  # the outputs up to the failure are written
        click.echo(f"FAILED ({result.failure.kind.value}): {result.failure}", err=True)
        sys.exit(EXIT_FAILED)
    sys.exit(EXIT_OK)
