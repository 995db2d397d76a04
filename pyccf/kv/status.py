"""A transaction's status on one node, by CCF's decision table (``evaluate_tx_status``).

The table needs only what the node's log says: the view of the target seqno in the local log and the
commit point (seqno and the view of the committed entry). :class:`LocalLog` names exactly that, in the
consensus core's own terms (``term_of``, ``commit_idx``), so a node serves as one without an adapter.
"""

from __future__ import annotations

from typing import Protocol

from pyccf.errors import InternalError, PyccfError
from pyccf.formats.ledger import UNKNOWN_VIEW, TxStatus
from pyccf.kv.txid import TxID


class LocalLog(Protocol):
    """What a node knows of its log: the view of each index it holds, and how far it has committed."""

    @property
    def commit_idx(self) -> int: ...

    def term_of(self, idx: int) -> int:
        """The view of the entry at ``idx``, UNKNOWN_VIEW past the end of the log."""
        ...


def evaluate(target: TxID, local_view: int, committed_view: int, committed_seqno: int) -> TxStatus:
    """CCF's decision table. A committed seqno of unknown local view cannot happen: InternalError."""
    if committed_seqno >= target.seqno:
        if local_view == UNKNOWN_VIEW:
            raise InternalError(f"{target}: seqno {target.seqno} is committed but its local view is unknown")
        return TxStatus.COMMITTED if local_view == target.view else TxStatus.INVALID
    if local_view == target.view:
        return TxStatus.PENDING
    if committed_view > target.view:
        return TxStatus.INVALID  # the commit point is in a later view, so view target.view has ended
    return TxStatus.UNKNOWN


def tx_status(log: LocalLog, target: TxID) -> TxStatus:
    """The status a node with ``log`` reports for ``target`` (CCF's ``GET /tx``)."""
    if target.seqno == 0:
        raise ValueError(f"TxID {target}: seqno 0 names no transaction")
    commit = log.commit_idx
    return evaluate(target, log.term_of(target.seqno), log.term_of(commit), commit)


S = TxStatus
#: The changes of status a node may show over time (staying put is always allowed). Intermediate
#: statuses may be skipped; Pending -> Unknown happens only right after an election, while the node
#: confirms where the new view starts; Committed and Invalid are terminal.
ALLOWED: frozenset[tuple[TxStatus, TxStatus]] = frozenset(
    {
        (S.UNKNOWN, S.PENDING),
        (S.UNKNOWN, S.COMMITTED),
        (S.UNKNOWN, S.INVALID),
        (S.PENDING, S.COMMITTED),
        (S.PENDING, S.INVALID),
        (S.PENDING, S.UNKNOWN),
    }
)
#: The statuses nothing follows (Committed and Invalid), as ALLOWED says.
TERMINAL: frozenset[TxStatus] = frozenset(s for s in TxStatus if all(old != s for old, _ in ALLOWED))


class StatusTransitionError(PyccfError):
    """A status changed in a way CCF's consistency model forbids."""

    def __init__(self, old: TxStatus, new: TxStatus, what: str = "") -> None:
        where = f"{what}: " if what else ""
        super().__init__(f"{where}status went from {old} to {new}, which is not an allowed transition")
        self.old = old
        self.new = new


def check_transition(old: TxStatus, new: TxStatus, what: str = "") -> None:
    """Raise StatusTransitionError unless ``old`` may be followed by ``new``; ``what`` names the tx."""
    if old != new and (old, new) not in ALLOWED:
        raise StatusTransitionError(old, new, what)
