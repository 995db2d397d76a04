"""Log replication, CCF-style: sending AppendEntries, following them, and handling their responses.

A mixin of :class:`pyccf.consensus.node.Node` (it uses the node's state directly); split out so that each part of the
protocol can be read in one sitting. Decision order and trace points follow CCF's ``raft.h``.
"""

from __future__ import annotations

from typing import Any

from pyccf.consensus.log import NO_VERSION, UNKNOWN_VIEW, Entry
from pyccf.consensus.messages import AppendEntries, AppendEntriesResponse
from pyccf.formats.raft_trace import (
    AppendEntriesResult,
    EntryType,
    Event,
    LeadershipState,
    MembershipState,
    RetirementPhase,
)

APPEND_ENTRIES_SIZE_LIMIT = 20000  # bytes of entries after which CCF recomputes its batch size
BATCH_WINDOW_SIZE = 100


class Replication:
    """AppendEntries and their responses (leader and follower side)."""

    def _update_batch_size(self) -> None:
        avg = APPEND_ENTRIES_SIZE_LIMIT if self._entry_count == 0 else (
            self._entry_size_not_limited // self._entry_count)
        batch = APPEND_ENTRIES_SIZE_LIMIT // 2 if avg == 0 else APPEND_ENTRIES_SIZE_LIMIT // avg
        batch_avg = self._batch_window_sum // BATCH_WINDOW_SIZE
        self._batch_window_sum += batch - batch_avg
        self.entries_batch_size = max(self._batch_window_sum // BATCH_WINDOW_SIZE, 1)

    def _send_append_entries(self, to: str, start_idx: int) -> None:
        while True:
            end_idx = self._batch_end(start_idx)
            self._send_append_entries_range(to, start_idx, end_idx)
            start_idx = min(end_idx + 1, self.last_idx)
            if end_idx == self.last_idx:
                break

    def _batch_end(self, start: int) -> int:
        max_idx = self.last_idx
        end_of_term = self.view_history.end_of_view(self.view_history.view_at(start))
        if end_of_term != NO_VERSION:
            max_idx = end_of_term
        return min(start + self.entries_batch_size - 1, max_idx)

    def _send_append_entries_range(self, to: str, start_idx: int, end_idx: int) -> None:
        prev_idx = start_idx - 1
        if self.is_retired_committed() and start_idx >= end_idx:
            return
        ae = AppendEntries(idx=end_idx, prev_idx=prev_idx, term=self.current_view,
                           prev_term=self.term_of(prev_idx), leader_commit_idx=self.commit_idx,
                           term_of_idx=self.term_of(end_idx))
        progress = self.peers[to]
        if self.tracer is not None:
            self._emit(Event.SEND_APPEND_ENTRIES, packet=ae.to_json(), to_node_id=to,
                       match_idx=progress.match_idx, sent_idx=progress.sent_idx)
        self._send(to, ae)
        progress.sent_idx = end_idx

    def _on_append_entries(self, sender: str, r: AppendEntries, entries: list[Entry] | None) -> None:
        if self.tracer is not None:
            self._emit(Event.RECV_APPEND_ENTRIES, packet=r.to_json(), from_node_id=sender)
        if self.current_view == r.term and self.leadership_state in (
                LeadershipState.CANDIDATE, LeadershipState.PRE_VOTE_CANDIDATE) or self.current_view < r.term:
            self.become_aware_of_new_term(r.term)
        elif self.current_view > r.term and "accept_stale_append_entries" not in self.bugs:  # seeded bug
            self._send_nack(sender)
            return

        prev_term = self.term_of(r.prev_idx)
        if prev_term != r.prev_term and not (  # seeded bug ignore_prev_term: no consistency check
                "ignore_prev_term" in self.bugs and prev_term != UNKNOWN_VIEW):
            if prev_term == UNKNOWN_VIEW:
                self._send_nack(sender)
            else:
                self._send_nack(sender, (r.prev_term, r.prev_idx))
            return

        self._restart_election_timeout()
        self.leader_id = sender

        early = "truncate_on_early_append_entries" in self.bugs
        if r.prev_idx < self.commit_idx and not early:
            return
        if r.prev_idx > self.last_idx:
            return

        to_apply: list[Entry] = []
        payload = entries or []
        for i in range(r.prev_idx + 1, r.idx + 1):
            if i <= self.last_idx:
                if r.term_of_idx != self.view_history.view_at(i):
                    if self.is_new_follower:
                        self.rollback(i - 1)
                        self.is_new_follower = False
                    else:
                        return
                else:
                    continue
            entry = payload[i - r.prev_idx - 1]
            if entry.kind is EntryType.RETIRED_COMMITTED:
                self.retired_committed_entries.append((i, entry.nodes))
            to_apply.append(entry)
        if early and r.idx < self.last_idx and not to_apply:
            # Seeded bug: a stale AppendEntries cuts off the (matching, possibly committed) suffix.
            self._truncate_unchecked(r.idx)
        self._execute_append_entries(to_apply, sender, r)

    def _execute_append_entries(self, entries: list[Entry], sender: str, r: AppendEntries) -> None:
        for entry in entries:
            i = entry.index
            if self.tracer is not None and entry.kind is not EntryType.RECONFIGURATION:
                self.tracer(Event.EXECUTE_APPEND_ENTRIES_SYNC.value, self.trace_state(),
                            {"from_node_id": sender})
            if entry.term != r.term_of_idx or entry.index != i:
                del self.log[i - 1:]
                self._send_nack(sender)
                return
            self.last_idx = i
            if entry.kind is EntryType.RECONFIGURATION:
                self.add_configuration(i, frozenset(entry.nodes))
            if entry.committable:
                self._start_ticking_if_necessary()
            self._put_entry(entry)
            if entry.committable:
                if (self.membership_state is MembershipState.RETIRED
                        and self.retirement_phase is RetirementPhase.ORDERED):
                    self._become_retired(i, RetirementPhase.SIGNED)
                self.committable_indices.append(i)
                if entry.term != 0:
                    if r.term_of_idx == UNKNOWN_VIEW:
                        self.view_history.update(1, r.term)
                    else:
                        self.view_history.update(r.prev_idx + 1, entry.term)
                    self._commit_if_possible(self._commit_bound(r))
        self._commit_if_possible(self._commit_bound(r))
        lci = self.last_committable_index()
        if r.term_of_idx == UNKNOWN_VIEW:
            self.view_history.update(1, r.term)
        elif r.idx > lci:
            self.view_history.update(lci + 1, r.term_of_idx)
        ack_idx = self.last_idx if "inaccurate_ack" in self.bugs else r.idx
        self._send_aer(sender, AppendEntriesResult.OK, self.current_view, ack_idx)

    def _commit_bound(self, r: AppendEntries) -> int:
        """How far this AppendEntries lets a follower commit: CCF trusts the leader's commit index, which
        CCF#8172 bounds by the checked range (a local divergent suffix past it must not commit)."""
        return min(r.leader_commit_idx, r.idx) if self.commit_within_request else r.leader_commit_idx

    def _send_nack(self, to: str, rejected: tuple[int, int] | None = None) -> None:
        if rejected is None:
            self._send_aer(to, AppendEntriesResult.FAIL, self.current_view, self.last_idx)
        else:
            idx = self._find_highest_possible_match(*rejected)
            self._send_aer(to, AppendEntriesResult.FAIL, self.term_of(idx), idx)

    def _send_aer(self, to: str, result: AppendEntriesResult, term: int, idx: int) -> None:
        aer = AppendEntriesResponse(term=term, last_log_idx=idx, success=result)
        if self.tracer is not None:
            self._emit(Event.SEND_APPEND_ENTRIES_RESPONSE, packet=aer.to_json(), to_node_id=to)
        self._send(to, aer)

    def _find_highest_possible_match(self, view: int, seqno: int) -> int:
        """Highest index this node holds that may still agree with ``view.seqno``."""
        probe = min(seqno, self.last_idx)
        term = self.view_history.view_at(probe)
        while term > view:
            probe = self.view_history.start_of_view(term)
            if probe > 0:
                probe -= 1
            term = self.view_history.view_at(probe)
        return probe

    def _on_append_entries_response(self, sender: str, r: AppendEntriesResponse, _: Any) -> None:
        progress = self.peers.get(sender)
        if progress is None:
            return
        if self.tracer is not None:
            self._emit(Event.RECV_APPEND_ENTRIES_RESPONSE, packet=r.to_json(), from_node_id=sender,
                       match_idx=progress.match_idx, sent_idx=progress.sent_idx)
        if not self.is_leader:
            return
        if not self.keep_suffix_on_follow:
            progress.last_ack_timeout = 0
        ok = r.success is AppendEntriesResult.OK
        if self.current_view < r.term:
            self.become_aware_of_new_term(r.term)
            return
        if self.current_view != r.term:
            if ok:
                return
        elif r.last_log_idx < progress.match_idx and ok:
            return
        if self.keep_suffix_on_follow:  # CCF#7620: only a response that passed the checks shows liveness
            progress.last_ack_timeout = 0
        if not ok:
            progress.on_nack(self._find_highest_possible_match(r.term, r.last_log_idx))
            if "commit_on_nack" in self.bugs:
                # Seeded bug: the NACK's index is taken as a match, moving match_idx (even backwards).
                progress.match_idx = min(r.last_log_idx, self.last_idx)
                self._update_commit()
            return
        progress.on_ack(r.last_log_idx)
        self._update_commit()
