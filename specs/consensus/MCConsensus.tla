----------------------------- MODULE MCConsensus -----------------------------
(***************************************************************************)
(* Bounded model checking of Consensus.tla.  The cfg files MCConsensus*.cfg *)
(* choose the nodes, the start configuration, the reconfigurations a       *)
(* leader may propose and the bounds.                                      *)
(***************************************************************************)
EXTENDS ConsensusProperties

CONSTANTS
    \* Whether the network may lose messages in this model.
    MCLoss,
    \* The node that starts the service, and its start configuration.
    StartNode, InitialConfig,
    \* Nodes with PreVote enabled at the start.
    InitialPreVote,
    \* Bounds (see StateConstraint).
    MaxTerm, MaxLogLen, MaxInFlight

ASSUME StartNode \in InitialConfig /\ InitialConfig \subseteq Servers

MCInit == InitFrom(StartNode, InitialConfig, InitialPreVote)

\* Model checking sends maximal batches only: CCF's batches hold up to 20
\* entries of one term, more than these ledgers ever hold.
MCSendAppendEntries(i, j) ==
    LET ends == AppendEntriesEnds(NodeState(i), j)
    IN ends /= {} /\ SendAppendEntriesTo(i, j, Max(ends))

MCNext ==
    \/ \E i \in Servers : BecomePreVoteCandidate(i)
    \/ \E i \in Servers : BecomeCandidate(i)
    \/ \E i \in Servers : BecomeLeader(i)
    \/ \E i \in Servers : CheckQuorum(i)
    \/ \E i \in Servers : ClientRequest(i)
    \/ \E i \in Servers : SignCommittableMessages(i)
    \/ \E i \in Servers : \E c \in Reconfigurations : ChangeConfiguration(i, c)
    \/ \E i \in Servers : AppendRetiredCommitted(i)
    \/ \E i \in Servers : AdvanceCommitIndex(i)
    \/ \E i \in Servers : EnablePreVote(i)
    \/ \E i, j \in Servers : MCSendAppendEntries(i, j)
    \/ \E i, j \in Servers : RcvAppendEntriesRequest(i, j)
    \/ \E i, j \in Servers : RcvAppendEntriesResponse(i, j)
    \/ \E i, j \in Servers : RcvRequestVoteRequest(i, j)
    \/ \E i, j \in Servers : RcvRequestVoteResponse(i, j)
    \/ \E i, j \in Servers : RcvProposeVoteRequest(i, j)
    \/ MCLoss /\ \E m \in Net!Messages : DropMessage(m)

MCSpec == MCInit /\ [][MCNext]_vars

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
    << serverVars, votedFor, leaderId, isNewFollower, preVoteEnabled, logVars, peers,
       [i \in Servers |-> IF leadershipState[i] \in {Candidate, PreVoteCandidate}
                          THEN votesGranted[i] ELSE {}],
       [i \in Servers |-> IF leadershipState[i] = Leader THEN sentIndex[i] ELSE <<>>],
       [i \in Servers |-> IF leadershipState[i] = Leader THEN matchIndex[i] ELSE <<>>],
       messages >>

=============================================================================
