"""``tracecheck audit``: verify CCF ledgers, receipts and proofs of misbehaviour offline.

Exit codes: 0 verified, 1 a verification failure (file, byte offset, seqno and what failed), 2 bad input.
On a terminal, ``audit ledger`` shows a transient progress line (chunks, transactions) on stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tracecheck.cli.common import EXIT_OK, EXIT_VIOLATION, err_console, handle_errors, out_console
from tracecheck.errors import BadInput

if TYPE_CHECKING:
    from cryptography import x509

    from tracecheck.audit.governance import GovernanceReplay
    from tracecheck.audit.ledger import AuditSummary
    from tracecheck.audit.reader import Entry
    from tracecheck.audit.recovery import RecoverySummary


@click.group()
def audit() -> None:
    """Verify CCF ledgers and receipts independently of CCF and pyccf."""


@audit.command("ledger")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--service-cert", type=click.Path(path_type=Path), help="Expected service certificate (PEM).")
@click.option("--uncommitted", is_flag=True, help="Also read uncommitted chunks.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--member-keys",
    type=click.Path(path_type=Path),
    help="Folder of members' *_enc_privk.pem: recover the ledger secrets, check every GCM tag.",
)
@click.option(
    "--ledger-secret", type=click.Path(path_type=Path), help="File with the ledger secret in hex (instead)."
)
@click.option("--governance", is_flag=True, help="After the verdict, replay the governance tables.")
@handle_errors
def ledger(
    directory: Path,
    service_cert: Path | None,
    uncommitted: bool,
    as_json: bool,
    member_keys: Path | None,
    ledger_secret: Path | None,
    governance: bool,
) -> int:
    """Verify the ledger chunks in DIRECTORY: entries, seqnos, Merkle roots, signatures, endorsements."""
    from tracecheck.audit.ledger import AuditFailure, load_service_cert

    expected = load_service_cert(service_cert) if service_cert is not None else None
    if member_keys is not None and ledger_secret is not None:
        raise BadInput("--member-keys and --ledger-secret exclude each other", field="--ledger-secret")
    try:
        replay = _governance() if governance else None
        summary = _audit_with_progress(
            directory, expected, uncommitted, quiet=as_json, observe=replay.apply if replay else None
        )
        recovered = _recover(directory, member_keys, ledger_secret, uncommitted)
        replayed = replay.gov if replay is not None else None
    except AuditFailure as exc:
        if as_json:
            click.echo(json.dumps({"verified": False, "error": exc.to_json()}))
        else:
            err_console().print(f"[red]verification failed:[/] {escape(str(exc))}")
        return EXIT_VIOLATION
    if as_json:
        extra: dict[str, object] = {}
        if recovered is not None:
            extra["recovery"] = recovered.to_json()
        if replayed is not None:
            extra["governance"] = replayed.to_json()
        click.echo(json.dumps({"verified": True, **summary.to_json(), **extra}))
    else:
        out_console().print(
            f"[green]verified[/]: {summary.transactions} transactions, {summary.signatures} signatures, "
            f"last signed TxID {summary.last_signed}"
        )
        if recovered is not None:
            out_console().print(
                f"[green]decrypted[/]: {recovered.entries} GCM tags verified, "
                f"{recovered.private_domains} private domains, {recovered.secrets} ledger secret(s)"
            )
        if replayed is not None:
            from tracecheck.audit.governance import timeline

            for line in timeline(replayed):
                out_console().print(escape(line), highlight=False)
    return EXIT_OK


def _audit_with_progress(
    directory: Path,
    expected: x509.Certificate | None,
    uncommitted: bool,
    *,
    quiet: bool,
    observe: Callable[[Entry], None] | None,
) -> AuditSummary:
    """The audit, with a transient progress line (chunks, transactions) on stderr when it is a terminal."""
    from tracecheck.audit.ledger import audit_ledger

    if quiet or not sys.stderr.isatty():
        return audit_ledger(directory, service_cert=expected, uncommitted=uncommitted, observe=observe)
    columns = (TextColumn("auditing"), BarColumn(), MofNCompleteColumn(), TextColumn("chunks"),
               TextColumn("{task.fields[transactions]:,} transactions"), TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("audit", total=None, transactions=0)

        def progress(done: int, total: int, transactions: int) -> None:
            bar.update(task, completed=done, total=total, transactions=transactions)

        return audit_ledger(
            directory, service_cert=expected, uncommitted=uncommitted, progress=progress, observe=observe
        )


def _governance() -> GovernanceReplay:
    """``--governance``: the replay of the governance tables (members' signed requests checked against the
    members in office), fed each entry as the audit checks it: the ledger is read once."""
    from tracecheck.audit.governance import GovernanceReplay

    return GovernanceReplay()


def _recover(
    directory: Path, member_keys: Path | None, ledger_secret: Path | None, uncommitted: bool
) -> RecoverySummary | None:
    """``--member-keys`` / ``--ledger-secret``: decrypt the private domains once the ledger has verified."""
    from tracecheck.audit.recovery import recover_ledger

    if member_keys is None and ledger_secret is None:
        return None
    return recover_ledger(
        directory, member_keys=member_keys, ledger_secret=ledger_secret, uncommitted=uncommitted
    )


from tracecheck.cli.audit_receipt import proof, receipt  # noqa: E402  (the group above, its commands here)

audit.add_command(receipt)
audit.add_command(proof)
