"""Signature and genesis transactions, judged by the oracle's ``ccf.signatures`` and ``ccf.receipt``."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import cbor2

from pyccf.formats.ledger import SINGLETON_KEY, Table
from pyccf.ledger.merkle import MerkleTree
from pyccf.service.identity import Identity, NodeIdentity
from pyccf.service.signing import (
    Writes,
    cose_signatures_value,
    genesis_writes,
    json_bytes,
    node_info,
    signature_transaction,
)
from tests.oracle import oracle_json

IAT = 1_735_689_600


def tree_of(n: int) -> MerkleTree:
    tree = MerkleTree()
    for i in range(1, n):
        tree.append(hashlib.sha256(b"tx %d" % i).digest())
    return tree


def hex_writes(writes: Writes) -> dict[str, dict[str, str]]:
    return {table: {k.hex(): v.hex() for k, v in values.items()} for table, values in writes.items()}


#: Verify a signature transaction's writes as CCF's ledger validator does, given the recomputed root.
VERIFY = """
import json, sys, base64
import ccf.signatures as S, ccf.receipt
from ccf.merkletree import MerkleTree
from cryptography.x509 import load_pem_x509_certificate
doc = json.load(sys.stdin)
tables = {t: {bytes.fromhex(k): bytes.fromhex(v) for k, v in kv.items()} for t, kv in doc["tables"].items()}
root = bytes.fromhex(doc["root"])
node_certs = {k: v.encode() for k, v in doc["node_certs"].items()}
collateral = S.RootSignatureCollateral(doc["service_cert"], node_certs, lambda node: node_certs[node])
out = {}
try:
    schemes, txid = S._verify_all_root_signatures(tables, root, collateral)
    out["all"] = [sorted(s.value for s in schemes), str(txid)]
except Exception as e:
    out["all"] = type(e).__name__
if S.SIGNATURE_TX_TABLE_NAME in tables:
    sig = json.loads(tables[S.SIGNATURE_TX_TABLE_NAME][bytes(8)])
    try:
        ccf.receipt.verify(sig["root"], sig["sig"], load_pem_x509_certificate(sig["cert"].encode()))
        out["raw"] = "ok"
    except Exception as e:
        out["raw"] = type(e).__name__
