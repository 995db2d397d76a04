"""CCF behaviour profiles (``--ccf-version``): later CCF fixes are off by default and each is observable."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pyccf.cli import main
from pyccf.consensus.log import Entry
from pyccf.consensus.messages import AppendEntries, AppendEntriesResponse
from pyccf.consensus.node import Node
from pyccf.errors import ScenarioAssertionFailed
from pyccf.formats.raft_trace import AppendEntriesResult, EntryType, LeadershipState
from pyccf.formats.variants import CCF_PROFILES, CCF_VERSION_DEFAULT, FIXES
from pyccf.sim.driver import ScenarioDriver, run_scenario, run_scenario_text
from tests.paths import DATA

OWN_SCENARIOS = DATA / "scenarios"
KEEPS_ACKED = OWN_SCENARIOS / "follower_keeps_acked_entry.scn"


def test_profiles_are_cumulative_and_default_has_no_fix() -> None:
    assert CCF_PROFILES[CCF_VERSION_DEFAULT].fixes == frozenset()
    versions = list(CCF_PROFILES)
    assert versions == sorted(versions)
    for older, newer in zip(versions, versions[1:], strict=False):
        assert CCF_PROFILES[older].fixes <= CCF_PROFILES[newer].fixes
    assert set().union(*(p.fixes for p in CCF_PROFILES.values())) == set(FIXES)


@pytest.mark.parametrize("version", sorted(CCF_PROFILES))
def test_driver_follows_the_registered_profile(version: str) -> None:
    d = ScenarioDriver(ccf_version=version)
    assert d.fixes == CCF_PROFILES[version].fixes
    assert d.pre_vote_enabled is CCF_PROFILES[version].pre_vote_default


def test_unknown_profile_and_fix_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown CCF version"):
        ScenarioDriver(ccf_version="1999-01")
    with pytest.raises(ValueError, match="unknown CCF fix"):
        Node("0", fixes=("42",))
    scn = tmp_path / "s.scn"
    scn.write_text("start_node,0\n")
    r = CliRunner().invoke(main, ["scenario", "run", str(scn), "--ccf-version", "1999-01"])
    assert r.exit_code == 2 and "1999-01" in r.output


def test_acked_entry_rolled_back_stalls_before_7620_and_syncs_after() -> None:
    """CCF of November 2025 rolls an acked unsigned entry back when a pre-vote candidate returns to
    follower; its leader never resends it in that term. CCF#7620 keeps the entry."""
    old = run_scenario(KEEPS_ACKED)
    assert not old.ok and old.failure is not None
    assert old.failure.command == "loop_until_sync (implicit, end of file)"
    assert "1: last index 4 != 7" in old.failure.actual
    for version in ("2026-01", "2026-08"):
        r = run_scenario(KEEPS_ACKED, ccf_version=version)
        assert r.ok, (version, r.failure)


def test_later_profiles_turn_pre_vote_on_by_default() -> None:
    for version, expected in (
        ("2025-11", "Candidate"),
        ("2026-01", "PreVoteCandidate"),
        ("2026-08", "PreVoteCandidate"),
    ):
        d = ScenarioDriver(ccf_version=version)
        for i, line in enumerate(
            [
                "start_node,0",
                "trust_node,2,1",
                "emit_signature,2",
                "dispatch_all",
                "periodic_all,10",
                "dispatch_all",
                "periodic_one,1,100",
            ],
            start=1,
        ):
            d.run_line(line, i)
        assert d.nodes["1"].leadership_state.value == expected, version


def _follower_with_divergent_signed_suffix(fixes: tuple[str, ...]) -> Node:
    """Node 2 holds 1-4 (term 2, committed) and a signed suffix 5-8 from a term-3 leader."""
    n = Node("2", fixes=fixes)
    prefix = [
        Entry.make(2, 1, EntryType.RECONFIGURATION, False, nodes=("0", "1", "2")),
        Entry.make(2, 2, EntryType.SIGNATURE, True, data="s"),
        Entry.make(2, 3, EntryType.RAW, False, data="a"),
        Entry.make(2, 4, EntryType.SIGNATURE, True, data="s"),
    ]
    n.step(
        "0", AppendEntries(idx=4, prev_idx=0, term=2, prev_term=0, leader_commit_idx=4, term_of_idx=2), prefix
    )
    assert n.commit_idx == 4
    suffix = [
        Entry.make(3, 5, EntryType.RAW, False, data="b"),
        Entry.make(3, 6, EntryType.SIGNATURE, True),
        Entry.make(3, 7, EntryType.RAW, False, data="old branch"),
        Entry.make(3, 8, EntryType.SIGNATURE, True),
    ]
    n.step(
        "1", AppendEntries(idx=8, prev_idx=4, term=3, prev_term=2, leader_commit_idx=4, term_of_idx=3), suffix
    )
    assert (n.last_idx, n.commit_idx) == (8, 4)
    return n


