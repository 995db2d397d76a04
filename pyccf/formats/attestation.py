"""CCF's attestation vocabulary: quote formats, the SEV-SNP report layout, join result codes, allowlists.

Names and numbers as CCF spells them (``include/ccf/ds/quote_info.h``,
``include/ccf/pal/attestation_sev_snp.h``, ``src/node/quote.cpp``, ``src/node/rpc/node_frontend.h``,
``doc/audit/builtin_maps.rst``); the SNP layout is AMD's SEV-SNP ABI report (Table 21). No codecs here:
pyccf.tee builds and checks the bytes.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import NamedTuple


class QuoteFormat(StrEnum):
    """``QuoteInfo.format``; CCF verifies only the first two, ``OE_SGX_v1`` survives as a value."""

    VIRTUAL = "Insecure_Virtual"
    SNP = "AMD_SEV_SNP_v1"
    SGX = "OE_SGX_v1"


#: The virtual platform's measurement: a constant ASCII string, not a digest.
VIRTUAL_MEASUREMENT = "Insecure hard-coded virtual measurement v1"
REPORT_DATA_HASH_SIZE = 32  # report_data's bound part: SHA-256 of the node's DER SubjectPublicKeyInfo
HOST_DATA_SIZE = 32  # SHA-256 of the package (virtual) or of the security policy (SNP)


class QuoteVerificationResult(StrEnum):
    """CCF's ``QuoteVerificationResult``; join checks stop at the first failure."""

    VERIFIED = "Verified"
    FAILED = "Failed"
    FAILED_HOST_DATA_DIGEST_NOT_FOUND = "FailedHostDataDigestNotFound"
    FAILED_INVALID_HOST_DATA = "FailedInvalidHostData"
    FAILED_MEASUREMENT_NOT_FOUND = "FailedMeasurementNotFound"
    FAILED_UVM_ENDORSEMENTS_NOT_FOUND = "FailedUVMEndorsementsNotFound"
    FAILED_INVALID_CPUID = "FailedInvalidCPUID"
    FAILED_INVALID_TCB_VERSION = "FailedInvalidTcbVersion"
    FAILED_INVALID_QUOTED_PUBLIC_KEY = "FailedInvalidQuotedPublicKey"


class JoinRefusal(NamedTuple):
    """What ``POST /node/join`` answers for a failed quote; the error code is always ``InvalidQuote``."""

    http_status: int
    message: str


JOIN_ERROR_CODE = "InvalidQuote"
#: ``quote_verification_error`` in ``node_frontend.h``; codes not listed fall to its ``default:`` branch.
JOIN_REFUSALS: dict[QuoteVerificationResult, JoinRefusal] = {
    QuoteVerificationResult.FAILED: JoinRefusal(401, "Quote could not be verified"),
    QuoteVerificationResult.FAILED_HOST_DATA_DIGEST_NOT_FOUND: JoinRefusal(
        401, "Quote does not contain trusted host data"
    ),
    QuoteVerificationResult.FAILED_INVALID_HOST_DATA: JoinRefusal(401, "Quote host data is not authorised"),
    QuoteVerificationResult.FAILED_MEASUREMENT_NOT_FOUND: JoinRefusal(
        401, "Quote does not contain known enclave measurement"
    ),
    QuoteVerificationResult.FAILED_UVM_ENDORSEMENTS_NOT_FOUND: JoinRefusal(
        401, "UVM endorsements are not authorised"
    ),
    QuoteVerificationResult.FAILED_INVALID_QUOTED_PUBLIC_KEY: JoinRefusal(
        401, "Quote report data does not contain node's public key hash"
    ),
}
JOIN_REFUSAL_DEFAULT = JoinRefusal(500, "Unknown quote verification error")


class AllowlistTable(StrEnum):
    """The join allowlists (``public:ccf.gov.nodes.*``); keys are the strings' bytes, values JSON."""

    VIRTUAL_MEASUREMENTS = "public:ccf.gov.nodes.virtual.measurements"  # measurement string -> CodeStatus
    VIRTUAL_HOST_DATA = "public:ccf.gov.nodes.virtual.host_data"  # hex SHA-256 -> the 8-byte zero sentinel
    SNP_MEASUREMENTS = "public:ccf.gov.nodes.snp.measurements"  # 96 hex -> CodeStatus
    SNP_HOST_DATA = "public:ccf.gov.nodes.snp.host_data"  # hex SHA-256 -> JSON raw policy ("" if none)
    SNP_UVM_ENDORSEMENTS = "public:ccf.gov.nodes.snp.uvm_endorsements"  # DID -> {feed: {svn}}
    SNP_TCB_VERSIONS = "public:ccf.gov.nodes.snp.tcb_versions"  # CPUID hex -> TcbVersionPolicy JSON
    CODE_IDS = "public:ccf.gov.nodes.code_ids"  # SGX, deprecated


CODE_STATUS_ALLOWED = "AllowedToJoin"  # CodeStatus, the value of a measurement allowlist entry


# --- The SEV-SNP attestation report (little-endian) ---

SNP_REPORT_SIZE = 0x4A0  # 1184 bytes
SNP_SIGNED_SIZE = 0x2A0  # the signature covers report[0:0x2A0]
SNP_MIN_VERSION = 3  # CCF refuses older report versions
SNP_SIGNATURE_ALGO_ECDSA_P384_SHA384 = 1
SNP_SIGNATURE_COMPONENT_SIZE = 72  # r and s, each little-endian, zero-padded
SNP_MAX_VMPL = 3  # a higher VMPL means the host generated the report
SNP_REPORT_DATA_SIZE = 64  # the 32-byte key hash, then zeros
SNP_MEASUREMENT_SIZE = 48
SNP_CHIP_ID_SIZE = 64
SNP_TCB_SIZE = 8


