"""Host calls of ``ccf.network`` that need the service's key: node and service certificates.

``transition_node_to_trusted`` and ``set_node_certificate_validity`` ask
``ccf.network.generateEndorsedCertificate(csr, valid_from, validity_period_days)`` for the node
certificate the service endorses; ``set_service_certificate_validity`` asks
``ccf.network.generateNetworkCertificate(valid_from, validity_period_days)`` for the renewed service
certificate (same key). A service installs ``network_effects(service)`` in ``Governance.effects``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from pyccf.governance.js import Effect
from pyccf.governance.kvview import KvView
from pyccf.service.identity import Identity, service_identity

#: The forms CCF's ``valid_from`` takes (ASN.1 UTCTime / GeneralizedTime, as ``ccf.crypto`` parses them).
_TIME_FORMATS = ("%y%m%d%H%M%SZ", "%Y%m%d%H%M%SZ")


def parse_valid_from(text: str) -> datetime:
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError(f"valid_from {text!r} is not an ASN.1 time (YYMMDDhhmmssZ or YYYYMMDDhhmmssZ)")


def endorse_csr(service: Identity, csr_pem: str, valid_from: str, validity_days: int) -> str:
    """The node certificate for ``csr_pem``, issued by the service identity (deterministic: the serial
    derives from the key and the issuer, the signature is RFC 6979)."""
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    if not csr.is_signature_valid:
        raise ValueError("certificate signing request: its signature does not verify")
    start = parse_valid_from(valid_from)
    public_key = csr.public_key()
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    serial = int.from_bytes(
        hashlib.sha256(b"pyccf serial\0" + spki + service.cert.subject.public_bytes()).digest()[:16], "big"
    )
    issuer_ski = service.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(service.cert.subject)
        .public_key(public_key)
        .serial_number(serial >> 1 | 1)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=validity_days) - timedelta(seconds=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski), critical=False
        )
    )
    for ext in csr.extensions:
        if isinstance(ext.value, x509.SubjectAlternativeName):
            cert = cert.add_extension(ext.value, critical=ext.critical)
    return (
        cert.sign(service.key, hashes.SHA384(), ecdsa_deterministic=True)
        .public_bytes(serialization.Encoding.PEM)
        .decode("ascii")
    )


def endorse_csr_effect(service: Identity) -> Effect:
    """The ``generateEndorsedCertificate`` host call, signing with ``service``'s key."""

    def effect(view: KvView, args: list[Any]) -> str:
        csr, valid_from, days = args
        if not isinstance(csr, str) or not isinstance(valid_from, str) or not isinstance(days, int):
            raise TypeError("generateEndorsedCertificate(csr PEM, valid_from, validity_period_days)")
        return endorse_csr(service, csr, valid_from, days)

    return effect


def renew_service_certificate(service: Identity, valid_from: str, validity_days: int) -> str:
    """The service certificate over the same key, valid from ``valid_from`` for ``validity_days``."""
    start = parse_valid_from(valid_from)
    renewed = service_identity(
        service.key, not_before=start, validity=timedelta(days=validity_days), subject=_common_name(service)
    )
    return renewed.cert_pem


def _common_name(service: Identity) -> str:
    names = service.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def network_effects(service: Identity) -> dict[str, Effect]:
    """``generateEndorsedCertificate`` and ``generateNetworkCertificate`` signed by ``service``."""

    def renew(view: KvView, args: list[Any]) -> str:
        valid_from, days = args
        if not isinstance(valid_from, str) or not isinstance(days, int):
            raise TypeError("generateNetworkCertificate(valid_from, validity_period_days)")
        return renew_service_certificate(service, valid_from, days)

    return {"generateEndorsedCertificate": endorse_csr_effect(service), "generateNetworkCertificate": renew}
