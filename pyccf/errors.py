"""pyccf's exceptions: each carries the scenario file and line it is about; exit codes live in the CLI."""

from __future__ import annotations


class PyccfError(Exception):
    """Base of pyccf's own errors."""


class ScenarioSyntaxError(PyccfError):
    """A scenario line is not a well-formed command (unknown command, wrong arity, bad number)."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file = file
        self.line = line
        self.message = message


class ScenarioAssertionFailed(PyccfError):
    """A scenario assertion, or the driver's commit-safety check, does not hold."""

    def __init__(self, file: str, line: int, command: str, expected: str, actual: str, message: str) -> None:
        super().__init__(f"{file}:{line}: {command}: {message} (expected {expected}, actual {actual})")
        self.file = file
        self.line = line
        self.command = command
        self.expected = expected
        self.actual = actual
        self.message = message


class CommitSafetyViolation(ScenarioAssertionFailed):
    """The driver's commit-safety check failed: a committed prefix is not on a majority of a configuration.

    A type of its own so callers (the simulator's failure classes) need not parse message text.
    """


class InternalError(PyccfError):
    """A consistency check inside the core failed (CCF throws; a message handler drops the message)."""


class TraceFormatError(PyccfError):
    """A trace file is not ndjson in CCF's raft_trace shape."""

    def __init__(self, file: str, line: int, field: str, message: str) -> None:
        super().__init__(f"{file}:{line}: {field}: {message}")
        self.file = file
        self.line = line
        self.field = field
        self.message = message
