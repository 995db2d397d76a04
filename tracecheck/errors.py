"""tracecheck's exceptions: one small hierarchy carrying where the problem is (file, line, col, field).

The library raises these; only the CLI turns them into exit codes and one-line messages.
"""

from __future__ import annotations

from pathlib import Path


class TracecheckError(Exception):
    """Base of every error tracecheck raises on purpose; ``str()`` is a one-line ``file:line:col: msg``."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        col: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.col = col
        self.field = field

    def location(self) -> str:
        """``file:line:col`` (as much of it as is known), or an empty string."""
        parts = [p for p in (self.file, self.line, self.col) if p is not None]
        return ":".join(str(p) for p in parts)

    def __str__(self) -> str:
        where = self.location()
        field = f"field {self.field!r}: " if self.field else ""
        return f"{where}: {field}{self.message}" if where else f"{field}{self.message}"


class ToolsNotFound(TracecheckError):
    """Java 11+ or tla2tools.jar cannot be found; the message says what to install or set."""


class BadInput(TracecheckError):
    """The user's input (a file, a value, an option) is malformed or missing."""


class ToolFailed(TracecheckError):
    """A TLA+ tool crashed or produced output we cannot make sense of."""
