"""Retirement phases and CCF's store hook, driven through a node's public entry points only."""

from __future__ import annotations

from pyccf.consensus.log import Entry
from pyccf.consensus.messages import AppendEntries, AppendEntriesResponse, ProposeRequestVote
from pyccf.consensus.node import Node
from pyccf.formats.raft_trace import (
    AppendEntriesResult,
    EntryType,
    LeadershipState,
    MembershipState,
    RetirementPhase,
)


def _phase(n: Node) -> tuple[MembershipState, RetirementPhase | None, int | None, int | None]:
    return n.membership_state, n.retirement_phase, n.retirement_idx, n.retirement_committable_idx


def _lone_leader() -> Node:
    n = Node("0")
    n.start_ticking()
    n.force_become_primary()
    n.replicate(Entry.make(2, 1, EntryType.RECONFIGURATION, False, nodes=("0",)), 2)
    n.replicate(Entry.make(2, 2, EntryType.SIGNATURE, True, data="signature"), 2)
    assert n.commit_idx == 2
    return n


def _ack(n: Node, idx: int) -> None:
    n.step("1", AppendEntriesResponse(term=2, last_log_idx=idx, success=AppendEntriesResult.OK))


def test_rollback_undoes_signed_then_ordered() -> None:
    n = _lone_leader()
    n.replicate(Entry.make(2, 3, EntryType.RECONFIGURATION, False, nodes=("1",)), 2)
    assert _phase(n) == (MembershipState.RETIRED, RetirementPhase.ORDERED, 3, None)
    n.replicate(Entry.make(2, 4, EntryType.SIGNATURE, True, data="signature"), 2)
    assert _phase(n) == (MembershipState.RETIRED, RetirementPhase.SIGNED, 3, 4)
    n.rollback(3)
    assert _phase(n) == (MembershipState.RETIRED, RetirementPhase.ORDERED, 3, None)
    n.rollback(2)
    assert _phase(n) == (MembershipState.ACTIVE, None, None, None)
    assert "retirement_phase" not in n.trace_state()


def test_leader_retires_through_every_phase_and_nominates_a_successor() -> None:
    """The leader's own retired_committed entry ends its retirement once committed: the node records
    it itself when it is replicated (the harness only hands the entry over)."""
    n = _lone_leader()
    n.replicate(Entry.make(2, 3, EntryType.RECONFIGURATION, False, nodes=("1",)), 2)
    n.replicate(Entry.make(2, 4, EntryType.SIGNATURE, True, data="signature"), 2)
    _ack(n, 4)
    assert n.commit_idx == 4 and n.retirement_phase is RetirementPhase.COMPLETED
    assert [c.nodes for c in n.configurations] == [frozenset({"1"})]
    assert n.replicate(Entry.make(2, 5, EntryType.RETIRED_COMMITTED, False, nodes=("0",)), 2)
    assert n.retired_committed_entries == [(5, ("0",))]
    n.replicate(Entry.make(2, 6, EntryType.SIGNATURE, True, data="signature"), 2)
    n.take_messages()
    _ack(n, 6)
    assert n.commit_idx == 6 and n.is_retired_committed() and n.retired_committed_idx == 6
    assert n.leadership_state is LeadershipState.NONE and n.leader_id is None
    assert n.details()["retirement_phase"] == "RetiredCommitted"
    assert n.take_messages() == [("1", ProposeRequestVote(2))]
    n.periodic(1000)  # a retired-committed node never stands again
    assert n.leadership_state is LeadershipState.NONE and n.take_messages() == []


def test_follower_records_retired_committed_entries_and_forgets_rolled_back_ones() -> None:
    n = Node("1")
    entries = [
        Entry.make(2, 1, EntryType.RECONFIGURATION, False, nodes=("0", "1", "2")),
        Entry.make(2, 2, EntryType.SIGNATURE, True, data="s"),
        Entry.make(2, 3, EntryType.RETIRED_COMMITTED, False, nodes=("2",)),
        Entry.make(2, 4, EntryType.RAW, False, data="tx"),
    ]
    n.step(
        "0",
        AppendEntries(idx=4, prev_idx=0, term=2, prev_term=0, leader_commit_idx=2, term_of_idx=2),
        entries,
    )
    assert n.last_idx == 4 and n.commit_idx == 2
    assert n.retired_committed_entries == [(3, ("2",))] and "2" in n.peers
    n.rollback(2)
    assert n.retired_committed_entries == []


def test_follower_acts_on_committed_retired_committed_entry() -> None:
    n = Node("1")
    entries = [
        Entry.make(2, 1, EntryType.RECONFIGURATION, False, nodes=("0", "1", "2")),
        Entry.make(2, 2, EntryType.RETIRED_COMMITTED, False, nodes=("2",)),
        Entry.make(2, 3, EntryType.SIGNATURE, True, data="s"),
    ]
    n.step(
        "0",
        AppendEntries(idx=3, prev_idx=0, term=2, prev_term=0, leader_commit_idx=3, term_of_idx=2),
        entries,
    )
    assert n.commit_idx == 3
    assert sorted(n.peers) == ["0"] and n.retired_committed_entries == []
