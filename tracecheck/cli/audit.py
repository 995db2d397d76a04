"""``tracecheck audit``: verify CCF ledgers (and, later, receipts and proofs) offline.

Exit codes: 0 verified, 1 a verification failure (file, byte offset, seqno and what failed), 2 bad input.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.markup import escape

from tracecheck.cli.common import EXIT_OK, EXIT_VIOLATION, err_console, handle_errors, out_console

if TYPE_CHECKING:
    from tracecheck.audit.governance import Governance


@click.group()
def audit() -> None:
    """Verify CCF ledgers and receipts independently of CCF and pyccf."""


@audit.command("ledger")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--service-cert", type=click.Path(path_type=Path), help="Expected service certificate (PEM).")
@click.option("--uncommitted", is_flag=True, help="Also read uncommitted chunks.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--governance", is_flag=True, help="After the verdict, replay the governance tables.")
@handle_errors
def ledger(
    directory: Path, service_cert: Path | None, uncommitted: bool, as_json: bool, governance: bool
) -> int:
    """Verify the ledger chunks in DIRECTORY: entries, seqnos, Merkle roots, signatures, endorsements."""
    from tracecheck.audit.ledger import AuditFailure, audit_ledger, load_service_cert

    expected = load_service_cert(service_cert) if service_cert is not None else None
    try:
        summary = audit_ledger(directory, service_cert=expected, uncommitted=uncommitted)
    except AuditFailure as exc:
        if as_json:
            click.echo(json.dumps({"verified": False, "error": exc.to_json()}))
        else:
            err_console().print(f"[red]verification failed:[/] {escape(str(exc))}")
        return EXIT_VIOLATION
    if as_json:
        extra = {"governance": _governance(directory, uncommitted).to_json()} if governance else {}
        click.echo(json.dumps({"verified": True, **summary.to_json(), **extra}))
    else:
        out_console().print(
            f"[green]verified[/]: {summary.transactions} transactions, {summary.signatures} signatures, "
            f"last signed TxID {summary.last_signed}"
        )
        if governance:
            from tracecheck.audit.governance import timeline

            for line in timeline(_governance(directory, uncommitted)):
                out_console().print(escape(line), highlight=False)
    return EXIT_OK


def _governance(directory: Path, uncommitted: bool) -> Governance:
    """``--governance``: the replay of the governance tables, run after the ledger verified."""
    from tracecheck.audit.governance import replay_governance

    return replay_governance(directory, uncommitted=uncommitted)


from tracecheck.cli.audit_receipt import proof, receipt  # noqa: E402  (the group above, its commands here)

audit.add_command(receipt)
audit.add_command(proof)
