"""Delta debugging: shrink a failing input to a 1-minimal one that still fails the same way.

Zeller and Hildebrandt's ddmin over a sequence of items (for pyccf, the lines of a scenario). The
predicate decides what "still fails" means, so the same routine shrinks scenarios (where an invalid
candidate simply does not fail) and synthetic inputs in the tests. Results are cached because
ddmin asks for the same subset more than once, and each question here is a whole scenario run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class ShrinkResult(Generic[T]):
    """The shrunk items, and how much work it took (tests() counts distinct predicate runs)."""

    items: list[T]
    tests: int
    exhausted: bool = False  # the test budget ran out: the result fails, but may not be 1-minimal


@dataclass
class _Oracle(Generic[T]):
    items: Sequence[T]
    fails: Callable[[list[T]], bool]
    budget: int | None
    cache: dict[tuple[int, ...], bool] = field(default_factory=dict)

    def __call__(self, keep: tuple[int, ...]) -> bool:
        if keep in self.cache:
            return self.cache[keep]
        if self.budget is not None and len(self.cache) >= self.budget:
            raise _BudgetExhausted
        result = bool(self.fails([self.items[i] for i in keep]))
        self.cache[keep] = result
        return result


class _BudgetExhausted(Exception):
    pass


def _split(keep: tuple[int, ...], n: int) -> list[tuple[int, ...]]:
    """n nearly equal contiguous chunks (contiguous, because scenario failures are local in time)."""
    size, extra = divmod(len(keep), n)
    chunks, start = [], 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        chunks.append(keep[start:end])
        start = end
    return [c for c in chunks if c]


def ddmin(
    items: Sequence[T], fails: Callable[[list[T]], bool], *, max_tests: int | None = None
) -> ShrinkResult[T]:
    """Return a 1-minimal sub-sequence of ``items`` (order kept) for which ``fails`` holds.

    ``fails(items)`` must hold on entry (else ValueError: there is nothing to shrink). With
    ``max_tests`` the search stops after that many distinct predicate runs and returns the smallest
    failing input found so far, flagged ``exhausted``.
    """
    oracle = _Oracle(items, fails, max_tests)
    keep = tuple(range(len(items)))
    if not oracle(keep):
        raise ValueError("ddmin: the full input does not fail")
    n = 2
    try:
        while len(keep) >= 2:
            chunks = _split(keep, n)
            reduced = False
            for chunk in chunks:  # a single chunk that fails on its own
                if oracle(chunk):
                    keep, n, reduced = chunk, 2, True
                    break
            if not reduced:
                for i in range(len(chunks)):  # or everything but one chunk
                    rest = tuple(x for j, c in enumerate(chunks) if j != i for x in c)
                    if oracle(rest):
                        keep, n, reduced = rest, max(n - 1, 2), True
                        break
            if not reduced:
                if n >= len(keep):
                    break  # every single item is needed: 1-minimal
                n = min(2 * n, len(keep))
        if len(keep) == 1 and oracle(()):
            keep = ()
    except _BudgetExhausted:
        return ShrinkResult([items[i] for i in keep], len(oracle.cache), exhausted=True)
    return ShrinkResult([items[i] for i in keep], len(oracle.cache))
