"""What a quote claims once its format (and, for SNP, its signature and chain) has been checked.

The join checks after the first compare only these claims with the allowlists and the joiner's key, so
they are the same code for both platforms.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyccf.formats.attestation import QuoteFormat, SnpProduct
from pyccf.tee.tcb import TcbVersion


@dataclass(frozen=True)
class SnpPlatformClaims:
    """What only an SNP report states: the chip's product, its CPUID and the TCB it runs."""

    product: SnpProduct
    cpuid: str  # the CPUID hex that keys ``snp.tcb_versions``
    reported_tcb: TcbVersion


@dataclass(frozen=True)
class Evidence:
    format: QuoteFormat
    measurement: str  # as the allowlist keys it: the virtual string, or the SNP digest in hex
    host_data: str | None  # hex SHA-256; a virtual quote may lack it
    report_data: bytes  # its first 32 bytes bind the node's public key
    snp: SnpPlatformClaims | None = None
