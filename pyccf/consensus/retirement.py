"""A node's retirement, in one place: every change of its retirement phase, and CCF's store hook.

Phases (:class:`pyccf.formats.raft_trace.RetirementPhase`), in the order they are reached:

- Ordered: a configuration without the node is appended (``retirement_idx``);
- Signed: a committable entry follows it (``retirement_committable_idx``);
- Completed: commit reaches that signature;
- RetiredCommitted: a committed ``retired_committed`` entry names the node (``retired_committed_idx``);
  the node stops leading (nominating a successor first) and never stands again.

A rollback past the signature goes back to Ordered, past the configuration back to Active. CCF learns of
``retired_committed`` entries through a store hook; pyccf emulates it as CCF's test store does: an entry
is recorded when the node's store sees it (a leader's when it is handed over, a follower's when it is
deserialised), acted upon once commit reaches it, and forgotten when rolled back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyccf.consensus import election
from pyccf.errors import InternalError
from pyccf.formats.raft_trace import LeadershipState, MembershipState, RetirementPhase

if TYPE_CHECKING:
    from pyccf.consensus.node import Node


def _in_phase(node: Node, phase: RetirementPhase) -> bool:
    return node.membership_state is MembershipState.RETIRED and node.retirement_phase is phase


def _enter(node: Node, phase: RetirementPhase) -> None:
    node.membership_state = MembershipState.RETIRED
    node.retirement_phase = phase


def on_removed_from_configuration(node: Node, idx: int) -> None:
    """A configuration that leaves the node out was appended at ``idx``."""
    node.retirement_idx = idx
    _enter(node, RetirementPhase.ORDERED)


def on_committable_entry(node: Node, idx: int) -> None:
    """A committable entry was appended at ``idx``: the first after the configuration signs it."""
    if _in_phase(node, RetirementPhase.ORDERED):
        node.retirement_committable_idx = idx
        _enter(node, RetirementPhase.SIGNED)


def on_commit(node: Node, idx: int) -> None:
    """Commit reached ``idx``: complete a signed retirement, then act on committed store-hook entries."""
    if (
        _in_phase(node, RetirementPhase.SIGNED)
        and node.retirement_committable_idx is not None
        and idx >= node.retirement_committable_idx
    ):
        _enter(node, RetirementPhase.COMPLETED)
    for version, nodes in list(node.retired_committed_entries):
        if version > idx:
            break
        retired_committed(node, idx, nodes)
    node.retired_committed_entries = [e for e in node.retired_committed_entries if e[0] >= idx]


def retired_committed(node: Node, seqno: int, nodes: tuple[str, ...]) -> None:
    """A ``retired_committed`` entry naming ``nodes`` committed at ``seqno``: forget those peers, or
    (for this node itself) reach the last phase."""
    for n in nodes:
        if n != node.node_id:
            node.peers.pop(n, None)
            continue
        if not _in_phase(node, RetirementPhase.COMPLETED):
            raise InternalError("node is not retired, cannot become retired committed")
        node.retired_committed_idx = seqno
        if node.is_leader:
            election.send_propose_request_vote(node)
        node.leader_id = None
        node.leadership_state = LeadershipState.NONE
        _enter(node, RetirementPhase.RETIRED_COMMITTED)


def on_rollback(node: Node, idx: int) -> None:
    """The log was cut back to ``idx``: forget the store hook's entries and undo the phases past it."""
    node.retired_committed_entries = [e for e in node.retired_committed_entries if e[0] <= idx]
    if (
        _in_phase(node, RetirementPhase.SIGNED)
        and node.retirement_committable_idx is not None
        and node.retirement_committable_idx > idx
    ):
        node.retirement_committable_idx = None
        node.retirement_phase = RetirementPhase.ORDERED
    if (
        _in_phase(node, RetirementPhase.ORDERED)
        and node.retirement_idx is not None
        and node.retirement_idx > idx
    ):
        node.retirement_idx = None
        node.retirement_phase = None
        node.membership_state = MembershipState.ACTIVE


def record_retired_committed(node: Node, idx: int, nodes: tuple[str, ...]) -> None:
    """Store hook: the node's store has seen a ``retired_committed`` entry at ``idx`` naming ``nodes``."""
    node.retired_committed_entries.append((idx, nodes))
