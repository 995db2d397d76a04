------------------------ MODULE ConsistencyProperties ------------------------
(***************************************************************************)
(* What CCF promises its clients, stated over the client history alone.    *)
(*                                                                         *)
(* history is the one global, append-only sequence of client events, in   *)
(* the order of one logical clock.  Every event is a record with the same  *)
(* fields (pyccf.formats.history names them): type, tx (request id),       *)
(* client (the session), tx_id (<<view, seqno>>, <<0, 0>> if none),        *)
(* observed (the tx ids the response saw, <<>> if none) and status ("" if  *)
(* none).  The invariants only read history, so a constant-level module    *)
(* can evaluate each on a given history (INSTANCE ... WITH history <- H);  *)
(* the *Witness modules do, for one history on which each is false and one *)
(* on which it is true.                                                    *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

VARIABLE history

\* Event types and statuses (pyccf.formats.history.EventType, HistoryStatus).
RwReq == "RwTxRequest"
RwResp == "RwTxResponse"
RoReq == "RoTxRequest"
RoResp == "RoTxResponse"
StatusEv == "TxStatusReceived"
Committed == "CommittedStatus"
Invalid == "InvalidStatus"
Pending == "PendingStatus"
Unknown == "UnknownStatus"

NoTxId == <<0, 0>>

\* One event; the fields an event type lacks get neutral values.
Ev(type, tx, client, txid, observed, status) ==
    [type |-> type, tx |-> tx, client |-> client, tx_id |-> txid, observed |-> observed,
     status |-> status]

RequestOf(type) == IF type = RwResp THEN RwReq ELSE RoReq

Idx == DOMAIN history
H(i) == history[i]
IsRequest(i) == H(i).type \in {RwReq, RoReq}
IsResponse(i) == H(i).type \in {RwResp, RoResp}
IsRw(i) == H(i).type = RwResp
IsRo(i) == H(i).type = RoResp
Range(s) == {s[k] : k \in DOMAIN s}

\* TxIDs are ordered lexicographically on (view, seqno).
TxIdLess(a, b) == a[1] < b[1] \/ (a[1] = b[1] /\ a[2] < b[2])

IsPrefix(a, b) == Len(a) <= Len(b) /\ a = SubSeq(b, 1, Len(a))
IsStrictPrefix(a, b) == Len(a) < Len(b) /\ a = SubSeq(b, 1, Len(a))

\* Some client was told this status for this TxID.
Told(id, st) == \E i \in Idx : H(i).type = StatusEv /\ H(i).tx_id = id /\ H(i).status = st
IsCommitted(id) == Told(id, Committed)
IsInvalid(id) == Told(id, Invalid)

\* The history proves that view v holds an entry at seqno s: a response got
\* v.s, or v.s was reported Committed.  Only seqnos at or after such an entry
\* can belong to view v (a view's entries are contiguous); below it, v.s may
\* be Invalid as an impossible TxID.
Evidence(i) == IsResponse(i) \/ (H(i).type = StatusEv /\ H(i).status = Committed)
KnownAtOrBelow(v, s) == \E k \in Idx : Evidence(k) /\ H(k).tx_id[1] = v /\ H(k).tx_id[2] <= s

\* Response a came before response b's request was sent.
RespondedBeforeRequested(a, b) ==
    \E j \in Idx : j > a /\ H(j).type = RequestOf(H(b).type) /\ H(j).tx = H(b).tx

CommittedRwIdx == {i \in Idx : IsRw(i) /\ IsCommitted(H(i).tx_id)}
CommittedRoIdx == {i \in Idx : IsRo(i) /\ IsCommitted(H(i).tx_id)}
CommittedTxs == {H(i).tx : i \in CommittedRwIdx}

------------------------------------------------------------------------------
\* The invariants (pyccf.formats.history.PROPERTIES[...].spec_invariant).

\* Every response answers an earlier request of its kind, from its client.
ResponseFollowsRequestInv ==
    \A i \in Idx : IsResponse(i) =>
        \E j \in 1..(i - 1) : /\ H(j).type = RequestOf(H(i).type)
                              /\ H(j).tx = H(i).tx
                              /\ H(j).client = H(i).client

\* Each request id is requested once.
UniqueRequestsInv ==
    \A i, j \in Idx : (IsRequest(i) /\ IsRequest(j) /\ H(i).tx = H(j).tx) => i = j

\* A transaction always gets the same TxID.
UniqueTxIdsInv ==
    \A i, j \in Idx : (IsResponse(i) /\ IsResponse(j) /\ H(i).tx = H(j).tx) => H(i).tx_id = H(j).tx_id

\* A read-write TxID names one transaction.
UniqueTxsInv ==
    \A i, j \in Idx : (IsRw(i) /\ IsRw(j) /\ H(i).tx_id = H(j).tx_id) => H(i).tx = H(j).tx

\* The status lattice.  Within one view: never both Committed and Invalid;
\* Committed v.s makes every v.s' (s' <= s) not Invalid, and Invalid v.s
\* makes every v.s' (s' >= s) not Committed, both for the seqnos the view
\* provably holds (KnownAtOrBelow: at or after a known entry of the view).  Across
\* views: Committed v.s makes every v'.s' with v' < v and s' >= s not
\* Committed.  Pending and Unknown carry no promise (a lagging node says so).
StatusLatticeInv ==
    /\ \A i, j \in Idx :
         LET a == H(i)  b == H(j) IN
         (a.type = StatusEv /\ b.type = StatusEv /\ a.status = Committed /\ b.status = Invalid
          /\ a.tx_id[1] = b.tx_id[1] /\ KnownAtOrBelow(b.tx_id[1], b.tx_id[2]))
         => b.tx_id[2] > a.tx_id[2]
    /\ \A i, j \in Idx :
         LET a == H(i)  b == H(j) IN
         (a.type = StatusEv /\ b.type = StatusEv /\ a.status = Committed /\ b.status = Committed
          /\ b.tx_id[1] < a.tx_id[1])
         => b.tx_id[2] < a.tx_id[2]

