"""The auditor's cryptographic primitives, in one place for the ledger and the receipt checks: digests,
CCF's key ids, Merkle folding, certificate endorsement, and the two signature schemes of a signature
transaction (the node's ECDSA over the root as a SHA-256 prehash; the service's COSE_Sign1, ES384)."""

from __future__ import annotations

import hashlib

import cbor2
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def key_id(key: ec.EllipticCurvePublicKey) -> str:
    """CCF's node id / COSE kid: hex SHA-256 of the key's DER SubjectPublicKeyInfo."""
    spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def leaf_of(write_set_digest: bytes, commit_evidence: str, claims_digest: bytes) -> bytes:
    return sha256(write_set_digest + sha256(commit_evidence.encode()) + claims_digest)


def fold(leaf: bytes, path: list[tuple[bool, bytes]]) -> bytes:
    """The root from a leaf and its bottom-up path of (sibling is left, sibling)."""
    acc = leaf
    for is_left, sibling in path:
        acc = sha256(sibling + acc) if is_left else sha256(acc + sibling)
    return acc


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def check_endorsed(
    node_cert: x509.Certificate, service_cert: x509.Certificate, endorsements: list[x509.Certificate]
) -> bool:
    """True if ``node_cert`` chains to ``service_cert``, directly or through previous identities."""
    current, left = node_cert, list(endorsements)
    while not issued_by(current, service_cert):
        issuer = next((e for e in left if issued_by(current, e)), None)
        if issuer is None:
            return False
        left.remove(issuer)
        current = issuer
    return True


def verify_root_signature(key: ec.EllipticCurvePublicKey, root: bytes, der: bytes) -> bool:
    """A node's signature: DER ECDSA over the 32-byte root as a SHA-256 prehash."""
    try:
        key.verify(der, root, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    except InvalidSignature:
        return False
    return True


def verify_sign1(key: ec.EllipticCurvePublicKey, protected: bytes, payload: bytes, signature: bytes) -> bool:
    """A COSE_Sign1 signature (raw r || s) over ``payload`` as the detached payload."""
    half = len(signature) // 2
    if len(signature) % 2 or half == 0:
        return False
    der = utils.encode_dss_signature(
        int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    )
    to_sign = cbor2.dumps(["Signature1", protected, b"", payload])
    try:
        key.verify(der, to_sign, ec.ECDSA(hashes.SHA384()))
    except InvalidSignature:
        return False
    return True
