"""ddmin_batched: the same 1-minimal result as sequential ddmin, in one predicate call per round."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyccf.sim.shrink import ddmin, ddmin_batched


def batched(fails: Callable[[list[int]], bool], calls: list[int] | None = None):
    def fails_all(candidates: list[list[int]]) -> list[bool]:
        if calls is not None:
            calls.append(len(candidates))
        return [fails(c) for c in candidates]

    return fails_all


def random_predicate(items: list[int], seed: int, p: float) -> Callable[[list[int]], bool]:
    """An arbitrary (not monotone) deterministic predicate that holds on the full input."""
    full = tuple(items)

    def fails(xs: list[int]) -> bool:
        return tuple(xs) == full or random.Random(hash((seed, tuple(xs)))).random() < p

    return fails


@given(
    st.lists(st.integers(0, 20), min_size=0, max_size=40),
    st.integers(0, 2**32),
    st.sampled_from([0.05, 0.2, 0.5, 0.9]),
)
def test_equals_sequential_ddmin_on_random_predicates(items: list[int], seed: int, p: float) -> None:
    fails = random_predicate(items, seed, p)
    sequential = ddmin(items, fails)
    result = ddmin_batched(items, batched(fails))
    assert result.items == sequential.items and not result.exhausted
    assert result.tests >= sequential.tests  # a round decides every candidate, ddmin stops at the first


@given(
    st.lists(st.integers(0, 30), min_size=1, max_size=40),
    st.sets(st.integers(0, 30), min_size=1, max_size=4),
)
def test_equals_sequential_ddmin_on_monotone_predicates(items: list[int], needed: set[int]) -> None:
    def fails(xs: list[int]) -> bool:
        return needed <= set(xs)

    if not fails(items):
        with pytest.raises(ValueError):
            ddmin_batched(items, batched(fails))
        return
    assert ddmin_batched(items, batched(fails)).items == ddmin(items, fails).items


def test_one_call_per_round_and_the_first_call_checks_the_input() -> None:
    def fails(xs: list[int]) -> bool:
        return {17, 83} <= set(xs)

    calls: list[int] = []
    result = ddmin_batched(list(range(100)), batched(fails, calls))
    assert result.items == [17, 83] and result.batches == len(calls)
    assert result.tests == sum(calls)  # no candidate is asked twice
    assert len(calls) < ddmin(list(range(100)), fails).tests  # fewer calls than sequential runs
    with pytest.raises(ValueError, match="does not fail"):
        ddmin_batched([1, 2, 3], batched(lambda xs: False))


def test_the_first_failing_candidate_in_ddmin_order_wins() -> None:
    # chunks [0, 1] and [2, 3] both fail on their own: ddmin keeps the first, and so must a round
    def fails(xs: list[int]) -> bool:
        return xs in ([0, 1, 2, 3], [0, 1], [2, 3], [0], [3])

    assert ddmin_batched([0, 1, 2, 3], batched(fails)).items == ddmin([0, 1, 2, 3], fails).items == [0]


def test_budget_of_calls_stops_early_with_a_failing_result() -> None:
    def fails(xs: list[int]) -> bool:
        return {3, 40, 77} <= set(xs)

    calls: list[int] = []
    result = ddmin_batched(list(range(100)), batched(fails, calls), max_batches=3)
    assert result.exhausted and result.batches == len(calls) == 3
    assert fails(result.items) and len(result.items) < 100
    with pytest.raises(ValueError, match="max_batches"):
        ddmin_batched([1], batched(fails), max_batches=0)


def test_a_predicate_that_answers_the_wrong_number_is_refused() -> None:
    with pytest.raises(ValueError, match="answers"):
        ddmin_batched([1, 2, 3], lambda cs: [True])


def test_everything_can_go_when_the_empty_input_fails() -> None:
    assert ddmin_batched([1, 2, 3], batched(lambda xs: True)).items == []
    assert ddmin_batched([], batched(lambda xs: True)).items == []
