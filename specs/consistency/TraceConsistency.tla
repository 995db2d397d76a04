------------------------- MODULE TraceConsistency -------------------------
(***************************************************************************)
(* Trace validation of client histories (tracecheck validate --spec        *)
(* consistency) against Consistency.tla.                                   *)
(*                                                                         *)
(* The histories come in a generated module TraceData                      *)
(* (tracecheck.validation.consistency.module): TraceLogs[t] is the t-th    *)
(* history of a batch, a sequence of event records of exactly the shape    *)
(* the spec appends (ConsistencyEvents.Ev).  Variable t picks the history, *)
(* l is the index of the next event to match.  A client step matches event *)
(* l iff the spec's own action for that event appends exactly that record. *)
(* The service's steps (execute, signature, commit, election, session      *)
(* move) are invisible; they are stuttering steps for l, guided so that    *)
(* the search stays small: a write executes at the TxID its response will  *)
(* report, a signature never takes a seqno some write of that view is     *)
(* told and is appended only when needed (NeedsEntry), views and seqnos    *)
(* stay within what the history mentions (plus one view no TxID names and  *)
(* one signature to commit the last write), views start only just before  *)
(* an event that needs them (TraceNewView), commits happen only before a   *)
(* final status answer, a session's move or an election (TraceCommit),     *)
(* new views start from canonical prefixes (CanonStart), and sessions      *)
(* move only when their branch cannot serve their next step (TraceMove).   *)
(* No service step comes before a Pending or Unknown answer, and a run of  *)
(* them is matched in one step (QuietAt: the commutation argument).        *)
(*                                                                         *)
(* Reporting follows the PrintT protocol of tracecheck.validation.tlc_run. *)
(* The invariants are checked on fully matched behaviours only (a prefix   *)
(* of a behaviour may violate them spuriously): such a state is reported   *)
(* (tv-inv) and not counted as reaching the end.                           *)
(***************************************************************************)
EXTENDS Consistency, TraceData, TLC

VARIABLES
    \* Index of the history of the batch that this behaviour replays.
    t,
    \* Index of the next event of TraceLogs[t] to match.
    l

TraceClients == UNION {TraceClientSets[k] : k \in DOMAIN TraceClientSets}

TraceLog == TraceLogs[t]
E == TraceLog[l]

------------------------------------------------------------------------------
\* Client steps: the spec's action for the event, appending exactly it.

\* What the spec reads from the history, as constants.  The history is
\* exactly TraceLog[1..l-1] in every state that matched l-1 events, so what
\* the spec computes from it is a constant per l, which TLC evaluates once
\* with the spec's own operators (scanning the history per state took most
\* of the time on histories of 200 events).  TraceAskable[t][k]: whether
\* the client of status event k may ask (MayAsk) after the events before it.
\* TraceToldNow and TraceRequested replace Told and Requested (the cfg's
\* overrides).
Before(k, i) == SubSeq(TraceLogs[k], 1, i - 1)
TraceAskable ==
    [k \in DOMAIN TraceLogs |->
        [i \in DOMAIN TraceLogs[k] |->
            LET e == TraceLogs[k][i]
            IN e.type = StatusEv /\ MayAsk(Before(k, i), e.client, e.tx_id)]]
TraceToldBefore ==
    [k \in DOMAIN TraceLogs |->
        [i \in 1..Len(TraceLogs[k]) + 1 |-> [c \in TraceClients |-> ToldIn(Before(k, i), c)]]]
TraceRequestedBefore ==
    [k \in DOMAIN TraceLogs |-> [i \in 1..Len(TraceLogs[k]) + 1 |-> RequestedIn(Before(k, i))]]
TraceToldNow(c) == TraceToldBefore[t][l][c]
TraceRequested == TraceRequestedBefore[t][l]

\* A Pending or Unknown answer is quiet: enabled in every state its prefix
\* reaches (Unknown always; Pending for a TxID a response told the client,
\* whose entry is then in its view's branch, and branches only grow), and it
\* changes only the history, which no service action reads but through
\* responses (SessionSeq).  So every service step taken just before it
\* commutes with it and can be taken after it instead: a behaviour matching
\* the history becomes one with no service step before a quiet event, and a
\* run of quiet events is matched in one step (QuietRun), each event checked
\* by the spec's own conditions, up to the first one they refuse (where the
\* history is then rejected, at the same line as event by event).
QuietAt(k) == TraceLog[k].type = StatusEv /\ TraceLog[k].status \in {Pending, Unknown}
Quiet == QuietAt(l)

RECURSIVE QuietRun(_, _)
QuietRun(h, k) ==
    IF /\ k <= Len(TraceLog) /\ QuietAt(k)
       /\ LET e == TraceLog[k]
          IN /\ e = Ev(StatusEv, NoTx, e.client, e.tx_id, <<>>, e.status)
             /\ TraceAskable[t][k] /\ e.status \in StatusOf(e.tx_id)
    THEN QuietRun(Append(h, TraceLog[k]), k + 1)
    ELSE <<h, k>>

TraceClientStep ==
    /\ l <= Len(TraceLog)
    /\ IF Quiet
       THEN LET r == QuietRun(history, l)
            IN /\ r[2] > l
               /\ history' = r[1] /\ l' = r[2]
               /\ UNCHANGED <<branches, commitSeq, session, inflight>>
       ELSE /\ CASE E.type = RwReq -> RwTxRequest(E.client, E.tx)
                  [] E.type = RoReq -> RoTxRequest(E.client, E.tx)
                  [] E.type = RwResp -> RwTxResponse(E.client)
                  [] E.type = RoResp -> RoTxResponse(E.client)
                  [] E.type = StatusEv -> TraceAskable[t][l] /\ TxAnswer(E.client, E.tx_id, E.status)
            /\ history'[Len(history')] = E
            /\ l' = l + 1
    /\ UNCHANGED t

