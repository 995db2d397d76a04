"""JSON and COSE receipts, judged by the oracle's ``ccf.receipt`` verification."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives import serialization

from pyccf.formats.ledger import SINGLETON_KEY, ZERO_DIGEST, Table
from pyccf.ledger.merkle import MerkleTree
from pyccf.service.identity import (
    Identity,
    NodeIdentity,
    derive_key,
    endorse_previous_service,
    service_identity,
)
from pyccf.service.receipts import (
    LeafComponents,
    SignatureTx,
    cose_receipt,
    json_receipt,
    signature_json_receipt,
)
from pyccf.service.signing import json_bytes, signature_transaction, signatures_value
from tests.oracle import oracle_json
from tests.pyccf.service.conftest import START, VALIDITY

SIGNATURE_SEQNO = 10


def components(seqno: int) -> LeafComponents:
    claims = ZERO_DIGEST if seqno % 2 else hashlib.sha256(b"claims %d" % seqno).digest()
    nonce = hashlib.sha256(b"nonce %d" % seqno).hexdigest()
    return LeafComponents(hashlib.sha256(b"entry %d" % seqno).digest(), f"ce:2.{seqno}:{nonce}", claims)


@pytest.fixture(scope="module")
def ledger(service: Identity, node: NodeIdentity) -> tuple[MerkleTree, SignatureTx]:
    tree = MerkleTree()
    for seqno in range(1, SIGNATURE_SEQNO):
        tree.append(components(seqno).leaf)
    writes = signature_transaction(tree, 2, SIGNATURE_SEQNO, node, service, iat=1_735_689_600)
    return tree, SignatureTx.from_writes(writes)


#: A full JSON receipt check: leaf from components, root, signature, endorsements, X.509 path.
VERIFY_JSON = """
import json, sys, hashlib, ccf.receipt
from cryptography.x509 import load_pem_x509_certificate as load
doc = json.load(sys.stdin)
service = load(doc["service_cert"].encode())
out = []
for r in doc["receipts"]:
    try:
        if "leaf" in r:
            leaf = r["leaf"]
        else:
            c = r["leaf_components"]
            ce = hashlib.sha256(c["commit_evidence"].encode()).digest()
            wsd, claims = bytes.fromhex(c["write_set_digest"]), bytes.fromhex(c["claims_digest"])
            leaf = hashlib.sha256(wsd + ce + claims).hexdigest()
        root = ccf.receipt.root(leaf, r["proof"])
        node = load(r["cert"].encode())
        ccf.receipt.verify(root, r["signature"], node)
        endorsements = [load(e.encode()) for e in r.get("service_endorsements", [])]
        ccf.receipt.check_endorsements(node, service, endorsements)
        ccf.receipt.check_cert_chain(node, service, endorsements)
        out.append("ok")
    except Exception as e:
        out.append(type(e).__name__)
print(json.dumps(out))
"""

VERIFY_COSE = """
import json, sys, ccf.receipt
from cryptography.x509 import load_pem_x509_certificate as load
doc = json.load(sys.stdin)
key = load(doc["service_cert"].encode()).public_key()
out = []
for receipt, claims in doc["receipts"]:
    try:
        header = ccf.receipt.verify_cose(bytes.fromhex(receipt), key, bytes.fromhex(claims))
        out.append(header["ccf.v1"]["txid"])
    except Exception as e:
        out.append(type(e).__name__)
