"""ddmin on synthetic predicates: the result fails, is 1-minimal, keeps order, respects the budget."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyccf.sim.shrink import ddmin


def _contains_all(needed: set[int]):
    return lambda xs: needed <= set(xs)


def test_finds_the_two_needed_items() -> None:
    result = ddmin(list(range(100)), _contains_all({17, 83}))
    assert result.items == [17, 83]
    assert not result.exhausted
    assert result.tests < 100  # far fewer runs than trying every subset


def test_order_is_kept_for_ordered_predicates() -> None:
    # fails iff 5 occurs before 2 (like "a leader signs after being elected")
    def fails(xs: list[int]) -> bool:
        return 5 in xs and 2 in xs and xs.index(5) < xs.index(2)

    assert ddmin([9, 5, 1, 7, 2, 5, 3], fails).items == [5, 2]


def test_input_that_does_not_fail_is_rejected() -> None:
    with pytest.raises(ValueError):
        ddmin([1, 2, 3], lambda xs: False)


def test_everything_can_go_when_the_empty_input_fails() -> None:
    assert ddmin([1, 2, 3], lambda xs: True).items == []


def test_budget_stops_early_with_a_failing_result() -> None:
    fails = _contains_all({3, 40, 77})
    result = ddmin(list(range(100)), fails, max_tests=5)
    assert result.exhausted
    assert result.tests <= 5
    assert fails(result.items)


def test_validity_predicates_keep_prerequisites() -> None:
    # item 50 "fails" only if its prerequisite 10 is before it (an invalid scenario does not fail)
    def fails(xs: list[int]) -> bool:
        return 50 in xs and 10 in xs[: xs.index(50)]

    assert ddmin(list(range(60)), fails).items == [10, 50]


@given(
    st.lists(st.integers(0, 30), min_size=1, max_size=40),
    st.sets(st.integers(0, 30), min_size=1, max_size=4),
)
def test_result_fails_and_is_one_minimal(items: list[int], needed: set[int]) -> None:
    fails = _contains_all(needed)
    if not fails(items):
        with pytest.raises(ValueError):
            ddmin(items, fails)
        return
    result = ddmin(items, fails).items
    assert fails(result)
    assert sorted(result) == sorted(needed)  # monotone predicate: exactly one copy of each needed item
    for i in range(len(result)):
        assert not fails(result[:i] + result[i + 1 :])
    it = iter(items)  # a sub-sequence of the input, in order
    assert all(x in it for x in result)
