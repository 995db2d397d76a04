"""Delta debugging: shrink a failing input to a 1-minimal one that still fails the same way.

Zeller and Hildebrandt's ddmin over a sequence of items (for pyccf, the lines of a scenario). The
predicate decides what "still fails" means, so the same routine shrinks scenarios (where an invalid
candidate simply does not fail) and synthetic inputs in the tests. Results are cached because
ddmin asks for the same subset more than once, and each question here is a whole scenario run.

``ddmin_batched`` asks all of a round's questions at once, for predicates whose cost is mostly a fixed
start-up (one TLC run validates many traces): it tests more candidates but starts far fewer runs, and
returns exactly what ``ddmin`` returns.
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
    batches: int = 0  # calls of a batched predicate (ddmin_batched only)


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


def _complements(chunks: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    return [tuple(x for j, c in enumerate(chunks) if j != i for x in c) for i in range(len(chunks))]


def ddmin_batched(
    items: Sequence[T], fails_all: Callable[[list[list[T]]], list[bool]], *, max_batches: int | None = None
) -> ShrinkResult[T]:
    """``ddmin`` with each round's candidates (every chunk, then every complement) decided by one call of
    ``fails_all`` (one answer per candidate, in order); the round then takes the first failing candidate in
    ``ddmin``'s order, so the result equals ``ddmin(items, fails)`` for the same deterministic predicate.

    The first call also decides the full input (ValueError if it does not fail). With ``max_batches``
    (at least 1) the search stops after that many calls, returning the smallest failing input found so
    far, flagged ``exhausted``; ``tests`` counts the distinct candidates decided.
    """
    if max_batches is not None and max_batches < 1:
        raise ValueError("ddmin_batched: max_batches must be at least 1")
    cache: dict[tuple[int, ...], bool] = {}
    calls = 0

    def ask(candidates: list[tuple[int, ...]]) -> None:
        nonlocal calls
        new = [c for c in dict.fromkeys(candidates) if c not in cache]
        if not new:
            return
        if max_batches is not None and calls >= max_batches:
            raise _BudgetExhausted
        answers = list(fails_all([[items[i] for i in c] for c in new]))
        if len(answers) != len(new):
            raise ValueError(f"ddmin_batched: {len(answers)} answers for {len(new)} candidates")
        calls += 1
        cache.update(zip(new, map(bool, answers), strict=True))

    keep = tuple(range(len(items)))
    n = 2
    first = _split(keep, n) if len(keep) >= 2 else []
    ask([keep, *first, *_complements(first)])
    if not cache[keep]:
        raise ValueError("ddmin: the full input does not fail")
    try:
        while len(keep) >= 2:
            chunks = _split(keep, n)
            rests = _complements(chunks)
            ask(chunks + rests)
            chunk = next((c for c in chunks if cache[c]), None)
            rest = next((r for r in rests if cache[r]), None)
            if chunk is not None:
                keep, n = chunk, 2
            elif rest is not None:
                keep, n = rest, max(n - 1, 2)
            elif n >= len(keep):
                break  # every single item is needed: 1-minimal
            else:
                n = min(2 * n, len(keep))
        if len(keep) == 1:
            ask([()])
            if cache[()]:
                keep = ()
    except _BudgetExhausted:
        return ShrinkResult([items[i] for i in keep], len(cache), exhausted=True, batches=calls)
    return ShrinkResult([items[i] for i in keep], len(cache), batches=calls)
