"""A simulated AMD key distribution service: the root (ARK), signing key (ASK) and chip keys (VCEK).

Everything derives from seeds, so runs replay: keys by hashing (``derive_key``), signatures deterministic,
serial numbers from the public key, validity a fixed span (certificate times are not checked). The real ARK
and ASK are RSA-4096 with RSA-PSS; here all three are P-384 ECDSA, since RSA keys cannot be derived from a
seed with the library we use. What the verifier relies on is unchanged: the ARK's key is pinned per
product, each certificate is issued by the next, the VCEK carries the TCB it was issued for and the chip id.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier

from pyccf.formats.attestation import (
    SNP_CHIP_ID_SIZE,
    TCB_LAYOUTS,
    VCEK_CHIP_ID_OID,
    VCEK_TCB_OIDS,
    SnpProduct,
)
from pyccf.service.identity import derive_key, spki_der
from pyccf.tee.tcb import TcbVersion

DEFAULT_AMD_SEED = b"pyccf simulated AMD"
NOT_BEFORE = datetime(2020, 1, 1, tzinfo=UTC)
NOT_AFTER = datetime(2100, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Endorsement:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def der_integer(value: int) -> bytes:
    """A small non-negative DER INTEGER, as AMD encodes a VCEK's TCB components."""
    body = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big")
    return bytes([0x02, len(body)]) + body


def chip_id_of(chip_seed: bytes) -> bytes:
    return hashlib.sha512(b"pyccf chip id\0" + chip_seed).digest()[:SNP_CHIP_ID_SIZE]


def _cert(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: Endorsement | None,
    extensions: list[x509.ExtensionType],
    ca: bool,
) -> Endorsement:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    public = spki_der(key.public_key())
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name if issuer is None else issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(hashlib.sha256(public).digest()[:19], "big") | 1)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    for ext in extensions:
        builder = builder.add_extension(ext, critical=False)
    signer = key if issuer is None else issuer.key
    return Endorsement(key, builder.sign(signer, hashes.SHA384(), ecdsa_deterministic=True))


@cache
def ark(seed: bytes, product: SnpProduct) -> Endorsement:
    """The self-signed AMD root key of ``product``."""
    return _cert(f"ARK-{product}", derive_key(seed, f"ARK {product}"), None, [], ca=True)


@cache
def ask(seed: bytes, product: SnpProduct) -> Endorsement:
    """The AMD SEV signing key of ``product``, issued by its ARK."""
    return _cert(f"SEV-{product}", derive_key(seed, f"ASK {product}"), ark(seed, product), [], ca=True)


@cache
def vcek(seed: bytes, product: SnpProduct, chip_seed: bytes, tcb: TcbVersion) -> Endorsement:
    """The chip key of one chip at one TCB, issued by the ASK; its extensions name the TCB and chip id."""
    extensions: list[x509.ExtensionType] = [
        x509.UnrecognizedExtension(ObjectIdentifier(oid), der_integer(getattr(tcb, name)))
        for name, oid in VCEK_TCB_OIDS.items()
        if name in TCB_LAYOUTS[product]
    ]
    chip_id = chip_id_of(chip_seed)
    extensions.append(
        x509.UnrecognizedExtension(ObjectIdentifier(VCEK_CHIP_ID_OID), bytes([0x04, len(chip_id)]) + chip_id)
    )
    key = derive_key(chip_seed, f"VCEK {product} {tcb.hex(product)}")
    return _cert("SEV-VCEK", key, ask(seed, product), extensions, ca=False)


def pinned_roots(seed: bytes = DEFAULT_AMD_SEED) -> dict[SnpProduct, bytes]:
    """The ARK public keys (DER) a verifier pins, one per product."""
    return {product: spki_der(ark(seed, product).key.public_key()) for product in SnpProduct}