\* Responses observe only requested writes, each at most once.
OnlyObserveRequestedInv ==
    \A i \in Idx : IsResponse(i) =>
        \A k \in DOMAIN H(i).observed :
            /\ \E j \in 1..(i - 1) : H(j).type = RwReq /\ H(j).tx = H(i).observed[k]
            /\ \A k2 \in DOMAIN H(i).observed : H(i).observed[k2] = H(i).observed[k] => k2 = k

\* No committed transaction observed a write whose TxID was reported Invalid.
InvalidNotObservedByCommittedInv ==
    \A r, w \in Idx :
        (IsResponse(r) /\ IsCommitted(H(r).tx_id) /\ IsRw(w) /\ IsInvalid(H(w).tx_id))
        => H(w).tx \notin Range(H(r).observed)

\* Committed read-write transactions in TxID order: each observes its own
\* write last, and a later one strictly extends what an earlier one observed
\* (not "previous + own": internal entries and unanswered writes sit between).
CommittedRwSerializableInv ==
    /\ \A a \in CommittedRwIdx : H(a).observed /= <<>> /\ H(a).observed[Len(H(a).observed)] = H(a).tx
    /\ \A a, b \in CommittedRwIdx :
         TxIdLess(H(a).tx_id, H(b).tx_id) => IsStrictPrefix(H(a).observed, H(b).observed)

\* Real time from the first (speculative) response: a committed read-write
\* transaction requested after another's response has a larger TxID.
CommittedRwRealTimeInv ==
    \A a, b \in CommittedRwIdx :
        RespondedBeforeRequested(a, b) => TxIdLess(H(a).tx_id, H(b).tx_id)

\* A committed read-only transaction observes exactly the committed writes up
\* to its TxID, in their order.
CommittedRoSerializableInv ==
    \A r \in CommittedRoIdx, w \in CommittedRwIdx :
        IF TxIdLess(H(r).tx_id, H(w).tx_id)
        THEN H(w).tx \notin Range(H(r).observed)
        ELSE IsPrefix(H(w).observed, H(r).observed)

\* A session's response observes the session's own earlier writes that
\* commit (a write rolled back before it commits may vanish).
ReadYourWritesInv ==
    \A a, r \in Idx :
        (/\ IsRw(a) /\ IsResponse(r) /\ H(a).client = H(r).client
         /\ IsCommitted(H(a).tx_id) /\ RespondedBeforeRequested(a, r))
        => H(a).tx \in Range(H(r).observed)

\* A session never loses a write it observed that commits.
MonotonicReadsInv ==
    \A a, r \in Idx :
        (IsResponse(a) /\ IsResponse(r) /\ H(a).client = H(r).client /\ RespondedBeforeRequested(a, r))
        => (Range(H(a).observed) \cap CommittedTxs) \subseteq Range(H(r).observed)

\* Read-only transactions are linearizable: a committed one observes every
\* committed write that responded before it was sent.  CCF documents that it
\* does not guarantee this (a deposed leader still serves reads); the spec
\* must violate it (MCRoNotLinearizable.cfg).
RoLinearizableInv ==
    \A r \in CommittedRoIdx, w \in CommittedRwIdx :
        RespondedBeforeRequested(w, r) => H(w).tx \in Range(H(r).observed)

\* The guarantees CCF gives (all but RoLinearizableInv).
ConsistencyInv ==
    /\ ResponseFollowsRequestInv
    /\ UniqueRequestsInv
    /\ UniqueTxIdsInv
    /\ UniqueTxsInv
    /\ StatusLatticeInv
    /\ OnlyObserveRequestedInv
    /\ InvalidNotObservedByCommittedInv
    /\ CommittedRwSerializableInv
    /\ CommittedRwRealTimeInv
    /\ CommittedRoSerializableInv
    /\ ReadYourWritesInv
    /\ MonotonicReadsInv

=============================================================================