------------------------------------------------------------------------------
\* Service steps, guided by the rest of the history.

\* The TxID the history reports for write x (NoTxId if it is never
\* answered): TraceToldIds[t][x + 1], precomputed by the adapter.
ToldId(x) == IF x + 1 \in DOMAIN TraceToldIds[t] THEN TraceToldIds[t][x + 1] ELSE NoTxId

LastNamedView == IF TraceViews[t] = {} THEN 0 ELSE CHOOSE v \in TraceViews[t] : \A w \in TraceViews[t] : w <= v

\* Views no TxID names between two named ones (elections nobody won, or
\* whose entries no client was told) are interchangeable but for their
\* numbers: only the last of such a run gets entries of its own (the
\* earlier ones are copies of the committed prefix; what a commit of an
\* earlier one proves, the same signature at the same seqno of the last one
\* proves as well, its view being larger and equally unnamed).
OwnEntries(v) == v \in TraceViews[t] \/ v + 1 \in TraceViews[t] \/ v > LastNamedView

\* Whether a later event observes write x (TraceLastObserved, precomputed).
ObservedLater(x) == x + 1 \in DOMAIN TraceLastObserved[t] /\ TraceLastObserved[t][x + 1] >= l

TraceExecute ==
    \E c \in Clients :
        /\ inflight[c].kind = "rw" /\ inflight[c].at = NoTxId
        /\ LET id == ToldId(inflight[c].tx)
           IN IF id = NoTxId THEN ObservedLater(inflight[c].tx)
              ELSE id = <<session[c], Len(branches[session[c]]) + 1>>
        /\ RwTxExecute(c)

\* Whether seqno s of the newest branch is a signature of its own view (a
\* commit point).
OwnSignature(s) == Latest[s].tx = NoTx /\ Latest[s].view = Len(branches)
\* Whether the newest branch has a commit point at or after seqno k.
CommitPointFrom(k) == \E j \in k..Len(Latest) : OwnSignature(j)
\* Whether log b holds TxID id.
HoldsId(b, id) == id[2] \in DOMAIN b /\ b[id[2]].view = id[1]
\* Whether no commit point of the newest branch lies in k..s-1 (s itself is
\* one when AdvanceCommit(s) is taken).
FirstCommitPointFrom(k, s) == s >= k /\ \A j \in k..(s - 1) : ~OwnSignature(j)

