"""pyccf's tree, leaves, JSON values and COSE headers against what real CCF services wrote."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import cbor2
import pytest
from cryptography.x509 import load_pem_x509_certificate

from pyccf.formats.ledger import SINGLETON_KEY
from pyccf.ledger.merkle import MerkleTree, entry_leaf
from pyccf.service.identity import key_digest
from pyccf.service.receipts import SignatureTx
from pyccf.service.signing import cose_protected_header, json_bytes

LEDGERS = ("acme_containing_service", "cose_flipflop_service")

#: Every transaction's digests, and the values of the tables this area writes, as CCF wrote them.
DUMP = """
import json, sys
import ccf.ledger as L
led = L.Ledger([sys.argv[1]], committed_only=False)
tables = {"public:ccf.internal.signatures", "public:ccf.internal.cose_signatures", "public:ccf.internal.tree",
          "public:ccf.gov.service.info", "public:ccf.gov.nodes.info"}
out = []
for chunk in led:
    for tx in chunk:
        pd = tx.get_public_domain()
        out.append({
            "seqno": pd.get_seqno(),
            "digests": [tx.get_write_set_digest().hex(), pd.get_commit_evidence_digest().hex(),
                        pd.get_claims_digest().hex(), tx.get_tx_digest().hex()],
            "tables": {t: [v.hex() for v in kv.values() if v is not None]
                       for t, kv in pd.get_tables().items() if t in tables},
        })
print(json.dumps(out))
"""


@pytest.fixture(scope="module", params=LEDGERS)
def real(request: pytest.FixtureRequest, shared: Path) -> tuple[Path, list[dict[str, Any]]]:
    from tests.oracle import oracle_json

    folder = shared / "ccf_ledgers" / request.param
    return folder, oracle_json(DUMP, str(folder / "ledger"))


def values(tx: dict[str, Any], table: str) -> list[bytes]:
    return [bytes.fromhex(v) for v in tx["tables"].get(table, [])]


def test_entry_leaves_and_roots_equal_ccfs(real: tuple[Path, list[dict[str, Any]]]) -> None:
    _, txs = real
    tree = MerkleTree()
    signatures = 0
    for tx in txs:
        wsd, ce, claims, digest = (bytes.fromhex(d) for d in tx["digests"])
        assert entry_leaf(wsd, ce, claims) == digest
        if values(tx, "public:ccf.internal.signatures"):
            writes = {t: {SINGLETON_KEY: v[0]} for t in tx["tables"] if (v := values(tx, t))}
            read = SignatureTx.from_writes(writes)
            assert read.root == tree.root(tx["seqno"]) and read.seqno == tx["seqno"]
            assert (read.cose_sign1 is None) == ("public:ccf.internal.cose_signatures" not in writes)
            signatures += 1
        for blob in values(tx, "public:ccf.internal.tree"):
            embedded = MerkleTree.deserialise(blob)
            assert embedded.root() == tree.root(tx["seqno"]) and embedded.serialise() == blob
        tree.append(digest)
    assert signatures > 0


def test_json_values_are_in_ccfs_byte_form(real: tuple[Path, list[dict[str, Any]]]) -> None:
    _, txs = real
    tables = ("public:ccf.internal.signatures", "public:ccf.gov.service.info", "public:ccf.gov.nodes.info")
    seen = 0
    for tx in txs:
        for table in tables:
            for raw in values(tx, table):
                assert json_bytes(json.loads(raw)) == raw
                seen += 1
        for raw in values(tx, "public:ccf.internal.cose_signatures"):
            assert json_bytes(json.loads(raw)) == raw
    assert seen > 0


def test_cose_protected_headers_are_byte_equal_to_ccfs(real: tuple[Path, list[dict[str, Any]]]) -> None:
    folder, txs = real
    cert = load_pem_x509_certificate((folder / "common" / "service_cert.pem").read_bytes())
    kid = key_digest(cert.public_key())  # type: ignore[arg-type]
    found = 0
    for tx in txs:
        for raw in values(tx, "public:ccf.internal.cose_signatures"):
            protected = cbor2.loads(base64.b64decode(json.loads(raw))).value[0]
            header = cbor2.loads(protected)
            if header[4] != kid.encode():
                continue  # signed by an earlier identity of a recovered service
            view, seqno = map(int, header["ccf.v1"]["txid"].split("."))
            claims = header[15]
            assert (
                cose_protected_header(kid, view, seqno, iat=claims[6], iss=claims[1], sub=claims[2])
                == protected
            )
            found += 1
    assert found > 0
