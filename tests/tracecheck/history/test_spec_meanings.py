"""The checker states each property as the spec's invariant does (ConsistencyProperties.tla), on the
histories where the two used to differ (each but the last fails for the checker's former reading; the
last guards the comparison with committed writes above a read)."""

from __future__ import annotations

import pytest

from tests.tracecheck.history.builders import committed, invalid, ro, ro_ok, rw, rw_ok
from tracecheck.history import check_history, from_events

CASES = {
    # a reused id: the response answers the second request (of its client); UniqueRequests only
    "response-to-a-later-request": (
        [rw(0), rw(0, "b"), rw_ok(0, 2, 1, [0], "b")], {"UniqueRequests"},
    ),
    # a second read-write response of request 1 names request 0's TxID
    "unique-txs-on-a-later-response": (
        [rw(0), rw(1, "b"), rw_ok(0, 2, 1, [0]), rw_ok(1, 2, 2, [0, 1], "b"), rw_ok(1, 2, 1, [0, 1], "b")],
        {"UniqueTxIds", "UniqueTxs"},
    ),
    # Invalid 2.1 below view 2's first known entry 2.2 names an impossible TxID
    "invalid-below-a-views-first-entry": (
        [rw(0), rw_ok(0, 2, 2, [0]), committed(2, 2), invalid(2, 1)], set(),
    ),
    # a repeated id is OnlyObserveRequested's, not also out of TxID order
    "repeated-id": (
        [rw(0), rw_ok(0, 2, 1, [0]), rw(1), rw_ok(1, 2, 2, [0, 1]), rw(2), rw_ok(2, 2, 3, [0, 1, 0, 2]),
         committed(2, 3)],
        {"OnlyObserveRequested"},
    ),
    # a transaction's second response is not compared with its own first (read-your-writes)
    "own-second-response": (
        [rw(0), rw_ok(0, 2, 1, {"x": [0]}), committed(2, 1), rw(0), rw_ok(0, 2, 1, {"x": []})],
        {"UniqueRequests", "CommittedRwSerializable", "MonotonicReads"},
    ),
    # monotonic reads is set inclusion of committed writes: [0] then [1, 0] keeps 0
    "monotonic-reads-keeps-the-committed-write": (
        [rw(0, "b"), rw_ok(0, 2, 1, [0], "b"), committed(2, 1), rw(1, "c"), ro(2), ro_ok(2, 2, 1, [0]),
         ro(3), ro_ok(3, 3, 1, [1, 0])],
        set(),
    ),
    # ... from any response: an uncommitted read saw the committed 0, a later read lost it
    "monotonic-reads-from-an-uncommitted-read": (
        [rw(0, "b"), rw_ok(0, 2, 1, [0], "b"), committed(2, 1), ro(1), ro_ok(1, 2, 5, [0]), ro(2),
         ro_ok(2, 3, 1, [])],
        {"MonotonicReads"},
    ),
    # a committed read is compared with every committed write: 2.2 lost 2.1's update, the read at 2.3
    # extends 2.2 but not 2.1
    "read-against-every-committed-write": (
        [rw(0), rw(1, "b"), rw_ok(0, 2, 1, [0]), rw_ok(1, 2, 2, [1], "b"), committed(2, 2), ro(2, "c"),
         ro_ok(2, 2, 3, [1], "c"), committed(2, 3)],
        {"CommittedRwSerializable", "CommittedRoSerializable", "RoLinearizable"},
    ),
    # a committed write above the read that the read observed: CommittedRoSerializable only
    "read-observes-a-later-committed-write": (
        [rw(0), rw_ok(0, 2, 1, [0]), ro(1, "b"), rw(2), rw_ok(2, 2, 3, [0, 2]), committed(2, 3),
         ro_ok(1, 2, 2, [0, 2], "b")],
        {"CommittedRoSerializable"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_checker_reads_each_property_as_the_spec(name: str) -> None:
    history, violated = CASES[name]
    assert check_history(from_events(history)).violated() == violated
