---------------------------- MODULE MCConsistency ----------------------------
(***************************************************************************)
(* Bounded model checking of Consistency.tla's own Spec.  The MC*.cfg      *)
(* files choose the clients and the bounds of StateConstraint; reachability *)
(* properties named Debug... state that something never happens and must *)
(* be violated, so a bound cannot make the passing models vacuous.       *)
(***************************************************************************)
EXTENDS Consistency, TLC

CONSTANTS
    \* Bounds: events in the history, views, entries per branch.
    HistoryLimit, MaxViews, MaxSeq,
    \* Clients that only read (a smaller model for the read-only counterexample).
    Readers

StateConstraint ==
    /\ Len(history) <= HistoryLimit
    /\ Len(branches) <= MaxViews
    /\ \A v \in DOMAIN branches : Len(branches[v]) <= MaxSeq
    /\ \A c \in Readers : inflight[c].kind /= "rw"

Symmetry == Permutations(Clients)

\* Models append an internal entry only after a transaction or at the start of
\* a view (two in a row show clients nothing new); every cfg overrides
\* AppendSignature <- MCAppendSignature.
MCAppendSignature(v) ==
    /\ IF branches[v] = <<>> THEN TRUE ELSE branches[v][Len(branches[v])].tx /= NoTx
    /\ branches' = [branches EXCEPT ![v] = Append(@, [view |-> v, tx |-> NoTx])]
    /\ UNCHANGED <<history, commitSeq, session, inflight>>

\* Reachability (each must be violated).
DebugNoCommitInv == ~\E i \in Idx : history[i].status = Committed
DebugNoInvalidInv == ~\E i \in Idx : history[i].status = Invalid
DebugAtMostOneCommitInv == Cardinality(CommittedRw(CommittedIds)) <= 1
\* Two read-write transactions answered with one seqno in two views.
DebugNoSeqnoReuseInv ==
    ~\E i, j \in Idx : IsRw(i) /\ IsRw(j) /\ history[i].tx_id[2] = history[j].tx_id[2]
                       /\ history[i].tx_id[1] /= history[j].tx_id[1]

=============================================================================
