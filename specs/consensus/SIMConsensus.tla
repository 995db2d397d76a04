----------------------------- MODULE SIMConsensus -----------------------------
(***************************************************************************)
(* Simulation of Consensus.tla (TLC -simulate): random walks over more      *)
(* nodes than model checking can afford.  TLC's simulator picks one of the *)
(* actions of the next-state relation uniformly at random (each disjunct,  *)
(* and each value of a top-level \E, is an action), so progress is made    *)
(* more likely than faults by listing it several times.  (Random guards,   *)
(* e.g. RandomElement, would break TLC's replay of error traces.)  Runs    *)
(* are seedable (-seed) and bounded by -depth and -simulate num=N.         *)
(***************************************************************************)
EXTENDS ConsensusProperties

CONSTANTS
    StartNode, InitialConfig, InitialPreVote,
    \* Ledgers stop growing at MaxLogLen (keeps invariants cheap).
    MaxLogLen

ASSUME StartNode \in InitialConfig /\ InitialConfig \subseteq Servers

SIMInit == InitFrom(StartNode, InitialConfig, InitialPreVote)

Grow(i) == Len(log[i]) < MaxLogLen

\* Reactions: message handling, replication, commit, election wins (no new
\* entries, no timeouts); SIMHeal's fault-free phase reuses them.
Reactions ==
    \/ \E i \in Servers : AdvanceCommitIndex(i)
    \/ \E i \in Servers : BecomeLeader(i)
    \/ \E i \in Servers : leadershipState[i] = PreVoteCandidate /\ BecomeCandidate(i)
    \/ \E i, j \in Servers : SendAppendEntries(i, j)
    \/ \E i, j \in Servers : RcvAppendEntriesRequest(i, j)
    \/ \E i, j \in Servers : RcvAppendEntriesResponse(i, j)
    \/ \E i, j \in Servers : RcvRequestVoteRequest(i, j)
    \/ \E i, j \in Servers : RcvRequestVoteResponse(i, j)
    \/ \E i, j \in Servers : RcvProposeVoteRequest(i, j)

\* Progress: new entries (client requests, signatures, retirements), then reactions.
Progress ==
    \/ \E i \in Servers : Grow(i) /\ ClientRequest(i)
    \/ \E i \in Servers : Grow(i) /\ SignCommittableMessages(i)
    \/ \E i \in Servers : Grow(i) /\ AppendRetiredCommitted(i)
    \/ Reactions

\* Timeouts, faults and configuration changes.
Rare ==
    \/ \E i \in Servers : BecomePreVoteCandidate(i)
    \/ \E i \in Servers : leadershipState[i] /= PreVoteCandidate /\ BecomeCandidate(i)
    \/ \E i \in Servers : CheckQuorum(i)
    \/ \E i \in Servers : Grow(i) /\ \E c \in Reconfigurations : ChangeConfiguration(i, c)
    \/ \E i \in Servers : EnablePreVote(i)
    \/ \E m \in Net!Messages : DropMessage(m)

\* Progress is listed four times: it is chosen about four times as often.
SIMNext == Progress \/ Progress \/ Progress \/ Progress \/ Rare

\* Fairness for the liveness properties: progress, including elections, is
\* weakly fair (one fairness condition: TLC's liveness checker is costly).
SIMSpec ==
    /\ SIMInit
    /\ [][SIMNext]_vars
    /\ WF_vars(Progress \/ \E i \in Servers : BecomeCandidate(i) \/ BecomePreVoteCandidate(i))

=============================================================================