@pytest.mark.parametrize(("fixes", "committed"), [((), 8), (("8172",), 6)])
def test_follower_commit_bounded_by_checked_range_only_with_8172(
    fixes: tuple[str, ...], committed: int
) -> None:
    """A term-4 leader's AppendEntries checks 5-6 only, but carries commit 8 (its own, different 7-8)."""
    n = _follower_with_divergent_signed_suffix(fixes)
    same = [n.log[4], n.log[5]]
    n.step(
        "0", AppendEntries(idx=6, prev_idx=4, term=4, prev_term=2, leader_commit_idx=8, term_of_idx=3), same
    )
    assert n.leadership_state is LeadershipState.FOLLOWER and n.current_view == 4
    assert n.commit_idx == committed


@pytest.mark.parametrize(("version", "clock_after_stale_ack"), [("2025-11", 0), ("2026-01", 50)])
def test_stale_response_feeds_check_quorum_only_before_7620(version: str, clock_after_stale_ack: int) -> None:
    d = ScenarioDriver(ccf_version=version)
    for i, line in enumerate(
        [
            "start_node,0",
            "trust_node,2,1",
            "emit_signature,2",
            "dispatch_all",
            "periodic_all,10",
            "dispatch_all",
        ],
        start=1,
    ):
        d.run_line(line, i)
    leader = d.nodes["0"]
    leader.periodic(50)
    assert leader.peers["1"].last_ack_timeout == 50
    leader.step("1", AppendEntriesResponse(term=1, last_log_idx=1, success=AppendEntriesResult.OK))
    assert leader.peers["1"].last_ack_timeout == clock_after_stale_ack


def test_assert_is_retired_of_older_drivers() -> None:
    text = (
        "start_node,0\nemit_signature,2\ntrust_node,2,1\nemit_signature,2\ndispatch_all\n"
        "periodic_all,10\ndispatch_all\nswap_nodes,2,out,1\nemit_signature,2\nperiodic_all,10\n"
        "dispatch_all\nassert_is_retired,1\n"
    )
    assert run_scenario_text(text, "t").ok
    broken = run_scenario_text(text.replace("assert_is_retired,1", "assert_is_retired,0"), "t")
    assert not broken.ok and broken.failure is not None and broken.failure.line == 12


def test_driver_takes_single_fixes_without_the_pre_vote_default() -> None:
    d = ScenarioDriver(fixes={"7620"})
    assert d.fixes == frozenset({"7620"}) and d.pre_vote_enabled is False
    with pytest.raises(ValueError, match="unknown CCF fix"):
        ScenarioDriver(fixes={"9999"})
    text = KEEPS_ACKED.read_text()
    driver = ScenarioDriver(fixes={"7620"})
    for i, line in enumerate(text.splitlines(), start=1):
        driver.run_line(line, i)
    driver.finish()  # syncs: #7620 alone is enough
    stalled = ScenarioDriver()
    for i, line in enumerate(text.splitlines(), start=1):
        stalled.run_line(line, i)
    with pytest.raises(ScenarioAssertionFailed, match="failed to reach state sync"):
        stalled.finish()


def test_later_profile_traces_keep_the_trace_format(tmp_path: Path) -> None:
    """Traces of later profiles are read by the same loader as CCF's (they stand in for CCF's traces)."""
    from tracecheck.validation.raft.diff import load_trace

    out = tmp_path / "t.ndjson"
    assert run_scenario(KEEPS_ACKED, trace_path=out, ccf_version="2026-08").ok
    events = load_trace(out)
    assert len(events) > 50
    assert {e["msg"]["function"] for e in events} >= {"become_follower", "become_pre_vote_candidate"}
