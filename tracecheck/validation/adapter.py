"""What the generic engine needs from one trace format and its trace spec: the adapter interface.

The engine batches traces, runs TLC, reads the PrintT protocol and renders verdicts; everything that
depends on the format or on the spec's vocabulary (reading a trace strictly, the generated TLA+ data
module, comparing a failing event with a spec state, which spec folder and constants) is the adapter's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class Comparison:
    """One field of a failing event next to the value a candidate spec state gives it."""

    field: str
    logged: Any
    spec: Any
    note: str = ""

    @property
    def equal(self) -> bool:
        return self.logged == self.spec

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "logged": self.logged, "spec": self.spec, "equal": self.equal,
                "note": self.note}  # fmt: skip


class TraceEvent(Protocol):
    """One event of a checked trace, as the engine and the report see it."""

    @property
    def line(self) -> int: ...  # 1-based line of the event in its file

    @property
    def text(self) -> str: ...  # the event as logged

    @property
    def cmd(self) -> str: ...  # the scenario command that caused it ("" if none was logged)

    def summary(self) -> str: ...  # one human line

    def fields(self) -> dict[str, Any]: ...  # format-specific report fields (JSON-ready; the first is

    # shown next to the line number, ``event`` names the kind of event if there is one)


class Trace(Protocol):
    @property
    def path(self) -> Path: ...

    @property
    def events(self) -> Sequence[TraceEvent]: ...


class Adapter(Protocol):
    """One trace format and the trace spec that explains it."""

    @property
    def default_spec(self) -> str: ...  # the spec folder under specs/ used when ``--spec`` is not given

    @property
    def data_module_name(self) -> str: ...  # the generated module the trace spec EXTENDS

    def load(self, path: Path) -> Trace:
        """Read and check one trace; raises :class:`tracecheck.errors.BadInput` naming file, line, field."""
        ...

    def data_module(self, traces: Sequence[Trace], prefix_lengths: Sequence[int | None] | None) -> str:
        """The data module's text for a batch (``prefix_lengths`` cut traces short, for diagnosis)."""
        ...

    def constants(self) -> Mapping[str, str]:
        """Spec constants (name -> TLA+ value) that replace the ones in the trace spec's cfg."""
        ...

    def compare(self, event: Any, observed: dict[str, Any]) -> list[Comparison]:
        """Field-by-field comparison of the failing ``event`` with one state the spec printed."""
        ...

    def no_initial_state(self, trace: Any) -> str:
        """Why no initial state matching the first event may exist (the message of that rejection)."""
        ...
