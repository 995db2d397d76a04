"""A live progress line for long TLC runs (rich, on stderr), shown only when a person is watching.

TLC reports progress every minute; between reports the line shows a spinner and the elapsed time.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress as RichProgress
from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

from tracecheck.tla.tlc import Progress


def _fmt(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


def describe(p: Progress, previous: Progress | None) -> str:
    """``states, distinct, queue, states/s`` for one TLC progress report."""
    rate = ""
    if p.states_generated is not None:
        before_n = previous.states_generated or 0 if previous else 0
        before_t = previous.elapsed_s if previous else 0.0
        if p.elapsed_s > before_t:
            rate = f", {(p.states_generated - before_n) / (p.elapsed_s - before_t):,.0f} states/s"
    return (
        f"{_fmt(p.states_generated)} states, {_fmt(p.distinct_states)} distinct, "
        f"{_fmt(p.left_on_queue)} on queue{rate}"
    )


@contextmanager
def tlc_progress(label: str, *, enabled: bool | None = None) -> Iterator[Callable[[Progress], None] | None]:
    """Yield a ``progress=`` callback for :func:`run_tlc`, or None when stderr is not a terminal."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with RichProgress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"{label}: TLC running (it reports every minute)")
        last: list[Progress] = []

        def update(p: Progress) -> None:
            bar.update(task, description=f"{label}: {describe(p, last[-1] if last else None)}")
            last.append(p)

        yield update
