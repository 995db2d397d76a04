"""The auditor's two failures: a ledger that cannot be read (bad input) and one that does not verify.

Both name the file, byte offset, seqno and field, so a report points at the bytes to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracecheck.errors import BadInput, TracecheckError


def _where(file: str | Path | None, offset: int | None, seqno: int | None) -> str:
    parts = [str(file)] if file is not None else []
    if offset is not None:
        parts.append(f"byte {offset}")
    if seqno is not None:
        parts.append(f"seqno {seqno}")
    return ", ".join(parts)


class _Located(TracecheckError):
    """A tracecheck error located by file, byte offset and seqno (not line and column)."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        offset: int | None = None,
        seqno: int | None = None,
        field: str | None = None,
    ) -> None:
        # str(): a table name given as an enum member is reported (and put in JSON) as its plain name
        super().__init__(message, file=file, field=str(field) if field is not None else None)
        self.offset, self.seqno = offset, seqno

    def __str__(self) -> str:
        where = _where(self.file, self.offset, self.seqno)
        field = f"field {self.field!r}: " if self.field else ""
        return f"{where}: {field}{self.message}" if where else f"{field}{self.message}"

    def to_json(self) -> dict[str, Any]:
        keys = ("file", "offset", "seqno", "field", "message")
        return {key: getattr(self, key) for key in keys}


class MalformedLedger(_Located, BadInput):
    """The bytes are not a CCF ledger: a name, header, size or field that cannot be parsed."""


class AuditFailure(_Located):
    """The ledger parses but does not verify: a seqno, root, signature or endorsement is wrong."""
