"""Governance requests as CCF's members sign them: COSE_Sign1 (ES384) with CCF's ``ccf.gov.msg.*`` headers.

A member's key and self-signed certificate derive from a seed and the signatures are deterministic
(RFC 6979), so a run replays byte for byte. Verification follows ``cose_auth.cpp``: tagged COSE_Sign1,
ECDSA ``alg``, ``kid`` a member id present in ``members.certs``, the signature by that certificate's key,
then the expected ``ccf.gov.msg.type``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import cbor2
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.x509.oid import NameOID

from pyccf.formats.governance import (
    HEADER_CREATED_AT,
    HEADER_MSG_TYPE,
    HEADER_PROPOSAL_ID,
    MAX_CREATED_AT,
    MsgType,
)
from pyccf.formats.ledger import COSE_ALG, COSE_ALG_ES384, COSE_KID, COSE_SIGN1_TAG
from pyccf.service.identity import derive_key

_P384_COORDINATE = 48
_ECDSA_ALGS: dict[int, Callable[[], hashes.HashAlgorithm]] = {
    -7: hashes.SHA256,  # ES256
    -35: hashes.SHA384,  # ES384
    -36: hashes.SHA512,  # ES512
}
#: A fixed start date for member certificates, so they are byte-identical across runs.
MEMBER_CERT_START = datetime(2025, 1, 1, tzinfo=UTC)


class RequestRefused(Exception):
    """CCF refuses the request: ``code`` is CCF's error code, ``status`` its HTTP status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Member:
    """A member's signing key and certificate (and, for a recovery member, an encryption key PEM)."""

    name: str
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    encryption_pub_key: str | None = None

    @property
    def cert_pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    @property
    def id(self) -> str:
        """CCF's MemberId: hex SHA-256 of the DER certificate."""
        return hashlib.sha256(self.cert.public_bytes(serialization.Encoding.DER)).hexdigest()

    def sign(
        self, msg_type: MsgType, payload: bytes, *, created_at: int, proposal_id: str | None = None
    ) -> bytes:
        return sign_request(
            self.key, self.id, msg_type, payload, created_at=created_at, proposal_id=proposal_id
        )


def member_from_seed(seed: bytes, name: str, *, encryption_pub_key: str | None = None) -> Member:
    """A member whose key derives from ``seed`` and ``name``, with a self-signed certificate (CN = name)."""
    key = derive_key(seed, f"member {name}")
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    serial = (
        int.from_bytes(hashlib.sha256(b"pyccf member\0" + name.encode() + seed).digest()[:16], "big") >> 1
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(serial | 1)
        .not_valid_before(MEMBER_CERT_START)
        .not_valid_after(MEMBER_CERT_START + timedelta(days=3650))
        .sign(key, hashes.SHA384(), ecdsa_deterministic=True)
    )
    return Member(name, key, cert, encryption_pub_key)


def protected_header(
    member_id: str, msg_type: MsgType, *, created_at: int, proposal_id: str | None = None
) -> dict[Any, Any]:
    header: dict[Any, Any] = {
        COSE_ALG: COSE_ALG_ES384,
        COSE_KID: member_id.encode("ascii"),
        HEADER_MSG_TYPE: str(msg_type),
        HEADER_CREATED_AT: created_at,
    }
    if proposal_id is not None:
        header[HEADER_PROPOSAL_ID] = proposal_id
    return header


def sign_request(
    key: ec.EllipticCurvePrivateKey,
    member_id: str,
    msg_type: MsgType,
    payload: bytes,
    *,
    created_at: int,
    proposal_id: str | None = None,
) -> bytes:
    """A tagged COSE_Sign1 over ``payload`` (deterministic ES384, signature raw r || s)."""
    protected = cbor2.dumps(
        protected_header(member_id, msg_type, created_at=created_at, proposal_id=proposal_id)
    )
    der = key.sign(
        cbor2.dumps(["Signature1", protected, b"", payload]),
        ec.ECDSA(hashes.SHA384(), deterministic_signing=True),
    )
    r, s = utils.decode_dss_signature(der)
    signature = r.to_bytes(_P384_COORDINATE, "big") + s.to_bytes(_P384_COORDINATE, "big")
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


