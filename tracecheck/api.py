"""The library's front door for users' own test suites: ``tracecheck.validate(paths, spec=...)``.

It is the ``validate`` command without the command line: every trace is read (and checked) first, all of
them are validated in one call of the engine (one TLC run per batch, not per trace), and the result
renders to exactly the text the command prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tracecheck.validation.engine import Verdict, validate_paths
from tracecheck.validation.raft.adapter import RaftAdapter
from tracecheck.validation.report import report_text


@dataclass(frozen=True)
class Validation:
    """The verdicts of one call, in the order of its paths."""

    verdicts: tuple[Verdict, ...]

    @property
    def ok(self) -> bool:
        return all(v.accepted for v in self.verdicts)

    @property
    def text(self) -> str:
        """The report ``tracecheck validate`` prints for these traces."""
        return report_text(self.verdicts)


def validate(
    paths: Sequence[Path | str],
    spec: str | Path = "consensus",
    *,
    ccf_version: str | None = None,
    jobs: int = 1,
    timeout: float | None = None,
    invariants: bool = True,
) -> Validation:
    """Validate raft traces against ``spec`` (a folder under specs/, or a path to one or its Trace*.tla).

    Raises :class:`tracecheck.errors.BadInput` for a malformed trace or an unknown spec.
    """
    adapter = RaftAdapter(ccf_version) if ccf_version is not None else RaftAdapter()
    verdicts = validate_paths(
        [Path(p) for p in paths],
        adapter=adapter,
        spec=spec,
        jobs=jobs,
        timeout=timeout,
        invariants=invariants,
    )
    return Validation(tuple(verdicts))
