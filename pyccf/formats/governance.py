"""CCF's governance vocabulary: its tables, proposal and member states, signed-request headers.

Shared by pyccf's governance engine and tracecheck's auditor. Names and encodings are CCF's
(``doc/audit/builtin_maps.rst``, ``include/ccf/service/tables/proposals.h``, ``src/endpoints/authentication/
cose_auth.cpp``). Keys of the member, user and proposal tables are the raw ASCII of the hex id; values are
JSON, except certificates and encryption keys (raw PEM) and proposals (the proposal's raw JSON bytes).
"""

from __future__ import annotations

from enum import StrEnum

GOV_PREFIX = "public:ccf.gov."  # governance tables: what apply() may write
INTERNAL_PREFIX = "public:ccf.internal."  # the node's own tables: constitution code only reads them


class GovTable(StrEnum):
    """The governance tables the constitution and the engine write (beyond those in ``Table``)."""

    MEMBERS_CERTS = "public:ccf.gov.members.certs"  # member id -> PEM certificate
    MEMBERS_INFO = "public:ccf.gov.members.info"  # member id -> {status, member_data, recovery_role?}
    MEMBERS_ACKS = "public:ccf.gov.members.acks"  # member id -> {state_digest, cose_sign1_req?}
    USERS_CERTS = "public:ccf.gov.users.certs"  # user id -> PEM certificate
    USERS_INFO = "public:ccf.gov.users.info"  # user id -> {user_data}
    CONSTITUTION = "public:ccf.gov.constitution"  # singleton: JSON string, the JS module source
    PROPOSALS = "public:ccf.gov.proposals"  # proposal id -> the proposal's raw JSON
    PROPOSALS_INFO = "public:ccf.gov.proposals_info"  # proposal id -> {proposer_id, state, ballots, ...}
    COSE_HISTORY = "public:ccf.gov.cose_history"  # member id -> the last COSE_Sign1 request it sent
    COSE_RECENT_PROPOSALS = "public:ccf.gov.cose_recent_proposals"  # "<created_at:010d>:<sha256>" -> id
    HISTORY = "public:ccf.gov.history"  # legacy HTTP-signed requests (remove_member deletes from it)


class ProposalState(StrEnum):
    OPEN = "Open"
    ACCEPTED = "Accepted"
    WITHDRAWN = "Withdrawn"
    REJECTED = "Rejected"
    FAILED = "Failed"
    DROPPED = "Dropped"


#: What ``resolve`` may return; any other value makes the proposal Failed.
RESOLVE_RESULTS = (ProposalState.OPEN, ProposalState.ACCEPTED, ProposalState.REJECTED)


class MemberStatus(StrEnum):
    ACCEPTED = "Accepted"  # set_member writes this; an acknowledgement of the state digest activates
    ACTIVE = "Active"


class RecoveryRole(StrEnum):
    NON_PARTICIPANT = "NonParticipant"
    PARTICIPANT = "Participant"
    OWNER = "Owner"


class MsgType(StrEnum):
    """Values of the ``ccf.gov.msg.type`` header: what a signed request is for."""

    PROPOSAL = "proposal"
    BALLOT = "ballot"
    WITHDRAWAL = "withdrawal"
    STATE_DIGEST = "state_digest"
    ACK = "ack"
    RECOVERY_SHARE = "recovery_share"


#: Protected-header labels of a governance COSE_Sign1 (text labels, beside alg = 1 and kid = 4).
HEADER_MSG_TYPE = "ccf.gov.msg.type"
HEADER_CREATED_AT = "ccf.gov.msg.created_at"  # integer seconds since the epoch
HEADER_PROPOSAL_ID = "ccf.gov.msg.proposal_id"  # ballots and withdrawals
MAX_CREATED_AT = 9_999_999_999  # created_at is written zero-padded to 10 digits
DEFAULT_RECENT_PROPOSALS_WINDOW = 100  # service.config recent_cose_proposals_window_size


def recent_proposal_key(created_at: int, request_digest: str) -> str:
    """The ``cose_recent_proposals`` key of a proposal request: what a replay would repeat."""
    return f"{created_at:010d}:{request_digest}"
