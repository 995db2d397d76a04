"""Each property, with a small history that violates it and one that satisfies it; the evidence names
lines, TxIDs and, for dependency anomalies, the cycle's edge kinds."""

from __future__ import annotations

import pytest

from pyccf.formats.history import CONSISTENCY_BUGS, PROPERTIES
from tests.tracecheck.history.builders import committed, invalid, ro, ro_ok, rw, rw_ok
from tracecheck.history import check_history, from_events
from tracecheck.history.check import CHECKS

# A valid base: two writes of two clients, both committed, then a read.
GOOD = [
    rw(0, "a"), rw_ok(0, 2, 1, [0], "a"),
    rw(1, "b"), rw_ok(1, 2, 3, [0, 1], "b"),
    committed(2, 3, "b"),
    ro(2, "a"), ro_ok(2, 2, 3, [0, 1], "a"),
]  # fmt: skip

# property -> a history violating it (and only the properties listed with it)
BAD = {
    "ResponseFollowsRequest": [rw_ok(0, 2, 1, [0])],
    "UniqueRequests": [rw(0), rw_ok(0, 2, 1, [0]), rw(0)],
    "UniqueTxIds": [rw(0), rw_ok(0, 2, 1, [0]), rw_ok(0, 2, 2, [0])],
    "UniqueTxs": [rw(0), rw(1, "b"), rw_ok(0, 2, 1, [0]), rw_ok(1, 2, 1, [0, 1], "b")],
    "StatusLattice": [rw(0), rw_ok(0, 2, 1, [0]), committed(2, 3), invalid(2, 2)],
    "OnlyObserveRequested": [rw(0), rw_ok(0, 2, 1, [7, 0])],
    "InvalidNotObservedByCommitted": [
        rw(0), rw_ok(0, 2, 1, [0]), invalid(2, 1), rw(1), rw_ok(1, 3, 2, [0, 1]), committed(3, 2),
    ],
    # a lost update: both observe the empty prefix
    "CommittedRwSerializable": [
        rw(0), rw(1, "b"), rw_ok(0, 2, 1, [0]), rw_ok(1, 2, 2, [1], "b"), committed(2, 2),
    ],
    # CCF's spec defect 3: tx0 responds at 2.2 before tx1 is sent, which gets 2.1
    "CommittedRwRealTime": [
        rw(0), rw_ok(0, 2, 2, {"x": [0]}), rw(1, "b"), rw_ok(1, 2, 1, {"y": [1]}, "b"), committed(2, 2),
    ],
    "CommittedRoSerializable": [
        rw(0), rw_ok(0, 2, 1, [0]), rw(1), rw_ok(1, 2, 2, [0, 1]), committed(2, 2),
        ro(2, "b"), ro_ok(2, 2, 2, [0], "b"),
    ],
    # a backup in the same view misses the session's own committed write
    "ReadYourWrites": [
        rw(0), rw_ok(0, 2, 1, {"x": [0]}), rw(1), rw_ok(1, 2, 3, {"x": [0, 1]}), committed(2, 3),
        ro(2), ro_ok(2, 2, 2, {"x": [0]}),
    ],
    "MonotonicReads": [
        rw(0, "b"), rw_ok(0, 2, 1, {"x": [0]}, "b"), rw(1, "b"), rw_ok(1, 2, 3, {"x": [0, 1]}, "b"),
        committed(2, 3), ro(2), ro_ok(2, 2, 3, {"x": [0, 1]}), ro(3), ro_ok(3, 2, 1, {"x": [0]}),
    ],
    # CCF's 12-step counterexample: a deposed primary of view 2 serves a read missing 3.2
    "RoLinearizable": [
        rw(0), rw_ok(0, 2, 1, [0]), committed(2, 1), rw(1, "b"), rw_ok(1, 3, 2, [0, 1], "b"),
        committed(3, 2), ro(2, "c"), ro_ok(2, 2, 1, [0], "c"),
    ],
}  # fmt: skip


def test_every_property_has_a_check_and_a_witness() -> None:
    assert set(CHECKS) == set(PROPERTIES) == set(BAD)


def test_the_good_history_passes() -> None:
    report = check_history(from_events(GOOD))
    assert report.ok and not report.violations


