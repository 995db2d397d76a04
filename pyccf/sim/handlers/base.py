"""What a command handler raises; the driver adds the file, line and command text."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyccf.errors import FailureKind

if TYPE_CHECKING:
    from pyccf.sim.driver import ScenarioDriver

#: ``handler(driver, command)``, for the command type it is registered under.
Handler = Callable[["ScenarioDriver", Any], None]


class StepFailed(Exception):
    """A check did not hold; becomes :class:`~pyccf.errors.ScenarioAssertionFailed` (or its
    :class:`~pyccf.errors.CommitSafetyViolation` subclass) with the line's context."""

    def __init__(
        self, expected: str, actual: str, message: str, kind: FailureKind = FailureKind.ASSERTION
    ) -> None:
        super().__init__(message)
        self.expected, self.actual, self.message, self.kind = expected, actual, message, kind


class BadLine(Exception):
    """A well-formed line that cannot apply to this run (an unknown node, a node that already exists);
    becomes :class:`~pyccf.errors.ScenarioSyntaxError`."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message, self.field = message, field
