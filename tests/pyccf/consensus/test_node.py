"""Unit tests of pyccf's core pieces: view history, per-peer progress, peer order, a lone node."""

from __future__ import annotations

import json
from enum import StrEnum

import pytest

from pyccf.consensus import retirement
from pyccf.consensus.log import Entry, ViewHistory, ViewHistoryError
from pyccf.consensus.node import Node
from pyccf.consensus.peer_order import UnorderedMap, libstdcxx_string_hash
from pyccf.consensus.progress import Progress
from pyccf.formats.raft_trace import (
    AppendEntriesResult,
    ElectionType,
    EntryType,
    Event,
    LeadershipState,
    MembershipState,
    MessageType,
    RetirementPhase,
)


def test_view_history_like_ccf() -> None:
    h = ViewHistory()
    assert h.view_at(1) == 0
    h.update(1, 2)  # views 1 and 2 both start at 1: view 1 is empty
    h.update(5, 4)  # view 3 is empty, view 4 starts at 5
    assert [h.view_at(i) for i in range(0, 8)] == [0, 2, 2, 2, 2, 4, 4, 4]
    assert h.start_of_view(1) == 0 and h.start_of_view(2) == 1 and h.start_of_view(3) == 0
    assert h.end_of_view(2) == 4 and h.end_of_view(4) == 0
    h.update(9, 4)  # known view: no change
    assert h.view_at(9) == 4
    with pytest.raises(ViewHistoryError):
        h.update(3, 5)
    h.rollback(4)
    assert h.view_at(7) == 2


def test_progress_never_goes_backwards_on_ack_and_stays_above_match_on_nack() -> None:
    p = Progress(sent_idx=10, match_idx=4)
    p.on_ack(3)
    assert p.match_idx == 4
    p.on_nack(1)
    assert p.sent_idx == 4
    p.on_ack(8)
    p.on_nack(20)
    assert (p.match_idx, p.sent_idx) == (8, 8)


def test_libstdcxx_hash_and_iteration_order() -> None:
    """Values and orders checked against g++/libstdc++ (std::hash<std::string>, std::unordered_map)."""
    assert [libstdcxx_string_hash(s) for s in ("", "0", "10", "abcdefghij")] == [
        6142509188972423790,
        2297668033614959926,
        2594088158685378223,
        18042067762304121004,
    ]
    m: UnorderedMap[int] = UnorderedMap()
    for k in "123":
        m[k] = int(k)
    assert list(m) == ["2", "3", "1"]  # the order CCF's leader visits peers 1, 2, 3 in
    for i in range(4, 30):  # forces rehashes beyond 13 buckets
        m[str(i)] = i
    m.pop("3")
    m["3"] = 3
    assert " ".join(m) == ("25 24 23 21 20 26 14 3 16 5 2 4 19 6 28 17 7 29 15 13 8 22 1 9 27 10 18 11 12")


def test_lone_leader_commits_only_at_signatures() -> None:
    n = Node("0")
    n.start_ticking()
    n.force_become_primary()
    assert n.leadership_state is LeadershipState.LEADER and n.current_view == 2
    n.replicate(Entry.make(2, 1, EntryType.RECONFIGURATION, False, nodes=("0",)), 2)
    n.replicate(Entry.make(2, 2, EntryType.RAW, False, data="tx"), 2)
    assert n.commit_idx == 0
    n.replicate(Entry.make(2, 3, EntryType.SIGNATURE, True, data="signature"), 2)
    assert n.commit_idx == 3
    assert not n.replicate(Entry.make(3, 4, EntryType.RAW, False), 3)  # wrong term


def test_entries_compare_like_ledger_bytes() -> None:
    a = Entry.make(2, 5, EntryType.RAW, False, data="x")
    assert a == Entry.make(2, 5, EntryType.RAW, False, data="x")
    assert a != Entry.make(3, 5, EntryType.RAW, False, data="x")
    assert a != Entry.make(2, 5, EntryType.RAW, False, data="y")


def test_rollback_keeps_peers_of_popped_configurations_like_ccf() -> None:
    """CCF (Nov 2025) never erases peers in create_and_remove_node_state: a rollback that pops the
    configuration naming node 2 keeps it in all_other_nodes, progress intact; only a committed
    retired_committed entry naming it erases it."""
    n = Node("0")
    n.start_ticking()
    n.force_become_primary()
    n.replicate(Entry.make(2, 1, EntryType.RECONFIGURATION, False, nodes=("0",)), 2)
    n.replicate(Entry.make(2, 2, EntryType.SIGNATURE, True, data="signature"), 2)
    assert n.commit_idx == 2 and list(n.peers) == []
    n.replicate(Entry.make(2, 3, EntryType.RECONFIGURATION, False, nodes=("0", "1", "2")), 2)
    assert sorted(n.peers) == ["1", "2"]
    progress = (n.peers["2"].sent_idx, n.peers["2"].match_idx)
    n.rollback(2)
    assert [c.nodes for c in n.configurations] == [frozenset({"0"})]
    assert sorted(n.peers) == ["1", "2"] and (n.peers["2"].sent_idx, n.peers["2"].match_idx) == progress
    n.take_messages()
    n.periodic(200)  # heartbeats still go to the peers no configuration names
    assert {to for to, _ in n.take_messages()} == {"1", "2"}
    retirement.retired_committed(n, 2, ("2",))
    assert list(n.peers) == ["1"]


def test_statuses_serialise_as_ccf_spells_them() -> None:
    """Statuses are StrEnums: in trace JSON a member is byte-identical to its CCF spelling."""
    for status in (
        LeadershipState,
        MembershipState,
        RetirementPhase,
        AppendEntriesResult,
        ElectionType,
        EntryType,
        MessageType,
        Event,
    ):
        assert issubclass(status, StrEnum), status
        for member in status:
            assert json.dumps(member) == json.dumps(member.value) and f"{member}" == member.value
    n = Node("0")
    n.force_become_primary()
    assert json.dumps(n.trace_state()) == json.dumps(n.trace_state() | {"leadership_state": "Leader"})
