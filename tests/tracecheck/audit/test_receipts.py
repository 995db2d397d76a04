"""The auditor's receipt verifier: pyccf's service's receipts, forged variants, and the oracle's verdicts."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives import serialization

from pyccf.formats.ledger import COSE_KID, COSE_VDP, COSE_VDS
from pyccf.kv.store import Transaction
from pyccf.ledger.files import ChunkPolicy
from pyccf.ledger.merkle import MerkleTree
from pyccf.ledger.secrets import LedgerSecret
from pyccf.service.identity import (
    Identity,
    NodeIdentity,
    derive_key,
    endorse_previous_service,
    node_identity,
    service_identity,
)
from pyccf.service.receipts import LeafComponents, SignatureTx, json_receipt, signature_json_receipt
from pyccf.service.signing import signature_transaction
from pyccf.service.writer import ServiceWriter
from tracecheck.audit.receipts import ReceiptInvalid, Verified, verify_cose, verify_json
from tracecheck.errors import BadInput

#: A fixed clock; long-lived certificates because the oracle validates paths at the real time.
START = datetime(2025, 1, 1, tzinfo=UTC)
VALIDITY = timedelta(days=365 * 200)
TXS, EVERY = 12, 5


def make_service(seed: bytes) -> Identity:
    return service_identity(derive_key(seed, "service"), not_before=START, validity=VALIDITY)


def make_node(seed: bytes, service: Identity) -> NodeIdentity:
    return node_identity(derive_key(seed, "node"), service, not_before=START, validity=VALIDITY)


@pytest.fixture(scope="session")
def service() -> Identity:
    return make_service(b"audit service")


@pytest.fixture(scope="session")
def node(service: Identity) -> NodeIdentity:
    return make_node(b"audit node", service)


@pytest.fixture(scope="session")
def foreign_service() -> Identity:
    return make_service(b"audit foreign service")


def put(i: int) -> Callable[[Transaction], None]:
    def body(tx: Transaction) -> None:
        tx.put("public:app.values", b"k%d" % (i % 3), b"v%d" % i)

    return body


def write_service(folder: Path, service: Identity, node: NodeIdentity) -> ServiceWriter:
    writer = ServiceWriter(
        folder,
        service,
        node,
        LedgerSecret.from_seed(b"audit secret"),
        START,
        signature_every=EVERY,
        chunk_policy=ChunkPolicy(max_entries=8),
    )
    writer.genesis(encryption_pub_key=node.public_key_pem)
    for i in range(TXS):
        writer.execute(put(i))
    writer.sign()
    writer.commit()
    return writer


@pytest.fixture(scope="module")
def writer(tmp_path_factory: pytest.TempPathFactory, service: Identity, node: NodeIdentity) -> ServiceWriter:
    return write_service(tmp_path_factory.mktemp("ledger"), service, node)


def client_seqnos(writer: ServiceWriter) -> list[int]:
    return [s for s, w in sorted(writer.written.items()) if not w.is_signature and s > 1]


def signature_seqnos(writer: ServiceWriter) -> list[int]:
    return [s for s, w in sorted(writer.written.items()) if w.is_signature]


def flip_b64(text: str) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[-1] ^= 1
    return base64.b64encode(bytes(raw)).decode("ascii")


def flip_hex(text: str) -> str:
    return text[:-1] + ("0" if text[-1] != "0" else "1")


# ---------------------------------------------------------------------------------------- JSON


def test_every_json_receipt_verifies(writer: ServiceWriter, service: Identity, node: NodeIdentity) -> None:
    for seqno in client_seqnos(writer):
        v = verify_json(writer.receipt(seqno), service.cert)
        assert (v.kind, v.txid, v.signer) == ("json", (writer.view, seqno), node.node_id)
        assert v.root == writer.signature_covering(seqno).root
    for seqno in signature_seqnos(writer):
        sig = writer.signature_covering(seqno - 1)
        v = verify_json(signature_json_receipt(sig), service.cert)
        assert (v.kind, v.root, v.txid) == ("json-signature", sig.root, None)


def json_forgeries(writer: ServiceWriter, foreign: Identity, service: Identity) -> dict[str, dict[str, Any]]:
    """One receipt per changed field; each must fail."""
    seqnos = client_seqnos(writer)
    good, other = writer.receipt(seqnos[1]), writer.receipt(seqnos[2])
    forged: dict[str, dict[str, Any]] = {}
    for field in ("claims_digest", "commit_evidence", "write_set_digest"):
        bad = copy.deepcopy(good)
        bad["leaf_components"][field] = (
            flip_hex(good["leaf_components"][field])
            if field != "commit_evidence"
            else other["leaf_components"][field]
        )
        forged[field] = bad
    forged["proof"] = {**good, "proof": other["proof"]}
    bad = copy.deepcopy(good)
    ((side, value),) = bad["proof"][0].items()
    bad["proof"][0] = {("left" if side == "right" else "right"): value}
    forged["proof side"] = bad
    bad = copy.deepcopy(good)
    bad["proof"][-1] = {k: flip_hex(v) for k, v in bad["proof"][-1].items()}
    forged["proof hash"] = bad
    forged["signature"] = {**good, "signature": flip_b64(good["signature"])}
    stranger = make_node(b"stranger", foreign)
    forged["cert"] = {**good, "cert": stranger.cert_pem}
    forged["node_id"] = {**good, "node_id": make_node(b"another node", service).node_id}
    return forged


def test_a_json_receipt_with_any_field_changed_fails(
    writer: ServiceWriter, service: Identity, foreign_service: Identity
) -> None:
    for field, bad in json_forgeries(writer, foreign_service, service).items():
        with pytest.raises(ReceiptInvalid) as caught:
            verify_json(bad, service.cert, "r.json")
        assert str(caught.value).startswith("r.json: field "), (field, caught.value)


def test_the_oracle_rejects_the_same_forgeries_but_a_wrong_node_id(
    writer: ServiceWriter, service: Identity, foreign_service: Identity
) -> None:
    """CCF's ccf.receipt judges our forgeries as we do, except a node_id naming another node: it accepts."""
    from tests.pyccf.service.test_receipts import verify_json as oracle_verify

    forged = json_forgeries(writer, foreign_service, service)
    good = writer.receipt(client_seqnos(writer)[1])
    verdicts = oracle_verify([good, *forged.values()], service)
    assert verdicts[0] == "ok"
    by_field = dict(zip(forged, verdicts[1:], strict=True))
    assert by_field.pop("node_id") == "ok"  # the oracle does not tie node_id to the certificate
    assert "ok" not in by_field.values(), by_field