t = MerkleTree(); t.deserialise(tables["public:ccf.internal.tree"][bytes(8)])
out["tree_root"] = t.get_merkle_root().hex()
print(json.dumps(out))
"""


def verify(writes: Writes, root: bytes, service: Identity, node: NodeIdentity) -> Any:
    """The oracle's verdicts: every root signature (``all``), the raw one alone, the embedded tree's root."""
    return oracle_json(
        VERIFY,
        stdin={
            "tables": hex_writes(writes),
            "root": root.hex(),
            "service_cert": service.cert_pem,
            "node_certs": {node.node_id: node.cert_pem},
        },
    )


def test_a_signature_transaction_verifies_with_the_oracle(service: Identity, node: NodeIdentity) -> None:
    tree = tree_of(12)
    writes = signature_transaction(tree, 3, 9, node, service, iat=IAT)
    result = verify(writes, tree.root(9), service, node)
    assert result == {"all": [["cose_ec384", "raw"], "3.9"], "raw": "ok", "tree_root": tree.root(9).hex()}
    assert json.loads(writes[Table.SIGNATURES][SINGLETON_KEY])["seqno"] == 9


def test_signature_bytes_are_deterministic(service: Identity, node: NodeIdentity) -> None:
    once = signature_transaction(tree_of(5), 2, 5, node, service, iat=IAT)
    assert once == signature_transaction(tree_of(5), 2, 5, node, service, iat=IAT)


def test_a_signature_over_another_root_is_rejected(service: Identity, node: NodeIdentity) -> None:
    tree = tree_of(12)
    writes = signature_transaction(tree, 3, 9, node, service, iat=IAT)
    assert verify(writes, tree.root(10), service, node)["all"] == "InvalidRootException"  # raw is first
    del writes[Table.SIGNATURES]
    assert verify(writes, tree.root(10), service, node)["all"] == "InvalidRootCoseSignatureException"


def test_a_forged_raw_signature_is_rejected(service: Identity, node: NodeIdentity) -> None:
    tree = tree_of(12)
    writes = signature_transaction(tree, 3, 9, node, service, iat=IAT)
    sig = json.loads(writes[Table.SIGNATURES][SINGLETON_KEY])
    sig["root"] = tree.root(8).hex()
    del writes[Table.COSE_SIGNATURES]
    writes[Table.SIGNATURES][SINGLETON_KEY] = json.dumps(sig).encode()
    result = verify(writes, tree.root(8), service, node)
    assert result["all"] == "InvalidRootSignatureException" and result["raw"] == "InvalidSignature"


def test_a_cose_signature_by_another_service_is_rejected(
    service: Identity, foreign_service: Identity, node: NodeIdentity
) -> None:
    tree = tree_of(12)
    forged = signature_transaction(tree, 3, 9, node, foreign_service, iat=IAT)
    assert verify(forged, tree.root(9), service, node)["all"] == "InvalidRootCoseSignatureException"


def test_a_cose_signature_with_a_changed_txid_is_rejected(service: Identity, node: NodeIdentity) -> None:
    tree = tree_of(12)
    writes = signature_transaction(tree, 3, 9, node, service, iat=IAT)
    cose = cbor2.loads(base64.b64decode(json.loads(writes[Table.COSE_SIGNATURES][SINGLETON_KEY])))
    header = cbor2.loads(cose.value[0])
    header["ccf.v1"] = {"txid": "3.8"}
    forged = cbor2.CBORTag(cose.tag, [cbor2.dumps(header), *cose.value[1:]])
    writes[Table.COSE_SIGNATURES][SINGLETON_KEY] = cose_signatures_value(cbor2.dumps(forged))
    assert verify(writes, tree.root(9), service, node)["all"] == "InvalidRootCoseSignatureException"


def test_the_cose_header_has_ccfs_shape(service: Identity, node: NodeIdentity) -> None:
    writes = signature_transaction(tree_of(4), 2, 4, node, service, iat=IAT)
    cose = cbor2.loads(base64.b64decode(json.loads(writes[Table.COSE_SIGNATURES][SINGLETON_KEY])))
    assert cose.tag == 18 and len(cose.value[1]) == 0 and cose.value[2] is None and len(cose.value[3]) == 96
    header = cbor2.loads(cose.value[0])
    assert list(header) == [1, 4, 395, 15, "ccf.v1"] and list(header[15]) == [6, 1, 2]  # CCF's order
    assert header == {
        1: -35,
        4: service.key_id.encode(),
        395: 2,
        15: {6: IAT, 1: "service.example.com", 2: "ledger.signature"},
        "ccf.v1": {"txid": "2.4"},
    }


#: The JSON keys of the genesis transaction's service and node values in one of CCF's real ledgers.
REAL_SHAPES = """
import json, sys
import ccf.ledger as L
led = L.Ledger([sys.argv[1]], committed_only=False)
tx = led.get_transaction(1)
t = tx.get_public_domain().get_tables()
info = json.loads(next(iter(t["public:ccf.gov.nodes.info"].values())))
print(json.dumps({
    "service": sorted(json.loads(t["public:ccf.gov.service.info"][bytes(8)])),
    "node": sorted(info), "quote": sorted(info["quote_info"]),
    "endorsed": next(iter(t["public:ccf.gov.nodes.endorsed_certificates"].values())).decode()[:27],
}))
"""


def test_genesis_writes_have_the_shape_of_ccfs(service: Identity, node: NodeIdentity, shared: Path) -> None:
    info = node_info(node, encryption_pub_key=node.public_key_pem)
    writes = genesis_writes(service, 2, 1, [(node, info)])
    real = oracle_json(REAL_SHAPES, str(shared / "ccf_ledgers" / "cose_flipflop_service" / "ledger"))
    service_info = json.loads(writes[Table.SERVICE_INFO][SINGLETON_KEY])
    assert sorted(service_info) == real["service"]
    assert service_info["cert"] == service.cert_pem and service_info["status"] == "Opening"
    ours = json.loads(writes[Table.NODES_INFO][node.node_id.encode()])
    legacy = {
        "certificate_signing_request",
        "nodehost",
        "nodeport",
        "pubhost",
        "pubport",
        "rpchost",
        "rpcport",
    }
    assert sorted(ours) == sorted(set(real["node"]) - legacy)
    assert sorted(ours["quote_info"]) == real["quote"]
    quote = json.loads(base64.b64decode(ours["quote_info"]["quote"]))
    assert base64.b64decode(quote["report_data"]).hex() == node.node_id
    endorsed = writes[Table.NODES_ENDORSED_CERTIFICATES][node.node_id.encode()]
    assert endorsed == node.cert_pem.encode() and endorsed.decode()[:27] == real["endorsed"]


#: The genesis's node endorsements checked against the genesis's own service certificate.
CHECK_GENESIS = """
import json, sys, ccf.receipt
from cryptography.x509 import load_pem_x509_certificate as load
t = {k: {bytes.fromhex(a): bytes.fromhex(b) for a, b in v.items()} for k, v in json.load(sys.stdin).items()}
service = load(json.loads(t["public:ccf.gov.service.info"][bytes(8)])["cert"].encode())
out = {}
for node_id, pem in t["public:ccf.gov.nodes.endorsed_certificates"].items():
    info = json.loads(t["public:ccf.gov.nodes.info"][node_id])
    try:
        ccf.receipt.check_cert_chain(load(pem), service, [])
        out[node_id.decode()] = info["status"]
    except Exception as e:
        out[node_id.decode()] = type(e).__name__
print(json.dumps(out))
"""


def test_genesis_endorsements_check_against_the_genesis_service(
    service: Identity, foreign_service: Identity, node: NodeIdentity
) -> None:
    info = node_info(node, encryption_pub_key=node.public_key_pem)
    good = genesis_writes(service, 2, 1, [(node, info)])
    assert oracle_json(CHECK_GENESIS, stdin=hex_writes(good)) == {node.node_id: "Trusted"}
    forged = genesis_writes(foreign_service, 2, 1, [(node, info)])
    assert oracle_json(CHECK_GENESIS, stdin=hex_writes(forged)) == {node.node_id: "VerificationError"}


def test_json_values_are_compact_sorted_utf8() -> None:
    assert json_bytes({"b": 1, "a": ["é", "/"]}) == '{"a":["é","/"],"b":1}'.encode()
