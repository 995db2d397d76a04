"""CCF's decision table for transaction statuses, its test vectors, and the allowed transitions."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pyccf.errors import InternalError
from pyccf.formats.ledger import TxStatus
from pyccf.kv.status import (
    ALLOWED,
    TERMINAL,
    LocalLog,
    StatusTransitionError,
    check_transition,
    evaluate,
    tx_status,
)
from pyccf.kv.txid import TxID

UNK, PEN, COM, INV = TxStatus.UNKNOWN, TxStatus.PENDING, TxStatus.COMMITTED, TxStatus.INVALID

# CCF's src/node/rpc/test/tx_status_test.cpp: (target, local view at its seqno, commit point) -> status
VECTORS: list[tuple[str, int, str, TxStatus]] = [
    # the tx is unknown locally, and stays so while the node makes progress
    ("3.10", 0, "1.0", UNK),
    ("3.10", 0, "1.1", UNK),
    ("3.10", 0, "1.2", UNK),
    ("3.10", 0, "2.3", UNK),
    ("3.10", 0, "2.4", UNK),
    ("3.10", 0, "3.5", UNK),
    ("3.10", 0, "3.6", UNK),
    # it becomes known locally
    ("3.10", 3, "3.6", PEN),
    ("3.10", 3, "3.7", PEN),
    ("3.10", 3, "3.8", PEN),
    ("3.10", 3, "3.9", PEN),
    # it commits, for good
    ("3.10", 3, "3.10", COM),
    ("3.10", 3, "3.11", COM),
    ("3.10", 3, "3.12", COM),
    ("3.10", 3, "3.13", COM),
    ("3.10", 3, "4.14", COM),
    ("3.10", 3, "5.15", COM),
    # or an election rolls it back, and it can never commit
    ("3.10", 0, "4.9", INV),
    ("3.10", 4, "4.10", INV),
    ("3.10", 4, "4.11", INV),
    ("3.10", 4, "4.12", INV),
    ("3.10", 4, "4.13", INV),
    ("3.10", 4, "4.14", INV),
    ("3.10", 4, "5.15", INV),
    # the seqno is known locally in an older view
    ("3.10", 2, "2.8", UNK),
    ("3.10", 2, "2.10", INV),
    ("3.10", 2, "2.11", INV),
    ("3.10", 2, "3.11", INV),
    # the node is in a newer view
    ("3.10", 0, "4.8", INV),
    ("3.10", 4, "4.8", INV),
    ("3.10", 4, "5.11", INV),
    ("3.10", 4, "5.12", INV),
    # asking about a future view
    ("100.10", 0, "4.8", UNK),
    ("100.10", 4, "4.10", INV),
    ("100.10", 4, "4.12", INV),
]


@pytest.mark.parametrize(("target", "local", "commit", "status"), VECTORS)
def test_ccf_vectors(target: str, local: int, commit: str, status: TxStatus) -> None:
    c = TxID.parse(commit)
    assert evaluate(TxID.parse(target), local, c.view, c.seqno) is status


@pytest.mark.parametrize(
    ("commit_view", "commit_seqno"), [(1, 10), (1, 11), (3, 10), (3, 11), (4, 10), (4, 11)]
)
def test_committed_seqno_of_unknown_view_is_a_logic_error(commit_view: int, commit_seqno: int) -> None:
    with pytest.raises(InternalError, match="3.10: seqno 10 is committed but its local view is unknown"):
        evaluate(TxID(3, 10), 0, commit_view, commit_seqno)


@dataclass(frozen=True)
class Log:
    """A log as its views by index (``views[i - 1]`` is the view of index ``i``) and a commit index."""

    views: tuple[int, ...]
    commit_idx: int

    def term_of(self, idx: int) -> int:
        return self.views[idx - 1] if 0 < idx <= len(self.views) else 0


def test_tx_status_reads_the_log() -> None:
    log: LocalLog = Log((2, 2, 2, 3, 3), commit_idx=3)
    assert tx_status(log, TxID(2, 3)) is COM
    assert tx_status(log, TxID(3, 3)) is INV  # seqno 3 committed in view 2
    assert tx_status(log, TxID(3, 4)) is PEN
    assert tx_status(log, TxID(2, 4)) is UNK  # view 2 at 4 not ruled out by a commit in view 2
    assert tx_status(log, TxID(3, 9)) is UNK
    assert tx_status(Log((2, 2, 2, 3, 3), commit_idx=4), TxID(2, 7)) is INV  # commit in view 3 > 2
    with pytest.raises(ValueError, match="seqno 0 names no transaction"):
        tx_status(log, TxID(2, 0))


def test_a_node_is_a_local_log() -> None:
    from pyccf.consensus.node import Node

    node = Node("0")
    node.force_become_primary()
    status: LocalLog = node  # mypy checks that the node fits the Protocol
    assert tx_status(status, TxID(2, 1)) is UNK


def test_allowed_transitions() -> None:
    assert {(UNK, PEN), (PEN, COM), (PEN, INV), (PEN, UNK), (UNK, COM), (UNK, INV)} == ALLOWED
    assert {COM, INV} == TERMINAL
    for old in TxStatus:
        check_transition(old, old)
    for old in TERMINAL:
        for new in TxStatus:
            if new != old:
                with pytest.raises(StatusTransitionError, match=f"from {old} to {new}"):
                    check_transition(old, new, "2.5")
    with pytest.raises(StatusTransitionError, match="^2.5 on n1: status went from Committed to Pending"):
        check_transition(COM, PEN, "2.5 on n1")


def test_allowed_is_closed_under_skipping() -> None:
    """Sampling a node's statuses less often than they change never shows a forbidden transition."""
    for a, b in ALLOWED:
        for b2, c in ALLOWED:
            if b == b2 and a != c:
                assert (a, c) in ALLOWED
