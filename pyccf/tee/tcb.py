"""SEV-SNP TCB versions: the 8-byte encodings per product, CCF's hex form, the minimum-version policy."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from pyccf.formats.attestation import SNP_TCB_SIZE, TCB_LAYOUTS, SnpProduct
from pyccf.tee.errors import AttestationFormatError


@dataclass(frozen=True, order=False)
class TcbVersion:
    """Security patch levels of the firmware components; ``fmc`` exists on Turin only."""

    boot_loader: int = 0
    tee: int = 0
    snp: int = 0
    microcode: int = 0
    fmc: int = 0

    def to_bytes(self, product: SnpProduct) -> bytes:
        values = asdict(self)
        return bytes(0 if name is None else values[name] for name in TCB_LAYOUTS[product])

    @classmethod
    def from_bytes(cls, raw: bytes, product: SnpProduct) -> TcbVersion:
        assert len(raw) == SNP_TCB_SIZE
        return cls(**{name: raw[i] for i, name in enumerate(TCB_LAYOUTS[product]) if name is not None})

    def hex(self, product: SnpProduct) -> str:
        """CCF's hex form: the little-endian u64 written big-endian (``d315000000000004``: microcode 0xd3)."""
        return self.to_bytes(product)[::-1].hex()

    def meets(self, minimum: TcbVersion) -> str | None:
        """The first component below ``minimum``, or None if every one is at least the minimum."""
        for f in fields(self):
            if getattr(self, f.name) < getattr(minimum, f.name):
                return f.name
        return None

    def policy_json(self, product: SnpProduct) -> bytes:
        """The ``TcbVersionPolicy`` CCF writes to ``snp.tcb_versions`` (fmc only on Turin)."""
        values: dict[str, Any] = {
            k: v for k, v in asdict(self).items() if k != "fmc" or "fmc" in TCB_LAYOUTS[product]
        }
        values["hexstring"] = self.hex(product)
        return json.dumps(values, separators=(",", ":"), sort_keys=True).encode()

    @classmethod
    def from_policy_json(cls, raw: bytes, field: str) -> TcbVersion:
        """Read a ``TcbVersionPolicy``: the named components (absent ones 0)."""
        try:
            value = json.loads(raw)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise AttestationFormatError(field, "not JSON") from None
        if not isinstance(value, dict):
            raise AttestationFormatError(field, "not a JSON object")
        kwargs = {}
        for f in fields(cls):
            component = value.get(f.name, 0)
            if type(component) is not int or not 0 <= component <= 255:
                raise AttestationFormatError(f"{field}.{f.name}", "not a byte-sized integer")
            kwargs[f.name] = component
        return cls(**kwargs)
