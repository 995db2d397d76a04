"""Cheap stand-ins for a campaign's work and shrink tasks (importable by Dask workers), so the runner's
guarantees around shrink tasks are tested without simulation or TLC time."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pyccf.campaign.results import PENDING, SHRINK


@dataclass(frozen=True)
class FakeSettings:
    """``failing``: the seeds whose records need a shrink; ``folder``: where the fakes leave marks."""

    folder: str
    failing: tuple[int, ...] = (0,)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def work(seeds: Sequence[int], settings: FakeSettings) -> list[dict[str, Any]]:
    out = []
    for seed in seeds:
        failing = seed in settings.failing
        (Path(settings.folder) / f"ran_{seed}_{os.getpid()}_{time.monotonic_ns()}").touch()
        out.append({
            "record": "seed", "seed": seed, "verdict": "safety" if failing else "ok",
            "kind": "k" if failing else "", "where": "w", "message": "m", "seconds": 1.0,
            "trace": {"validated": False}, "scenario": f"scenario {seed}\n" if failing else None,
            "shrunk": None, "replay": "r" if failing else None, **({"shrink": PENDING} if failing else {}),
        })  # fmt: skip
    return out


def shrink(record: dict[str, Any], settings: FakeSettings) -> dict[str, Any]:
    """Waits (up to a minute) for the gate the test opens once every seed's line is written."""
    gate = Path(settings.folder) / "gate"
    for _ in range(600):
        if gate.exists():
            break
        time.sleep(0.1)
    (Path(settings.folder) / f"shrunk_{record['seed']}_{time.monotonic_ns()}").touch()
    return {"record": SHRINK, "seed": record["seed"], "shrunk": f"min {record['seed']}\n", "shrink_runs": 3,
            "gate_was_open": gate.exists()}  # fmt: skip


def shrink_dying_once(record: dict[str, Any], settings: FakeSettings) -> dict[str, Any]:
    """Kills its worker on the first attempt of each seed (SIGKILL: the scheduler must retry it)."""
    mark = Path(settings.folder) / f"died_{record['seed']}"
    if not mark.exists():
        mark.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return {"record": SHRINK, "seed": record["seed"], "shrunk": f"min {record['seed']}\n", "shrink_runs": 1}


def never(seeds: Sequence[int], settings: FakeSettings) -> list[dict[str, Any]]:
    raise AssertionError(f"seeds {list(seeds)} were finished already")


def here() -> str:
    """A worker as records name it (``host:pid``)."""
    return f"{socket.gethostname()}:{os.getpid()}"
