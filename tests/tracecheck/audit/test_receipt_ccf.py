"""Real CCF signatures: every signature transaction of CCF's own ledgers, as a receipt and as a statement.

The oracle's ``ccf.ledger`` only extracts the signature tables' values; the auditor's verifier judges them
against the service certificate CCF wrote next to each ledger.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from pyccf.formats.ledger import SINGLETON_KEY, Table
from tests.oracle import oracle_json
from tests.tracecheck.audit.test_receipts import flip_b64
from tracecheck.audit.proofs import check_statement, cose_statement
from tracecheck.audit.receipts import ReceiptInvalid, load_service_cert, verify_json

#: Each service's signature transactions (the oracle's count, in the ledgers' README).
SERVICES = {"acme_containing_service": 8, "cose_flipflop_service": 23}

SIGNATURES = """
import json, sys
import ccf.ledger as L
out = []
for chunk in L.Ledger([sys.argv[1]], committed_only=False):
    for tx in chunk:
        tables = tx.get_public_domain().get_tables()
        key = bytes.fromhex(sys.argv[2])
        if sys.argv[3] in tables or sys.argv[4] in tables:
            out.append({n: tables.get(n, {}).get(key, b"").decode() for n in sys.argv[3:]})
print(json.dumps(out))
"""


def signatures(folder: Path) -> list[dict[str, str]]:
    args = (str(folder / "ledger"), SINGLETON_KEY.hex(), Table.SIGNATURES, Table.COSE_SIGNATURES)
    return oracle_json(SIGNATURES, *args)


def signature_receipt(raw: str) -> dict[str, Any]:
    sig = json.loads(raw)
    return {
        "leaf": sig["root"],
        "proof": [],
        "signature": sig["sig"],
        "cert": sig["cert"],
        "node_id": sig["node"],
    }


@pytest.mark.parametrize("name", SERVICES)
def test_every_ccf_signature_verifies(shared: Path, name: str) -> None:
    folder = shared / "ccf_ledgers" / name
    cert = load_service_cert(folder / "common" / "service_cert.pem")
    found = signatures(folder)
    raws = [s[Table.SIGNATURES] for s in found if s[Table.SIGNATURES]]
    coses = [s for s in found if s[Table.COSE_SIGNATURES]]
    assert len(found) == SERVICES[name] and raws
    for raw in raws:
        receipt = signature_receipt(raw)
        assert verify_json(receipt, cert).root.hex() == receipt["leaf"]
        with pytest.raises(ReceiptInvalid, match="field 'signature'"):
            verify_json({**receipt, "signature": flip_b64(receipt["signature"])}, cert)
    checked = 0
    for s in coses:
        sign1 = base64.b64decode(json.loads(s[Table.COSE_SIGNATURES]))
        root = bytes.fromhex(json.loads(s[Table.SIGNATURES])["root"]) if s[Table.SIGNATURES] else None
        if root is not None:
            statement = check_statement(cose_statement(sign1, root), cert, name)
            assert statement.root == root and statement.binds_txid
            with pytest.raises(ReceiptInvalid, match="field 'signature'"):
                check_statement(cose_statement(sign1, bytes(32)), cert, name)
            checked += 1
    assert checked == sum(1 for s in coses if s[Table.SIGNATURES]) > 0
