----------------------------- MODULE MCConsensus -----------------------------
(***************************************************************************)
(* Bounded model checking of Consensus.tla.  The cfg files MCConsensus*.cfg *)
(* choose the nodes, the start configuration, the reconfigurations a       *)
(* leader may propose and the bounds.                                      *)
(***************************************************************************)
EXTENDS ConsensusProperties

CONSTANTS
    \* The node that starts the service, and its start configuration.
    StartNode, InitialConfig,
    \* Nodes with PreVote enabled at the start.
    InitialPreVote,
    \* Bounds (see StateConstraint).
    MaxTerm, MaxLogLen, MaxInFlight

ASSUME StartNode \in InitialConfig /\ InitialConfig \subseteq Servers

MCInit == InitFrom(StartNode, InitialConfig, InitialPreVote)

MCSpec == MCInit /\ [][Next]_vars

\* Bounds: terms, ledger lengths and messages in flight.
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
    << serverVars, votedFor, leaderId, isNewFollower, preVoteEnabled, logVars,
       [i \in Servers |-> IF leadershipState[i] \in {Candidate, PreVoteCandidate}
                          THEN votesGranted[i] ELSE {}],
       [i \in Servers |-> IF leadershipState[i] = Leader THEN sentIndex[i] ELSE <<>>],
       [i \in Servers |-> IF leadershipState[i] = Leader THEN matchIndex[i] ELSE <<>>],
       messages >>

=============================================================================