@pytest.mark.parametrize("prop", sorted(BAD))
def test_each_witness_violates_its_property(prop: str) -> None:
    report = check_history(from_events(BAD[prop]))
    assert prop in report.violated(), [v.describe() for v in report.violations]
    assert report.ok is (not PROPERTIES[prop].fails)
    v = next(v for v in report.violations if v.property == prop)
    assert v.lines and all(1 <= n <= len(BAD[prop]) for n in v.lines)
    assert v.evidence["lines"] == list(v.lines)


def test_strict_reads_fails_on_read_only_linearizability() -> None:
    h = BAD["RoLinearizable"]
    assert check_history(from_events(h)).ok
    assert not check_history(from_events(h), strict_reads=True).ok


def test_cycles_name_their_edge_kinds() -> None:
    (v,) = [v for v in check_history(from_events(BAD["CommittedRwRealTime"])).violations]
    assert [e.kind for e in v.cycle] == ["real-time", "txid"]
    assert v.tx_ids == ((2, 2), (2, 1))
    lost = check_history(from_events(BAD["CommittedRwSerializable"])).violations
    assert [e.kind for e in lost[0].cycle] == ["ww", "rw"]
    ro_lin = check_history(from_events(BAD["RoLinearizable"])).violations[0]
    assert [e.kind for e in ro_lin.cycle] == ["real-time", "rw"]
    ryw = check_history(from_events(BAD["ReadYourWrites"])).violations
    assert [e.kind for e in ryw[0].cycle] == ["session", "rw"]


def test_stale_read_from_an_older_view_is_only_the_documented_case() -> None:
    """Another session's committed write is in view 3; a read answered from view 2 misses it."""
    h = [
        rw(0), rw_ok(0, 2, 1, [0]), committed(2, 1), rw(1), rw_ok(1, 3, 2, [0, 1]), committed(3, 2),
        ro(2, "b"), ro_ok(2, 2, 1, [0], "b"),
    ]  # fmt: skip
    assert check_history(from_events(h)).violated() == {"RoLinearizable"}


def test_a_stale_read_missing_the_sessions_own_write_breaks_read_your_writes() -> None:
    """The same read, by the session that wrote 3.2: whatever view serves it, it owes the session its write
    (the seeded bug BackupMissesOwnWrite; the spec's ReadYourWritesInv)."""
    h = [
        rw(0), rw_ok(0, 2, 1, [0]), committed(2, 1), rw(1), rw_ok(1, 3, 2, [0, 1]), committed(3, 2),
        ro(2), ro_ok(2, 2, 1, [0]),
    ]  # fmt: skip
    assert check_history(from_events(h)).violated() >= {"ReadYourWrites", "RoLinearizable"}


def test_seqno_reuse_after_a_rollback_is_accepted() -> None:
    """2.2 is rolled back (Invalid); 3.2 reuses its seqno and is committed."""
    h = [
        rw(0), rw_ok(0, 2, 1, [0]), committed(2, 1),
        rw(1), rw_ok(1, 2, 2, [0, 1]),
        rw(2, "b"), rw_ok(2, 3, 2, [0, 2], "b"), committed(3, 2), invalid(2, 2),
        ro(3), ro_ok(3, 3, 2, [0, 2]),
    ]  # fmt: skip
    report = check_history(from_events(h))
    assert report.ok and not report.violations


def test_a_committed_earlier_view_entry_is_implied_by_a_committed_observer() -> None:
    """3.5 commits what it observed: 2.4 of an earlier view, not reported; a read at 3.5 missing it fails."""
    h = [
        rw(0), rw_ok(0, 2, 4, [0]), rw(1), rw_ok(1, 3, 5, [0, 1]), committed(3, 5),
        ro(2, "b"), ro_ok(2, 3, 5, [1], "b"),
    ]  # fmt: skip
    assert "CommittedRoSerializable" in check_history(from_events(h)).violated()


def test_cross_view_commits_contradict() -> None:
    h = [committed(2, 7), committed(3, 5)]
    v = check_history(from_events(h)).violations
    assert [x.property for x in v] == ["StatusLattice"]
    assert v[0].tx_ids == ((2, 7), (3, 5))


