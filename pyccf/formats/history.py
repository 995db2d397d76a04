"""The vocabulary of client histories: what CCF's clients see (TxIDs and statuses), one event a line.

A history is ndjson in CCF's consistency-trace field names (``type``, ``tx``, ``tx_id`` as ``[view,
seqno]``, ``status``) plus ``client`` (the session) and, on responses, ``observed``: the transactions the
response saw, a plain list for a one-key application as in CCF's spec, an object from key to list when
there are several keys. Line order is the one global logical clock. pyccf's clients write histories,
the spec's trace module reads them, and the Python checker judges them; all three name events, statuses,
properties and seeded bugs from here, and none shares another's codec.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pyccf.formats.ledger import TxStatus


class EventType(StrEnum):
    """The ``type`` of a history event (CCF's ``ExternalHistory.tla`` names)."""

    RW_REQUEST = "RwTxRequest"
    RW_RESPONSE = "RwTxResponse"
    RO_REQUEST = "RoTxRequest"
    RO_RESPONSE = "RoTxResponse"
    STATUS = "TxStatusReceived"


REQUESTS = frozenset({EventType.RW_REQUEST, EventType.RO_REQUEST})
RESPONSES = frozenset({EventType.RW_RESPONSE, EventType.RO_RESPONSE})
#: The request each response answers.
REQUEST_OF = {EventType.RW_RESPONSE: EventType.RW_REQUEST, EventType.RO_RESPONSE: EventType.RO_REQUEST}


class HistoryStatus(StrEnum):
    """The ``status`` of a ``TxStatusReceived`` event (CCF's spec names)."""

    COMMITTED = "CommittedStatus"
    INVALID = "InvalidStatus"
    PENDING = "PendingStatus"
    UNKNOWN = "UnknownStatus"


#: A node's status answer as the history records it, and back.
HISTORY_STATUS = {
    TxStatus.COMMITTED: HistoryStatus.COMMITTED,
    TxStatus.INVALID: HistoryStatus.INVALID,
    TxStatus.PENDING: HistoryStatus.PENDING,
    TxStatus.UNKNOWN: HistoryStatus.UNKNOWN,
}
TX_STATUS = {v: k for k, v in HISTORY_STATUS.items()}
#: Terminal statuses: a client stops polling a TxID once it sees one.
FINAL_STATUSES = frozenset({HistoryStatus.COMMITTED, HistoryStatus.INVALID})


class Field(StrEnum):
    """Field names of a history event."""

    TYPE = "type"
    TX = "tx"  # the request's unique id (a natural number), on requests and responses
    TX_ID = "tx_id"  # [view, seqno] on responses and status events
    STATUS = "status"  # on status events
    CLIENT = "client"  # the session: its own order of events
    OBSERVED = "observed"  # on responses: list of tx, or {key: list of tx}
    NODE = "node"  # optional: the node that served the response or the status


#: The key an application with one key uses when ``observed`` is written as a plain list.
SINGLE_KEY = ""

# ---------------------------------------------------------------- properties


@dataclass(frozen=True)
class Property:
    """A guarantee checked on histories: its name (checker output, docs), the spec's invariant checking
    it, what it says, and whether a violation fails the check (CCF documents read-only transactions as
    not linearizable, so that one is reported apart)."""

    name: str
    spec_invariant: str
    summary: str
    fails: bool = True


PROPERTIES: dict[str, Property] = {
    p.name: p
    for p in (
        Property(
            "ResponseFollowsRequest", "ResponseFollowsRequestInv", "every response answers an earlier request"
        ),
        Property("UniqueRequests", "UniqueRequestsInv", "each request id is requested once"),
        Property("UniqueTxIds", "UniqueTxIdsInv", "a transaction always gets the same TxID"),
        Property("UniqueTxs", "UniqueTxsInv", "a read-write TxID names one transaction"),
        Property(
            "StatusLattice",
            "StatusLatticeInv",
            "never both Committed and Invalid; Committed v.s implies v.s' Committed for s' <= s; "
            "Invalid v.s implies v.s' Invalid for s' >= s; "
            "Committed v.s implies v'.s' Invalid for v' < v, s' >= s",
        ),
        Property(
            "OnlyObserveRequested", "OnlyObserveRequestedInv", "observed holds only requested writes, once"
        ),
        Property(
            "InvalidNotObservedByCommitted",
            "InvalidNotObservedByCommittedInv",
            "no committed transaction observed a write whose TxID was reported Invalid",
        ),
        Property(
            "CommittedRwSerializable",
            "CommittedRwSerializableInv",
            "committed read-write transactions in TxID order: each observes the previous list and its own",
        ),
        Property(
            "CommittedRwRealTime",
            "CommittedRwRealTimeInv",
            "a committed read-write transaction requested after another's first response has a larger TxID",
        ),
        Property(
            "CommittedRoSerializable",
            "CommittedRoSerializableInv",
            "a committed read-only transaction observes exactly the committed writes up to its TxID",
        ),
        Property(
            "ReadYourWrites", "ReadYourWritesInv", "a session's response observes its own earlier writes"
        ),
        Property(
            "MonotonicReads", "MonotonicReadsInv", "a session never observes less than it observed before"
        ),
        Property(
            "RoLinearizable",
            "RoLinearizableInv",
            "a committed read-only transaction observes every committed write that responded before "
            "it was sent "
            "(documented by CCF as not guaranteed)",
            fails=False,
        ),
    )
}

# ---------------------------------------------------------------- seeded service bugs


@dataclass(frozen=True)
class ConsistencyBug:
    """A bug pyccf's service can be built with (``--bug``), and the properties expected to catch it."""

    name: str
    summary: str
    caught_by: frozenset[str]


CONSISTENCY_BUGS: dict[str, ConsistencyBug] = {
    b.name: b
    for b in (
        ConsistencyBug(
            "StaleReadDeposedPrimary",
            "a deposed primary still serves read-only transactions (CCF's documented case, made frequent)",
            frozenset({"RoLinearizable"}),
        ),
        ConsistencyBug(
            "StatusFromSeqnoOnly",
            "status from the seqno alone, ignoring the view (rolled-back writes reported Committed)",
            frozenset({"StatusLattice", "CommittedRwSerializable"}),
        ),
        ConsistencyBug(
            "InvalidWithoutEvidence",
            "Invalid is reported for a pending TxID without commit evidence that it can never commit",
            frozenset({"StatusLattice", "InvalidNotObservedByCommitted"}),
        ),
        ConsistencyBug(
            "WrongSuffixOnElection",
            "a new primary keeps the uncommitted suffix of another view or drops committed entries",
            frozenset({"CommittedRwSerializable"}),
        ),
        ConsistencyBug(
            "DuplicateTxId",
            "two read-write transactions of one view get the same TxID",
            frozenset({"UniqueTxs"}),
        ),
        ConsistencyBug(
            "LostUpdate",
            "two read-write transactions observe the same prefix (one's write is lost)",
            frozenset({"CommittedRwSerializable"}),
        ),
        ConsistencyBug(
            "RetryAppendedTwice",
            "a retried request is executed twice, its id appended twice",
            frozenset({"OnlyObserveRequested"}),
        ),
        ConsistencyBug(
            "BackupMissesOwnWrite",
            "a backup serves a read that misses the session's own committed write",
            frozenset({"ReadYourWrites"}),
        ),
        ConsistencyBug(
            "TxIdMismatchObserved",
            "a response's TxID does not match what it observed",
            frozenset({"CommittedRwSerializable"}),
        ),
    )
}
