"""Every seeded bug in pyccf.consensus.bugs is caught by a scenario assertion or the driver's commit-safety check."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyccf.consensus.bugs import BUGS, UnknownBugError, validate
from pyccf.sim.driver import run_scenario
from tests.paths import DATA, SCENARIOS

BUG_SCENARIOS = DATA / "bug_scenarios"

# bug -> (scenario, line of the first failure, words of the failure message)
CATCHES: dict[str, tuple[Path, int, str]] = {
    "commit_previous_term_by_count": (SCENARIOS / "candidate_viability", 145, "not at expected commit idx"),
    "commit_on_nack": (SCENARIOS / "suffix_collision.1", 94, "states not in sync"),
    "truncate_on_early_append_entries": (BUG_SCENARIOS / "truncate_on_early_append_entries.scn", 54,
                                         "unsafe commit idx 7"),
    "inaccurate_ack": (BUG_SCENARIOS / "inaccurate_ack.scn", 54, "unsafe commit idx 7"),
    "union_vote_quorum": (SCENARIOS / "check_quorum_0_012", 41, "leadership_state is not as expected"),
    "commit_unsigned": (SCENARIOS / "append", 13, "not at expected commit idx"),
    "vote_twice": (SCENARIOS / "check_quorum_0_012", 49, "failed to reach state sync"),
    "accept_stale_append_entries": (SCENARIOS / "candidate_viability", 116, "not at expected commit idx"),
    "ignore_prev_term": (SCENARIOS / "suffix_collision.1", 88, "unsafe commit idx"),
    "no_check_quorum": (SCENARIOS / "check_quorum", 92, "leadership_state is not as expected"),
}


def test_every_bug_has_a_catch_and_a_docstring() -> None:
    assert set(CATCHES) == set(BUGS)
    assert all(len(doc) > 40 for doc in BUGS.values())
    with pytest.raises(UnknownBugError):
        validate(["commit_unsigned", "typo"])


@pytest.mark.parametrize("bug", sorted(CATCHES))
def test_bug_is_caught(shared: Path, bug: str) -> None:
    path, line, words = CATCHES[bug]
    assert run_scenario(path).ok, "the catching scenario must pass without the bug"
    result = run_scenario(path, bugs=[bug])
    assert not result.ok and result.failure is not None
    assert result.failure.line == line and words in result.failure.message, result.failure
