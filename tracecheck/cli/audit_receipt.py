"""``tracecheck audit receipt`` and ``tracecheck audit proof``: receipts and fork proofs, verified offline.

Exit codes: 0 all verified, 1 one failed (naming the file and what failed), 2 bad input (an unreadable or
malformed file or certificate).
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.markup import escape

from tracecheck.audit.errors import AuditFailure
from tracecheck.audit.proofs import check_proof_file
from tracecheck.audit.receipts import (
    LedgerIndex,
    ReceiptInvalid,
    check_in_ledger,
    index_ledger,
    load_service_cert,
    verify_file,
)
from tracecheck.cli.common import EXIT_OK, EXIT_VIOLATION, err_console, handle_errors, out_console

_SERVICE_CERT = click.option(
    "--service-cert",
    "service_cert",
    required=True,
    type=click.Path(path_type=Path),
    help="PEM of the service certificate the receipts must chain to (the trust anchor).",
)


@click.command("receipt")
@click.argument("receipts", nargs=-1, required=True, type=click.Path(path_type=Path))
@_SERVICE_CERT
@click.option(
    "--ledger",
    "ledger",
    type=click.Path(path_type=Path),
    help="A ledger folder (committed chunks) to audit, then check each receipt against.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document of the results.")
@handle_errors
def receipt(receipts: tuple[Path, ...], service_cert: Path, ledger: Path | None, as_json: bool) -> int:
    """Verify JSON (.json, or any file holding a JSON object) and COSE receipts against the service.

    With --ledger, each receipt's transaction must also be the ledger's at its seqno (its write-set
    digest), under the ledger's signature that covers it (its root and signature).
    """
    cert = load_service_cert(service_cert)
    index: LedgerIndex | None = None
    if ledger is not None:
        try:
            index = index_ledger(ledger, cert)
        except AuditFailure as error:  # the ledger itself does not verify: no receipt is checked against it
            if as_json:
                click.echo(json.dumps({"verified": False, "ledger_error": error.to_json()}, indent=2))
            else:
                err_console().print(f"[red]ledger FAILED[/] {escape(str(error))}")
            return EXIT_VIOLATION
    results: list[dict[str, object]] = []
    failed = False
    for path in receipts:
        try:
            verified = verify_file(path, cert)
            if index is not None:
                check_in_ledger(verified, index, str(path))
        except ReceiptInvalid as error:
            failed = True
            results.append({"file": str(path), "verified": False, "error": str(error)})
            if not as_json:
                err_console().print(f"[red]FAILED[/] {escape(str(error))}")
            continue
        results.append({"file": str(path), "verified": True, **verified.to_json()})
        if not as_json:
            out_console().print(f"verified {escape(str(path))}: {verified.kind}, root {verified.root.hex()}")
    if as_json:
        click.echo(json.dumps({"verified": not failed, "receipts": results}, indent=2))
    return EXIT_VIOLATION if failed else EXIT_OK


@click.command("proof")
@click.argument("proof", type=click.Path(path_type=Path))
@_SERVICE_CERT
@handle_errors
def proof(proof: Path, service_cert: Path) -> int:
    """Check a fork proof: two verified statements of different roots for one TxID."""
    cert = load_service_cert(service_cert)
    try:
        view, seqno = check_proof_file(proof, cert)
    except ReceiptInvalid as error:
        err_console().print(f"[red]not a fork proof:[/] {escape(str(error))}")
        return EXIT_VIOLATION
    out_console().print(f"fork proof verified: two different roots signed for {view}.{seqno}")
    return EXIT_OK
