"""Every seeded bug is caught by a scenario assertion or the driver's commit-safety check, at the scenario
line the registry (pyccf.formats.variants.BUGS) records."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyccf.consensus.bugs import BUGS, UnknownBugError, validate
from pyccf.formats.variants import Catch
from pyccf.sim.driver import run_scenario
from tests.paths import DATA, SCENARIOS

BUG_SCENARIOS = DATA / "bug_scenarios"


def scenario_path(c: Catch) -> Path:
    return (SCENARIOS if c.ccf_scenario else BUG_SCENARIOS) / c.scenario


def test_every_bug_has_a_catch_and_a_docstring() -> None:
    assert all(b.scenario.line > 0 and b.scenario.what for b in BUGS.values())
    assert all(len(b.summary) > 40 for b in BUGS.values())
    with pytest.raises(UnknownBugError) as e:
        validate(["commit_unsigned", "typo"])
    assert str(e.value).startswith("unknown bug 'typo' (known: ") and "\n" not in str(e.value)


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_bug_is_caught(shared: Path, bug: str) -> None:
    """The registry's scenario passes without the bug and fails at its line, with its words, with it."""
    catch = BUGS[bug].scenario
    path = scenario_path(catch)
    assert run_scenario(path).ok, "the catching scenario must pass without the bug"
    result = run_scenario(path, bugs=[bug])
    assert not result.ok and result.failure is not None
    assert result.failure.line == catch.line and catch.what in result.failure.message, result.failure
