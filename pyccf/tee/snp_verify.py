"""CCF's SEV-SNP report verification (``verify_snp_attestation_report``), step by step in CCF's order.

Any failure is :class:`QuoteRefused` with a message naming the field; CCF maps them all to ``Failed``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import ObjectIdentifier

from pyccf.formats.attestation import (
    SNP_ENDORSEMENT_CERTS,
    SNP_FIELDS,
    SNP_MAX_VMPL,
    SNP_MIN_VERSION,
    SNP_SIGNATURE_ALGO_ECDSA_P384_SHA384,
    SNP_SIGNING_KEY_MASK,
    SNP_SIGNING_KEY_VCEK,
    TCB_LAYOUTS,
    VCEK_CHIP_ID_OID,
    VCEK_TCB_OIDS,
    QuoteFormat,
    SnpFlagBits,
    SnpPolicyBit,
    SnpProduct,
)
from pyccf.service.identity import spki_der
from pyccf.tee.errors import AttestationFormatError, FieldError
from pyccf.tee.evidence import Evidence, SnpPlatformClaims
from pyccf.tee.quote_info import QuoteInfo
from pyccf.tee.snp import SIGNATURE, SnpReport
from pyccf.tee.tcb import TcbVersion


class QuoteRefused(FieldError):
    """A well-formed quote that fails a cryptographic or policy check (CCF's ``Failed``)."""


def verify_snp(info: QuoteInfo, pinned: Mapping[SnpProduct, bytes]) -> Evidence:
    report = SnpReport.parse(info.quote)
    version = report.number("version")
    if version < SNP_MIN_VERSION:
        raise QuoteRefused(
            "quote.version",
            f"report version {version}, CCF requires at least {SNP_MIN_VERSION}",
            _at("version"),
        )
    product = report.product
    if product is None:
        raise QuoteRefused(
            "quote.cpuid", f"CPUID {report.cpuid} is not a known SEV-SNP product", _at("cpuid_fam_id")
        )
    root = pinned.get(product)
    if root is None:
        raise QuoteRefused("endorsements.ARK", f"no root of trust is pinned for {product}")
    chip = _chain(info.endorsements, root)
    if report.number("signature_algo") != SNP_SIGNATURE_ALGO_ECDSA_P384_SHA384:
        raise QuoteRefused("quote.signature_algo", "not ECDSA P-384 with SHA-384", _at("signature_algo"))
    try:
        chip.vcek.verify(report.signature_der, report.signed_part, SIGNATURE)
    except InvalidSignature:
        raise QuoteRefused(
            "quote.signature", "Chip certificate (VCEK) did not sign this attestation", _at("signature_r")
        ) from None
    _check_policy(report)
    reported = report.tcb("reported_tcb", product)
    _check_endorsed_tcb(chip, reported, product)
    if chip.chip_id != report.field("chip_id"):
        raise QuoteRefused("endorsements.VCEK", "the VCEK's chip id is not the report's chip_id")
    if info.endorsed_tcb is not None and info.endorsed_tcb != reported.hex(product):
        raise QuoteRefused("quote_info.endorsed_tcb", "not the report's reported_tcb")
    return Evidence(
        QuoteFormat.SNP,
        report.field("measurement").hex(),
        report.field("host_data").hex(),
        report.field("report_data"),
        SnpPlatformClaims(product, report.cpuid, reported),
    )


def _at(name: str) -> int:
    return SNP_FIELDS[name].offset


def _check_policy(report: SnpReport) -> None:
    flags = report.number("flags")
    if (flags >> SnpFlagBits.SIGNING_KEY) & SNP_SIGNING_KEY_MASK != SNP_SIGNING_KEY_VCEK:
        raise QuoteRefused("quote.flags.signing_key", "the report was not signed by the VCEK", _at("flags"))
    if flags >> SnpFlagBits.MASK_CHIP_KEY & 1:
        raise QuoteRefused("quote.flags.mask_chip_key", "the chip key is masked", _at("flags"))
    vmpl = report.number("vmpl")
    if vmpl > SNP_MAX_VMPL:
        raise QuoteRefused(
            "quote.vmpl", f"VMPL {vmpl} above {SNP_MAX_VMPL}: the report was made by the host", _at("vmpl")
        )
    policy = report.number("policy")
    if policy >> SnpPolicyBit.DEBUG & 1:
        raise QuoteRefused("quote.policy.debug", "the guest policy allows debugging", _at("policy"))
    if policy >> SnpPolicyBit.MIGRATE_MA & 1:
        raise QuoteRefused(
            "quote.policy.migrate_ma", "the guest policy allows a migration agent", _at("policy")
        )


class _Chip:
    def __init__(self, vcek: x509.Certificate) -> None:
        key = vcek.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP384R1):
            raise QuoteRefused("endorsements.VCEK", "the chip key is not an EC P-384 key")
        self.vcek = key
        self.tcb = {name: _extension_int(vcek, oid) for name, oid in VCEK_TCB_OIDS.items()}
        self.chip_id = _extension_octets(vcek, VCEK_CHIP_ID_OID)


