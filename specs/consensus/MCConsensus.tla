----------------------------- MODULE MCConsensus -----------------------------
(***************************************************************************)
(* Bounded model checking of Consensus.tla's own Spec.  The cfg files      *)
(* MC*.cfg choose the nodes, the start configuration, the reconfigurations *)
(* a leader may propose and the bounds, and override a few definitions.    *)
(***************************************************************************)
EXTENDS ConsensusProperties

CONSTANTS
    \* The node that starts the service, and its start configuration.
    StartNode, InitialConfig,
    \* Nodes with PreVote enabled at the start.
    InitialPreVote,
    \* Bounds (see StateConstraint).
    MaxTerm, MaxLogLen, MaxInFlight

\* So MCInit is one of Consensus's initial states (Init).
ASSUME StartNode \in InitialConfig /\ InitialConfig \subseteq Servers /\ InitialPreVote \subseteq PreVoteCapable

\* The cfgs check Consensus's own Spec (Init /\ [][Next]_vars) with these
\* definition overrides (TLC's `Op <- MCOp` replaces Op wherever it is used,
\* in MCOp too, so an override never calls the operator it replaces):
\*   Init <- MCInit                               every cfg
\*   SendAppendEntries <- MCSendAppendEntries     every cfg
\*   InBounds <- StateConstraint                  every cfg
\*   MayRaiseTerm <- MCMayRaiseTerm               every cfg
\*   MayAppend <- MCMayAppend                     every cfg
\*   MaySend <- MCMaySend                         every cfg
\*   DropMessage <- MCNoLoss                      cfgs of a network without loss

\* The start chosen by the cfg.
MCInit == InitFrom(StartNode, InitialConfig, InitialPreVote)

\* StateConstraint's bounds, tested before a step raises node i's term by one,
\* appends one entry to its ledger, or sends one message of a type to each
\* node of dests (Consensus's MayRaiseTerm, MayAppend and MaySend).  At the
\* message bound such a send stays within it only if each of its messages is
\* already in flight (a set of messages), so only if some message of that
\* type from i is.  (IF, not \/: TLC explores each true disjunct of an action
\* as a branch of its own, the same successor twice.)
MCMayRaiseTerm(i) == currentTerm[i] < MaxTerm
MCMayAppend(i) == Len(log[i]) < MaxLogLen
MCMaySend(i, type, dests) ==
    IF dests = {} \/ Net!InFlight < MaxInFlight THEN TRUE
    ELSE {m \in Net!Messages : m.source = i /\ m.type = type} /= {}

\* Model checking sends maximal batches only: CCF's batches hold up to 20
\* entries of one term, more than these ledgers ever hold.
MCSendAppendEntries(i, j) ==
    /\ leadershipState[i] = Leader
    /\ j \in peers[i]
    /\ MCMaySend(i, AppendEntriesRequest, {j})
    /\ LET s == NodeState(i) IN SendAppendEntriesBatch(s, j, LastAppendEntriesEnd(s.log, s.sent[j]))

\* No message is lost.
MCNoLoss(m) == FALSE

\* Bounds: terms, ledger lengths and messages in flight.  Applied to every
\* successor through Spec's InBounds (not as a CONSTRAINT: TLC 2.15 checks
\* the invariants of each successor outside a CONSTRAINT before dropping it).
StateConstraint ==
    /\ \A i \in Servers : currentTerm[i] <= MaxTerm /\ Len(log[i]) <= MaxLogLen
    /\ Net!InFlight <= MaxInFlight

\* Nodes other than the start node are interchangeable when no
\* reconfiguration names them.
SymmetryNonStart == Permutations(InitialConfig \ {StartNode})

\* The view drops leader bookkeeping of non-leaders and votes of
\* non-candidates: become_leader and become_(pre_vote_)candidate reset them
\* before they are read again.
View ==
    << serverVars, votedFor, leaderId, isNewFollower, preVoteEnabled, logVars, peers,
       [i \in Servers |-> IF leadershipState[i] \in {Candidate, PreVoteCandidate}
                          THEN votesGranted[i] ELSE {}],
       [i \in Servers |-> IF leadershipState[i] = Leader THEN sentIndex[i] ELSE <<>>],
       [i \in Servers |-> IF leadershipState[i] = Leader THEN matchIndex[i] ELSE <<>>],
       messages >>

=============================================================================
