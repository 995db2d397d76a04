------------------------- MODULE ConsensusProperties -------------------------
(***************************************************************************)
(* Properties of Consensus.tla: type invariants, safety invariants, action *)
(* properties, liveness properties (under the fairness of SIMConsensus),   *)
(* and "debug" reachability invariants that model checking or simulation  *)
(* MUST violate (run with --expect-violation) so that no bound or flag     *)
(* silently makes a property vacuous.                                      *)
(***************************************************************************)
EXTENDS Consensus

------------------------------------------------------------------------------
\* Type invariants.

EntryOK(e) ==
    /\ e.term \in Nat \ {0}
    /\ e.type \in EntryTypes
    /\ e.nodes \subseteq Servers

MessageOK(m) ==
    /\ m.source \in Servers /\ m.dest \in Servers /\ m.source /= m.dest
    /\ m.term \in Nat
    /\ CASE m.type = AppendEntriesRequest ->
              /\ m.prevIdx \in Nat /\ m.idx \in Nat /\ m.prevIdx <= m.idx
              /\ m.prevTerm \in Nat /\ m.termOfIdx \in Nat /\ m.leaderCommitIdx \in Nat
              /\ Len(m.entries) = m.idx - m.prevIdx
              /\ \A k \in DOMAIN m.entries : EntryOK(m.entries[k]) /\ m.entries[k].term = m.termOfIdx
         [] m.type = AppendEntriesResponse ->
              m.lastLogIdx \in Nat /\ m.success \in {OK, FAIL}
         [] m.type = RequestVoteRequest ->
              /\ m.lastCommittableIdx \in Nat /\ m.termOfLastCommittableIdx \in Nat
              /\ m.electionType \in {PreVote, RegularVote}
         [] m.type = RequestVoteResponse ->
              m.voteGranted \in BOOLEAN /\ m.electionType \in {PreVote, RegularVote}
         [] m.type = ProposeVoteRequest -> TRUE
         [] OTHER -> FALSE

\* (Each per-node variable as one function-set membership, which TLC checks
\* natively, instead of a conjunct per node interpreted: stronger only in that
\* the domain must be Servers, which every action keeps.)
TypeOK ==
    /\ currentTerm \in [Servers -> Nat]
    /\ leadershipState \in [Servers -> LeadershipStates]
    /\ membershipState \in [Servers -> MembershipStates]
    /\ retirementPhase \in [Servers -> RetirementPhases]
    /\ retirementIdx \in [Servers -> Nat]
    /\ retirementCommittableIdx \in [Servers -> Nat]
    /\ retiredCommittedIdx \in [Servers -> Nat]
    /\ votedFor \in [Servers -> Servers \cup {Nil}]
    /\ votesGranted \in [Servers -> SUBSET Servers]
    /\ leaderId \in [Servers -> Servers \cup {Nil}]
    /\ isNewFollower \in [Servers -> BOOLEAN]
    /\ preVoteEnabled \in [Servers -> BOOLEAN]
    /\ commitIndex \in [Servers -> Nat]
    /\ sentIndex \in [Servers -> [Servers -> Nat]]
    /\ matchIndex \in [Servers -> [Servers -> Nat]]
    /\ \A i \in Servers :
        /\ \A k \in DOMAIN log[i] : EntryOK(log[i][k])
        /\ DOMAIN configurations[i] \subseteq 1..Len(log[i])
        /\ \A k \in DOMAIN configurations[i] : configurations[i][k] \subseteq Servers
        /\ peers[i] \subseteq Servers \ {i}
    /\ \A m \in Net!Messages : MessageOK(m)

------------------------------------------------------------------------------
\* Safety invariants.

Min2(a, b) == IF a <= b THEN a ELSE b

\* (clamped to the ledger so that a broken variant is reported by CommitIndexInv, not by an error)
Committed(i) == SubSeq(log[i], 1, Min2(commitIndex[i], Len(log[i])))

\* The sequences agree on their first k elements (TLC compares SubSeqs
\* natively: cheaper than CommonPrefixLen on long ledgers).
AgreeUpTo(s, t, k) == k <= Len(s) /\ k <= Len(t) /\ SubSeq(s, 1, k) = SubSeq(t, 1, k)

