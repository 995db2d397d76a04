------------------------ MODULE ConsistencyProperties ------------------------
(***************************************************************************)
(* What CCF promises its clients, stated over the client history alone.    *)
(*                                                                         *)
(* history is the one global, append-only sequence of client events, in   *)
(* the order of one logical clock.  Every event is a record with the same  *)
(* fields (pyccf.formats.history names them): type, tx (request id),       *)
(* client (the session), tx_id (<<view, seqno>>, <<0, 0>> if none),        *)
(* observed (the tx ids the response saw, <<>> if none) and status ("" if  *)
(* none).  history is a constant parameter: Consistency.tla instantiates  *)
(* it with its variable, and the constant-level Witness* modules with      *)
(* given histories (INSTANCE ... WITH history <- H), one on which the      *)
(* invariant is false and one on which it is true.  (SANY 2.15 rejects     *)
(* such an ASSUME when the instantiated module declares history a          *)
(* VARIABLE and the invariant reaches it through another definition.)     *)
(***************************************************************************)
EXTENDS ConsistencyEvents, Naturals, Sequences, FiniteSets

CONSTANT history

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

\* The TxIDs some client was told are Committed, and Invalid.
CommittedIds == {H(i).tx_id : i \in {j \in Idx : H(j).type = StatusEv /\ H(j).status = Committed}}
InvalidIds == {H(i).tx_id : i \in {j \in Idx : H(j).type = StatusEv /\ H(j).status = Invalid}}

