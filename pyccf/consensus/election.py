"""Elections, CCF-style: PreVote, votes per active configuration, and nominating a successor.

Functions over a :class:`pyccf.consensus.node.Node`: one per message type and one per candidate role.
The quorum rule itself lives in :mod:`pyccf.consensus.quorum`. Decision order and trace points follow
CCF's ``raft.h``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyccf.consensus import quorum
from pyccf.consensus.messages import ProposeRequestVote, RequestVote, RequestVoteResponse
from pyccf.errors import InternalError
from pyccf.formats.raft_trace import ElectionType, Event, LeadershipState

if TYPE_CHECKING:
    from pyccf.consensus.node import Node


# ---------------------------------------------------------------------- messages


def on_request_vote(node: Node, sender: str, r: RequestVote) -> None:
    if node.tracer is not None:
        node.emit(Event.RECV_REQUEST_VOTE, packet=r.to_json(), from_node_id=sender)
    regular = r.election_type is ElectionType.REGULAR_VOTE
    if node.current_view > r.term:
        node.send(sender, RequestVoteResponse(node.current_view, False, r.election_type))
        return
    if node.current_view < r.term:
        node.become_aware_of_new_term(r.term)
    grant = True
    if regular and node.leader_id is not None:
        grant = False
    if (
        regular and node.voted_for is not None and node.voted_for != sender and "vote_twice" not in node.bugs
    ):  # seeded bug: a second vote in one term
        grant = False
    mine = node.last_committable_index()
    my_term = node.term_of(mine)
    up_to_date = r.term_of_last_committable_idx > my_term or (
        r.term_of_last_committable_idx == my_term and r.last_committable_idx >= mine
    )
    if not up_to_date:
        grant = False
    if grant and regular:
        node.restart_election_timeout()
        node.leader_id = None
        node.voted_for = sender
    node.send(sender, RequestVoteResponse(node.current_view, grant, r.election_type))


def on_request_vote_response(node: Node, sender: str, r: RequestVoteResponse) -> None:
    if node.tracer is not None:
        node.emit(Event.RECV_REQUEST_VOTE_RESPONSE, packet=r.to_json(), from_node_id=sender)
    if sender not in node.peers:
        return
    if node.current_view < r.term:
        node.become_aware_of_new_term(r.term)
        return
    if node.current_view != r.term:
        return
    if node.leadership_state not in (LeadershipState.PRE_VOTE_CANDIDATE, LeadershipState.CANDIDATE):
        return
    if (
        r.election_type is ElectionType.REGULAR_VOTE
        and node.leadership_state is not LeadershipState.CANDIDATE
    ):
        return
    if (
        r.election_type is ElectionType.PRE_VOTE
        and node.leadership_state is not LeadershipState.PRE_VOTE_CANDIDATE
    ):
        return
    if not r.vote_granted:
        return
    _add_vote_for_me(node, sender)


def on_propose_request_vote(node: Node, sender: str, r: ProposeRequestVote) -> None:
    if node.tracer is not None:
        node.emit(Event.RECV_PROPOSE_REQUEST_VOTE, packet=r.to_json(), from_node_id=sender)
    if not node.is_retired_committed() and node.ticking and r.term == node.current_view:
        become_candidate(node)


# ---------------------------------------------------------------------- candidate roles


def reset_votes_for_me(node: Node) -> None:
    node.votes_for_me = {c.idx: (set(), quorum.majority(len(c.nodes))) for c in node.configurations}


def become_pre_vote_candidate(node: Node) -> None:
    if not node.configurations:
        return
    node.leadership_state = LeadershipState.PRE_VOTE_CANDIDATE
    node.leader_id = None
    reset_votes_for_me(node)
    node.restart_election_timeout()
    if node.tracer is not None:
        node.emit(Event.BECOME_PRE_VOTE_CANDIDATE, configurations=node.configs_json())
    _add_vote_for_me(node, node.node_id)
    for n in node.other_nodes_in_active_configs():
        _send_request_vote(node, n, ElectionType.PRE_VOTE)


def become_candidate(node: Node) -> None:
    if not node.configurations:
        return
    node.leadership_state = LeadershipState.CANDIDATE
    node.leader_id = None
    node.voted_for = node.node_id
    reset_votes_for_me(node)
    node.current_view += 1
    node.restart_election_timeout()
    node.reset_last_ack_timeouts()
    if node.tracer is not None:
        node.emit(Event.BECOME_CANDIDATE, configurations=node.configs_json())
    _add_vote_for_me(node, node.node_id)
    for n in node.other_nodes_in_active_configs():
        _send_request_vote(node, n, ElectionType.REGULAR_VOTE)


def _send_request_vote(node: Node, to: str, election_type: ElectionType) -> None:
    lci = node.last_committable_index()
    rv = RequestVote(node.current_view, lci, node.term_of(lci), election_type)
    if node.tracer is not None:
        node.emit(Event.SEND_REQUEST_VOTE, packet=rv.to_json(), to_node_id=to)
    node.send(to, rv)


def _add_vote_for_me(node: Node, voter: str) -> None:
    if not node.configurations:
        return
    for c in node.configurations:
        if voter in c.nodes:
            votes, _ = node.votes_for_me.setdefault(c.idx, (set(), 0))
            votes.add(voter)
    if "union_vote_quorum" in node.bugs:
        # Seeded bug: one majority of the union of all active configurations.
        union = {n for c in node.configurations for n in c.nodes}
        granted: set[str] = set().union(*(v for v, _ in node.votes_for_me.values()))
        elected = quorum.has_quorum(union, granted)
    else:
        elected = quorum.votes_won(node.votes_for_me)
    if not elected:
        return
    if node.leadership_state is LeadershipState.PRE_VOTE_CANDIDATE:
        become_candidate(node)
    elif node.leadership_state is LeadershipState.CANDIDATE:
        node.become_leader()
    else:
        raise InternalError("vote counted while not a candidate")


# ---------------------------------------------------------------------- successor


def nominate_successor(node: Node) -> None:
    """raft.h's nominate_successor(): a leader nudges its best-replicated peer to stand."""
    if not node.is_leader:
        return
    if node.tracer is not None:
        node.emit(Event.STEP_DOWN_AND_NOMINATE_SUCCESSOR, configurations=node.configs_json())
    send_propose_request_vote(node)


def send_propose_request_vote(node: Node) -> None:
    """ProposeRequestVote to the best-replicated peer; of equals, one in a later configuration, else the
    last visited."""
    successor: str | None = None
    max_match = 0
    reconf_of_max = 0
    for peer, progress in node.peers.items():
        if progress.match_idx >= max_match:
            latest = 0
            for c in reversed(node.configurations):
                if peer in c.nodes:
                    latest = c.idx
                    break
            if not (progress.match_idx == max_match and latest < reconf_of_max):
                reconf_of_max = latest
                successor = peer
                max_match = progress.match_idx
    if successor is not None:
        node.send(successor, ProposeRequestVote(node.current_view))
