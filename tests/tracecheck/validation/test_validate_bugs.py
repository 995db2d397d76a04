"""Trace validation catches pyccf's seeded bugs: the buggy run's trace is rejected at the first event the
bug makes impossible, while the same scenario without the bug is accepted (docs/bugs.md). The scenarios,
lines and events are the registry's (pyccf.formats.variants.BUGS).

The line numbers pin the detection: a change that makes the spec more permissive (or the trace spec
looser) moves or loses them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pyccf.formats.variants import BUGS, Catch
from pyccf.sim.driver import run_scenario
from tests.paths import DATA, SCENARIOS
from tracecheck.validation.engine import validate_paths

pytestmark = pytest.mark.tlc

BUG_SCENARIOS = DATA / "bug_scenarios"

# bug -> (scenario, first rejected line of the buggy trace, its event), from the registry
DETECTION: dict[str, Catch] = {b.name: b.trace for b in BUGS.values() if b.trace is not None}
# Leaving out an optional step leaves a trace of allowed steps: only scenario assertions catch it.
NOT_BY_TRACE_VALIDATION = {b.name for b in BUGS.values() if b.trace is None}


def scenario_path(c: Catch) -> Path:
    return (SCENARIOS if c.ccf_scenario else BUG_SCENARIOS) / c.scenario


def test_every_bug_is_classified():
    assert set(DETECTION) | NOT_BY_TRACE_VALIDATION == set(BUGS)
    assert {"no_check_quorum"} == NOT_BY_TRACE_VALIDATION
    assert all(BUGS[b].why_not for b in NOT_BY_TRACE_VALIDATION)


@pytest.fixture(scope="module")
def bug_verdicts(shared, tmp_path_factory):
    """Every buggy trace, plus the bug-free traces of the bug-specific scenarios, in one validate call."""
    folder = tmp_path_factory.mktemp("bug_traces")
    paths: dict[str, Path] = {}
    for bug, catch in DETECTION.items():
        paths[bug] = folder / f"{bug}.ndjson"
        run_scenario(scenario_path(catch), trace_path=paths[bug], bugs=[bug])
    for scenario in sorted(BUG_SCENARIOS.glob("*.scn")):
        paths[f"clean/{scenario.name}"] = folder / f"clean_{scenario.stem}.ndjson"
        assert run_scenario(scenario, trace_path=paths[f"clean/{scenario.name}"]).ok
    verdicts = validate_paths(list(paths.values()), jobs=2, timeout=600, diagnose=False)
    return dict(zip(paths, verdicts, strict=True))


@pytest.mark.parametrize("bug", sorted(DETECTION))
def test_bug_caught_by_trace_validation(bug_verdicts, bug):
    catch = DETECTION[bug]
    v = bug_verdicts[bug]
    assert v.status == "rejected", v.message
    assert (v.failing.line, str(v.failing.function)) == (catch.line, catch.what)


@pytest.mark.parametrize("scenario", sorted(p.name for p in BUG_SCENARIOS.glob("*.scn")))
def test_bug_scenario_without_bug_is_accepted(bug_verdicts, scenario):
    v = bug_verdicts[f"clean/{scenario}"]
    assert v.status == "accepted", v.message


def test_report_explains_the_bug(shared, tmp_path):
    """The diagnosis says why the step is not allowed: the quorum per configuration, the commit candidate."""
    paths = []
    for bug in ("union_vote_quorum", "commit_previous_term_by_count"):
        paths.append(tmp_path / f"{bug}.ndjson")
        run_scenario(scenario_path(DETECTION[bug]), trace_path=paths[-1], bugs=[bug])
    union, by_count = validate_paths(paths, jobs=2, timeout=600)
    (cand,) = union.candidates
    quorum = next(c for c in cand.comparisons if c.field == "quorum of votes in each configuration")
    assert (quorum.logged, quorum.spec) == (True, False)
    assert "votes {1, 2}" in quorum.note
    (cand,) = by_count.candidates
    commit = next(c for c in cand.comparisons if c.field == "commit index")
    assert (commit.logged, commit.spec) == (4, 2)
