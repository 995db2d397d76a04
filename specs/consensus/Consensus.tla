------------------------------ MODULE Consensus ------------------------------
(***************************************************************************)
(* CCF's consensus protocol: CCF's variant of Raft as implemented in       *)
(* src/consensus/aft/raft.h (microsoft/CCF, 2025).  Written for pyccf /    *)
(* tracecheck.                                                             *)
(*                                                                         *)
(* Every action models one implementation step and says which (raft.h      *)
(* function).  The effect of a step on one node is computed by pure       *)
(* operators over a record holding that node's local state (NodeState(i),  *)
(* see "Local state" below) and written back with SetNodeState, so that    *)
(* steps can be composed (e.g. a term update piggy-backed on a receive) by *)
(* this spec and by trace specs that EXTEND it.                            *)
(*                                                                         *)
(* String values are spelt as CCF logs them (leadership and membership     *)
(* states, retirement phases, message and entry types).                    *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets, Sequences, TLC

CONSTANTS
    \* The nodes of the model.
    Servers,
    \* The network guarantee, see Network.tla.
    Guarantee,
    \* Nodes that understand PreVote requests (others ignore them).
    PreVoteCapable,
    \* Bug switches (a subset of BugNames): re-introduce known bugs so that
    \* tests can check that the properties catch them.  {} for the real protocol.
    Bugs,
    \* Later CCF fixes (a subset of FixNames), off ({}) for CCF of November 2025,
    \* the version of the reference traces.
    Fixes

VARIABLES
    \* current_view: the node's term.
    currentTerm,
    \* leadership_state: None, Follower, PreVoteCandidate, Candidate, Leader.
    leadershipState,
    \* membership_state: Active or Retired.
    membershipState,
    \* retirement_phase: NoRetirement, Ordered, Signed, Completed, RetiredCommitted.
    retirementPhase,
    \* retirement_idx, retirement_committable_idx, retired_committed_idx (0 = unset).
    retirementIdx,
    retirementCommittableIdx,
    retiredCommittedIdx,
    \* voted_for (Nil if none) and the votes collected as (pre-vote) candidate.
    votedFor,
    votesGranted,
    \* leader_id: the leader this node knows in its term (Nil if none).
    leaderId,
    \* is_new_follower: may roll back a conflicting suffix once in this term.
    isNewFollower,
    \* pre_vote_enabled: the node starts elections with a PreVote round.
    preVoteEnabled,
    \* The ledger: a sequence of entries [term, type, nodes]; last_idx = Len(log[i]).
    log,
    \* commit_idx.
    commitIndex,
    \* Active configurations: a function from the index of a reconfiguration
    \* entry to its set of nodes (CCF's `configurations` list).
    configurations,
    \* The peers a node knows (the keys of CCF's all_other_nodes): nodes of
    \* every configuration it has seen; only a committed retired_committed
    \* entry removes one (a rollback does not).
    peers,
    \* Leader bookkeeping per peer (all_other_nodes[j].sent_idx / .match_idx).
    sentIndex,
    matchIndex,
    \* The network (see Network.tla).
    messages

Net == INSTANCE Network

serverVars == <<currentTerm, leadershipState, membershipState, retirementPhase,
                retirementIdx, retirementCommittableIdx, retiredCommittedIdx>>
candidateVars == <<votedFor, votesGranted, leaderId, isNewFollower, preVoteEnabled>>
logVars == <<log, commitIndex, configurations>>
leaderVars == <<peers, sentIndex, matchIndex>>
nodeVars == <<serverVars, candidateVars, logVars, leaderVars>>
vars == <<nodeVars, messages>>

------------------------------------------------------------------------------
\* Values, spelt as CCF logs them (pyccf/formats/raft_trace.py).

None == "None"
Follower == "Follower"
PreVoteCandidate == "PreVoteCandidate"
Candidate == "Candidate"
Leader == "Leader"
LeadershipStates == {None, Follower, PreVoteCandidate, Candidate, Leader}

Active == "Active"
Retired == "Retired"
MembershipStates == {Active, Retired}

NoRetirement == "NoRetirement"     \* CCF logs no retirement_phase field then
PhaseOrdered == "Ordered"
PhaseSigned == "Signed"
PhaseCompleted == "Completed"
PhaseRetiredCommitted == "RetiredCommitted"
RetirementPhases == {NoRetirement, PhaseOrdered, PhaseSigned, PhaseCompleted, PhaseRetiredCommitted}
\* The order in which phases are reached.
PhaseRank(p) == CASE p = NoRetirement -> 0 [] p = PhaseOrdered -> 1 [] p = PhaseSigned -> 2
                  [] p = PhaseCompleted -> 3 [] p = PhaseRetiredCommitted -> 4

TypeEntry == "raw"
TypeSignature == "signature"
TypeReconfiguration == "reconfiguration"
TypeRetiredCommitted == "retired_committed"
EntryTypes == {TypeEntry, TypeSignature, TypeReconfiguration, TypeRetiredCommitted}

AppendEntriesRequest == "raft_append_entries"
AppendEntriesResponse == "raft_append_entries_response"
RequestVoteRequest == "raft_request_vote"
RequestVoteResponse == "raft_request_vote_response"
ProposeVoteRequest == "raft_propose_request_vote"

PreVote == "PreVote"
RegularVote == "RegularVote"

OK == "OK"
FAIL == "FAIL"

Nil == "Nil"
ASSUME Nil \notin Servers

\* The term in which the first node starts (CCF's starting_view_change).
StartTerm == 2

BugNames == {"ElectionUnionQuorum", "CommitPrevTerm", "CommitOnNack",
             "TruncateCommitted", "AckPastEnd"}
ASSUME Bugs \subseteq BugNames
Bug(b) == b \in Bugs

\* KeepSuffixOnFollow: CCF #7620 (Jan 2026), become_follower no longer rolls
\* back to the last committable index.
FixNames == {"KeepSuffixOnFollow"}
ASSUME Fixes \subseteq FixNames
Fix(f) == f \in Fixes

ASSUME PreVoteCapable \subseteq Servers

------------------------------------------------------------------------------
\* Helpers (TLC 2.15 has no CommunityModules).

Max(S) == CHOOSE x \in S : \A y \in S : y <= x
Min(S) == CHOOSE x \in S : \A y \in S : x <= y
MaxOr0(S) == IF S = {} THEN 0 ELSE Max(S)
Range(f) == {f[x] : x \in DOMAIN f}
IsPrefix(s, t) == Len(s) <= Len(t) /\ SubSeq(t, 1, Len(s)) = s
\* f restricted to the keys in D.
Restrict(f, D) == [k \in D |-> f[k]]

\* Entries. `nodes` is the new configuration of a reconfiguration entry and
\* the retired nodes of a retired_committed entry, {} otherwise.
Entry(t, type, nodes) == [term |-> t, type |-> type, nodes |-> nodes]
IsSignature(e) == e.type = TypeSignature
IsReconfiguration(e) == e.type = TypeReconfiguration

\* The ledger of a node that starts the service with configuration nodes.
StartLog(nodes) ==
    << Entry(StartTerm, TypeReconfiguration, nodes), Entry(StartTerm, TypeSignature, {}) >>

\* get_term_internal: the term of index k of a ledger (0 for 0 or beyond its end).
TermAt(lg, k) == IF k = 0 \/ k > Len(lg) THEN 0 ELSE lg[k].term

\* Indices of signatures in lg in (lo, hi]: CCF's committable_indices.
SignaturesIn(lg, lo, hi) == {k \in (lo + 1)..hi : k <= Len(lg) /\ IsSignature(lg[k])}

\* MaxOr0(SignaturesIn(lg, lo, hi)), searched from min(hi, Len(lg)) down
\* (cheaper for TLC than building the set and taking its maximum; the search
\* is as deep as the unsigned entries it passes).
RECURSIVE LastSignatureIn(_, _, _)
LastSignatureIn(lg, lo, hi) ==
    IF hi > Len(lg) THEN LastSignatureIn(lg, lo, Len(lg))
    ELSE IF hi <= lo THEN 0
    ELSE IF IsSignature(lg[hi]) THEN hi
    ELSE LastSignatureIn(lg, lo, hi - 1)

\* find_highest_possible_match: the last index <= idx whose term is <= term.
FindHighestPossibleMatch(lg, idx, term) ==
    MaxOr0({k \in 1..Min({idx, Len(lg)}) : lg[k].term <= term})

\* Reconfiguration entries of a ledger as index -> nodes.
ConfigsOfLog(lg) ==
    LET D == {k \in DOMAIN lg : IsReconfiguration(lg[k])} IN [k \in D |-> lg[k].nodes]

\* Every node that a ledger ever named in a configuration.
EverConfigured(lg) == UNION {lg[k].nodes : k \in {x \in DOMAIN lg : IsReconfiguration(lg[x])}}

\* Nodes listed in retired_committed entries of a ledger.
RetiredCommittedIn(lg) ==
    UNION {lg[k].nodes : k \in {x \in DOMAIN lg : lg[x].type = TypeRetiredCommitted}}

\* The configurations CCF keeps for a ledger with commit index ci: the last
\* configuration at or before ci and every later one.
ActiveConfigsOf(lg, ci) ==
    LET all == ConfigsOfLog(lg)
        below == {k \in DOMAIN all : k <= ci}
        from == MaxOr0(below)
    IN Restrict(all, {k \in DOMAIN all : k >= from})

------------------------------------------------------------------------------
\* Quorums: the one home of CCF's "a quorum in each active configuration".

IsQuorumOf(S, nodes) == Cardinality(S \cap nodes) * 2 > Cardinality(nodes)

\* add_vote_for_me: elected with a quorum of votes in every active configuration.
\* (Bug ElectionUnionQuorum: CCF's bug 1, a quorum of the union.)
ElectionQuorum(votes, cfgs) ==
    IF Bug("ElectionUnionQuorum")
    THEN IsQuorumOf(votes, UNION Range(cfgs))
    ELSE \A k \in DOMAIN cfgs : IsQuorumOf(votes, cfgs[k])

\* The largest index held by a quorum of nodes, given each node's index.
QuorumIndex(nodes, idxOf(_)) ==
    MaxOr0({k \in {idxOf(n) : n \in nodes} : IsQuorumOf({n \in nodes : idxOf(n) >= k}, nodes)})

------------------------------------------------------------------------------
\* Local state of one node, as a record, and the operators that change it.
\* Field         variable                   CCF
\*  term         currentTerm                current_view
\*  leadership   leadershipState            leadership_state
\*  membership   membershipState            membership_state
\*  phase        retirementPhase            retirement_phase
\*  retIdx       retirementIdx              retirement_idx
\*  retCIdx      retirementCommittableIdx   retirement_committable_idx
\*  retdIdx      retiredCommittedIdx        retired_committed_idx
\*  votedFor     votedFor                   voted_for
\*  votes        votesGranted               votes_for_me
\*  leaderId     leaderId                   leader_id
\*  newFollower  isNewFollower              is_new_follower
\*  preVote      preVoteEnabled             pre_vote_enabled
\*  log          log                        the ledger (last_idx = Len)
\*  commit       commitIndex                commit_idx
\*  configs      configurations             configurations
\*  peers        peers                      keys of all_other_nodes
\*  sent, match  sentIndex, matchIndex      all_other_nodes[_].sent_idx/match_idx

NodeState(i) ==
    [id |-> i, term |-> currentTerm[i], leadership |-> leadershipState[i],
     membership |-> membershipState[i], phase |-> retirementPhase[i],
     retIdx |-> retirementIdx[i], retCIdx |-> retirementCommittableIdx[i],
     retdIdx |-> retiredCommittedIdx[i], votedFor |-> votedFor[i],
     votes |-> votesGranted[i], leaderId |-> leaderId[i],
     newFollower |-> isNewFollower[i], preVote |-> preVoteEnabled[i],
     log |-> log[i], commit |-> commitIndex[i], configs |-> configurations[i],
     peers |-> peers[i], sent |-> sentIndex[i], match |-> matchIndex[i]]

SetNodeState(i, s) ==
    /\ currentTerm' = [currentTerm EXCEPT ![i] = s.term]
    /\ leadershipState' = [leadershipState EXCEPT ![i] = s.leadership]
    /\ membershipState' = [membershipState EXCEPT ![i] = s.membership]
    /\ retirementPhase' = [retirementPhase EXCEPT ![i] = s.phase]
    /\ retirementIdx' = [retirementIdx EXCEPT ![i] = s.retIdx]
    /\ retirementCommittableIdx' = [retirementCommittableIdx EXCEPT ![i] = s.retCIdx]
    /\ retiredCommittedIdx' = [retiredCommittedIdx EXCEPT ![i] = s.retdIdx]
    /\ votedFor' = [votedFor EXCEPT ![i] = s.votedFor]
    /\ votesGranted' = [votesGranted EXCEPT ![i] = s.votes]
    /\ leaderId' = [leaderId EXCEPT ![i] = s.leaderId]
    /\ isNewFollower' = [isNewFollower EXCEPT ![i] = s.newFollower]
    /\ preVoteEnabled' = [preVoteEnabled EXCEPT ![i] = s.preVote]
    /\ log' = [log EXCEPT ![i] = s.log]
    /\ commitIndex' = [commitIndex EXCEPT ![i] = s.commit]
    /\ configurations' = [configurations EXCEPT ![i] = s.configs]
    /\ peers' = [peers EXCEPT ![i] = s.peers]
    /\ sentIndex' = [sentIndex EXCEPT ![i] = s.sent]
    /\ matchIndex' = [matchIndex EXCEPT ![i] = s.match]

\* Derived views of a local state.
LastIdx(s) == Len(s.log)
\* last_committable_index: the last signature after the commit index, else the commit index.
LastCommittableIdx(s) ==
    LET last == LastSignatureIn(s.log, s.commit, Len(s.log)) IN IF last = 0 THEN s.commit ELSE last
\* Nodes of all active configurations.
ActiveNodes(s) == UNION Range(s.configs)
\* The newest configuration (configurations.back()).
LatestConfig(s) == IF s.configs = <<>> THEN {} ELSE s.configs[Max(DOMAIN s.configs)]
\* The oldest active, i.e. the current committed, configuration.
CurrentConfig(s) == IF s.configs = <<>> THEN {} ELSE s.configs[Min(DOMAIN s.configs)]
\* Peers in active configurations: those asked for votes and counted for commit.
OtherNodesInConfigs(s) == ActiveNodes(s) \ {s.id}
\* all_other_nodes: every node of a configuration this node has seen, until a
\* committed retired_committed entry names it.  raft.h (2025) never erases
\* peers on rollback (create_and_remove_node_state only adds), so a leader
\* keeps sending to nodes of rolled-back configurations.
OtherNodes(s) == s.peers
IsRetiredCommitted(s) == s.membership = Retired /\ s.phase = PhaseRetiredCommitted
\* The election timer may fire: raft.h's periodic checks `ticking` and
\* become_(pre_vote_)candidate only that configurations is non-empty; CCF's
\* test driver starts every node ticking, so any node with a configuration
\* may time out (even one no active configuration names yet).
Ticking(s) == s.configs /= <<>>

\* become_retired(idx, phase)
BecomeRetired(s, idx, phase) ==
    [s EXCEPT !.membership = Retired,
              !.phase = phase,
              !.retIdx = IF phase = PhaseOrdered THEN idx ELSE @,
              !.retCIdx = IF phase = PhaseSigned THEN idx ELSE @,
              !.retdIdx = IF phase = PhaseRetiredCommitted THEN idx ELSE @,
              !.leadership = IF phase = PhaseRetiredCommitted THEN None ELSE @,
              !.leaderId = IF phase = PhaseRetiredCommitted THEN Nil ELSE @]

\* rollback(idx): drop the ledger after idx (never below the commit index),
\* undo retirement phases and configurations beyond it.
Rollback(s, idx) ==
    IF idx < s.commit \/ idx >= Len(s.log) THEN s
    ELSE
    LET unsign == s.membership = Retired /\ s.phase = PhaseSigned /\ s.retCIdx > idx
        phase1 == IF unsign THEN PhaseOrdered ELSE s.phase
        unorder == s.membership = Retired /\ phase1 = PhaseOrdered /\ s.retIdx > idx
    IN [s EXCEPT !.log = SubSeq(s.log, 1, idx),
                 !.phase = IF unorder THEN NoRetirement ELSE phase1,
                 !.retCIdx = IF unsign THEN 0 ELSE @,
                 !.retIdx = IF unorder THEN 0 ELSE @,
                 !.membership = IF unorder THEN Active ELSE @,
                 !.configs = Restrict(@, {k \in DOMAIN @ : k <= idx})]

\* commit(idx): advance the commit index, complete a signed retirement, drop
\* configurations superseded by a committed one, and (set_retired_committed)
\* become RetiredCommitted once a retired_committed entry naming this node
\* commits (CCF's traces: the phase changes at that commit, with
\* retired_committed_idx = the new commit index).
Commit(s, idx) ==
    IF idx <= s.commit THEN s
    ELSE
    LET below == {k \in DOMAIN s.configs : k <= idx}
        from == MaxOr0(below)
        complete == s.membership = Retired /\ s.phase = PhaseSigned /\ idx >= s.retCIdx
        newlyRetired == UNION {s.log[k].nodes : k \in {x \in (s.commit + 1)..idx :
                                x <= Len(s.log) /\ s.log[x].type = TypeRetiredCommitted}}
        s1 == [s EXCEPT !.commit = idx,
                 !.phase = IF complete THEN PhaseCompleted ELSE @,
                 !.configs = Restrict(@, {k \in DOMAIN @ : k >= from}),
                 !.peers = @ \ newlyRetired]
        rcNow == \E k \in (s.commit + 1)..idx :
                    k <= Len(s.log) /\ s.log[k].type = TypeRetiredCommitted /\ s.id \in s.log[k].nodes
    IN IF rcNow /\ s1.membership = Retired /\ s1.phase /= PhaseRetiredCommitted
       THEN BecomeRetired(s1, idx, PhaseRetiredCommitted) ELSE s1

\* commit_if_possible(idx) (follower): commit the last signature <= idx.
CommitIfPossible(s, idx) ==
    IF idx > s.commit /\ TermAt(s.log, idx) <= s.term
    THEN Commit(s, LastSignatureIn(s.log, s.commit, idx))
    ELSE s

\* add_configuration(idx, nodes), called as a reconfiguration entry at idx is
\* appended.  Newly known peers get sent_idx idx - 1 (raft.h sends them an
\* empty AppendEntries at once, see ChangeConfiguration) and match_idx 0.
AddConfiguration(s, idx, nodes) ==
    LET retiring == s.configs /= <<>> /\ s.id \in LatestConfig(s) /\ s.id \notin nodes
        s1 == IF retiring THEN BecomeRetired(s, idx, PhaseOrdered) ELSE s
        fresh == nodes \ (s.peers \cup {s.id})
    IN [s1 EXCEPT !.configs = IF s.configs = <<>> \/ nodes /= LatestConfig(s)
                              THEN (idx :> nodes) @@ @ ELSE @,
                  !.peers = @ \cup fresh,
                  !.sent = [n \in Servers |-> IF n \in fresh THEN idx - 1 ELSE s1.sent[n]],
                  !.match = [n \in Servers |-> IF n \in fresh THEN 0 ELSE s1.match[n]]]

\* Append one entry (replicate on a leader, execute_append_entries_sync on a
\* follower) and run its hooks.
AppendEntry(s, e) ==
    LET idx == Len(s.log) + 1
        s1 == [s EXCEPT !.log = Append(@, e)]
    IN CASE e.type = TypeReconfiguration -> AddConfiguration(s1, idx, e.nodes)
         [] e.type = TypeSignature ->
              IF s1.membership = Retired /\ s1.phase = PhaseOrdered
              THEN BecomeRetired(s1, idx, PhaseSigned) ELSE s1
         [] OTHER -> s1

RECURSIVE AppendEntries(_, _)
AppendEntries(s, es) == IF es = <<>> THEN s ELSE AppendEntries(AppendEntry(s, Head(es)), Tail(es))

\* become_follower: same term; drop the unsigned suffix.
BecomeFollower(s) ==
    [(IF Fix("KeepSuffixOnFollow") THEN s ELSE Rollback(s, LastCommittableIdx(s)))
        EXCEPT !.leadership = Follower, !.leaderId = Nil]

\* become_aware_of_new_term(t)
BecomeAwareOfNewTerm(s, t) ==
    [BecomeFollower([s EXCEPT !.term = t, !.votedFor = Nil, !.votes = {}])
        EXCEPT !.newFollower = TRUE]

\* become_pre_vote_candidate (term unchanged), before sending pre-votes.
BecomePreVoteCandidateState(s) ==
    [s EXCEPT !.leadership = PreVoteCandidate, !.leaderId = Nil, !.votes = {s.id}]

\* become_candidate, before sending votes.
BecomeCandidateState(s) ==
    [s EXCEPT !.leadership = Candidate, !.leaderId = Nil, !.votedFor = s.id,
              !.votes = {s.id}, !.term = @ + 1]

\* become_leader: roll back to the election index (unless nothing is
\* committed yet) and reset the per-peer bookkeeping.
BecomeLeaderState(s) ==
    LET s1 == IF s.commit > 0 THEN Rollback(s, LastCommittableIdx(s)) ELSE s
    IN [s1 EXCEPT !.leadership = Leader, !.leaderId = s.id,
                  !.sent = [n \in Servers |-> Len(s1.log)],
                  !.match = [n \in Servers |-> 0]]

\* A node's index in the leader's view: its own ledger's length, a peer's match_idx.
MatchOf(id, lg, match, n) == IF n = id THEN Len(lg) ELSE match[n]
\* update_commit (leader): the highest signature of the current term held by a
\* quorum of each active configuration. (Bug CommitPrevTerm: any term.)
AgreementIndex(s) ==
    LET idxOf(n) == MatchOf(s.id, s.log, s.match, n)
    IN Min({QuorumIndex(s.configs[k], idxOf) : k \in DOMAIN s.configs})
\* AgreementIndex(s) > k, without computing it: a configuration's agreement
\* index is above k iff a quorum of it holds an index above k.
AgreesBeyond(id, lg, match, configs, k) ==
    \A c \in DOMAIN configs : IsQuorumOf({n \in configs[c] : MatchOf(id, lg, match, n) > k}, configs[c])
LeaderCommitCandidate(s) ==
    IF s.configs = <<>> THEN 0 ELSE LastSignatureIn(s.log, s.commit, AgreementIndex(s))
CanAdvanceCommit(s) ==
    LET c == LeaderCommitCandidate(s)
    IN c > s.commit /\ (TermAt(s.log, c) = s.term \/ Bug("CommitPrevTerm"))

------------------------------------------------------------------------------
\* Messages (fields named after CCF's packet fields in camelCase).

\* raft_append_entries for the range (prev, end] of i's ledger.
AppendEntriesMsg(s, j, prev, end) ==
    [type |-> AppendEntriesRequest, source |-> s.id, dest |-> j, term |-> s.term,
     prevIdx |-> prev, prevTerm |-> TermAt(s.log, prev), idx |-> end,
     termOfIdx |-> TermAt(s.log, end), leaderCommitIdx |-> s.commit,
     entries |-> SubSeq(s.log, prev + 1, end)]

AppendEntriesResponseMsg(s, j, term, lastIdx, success) ==
    [type |-> AppendEntriesResponse, source |-> s.id, dest |-> j, term |-> term,
     lastLogIdx |-> lastIdx, success |-> success]

\* send_append_entries_response_nack(to, rejected): answer with the best guess
\* of the agreement point and the term of that entry.
NackWithEstimate(s, j, prevIdx, prevTerm) ==
    LET k == FindHighestPossibleMatch(s.log, prevIdx, prevTerm)
    IN AppendEntriesResponseMsg(s, j, TermAt(s.log, k), k, FAIL)

\* send_append_entries_response_nack(to): current term and last index.
Nack(s, j) == AppendEntriesResponseMsg(s, j, s.term, Len(s.log), FAIL)

RequestVoteMsg(s, j, type) ==
    LET lci == LastCommittableIdx(s)
    IN [type |-> RequestVoteRequest, source |-> s.id, dest |-> j, term |-> s.term,
        lastCommittableIdx |-> lci, termOfLastCommittableIdx |-> TermAt(s.log, lci),
        electionType |-> type]

RequestVoteResponseMsg(s, j, granted, type) ==
    [type |-> RequestVoteResponse, source |-> s.id, dest |-> j, term |-> s.term,
     voteGranted |-> granted, electionType |-> type]

ProposeVoteMsg(s, j) ==
    [type |-> ProposeVoteRequest, source |-> s.id, dest |-> j, term |-> s.term]

\* send_propose_request_vote: the successor candidates, i.e. the peers with the
\* highest match_idx, ties broken by the newest configuration holding them.
NewestConfigWith(s, n) == MaxOr0({k \in DOMAIN s.configs : n \in s.configs[k]})
SuccessorCandidates(s) ==
    LET known == OtherNodes(s)
        best == {n \in known : \A o \in known :
                    \/ s.match[n] > s.match[o]
                    \/ s.match[n] = s.match[o] /\ NewestConfigWith(s, n) >= NewestConfigWith(s, o)}
    IN best

------------------------------------------------------------------------------
\* Initial states.

\* A service started by `startNode` with configuration `nodes`: every node of
\* `nodes` holds the start ledger with it committed (as after CCF's
\* bootstrap and the first commit), startNode leads; others have joined
\* nothing yet (leadership None, term 0, empty ledger).
InitFrom(startNode, nodes, preVoteNodes) ==
    /\ currentTerm = [i \in Servers |-> IF i \in nodes THEN StartTerm ELSE 0]
    /\ leadershipState = [i \in Servers |-> IF i = startNode THEN Leader
                                            ELSE IF i \in nodes THEN Follower ELSE None]
    /\ membershipState = [i \in Servers |-> Active]
    /\ retirementPhase = [i \in Servers |-> NoRetirement]
    /\ retirementIdx = [i \in Servers |-> 0]
    /\ retirementCommittableIdx = [i \in Servers |-> 0]
    /\ retiredCommittedIdx = [i \in Servers |-> 0]
    /\ votedFor = [i \in Servers |-> Nil]
    /\ votesGranted = [i \in Servers |-> {}]
    /\ leaderId = [i \in Servers |-> IF i \in nodes THEN startNode ELSE Nil]
    /\ isNewFollower = [i \in Servers |-> FALSE]
    /\ preVoteEnabled = [i \in Servers |-> i \in preVoteNodes]
    /\ log = [i \in Servers |-> IF i \in nodes THEN StartLog(nodes) ELSE <<>>]
    /\ commitIndex = [i \in Servers |-> IF i \in nodes THEN 2 ELSE 0]
    /\ configurations = [i \in Servers |-> IF i \in nodes THEN (1 :> nodes) ELSE <<>>]
    /\ peers = [i \in Servers |-> IF i \in nodes THEN nodes \ {i} ELSE {}]
    /\ sentIndex = [i \in Servers |-> [j \in Servers |-> IF i = startNode THEN 2 ELSE 0]]
    /\ matchIndex = [i \in Servers |-> [j \in Servers |-> 0]]
    /\ messages = Net!InitMessages

------------------------------------------------------------------------------
\* Actions.  Each names the raft.h step it models.

\* Cheap tests of a model's bounds, TRUE here: MayRaiseTerm(i) guards each step
\* that raises node i's term by one, MayAppend(i) each step that appends one
\* entry to its ledger, MaySend(i, type, dests) each step in which i sends one
\* message of that type to each node of dests and receives none.  A model
\* overrides them with the part of its bounds that such a step can break
\* (MCConsensus), so that TLC does not build a successor that InBounds' then
\* discards.  Sound: for the step it guards each test is implied by InBounds',
\* so the steps within the bounds, and the states, are the same.
MayRaiseTerm(i) == TRUE
MayAppend(i) == TRUE
MaySend(i, type, dests) == TRUE

\* periodic -> become_pre_vote_candidate: an election timeout with PreVote
\* enabled.  The term is unchanged; pre-vote requests go to every peer of the
\* active configurations in the same step (raft.h sends them in one call).
BecomePreVoteCandidate(i) ==
    /\ leadershipState[i] \in {Follower, PreVoteCandidate, Candidate}
    /\ LET s == NodeState(i)
           s1 == BecomePreVoteCandidateState(s)
           dests == OtherNodesInConfigs(s1)
       IN /\ s.preVote
          /\ ~IsRetiredCommitted(s)
          /\ Ticking(s)
          /\ MaySend(i, RequestVoteRequest, dests)
          /\ SetNodeState(i, s1)
          /\ messages' = Net!WithMessages({RequestVoteMsg(s1, j, PreVote) : j \in dests}, messages)

\* become_candidate: the effect shared by the three ways to it.
BecomeCandidateEffect(i) ==
    LET s1 == BecomeCandidateState(NodeState(i))
        dests == OtherNodesInConfigs(s1)
    IN /\ MaySend(i, RequestVoteRequest, dests)
       /\ SetNodeState(i, s1)
       /\ messages' = Net!WithMessages({RequestVoteMsg(s1, j, RegularVote) : j \in dests}, messages)

\* periodic -> become_candidate (election timeout, PreVote disabled), or
\* add_vote_for_me -> become_candidate (a PreVote quorum in each configuration).
BecomeCandidate(i) ==
    /\ leadershipState[i] \in {Follower, PreVoteCandidate, Candidate}
    /\ MayRaiseTerm(i)
    /\ LET s == NodeState(i)
       IN /\ ~IsRetiredCommitted(s)
          /\ \/ /\ s.leadership \in {Follower, PreVoteCandidate, Candidate}
                /\ ~s.preVote
                /\ Ticking(s)
             \/ /\ s.leadership = PreVoteCandidate
                /\ ElectionQuorum(s.votes, s.configs)
          /\ BecomeCandidateEffect(i)

\* add_vote_for_me -> become_leader: a quorum of votes in each active configuration.
BecomeLeader(i) ==
    /\ leadershipState[i] = Candidate
    /\ LET s == NodeState(i)
       IN /\ ~IsRetiredCommitted(s)
          /\ ElectionQuorum(s.votes, s.configs)
          /\ SetNodeState(i, BecomeLeaderState(s))
          /\ UNCHANGED messages

\* periodic (leader) -> become_follower: CheckQuorum.  Without a model of
\* time, a leader may find at any moment that some configuration has no
\* quorum of recent acknowledgements.
CheckQuorum(i) ==
    /\ leadershipState[i] = Leader
    /\ LET s == NodeState(i)
       IN /\ SetNodeState(i, BecomeFollower(s))
          /\ UNCHANGED messages

\* replicate (leader): a client transaction.
ClientRequest(i) ==
    /\ leadershipState[i] = Leader
    /\ MayAppend(i)
    /\ LET s == NodeState(i)
       IN /\ ~IsRetiredCommitted(s)
          /\ SetNodeState(i, AppendEntry(s, Entry(s.term, TypeEntry, {})))
          /\ UNCHANGED messages

\* replicate (leader) of a signature transaction (emit_signature).
SignCommittableMessages(i) ==
    /\ leadershipState[i] = Leader
    /\ MayAppend(i)
    /\ LET s == NodeState(i)
       IN /\ ~IsRetiredCommitted(s)
          /\ SetNodeState(i, AppendEntry(s, Entry(s.term, TypeSignature, {})))
          /\ UNCHANGED messages

\* replicate (leader) of a reconfiguration transaction -> add_configuration.
\* Nodes join once: a new configuration adds only nodes never configured in
\* this ledger.  New peers get an empty AppendEntries at once.
ChangeConfiguration(i, nodes) ==
    /\ leadershipState[i] = Leader
    /\ MayAppend(i)
    /\ LET s == NodeState(i)
           idx == Len(s.log) + 1
           s1 == AppendEntry(s, Entry(s.term, TypeReconfiguration, nodes))
           fresh == nodes \ (OtherNodes(s) \cup {i})
       IN /\ ~IsRetiredCommitted(s)
          /\ nodes /= {}
          /\ nodes /= LatestConfig(s)
          /\ nodes \subseteq LatestConfig(s) \cup (Servers \ EverConfigured(s.log))
          /\ SetNodeState(i, s1)
          /\ messages' = Net!WithMessages({AppendEntriesMsg(s, j, idx - 1, idx - 1) : j \in fresh}, messages)

\* replicate (leader) of a retired_committed transaction: it names the nodes
\* whose retirement the leader knows committed and no earlier entry named.
\* Its effects come when it commits (see Commit and AdvanceCommitIndex).
RetiredCommittedNodes(s) ==
    (EverConfigured(SubSeq(s.log, 1, s.commit)) \ CurrentConfig(s)) \ RetiredCommittedIn(s.log)

\* AppendRetiredCommittedOf(i, rc): an entry naming only some of them, rc
\* (CCF's driver's `cleanup_nodes,T,ids` names any; when it commits, raft.h's
\* set_retired_committed acts on exactly the nodes named).
AppendRetiredCommittedOf(i, rc) ==
    /\ leadershipState[i] = Leader
    /\ MayAppend(i)
    /\ LET s == NodeState(i)
           s1 == AppendEntry(s, Entry(s.term, TypeRetiredCommitted, rc))
       IN /\ ~IsRetiredCommitted(s)
          /\ rc /= {}
          /\ rc \subseteq RetiredCommittedNodes(s)
          /\ SetNodeState(i, s1)
          /\ UNCHANGED messages

AppendRetiredCommitted(i) ==
    leadershipState[i] = Leader /\ AppendRetiredCommittedOf(i, RetiredCommittedNodes(NodeState(i)))

\* send_append_entries_range (leader): entries (sent_idx, end] of one term,
\* or an empty heartbeat when all is sent; sent_idx advances optimistically.
\* For sent_idx prev, the valid ends are prev + 1 up to the end of the run of
\* entries of one term starting at prev + 1 (prev alone when all is sent).
RECURSIVE RunEnd(_, _)
RunEnd(lg, k) == IF k < Len(lg) /\ lg[k + 1].term = lg[k].term THEN RunEnd(lg, k + 1) ELSE k
LastAppendEntriesEnd(lg, prev) == IF prev >= Len(lg) THEN prev ELSE RunEnd(lg, prev + 1)
AppendEntriesEnds(s, j) ==
    LET prev == s.sent[j]
    IN IF prev >= Len(s.log) THEN {prev} ELSE (prev + 1)..RunEnd(s.log, prev + 1)

\* The send, for an end known to be valid.
SendAppendEntriesBatch(s, j, end) ==
    /\ messages' = Net!WithMessage(AppendEntriesMsg(s, j, s.sent[j], end), messages)
    /\ sentIndex' = [sentIndex EXCEPT ![s.id][j] = end]
    /\ UNCHANGED <<serverVars, candidateVars, logVars, peers, matchIndex>>

SendAppendEntriesTo(i, j, end) ==
    /\ leadershipState[i] = Leader
    /\ LET s == NodeState(i)
       IN /\ j \in OtherNodes(s)
          /\ end \in AppendEntriesEnds(s, j)
          /\ SendAppendEntriesBatch(s, j, end)

SendAppendEntries(i, j) ==
    \E end \in AppendEntriesEnds(NodeState(i), j) : SendAppendEntriesTo(i, j, end)

\* recv_append_entries + execute_append_entries_sync + execute_append_entries_finish.
\* Term check (a newer term, or a candidate hearing of its term's leader:
\* become_aware_of_new_term), consistency check on (prev_idx, prev_term),
\* early AppendEntries before the commit index ignored, a conflicting suffix
\* rolled back only by a new follower, entries appended, commit, then ACK up
\* to the end of this AppendEntries.
\* Returns <<new local state, set of responses (empty or one)>>.
HandleAppendEntries(s, m) ==
    IF m.term < s.term THEN <<s, {Nack(s, m.source)}>>
    ELSE
    LET s1 == IF m.term > s.term \/ s.leadership \in {Candidate, PreVoteCandidate}
              THEN BecomeAwareOfNewTerm(s, m.term) ELSE s
        localPrevTerm == TermAt(s1.log, m.prevIdx)
    IN IF localPrevTerm /= m.prevTerm
       THEN IF localPrevTerm = 0 THEN <<s1, {Nack(s1, m.source)}>>
            ELSE <<s1, {NackWithEstimate(s1, m.source, m.prevIdx, m.prevTerm)}>>
       ELSE
       LET s2 == [s1 EXCEPT !.leaderId = m.source]
       IN IF m.prevIdx < s2.commit
          THEN IF Bug("TruncateCommitted")
               \* A naive follower replaces everything after prev_idx.
               THEN <<[s2 EXCEPT !.log = SubSeq(@, 1, m.prevIdx) \o m.entries],
                      {AppendEntriesResponseMsg(s2, m.source, s2.term, m.idx, OK)}>>
               ELSE <<s2, {}>>
          ELSE
          LET conflicts == {k \in (m.prevIdx + 1)..Min({m.idx, Len(s2.log)}) :
                                s2.log[k].term /= m.termOfIdx}
          IN IF conflicts /= {} /\ ~s2.newFollower
             THEN <<s2, {}>>   \* retain the divergent suffix this term, no answer
             ELSE
             LET s3 == IF conflicts = {} THEN s2
                       ELSE [Rollback(s2, Min(conflicts) - 1) EXCEPT !.newFollower = FALSE]
                 toAppend == SubSeq(m.entries, Len(s3.log) - m.prevIdx + 1, Len(m.entries))
                 s4 == AppendEntries(s3, IF Len(s3.log) >= m.idx THEN <<>> ELSE toAppend)
                 s5 == CommitIfPossible(s4, m.leaderCommitIdx)
                 ackIdx == IF Bug("AckPastEnd") THEN Len(s5.log) ELSE m.idx
             IN <<s5, {AppendEntriesResponseMsg(s5, m.source, s5.term, ackIdx, OK)}>>

\* Receive-and-answer step for a message m: apply the handler's result.
ApplyHandled(i, m, res) ==
    /\ SetNodeState(i, res[1])
    /\ messages' = Net!WithMessages(res[2], Net!Consumed(m, messages))

\* Each RcvX(i, j) receives some deliverable message m of its kind from j at i
\* by the step RcvXOf(i, m).
RcvAppendEntriesRequestOf(i, m) == ApplyHandled(i, m, HandleAppendEntries(NodeState(i), m))

RcvAppendEntriesRequest(i, j) ==
    \E m \in Net!Deliverable :
        /\ m.type = AppendEntriesRequest /\ m.dest = i /\ m.source = j
        /\ RcvAppendEntriesRequestOf(i, m)

\* recv_append_entries_response (leader).  ACK: match_idx rises (never
\* falls).  NACK: sent_idx rolls back to the leader's own best match for the
\* follower's estimate (term, last_log_idx), not below match_idx.
\* (Bug CommitOnNack: the NACK's index becomes match_idx.)
HandleAppendEntriesResponse(s, m) ==
    LET j == m.source
    IN IF j \notin OtherNodes(s) \/ s.leadership /= Leader THEN s
       ELSE IF m.term > s.term THEN BecomeAwareOfNewTerm(s, m.term)
       ELSE IF m.success = OK /\ (m.term < s.term \/ m.lastLogIdx < s.match[j]) THEN s
       ELSE IF m.success = FAIL
            THEN IF Bug("CommitOnNack")
                 THEN [s EXCEPT !.match[j] = m.lastLogIdx, !.sent[j] = m.lastLogIdx]
                 ELSE LET estimate == FindHighestPossibleMatch(s.log, m.lastLogIdx, m.term)
                      IN [s EXCEPT !.sent[j] = Max({Min({estimate, s.sent[j]}), s.match[j]})]
       ELSE [s EXCEPT !.match[j] = Max({@, m.lastLogIdx})]

RcvAppendEntriesResponseOf(i, m) ==
    /\ SetNodeState(i, HandleAppendEntriesResponse(NodeState(i), m))
    /\ Net!Receive(m)

RcvAppendEntriesResponse(i, j) ==
    \E m \in Net!Deliverable :
        /\ m.type = AppendEntriesResponse /\ m.dest = i /\ m.source = j
        /\ RcvAppendEntriesResponseOf(i, m)

\* update_commit (leader), run by raft.h after an ACK (and after replicate or
\* become_leader when alone): commit the highest signature of the current
\* term that a quorum of each active configuration holds.  If that commits a
\* retired_committed entry naming the leader, it becomes RetiredCommitted
\* and nominates a successor (send_propose_request_vote).
AdvanceCommitIndex(i) ==
    /\ leadershipState[i] = Leader
    \* Implied by CanAdvanceCommit and cheaper: a signature beyond the commit
    \* index, and a quorum of each active configuration beyond it (the
    \* agreement index of a configuration is above the commit index only then).
    \* (Tests, not \E or \/: TLC explores each witness of those as a branch.)
    /\ LastSignatureIn(log[i], commitIndex[i], Len(log[i])) > 0
    /\ AgreesBeyond(i, log[i], matchIndex[i], configurations[i], commitIndex[i])
    /\ LET s == NodeState(i)
       IN /\ CanAdvanceCommit(s)
          /\ LET s1 == Commit(s, LeaderCommitCandidate(s))
             IN /\ SetNodeState(i, s1)
                /\ IF IsRetiredCommitted(s1) /\ ~IsRetiredCommitted(s) /\ SuccessorCandidates(s) /= {}
                   THEN \E j \in SuccessorCandidates(s) : messages' = Net!WithMessage(ProposeVoteMsg(s1, j), messages)
                   ELSE UNCHANGED messages

\* nominate_successor (the driver's `nominate_successor`, logged as
\* step_down_and_nominate_successor): a leader sends ProposeRequestVote to a
\* successor candidate, if it has a peer; it stays leader.  Not in Next (the
\* model configs would pay for an action CCF only takes on request); the
\* trace spec and NextWithNomination use it.
NominateSuccessor(i) ==
    LET s == NodeState(i)
    IN /\ s.leadership = Leader
       /\ SuccessorCandidates(s) /= {}
       /\ \E j \in SuccessorCandidates(s) : messages' = Net!WithMessage(ProposeVoteMsg(s, j), messages)
       /\ UNCHANGED nodeVars

\* recv_request_vote / recv_request_pre_vote.  A newer term is adopted even
\* for a pre-vote.  A regular vote is refused if a leader is known or another
\* node got the vote; any vote needs the candidate's last committable index
\* and its term to be at least ours.  Returns <<state, set of responses>>.
HandleRequestVote(s, m) ==
    IF m.electionType = PreVote /\ s.id \notin PreVoteCapable THEN <<s, {}>>
    ELSE IF m.term < s.term THEN <<s, {RequestVoteResponseMsg(s, m.source, FALSE, m.electionType)}>>
    ELSE
    LET s1 == IF m.term > s.term THEN BecomeAwareOfNewTerm(s, m.term) ELSE s
        regular == m.electionType = RegularVote
        lci == LastCommittableIdx(s1)
        lciTerm == TermAt(s1.log, lci)
        logOk == \/ m.termOfLastCommittableIdx > lciTerm
                 \/ m.termOfLastCommittableIdx = lciTerm /\ m.lastCommittableIdx >= lci
        grant == /\ ~(regular /\ s1.leaderId /= Nil)
                 /\ ~(regular /\ s1.votedFor \notin {Nil, m.source})
                 /\ logOk
        s2 == IF grant /\ regular THEN [s1 EXCEPT !.leaderId = Nil, !.votedFor = m.source] ELSE s1
    IN <<s2, {RequestVoteResponseMsg(s2, m.source, grant, m.electionType)}>>

RcvRequestVoteRequestOf(i, m) == ApplyHandled(i, m, HandleRequestVote(NodeState(i), m))

RcvRequestVoteRequest(i, j) ==
    \E m \in Net!Deliverable :
        /\ m.type = RequestVoteRequest /\ m.dest = i /\ m.source = j
        /\ RcvRequestVoteRequestOf(i, m)

\* recv_request_vote_response / recv_request_pre_vote_response.
HandleRequestVoteResponse(s, m) ==
    IF m.source \notin OtherNodes(s) THEN s
    ELSE IF m.term > s.term THEN BecomeAwareOfNewTerm(s, m.term)
    ELSE IF m.term < s.term THEN s
    ELSE IF \/ m.electionType = RegularVote /\ s.leadership /= Candidate
            \/ m.electionType = PreVote /\ s.leadership /= PreVoteCandidate
            \/ ~m.voteGranted
         THEN s
    ELSE [s EXCEPT !.votes = @ \cup {m.source}]

RcvRequestVoteResponseOf(i, m) ==
    /\ SetNodeState(i, HandleRequestVoteResponse(NodeState(i), m))
    /\ Net!Receive(m)

RcvRequestVoteResponse(i, j) ==
    \E m \in Net!Deliverable :
        /\ m.type = RequestVoteResponse /\ m.dest = i /\ m.source = j
        /\ RcvRequestVoteResponseOf(i, m)

\* recv_propose_request_vote: become candidate at once if in the same term.
RcvProposeVoteRequestOf(i, m) ==
    LET s == NodeState(i)
    IN IF ~IsRetiredCommitted(s) /\ Ticking(s) /\ m.term = s.term
       THEN LET s1 == BecomeCandidateState(s)
            IN /\ MayRaiseTerm(i)
               /\ SetNodeState(i, s1)
               /\ messages' = Net!WithMessages(
                     {RequestVoteMsg(s1, k, RegularVote) : k \in OtherNodesInConfigs(s1)},
                     Net!Consumed(m, messages))
       ELSE /\ UNCHANGED nodeVars
            /\ Net!Receive(m)

RcvProposeVoteRequest(i, j) ==
    \E m \in Net!Deliverable :
        /\ m.type = ProposeVoteRequest /\ m.dest = i /\ m.source = j
        /\ RcvProposeVoteRequestOf(i, m)

\* Receiving a deliverable message m at its destination: the disjunction of
\* every RcvX(i, j) is \E m \in Net!Deliverable : RcvMessage(m), as messages go
\* between servers.  Next uses this form, which looks at each message once
\* instead of once per kind and pair of nodes.
RcvMessage(m) ==
    CASE m.type = AppendEntriesRequest -> RcvAppendEntriesRequestOf(m.dest, m)
      [] m.type = AppendEntriesResponse -> RcvAppendEntriesResponseOf(m.dest, m)
      [] m.type = RequestVoteRequest -> RcvRequestVoteRequestOf(m.dest, m)
      [] m.type = RequestVoteResponse -> RcvRequestVoteResponseOf(m.dest, m)
      [] m.type = ProposeVoteRequest -> RcvProposeVoteRequestOf(m.dest, m)
      [] OTHER -> FALSE

\* A PreVote-capable node is upgraded to start its elections with PreVote.
EnablePreVote(i) ==
    /\ i \in PreVoteCapable
    /\ ~preVoteEnabled[i]
    /\ preVoteEnabled' = [preVoteEnabled EXCEPT ![i] = TRUE]
    /\ UNCHANGED <<serverVars, votedFor, votesGranted, leaderId, isNewFollower,
                   logVars, leaderVars, messages>>

\* The network loses a message (drop_pending_to drops those to one node).
DropMessage(m) ==
    /\ m \in Net!Messages
    /\ Net!Lose(m)
    /\ UNCHANGED nodeVars

------------------------------------------------------------------------------
\* The specification.

\* Reconfigurations a leader may propose (the model bounds them).
CONSTANT Reconfigurations

Next ==
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
    \/ \E i, j \in Servers : SendAppendEntries(i, j)
    \/ \E m \in Net!Deliverable : RcvMessage(m)
    \/ \E m \in Net!Messages : DropMessage(m)

NextWithNomination == Next \/ \E i \in Servers : NominateSuccessor(i)

\* Any service start: some node starts the service with a configuration that
\* holds it, and some PreVote-capable nodes start with PreVote on.  A model
\* picks one of these (MCConsensus's MCInit).
Init ==
    \E start \in Servers, nodes \in SUBSET Servers, preVoteNodes \in SUBSET PreVoteCapable :
        start \in nodes /\ InitFrom(start, nodes, preVoteNodes)

\* The bounds of a model: TRUE here; a model overrides it with its state
\* constraint (InBounds <- StateConstraint), so that TLC never generates a
\* successor beyond them: TLC checks every invariant of such a successor
\* before it discards it, which made up most of the invariant checking.
InBounds == TRUE

\* Safety only: liveness needs fairness and is checked in bounded form (SIMHeal).
Spec == Init /\ [][Next /\ InBounds']_vars

=============================================================================
