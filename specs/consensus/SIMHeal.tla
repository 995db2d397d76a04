------------------------------- MODULE SIMHeal --------------------------------
(***************************************************************************)
(* Bounded liveness by simulation.  TLC's liveness checking in simulation  *)
(* mode was far too slow for this spec (76 states in 2 minutes), so the     *)
(* liveness properties are checked the way a test of a real system would:  *)
(* random walks of SIMConsensus (faults, timeouts, client requests,        *)
(* reconfigurations) until level HealFrom; then the faults stop and no new *)
(* work arrives (no loss, no client request, no reconfiguration, no        *)
(* CheckQuorum; a node times out only while no node leads and no vote is  *)
(* in flight), and by level                                                *)
(* HealBy the service must have healed: a leader (EventuallyLeader) whose  *)
(* configurations' nodes all hold its ledger (EventuallyLogsMatch).  A     *)
(* violation is a walk that did not heal within HealBy - HealFrom steps of *)
(* fault-free progress.  DebugNeverHealedInv must be violated: walks do    *)
(* reach HealBy, so the two checks are not vacuous.                        *)
(***************************************************************************)
EXTENDS SIMConsensus, TLC

CONSTANTS HealFrom, HealBy

ASSUME HealFrom < HealBy

Level == TLCGet("level")

NoLeader == \A i \in Servers : leadershipState[i] /= Leader

\* No (pre-)vote request or response in flight: the last election has run
\* its course.  Randomised election timeouts give a real system this gap;
\* without it, a random walk duels candidates forever.
VotesSettled ==
    \A m \in Net!Messages : m.type \notin {RequestVoteRequest, RequestVoteResponse}

\* A leader signs until its ledger ends in a signature of its own term
\* (raft.h's should_sign: a new leader's first commit is its own signature).
NeedsSignature(i) ==
    LET n == Len(log[i])
    IN IF n = 0 THEN TRUE ELSE log[i][n].type /= TypeSignature \/ log[i][n].term /= currentTerm[i]

\* Fault-free progress: message handling, replication, commit, elections.
Heal ==
    \/ \E i \in Servers : NeedsSignature(i) /\ SignCommittableMessages(i)
    \/ Reactions
    \/ \E i \in Servers : NoLeader /\ VotesSettled /\ (BecomePreVoteCandidate(i) \/ BecomeCandidate(i))

HealNext ==
    \/ Level < HealFrom /\ SIMNext
    \/ Level >= HealFrom /\ Heal

HealSpec == SIMInit /\ [][HealNext]_vars

\* The bounded forms of EventuallyLeader and EventuallyLogsMatch.
HealedLeaderInv == Level >= HealBy => ~NoLeader

ReplicatedBy(i) == UNION {configurations[i][k] : k \in DOMAIN configurations[i]}

HealedLogsInv ==
    Level >= HealBy =>
        \E i \in Servers :
            /\ leadershipState[i] = Leader
            /\ \A j \in ReplicatedBy(i) : log[j] = log[i]

\* Must be violated (run with --expect-violation DebugNeverHealedInv).
DebugNeverHealedInv == Level < HealBy

=============================================================================
