"""The one error of the TEE layer: bytes or JSON that are not a quote, located by field and byte offset."""

from __future__ import annotations

from pyccf.errors import PyccfError


class AttestationFormatError(PyccfError):
    """A quote envelope, report or allowlist entry that cannot be read: names the field (and byte offset)."""

    def __init__(self, field: str, message: str, offset: int | None = None) -> None:
        where = field if offset is None else f"{field}: byte {offset:#x}"
        super().__init__(f"{where}: {message}")
        self.field = field
        self.message = message
        self.offset = offset
