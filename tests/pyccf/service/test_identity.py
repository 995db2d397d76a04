"""Service and node identities, judged by the oracle's ``ccf.receipt`` certificate checks."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest
from cryptography.hazmat.primitives import serialization

from pyccf.service.identity import Identity, NodeIdentity, derive_key, node_identity, service_identity
from tests.oracle import oracle_json
from tests.pyccf.service.conftest import START, VALIDITY

CHECK_CHAIN = """
import json, sys, ccf.receipt
from cryptography.x509 import load_pem_x509_certificate as load
node, service = load(sys.argv[1].encode()), load(sys.argv[2].encode())
out = {}
checks = (("endorsements", ccf.receipt.check_endorsements), ("chain", ccf.receipt.check_cert_chain))
for name, check in checks:
    try:
        check(node, service, [])
        out[name] = "ok"
    except Exception as e:
        out[name] = type(e).__name__
print(json.dumps(out))
"""


def test_a_node_certificate_passes_the_oracle_against_its_service(
    node: NodeIdentity, service: Identity
) -> None:
    assert oracle_json(CHECK_CHAIN, node.cert_pem, service.cert_pem) == {"endorsements": "ok", "chain": "ok"}


def test_a_node_certificate_fails_against_another_service(
    node: NodeIdentity, foreign_service: Identity
) -> None:
    result = oracle_json(CHECK_CHAIN, node.cert_pem, foreign_service.cert_pem)
    assert result["endorsements"] != "ok" and result["chain"] != "ok"


def test_a_self_signed_node_certificate_fails_the_chain(service: Identity) -> None:
    key = derive_key(b"node seed", "node")
    rogue = node_identity(key, Identity(key, service_identity(key, not_before=START).cert), not_before=START)
    result = oracle_json(CHECK_CHAIN, rogue.cert_pem, service.cert_pem)
    assert result == {"endorsements": "InvalidSignature", "chain": "VerificationError"}


def test_node_id_is_the_digest_of_the_public_key_der(node: NodeIdentity) -> None:
    der = node.cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert node.node_id == hashlib.sha256(der).hexdigest()


def test_identities_are_deterministic(service: Identity, node: NodeIdentity) -> None:
    again = service_identity(derive_key(b"service seed", "service"), not_before=START, validity=VALIDITY)
    assert again.cert_pem == service.cert_pem
    assert node_identity(
        derive_key(b"node seed", "node"), again, not_before=START, validity=VALIDITY
    ).cert_pem == (node.cert_pem)
    assert derive_key(b"node seed", "other").private_numbers() != node.key.private_numbers()
    assert service.cert.not_valid_before_utc == START


def test_a_naive_start_date_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        service_identity(derive_key(b"x", "service"), not_before=datetime(2025, 1, 1))
