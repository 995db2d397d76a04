"""Join-time quote verification in CCF's order (``verify_quote_against_store``), first failure wins.

1. the quote parses and, on SNP, its signature chains to the pinned root (``Failed``); 2. host data on the
allowlist; 3. measurement on the allowlist; 4. SNP only: the CPUID has a minimum TCB and every component
meets it; 5. the report data is the SHA-256 of the joiner's public key. Bad input never raises here: a
quote that cannot be read is ``Failed`` with a message naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyccf.formats.attestation import (
    JOIN_REFUSAL_DEFAULT,
    JOIN_REFUSALS,
    REPORT_DATA_HASH_SIZE,
    JoinRefusal,
    QuoteFormat,
    QuoteVerificationResult,
    SnpProduct,
)
from pyccf.tee.allowlists import Allowlists
from pyccf.tee.amd import pinned_roots
from pyccf.tee.errors import AttestationFormatError
from pyccf.tee.evidence import Evidence
from pyccf.tee.quote_info import QuoteInfo
from pyccf.tee.snp_verify import QuoteRefused, verify_snp
from pyccf.tee.virtual import parse_virtual, report_data_of

R = QuoteVerificationResult


@dataclass(frozen=True)
class JoinVerdict:
    result: QuoteVerificationResult
    detail: str  # why, naming the field; empty when verified
    evidence: Evidence | None = None  # the quote's claims, once step 1 passed

    @property
    def ok(self) -> bool:
        return self.result is R.VERIFIED

    @property
    def refusal(self) -> JoinRefusal | None:
        """The HTTP status and message CCF answers ``/node/join`` with, or None if verified."""
        return None if self.ok else JOIN_REFUSALS.get(self.result, JOIN_REFUSAL_DEFAULT)


def verify_quote(info: QuoteInfo, pinned: Mapping[SnpProduct, bytes] | None = None) -> Evidence:
    """Step 1 alone: the quote's claims; raises :class:`QuoteRefused` or :class:`AttestationFormatError`."""
    if info.format is QuoteFormat.VIRTUAL:
        return parse_virtual(info.quote)
    if info.format is QuoteFormat.SNP:
        return verify_snp(info, pinned_roots() if pinned is None else pinned)
    raise QuoteRefused("quote_info.format", "CCF 7.0.0 only supports SNP and Virtual attestation formats")


def verify_join(
    quote_info: QuoteInfo | Mapping[str, Any],
    public_key_der: bytes,
    allowlists: Allowlists,
    pinned: Mapping[SnpProduct, bytes] | None = None,
) -> JoinVerdict:
    """May a node with ``public_key_der`` join with this quote (an envelope or its JSON)?"""
    try:
        info = quote_info if isinstance(quote_info, QuoteInfo) else QuoteInfo.from_json(quote_info)
        evidence = verify_quote(info, pinned)
    except (AttestationFormatError, QuoteRefused) as exc:
        return JoinVerdict(R.FAILED, str(exc))
    result, detail = _against_store(info, evidence, allowlists)
    if result is R.VERIFIED and evidence.report_data[:REPORT_DATA_HASH_SIZE] != report_data_of(
        public_key_der
    ):
        result, detail = (
            R.FAILED_INVALID_QUOTED_PUBLIC_KEY,
            "report_data: not the SHA-256 of the joiner's key",
        )
    return JoinVerdict(result, detail, evidence)


def _against_store(info: QuoteInfo, evidence: Evidence, allow: Allowlists) -> tuple[R, str]:
    virtual = evidence.format is QuoteFormat.VIRTUAL
    if evidence.host_data is None:
        return R.FAILED_HOST_DATA_DIGEST_NOT_FOUND, "host_data: the quote has none"
    if evidence.host_data not in (allow.virtual_host_data if virtual else allow.snp_host_data):
        return R.FAILED_INVALID_HOST_DATA, f"host_data: {evidence.host_data} is not on the allowlist"
    if info.uvm_endorsements is not None:
        return R.FAILED_UVM_ENDORSEMENTS_NOT_FOUND, "uvm_endorsements: not simulated by pyccf"
    if evidence.measurement not in (allow.virtual_measurements if virtual else allow.snp_measurements):
        return (
            R.FAILED_MEASUREMENT_NOT_FOUND,
            f"measurement: {evidence.measurement!r} is not on the allowlist",
        )
    if evidence.snp is not None:
        minimum = allow.snp_tcb_versions.get(evidence.snp.cpuid)
        if minimum is None:
            return R.FAILED_INVALID_CPUID, f"cpuid: {evidence.snp.cpuid} has no minimum TCB version"
        below = evidence.snp.reported_tcb.meets(minimum)
        if below is not None:
            return R.FAILED_INVALID_TCB_VERSION, f"reported_tcb.{below}: below the minimum TCB version"
    return R.VERIFIED, ""
