"""The quorum rule on its own: majority of each active configuration."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from pyccf.consensus import quorum


def test_majority_sizes() -> None:
    assert [quorum.majority(n) for n in range(1, 7)] == [1, 2, 2, 3, 3, 4]


def test_agreement_is_minimum_over_configurations() -> None:
    match = {"0": 9, "1": 7, "2": 3, "3": 8}
    # {0,1,2}: sorted 3,7,9 -> 7 ; {0,3}: sorted 8,9 -> 8 (majority of 2 is both) ; overall 7
    assert quorum.agreement_index([{"0", "1", "2"}, {"0", "3"}], match.__getitem__) == 7
    assert quorum.agreement_index([{"2", "3"}], match.__getitem__) == 3
    assert quorum.agreement_index([], match.__getitem__) is None


def test_a_majority_of_the_union_is_not_enough() -> None:
    old, new = {"0", "1", "2"}, {"2", "3", "4"}
    votes = {"0", "1", "2"}  # all of old, one of new: 3 of the 5 in the union
    assert quorum.has_quorum(old | new, votes)
    assert not quorum.votes_won({1: (votes & old, 2), 2: (votes & new, 2)})


def test_check_quorum() -> None:
    alive = {"0", "1"}.__contains__
    assert quorum.every_config_has_quorum([{"0", "1", "2"}], alive)
    assert not quorum.every_config_has_quorum([{"0", "1", "2"}, {"0", "3", "4"}], alive)


configs = st.lists(st.sets(st.sampled_from("01234"), min_size=1), min_size=1, max_size=3)
matches = st.fixed_dictionaries({n: st.integers(0, 20) for n in "01234"})


@given(configs, matches)
def test_agreement_index_is_the_highest_index_a_majority_of_each_config_holds(
    cfgs: list[set[str]], match: dict[str, int]
) -> None:
    a = quorum.agreement_index(cfgs, match.__getitem__)
    assert a is not None

    def held(idx: int) -> bool:
        return all(sum(match[n] >= idx for n in c) >= quorum.majority(len(c)) for c in cfgs)

    assert held(a)
    assert not held(a + 1)


def test_configuration_json_is_ccfs() -> None:
    """CCF's shape: nodes sorted by id, each with an (empty) address, ``rid`` equal to the index."""
    c = quorum.Configuration(12, frozenset({"2", "10", "0"}))
    assert json.dumps(c.to_json()) == (
        '{"idx": 12, "nodes": {"0": {"address": ":"}, "10": {"address": ":"}, "2": {"address": ":"}}, '
        '"rid": 12}'
    )
