"""CCF's virtual attestation: an unsigned JSON quote with a constant measurement.

It has no security of its own (any host can write one): only the allowlists and the key binding protect.
As CCF (``src/pal/quote_generation.h``, ``verify_virtual_attestation_report``): the quote is the compact
JSON ``{"host_data", "measurement", "report_data"}`` (sorted keys), host_data the hex SHA-256 of the
running package, report_data the base64 of SHA-256 over the node's DER SubjectPublicKeyInfo.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from pyccf.formats.attestation import REPORT_DATA_HASH_SIZE, VIRTUAL_MEASUREMENT, QuoteFormat
from pyccf.tee.errors import AttestationFormatError
from pyccf.tee.evidence import Evidence
from pyccf.tee.quote_info import QuoteInfo


def report_data_of(public_key_der: bytes) -> bytes:
    """What a node puts in its quote's report data: SHA-256 of its DER public key (also its node id)."""
    return hashlib.sha256(public_key_der).digest()


def host_data_of(package: bytes) -> str:
    """The virtual host data: hex SHA-256 of the running package."""
    return hashlib.sha256(package).hexdigest()


@dataclass(frozen=True)
class VirtualPlatform:
    """A host running ``package`` on the virtual platform."""

    package: bytes
    measurement: str = VIRTUAL_MEASUREMENT

    @property
    def host_data(self) -> str:
        return host_data_of(self.package)

    def quote(self, public_key_der: bytes) -> QuoteInfo:
        body = {
            "host_data": self.host_data,
            "measurement": self.measurement,
            "report_data": base64.b64encode(report_data_of(public_key_der)).decode("ascii"),
        }
        raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
        return QuoteInfo(QuoteFormat.VIRTUAL, raw)


def parse_virtual(quote: bytes) -> Evidence:
    """Parse a virtual quote (no cryptography, as CCF); raises :class:`AttestationFormatError`."""
    try:
        body: Any = json.loads(quote)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise AttestationFormatError("quote", f"not JSON ({exc})") from None
    if not isinstance(body, dict):
        raise AttestationFormatError("quote", "not a JSON object")
    measurement = body.get("measurement")
    if not isinstance(measurement, str):
        raise AttestationFormatError("quote.measurement", "missing or not a string")
    host_data = body.get("host_data")
    if host_data is not None and not isinstance(host_data, str):
        raise AttestationFormatError("quote.host_data", "not a string")
    try:
        report_data = base64.b64decode(body.get("report_data", ""), validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise AttestationFormatError("quote.report_data", "not base64") from None
    if len(report_data) != REPORT_DATA_HASH_SIZE:
        raise AttestationFormatError(
            "quote.report_data", f"{len(report_data)} bytes, virtual report data has {REPORT_DATA_HASH_SIZE}"
        )
    return Evidence(QuoteFormat.VIRTUAL, measurement, host_data, report_data)
