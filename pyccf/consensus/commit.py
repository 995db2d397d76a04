"""Advancing the commit index, CCF-style: the leader's quorum rule and a follower's catch-up.

Functions over a :class:`pyccf.consensus.node.Node`. Only signature (committable) entries commit, and a
leader commits only an entry of its own view (Raft's figure-8 rule); what a quorum holds comes from
:mod:`pyccf.consensus.quorum`. Committing past a configuration's index retires the configurations before
it, and lets retirement move on (:mod:`pyccf.consensus.retirement`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyccf.consensus import quorum, retirement
from pyccf.errors import InternalError
from pyccf.formats.raft_trace import Event

if TYPE_CHECKING:
    from pyccf.consensus.node import Node


def update_commit(node: Node) -> None:
    """Leader: commit the highest signature of this view that a majority of every configuration holds."""
    if not node.is_leader:
        raise InternalError("update_commit called while not leader")

    def match_of(n: str) -> int:
        if n == node.node_id:
            return node.last_idx
        p = node.peers.get(n)
        if p is None:
            raise InternalError(f"no progress for {n}")
        return p.match_idx

    agreement = quorum.agreement_index((c.nodes for c in node.configurations), match_of)
    if agreement is None:
        return
    if agreement > node.last_idx:
        raise InternalError("followers appear to have later match indices than leader")
    if "commit_unsigned" in node.bugs:
        # Seeded bug: commit whatever a quorum holds, signed or not.
        if agreement > node.commit_idx and node.term_of(agreement) == node.current_view:
            commit(node, agreement)
        return
    new_commit = _highest_committable_at_most(node, agreement)
    if new_commit is None:
        return
    if node.term_of(new_commit) == node.current_view or "commit_previous_term_by_count" in node.bugs:
        commit(node, new_commit)


def _highest_committable_at_most(node: Node, idx: int) -> int | None:
    for c in reversed(node.committable_indices):
        if c <= idx:
            return c
    return None


def commit_if_possible(node: Node, idx: int) -> None:
    """Follower: commit up to the highest signature at or below ``idx`` (the leader's word for it)."""
    if idx > node.commit_idx and node.term_of(idx) <= node.current_view:
        highest = _highest_committable_at_most(node, idx)
        if highest is not None:
            commit(node, highest)


def commit(node: Node, idx: int) -> None:
    if idx > node.last_idx:
        raise InternalError(f"tried to commit {idx} but last_idx is {node.last_idx}")
    if idx <= node.commit_idx:
        return
    if node.tracer is not None:
        node.emit(Event.COMMIT, args={"idx": idx}, configurations=node.configs_json())
    while node.committable_indices and node.committable_indices[0] <= idx:
        node.committable_indices.popleft()
    node.commit_idx = idx
    retirement.on_commit(node, idx)
    changed = False
    while len(node.configurations) > 1 and idx >= node.configurations[1].idx:
        node.configurations.pop(0)
        changed = True
    if changed:
        node.create_peers()
