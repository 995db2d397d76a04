"""CCF's consensus messages, with the field names and JSON shapes of CCF's raft_trace packets.

AppendEntries carries only its header here; the entries themselves are read from the sender's ledger when
the network delivers the message, as CCF's test driver does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyccf.formats.raft_trace import AppendEntriesResult, ElectionType, MessageType


@dataclass(frozen=True, slots=True)
class AppendEntries:
    idx: int
    prev_idx: int
    term: int
    prev_term: int
    leader_commit_idx: int
    term_of_idx: int

    def to_json(self) -> dict[str, Any]:
        return {
            "contains_new_view": False,
            "idx": self.idx,
            "leader_commit_idx": self.leader_commit_idx,
            "msg": MessageType.APPEND_ENTRIES.value,
            "prev_idx": self.prev_idx,
            "prev_term": self.prev_term,
            "term": self.term,
            "term_of_idx": self.term_of_idx,
        }


@dataclass(frozen=True, slots=True)
class AppendEntriesResponse:
    """``term`` of a NACK is the term of the follower's estimated agreement point, not its current term."""

    term: int
    last_log_idx: int
    success: AppendEntriesResult

    def to_json(self) -> dict[str, Any]:
        return {
            "last_log_idx": self.last_log_idx,
            "msg": MessageType.APPEND_ENTRIES_RESPONSE.value,
            "success": self.success.value,
            "term": self.term,
        }


@dataclass(frozen=True, slots=True)
class RequestVote:
    term: int
    last_committable_idx: int
    term_of_last_committable_idx: int
    election_type: ElectionType = ElectionType.REGULAR_VOTE

    def to_json(self) -> dict[str, Any]:
        j: dict[str, Any] = {
            "last_committable_idx": self.last_committable_idx,
            "msg": MessageType.REQUEST_VOTE.value,
            "term": self.term,
            "term_of_last_committable_idx": self.term_of_last_committable_idx,
        }
        if self.election_type is ElectionType.PRE_VOTE:
            j["election_type"] = self.election_type.value
        return j


@dataclass(frozen=True, slots=True)
class RequestVoteResponse:
    term: int
    vote_granted: bool
    election_type: ElectionType = ElectionType.REGULAR_VOTE

    def to_json(self) -> dict[str, Any]:
        j: dict[str, Any] = {
            "msg": MessageType.REQUEST_VOTE_RESPONSE.value,
            "term": self.term,
            "vote_granted": self.vote_granted,
        }
        if self.election_type is ElectionType.PRE_VOTE:
            j["election_type"] = self.election_type.value
        return j


@dataclass(frozen=True, slots=True)
class ProposeRequestVote:
    term: int

    def to_json(self) -> dict[str, Any]:
        return {"msg": MessageType.PROPOSE_REQUEST_VOTE.value, "term": self.term}


Message = AppendEntries | AppendEntriesResponse | RequestVote | RequestVoteResponse | ProposeRequestVote
