"""A live progress line for long TLC runs (rich, on stderr), shown only when a person is watching."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.status import Status

from tracecheck.tlc import Progress


def _fmt(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


@contextmanager
def tlc_progress(label: str, *, enabled: bool | None = None) -> Iterator[object]:
    """Yield a ``progress=`` callback for :func:`run_tlc`; a spinner with counts when stderr is a TTY."""
    console = Console(stderr=True)
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield None
        return
    last: dict[str, float] = {"t": 0.0, "n": 0.0}
    with Status(f"{label}: starting TLC...", console=console) as status:

        def update(p: Progress) -> None:
            rate = ""
            if p.states_generated is not None and p.elapsed_s > last["t"]:
                rate = f", {(p.states_generated - last['n']) / (p.elapsed_s - last['t']):,.0f} states/s"
            last.update(t=p.elapsed_s, n=float(p.states_generated or 0))
            status.update(
                f"{label}: {_fmt(p.states_generated)} states, {_fmt(p.distinct_states)} distinct, "
                f"{_fmt(p.left_on_queue)} on queue{rate} ({p.elapsed_s:.0f} s)"
            )

        status.update(f"{label}: running TLC (progress every minute)...")
        yield update
