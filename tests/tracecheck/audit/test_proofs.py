"""Fork proofs: forged forks made with pyccf's identities are accepted, tampered ones refused."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from pyccf.ledger.merkle import MerkleTree
from pyccf.service.identity import Identity, NodeIdentity, endorse_previous_service
from pyccf.service.receipts import LeafComponents, SignatureTx, cose_receipt, json_receipt
from pyccf.service.signing import cose_sign1, root_signature, signature_transaction
from tests.tracecheck.audit.test_receipts import START, VALIDITY, flip_b64, make_node, make_service
from tracecheck.audit.proofs import (
    build_proof,
    check_proof,
    check_statement,
    cose_statement,
    raw_statement,
    receipt_statement,
)
from tracecheck.audit.receipts import ReceiptInvalid
from tracecheck.cli.audit_receipt import proof as proof_command
from tracecheck.errors import BadInput

VIEW, SEQNO = 2, 10
ROOT_A, ROOT_B = hashlib.sha256(b"history A").digest(), hashlib.sha256(b"history B").digest()


def cose(service: Identity, root: bytes, seqno: int = SEQNO) -> dict[str, Any]:
    return cose_statement(cose_sign1(service, VIEW, seqno, root, iat=1_735_689_600), root)


def raw(node: NodeIdentity, root: bytes, txid: str = f"{VIEW}.{SEQNO}") -> dict[str, Any]:
    signature = base64.b64encode(root_signature(node, root)).decode("ascii")
    return raw_statement(txid, root, signature, node.cert_pem)


def forked_receipt(node: NodeIdentity, service: Identity, content: bytes) -> dict[str, Any]:
    """A receipt of transaction 2.3 in a history whose entry 3 holds ``content``."""
    tree, parts = MerkleTree(), []
    for s in range(1, SEQNO):
        wsd = hashlib.sha256(content if s == 3 else b"entry %d" % s).digest()
        parts.append(LeafComponents(wsd, f"ce:{VIEW}.{s}:{'cd' * 32}", bytes(32)))
        tree.append(parts[-1].leaf)
    sig = SignatureTx.from_writes(signature_transaction(tree, VIEW, SEQNO, node, service, iat=0))
    return json_receipt(tree, 3, parts[2], sig)


@pytest.fixture(scope="module")
def service() -> Identity:
    return make_service(b"audit service")


@pytest.fixture(scope="module")
def foreign_service() -> Identity:
    return make_service(b"audit foreign service")


@pytest.fixture(scope="module")
def node(service: Identity) -> NodeIdentity:
    return make_node(b"audit node", service)


def test_two_cose_signatures_of_different_roots_for_one_txid_are_a_fork(service: Identity) -> None:
    proof = build_proof(cose(service, ROOT_A), cose(service, ROOT_B), service.cert)
    assert proof["txid"] == f"{VIEW}.{SEQNO}"
    assert check_proof(json.loads(json.dumps(proof)), service.cert) == (VIEW, SEQNO)


def test_a_raw_node_signature_is_no_half_of_a_proof(service: Identity, node: NodeIdentity) -> None:
    """The node signed ROOT_B honestly at another signature transaction; claimed for this TxID it would
    make a false fork, as the raw signature covers the root only."""
    honest = raw(node, ROOT_B, txid=f"{VIEW}.{SEQNO - 5}")
    assert check_statement(honest, service.cert, "s").root == ROOT_B  # a valid signed root
    claimed = raw(node, ROOT_B)
    with pytest.raises(ReceiptInvalid, match="signs the root only") as caught:
        build_proof(cose(service, ROOT_A), claimed, service.cert)
    assert caught.value.field == "statements[1]"


def test_two_receipts_of_one_transaction_with_different_leaves_are_a_fork(
    service: Identity, node: NodeIdentity
) -> None:
    a = receipt_statement(forked_receipt(node, service, b"pay alice"))
    b = receipt_statement(forked_receipt(node, service, b"pay bob"))
    assert build_proof(a, b, service.cert)["txid"] == f"{VIEW}.3"
    with pytest.raises(ReceiptInvalid, match="same leaf"):
        build_proof(a, copy.deepcopy(a), service.cert)


def test_a_cose_receipt_is_a_statement(service: Identity, node: NodeIdentity) -> None:
    """A COSE receipt's root is its folded path; against a raw signature of another root it is a fork."""
    tree = MerkleTree()
    parts = [
        LeafComponents(bytes([s]) * 32, f"ce:{VIEW}.{s}:{'ef' * 32}", bytes(32)) for s in range(1, SEQNO)
    ]
    for p in parts:
        tree.append(p.leaf)
    sig = SignatureTx.from_writes(signature_transaction(tree, VIEW, SEQNO, node, service, iat=0))
    receipt = cose_statement(cose_receipt(tree, 4, parts[3], sig))
    assert check_proof(build_proof(receipt, cose(service, ROOT_B), service.cert), service.cert) == (
        VIEW,
        SEQNO,
    )
    with pytest.raises(ReceiptInvalid, match="same root"):
        build_proof(receipt, cose(service, tree.root(SEQNO)), service.cert)


def good_proof(service: Identity, node: NodeIdentity) -> dict[str, Any]:
    return build_proof(cose(service, ROOT_A), cose(service, ROOT_B), service.cert)