\* Length of the longest common prefix of two sequences.
CommonPrefixLen(s, t) ==
    LET m == Min({Len(s), Len(t)})
    IN Min({k \in 1..m : s[k] /= t[k]} \cup {m + 1}) - 1

\* The pair invariants below hold trivially for i = j and skip it; the
\* symmetric ones check each unordered pair once (half of the ordered pairs).
\* Min2 replaces Min of a set literal (a CHOOSE).

\* The servers in some fixed order, and each unordered pair of distinct servers
\* once as <<i, j>> (constants: TLC computes them once, before the search).
RECURSIVE SeqOfSet(_)
SeqOfSet(S) == IF S = {} THEN <<>> ELSE LET x == CHOOSE y \in S : TRUE IN <<x>> \o SeqOfSet(S \ {x})
ServerOrder == SeqOfSet(Servers)
ServerPairs ==
    LET N == Cardinality(Servers)
    IN {<<ServerOrder[q[1]], ServerOrder[q[2]]>> : q \in {q \in (1..N) \X (1..N) : q[1] < q[2]}}

\* At most one leader per term.
MoreThanOneLeaderInv ==
    \A p \in ServerPairs :
        LET i == p[1]
            j == p[2]
        IN (leadershipState[i] = Leader /\ leadershipState[j] = Leader) => currentTerm[i] /= currentTerm[j]

\* The committed prefixes of any two nodes are prefix-related.
LogInv ==
    \A p \in ServerPairs :
        LET i == p[1]
            j == p[2]
        IN AgreeUpTo(log[i], log[j], Min2(Min2(commitIndex[i], commitIndex[j]), Min2(Len(log[i]), Len(log[j]))))

\* Log matching: same index and term means the same prefix.  (Checked at the
\* last index where the terms agree: the prefixes agreeing there implies it
\* for every earlier index.)
LogMatchingInv ==
    \A p \in ServerPairs :
        LET i == p[1]
            j == p[2]
            last == MaxOr0({k \in 1..Min2(Len(log[i]), Len(log[j])) : log[i][k].term = log[j][k].term})
        IN AgreeUpTo(log[i], log[j], last)

\* Leader completeness: a leader holds every entry committed (at any node)
\* at a signature of an earlier term.
LeaderCompletenessInv ==
    \A l, i \in Servers :
        (/\ l /= i
         /\ leadershipState[l] = Leader
         /\ commitIndex[i] > 0
         /\ log[i][commitIndex[i]].term < currentTerm[l])
            => AgreeUpTo(log[i], log[l], commitIndex[i])

\* The committed prefix is held by a quorum of the node's current configuration.
QuorumLogInv ==
    \A i \in Servers :
        configurations[i] /= <<>> =>
            IsQuorumOf({j \in Servers : AgreeUpTo(log[i], log[j], commitIndex[i])},
                       configurations[i][Min(DOMAIN configurations[i])])

\* Every committed signature, with all before it, is held by a quorum of the
\* configuration in force at that signature.  (Checked at the last committed
\* signature of each configuration's span of the ledger: a node holding the
\* prefix up to it holds every shorter prefix, so a quorum there is a quorum
\* at every earlier signature of the span.  A committed signature before the
\* first configuration has none in force: a violation.)
ReplicationInv ==
    \A i \in Servers :
        LET cfgs == ConfigsOfLog(log[i])
            first == IF cfgs = <<>> THEN commitIndex[i] + 1 ELSE Min(DOMAIN cfgs)
        IN /\ LastSignatureIn(log[i], 0, Min2(commitIndex[i], first - 1)) = 0
           /\ \A c \in DOMAIN cfgs :
                 LET later == {d \in DOMAIN cfgs : d > c}
                     k == LastSignatureIn(log[i], c, IF later = {} THEN commitIndex[i]
                                                     ELSE Min2(commitIndex[i], Min(later) - 1))
                 IN k > 0 => IsQuorumOf({j \in Servers : AgreeUpTo(log[i], log[j], k)}, cfgs[c])