def test_another_services_certificate_fails(writer: ServiceWriter, foreign_service: Identity) -> None:
    seqno = client_seqnos(writer)[0]
    with pytest.raises(ReceiptInvalid, match="not endorsed by the service"):
        verify_json(writer.receipt(seqno), foreign_service.cert)
    with pytest.raises(ReceiptInvalid, match="field 'kid'"):
        verify_cose(writer.cose_receipt(seqno), foreign_service.cert)


def test_a_receipt_of_a_previous_identity_needs_its_endorsement(service: Identity) -> None:
    """After a recovery the node's certificate chains to the current service through the endorsement."""
    previous = make_service(b"previous service")
    old_node = make_node(b"old node", previous)
    tree = MerkleTree()
    parts = [LeafComponents(bytes([s]) * 32, f"ce:3.{s}:{'ab' * 32}", bytes(32)) for s in range(1, 4)]
    for p in parts:
        tree.append(p.leaf)
    sig = SignatureTx.from_writes(signature_transaction(tree, 3, 4, old_node, previous, iat=0))
    endorsement = endorse_previous_service(previous.cert, service, not_before=START, validity=VALIDITY)
    pem = endorsement.public_bytes(serialization.Encoding.PEM).decode()
    receipt = json_receipt(tree, 2, parts[1], sig, [pem])
    assert verify_json(receipt, service.cert).txid == (3, 2)
    with pytest.raises(ReceiptInvalid, match="not endorsed"):
        verify_json({**receipt, "service_endorsements": []}, service.cert)
    unrelated = endorse_previous_service(
        make_service(b"x").cert, service, not_before=START, validity=VALIDITY
    )
    unrelated_pem = unrelated.public_bytes(serialization.Encoding.PEM).decode()
    with pytest.raises(ReceiptInvalid, match="not endorsed"):
        verify_json({**receipt, "service_endorsements": [unrelated_pem]}, service.cert)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: r.pop("signature"), "signature"),
        (lambda r: r.update(signature="not base64!"), "signature"),
        (lambda r: r.update(proof=[{"up": "00"}]), "proof[0]"),
        (lambda r: r["leaf_components"].update(claims_digest="abc"), "claims_digest"),
        (lambda r: r["leaf_components"].update(commit_evidence="ce:x"), "commit_evidence"),
        (lambda r: r.update(cert="garbage"), "cert"),
        (lambda r: r.update(service_endorsements=["garbage"]), "service_endorsements[0]"),
    ],
)
def test_malformed_json_receipts_are_bad_input(
    writer: ServiceWriter, service: Identity, change: Any, field: str | None
) -> None:
    bad = copy.deepcopy(writer.receipt(client_seqnos(writer)[0]))
    change(bad)
    with pytest.raises(BadInput) as caught:
        verify_json(bad, service.cert, "r.json")
    assert caught.value.field == field
    assert "r.json" in str(caught.value)


# ---------------------------------------------------------------------------------------- COSE


