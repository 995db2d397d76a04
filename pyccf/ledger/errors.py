"""The one error of the ledger layer: malformed or corrupted ledger bytes, located exactly."""

from __future__ import annotations

from pathlib import Path

from pyccf.errors import PyccfError


class LedgerFormatError(PyccfError):
    """Ledger bytes that are not what pyccf writes: names the file, the byte offset and the field."""

    def __init__(self, file: str, offset: int, field: str, message: str) -> None:
        super().__init__(f"{file}: byte {offset}: {field}: {message}")
        self.file = file
        self.offset = offset
        self.field = field
        self.message = message

    def in_folder(self, folder: Path) -> LedgerFormatError:
        """The same error, its file named by its path in ``folder`` (chunk readers know only names)."""
        return type(self)(str(Path(folder) / self.file), self.offset, self.field, self.message)