\* The commit index is 0 or a signature, and within the ledger.
CommitIndexInv ==
    \A i \in Servers :
        /\ commitIndex[i] <= Len(log[i])
        /\ commitIndex[i] = 0 \/ IsSignature(log[i][commitIndex[i]])

\* Terms in a ledger never decrease and only rise right after a signature.
\* (Written so that equal terms, the common case, take one comparison.)
LogTermsInv ==
    \A i \in Servers :
        \A k \in 1..(Len(log[i]) - 1) :
            log[i][k].term /= log[i][k + 1].term =>
                log[i][k].term < log[i][k + 1].term /\ IsSignature(log[i][k])

\* A leader's and a candidate's term is at least the terms in its ledger.
TermOfLogInv ==
    \A i \in Servers : \A k \in DOMAIN log[i] : log[i][k].term <= currentTerm[i]

\* The configurations agree with the ledger and commit index.
ConfigurationsInv ==
    \A i \in Servers : configurations[i] = ActiveConfigsOf(log[i], commitIndex[i])

\* Membership and retirement agree with the ledger.
\* (The common case, no retirement, decided by its two conjuncts alone.)
MembershipInv ==
    \A i \in Servers :
        /\ leadershipState[i] = Leader => leaderId[i] = i
        /\ IF retirementPhase[i] = NoRetirement THEN membershipState[i] = Active
           ELSE /\ membershipState[i] /= Active
                /\ retirementPhase[i] \in {PhaseOrdered, PhaseSigned, PhaseCompleted} =>
                    /\ retirementIdx[i] \in DOMAIN log[i]
                    /\ IsReconfiguration(log[i][retirementIdx[i]])
                    /\ i \notin log[i][retirementIdx[i]].nodes
                /\ retirementPhase[i] \in {PhaseSigned, PhaseCompleted} =>
                    /\ retirementCommittableIdx[i] \in DOMAIN log[i]
                    /\ retirementCommittableIdx[i] > retirementIdx[i]
                    /\ IsSignature(log[i][retirementCommittableIdx[i]])
                /\ retirementPhase[i] = PhaseCompleted => commitIndex[i] >= retirementCommittableIdx[i]
                /\ retirementPhase[i] = PhaseRetiredCommitted => leadershipState[i] \in {None, Follower}

\* A node in None has never taken part, unless its retirement is committed.
NoneInv ==
    \A i \in Servers :
        leadershipState[i] = None =>
            retirementPhase[i] = PhaseRetiredCommitted \/ (currentTerm[i] = 0 /\ log[i] = <<>>)

SafetyInv ==
    /\ CommitIndexInv
    /\ MoreThanOneLeaderInv
    /\ LogInv
    /\ LogMatchingInv
    /\ LeaderCompletenessInv
    /\ QuorumLogInv
    /\ ReplicationInv
    /\ LogTermsInv
    /\ TermOfLogInv
    /\ ConfigurationsInv
    /\ MembershipInv
    /\ NoneInv

------------------------------------------------------------------------------
\* The ledger-wide invariants per step (see "Invariants per step" in
\* docs/spec-decisions.md).  Each XStep is an action: given that every
\* invariant of SafetyInv holds in the current state and the step Grows (it
\* only extends ledgers, and raises no commit index or term downwards), XStep
\* is equivalent to X'.  It looks only at what the step can change (new
\* entries, new commit ranges, nodes whose commit index or configurations
\* changed), so it costs time in the size of the change, not of the ledger.
\* StepSafetyInv falls back to the primed invariants for the other steps.