\* The history proves that view v holds an entry at seqno s: a response got
\* v.s, or v.s was reported Committed.  Only seqnos at or after such an entry
\* can belong to view v (a view's entries are contiguous); below it, v.s may
\* be Invalid as an impossible TxID.
KnownIds == {H(i).tx_id : i \in {j \in Idx : IsResponse(j)}} \cup CommittedIds

\* The TxIDs a request's id was given as a write: its first response's, if
\* that is a read-write response (a later, different one is UniqueTxIds').
FirstResponses(x) ==
    {i \in Idx : IsResponse(i) /\ H(i).tx = x /\ \A j \in 1..(i - 1) : ~(IsResponse(j) /\ H(j).tx = x)}
WriteIds(x) == {H(i).tx_id : i \in {k \in FirstResponses(x) : IsRw(k)}}

\* v.s is at or below some TxID of S in its own view (a view's log is a prefix).
AtOrBelow(S, t) == \E c \in S : c[1] = t[1] /\ t[2] <= c[2]

\* S closed under "a read-write response at or below S observed x: x's write
\* is committed" (the committed prefix holds what a committed write read).
RECURSIVE CloseCommitted(_)
CloseCommitted(S) ==
    LET readers == {i \in Idx : IsRw(i) /\ AtOrBelow(S, H(i).tx_id)}
        more == UNION {WriteIds(x) : x \in UNION {Range(H(i).observed) : i \in readers}}
    IN IF more \subseteq S THEN S ELSE CloseCommitted(S \cup more)

\* The committed TxIDs the history proves, as the Python checker infers them:
\* reported Committed, every same-view TxID below one, and the writes a
\* committed write observed, closed.  Every invariant but StatusLattice
\* (about reported statuses) uses this set.
CommittedTxIds ==
    LET S == CloseCommitted(CommittedIds)
    IN {t \in {H(i).tx_id : i \in Idx} : AtOrBelow(S, t)}

\* Invalid v.s makes every later v.s' Invalid, from the first entry the view
\* provably holds (below it, v.s is an impossible TxID: see StatusLattice).
IsInvalid(t) ==
    \E b \in InvalidIds : /\ b[1] = t[1] /\ b[2] <= t[2]
                         /\ \E k \in KnownIds : k[1] = b[1] /\ k[2] <= b[2]

\* Response a came before the request that response b answers was sent: a
\* request of b's id and kind between them (the latest one before b is the
\* one b answers; a request after b, a repeat or the only one, answers
\* nothing b saw, and a history with one breaks ResponseFollowsRequest or
\* UniqueRequests already).
RespondedBeforeRequested(a, b) ==
    \E j \in (a + 1)..(b - 1) : H(j).type = RequestOf(H(b).type) /\ H(j).tx = H(b).tx

\* Read-write (read-only) responses whose TxID is in the set C of committed TxIDs.
CommittedRw(C) == {i \in Idx : IsRw(i) /\ H(i).tx_id \in C}
CommittedRo(C) == {i \in Idx : IsRo(i) /\ H(i).tx_id \in C}

------------------------------------------------------------------------------
\* The invariants (pyccf.formats.history.PROPERTIES[...].spec_invariant).
\* Sets they use more than once are bound by LET, so TLC computes them once.

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
\* provably holds (at or after a known entry of the view, KnownIds).  Across
\* views: Committed v.s makes every v'.s' with v' < v and s' >= s not
\* Committed.  Pending and Unknown carry no promise (a lagging node says so).
StatusLatticeInv ==
    LET C == CommittedIds
        I == InvalidIds
        K == KnownIds
    IN /\ \A a \in C, b \in I :
            (a[1] = b[1] /\ \E k \in K : k[1] = b[1] /\ k[2] <= b[2]) => b[2] > a[2]
       /\ \A a, b \in C : b[1] < a[1] => b[2] < a[2]

\* Responses observe only requested writes, each at most once.
OnlyObserveRequestedInv ==
    \A i \in Idx : IsResponse(i) =>
        \A k \in DOMAIN H(i).observed :
            /\ \E j \in 1..(i - 1) : H(j).type = RwReq /\ H(j).tx = H(i).observed[k]
            /\ \A k2 \in DOMAIN H(i).observed : H(i).observed[k2] = H(i).observed[k] => k2 = k

\* No committed transaction observed a write whose TxID is Invalid (reported,
\* or after a reported Invalid in its view).
InvalidNotObservedByCommittedInv ==
    LET C == CommittedTxIds
        bad == {x \in {H(i).tx : i \in Idx} : \E t \in WriteIds(x) : IsInvalid(t)}
    IN \A r \in Idx : (IsResponse(r) /\ H(r).tx_id \in C) => bad \cap Range(H(r).observed) = {}

\* Committed read-write transactions in TxID order: each observes its own
\* write last, and a later one strictly extends what an earlier one observed
\* (not "previous + own": internal entries and unanswered writes sit between);
\* a committed write another one observed is before it in TxID order (with unique
\* TxIDs the prefix clause implies it; it also judges two at the same TxID).
CommittedRwSerializableInv ==
    LET W == CommittedRw(CommittedTxIds)
    IN /\ \A a \in W : H(a).observed /= <<>> /\ H(a).observed[Len(H(a).observed)] = H(a).tx
       /\ \A a, b \in W : TxIdLess(H(a).tx_id, H(b).tx_id) => IsStrictPrefix(H(a).observed, H(b).observed)
       /\ \A a, b \in W : (H(a).tx /= H(b).tx /\ H(a).tx \in Range(H(b).observed))
                           => TxIdLess(H(a).tx_id, H(b).tx_id)

\* Real time from the first (speculative) response: a committed read-write
\* transaction requested after another's response has a larger TxID.  Two
\* transactions: a response before its own request is ResponseFollowsRequest's.
CommittedRwRealTimeInv ==
    LET W == CommittedRw(CommittedTxIds)
    IN \A a, b \in W : (H(a).tx /= H(b).tx /\ RespondedBeforeRequested(a, b))
                        => TxIdLess(H(a).tx_id, H(b).tx_id)

\* A committed read-only transaction observes exactly the committed writes up
\* to its TxID, in their order.
CommittedRoSerializableInv ==
    LET C == CommittedTxIds
    IN \A r \in CommittedRo(C), w \in CommittedRw(C) :
          IF TxIdLess(H(r).tx_id, H(w).tx_id)
          THEN H(w).tx \notin Range(H(r).observed)
          ELSE IsPrefix(H(w).observed, H(r).observed)

\* A session's response observes the session's own earlier writes that
\* commit (a write rolled back before it commits may vanish).  Another
\* transaction's: a response before its own request is ResponseFollowsRequest's.
ReadYourWritesInv ==
    \A a \in CommittedRw(CommittedTxIds), r \in Idx :
        (IsResponse(r) /\ H(a).client = H(r).client /\ H(a).tx /= H(r).tx /\ RespondedBeforeRequested(a, r))
        => H(a).tx \in Range(H(r).observed)

\* A session never loses a write it observed that commits.
MonotonicReadsInv ==
    LET T == {H(i).tx : i \in CommittedRw(CommittedTxIds)}
    IN \A a, r \in Idx :
          (IsResponse(a) /\ IsResponse(r) /\ H(a).client = H(r).client /\ RespondedBeforeRequested(a, r))
          => (Range(H(a).observed) \cap T) \subseteq Range(H(r).observed)

\* Read-only transactions are linearizable: a committed one observes every
\* committed write that responded before it was sent.  CCF documents that it
\* does not guarantee this (a deposed leader still serves reads); the spec
\* must violate it (MCRoNotLinearizable.cfg).
RoLinearizableInv ==
    LET C == CommittedTxIds
    IN \A r \in CommittedRo(C), w \in CommittedRw(C) :
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
