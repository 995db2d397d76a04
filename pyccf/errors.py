"""pyccf's exceptions: each carries the scenario file and line it is about; exit codes live in the CLI."""

from __future__ import annotations

from enum import StrEnum


class PyccfError(Exception):
    """Base of pyccf's own errors."""


class FailureKind(StrEnum):
    """Why a scenario line failed: callers branch on this, never on the wording of a message."""

    SYNTAX = "syntax"  # not a well-formed command, or it names a node that does not exist
    ASSERTION = "assertion"  # an assert_* line does not hold
    COMMIT_SAFETY = "commit safety"  # the driver's check after every state-changing line
    NO_LEADER = "no leader"  # the line asks the leader of a term that has none
    NO_PRIMARY = "no primary"  # loop_until_sync found no leader at all
    NOT_IN_SYNC = "not in sync"  # loop_until_sync could not bring the active nodes in sync
    INTERNAL = "internal"  # a consistency check inside the core raised (CCF would throw)


class ScenarioSyntaxError(PyccfError):
    """A scenario line is not a well-formed command (unknown command, wrong arity, bad number).

    ``field`` names the offending part of the line (``command``, ``arguments``, or an argument's name).
    """

    kind = FailureKind.SYNTAX

    def __init__(self, file: str, line: int, message: str, field: str = "line") -> None:
        super().__init__(f"{file}:{line}: {field}: {message}")
        self.file = file
        self.line = line
        self.message = message
        self.field = field


class ScenarioAssertionFailed(PyccfError):
    """A scenario assertion, or the driver's commit-safety check, does not hold."""

    def __init__(
        self,
        file: str,
        line: int,
        command: str,
        expected: str,
        actual: str,
        message: str,
        kind: FailureKind = FailureKind.ASSERTION,
    ) -> None:
        super().__init__(f"{file}:{line}: {command}: {message} (expected {expected}, actual {actual})")
        self.file = file
        self.line = line
        self.command = command
        self.expected = expected
        self.actual = actual
        self.message = message
        self.kind = kind


class CommitSafetyViolation(ScenarioAssertionFailed):
    """The driver's commit-safety check failed: a committed prefix is not on a majority of a configuration.

    A type of its own so callers can catch it alone; its ``kind`` is always ``COMMIT_SAFETY``.
    """

    def __init__(self, file: str, line: int, command: str, expected: str, actual: str, message: str) -> None:
        super().__init__(file, line, command, expected, actual, message, FailureKind.COMMIT_SAFETY)


class ScenarioInputError(PyccfError):
    """A scenario file cannot be read: missing, not text, empty, or a directory without scenarios."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class InternalError(PyccfError):
    """A consistency check inside the core failed (CCF throws; a message handler drops the message)."""


class LineError(PyccfError):
    """An input file's line that is wrong: ``file:line: field: message``, each part kept."""

    def __init__(self, file: str, line: int, field: str, message: str) -> None:
        super().__init__(f"{file}:{line}: {field}: {message}")
        self.file = file
        self.line = line
        self.field = field
        self.message = message


class TraceFormatError(LineError):
    """A trace file is not ndjson in CCF's raft_trace shape."""