\* Views start lazily.  An election commutes with every client step that
\* neither reads the new branch nor depends on its commit (a status answer
\* sees the same committed prefix on the new branch), so it can wait until
\* the first event that needs it.  A view some TxID names starts, from any
\* signed prefix, just before the first event naming it or a later view (for
\* a request: whose response does), or before a Committed or Invalid answer
\* for v.s if no named view lies between v and it (a commit there may prove
\* the answer; ProofView).  A view no TxID names (an election no client
\* saw) between named ones starts just before the first event naming a
\* later one or such an Invalid answer, as a copy of the committed prefix
\* (an election nobody won: only a step to the later view, which may start
\* from any branch); the one past the last named view (TraceMaxView) just
\* before an Invalid answer (a commit there may prove it) or a request (its
\* session may move there), from any signed prefix.  Any other moment or
\* prefix explains nothing more and would multiply the states (service runs
\* have runs of elections no client sees).

\* The view event E names: its TxID's, or for a request its response's (0:
\* none); precomputed (TraceNamed).
NamedNext == TraceNamed[t][l]

\* Whether the final answer E gives holds already: a new view then explains
\* nothing more (it keeps the committed prefix, which alone decides the
\* answer, so it can start after the answer instead).
Proved ==
    \/ E.status = Committed /\ CommittedNow(E.tx_id)
    \/ E.status = Invalid /\ InvalidNow(E.tx_id)

\* Whether the newest branch holds id but cannot commit it: it has no commit
\* point at or after it and cannot append one (a write is told its next seqno).
NewestBlocked(id) ==
    /\ HoldsId(Latest, id)
    /\ ~CommitPointFrom(id[2])
    /\ <<Len(branches), Len(Latest) + 1>> \in TraceRwIds[t]

