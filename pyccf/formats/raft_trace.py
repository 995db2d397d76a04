"""CCF's raft_trace vocabulary: the one place that names events, states, message types and fields.

pyccf's trace writer, its scenario driver and tracecheck's trace validator all import these names, so a
rename here is a rename everywhere. Values are spelt exactly as CCF's C++ implementation logs them
(``src/consensus/aft/raft.h``), because pyccf's traces must be byte-compatible with CCF's.
"""

from __future__ import annotations

from enum import StrEnum


class LeadershipState(StrEnum):
    NONE = "None"
    FOLLOWER = "Follower"
    PRE_VOTE_CANDIDATE = "PreVoteCandidate"
    CANDIDATE = "Candidate"
    LEADER = "Leader"


class MembershipState(StrEnum):
    ACTIVE = "Active"
    RETIRED = "Retired"


class RetirementPhase(StrEnum):
    """Phases of a node's retirement, in the order they are reached."""

    ORDERED = "Ordered"
    SIGNED = "Signed"
    COMPLETED = "Completed"
    RETIRED_COMMITTED = "RetiredCommitted"


class MessageType(StrEnum):
    """The ``msg`` field of a packet."""

    APPEND_ENTRIES = "raft_append_entries"
    APPEND_ENTRIES_RESPONSE = "raft_append_entries_response"
    REQUEST_VOTE = "raft_request_vote"
    REQUEST_VOTE_RESPONSE = "raft_request_vote_response"
    PROPOSE_REQUEST_VOTE = "raft_propose_request_vote"


class AppendEntriesResult(StrEnum):
    OK = "OK"
    FAIL = "FAIL"


class ElectionType(StrEnum):
    PRE_VOTE = "PreVote"
    REGULAR_VOTE = "RegularVote"


class EntryType(StrEnum):
    """Kinds of log entry (CCF: raw transaction, signature, reconfiguration, retired_committed)."""

    RAW = "raw"
    SIGNATURE = "signature"
    RECONFIGURATION = "reconfiguration"
    RETIRED_COMMITTED = "retired_committed"


class Event(StrEnum):
    """The ``msg.function`` of a raft_trace line."""

    BOOTSTRAP = "bootstrap"
    ADD_CONFIGURATION = "add_configuration"
    REPLICATE = "replicate"
    SEND_APPEND_ENTRIES = "send_append_entries"
    RECV_APPEND_ENTRIES = "recv_append_entries"
    EXECUTE_APPEND_ENTRIES_SYNC = "execute_append_entries_sync"
    SEND_APPEND_ENTRIES_RESPONSE = "send_append_entries_response"
    RECV_APPEND_ENTRIES_RESPONSE = "recv_append_entries_response"
    SEND_REQUEST_VOTE = "send_request_vote"
    RECV_REQUEST_VOTE = "recv_request_vote"
    RECV_REQUEST_VOTE_RESPONSE = "recv_request_vote_response"
    RECV_PROPOSE_REQUEST_VOTE = "recv_propose_request_vote"
    BECOME_PRE_VOTE_CANDIDATE = "become_pre_vote_candidate"
    BECOME_CANDIDATE = "become_candidate"
    BECOME_LEADER = "become_leader"
    BECOME_FOLLOWER = "become_follower"
    # raft.h's nominate_successor() (the driver's `nominate_successor`): logged by a leader before it
    # sends ProposeRequestVote to its successor; it does not step down despite the name.
    STEP_DOWN_AND_NOMINATE_SUCCESSOR = "step_down_and_nominate_successor"
    COMMIT = "commit"
    DROP_PENDING_TO = "drop_pending_to"


# Fields of every trace line, and of msg.state.
LINE_FIELDS = ("h_ts", "thread_id", "level", "tag", "file", "number", "msg", "cmd", "cmd_prefix")
TRACE_TAG = "raft_trace"
STATE_FIELDS = (
    "node_id",
    "current_view",
    "last_idx",
    "commit_idx",
    "leadership_state",
    "membership_state",
    "pre_vote_enabled",
    "committable_indices",
)
OPTIONAL_STATE_FIELDS = (
    "retirement_phase",
    "retirement_idx",
    "retirement_committable_idx",
    "retired_committed_idx",
)

# Fields of each packet type, as CCF serialises them (``election_type`` is optional on votes).
PACKET_FIELDS: dict[MessageType, tuple[str, ...]] = {
    MessageType.APPEND_ENTRIES: (
        "contains_new_view",
        "idx",
        "leader_commit_idx",
        "msg",
        "prev_idx",
        "prev_term",
        "term",
        "term_of_idx",
    ),
    MessageType.APPEND_ENTRIES_RESPONSE: ("last_log_idx", "msg", "success", "term"),
    MessageType.REQUEST_VOTE: ("last_committable_idx", "msg", "term", "term_of_last_committable_idx"),
    MessageType.REQUEST_VOTE_RESPONSE: ("msg", "term", "vote_granted"),
    MessageType.PROPOSE_REQUEST_VOTE: ("msg", "term"),
}
OPTIONAL_PACKET_FIELDS: dict[MessageType, tuple[str, ...]] = {
    MessageType.REQUEST_VOTE: ("election_type",),
    MessageType.REQUEST_VOTE_RESPONSE: ("election_type",),
}

# Fields of msg (besides "function" and "state") that each event carries.
EVENT_FIELDS: dict[Event, tuple[str, ...]] = {
    Event.BOOTSTRAP: ("args", "configurations"),
    Event.ADD_CONFIGURATION: ("args", "configurations"),
    Event.REPLICATE: ("globally_committable", "seqno", "view"),
    Event.SEND_APPEND_ENTRIES: ("match_idx", "packet", "sent_idx", "to_node_id"),
    Event.RECV_APPEND_ENTRIES: ("from_node_id", "packet"),
    Event.EXECUTE_APPEND_ENTRIES_SYNC: ("from_node_id",),
    Event.SEND_APPEND_ENTRIES_RESPONSE: ("packet", "to_node_id"),
    Event.RECV_APPEND_ENTRIES_RESPONSE: ("from_node_id", "match_idx", "packet", "sent_idx"),
    Event.SEND_REQUEST_VOTE: ("packet", "to_node_id"),
    Event.RECV_REQUEST_VOTE: ("from_node_id", "packet"),
    Event.RECV_REQUEST_VOTE_RESPONSE: ("from_node_id", "packet"),
    Event.RECV_PROPOSE_REQUEST_VOTE: ("from_node_id", "packet"),
    Event.BECOME_PRE_VOTE_CANDIDATE: ("configurations",),
    Event.BECOME_CANDIDATE: ("configurations",),
    Event.BECOME_LEADER: ("configurations",),
    Event.BECOME_FOLLOWER: ("configurations",),
    Event.STEP_DOWN_AND_NOMINATE_SUCCESSOR: ("configurations",),
    Event.COMMIT: ("args", "configurations"),
    Event.DROP_PENDING_TO: ("from_node_id", "packet", "to_node_id"),
}

# Fields some CCF versions add to an event (later raft.h logs the chosen successor).
OPTIONAL_EVENT_FIELDS: dict[Event, tuple[str, ...]] = {
    Event.STEP_DOWN_AND_NOMINATE_SUCCESSOR: ("to_node_id",),
}

# Scenario commands whose line CCF's trace preprocessing attaches with an empty ``cmd_prefix`` (every
# other command's prefix is its first field), as observed in CCF's own traces.
NO_CMD_PREFIX_COMMANDS = frozenset({"start_node", "trust_node", "trust_nodes", "swap_node", "swap_nodes"})