class SnpField(NamedTuple):
    offset: int
    size: int


#: Fields CCF reads, by name; gaps between them are reserved bytes (signed all the same).
SNP_FIELDS: dict[str, SnpField] = {
    "version": SnpField(0x000, 4),
    "guest_svn": SnpField(0x004, 4),
    "policy": SnpField(0x008, 8),
    "family_id": SnpField(0x010, 16),
    "image_id": SnpField(0x020, 16),
    "vmpl": SnpField(0x030, 4),
    "signature_algo": SnpField(0x034, 4),
    "platform_version": SnpField(0x038, SNP_TCB_SIZE),
    "platform_info": SnpField(0x040, 8),
    "flags": SnpField(0x048, 4),
    "report_data": SnpField(0x050, SNP_REPORT_DATA_SIZE),
    "measurement": SnpField(0x090, SNP_MEASUREMENT_SIZE),
    "host_data": SnpField(0x0C0, HOST_DATA_SIZE),
    "id_key_digest": SnpField(0x0E0, 48),
    "author_key_digest": SnpField(0x110, 48),
    "report_id": SnpField(0x140, 32),
    "report_id_ma": SnpField(0x160, 32),
    "reported_tcb": SnpField(0x180, SNP_TCB_SIZE),
    "cpuid_fam_id": SnpField(0x188, 1),
    "cpuid_mod_id": SnpField(0x189, 1),
    "cpuid_step": SnpField(0x18A, 1),
    "chip_id": SnpField(0x1A0, SNP_CHIP_ID_SIZE),
    "committed_tcb": SnpField(0x1E0, SNP_TCB_SIZE),
    "current_build": SnpField(0x1E8, 1),
    "current_minor": SnpField(0x1E9, 1),
    "current_major": SnpField(0x1EA, 1),
    "committed_build": SnpField(0x1EC, 1),
    "committed_minor": SnpField(0x1ED, 1),
    "committed_major": SnpField(0x1EE, 1),
    "launch_tcb": SnpField(0x1F0, SNP_TCB_SIZE),
    "signature_r": SnpField(0x2A0, SNP_SIGNATURE_COMPONENT_SIZE),
    "signature_s": SnpField(0x2E8, SNP_SIGNATURE_COMPONENT_SIZE),
}


class SnpPolicyBit(IntEnum):
    """Bits of the report's u64 ``policy`` (bits 0-15 are the ABI minor and major versions)."""

    SMT = 16
    RESERVED_ONE = 17  # must be set
    MIGRATE_MA = 18  # a migration agent may be attached: CCF refuses
    DEBUG = 19  # the guest may be debugged: CCF refuses
    SINGLE_SOCKET = 20


class SnpFlagBits(IntEnum):
    """Bits of the report's u32 ``flags``; ``signing_key`` is the 3-bit field at bit 2 (0 = VCEK)."""

    AUTHOR_KEY_EN = 0
    MASK_CHIP_KEY = 1  # CCF refuses a masked chip key
    SIGNING_KEY = 2


SNP_SIGNING_KEY_MASK = 0b111  # the width of ``signing_key``
SNP_SIGNING_KEY_VCEK = 0


class SnpProduct(StrEnum):
    MILAN = "Milan"
    GENOA = "Genoa"
    TURIN = "Turin"


#: (CPUID family, model) of each product (``include/ccf/pal/sev_snp_cpuid.h``).
SNP_PRODUCTS: dict[tuple[int, int], SnpProduct] = {
    (0x19, 0x01): SnpProduct.MILAN,
    (0x19, 0x11): SnpProduct.GENOA,
    (0x1A, 0x01): SnpProduct.TURIN,
}

#: The TCB's 8 bytes per product; ``None`` marks reserved bytes. Turin adds ``fmc``.
TCB_LAYOUTS: dict[SnpProduct, tuple[str | None, ...]] = {
    SnpProduct.MILAN: ("boot_loader", "tee", None, None, None, None, "snp", "microcode"),
    SnpProduct.GENOA: ("boot_loader", "tee", None, None, None, None, "snp", "microcode"),
    SnpProduct.TURIN: ("fmc", "boot_loader", "tee", "snp", None, None, None, "microcode"),
}

#: VCEK certificate extensions (AMD's ``1.3.6.1.4.1.3704.1``): the TCB the chip key was issued for, and
#: the chip id. Values are DER INTEGERs (TCB) and an OCTET STRING (chip id).
VCEK_TCB_OIDS: dict[str, str] = {
    "boot_loader": "1.3.6.1.4.1.3704.1.3.1",
    "tee": "1.3.6.1.4.1.3704.1.3.2",
    "snp": "1.3.6.1.4.1.3704.1.3.3",
    "microcode": "1.3.6.1.4.1.3704.1.3.8",
    "fmc": "1.3.6.1.4.1.3704.1.3.9",
}
VCEK_CHIP_ID_OID = "1.3.6.1.4.1.3704.1.4"
SNP_ENDORSEMENT_CERTS = ("VCEK", "ASK", "ARK")  # the PEM bundle of ``endorsements``, in this order
