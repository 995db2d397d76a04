"""The TEE layer's errors, located by field and byte offset: bytes or JSON that are not a quote, and (in
snp_verify) a quote refused."""

from __future__ import annotations

from pyccf.errors import PyccfError


class FieldError(PyccfError):
    """A TEE error naming the field (and byte offset) it is about."""

    def __init__(self, field: str, message: str, offset: int | None = None) -> None:
        where = field if offset is None else f"{field}: byte {offset:#x}"
        super().__init__(f"{where}: {message}")
        self.field = field
        self.message = message
        self.offset = offset


class AttestationFormatError(FieldError):
    """A quote envelope, report or allowlist entry that cannot be read: names the field (and byte offset)."""