def _check_endorsed_tcb(chip: _Chip, reported: TcbVersion, product: SnpProduct) -> None:
    for name in filter(None, TCB_LAYOUTS[product]):
        endorsed = chip.tcb[name]
        if endorsed is None:
            raise QuoteRefused(f"endorsements.VCEK.{name}", "the VCEK does not state this TCB component")
        if endorsed > getattr(reported, name):
            raise QuoteRefused(
                f"quote.reported_tcb.{name}",
                f"{getattr(reported, name)} below the VCEK's endorsed {endorsed}",
            )


@lru_cache(maxsize=256)
def _chain(bundle: bytes, pinned_root: bytes) -> _Chip:
    """The chip key, once VCEK <- ASK <- ARK is checked and the ARK is the pinned root (cached per bundle)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", CryptographyDeprecationWarning)  # not RFC 5280: refused
            certs = x509.load_pem_x509_certificates(bundle)
    except (ValueError, CryptographyDeprecationWarning):
        raise AttestationFormatError("endorsements", "not a PEM certificate bundle") from None
    if len(certs) != len(SNP_ENDORSEMENT_CERTS):
        raise QuoteRefused("endorsements", f"{len(certs)} certificates, expected VCEK, ASK and ARK")
    vcek, ask, ark = certs
    try:
        return _verified_chain(vcek, ask, ark, pinned_root)
    except (ValueError, UnsupportedAlgorithm) as exc:  # a certificate whose key or extensions do not parse
        raise QuoteRefused("endorsements", f"a certificate cannot be read ({exc})") from None


def _verified_chain(
    vcek: x509.Certificate, ask: x509.Certificate, ark: x509.Certificate, pinned_root: bytes
) -> _Chip:
    if spki_der_of(ark) != pinned_root:
        raise QuoteRefused(
            "endorsements.ARK", "The root of trust public key for this attestation was not the expected one"
        )
    for name, cert, issuer in (("ARK", ark, ark), ("ASK", ask, ark), ("VCEK", vcek, ask)):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            by = "itself" if cert is issuer else ("the ARK" if issuer is ark else "the ASK")
            raise QuoteRefused(f"endorsements.{name}", f"not issued by {by}") from None
    return _Chip(vcek)


def spki_der_of(cert: x509.Certificate) -> bytes:
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return b""  # not the pinned key, whatever it is
    return spki_der(key)


def _extension(cert: x509.Certificate, oid: str) -> bytes | None:
    try:
        value = cert.extensions.get_extension_for_oid(ObjectIdentifier(oid)).value
    except x509.ExtensionNotFound:
        return None
    return value.value if isinstance(value, x509.UnrecognizedExtension) else None


def _extension_int(cert: x509.Certificate, oid: str) -> int | None:
    raw = _extension(cert, oid)
    if raw is None:
        return None
    if len(raw) < 3 or raw[0] != 0x02 or raw[1] != len(raw) - 2 or raw[2] & 0x80:
        raise QuoteRefused(f"endorsements.VCEK.{oid}", "not a non-negative DER INTEGER")
    return int.from_bytes(raw[2:], "big")


def _extension_octets(cert: x509.Certificate, oid: str) -> bytes:
    raw = _extension(cert, oid)
    if raw is None or len(raw) < 2 or raw[0] != 0x04 or raw[1] != len(raw) - 2:
        raise QuoteRefused(f"endorsements.VCEK.{oid}", "the chip id is missing or not an OCTET STRING")
    return raw[2:]