# Each seeded service bug of CONSISTENCY_BUGS, as the history it leaves, caught by its properties.
BUG_HISTORIES = {
    "StaleReadDeposedPrimary": BAD["RoLinearizable"],
    "StatusFromSeqnoOnly": [
        rw(0), rw_ok(0, 2, 1, [0]), committed(2, 1), rw(1), rw_ok(1, 2, 2, [0, 1]),
        rw(2, "b"), rw_ok(2, 3, 2, [0, 2], "b"), committed(3, 2), committed(2, 2),
    ],
    "InvalidWithoutEvidence": [
        rw(0), rw_ok(0, 2, 1, [0]), invalid(2, 1), rw(1), rw_ok(1, 2, 2, [0, 1]), committed(2, 2),
    ],
    "WrongSuffixOnElection": [
        rw(0), rw_ok(0, 2, 1, [0]), committed(2, 1), rw(1, "b"), rw_ok(1, 3, 2, [1], "b"), committed(3, 2),
    ],
    "DuplicateTxId": BAD["UniqueTxs"],
    "LostUpdate": BAD["CommittedRwSerializable"],
    "RetryAppendedTwice": [rw(0), rw_ok(0, 2, 1, [0]), rw(1), rw_ok(1, 2, 3, [0, 0, 1])],
    "BackupMissesOwnWrite": BAD["ReadYourWrites"],
    "TxIdMismatchObserved": [
        rw(0), rw_ok(0, 2, 2, [0]), rw(1, "b"), rw_ok(1, 2, 1, [0, 1], "b"), committed(2, 2),
    ],
}  # fmt: skip


@pytest.mark.parametrize("bug", sorted(CONSISTENCY_BUGS))
def test_each_seeded_bug_is_caught_by_its_properties(bug: str) -> None:
    found = check_history(from_events(BUG_HISTORIES[bug])).violated()
    assert CONSISTENCY_BUGS[bug].caught_by <= found, found
    if bug == "StaleReadDeposedPrimary":
        assert found == {"RoLinearizable"}  # the documented case only


_EXTENDED = [rw(0), rw_ok(0, 2, 1, [0]), rw(1), rw_ok(1, 2, 2, [0, 1]), ro(2), ro_ok(2, 2, 2, [0])]


@pytest.mark.parametrize(
    ("last", "message"),
    [
        ([0, 1, 1], "request 1 observed twice"),
        ([0, 1, 0], "request 0 observed twice"),
        ([0, 1, 5, 5], "request 5 observed twice"),
        ([0, 1, 9], "observed 9, which no read-write request has"),
        ([0, 1, 2], "observed 2, a read-only request"),
        ([0, 1, 4], "observed 4, requested only later (line 11)"),
        ([9], "observed 9, which no read-write request has"),  # shorter, not a prefix
    ],
)
def test_a_list_extending_a_good_one_is_checked_on_its_new_ids(last: list[int], message: str) -> None:
    """OnlyObserveRequested checks a list that extends the key's last good list (here ``[0, 1]``, and a
    read of its prefix ``[0]`` in between) on its new ids only: each kind of fault there is still found."""
    events = [*_EXTENDED, rw(3), ro_ok(3, 2, 2, [0, 1], "a"), rw(5), rw_ok(5, 2, 3, last), rw(4)]
    events[6] = ro(3)
    v = [x for x in check_history(from_events(events)).violations if x.property == "OnlyObserveRequested"]
    assert [(x.message, x.lines) for x in v] == [(message, (10,))]


def test_read_your_writes_holds_a_write_that_does_not_list_itself() -> None:
    """With one key a write that does not list its own id (CommittedRwSerializable's business) still
    obliges the session's later responses: extending the session's last list is not enough then."""
    events = [rw(0), rw_ok(0, 2, 1, []), rw(1), rw_ok(1, 2, 2, [1]), committed(2, 2)]
    got = check_history(from_events(events)).violated()
    assert "ReadYourWrites" in got and "CommittedRwSerializable" in got
    keyed = [rw(0), rw_ok(0, 2, 1, {"k": [0]}), rw(1), rw_ok(1, 2, 2, {"k": [0, 1]}), committed(2, 2)]
    assert "ReadYourWrites" not in check_history(from_events(keyed)).violated()
