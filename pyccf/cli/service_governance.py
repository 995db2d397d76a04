"""``pyccf service run --governance SCRIPT``: a governed service instead of client traffic.

Kept apart from the client options of ``service run``: the governed run starts the service (members,
CCF's constitution, the genesis node's attestation), runs the script's requests as transactions of the
primary and writes the same ledgers and raft trace, plus ``governance.json`` (the live governance state).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from pyccf.cli.exits import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from pyccf.errors import PyccfError

F = TypeVar("F", bound=Callable[..., Any])


def governance_options(command: F) -> F:
    """The ``--governance`` option and the options only a governed run reads."""
    from pyccf.service.governed import DEFAULT_CONSTITUTIONS

    for option in reversed(
        [
            click.option(
                "--governance",
                type=click.Path(dir_okay=False, path_type=Path),
                default=None,
                help="Run this governance script (docs/governance.md) on a governed service, not clients.",
            ),
            click.option(
                "--members",
                type=click.IntRange(min=1, max=20),
                default=3,
                show_default=True,
                help="With --governance: initial members m0..m<N-1>, each acknowledged (Active).",
            ),
            click.option(
                "--constitutions",
                type=click.Path(file_okay=False, path_type=Path),
                default=DEFAULT_CONSTITUTIONS,
                show_default=True,
                help="With --governance: CCF's sample constitutions (default/ and virtual/ are used).",
            ),
            click.option(
                "--recovery-threshold",
                type=click.IntRange(min=1, max=254),
                default=None,
                help="With --governance: recovery members; opening issues shares of this threshold.",
            ),
            click.option(
                "--client-writes",
                type=click.IntRange(min=0),
                default=0,
                show_default=True,
                help="With --governance: client writes (public and private) after the script.",
            ),
            click.option(
                "--recover-from",
                type=click.Path(file_okay=False, path_type=Path),
                default=None,
                help="With --governance: recover the governed run in this folder (use another --seed).",
            ),
        ]
    ):
        command = option(command)
    return command


def run_governance(
    out_dir: Path,
    *,
    nodes: int,
    seed: int,
    signature_every: int,
    governance: Path,
    members: int,
    constitutions: Path,
    recovery_threshold: int | None,
    client_writes: int,
    recover_from: Path | None,
) -> int:
    """Run the governed service; the exit code (a bad script or input: one located error line)."""
    from pyccf.service.governed_run import run_governed

    try:
        result = run_governed(
            out_dir,
            governance,
            nodes=nodes,
            members=members,
            seed=seed,
            signature_every=signature_every,
            constitutions=constitutions,
            threshold=recovery_threshold,
            client_writes=client_writes,
            recover_from=recover_from,
        )
    except PyccfError as error:
        click.echo(f"error: {error}", err=True)
        return EXIT_BAD_INPUT
    except OSError as e:
        click.echo(f"{e.filename or out_dir}: error: {e.strerror or e}", err=True)
        return EXIT_BAD_INPUT
    ledger = result.ledgers.ledger(result.primary)
    click.echo(
        f"{result.requests} governance transactions; commit {ledger.files.committed_seqno} "
        f"on {len(result.ledgers.ledgers)} nodes"
    )
    if result.failure is not None:
        click.echo(f"FAILED ({result.failure.kind.value}): {result.failure}", err=True)
        return EXIT_FAILED
    return EXIT_OK


__all__ = ["governance_options", "run_governance"]
