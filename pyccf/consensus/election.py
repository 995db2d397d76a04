"""Elections, CCF-style: PreVote, votes per active configuration, and nominating a successor.

A mixin of :class:`pyccf.consensus.node.Node` (it uses the node's state directly); the quorum rule itself lives in
:mod:`pyccf.consensus.quorum`. Decision order and trace points follow CCF's ``raft.h``.
"""

from __future__ import annotations

from typing import Any

from pyccf.consensus import quorum
from pyccf.consensus.messages import ProposeRequestVote, RequestVote, RequestVoteResponse
from pyccf.errors import InternalError
from pyccf.formats.raft_trace import ElectionType, Event, LeadershipState


class Elections:
    """Vote requests and responses, the candidate roles, and successor nomination."""

    def _on_request_vote(self, sender: str, r: RequestVote, _: Any) -> None:
        if self.tracer is not None:
            self._emit(Event.RECV_REQUEST_VOTE, packet=r.to_json(), from_node_id=sender)
        regular = r.election_type is ElectionType.REGULAR_VOTE
        if self.current_view > r.term:
            self._send(sender, RequestVoteResponse(self.current_view, False, r.election_type))
            return
        if self.current_view < r.term:
            self.become_aware_of_new_term(r.term)
        grant = True
        if regular and self.leader_id is not None:
            grant = False
        if (regular and self.voted_for is not None and self.voted_for != sender
                and "vote_twice" not in self.bugs):  # seeded bug: a second vote in one term
            grant = False
        mine = self.last_committable_index()
        my_term = self.term_of(mine)
        up_to_date = r.term_of_last_committable_idx > my_term or (
            r.term_of_last_committable_idx == my_term and r.last_committable_idx >= mine)
        if not up_to_date:
            grant = False
        if grant and regular:
            self._restart_election_timeout()
            self.leader_id = None
            self.voted_for = sender
        self._send(sender, RequestVoteResponse(self.current_view, grant, r.election_type))

    def _on_request_vote_response(self, sender: str, r: RequestVoteResponse, _: Any) -> None:
        if self.tracer is not None:
            self._emit(Event.RECV_REQUEST_VOTE_RESPONSE, packet=r.to_json(), from_node_id=sender)
        if sender not in self.peers:
            return
        if self.current_view < r.term:
            self.become_aware_of_new_term(r.term)
            return
        if self.current_view != r.term:
            return
        if self.leadership_state not in (LeadershipState.PRE_VOTE_CANDIDATE, LeadershipState.CANDIDATE):
            return
        if (r.election_type is ElectionType.REGULAR_VOTE
                and self.leadership_state is not LeadershipState.CANDIDATE):
            return
        if (r.election_type is ElectionType.PRE_VOTE
                and self.leadership_state is not LeadershipState.PRE_VOTE_CANDIDATE):
            return
        if not r.vote_granted:
            return
        self._add_vote_for_me(sender)

    def _on_propose_request_vote(self, sender: str, r: ProposeRequestVote, _: Any) -> None:
        if self.tracer is not None:
            self._emit(Event.RECV_PROPOSE_REQUEST_VOTE, packet=r.to_json(), from_node_id=sender)
        if not self.is_retired_committed() and self.ticking and r.term == self.current_view:
            self.become_candidate()

    # ------------------------------------------------------------------ elections and roles

    def _reset_votes_for_me(self) -> None:
        self.votes_for_me = {c.idx: (set(), quorum.majority(len(c.nodes))) for c in self.configurations}

    def become_pre_vote_candidate(self) -> None:
        if not self.configurations:
            return
        self.leadership_state = LeadershipState.PRE_VOTE_CANDIDATE
        self.leader_id = None
        self._reset_votes_for_me()
        self._restart_election_timeout()
        if self.tracer is not None:
            self._emit(Event.BECOME_PRE_VOTE_CANDIDATE, configurations=self._configs_json())
        self._add_vote_for_me(self.node_id)
        for n in self.other_nodes_in_active_configs():
            self._send_request_vote(n, ElectionType.PRE_VOTE)

    def become_candidate(self) -> None:
        if not self.configurations:
            return
        self.leadership_state = LeadershipState.CANDIDATE
        self.leader_id = None
        self.voted_for = self.node_id
        self._reset_votes_for_me()
        self.current_view += 1
        self._restart_election_timeout()
        self._reset_last_ack_timeouts()
        if self.tracer is not None:
            self._emit(Event.BECOME_CANDIDATE, configurations=self._configs_json())
        self._add_vote_for_me(self.node_id)
        for n in self.other_nodes_in_active_configs():
            self._send_request_vote(n, ElectionType.REGULAR_VOTE)

    def _send_request_vote(self, to: str, election_type: ElectionType) -> None:
        lci = self.last_committable_index()
        rv = RequestVote(self.current_view, lci, self.term_of(lci), election_type)
        if self.tracer is not None:
            self._emit(Event.SEND_REQUEST_VOTE, packet=rv.to_json(), to_node_id=to)
        self._send(to, rv)

    def _add_vote_for_me(self, voter: str) -> None:
        if not self.configurations:
            return
        for c in self.configurations:
            if voter in c.nodes:
                votes, _ = self.votes_for_me.setdefault(c.idx, (set(), 0))
                votes.add(voter)
        if "union_vote_quorum" in self.bugs:
            # Seeded bug: one majority of the union of all active configurations.
            union = {n for c in self.configurations for n in c.nodes}
            granted = set().union(*(v for v, _ in self.votes_for_me.values()))
            elected = quorum.has_quorum(union, granted)
        else:
            elected = quorum.votes_won(self.votes_for_me)
        if not elected:
            return
        if self.leadership_state is LeadershipState.PRE_VOTE_CANDIDATE:
            self.become_candidate()
        elif self.leadership_state is LeadershipState.CANDIDATE:
            self.become_leader()
        else:
            raise InternalError("vote counted while not a candidate")

    def nominate_successor(self) -> None:
        """raft.h's nominate_successor(): a leader nudges its best-replicated peer to stand."""
        if not self.is_leader:
            return
        if self.tracer is not None:
            self._emit(Event.STEP_DOWN_AND_NOMINATE_SUCCESSOR, configurations=self._configs_json())
        self._send_propose_request_vote()

    def _send_propose_request_vote(self) -> None:
        successor: str | None = None
        max_match = 0
        reconf_of_max = 0
        for peer, progress in self.peers.items():
            if progress.match_idx >= max_match:
                latest = 0
                for c in reversed(self.configurations):
                    if peer in c.nodes:
                        latest = c.idx
                        break
                if not (progress.match_idx == max_match and latest < reconf_of_max):
                    reconf_of_max = latest
                    successor = peer
                    max_match = progress.match_idx
        if successor is not None:
            self._send(successor, ProposeRequestVote(self.current_view))
