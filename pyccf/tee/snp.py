"""The SEV-SNP attestation report: AMD's 1184-byte layout, signed by the chip key over its first 0x2A0 bytes.

Offsets and sizes are in :data:`pyccf.formats.attestation.SNP_FIELDS`; integers are little-endian, and so
are the signature's r and s (72 bytes each), which CCF turns into a DER ECDSA signature to verify.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from pyccf.formats.attestation import (
    SNP_FIELDS,
    SNP_PRODUCTS,
    SNP_REPORT_SIZE,
    SNP_SIGNATURE_COMPONENT_SIZE,
    SNP_SIGNED_SIZE,
    SnpProduct,
)
from pyccf.tee.errors import AttestationFormatError
from pyccf.tee.tcb import TcbVersion

SIGNATURE = ec.ECDSA(hashes.SHA384(), deterministic_signing=True)  # RFC 6979: runs replay byte for byte


def cpuid_hex(family: int, model: int, stepping: int) -> str:
    """The CPUID (leaf 1 EAX) CCF keys ``snp.tcb_versions`` with: Milan stepping 1 is ``00a00f11``."""
    base_family = 0xF
    eax = ((family - base_family) << 20) | ((model >> 4) << 16) | (base_family << 8) | ((model & 0xF) << 4)
    return f"{eax | stepping:08x}"


@dataclass(frozen=True)
class SnpReport:
    """A report's raw bytes, with the fields CCF reads."""

    raw: bytes

    @classmethod
    def parse(cls, raw: bytes) -> SnpReport:
        if len(raw) != SNP_REPORT_SIZE:
            raise AttestationFormatError("quote", f"{len(raw)} bytes, an SNP report has {SNP_REPORT_SIZE}")
        return cls(bytes(raw))

    def field(self, name: str) -> bytes:
        f = SNP_FIELDS[name]
        return self.raw[f.offset : f.offset + f.size]

    def number(self, name: str) -> int:
        return int.from_bytes(self.field(name), "little")

    @property
    def signed_part(self) -> bytes:
        return self.raw[:SNP_SIGNED_SIZE]

    @property
    def signature_der(self) -> bytes:
        return encode_dss_signature(self.number("signature_r"), self.number("signature_s"))

    @property
    def cpuid(self) -> str:
        return cpuid_hex(self.number("cpuid_fam_id"), self.number("cpuid_mod_id"), self.number("cpuid_step"))

    @property
    def product(self) -> SnpProduct | None:
        return SNP_PRODUCTS.get((self.number("cpuid_fam_id"), self.number("cpuid_mod_id")))

    def tcb(self, name: str, product: SnpProduct) -> TcbVersion:
        return TcbVersion.from_bytes(self.field(name), product)


def build_report(values: Mapping[str, int | bytes]) -> bytearray:
    """An unsigned report: each named field set (ints little-endian), everything else zero."""
    raw = bytearray(SNP_REPORT_SIZE)
    for name, value in values.items():
        f = SNP_FIELDS[name]
        data = value.to_bytes(f.size, "little") if isinstance(value, int) else value
        if len(data) != f.size:
            raise ValueError(f"SNP field {name} has {f.size} bytes, not {len(data)}")
        raw[f.offset : f.offset + f.size] = data
    return raw


def sign_report(unsigned: bytearray, key: ec.EllipticCurvePrivateKey) -> bytes:
    """The report with its signature over bytes ``[0, 0x2A0)`` by ``key`` (the chip's VCEK)."""
    r, s = decode_dss_signature(key.sign(bytes(unsigned[:SNP_SIGNED_SIZE]), SIGNATURE))
    signed = bytearray(unsigned)
    for name, value in (("signature_r", r), ("signature_s", s)):
        f = SNP_FIELDS[name]
        signed[f.offset : f.offset + f.size] = value.to_bytes(SNP_SIGNATURE_COMPONENT_SIZE, "little")
    return bytes(signed)
