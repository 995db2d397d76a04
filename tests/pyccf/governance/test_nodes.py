"""CCF's node actions on nodes.info: trusting a Pending node (endorsing its CSR), removing nodes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from pyccf.formats.governance import ProposalState
from pyccf.formats.ledger import NodeStatus, Table
from pyccf.governance.network import endorse_csr, endorse_csr_effect, network_effects
from pyccf.service.identity import derive_key, key_digest, service_identity
from tests.pyccf.governance.helpers import SEED, Service, needs_constitutions, new_service, proposal

pytestmark = needs_constitutions
VALID_FROM = "20250101000000Z"


def add_node(svc: Service, name: str, status: NodeStatus, *, csr: bool = False) -> str:
    key = derive_key(SEED, f"node {name}")
    nid = key_digest(key.public_key())
    info: dict[str, object] = {"status": str(status), "public_key": "pem"}
    if csr:
        req = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CCF Node")]))
            .sign(key, hashes.SHA384(), ecdsa_deterministic=True)
        )
        info["certificate_signing_request"] = req.public_bytes(serialization.Encoding.PEM).decode()
    tx = svc.store.begin()
    tx.put(Table.NODES_INFO, nid.encode(), json.dumps(info).encode())
    tx.commit()
    return nid


def node_info(svc: Service, nid: str) -> dict[str, object] | None:
    raw = svc.store.get(Table.NODES_INFO, nid.encode())
    return None if raw is None else json.loads(raw)


def accept(svc: Service, body: bytes) -> ProposalState:
    pid = svc.propose("m0", body).proposal_id
    svc.vote("m0", pid)
    return svc.vote("m1", pid).state


def test_transition_node_to_trusted_and_remove_node() -> None:
    svc = new_service(3)
    svc.gov.latest_ledger_secret_seqno = 7
    pending = add_node(svc, "a", NodeStatus.PENDING)
    trusted = add_node(svc, "b", NodeStatus.TRUSTED)
    body = proposal(("transition_node_to_trusted", {"node_id": pending, "valid_from": VALID_FROM}))
    assert accept(svc, body) == ProposalState.ACCEPTED
    assert node_info(svc, pending) == {"ledger_secret_seqno": 7, "public_key": "pem", "status": "Trusted"}
    assert accept(svc, proposal(("remove_node", {"node_id": trusted}))) == ProposalState.ACCEPTED
    assert node_info(svc, trusted) == {"public_key": "pem", "status": "Retired"}
    third = add_node(svc, "c", NodeStatus.PENDING)
    assert accept(svc, proposal(("remove_node", {"node_id": third}))) == ProposalState.ACCEPTED
    assert node_info(svc, third) is None  # a removed Pending node is deleted, not Retired


def test_trusting_a_node_with_a_csr_needs_the_service_key() -> None:
    svc = new_service(3)
    nid = add_node(svc, "a", NodeStatus.PENDING, csr=True)
    body = proposal(("transition_node_to_trusted", {"node_id": nid, "valid_from": VALID_FROM}))
    assert accept(svc, body) == ProposalState.FAILED  # no generateEndorsedCertificate installed
    assert node_info(svc, nid)["status"] == "Pending"  # type: ignore[index]
    service = service_identity(derive_key(SEED, "service"), not_before=datetime(2025, 1, 1, tzinfo=UTC))
    assert service.cert_pem == svc.service_cert
    svc.gov.effects["generateEndorsedCertificate"] = endorse_csr_effect(service)
    assert accept(svc, body) == ProposalState.ACCEPTED
    pem = svc.store.get(Table.NODES_ENDORSED_CERTIFICATES, nid.encode())
    assert pem is not None
    cert = x509.load_pem_x509_certificate(pem)
    assert cert.issuer == service.cert.subject
    cert.verify_directly_issued_by(service.cert)
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 364  # 365 days less a second
    assert key_digest(cert.public_key()) == nid  # type: ignore[arg-type]


def test_certificate_validity_actions_with_the_network_effects() -> None:
    svc = new_service(3)
    service = service_identity(derive_key(SEED, "service"), not_before=datetime(2025, 1, 1, tzinfo=UTC))
    svc.gov.effects.update(network_effects(service))
    nid = add_node(svc, "a", NodeStatus.PENDING, csr=True)
    trust = proposal(("transition_node_to_trusted", {"node_id": nid, "valid_from": VALID_FROM}))
    assert accept(svc, trust) == ProposalState.ACCEPTED
    body = proposal(
        (
            "set_node_certificate_validity",
            {"node_id": nid, "valid_from": "20260101000000Z", "validity_period_days": 30},
        )
    )
    assert accept(svc, body) == ProposalState.ACCEPTED
    node_cert = x509.load_pem_x509_certificate(
        svc.store.get(Table.NODES_ENDORSED_CERTIFICATES, nid.encode()) or b""
    )
    assert node_cert.not_valid_before_utc == datetime(2026, 1, 1, tzinfo=UTC)
    too_long = proposal(
        (
            "set_node_certificate_validity",
            {"node_id": nid, "valid_from": VALID_FROM, "validity_period_days": 366},
        )
    )
    assert accept(svc, too_long) == ProposalState.FAILED  # above maximum_node_certificate_validity_days
    body = proposal(
        ("set_service_certificate_validity", {"valid_from": "260201000000Z", "validity_period_days": 10})
    )
    assert accept(svc, body) == ProposalState.ACCEPTED
    info = json.loads(svc.store.get(Table.SERVICE_INFO, b"\0" * 8) or b"{}")
    renewed = x509.load_pem_x509_certificate(info["cert"].encode())
    assert renewed.public_key() == service.cert.public_key() and renewed.subject == service.cert.subject
    assert renewed.not_valid_before_utc == datetime(2026, 2, 1, tzinfo=UTC)
    assert renewed.not_valid_after_utc == datetime(2026, 2, 11, tzinfo=UTC)


def test_a_csr_whose_signature_does_not_verify_is_not_endorsed() -> None:
    service = service_identity(derive_key(SEED, "service"), not_before=datetime(2025, 1, 1, tzinfo=UTC))
    key = derive_key(SEED, "node x")
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CCF Node")]))
        .sign(key, hashes.SHA384(), ecdsa_deterministic=True)
    )
    der = bytearray(csr.public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0x01  # inside the signature
    tampered = x509.load_der_x509_csr(bytes(der)).public_bytes(serialization.Encoding.PEM).decode()
    assert endorse_csr(service, csr.public_bytes(serialization.Encoding.PEM).decode(), VALID_FROM, 1)
    with pytest.raises(ValueError, match="signature does not verify"):
        endorse_csr(service, tampered, VALID_FROM, 1)
    with pytest.raises(ValueError, match="not an ASN.1 time"):
        endorse_csr(service, csr.public_bytes(serialization.Encoding.PEM).decode(), "2025-01-01", 1)