@dataclass(frozen=True)
class SignedRequest:
    """A verified request: who signed it, what for, and the bytes a proposal id and replay check use."""

    member_id: str
    msg_type: str
    created_at: int
    proposal_id: str | None
    payload: bytes
    signature: bytes
    raw: bytes


def _refuse(message: str) -> RequestRefused:
    return RequestRefused(401, "InvalidAuthenticationInfo", message)


def _parse(raw: bytes) -> tuple[dict[Any, Any], bytes, bytes, bytes]:
    try:
        message = cbor2.loads(raw)
    except (cbor2.CBORDecodeError, ValueError, TypeError, EOFError) as error:
        raise _refuse(f"Failed to decode COSE Sign1: {error}") from None
    if not isinstance(message, cbor2.CBORTag) or message.tag != COSE_SIGN1_TAG:
        raise _refuse("Failed to decode COSE Sign1: not a tagged COSE_Sign1")
    body = message.value
    if not isinstance(body, list | tuple) or len(body) != 4:
        raise _refuse("Failed to decode COSE Sign1: not a 4-element array")
    protected_bytes, _unprotected, payload, signature = body
    if not all(isinstance(x, bytes) for x in (protected_bytes, payload, signature)):
        raise _refuse("Failed to decode COSE Sign1: protected header, payload and signature must be bstr")
    try:
        header = cbor2.loads(protected_bytes)
    except (cbor2.CBORDecodeError, ValueError, TypeError, EOFError):
        raise _refuse("Failed to decode COSE Sign1: protected header is not CBOR") from None
    if not isinstance(header, dict):
        raise _refuse("Failed to decode COSE Sign1: protected header is not a map")
    return header, protected_bytes, payload, signature


def verify_request(raw: bytes, cert_of: Callable[[str], str | None], expected: MsgType) -> SignedRequest:
    """Check ``raw`` against the certificate of the member its kid names (``cert_of``: member id -> PEM,
    None for no such member); RequestRefused if it fails."""
    header, protected_bytes, payload, signature = _parse(raw)
    alg = header.get(COSE_ALG)
    if alg not in _ECDSA_ALGS:
        raise _refuse(f"Unsupported COSE alg {alg!r}: ECDSA only")
    kid = header.get(COSE_KID)
    if not isinstance(kid, bytes):
        raise _refuse("Missing kid in protected header")
    member_id = kid.decode("ascii", errors="replace")
    cert = cert_of(member_id)
    if cert is None:
        raise _refuse("Signer is not a known member")
    public_key = x509.load_pem_x509_certificate(cert.encode()).public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey) or len(signature) % 2:
        raise _refuse("Failed to validate COSE Sign1")
    half = len(signature) // 2
    der = utils.encode_dss_signature(
        int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    )
    try:
        public_key.verify(
            der, cbor2.dumps(["Signature1", protected_bytes, b"", payload]), ec.ECDSA(_ECDSA_ALGS[alg]())
        )
    except InvalidSignature:
        raise _refuse("Failed to validate COSE Sign1") from None
    msg_type = header.get(HEADER_MSG_TYPE)
    if msg_type != str(expected):
        raise _refuse(f"Found {HEADER_MSG_TYPE} set to {msg_type}, expected {expected}")
    created_at = header.get(HEADER_CREATED_AT)
    if (
        not isinstance(created_at, int)
        or isinstance(created_at, bool)
        or not 0 <= created_at <= MAX_CREATED_AT
    ):
        raise _refuse(f"{HEADER_CREATED_AT} must be an integer in 0..{MAX_CREATED_AT}")
    proposal_id = header.get(HEADER_PROPOSAL_ID)
    if expected in (MsgType.BALLOT, MsgType.WITHDRAWAL) and not isinstance(proposal_id, str):
        raise _refuse(f"Missing {HEADER_PROPOSAL_ID} in protected header")
    return SignedRequest(member_id, msg_type, created_at, proposal_id, payload, signature, raw)


def proposal_id(root: bytes, request: SignedRequest) -> str:
    """CCF's proposal id: hex SHA-256(Merkle root at the read version || SHA-256(COSE signature))."""
    return hashlib.sha256(root + hashlib.sha256(request.signature).digest()).hexdigest()