\* A final answer for v.s needs at most the views up to the first named view
\* after v (a commit there proves it): a view u starts before it only if no
\* named view lies between v and u, or u is at most the next record view
\* named (TraceAhead: larger than every view named before it), which starts
\* before that event anyway: a commit in the first named view after v may
\* contradict a later event (seed 14: 2.7 Invalid at line 30 is proved by the
\* commit of 9.5, which line 32 names; a commit in view 3 would take seqno 5).
\* So may the views up to the first u past that record view that a later
\* TxID u.k names, with k <= s for an Invalid answer (u's branch cannot hold
\* v.s), k > s for a Committed one that the newest branch holds but cannot
\* commit (TraceProofView; seed 43: 2.5 Invalid at line 48 is proved by view
\* 7, which 7.5 names at line 53, though view 6 is named first, at line 50;
\* seed 30: 2.5 Committed at line 67 by view 8, while a deposed view-7
\* leader, told 7.8 next, still serves a write).  None starts for an answer
\* that holds already (Proved; an early view that lacks what a later event
\* needs lingers until that event rejects it: seed 22's states fell 4x).
ProofView(u) ==
    /\ E.status \in {Committed, Invalid} /\ ~Proved
    /\ \/ u <= TraceAhead[t][l] \/ ~\E w \in TraceViews[t] : E.tx_id[1] < w /\ w < u
       \/ u <= TraceProofView[t][l] /\ (E.status = Invalid \/ NewestBlocked(E.tx_id))

\* The first named view after u (u < LastNamedView).
NextNamedAfter(u) == CHOOSE w \in TraceViews[t] : w > u /\ \A x \in TraceViews[t] : x > u => w <= x

\* The k views before the next named one start at once, each a copy of the
\* committed prefix: k NewView steps from the newest branch's committed
\* prefix with nothing between them (none gets entries of its own before the
\* last, OwnEntries, so nothing could happen on them but sessions moving to a
\* copy that the last copy serves alike).
UnnamedRun(k) ==
    /\ branches' = branches \o [i \in 1..k |-> SubSeq(Latest, 1, commitSeq)]
    /\ UNCHANGED <<history, commitSeq, session, inflight>>

\* Of a run of signatures, a new view starts after the first (the others
\* hold nothing more) unless a TxID names a later one (what was told of it
\* may need it): the committed prefix, a signature just after a write, or a
\* named signature.
CanonStart(v, n) ==
    IF n = commitSeq THEN TRUE
    ELSE IF n > 1 /\ branches[v][n - 1].tx /= NoTx THEN TRUE
    ELSE <<branches[v][n].view, n>> \in TraceIds[t]

\* (Not from a view without entries of its own but the newest: such a
\* branch is a copy of a committed prefix, so what starts from it starts
\* from the newest branch's committed prefix as well.)
NewCanonView ==
    \E v \in {w \in DOMAIN branches : OwnEntries(w) \/ w = Len(branches)} :
        \E n \in SignedPrefixes(v) : CanonStart(v, n) /\ NewView(v, n)

\* Whether the view after the newest may start before E (the guards of the
\* three kinds above).
NewViewDue(u) ==
    /\ u <= TraceMaxView[t]
    /\ l <= Len(TraceLog)
    /\ \/ u \in TraceViews[t] /\ (NamedNext >= u \/ ProofView(u))
       \/ u \notin TraceViews[t] /\ u < LastNamedView /\ (NamedNext > u \/ ProofView(u))
       \/ u > LastNamedView /\ ((E.status = Invalid /\ ~Proved) \/ E.type \in {RwReq, RoReq})

TraceNewView ==
    LET u == Len(branches) + 1
    IN /\ NewViewDue(u)
       /\ IF u \notin TraceViews[t] /\ u < LastNamedView THEN UnnamedRun(NextNamedAfter(u) - u)
          ELSE NewCanonView

\* A client connects at any time (to the view that is newest then); a
\* session moves only just before its own event that its branch cannot
\* serve: a write request whose response names another view that exists
\* (to it), a read told a TxID its branch does not hold, or holds below the
\* session's floor (to a branch that holds it: a read told one at or above
\* the floor sees the same list on every branch holding it, since an
\* entry's TxID fixes the log before it); or, with a write in flight, before
\* the write executes in the view its response names (the newest, if it is
\* never answered but observed).
\* Whether c's branch can serve a read told id: it holds id at or after the
\* session's floor (SessionSeq).
Serves(c, id) ==
    LET b == branches[session[c]] IN HoldsId(b, id) /\ SessionSeq(c, b) <= id[2]

\* Where: the view the write's response names, or a branch holding the TxID
\* the read is told (the newest, or a deposed one whose node serves it).
MoveTargets ==
    IF E.type = RwReq THEN {NamedNext} ELSE {w \in DOMAIN branches : HoldsId(branches[w], E.tx_id)}

WantsMove ==
    /\ l <= Len(TraceLog) /\ session[E.client] /= 0
    /\ \/ E.type = RwReq /\ NamedNext \notin {0, session[E.client]} /\ NamedNext \in DOMAIN branches
       \/ E.type = RoResp /\ ~Serves(E.client, E.tx_id) /\ MoveTargets /= {}

\* A write in flight, not yet executed, whose response names another view
\* that exists (its session moved after the request was sent), or that is
\* never answered but a later event observes (to the newest view: a session
\* that connected before the view its write executes in started).
ExecTarget(c) == IF ToldId(inflight[c].tx) = NoTxId THEN Len(branches) ELSE ToldId(inflight[c].tx)[1]
ExecMove(c) ==
    /\ inflight[c].kind = "rw" /\ inflight[c].at = NoTxId /\ session[c] \notin {0, ExecTarget(c)}
    /\ ExecTarget(c) \in DOMAIN branches
    /\ ToldId(inflight[c].tx) /= NoTxId \/ ObservedLater(inflight[c].tx)

\* A session whose next write is told a view that a later view is named
\* before (a deposed leader's write: TraceNextWrite) may move there while it
\* is the newest (what lets it move may be a commit of that view, which only
\* the newest makes; seed 10).
EarlyMove(c) ==
    \* (Clients is the whole batch's; a client of another history has no entry)
    /\ l <= Len(TraceLog) /\ c \in DOMAIN TraceNextWrite[t][l]
    /\ TraceNextWrite[t][l][c] = Len(branches) /\ session[c] \notin {0, Len(branches)}

TraceMove ==
    \/ \E c \in Clients : session[c] = 0 /\ MoveSession(c)
    \/ WantsMove /\ \E w \in MoveTargets : MoveSessionTo(E.client, w)
    \/ \E c \in Clients : ExecMove(c) /\ MoveSessionTo(c, ExecTarget(c))
    \/ \E c \in Clients : EarlyMove(c) /\ MoveSession(c)

\* A move above that only a commit of the newest view can enable.
MoveNeedsCommit ==
    \/ WantsMove /\ \E w \in MoveTargets : ~CanMoveTo(E.client, w)
    \/ \E c \in Clients : ExecMove(c) /\ ~CanMoveTo(c, ExecTarget(c))
    \/ \E c \in Clients : EarlyMove(c) /\ ~CanMove(c)
\* A move above to the newest view that an event names (the commit may also
\* have to come before the next view starts; not for a write never answered).
MoveToNewest ==
    \/ WantsMove /\ Len(branches) \in MoveTargets
    \/ \E c \in Clients : ExecMove(c) /\ ToldId(inflight[c].tx) /= NoTxId /\ ExecTarget(c) = Len(branches)

\* Whether the newest branch holds, past the commit, a TxID a later answer
\* reports Committed with no commit point at or after it (CommitsLater needs
\* a signature first; seed 41: 4.16 Committed at line 49 needs view 4 to sign
\* and commit 4.17 before view 5 starts at line 37).
\* Whether a later answer reports the TxID at seqno k of the newest branch Committed.
CommittedLater(k) == <<Latest[k].view, k>> \in TraceCommittedIds[t]
UnsignedLater == \E k \in (commitSeq + 1)..Len(Latest) : CommittedLater(k) /\ ~CommitPointFrom(k)

\* A signature is appended only when something needs it: a write in flight
\* told view v is told a seqno past the next one (not one on v told another
\* view: it executes only after its session moved there); the next event is
\* a Committed answer for v.s and the newest branch has no commit point at
\* or after s, or an Invalid answer not yet proved or a move only a commit
\* enables and it has none past the commit (to commit); or a read is told a
\* seqno past the end of the newest branch (its session may move there), of
\* its client's branch (told a signature's TxID) or of the branch of the view
\* it is told (a deposed leader signs on; seed 19, line 102: 10.8 after view
\* 12 took over from 10.5); or the next view is due and the newest must
\* first commit a TxID reported Committed later (UnsignedLater) or v's next
\* signature is one a TxID names (a new view may start after it, CanonStart;
\* seed 19: view 24 starts from 21.9, which a read is told only after 24.10
\* responded, line 139); or v ends with a write, the next view is due and it
\* is named only past v's next seqno (it may start from v there, CanonStart;
\* seed 30: view 7 starts from view 2's signature 2.7, after its writes 2.5
\* and 2.6, and is named only by 7.8).  A signature commutes with every other
\* client step (a write's response reads its branch only up to its own
\* entry; a status answer, only the committed prefix and its own TxID's
\* entry).
NeedsEntry(v) ==
    \/ \E c \in Clients : /\ inflight[c].kind = "rw" /\ inflight[c].at = NoTxId
                         /\ v = ToldId(inflight[c].tx)[1]
                         /\ ToldId(inflight[c].tx)[2] > Len(branches[v]) + 1
    \/ /\ l <= Len(TraceLog) /\ E.tx_id /= NoTxId
       /\ \/ E.status = Committed /\ v = Len(branches) /\ ~CommitPointFrom(E.tx_id[2])
          \/ E.status = Invalid /\ ~Proved /\ v = Len(branches) /\ ~CommitPointFrom(commitSeq + 1)
          \/ E.type = RoResp /\ v \in {Len(branches), session[E.client], E.tx_id[1]} /\ E.tx_id[2] > Len(branches[v])
    \/ v = Len(branches) /\ MoveNeedsCommit /\ ~CommitPointFrom(commitSeq + 1)
    \/ LET u == Len(branches) + 1
       IN /\ NewViewDue(u)
          /\ \/ v = Len(branches) /\ UnsignedLater
             \/ <<v, Len(branches[v]) + 1>> \in TraceIds[t]
             \/ /\ u \in TraceViews[t] /\ Len(branches[v]) + 1 < TraceFirstSeq[t][u]
                /\ branches[v] /= <<>> /\ branches[v][Len(branches[v])].tx /= NoTx

TraceSignature ==
    \E v \in DOMAIN branches :
        /\ Len(branches[v]) <= TraceMaxSeq[t]
        /\ <<v, Len(branches[v]) + 1>> \notin TraceRwIds[t]
        /\ OwnEntries(v)
        /\ NeedsEntry(v)
        /\ AppendSignature(v)

\* Before a new view starts, the newest may commit to the first signature of
\* its own after a TxID it holds that a later answer reports Committed (a
\* later view can commit it only past a signature of its own; seed 25: 2.4
\* Committed at line 10 is possible only if view 2 commits it before view 3
\* starts, since 3.5 is rolled back and 10.5 is a write).
CommitsLater(s) ==
    \E k \in (commitSeq + 1)..s : CommittedLater(k) /\ FirstCommitPointFrom(k, s)

\* Before a Committed answer for v.s, the commit advances to the first
\* signature at or after s only (committing more is never needed later, and
\* choosing among all signatures would multiply the states by the commit
\* points); before an Invalid answer or a session's move, to any signature
\* (not only the first that proves the answer: a commit in the old view may
\* have to come first, so that the new view holds what a later read is
\* told; InvalidWithoutEvidence seed 4, lines 15 and 18); before a new
\* view starts, as CommitsLater says.
TraceCommit ==
    /\ l <= Len(TraceLog)
    /\ \E s \in DOMAIN Latest :
        /\ IF E.status = Committed
           THEN FirstCommitPointFrom(E.tx_id[2], s)
           ELSE \/ (E.status = Invalid /\ ~Proved) \/ MoveNeedsCommit \/ MoveToNewest
                \/ NewViewDue(Len(branches) + 1) /\ CommitsLater(s)
        /\ AdvanceCommit(s)

\* No service step before a quiet event (see QuietAt) nor after the last event.
TraceServiceStep ==
    /\ l <= Len(TraceLog) /\ ~Quiet
    /\ TraceExecute \/ TraceSignature \/ TraceCommit \/ TraceNewView \/ TraceMove
    /\ UNCHANGED <<t, l>>

TraceNext == TraceClientStep \/ TraceServiceStep

\* States are told apart without the history: it is TraceLog[1..l-1] in
\* every state that matched l-1 events, and fingerprinting it (observed
\* lists grow with the history) would make each state cost its length.
\* A branch neither newest nor serving a session nor named by a later
\* response (a session may move to it for a write, its deposed leader may
\* append signatures for a read: TraceLastResponse) gets no more entries;
\* only a new view's start (a canonical signed prefix), a Pending answer and
\* a session's move (a named TxID it holds) read it, so its tail past the
\* last of those is dropped too.
Dead(v) == v < Len(branches) /\ TraceLastResponse[t][v] < l /\ \A c \in Clients : session[c] /= v
\* (Kept scans back from the end: the view is computed for every state TLC
\* generates, and building the set of signed prefixes there was its largest
\* cost.)
Kept(v) ==
    LET b == branches[v]
        Keep(k) == \/ k >= commitSeq /\ SignedAt(v, k) /\ CanonStart(v, k)
                   \/ <<b[k].view, k>> \in TraceIds[t]
        RECURSIVE Last(_)
        Last(k) == IF k = 0 \/ Keep(k) THEN k ELSE Last(k - 1)
    IN SubSeq(b, 1, Last(Len(b)))

\* Below the commit point, a signature no TxID of the history names that a
\* branch shares with the newest is told apart by nothing but its view: a
\* step compares such entries only for equality (moves, new views), and
\* the newest branch holds it, so it is not Invalid.  Which view wrote it (a
\* commit chosen early: states that differ only there never merge) becomes
\* a placeholder (view 0, which no branch has).
Placeholder == [view |-> 0, tx |-> NoTx]
Unnamed(b) ==
    [k \in DOMAIN b |->
        IF /\ k < commitSeq /\ b[k].tx = NoTx /\ b[k] = Latest[k]
           /\ <<b[k].view, k>> \notin TraceIds[t]
        THEN Placeholder ELSE b[k]]

\* A dead branch that no new view can start from (it lacks the committed
\* prefix, which the newest keeps for good) and that holds no TxID a later
\* read is told (TraceLastRead: a session may move to it for that read) is
\* read only by a Pending answer for a TxID of its own view it holds
\* (HeldNow): those TxIDs are all the VIEW keeps of it (seed 23 at line 157:
\* five dead branches in two to five variants each).
Source(v) == OwnEntries(v) /\ HoldsCommitted(v)
LaterReadHeld(v) ==
    \E id \in DOMAIN TraceLastRead[t] : TraceLastRead[t][id] >= l /\ HoldsId(branches[v], id)
DeadView(v) ==
    IF Source(v) \/ LaterReadHeld(v) THEN Unnamed(Kept(v))
    ELSE {k \in DOMAIN branches[v] : branches[v][k].view = v /\ <<v, k>> \in TraceIds[t]}

TraceView ==
    <<t, l, [v \in DOMAIN branches |-> IF Dead(v) THEN DeadView(v) ELSE Unnamed(branches[v])], commitSeq, session, inflight>>

TraceInit ==
    /\ t \in DOMAIN TraceLogs
    /\ l = 1
    /\ \A k \in DOMAIN TraceLogs : TLCSet(k, 0)
    /\ InitFrom(TraceFirstView[t])

------------------------------------------------------------------------------
\* Reporting (constraints that always hold, for their PrintT side effect).

TraceCheck(name, p) == p \/ ~PrintT(<<"tv-inv", t, l - 1, name>>)

TraceInvariantsHold ==
    /\ TraceCheck("ResponseFollowsRequestInv", ResponseFollowsRequestInv)
    /\ TraceCheck("UniqueRequestsInv", UniqueRequestsInv)
    /\ TraceCheck("UniqueTxIdsInv", UniqueTxIdsInv)
    /\ TraceCheck("UniqueTxsInv", UniqueTxsInv)
    /\ TraceCheck("StatusLatticeInv", StatusLatticeInv)
    /\ TraceCheck("OnlyObserveRequestedInv", OnlyObserveRequestedInv)
    /\ TraceCheck("InvalidNotObservedByCommittedInv", InvalidNotObservedByCommittedInv)
    /\ TraceCheck("CommittedRwSerializableInv", CommittedRwSerializableInv)
    /\ TraceCheck("CommittedRwRealTimeInv", CommittedRwRealTimeInv)
    /\ TraceCheck("CommittedRoSerializableInv", CommittedRoSerializableInv)
    /\ TraceCheck("ReadYourWritesInv", ReadYourWritesInv)
    /\ TraceCheck("MonotonicReadsInv", MonotonicReadsInv)

\* A fully matched behaviour counts only if it satisfies the invariants.  Once
\* every history of the batch is matched, the search stops (unless it runs
\* to diagnose, which needs every state before the failing event).
AllMatched == \A k \in DOMAIN TraceLogs : TLCGet(k) > Len(TraceLogs[k])

TraceReach ==
    IF TLCGet(t) < l /\ (l <= Len(TraceLog) \/ ~TraceCheckInvariants \/ TraceInvariantsHold)
    THEN /\ TLCSet(t, l) /\ PrintT(<<"tv-reach", t, l>>)
         /\ (~TraceDiagnose /\ AllMatched) => TLCSet("exit", TRUE)
    ELSE TRUE

\* What the spec would answer for event e now (diagnosis runs only).
Branch(c) == IF session[c] = 0 THEN <<>> ELSE branches[session[c]]
Tip(b) == IF b = <<>> THEN NoTxId ELSE <<b[Len(b)].view, Len(b)>>

TraceObservation(e) ==
    LET c == e.client
        f == inflight[c]
    IN [session |-> session[c],
        views |-> Len(branches),
        commit |-> IF commitSeq = 0 THEN NoTxId ELSE <<Latest[commitSeq].view, commitSeq>>,
        in_flight |-> IF f.kind = "none" THEN "none" ELSE f.kind,
        in_flight_tx |-> f.tx,
        tx_id |-> IF f.kind = "rw" THEN f.at ELSE IF f.kind = "ro" THEN Tip(Branch(c)) ELSE NoTxId,
        observed |-> IF f.kind = "rw" /\ f.at /= NoTxId
                     THEN TxsOf(SubSeq(branches[f.at[1]], 1, f.at[2]))
                     ELSE IF f.kind = "ro" THEN TxsOf(Branch(c)) ELSE <<>>,
        statuses |-> IF e.tx_id = NoTxId THEN {} ELSE StatusOf(e.tx_id)]

TraceFrontier ==
    (TraceDiagnose /\ l = Len(TraceLog)) => PrintT(<<"tv-frontier", t, TraceObservation(E)>>)

=============================================================================