def test_tampered_proofs_are_refused(
    service: Identity, node: NodeIdentity, foreign_service: Identity
) -> None:
    good = good_proof(service, node)
    tampered: dict[str, tuple[dict[str, Any], str]] = {}
    bad = copy.deepcopy(good)
    bad["statements"][0]["root"] = ROOT_B.hex()  # a changed root: the COSE signature no longer verifies
    tampered["changed cose root"] = bad, "signature"
    bad = copy.deepcopy(good)
    bad["statements"][1]["root"] = ROOT_A.hex()
    tampered["changed second root"] = bad, "signature"
    bad_raw = raw(node, ROOT_B)
    bad_raw["signature"] = flip_b64(bad_raw["signature"])
    tampered["raw signature"] = {**good, "statements": [good["statements"][0], bad_raw]}, "signature"
    tampered["a raw statement"] = (
        {**good, "statements": [good["statements"][0], raw(node, ROOT_B)]},
        ("statements[1]"),
    )
    bad = copy.deepcopy(good)
    sign1 = bytearray(base64.b64decode(bad["statements"][0]["cose_sign1"]))
    sign1[-3] ^= 1
    bad["statements"][0]["cose_sign1"] = base64.b64encode(bytes(sign1)).decode()
    tampered["cose signature"] = bad, "signature"
    tampered["same root twice"] = (
        {**good, "statements": [cose(service, ROOT_A), cose(service, ROOT_A)]},
        "statements",
    )
    tampered["two raw signatures"] = (
        {**good, "statements": [raw(node, ROOT_A), raw(node, ROOT_B)]},
        "statements[0]",
    )
    tampered["another txid"] = (
        {**good, "statements": [cose(service, ROOT_A, SEQNO + 1), cose(service, ROOT_B)]},
        ("statements[0].txid"),
    )
    tampered["claimed txid"] = {**good, "txid": f"{VIEW}.{SEQNO + 1}"}, "statements[0].txid"
    stranger = make_node(b"stranger", foreign_service)
    tampered["unendorsed node"] = (
        {**good, "statements": [good["statements"][0], raw(stranger, ROOT_B)]},
        "cert",
    )
    for name, (doc, field) in tampered.items():
        with pytest.raises(ReceiptInvalid) as caught:
            check_proof(doc, service.cert, "p.json")
        assert caught.value.field == field, (name, caught.value)
        assert "p.json" in str(caught.value)
    with pytest.raises(ReceiptInvalid, match="kid"):
        check_proof(good, foreign_service.cert)


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ([], None),
        ({"txid": "2.x", "statements": []}, "txid"),
        ({"txid": "2.10", "statements": [{}]}, "statements"),
        ({"txid": "2.10", "statements": [{"kind": "other"}, {"kind": "cose"}]}, "kind"),
        ({"txid": "2.10", "statements": [{"kind": "cose", "cose_sign1": "!!"}, {}]}, "cose_sign1"),
        ({"txid": "2.10", "statements": [{"kind": "raw", "root": "00"}, {}]}, "root"),
    ],
)
def test_malformed_proofs_are_bad_input(service: Identity, doc: object, field: str | None) -> None:
    with pytest.raises(BadInput) as caught:
        check_proof(doc, service.cert, "p.json")
    assert caught.value.field == field


def test_the_proof_command(tmp_path: Path, service: Identity, node: NodeIdentity) -> None:
    cert = tmp_path / "service_cert.pem"
    cert.write_text(service.cert_pem)
    good = good_proof(service, node)
    (tmp_path / "fork.json").write_text(json.dumps(good))
    bad = copy.deepcopy(good)
    bad["statements"][1]["root"] = ROOT_A.hex()
    (tmp_path / "same.json").write_text(json.dumps(bad))
    (tmp_path / "garbage.json").write_text("{")
    runner = CliRunner()

    def run(name: str) -> Any:
        return runner.invoke(proof_command, [str(tmp_path / name), "--service-cert", str(cert)])

    ok = run("fork.json")
    assert (ok.exit_code, "fork proof verified" in ok.output) == (0, True), ok.output
    refused = run("same.json")
    assert refused.exit_code == 1
    assert "same.json" in refused.output and "signature" in refused.output
    assert run("garbage.json").exit_code == 2
    assert run("missing.json").exit_code == 2


def test_a_statement_of_a_previous_service_identity_needs_its_endorsement(
    service: Identity, node: NodeIdentity
) -> None:
    previous = make_service(b"previous service")
    endorsement = endorse_previous_service(previous.cert, service, not_before=START, validity=VALIDITY)
    pem = endorsement.public_bytes(serialization.Encoding.PEM).decode()
    old = cose_sign1(previous, VIEW, SEQNO, ROOT_A, iat=0)
    statement = cose_statement(old, ROOT_A, previous.cert_pem, [pem])
    assert check_proof(build_proof(statement, cose(service, ROOT_B), service.cert), service.cert)
    with pytest.raises(ReceiptInvalid, match="not endorsed") as caught:
        build_proof(cose_statement(old, ROOT_A, previous.cert_pem), cose(service, ROOT_B), service.cert)
    assert caught.value.field == "cert"
    with pytest.raises(ReceiptInvalid) as caught:  # without its certificate: the current key does not verify
        build_proof(cose_statement(old, ROOT_A), cose(service, ROOT_B), service.cert)
    assert caught.value.field == "kid"