print(json.dumps(out))
"""


def verify_json(receipts: list[dict[str, Any]], service: Identity) -> list[str]:
    return oracle_json(VERIFY_JSON, stdin={"service_cert": service.cert_pem, "receipts": receipts})


def verify_cose(receipts: list[tuple[bytes, bytes]], service: Identity) -> list[str]:
    doc = {"service_cert": service.cert_pem, "receipts": [[r.hex(), c.hex()] for r, c in receipts]}
    return oracle_json(VERIFY_COSE, stdin=doc)


def test_json_receipts_of_every_transaction_verify(
    ledger: tuple[MerkleTree, SignatureTx], service: Identity
) -> None:
    tree, sig = ledger
    receipts = [json_receipt(tree, s, components(s), sig) for s in range(1, SIGNATURE_SEQNO)]
    receipts.append(signature_json_receipt(sig))
    assert verify_json(receipts, service) == ["ok"] * SIGNATURE_SEQNO


def test_a_json_receipt_with_any_field_changed_fails(
    ledger: tuple[MerkleTree, SignatureTx], service: Identity, foreign_service: Identity
) -> None:
    tree, sig = ledger
    good = json_receipt(tree, 5, components(5), sig)
    other = json_receipt(tree, 6, components(6), sig)
    forged = []
    for field in ("claims_digest", "commit_evidence", "write_set_digest"):
        bad = copy.deepcopy(good)
        bad["leaf_components"][field] = other["leaf_components"][field]
        forged.append(bad)
    forged.append({**good, "proof": other["proof"]})
    forged.append({**good, "signature": _flipped(good["signature"])})
    bad = copy.deepcopy(good)
    bad["proof"][0] = {
        "left" if "right" in bad["proof"][0] else "right": next(iter(bad["proof"][0].values()))
    }
    forged.append(bad)
    forged.append({**good, "cert": foreign_service.cert_pem})
    verdicts = verify_json(forged, service)
    assert verdicts == ["InvalidSignature"] * len(forged), verdicts
    assert verify_json([good], foreign_service) == ["InvalidSignature"]  # not endorsed by that service


def _flipped(signature: str) -> str:
    """The signature with one bit of its last byte flipped."""
    raw = bytearray(base64.b64decode(signature))
    raw[-1] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def test_cose_receipts_of_every_transaction_verify(
    ledger: tuple[MerkleTree, SignatureTx], service: Identity
) -> None:
    tree, sig = ledger
    receipts = [
        (cose_receipt(tree, s, components(s), sig), components(s).claims_digest) for s in range(1, 10)
    ]
    assert verify_cose(receipts, service) == [f"2.{SIGNATURE_SEQNO}"] * (SIGNATURE_SEQNO - 1)


def test_a_tampered_cose_receipt_fails(
    ledger: tuple[MerkleTree, SignatureTx], service: Identity, foreign_service: Identity
) -> None:
    tree, sig = ledger
    c = components(4)
    good = cose_receipt(tree, 4, c, sig)
    message = cbor2.loads(good)
    proof = cbor2.loads(message.value[1][396][-1][0])

    def with_proof(leaf: list[Any], path: list[Any]) -> bytes:
        blob = cbor2.dumps({1: leaf, 2: path})
        return cbor2.dumps(cbor2.CBORTag(18, [message.value[0], {396: {-1: [blob]}}, None, message.value[3]]))

    leaf, path = list(proof[1]), [list(step) for step in proof[2]]
    wrong_ce = with_proof([leaf[0], leaf[1] + "0", leaf[2]], path)
    wrong_wsd = with_proof([bytes(32), leaf[1], leaf[2]], path)
    wrong_path = with_proof(leaf, [[not path[0][0], path[0][1]], *path[1:]])
    wrong_hash = with_proof(leaf, [[path[0][0], bytes(32)], *path[1:]])
    verdicts = verify_cose(
        [
            (good, bytes(32)),
            (wrong_ce, c.claims_digest),
            (wrong_wsd, c.claims_digest),
            (wrong_path, c.claims_digest),
            (wrong_hash, c.claims_digest),
        ],
        service,
    )
    assert verdicts == ["ValueError"] + ["InvalidRootCoseSignatureException"] * 4, verdicts
    assert verify_cose([(good, c.claims_digest)], foreign_service) == ["ValueError"]


def test_inconsistent_inputs_are_one_clear_error(
    ledger: tuple[MerkleTree, SignatureTx], node: NodeIdentity
) -> None:
    tree, sig = ledger
    with pytest.raises(ValueError, match="leaf components do not give the tree's leaf 4"):
        json_receipt(tree, 4, components(5), sig)
    with pytest.raises(ValueError, match="not covered by the signature at seqno 10"):
        cose_receipt(tree, 10, components(10), sig)
    with pytest.raises(ValueError, match="no public:ccf.internal.signatures write"):
        SignatureTx.from_writes({})
    with pytest.raises(ValueError, match="signatures: field seqno missing or not of type int"):
        SignatureTx.from_writes({Table.SIGNATURES: {SINGLETON_KEY: b'{"view": 1}'}})
    with pytest.raises(ValueError, match="signatures: not JSON"):
        SignatureTx.from_writes({Table.SIGNATURES: {SINGLETON_KEY: b"{"}})
    good = json.loads(signatures_value(node, 2, 3, bytes(32)))
    with pytest.raises(ValueError, match="field root is not 32 bytes of hex"):
        SignatureTx.from_writes({Table.SIGNATURES: {SINGLETON_KEY: json_bytes({**good, "root": "zz"})}})
    with pytest.raises(ValueError, match="cose_signatures: malformed"):
        SignatureTx.from_writes(
            {
                Table.SIGNATURES: {SINGLETON_KEY: json_bytes(good)},
                Table.COSE_SIGNATURES: {SINGLETON_KEY: b'"not base64!"'},
            }
        )
    assert SignatureTx.from_writes({Table.SIGNATURES: {SINGLETON_KEY: json_bytes(good)}}).seqno == 3
    with pytest.raises(ValueError, match="root over 10 leaves is not the signed root"):
        json_receipt(tree, 4, components(4), SignatureTx(**{**sig.__dict__, "root": bytes(32)}))
    with pytest.raises(ValueError, match="cose_signatures: CBOR tag 17, not COSE_Sign1"):
        cose_receipt(
            tree,
            4,
            components(4),
            SignatureTx(**{**sig.__dict__, "cose_sign1": cbor2.dumps(cbor2.CBORTag(17, [1, 2, 3, 4]))}),
        )
    with pytest.raises(ValueError, match="cose_signatures: not a COSE_Sign1"):
        cose_receipt(tree, 4, components(4), SignatureTx(**{**sig.__dict__, "cose_sign1": b"\x01"}))
    with pytest.raises(ValueError, match="no COSE signature"):
        cose_receipt(tree, 4, components(4), SignatureTx(**{**sig.__dict__, "cose_sign1": None}))


def test_a_receipt_under_a_previous_identity_chains_through_its_endorsement(
    ledger: tuple[MerkleTree, SignatureTx], service: Identity, foreign_service: Identity
) -> None:
    """``ledger`` is signed under ``service``; after a recovery the current identity is another one."""
    tree, sig = ledger
    current = service_identity(derive_key(b"recovered", "service"), not_before=START, validity=VALIDITY)
    endorsement = endorse_previous_service(service.cert, current, not_before=START, validity=VALIDITY)
    forged = endorse_previous_service(service.cert, foreign_service, not_before=START, validity=VALIDITY)
    pem = endorsement.public_bytes(serialization.Encoding.PEM).decode()
    forged_pem = forged.public_bytes(serialization.Encoding.PEM).decode()
    receipts = [
        json_receipt(tree, 3, components(3), sig, [pem]),
        json_receipt(tree, 3, components(3), sig),
        json_receipt(tree, 3, components(3), sig, [forged_pem]),
    ]
    assert verify_json(receipts, current) == ["ok", "InvalidSignature", "InvalidSignature"]
