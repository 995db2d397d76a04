"""Service and node identities: P-384 keys and the X.509 certificates CCF gives them.

Everything derives from what the caller passes in (a seed or a key, and the certificate's start date), so
the same inputs give byte-identical certificates: keys from a seed by hashing, serial numbers from the
public key, ECDSA signatures deterministic (RFC 6979).
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

#: The order of P-384's base point: a derived private scalar lies in [1, order - 1].
_P384_ORDER = int(
    "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973", 16
)
DEFAULT_VALIDITY = timedelta(days=365)
SERVICE_SUBJECT = "CCF Service"
NODE_SUBJECT = "CCF Node"
DEFAULT_NODE_SAN: tuple[x509.GeneralName, ...] = (x509.IPAddress(ipaddress.ip_address("127.0.0.1")),)


def derive_key(seed: bytes, purpose: str) -> ec.EllipticCurvePrivateKey:
    """A P-384 private key derived from ``seed``; ``purpose`` separates the keys of one seed."""
    digest = hashlib.sha512(b"pyccf P-384 key\0" + purpose.encode() + b"\0" + seed).digest()
    return ec.derive_private_key(int.from_bytes(digest, "big") % (_P384_ORDER - 1) + 1, ec.SECP384R1())


def spki_der(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_digest(key: ec.EllipticCurvePublicKey) -> str:
    """Hex SHA-256 of the DER SubjectPublicKeyInfo: a node's id, the service key's COSE kid."""
    return hashlib.sha256(spki_der(key)).hexdigest()


@dataclass(frozen=True)
class Identity:
    """A private key and the certificate for its public key."""

    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def cert_pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    @property
    def public_key_pem(self) -> str:
        return (
            self.key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode("ascii")
        )

    @property
    def key_id(self) -> str:
        """Hex SHA-256 of the public key's DER SubjectPublicKeyInfo (CCF's node id and COSE kid)."""
        return key_digest(self.key.public_key())


#: A service identity signs certificates (node certificates, endorsements) and COSE signatures.
_CA_KEY_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    not_before: datetime,
    validity: timedelta,
) -> x509.CertificateBuilder:
    """Subject, issuer, key, dates and SKI; the serial number derives from the key and the issuer."""
    if not_before.tzinfo is None:
        raise ValueError("certificate start date: a timezone-aware datetime is needed (UTC)")
    start = not_before.astimezone(UTC).replace(microsecond=0)
    spki = spki_der(public_key)
    seed = b"pyccf serial\0" + spki + issuer.public_bytes()
    serial = int.from_bytes(hashlib.sha256(seed).digest()[:16], "big") >> 1 | 1
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(start + validity)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def service_identity(
    key: ec.EllipticCurvePrivateKey,
    *,
    not_before: datetime,
    validity: timedelta = DEFAULT_VALIDITY,
    subject: str = SERVICE_SUBJECT,
) -> Identity:
    """The service's self-signed CA certificate (what X.509 path validation needs of an anchor)."""
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        _builder(_name(subject), _name(subject), key.public_key(), not_before, validity)
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_CA_KEY_USAGE, critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA384(), ecdsa_deterministic=True)
    )
    return Identity(key, cert)


def endorse_previous_service(
    previous: x509.Certificate,
    current: Identity,
    *,
    not_before: datetime,
    validity: timedelta = DEFAULT_VALIDITY,
) -> x509.Certificate:
    """The current service's endorsement of a previous identity (after a recovery): the previous key and
    subject as a CA issued by the current key, so receipts signed under the previous identity still chain
    to the current certificate through ``service_endorsements``."""
    public_key = previous.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise ValueError("previous service certificate: its key is not an EC key")
    current_ski = current.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        _builder(previous.subject, current.cert.subject, public_key, not_before, validity)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_CA_KEY_USAGE, critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(current_ski), critical=False
        )
        .sign(current.key, hashes.SHA384(), ecdsa_deterministic=True)
    )


@dataclass(frozen=True)
class NodeIdentity(Identity):
    """A node's key and its certificate endorsed by the service key."""

    @property
    def node_id(self) -> str:
        return self.key_id


def node_identity(
    key: ec.EllipticCurvePrivateKey,
    service: Identity,
    *,
    not_before: datetime,
    validity: timedelta = DEFAULT_VALIDITY,
    subject: str = NODE_SUBJECT,
    san: Sequence[x509.GeneralName] = DEFAULT_NODE_SAN,
) -> NodeIdentity:
    """A node certificate endorsed by ``service``, with the AKI and SAN path validation needs."""
    issuer_ski = service.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        _builder(_name(subject), service.cert.subject, key.public_key(), not_before, validity)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski), critical=False
        )
        .add_extension(x509.SubjectAlternativeName(list(san)), critical=False)
        .sign(service.key, hashes.SHA384(), ecdsa_deterministic=True)
    )
    return NodeIdentity(key, cert)