def test_every_cose_receipt_verifies(writer: ServiceWriter, service: Identity) -> None:
    for seqno in client_seqnos(writer):
        v: Verified = verify_cose(writer.cose_receipt(seqno), service.cert)
        sig = writer.signature_covering(seqno)
        assert (v.txid, v.signature_txid, v.root) == ((writer.view, seqno), (sig.view, sig.seqno), sig.root)
        assert v.signer == service.key_id


def cose_forgeries(good: bytes) -> dict[str, bytes]:
    tag = cbor2.loads(good)
    protected, unprotected, _, signature = tag.value
    proof = cbor2.loads(unprotected[COSE_VDP][-1][0])

    def with_proof(p: dict[int, Any]) -> bytes:
        return cbor2.dumps(
            cbor2.CBORTag(18, [protected, {COSE_VDP: {-1: [cbor2.dumps(p)]}}, None, signature])
        )

    def with_header(key: int | str, value: object) -> bytes:
        header = cbor2.loads(protected)
        header[key] = value
        return cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps(header), unprotected, None, signature]))

    forged = {}
    for i, name in enumerate(("write_set_digest", "commit_evidence", "claims_digest")):
        leaf = list(proof[1])
        leaf[i] = (
            leaf[i][:-1] + (b"\x01" if leaf[i][-1:] != b"\x01" else b"\x02") if i != 1 else leaf[i] + "0"
        )
        forged[name] = with_proof({1: leaf, 2: proof[2]})
    path = [list(s) for s in proof[2]]
    path[0][1] = bytes(32)
    forged["path hash"] = with_proof({1: proof[1], 2: path})
    path = [list(s) for s in proof[2]]
    path[0][0] = not path[0][0]
    forged["path side"] = with_proof({1: proof[1], 2: path})
    sig = bytearray(signature)
    sig[5] ^= 1
    forged["signature"] = cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, None, bytes(sig)]))
    forged["kid"] = with_header(COSE_KID, b"0" * 64)
    forged["vds"] = with_header(COSE_VDS, 1)
    forged["txid"] = with_header("ccf.v1", {"txid": "2.1"})
    return forged


def test_a_cose_receipt_with_any_field_changed_fails(writer: ServiceWriter, service: Identity) -> None:
    good = writer.cose_receipt(client_seqnos(writer)[2])
    forged = cose_forgeries(good)
    for name, bad in forged.items():
        with pytest.raises(ReceiptInvalid) as caught:
            verify_cose(bad, service.cert, "r.cose")
        assert "r.cose: field" in str(caught.value), name
    assert caught.value.field == "signature"  # a changed txid breaks the signature over the header
    from tests.pyccf.service.test_receipts import verify_cose as oracle_verify

    claims = bytes(32)
    verdicts = oracle_verify([(good, claims), *((b, claims) for b in forged.values())], service)
    assert verdicts[0] != "ok" and "." in verdicts[0]  # the oracle returns the signed txid
    assert all("." not in v for v in verdicts[1:]), verdicts


@pytest.mark.parametrize(
    "data", [b"", b"\xff\x00", cbor2.dumps([1, 2]), cbor2.dumps(cbor2.CBORTag(18, [b"", {}]))]
)
def test_malformed_cose_receipts_are_bad_input(service: Identity, data: bytes) -> None:
    with pytest.raises(BadInput, match="r.cose"):
        verify_cose(data, service.cert, "r.cose")


def test_a_cose_receipt_without_a_proof_is_bad_input(writer: ServiceWriter, service: Identity) -> None:
    sig = writer.signature_covering(client_seqnos(writer)[0])
    assert sig.cose_sign1 is not None
    with pytest.raises(BadInput, match="field 'vdp'"):
        verify_cose(sig.cose_sign1, service.cert, "r.cose")


def test_json_receipts_round_trip_through_files(
    tmp_path: Path, writer: ServiceWriter, service: Identity
) -> None:
    from tracecheck.audit.receipts import verify_file

    seqno = client_seqnos(writer)[0]
    (tmp_path / "r.json").write_text(json.dumps(writer.receipt(seqno)))
    (tmp_path / "r.cose").write_bytes(writer.cose_receipt(seqno))
    assert verify_file(tmp_path / "r.json", service.cert).kind == "json"
    assert verify_file(tmp_path / "r.cose", service.cert).kind == "cose"
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(BadInput, match="bad.json"):
        verify_file(tmp_path / "bad.json", service.cert)
    with pytest.raises(BadInput, match="missing"):
        verify_file(tmp_path / "missing", service.cert)
    (tmp_path / "list.json").write_text("[]")  # named .json: judged as JSON, not as COSE bytes
    with pytest.raises(BadInput, match="list.json: a JSON receipt is an object"):
        verify_file(tmp_path / "list.json", service.cert)
