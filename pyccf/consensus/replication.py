"""Log replication, CCF-style: sending AppendEntries, following them, and handling their responses.

Functions over a :class:`pyccf.consensus.node.Node`, leader side and follower side, plus CCF's adaptive
batch size. Decision order and trace points follow CCF's ``raft.h``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyccf.consensus import commit, retirement
from pyccf.consensus.log import Entry
from pyccf.consensus.messages import AppendEntries, AppendEntriesResponse
from pyccf.formats.ledger import NO_VERSION, UNKNOWN_VIEW
from pyccf.formats.raft_trace import AppendEntriesResult, EntryType, Event, LeadershipState

if TYPE_CHECKING:
    from pyccf.consensus.node import Node

APPEND_ENTRIES_SIZE_LIMIT = 20000  # bytes of entries after which CCF recomputes its batch size
BATCH_WINDOW_SIZE = 100


@dataclass(slots=True)
class Batching:
    """CCF's AppendEntries batch size: a moving average of how many entries fit the size limit."""

    size: int = 20
    bytes_since_update: int = 0
    entries_since_update: int = 0
    window_sum: int = 0

    def update(self) -> None:
        """Recompute ``size`` from the entries replicated since the last roll-over."""
        avg = (
            APPEND_ENTRIES_SIZE_LIMIT
            if self.entries_since_update == 0
            else (self.bytes_since_update // self.entries_since_update)
        )
        batch = APPEND_ENTRIES_SIZE_LIMIT // 2 if avg == 0 else APPEND_ENTRIES_SIZE_LIMIT // avg
        batch_avg = self.window_sum // BATCH_WINDOW_SIZE
        self.window_sum += batch - batch_avg
        self.size = max(self.window_sum // BATCH_WINDOW_SIZE, 1)

    def add(self, entry_size: int) -> None:
        self.bytes_since_update += entry_size
        self.entries_since_update += 1

    def roll_over(self) -> bool:
        """At the size limit: recompute ``size``, restart counting and say so (the leader then flushes)."""
        if self.bytes_since_update < APPEND_ENTRIES_SIZE_LIMIT:
            return False
        self.update()
        self.entries_since_update = 0
        self.bytes_since_update = 0
        return True


# ---------------------------------------------------------------------- leader: sending


def send_append_entries(node: Node, to: str, start_idx: int) -> None:
    """Send ``to`` everything from ``start_idx`` on, in batches that never straddle a view."""
    while True:
        end_idx = _batch_end(node, start_idx)
        _send_append_entries_range(node, to, start_idx, end_idx)
        start_idx = min(end_idx + 1, node.last_idx)
        if end_idx == node.last_idx:
            break


def _batch_end(node: Node, start: int) -> int:
    max_idx = node.last_idx
    end_of_term = node.view_history.end_of_view(node.view_history.view_at(start))
    if end_of_term != NO_VERSION:
        max_idx = end_of_term
    return min(start + node.batching.size - 1, max_idx)


def _send_append_entries_range(node: Node, to: str, start_idx: int, end_idx: int) -> None:
    prev_idx = start_idx - 1
    if node.is_retired_committed() and start_idx >= end_idx:
        return
    ae = AppendEntries(
        idx=end_idx,
        prev_idx=prev_idx,
        term=node.current_view,
        prev_term=node.term_of(prev_idx),
        leader_commit_idx=node.commit_idx,
        term_of_idx=node.term_of(end_idx),
    )
    progress = node.peers[to]
    if node.tracer is not None:
        node.emit(
            Event.SEND_APPEND_ENTRIES,
            packet=ae.to_json(),
            to_node_id=to,
            match_idx=progress.match_idx,
            sent_idx=progress.sent_idx,
        )
    node.send(to, ae)
    progress.sent_idx = end_idx


# ---------------------------------------------------------------------- follower: receiving


def on_append_entries(node: Node, sender: str, r: AppendEntries, entries: list[Entry] | None) -> None:
    if node.tracer is not None:
        node.emit(Event.RECV_APPEND_ENTRIES, packet=r.to_json(), from_node_id=sender)
    if (
        node.current_view == r.term
        and node.leadership_state in (LeadershipState.CANDIDATE, LeadershipState.PRE_VOTE_CANDIDATE)
        or node.current_view < r.term
    ):
        node.become_aware_of_new_term(r.term)
    elif node.current_view > r.term and "accept_stale_append_entries" not in node.bugs:  # seeded bug
        _send_nack(node, sender)
        return

    prev_term = node.term_of(r.prev_idx)
    if prev_term != r.prev_term and not (  # seeded bug ignore_prev_term: no consistency check
        "ignore_prev_term" in node.bugs and prev_term != UNKNOWN_VIEW
    ):
        if prev_term == UNKNOWN_VIEW:
            _send_nack(node, sender)
        else:
            _send_nack(node, sender, (r.prev_term, r.prev_idx))
        return

    node.restart_election_timeout()
    node.leader_id = sender

    early = "truncate_on_early_append_entries" in node.bugs
    if r.prev_idx < node.commit_idx and not early:
        return
    if r.prev_idx > node.last_idx:
        return

    to_apply: list[Entry] = []
    payload = entries or []
    for i in range(r.prev_idx + 1, r.idx + 1):
        if i <= node.last_idx:
            if r.term_of_idx != node.view_history.view_at(i):
                if node.is_new_follower:
                    node.rollback(i - 1)
                    node.is_new_follower = False
                else:
                    return
            else:
                continue
        entry = payload[i - r.prev_idx - 1]
        if entry.kind is EntryType.RETIRED_COMMITTED:  # CCF's store sees it as it deserialises it
            retirement.record_retired_committed(node, i, entry.nodes)
        to_apply.append(entry)
    if early and r.idx < node.last_idx and not to_apply:
        # Seeded bug: a stale AppendEntries cuts off the (matching, possibly committed) suffix.
        node.truncate_unchecked(r.idx)
    _execute_append_entries(node, to_apply, sender, r)


def _execute_append_entries(node: Node, entries: list[Entry], sender: str, r: AppendEntries) -> None:
    for entry in entries:
        i = entry.index
        if node.tracer is not None and entry.kind is not EntryType.RECONFIGURATION:
            node.tracer(Event.EXECUTE_APPEND_ENTRIES_SYNC.value, node.trace_state(), {"from_node_id": sender})
        if entry.term != r.term_of_idx or entry.index != i:
            del node.log[i - 1 :]
            _send_nack(node, sender)
            return
        node.last_idx = i
        if entry.kind is EntryType.RECONFIGURATION:
            node.add_configuration(i, frozenset(entry.nodes))
        if entry.committable:
            node.start_ticking_if_necessary()
        node.put_entry(entry)
        if entry.committable:
            retirement.on_committable_entry(node, i)
            node.committable_indices.append(i)
            if entry.term != 0:
                if r.term_of_idx == UNKNOWN_VIEW:
                    node.view_history.update(1, r.term)
                else:
                    node.view_history.update(r.prev_idx + 1, entry.term)
                commit.commit_if_possible(node, _commit_bound(node, r))
    commit.commit_if_possible(node, _commit_bound(node, r))
    lci = node.last_committable_index()
    if r.term_of_idx == UNKNOWN_VIEW:
        node.view_history.update(1, r.term)
    elif r.idx > lci:
        node.view_history.update(lci + 1, r.term_of_idx)
    ack_idx = node.last_idx if "inaccurate_ack" in node.bugs else r.idx
    _send_aer(node, sender, AppendEntriesResult.OK, node.current_view, ack_idx)


def _commit_bound(node: Node, r: AppendEntries) -> int:
    """How far this AppendEntries lets a follower commit: CCF trusts the leader's commit index, which
    CCF#8172 bounds by the checked range (a local divergent suffix past it must not commit)."""
    return min(r.leader_commit_idx, r.idx) if node.commit_within_request else r.leader_commit_idx


def _send_nack(node: Node, to: str, rejected: tuple[int, int] | None = None) -> None:
    if rejected is None:
        _send_aer(node, to, AppendEntriesResult.FAIL, node.current_view, node.last_idx)
    else:
        idx = _find_highest_possible_match(node, *rejected)
        _send_aer(node, to, AppendEntriesResult.FAIL, node.term_of(idx), idx)


def _send_aer(node: Node, to: str, result: AppendEntriesResult, term: int, idx: int) -> None:
    aer = AppendEntriesResponse(term=term, last_log_idx=idx, success=result)
    if node.tracer is not None:
        node.emit(Event.SEND_APPEND_ENTRIES_RESPONSE, packet=aer.to_json(), to_node_id=to)
    node.send(to, aer)


def _find_highest_possible_match(node: Node, view: int, seqno: int) -> int:
    """Highest index this node holds that may still agree with ``view.seqno``."""
    probe = min(seqno, node.last_idx)
    term = node.view_history.view_at(probe)
    while term > view:
        probe = node.view_history.start_of_view(term)
        if probe > 0:
            probe -= 1
        term = node.view_history.view_at(probe)
    return probe


# ---------------------------------------------------------------------- leader: responses


def on_append_entries_response(node: Node, sender: str, r: AppendEntriesResponse) -> None:
    progress = node.peers.get(sender)
    if progress is None:
        return
    if node.tracer is not None:
        node.emit(
            Event.RECV_APPEND_ENTRIES_RESPONSE,
            packet=r.to_json(),
            from_node_id=sender,
            match_idx=progress.match_idx,
            sent_idx=progress.sent_idx,
        )
    if not node.is_leader:
        return
    if not node.keep_suffix_on_follow:
        progress.last_ack_timeout = 0
    ok = r.success is AppendEntriesResult.OK
    if node.current_view < r.term:
        node.become_aware_of_new_term(r.term)
        return
    if node.current_view != r.term:
        if ok:
            return
    elif r.last_log_idx < progress.match_idx and ok:
        return
    if node.keep_suffix_on_follow:  # CCF#7620: only a response that passed the checks shows liveness
        progress.last_ack_timeout = 0
    if not ok:
        progress.on_nack(_find_highest_possible_match(node, r.term, r.last_log_idx))
        if "commit_on_nack" in node.bugs:
            # Seeded bug: the NACK's index is taken as a match, moving match_idx (even backwards).
            progress.match_idx = min(r.last_log_idx, node.last_idx)
            commit.update_commit(node)
        return
    progress.on_ack(r.last_log_idx)
    commit.update_commit(node)
