----------------------------- MODULE Consistency -----------------------------
(***************************************************************************)
(* The externally visible behaviour of a CCF service: what its clients see *)
(* (TxIDs, what responses observed, statuses), for a one-key list-append   *)
(* application.  Nodes are not modelled; each view has one ledger branch,  *)
(* its leader's log, and a deposed leader keeps serving its branch.        *)
(*                                                                         *)
(* branches[v] is view v's log: a sequence of entries [view, tx], where tx *)
(* is a request id or NoTx (an internal entry such as a signature, which  *)
(* takes a seqno too, so clients see gaps).  An entry keeps the view it    *)
(* was appended in when a later view copies it, so its TxID is            *)
(* <<entry.view, seqno>> on every branch.  A new view starts from a signed *)
(* prefix of some branch that holds everything committed (the unsigned and *)
(* the uncommitted suffix is rolled back and its seqnos are reused).       *)
(* Commit advances on the newest branch only, to a signature of its own    *)
(* view (a leader commits its own term's entries).                         *)
(*                                                                         *)
(* Sessions: session[c] is the branch that serves client c (its node's     *)
(* view), from when it connects.  A client has one request in flight.      *)
(* Writes run on the branch's leader; a read runs on the leader or on a   *)
(* backup that lags, so it sees a prefix of the branch, one that holds the *)
(* session's last TxID.  A session (unless a write of it has executed and  *)
(* not responded) may move to another branch once everything it saw of its *)
(* old branch that the other lacks is provably Invalid (the node rolled    *)
(* back and caught up, or the client went to another node, even a deposed  *)
(* leader's).  These two rules make read-your-writes and monotonic reads   *)
(* hold per session.                                                       *)
(***************************************************************************)
EXTENDS ConsistencyEvents, Integers, Sequences, FiniteSets

CONSTANTS
    \* The client sessions.
    Clients,
    \* Whether status answers may be Pending or Unknown (not only final).
    ReportUncertain

VARIABLES
    \* The client history (ConsistencyProperties states what it promises).
    history,
    \* View -> the log of that view's leader.
    branches,
    \* Entries 1..commitSeq of the newest branch are committed.
    commitSeq,
    \* Client -> the branch serving it (0 before it connects).
    session,
    \* Client -> its request in flight: [tx, kind ("rw", "ro" or "none"), at (TxID once executed)].
    inflight

INSTANCE ConsistencyProperties

vars == <<history, branches, commitSeq, session, inflight>>

NoTx == -1
Idle == [tx |-> NoTx, kind |-> "none", at |-> NoTxId]

Latest == branches[Len(branches)]
TxsOf(log) == LET RECURSIVE F(_) F(k) == IF k = 0 THEN <<>>
                                          ELSE IF log[k].tx = NoTx THEN F(k - 1)
                                          ELSE Append(F(k - 1), log[k].tx)
              IN F(Len(log))

\* What the service knows now about TxID v.s (the status a node with all the
\* facts reports; CCF's tx_status decision table).
CommittedNow(id) == id[2] <= commitSeq /\ Latest[id[2]].view = id[1]
InvalidNow(id) ==
    \/ id[2] <= commitSeq /\ Latest[id[2]].view /= id[1]
    \/ id[2] > commitSeq /\ commitSeq > 0 /\ Latest[commitSeq].view > id[1]
HeldNow(id) ==
    id[1] \in DOMAIN branches /\ id[2] \in DOMAIN branches[id[1]] /\ branches[id[1]][id[2]].view = id[1]

\* The requests of history h, and of the history so far.
RequestedIn(h) == {h[i].tx : i \in {j \in DOMAIN h : h[j].type \in {RwReq, RoReq}}}
Requested == RequestedIn(history)
Executed == UNION {{branches[v][k].tx : k \in DOMAIN branches[v]} : v \in DOMAIN branches}

TypeOK ==
    /\ \A v \in DOMAIN branches : \A k \in DOMAIN branches[v] : branches[v][k].view \in 1..v
    /\ commitSeq \in 0..Len(Latest)
    /\ session \in [Clients -> 0..Len(branches)]
    /\ \A c \in Clients : inflight[c].kind \in {"rw", "ro", "none"}

------------------------------------------------------------------------------
\* Initial states: views 1..first exist (a trace may start in a later view), all empty.

InitFrom(first) ==
    /\ history = <<>>
    /\ branches = [v \in 1..first |-> <<>>]
    /\ commitSeq = 0
    /\ session = [c \in Clients |-> 0]
    /\ inflight = [c \in Clients |-> Idle]

Init == InitFrom(1)

------------------------------------------------------------------------------
\* Client actions: each appends one event to the history.

RwTxRequest(c, x) ==
    /\ inflight[c].kind = "none"
    /\ x \notin Requested
    /\ history' = Append(history, Ev(RwReq, x, c, NoTxId, <<>>, ""))
    /\ inflight' = [inflight EXCEPT ![c] = [tx |-> x, kind |-> "rw", at |-> NoTxId]]
    /\ session[c] /= 0
    /\ UNCHANGED <<branches, commitSeq, session>>

RoTxRequest(c, x) ==
    /\ inflight[c].kind = "none"
    /\ x \notin Requested
    /\ history' = Append(history, Ev(RoReq, x, c, NoTxId, <<>>, ""))
    /\ inflight' = [inflight EXCEPT ![c] = [tx |-> x, kind |-> "ro", at |-> NoTxId]]
    /\ session[c] /= 0
    /\ UNCHANGED <<branches, commitSeq, session>>

\* The speculative response of an executed read-write transaction: its TxID
\* and the list up to its own entry.
RwTxResponse(c) ==
    LET f == inflight[c]
    IN /\ f.kind = "rw" /\ f.at /= NoTxId
       /\ history' = Append(history, Ev(RwResp, f.tx, c, f.at,
                                        TxsOf(SubSeq(branches[f.at[1]], 1, f.at[2])), ""))
       /\ inflight' = [inflight EXCEPT ![c] = Idle]
       /\ UNCHANGED <<branches, commitSeq, session>>

\* The TxIDs that responses in history h told client c, and so far.
ToldIn(h, c) == {h[i].tx_id : i \in {j \in DOMAIN h : h[j].type \in {RwResp, RoResp} /\ h[j].client = c}}
Told(c) == ToldIn(history, c)

\* The last seqno of branch b that holds a TxID client c was told (0 if none):
\* what the session has seen of b.  A read of the session must hold it (CCF's
\* session consistency: a node that lacks the session's last TxID forwards
\* the read or makes it wait).
SessionSeq(c, b) ==
    LET held == {id[2] : id \in {x \in Told(c) : x[2] \in DOMAIN b /\ b[x[2]].view = x[1]}}
    IN IF held = {} THEN 0 ELSE CHOOSE n \in held : \A m \in held : m <= n

\* The answer of a read-only transaction that read log b: every write in it,
\* and the TxID of its last entry.
RoRespond(c, b) ==
    /\ b /= <<>>
    /\ history' = Append(history, Ev(RoResp, inflight[c].tx, c, <<b[Len(b)].view, Len(b)>>, TxsOf(b), ""))
    /\ inflight' = [inflight EXCEPT ![c] = Idle]
    /\ UNCHANGED <<branches, commitSeq, session>>

\* A read-only transaction executes and responds in one step on a node of the
\* session's view: its leader, or a backup whose log lags behind (a prefix of
\* the branch, committed or not: CCF serves a read from the node's own state),
\* as long as that prefix holds the session's last TxID.
RoTxResponse(c) ==
    LET b == branches[session[c]]
    IN /\ inflight[c].kind = "ro"
       /\ \E n \in SessionSeq(c, b)..Len(b) : n > 0 /\ RoRespond(c, SubSeq(b, 1, n))

\* A status answer for a TxID one of the client's own responses carried.  A
\* client stops asking once it was told a final status after its latest
\* response with that TxID (read-only responses share TxIDs, and a client
\* polls each response's TxID anew).
StatusOf(id) ==
    (IF CommittedNow(id) THEN {Committed} ELSE {})
    \cup (IF InvalidNow(id) THEN {Invalid} ELSE {})
    \cup (IF ReportUncertain THEN {Unknown} \cup (IF HeldNow(id) THEN {Pending} ELSE {}) ELSE {})

\* Whether client c may ask about id after history h (its conditions on the
\* history alone, so that trace validation can check a run of answers at once).
MayAsk(h, c, id) ==
    LET told == {i \in DOMAIN h : h[i].type \in {RwResp, RoResp} /\ h[i].client = c /\ h[i].tx_id = id}
        last == CHOOSE i \in told : \A k \in told : k <= i
    IN /\ told /= {}
       /\ ~\E i \in DOMAIN h : /\ i > last /\ h[i].type = StatusEv /\ h[i].client = c
                              /\ h[i].tx_id = id /\ h[i].status \in {Committed, Invalid}

\* The answer itself, once the client may ask.
TxAnswer(c, id, st) ==
    /\ st \in StatusOf(id)
    /\ history' = Append(history, Ev(StatusEv, NoTx, c, id, <<>>, st))
    /\ UNCHANGED <<branches, commitSeq, session, inflight>>

TxStatus(c, id, st) == MayAsk(history, c, id) /\ TxAnswer(c, id, st)

------------------------------------------------------------------------------
\* Service actions: invisible to clients.

\* The session's leader executes its read-write transaction (a deposed leader too).
RwTxExecute(c) ==
    LET f == inflight[c]
        v == session[c]
    IN /\ f.kind = "rw" /\ f.at = NoTxId
       /\ branches' = [branches EXCEPT ![v] = Append(@, [view |-> v, tx |-> f.tx])]
       /\ inflight' = [inflight EXCEPT ![c].at = <<v, Len(branches[v]) + 1>>]
       /\ UNCHANGED <<history, commitSeq, session>>

\* An internal entry (a signature, a governance transaction) on view v's branch.
AppendSignature(v) ==
    /\ branches' = [branches EXCEPT ![v] = Append(@, [view |-> v, tx |-> NoTx])]
    /\ UNCHANGED <<history, commitSeq, session, inflight>>

\* The newest view commits up to one of its own signatures.
AdvanceCommit(s) ==
    /\ s > commitSeq /\ s <= Len(Latest)
    /\ Latest[s].tx = NoTx /\ Latest[s].view = Len(branches)
    /\ commitSeq' = s
    /\ UNCHANGED <<history, branches, session, inflight>>

\* An election: the new view's log is a signed prefix of some branch that
\* holds the committed prefix; the rest of that branch is rolled back.
SignedAt(v, n) == n = commitSeq \/ branches[v][n].tx = NoTx
SignedPrefixes(v) == {n \in commitSeq..Len(branches[v]) : SignedAt(v, n)}
\* Whether branch v holds the committed prefix (a new view may start from it).
HoldsCommitted(v) ==
    Len(branches[v]) >= commitSeq /\ SubSeq(branches[v], 1, commitSeq) = SubSeq(Latest, 1, commitSeq)

NewView(v, n) ==
    /\ HoldsCommitted(v)
    /\ n \in SignedPrefixes(v)
    /\ branches' = Append(branches, SubSeq(branches[v], 1, n))
    /\ UNCHANGED <<history, commitSeq, session, inflight>>

\* A client connects to the newest branch; a session moves to a branch w
\* (another node, which may be a deposed leader's or follow one) once every
\* entry of its branch that it has seen and w lacks is provably Invalid (the
\* entries after them it never saw, as a backup that lags serves it).  Not
\* while a write of it is executed (its TxID is bound to its branch); a
\* request not yet executed goes to whichever node holds the session's last
\* TxID, as in CCF.
CanMoveTo(c, w) ==
    LET b == branches[session[c]]
        d == branches[w]
    IN \A k \in 1..SessionSeq(c, b) : (k <= Len(d) /\ d[k] = b[k]) \/ InvalidNow(<<b[k].view, k>>)

MoveSessionTo(c, w) ==
    /\ inflight[c].at = NoTxId
    /\ session[c] /= w
    /\ IF session[c] = 0 THEN w = Len(branches) ELSE CanMoveTo(c, w)
    /\ session' = [session EXCEPT ![c] = w]
    /\ UNCHANGED <<history, branches, commitSeq, inflight>>

CanMove(c) == CanMoveTo(c, Len(branches))
MoveSession(c) == MoveSessionTo(c, Len(branches))

------------------------------------------------------------------------------

\* The next request id: requests are numbered from 0 in order.
NextTx == Cardinality({i \in Idx : IsRequest(i)})

ClientNext ==
    \E c \in Clients :
        \/ RwTxRequest(c, NextTx)
        \/ RoTxRequest(c, NextTx)
        \/ RwTxResponse(c)
        \/ RoTxResponse(c)
        \/ \E i \in Idx : \E st \in {Committed, Invalid, Pending, Unknown} :
             IsResponse(i) /\ TxStatus(c, history[i].tx_id, st)

ServiceNext ==
    \/ \E c \in Clients : RwTxExecute(c) \/ \E w \in DOMAIN branches : MoveSessionTo(c, w)
    \/ \E v \in DOMAIN branches : AppendSignature(v)
    \/ \E s \in DOMAIN Latest : AdvanceCommit(s)
    \/ \E v \in DOMAIN branches : \E n \in SignedPrefixes(v) : NewView(v, n)

Next == ClientNext \/ ServiceNext

Spec == Init /\ [][Next]_vars

\* The history only grows.
HistoryAppendOnlyProp == [][IsPrefix(history, history')]_vars

=============================================================================