\* The step only extends ledgers and never lowers a commit index or a term.
Grows ==
    \A i \in Servers :
        /\ IsPrefix(log[i], log'[i])
        /\ commitIndex'[i] >= commitIndex[i]
        /\ currentTerm'[i] >= currentTerm[i]

\* The indices this step appended to i's ledger.
NewIdx(i) == (Len(log[i]) + 1)..Len(log'[i])

\* Agreement up to the old minimum carries over; the new range is compared.
LogInvStep ==
    \A i, j \in Servers :
        LET m0 == Min2(Min2(commitIndex[i], commitIndex[j]), Min2(Len(log[i]), Len(log[j])))
            m1 == Min2(Min2(commitIndex'[i], commitIndex'[j]), Min2(Len(log'[i]), Len(log'[j])))
        IN m1 > m0 => SubSeq(log'[i], m0 + 1, m1) = SubSeq(log'[j], m0 + 1, m1)

\* Only indices beyond both old ledgers can newly agree in term.  At the
\* shorter old ledger's end k0 the prefixes agree iff the terms do (by the
\* invariant before), so the new matching index needs k0's terms equal and
\* the range after k0 equal.
LogMatchingInvStep ==
    \A i, j \in Servers :
        LET k0 == Min2(Len(log[i]), Len(log[j]))
            same == {k \in (k0 + 1)..Min2(Len(log'[i]), Len(log'[j])) : log'[i][k].term = log'[j][k].term}
        IN same /= {} =>
            /\ k0 = 0 \/ log[i][k0].term = log[j][k0].term
            /\ SubSeq(log'[i], k0 + 1, Max(same)) = SubSeq(log'[j], k0 + 1, Max(same))

\* A pair whose leader, term and commit index are unchanged held before.
LeaderCompletenessInvStep ==
    \A l, i \in Servers :
        (/\ leadershipState'[l] = Leader
         /\ commitIndex'[i] > 0
         /\ log'[i][commitIndex'[i]].term < currentTerm'[l])
            => \/ /\ leadershipState[l] = Leader /\ currentTerm[l] = currentTerm'[l]
                  /\ commitIndex[i] = commitIndex'[i]
               \/ AgreeUpTo(log'[i], log'[l], commitIndex'[i])

\* Holders of an unchanged committed prefix stay holders.
QuorumLogInvStep ==
    \A i \in Servers :
        (configurations'[i] /= <<>>
         /\ (commitIndex'[i] /= commitIndex[i] \/ configurations'[i] /= configurations[i]))
            => IsQuorumOf({j \in Servers : AgreeUpTo(log'[i], log'[j], commitIndex'[i])},
                          configurations'[i][Min(DOMAIN configurations'[i])])

\* The reconfigurations of log'[i] from the last one at or before the old
\* commit index on (those of configurations[i], by ConfigurationsInv, and
\* the new entries'): every configuration in force above that commit index.
RecentConfigIdx(i) ==
    DOMAIN configurations[i] \cup {k \in NewIdx(i) : IsReconfiguration(log'[i][k])}

\* Common prefixes only grow, so only the newly committed signatures count.
ReplicationInvStep ==
    \A i \in Servers :
        \A k \in SignaturesIn(log'[i], commitIndex[i], commitIndex'[i]) :
            IsQuorumOf({j \in Servers : AgreeUpTo(log'[i], log'[j], k)},
                       log'[i][Max({c \in RecentConfigIdx(i) : c <= k})].nodes)

LogTermsInvStep ==
    \A i \in Servers :
        \A k \in NewIdx(i) :
            k > 1 =>
                /\ log'[i][k - 1].term <= log'[i][k].term
                /\ log'[i][k - 1].term < log'[i][k].term => IsSignature(log'[i][k - 1])

\* Old entries were at most the old term, which did not go down.
TermOfLogInvStep ==
    \A i \in Servers : \A k \in NewIdx(i) : log'[i][k].term <= currentTerm'[i]

\* ActiveConfigsOf(log'[i], commitIndex'[i]) from the recent configurations.
ConfigurationsInvStep ==
    \A i \in Servers :
        LET D == RecentConfigIdx(i)
            from == MaxOr0({k \in D : k <= commitIndex'[i]})
        IN configurations'[i] = [k \in {x \in D : x >= from} |-> log'[i][k].nodes]

\* The invariants that cost time linear in the ledger, by name, per step.
LedgerInvNames == <<"LogInv", "LogMatchingInv", "LeaderCompletenessInv", "QuorumLogInv",
                    "ReplicationInv", "LogTermsInv", "TermOfLogInv", "ConfigurationsInv">>
LedgerInvStep(name) ==
    CASE name = "LogInv" -> LogInvStep
      [] name = "LogMatchingInv" -> LogMatchingInvStep
      [] name = "LeaderCompletenessInv" -> LeaderCompletenessInvStep
      [] name = "QuorumLogInv" -> QuorumLogInvStep
      [] name = "ReplicationInv" -> ReplicationInvStep
      [] name = "LogTermsInv" -> LogTermsInvStep
      [] name = "TermOfLogInv" -> TermOfLogInvStep
      [] name = "ConfigurationsInv" -> ConfigurationsInvStep
LedgerInv(name) ==
    CASE name = "LogInv" -> LogInv
      [] name = "LogMatchingInv" -> LogMatchingInv
      [] name = "LeaderCompletenessInv" -> LeaderCompletenessInv
      [] name = "QuorumLogInv" -> QuorumLogInv
      [] name = "ReplicationInv" -> ReplicationInv
      [] name = "LogTermsInv" -> LogTermsInv
      [] name = "TermOfLogInv" -> TermOfLogInv
      [] name = "ConfigurationsInv" -> ConfigurationsInv

\* The ledger invariants after a step: per step if it Grows, else in full.
StepLedgerInv(name) == IF Grows THEN LedgerInvStep(name) ELSE LedgerInv(name)'

\* The claim behind the XStep: from a state satisfying SafetyInv, a step
\* that Grows satisfies XStep iff it satisfies X' (checked by model checking
\* in tests/specs/test_consensus.py, on correct and on seeded-bug models).
StepInvEquivalentProp ==
    [][(SafetyInv /\ Grows) =>
         \A k \in DOMAIN LedgerInvNames :
             LedgerInvStep(LedgerInvNames[k]) <=> LedgerInv(LedgerInvNames[k])']_vars

\* The invariants that cost constant time per state (checked as they are).
CheapSafetyInv == CommitIndexInv /\ MoreThanOneLeaderInv /\ MembershipInv /\ NoneInv

------------------------------------------------------------------------------
\* Action properties.

\* Committed ledgers only grow.  (The action properties test first whether the
\* node's variables changed at all: most steps change one node, and TLC
\* compares values much faster than it evaluates the general case.)
CommittedLogAppendOnlyProp ==
    [][\A i \in Servers :
        /\ commitIndex'[i] >= commitIndex[i]
        /\ log'[i] = log[i] \/ AgreeUpTo(log[i], log'[i], Min2(commitIndex[i], Len(log[i])))]_vars

\* Terms never decrease.
MonotonicTermProp ==
    [][\A i \in Servers : currentTerm'[i] >= currentTerm[i]]_vars

\* A leader's match indices never decrease while it stays leader of its term.
MonotonicMatchIndexProp ==
    [][\A i \in Servers :
        \/ matchIndex'[i] = matchIndex[i]
        \/ (leadershipState[i] = Leader /\ leadershipState'[i] = Leader /\ currentTerm'[i] = currentTerm[i])
               => \A j \in Servers : matchIndex'[i][j] >= matchIndex[i][j]]_vars

\* The commit index never decreases.
MonotonicCommitIndexProp ==
    [][\A i \in Servers : commitIndex'[i] >= commitIndex[i]]_vars

\* Ledgers change only by appends and by rollbacks that keep the committed
\* prefix; a leader of an unchanged term only appends.
PermittedLogChangesProp ==
    [][\A i \in Servers :
        IF log'[i] = log[i] THEN commitIndex[i] <= Len(log[i])   \* AgreeUpTo(log[i], log[i], _), IsPrefix
        ELSE /\ AgreeUpTo(log[i], log'[i], commitIndex[i])
             /\ (leadershipState[i] = Leader /\ leadershipState'[i] = Leader /\ currentTerm'[i] = currentTerm[i])
                    => IsPrefix(log[i], log'[i])]_vars

\* Leadership transitions raft.h can make in one step.
LeadershipTransitions ==
    { <<None, Follower>>,
      <<Follower, PreVoteCandidate>>, <<Follower, Candidate>>, <<Follower, None>>,
      <<PreVoteCandidate, Candidate>>, <<PreVoteCandidate, Follower>>, <<PreVoteCandidate, None>>,
      <<Candidate, Leader>>, <<Candidate, Follower>>, <<Candidate, PreVoteCandidate>>, <<Candidate, None>>,
      <<Leader, Follower>>, <<Leader, None>> }
PermittedLeadershipProp ==
    [][\A i \in Servers :
        leadershipState'[i] /= leadershipState[i]
            => <<leadershipState[i], leadershipState'[i]>> \in LeadershipTransitions]_vars

\* Retirement moves forward, except a rollback may undo Ordered/Signed.
PermittedMembershipProp ==
    [][\A i \in Servers :
        \/ retirementPhase'[i] = retirementPhase[i]
        \/ PhaseRank(retirementPhase'[i]) >= PhaseRank(retirementPhase[i])
        \/ /\ retirementPhase[i] \in {PhaseOrdered, PhaseSigned}
           /\ retirementPhase'[i] \in {NoRetirement, PhaseOrdered}]_vars

\* A leader commits an entry of an earlier term only together with a
\* signature of its own term, never by counting replicas of the old entry.
NoCommitByCountingOldTermProp ==
    [][\A i \in Servers :
        (/\ commitIndex'[i] > commitIndex[i]
         /\ leadershipState[i] = Leader /\ leadershipState'[i] = Leader
         /\ currentTerm'[i] = currentTerm[i])
            => log'[i][commitIndex'[i]].term = currentTerm[i]]_vars

------------------------------------------------------------------------------
\* Liveness (meaningful under the fairness of SIMConsensus).

EventuallyLeader == <>(\E i \in Servers : leadershipState[i] = Leader)

\* Eventually all nodes of the current configuration of some node hold the
\* same ledger.
EventuallyLogsMatch ==
    <>(\E i \in Servers :
          /\ configurations[i] /= <<>>
          /\ \A j \in configurations[i][Min(DOMAIN configurations[i])] : log[j] = log[i])

------------------------------------------------------------------------------
\* Debug (reachability) properties: each MUST be violated.  Checked with
\* --expect-violation so that no bound makes the behaviour unreachable.

\* A leader steps down through CheckQuorum (same term, Leader -> Follower).
DebugNoCheckQuorumProp ==
    [][\A i \in Servers :
        ~(leadershipState[i] = Leader /\ leadershipState'[i] = Follower
          /\ currentTerm'[i] = currentTerm[i])]_vars

\* A reconfiguration (other than the start configuration) commits.
DebugNoReconfigurationCommittedInv ==
    \A i \in Servers : \A k \in 2..commitIndex[i] : ~IsReconfiguration(log[i][k])

\* A retirement completes.
DebugNoRetirementCompletedInv ==
    \A i \in Servers : retirementPhase[i] \notin {PhaseCompleted, PhaseRetiredCommitted}

\* A node learns its retirement is committed.
DebugNoRetiredCommittedInv ==
    \A i \in Servers : retirementPhase[i] /= PhaseRetiredCommitted

\* A retiring leader nominates a successor.
DebugNoProposeVoteInv ==
    \A m \in Net!Messages : m.type /= ProposeVoteRequest

\* A PreVote election is won (PreVoteCandidate -> Candidate).
DebugNoPreVoteWinProp ==
    [][\A i \in Servers :
        ~(leadershipState[i] = PreVoteCandidate /\ leadershipState'[i] = Candidate)]_vars

\* A node becomes leader in a later term.
DebugNoNewLeaderInv ==
    \A i \in Servers : leadershipState[i] = Leader => currentTerm[i] = StartTerm

\* A message is lost.
DebugNoDropProp ==
    [][~(\E m \in Net!Messages : DropMessage(m))]_vars

\* A leader receives a NACK and rolls sent_idx back.
DebugNoSentIndexRollbackProp ==
    [][\A i, j \in Servers :
        (leadershipState[i] = Leader /\ leadershipState'[i] = Leader /\ currentTerm'[i] = currentTerm[i])
            => sentIndex'[i][j] >= sentIndex[i][j]]_vars

\* A new follower rolls back a conflicting suffix.
DebugNoConflictRollbackProp ==
    [][\A i \in Servers :
        (isNewFollower[i] /\ ~isNewFollower'[i] /\ currentTerm'[i] = currentTerm[i])
            => IsPrefix(log[i], log'[i])]_vars

\* Something beyond the start ledger commits.
DebugNoCommitInv ==
    \A i \in Servers : commitIndex[i] <= 2

=============================================================================
