"""What a campaign runs: its seeds and the per-seed settings, parsed strictly."""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from pyccf.consensus.bugs import BUGS
from pyccf.formats.variants import CCF_VERSION_DEFAULT, CCF_VERSIONS
from pyccf.sim.simulate import replay_flags

_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+))?\s*$")


class SeedsError(ValueError):
    """A ``--seeds`` value that is not a list of ``A`` or ``A-B`` ranges (one message naming the part)."""


def parse_seeds(text: str) -> list[int]:
    """``"0-199"``, ``"5"``, ``"0-9,20-29"``: the seeds in order, each once."""
    seeds: dict[int, None] = {}
    for part in text.split(","):
        m = _RANGE.match(part)
        if m is None:
            raise SeedsError(f"--seeds: {part.strip()!r} is not N or A-B")
        first = int(m[1])
        last = int(m[2]) if m[2] is not None else first
        if last < first:
            raise SeedsError(f"--seeds: {part.strip()!r} ends before it starts")
        if last - first >= 10_000_000:
            raise SeedsError(f"--seeds: {part.strip()!r} is more than 10,000,000 seeds")
        seeds.update(dict.fromkeys(range(first, last + 1)))
    return list(seeds)


@dataclass(frozen=True)
class SeedSettings:
    """How every seed of a campaign runs (stored beside the results: a resumed campaign must match)."""

    steps: int = 100
    nodes: int = 3
    bugs: tuple[str, ...] = ()
    ccf_version: str = CCF_VERSION_DEFAULT
    validate: bool = True  # validate each trace with TLC against the consensus spec
    shrink_budget: int = 2000  # scenario runs spent shrinking a simulation failure
    tlc_shrink_budget: int = 24  # ddmin rounds spent shrinking a rejected trace (one TLC validation each)

    def __post_init__(self) -> None:
        unknown = set(self.bugs) - set(BUGS)
        if unknown:
            raise ValueError(f"unknown bug(s): {', '.join(sorted(unknown))}")
        if self.ccf_version not in CCF_VERSIONS:
            raise ValueError(f"unknown CCF version {self.ccf_version!r}")

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["bugs"] = list(self.bugs)
        return out

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> SeedSettings:
        return cls(**{**doc, "bugs": tuple(doc.get("bugs", ()))})

    def flags(self) -> str:
        """The ``pyccf`` flags that reproduce a seed's run."""
        return replay_flags(self.bugs, self.ccf_version)


_LOCK = threading.Lock()
_SETTERS = [0]  # calls under one_core_per_worker that rely on the variable it set


@contextmanager
def one_core_per_worker() -> Iterator[None]:
    """A campaign worker is one core, and so are the TLC JVMs it starts (unless its environment already
    says how many processors they may use): a JVM free to use every core slows the other workers.

    Scoped to the call (a decorator or a ``with``): a task run in the caller's own process, as Dask's
    synchronous and threaded schedulers do, leaves the caller's environment as it found it."""
    from tracecheck.tla.tlc import JVM_CPUS_ENV

    with _LOCK:
        owned = _SETTERS[0] > 0 or JVM_CPUS_ENV not in os.environ
        if owned:
            _SETTERS[0] += 1
            os.environ[JVM_CPUS_ENV] = "1"
    try:
        yield
    finally:
        if owned:
            with _LOCK:
                _SETTERS[0] -= 1
                if _SETTERS[0] == 0:
                    os.environ.pop(JVM_CPUS_ENV, None)


#: The validation engine's ``max_events`` for the traces a worker validates together (a batch's, a shrink
#: round's candidates): one TLC run, one JVM start (about 1.5 CPU s) for all of them, where the engine's
#: default would split a batch of 8 seeds of 100 steps in two.
ONE_TLC_RUN = sys.maxsize
