"""``QuoteInfo``, the envelope a joining node sends and CCF stores verbatim in ``nodes.info``.

CCF's JSON writes byte vectors as base64 strings and also reads ``[1, 2, 3]`` arrays; objects come out with
sorted keys (nlohmann's ``std::map``), optional fields left out when absent.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyccf.formats.attestation import QuoteFormat
from pyccf.tee.errors import AttestationFormatError


@dataclass(frozen=True)
class QuoteInfo:
    format: QuoteFormat
    quote: bytes
    endorsements: bytes = b""
    uvm_endorsements: bytes | None = None  # SNP on confidential containers only
    endorsed_tcb: str | None = None  # SNP: hex TCB the endorsements were fetched for

    def to_json(self) -> dict[str, Any]:
        """The object CCF stores as ``nodes.info[id].quote_info``."""
        out: dict[str, Any] = {
            "endorsements": _b64(self.endorsements),
            "format": self.format.value,
            "quote": _b64(self.quote),
        }
        if self.uvm_endorsements is not None:
            out["uvm_endorsements"] = _b64(self.uvm_endorsements)
        if self.endorsed_tcb is not None:
            out["endorsed_tcb"] = self.endorsed_tcb
        return dict(sorted(out.items()))

    @classmethod
    def from_json(cls, value: Any) -> QuoteInfo:
        """Read an envelope; anything malformed is one :class:`AttestationFormatError` naming the field."""
        if not isinstance(value, Mapping):
            raise AttestationFormatError("quote_info", f"not a JSON object but {type(value).__name__}")
        fmt = value.get("format")
        try:
            quote_format = QuoteFormat(str(fmt))
        except ValueError:
            raise AttestationFormatError("quote_info.format", f"unknown quote format {fmt!r}") from None
        endorsed_tcb = value.get("endorsed_tcb")
        if endorsed_tcb is not None and not isinstance(endorsed_tcb, str):
            raise AttestationFormatError("quote_info.endorsed_tcb", "not a hex string")
        uvm = value.get("uvm_endorsements")
        return cls(
            format=quote_format,
            quote=_bytes(value.get("quote"), "quote_info.quote"),
            endorsements=_bytes(value.get("endorsements", ""), "quote_info.endorsements"),
            uvm_endorsements=None if uvm is None else _bytes(uvm, "quote_info.uvm_endorsements"),
            endorsed_tcb=endorsed_tcb,
        )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _bytes(value: Any, field: str) -> bytes:
    """CCF's byte vector in JSON: a base64 string or an array of byte values."""
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise AttestationFormatError(field, "not base64") from None
    if isinstance(value, list) and all(type(b) is int and 0 <= b <= 255 for b in value):
        return bytes(value)
    raise AttestationFormatError(field, "neither a base64 string nor an array of bytes")
