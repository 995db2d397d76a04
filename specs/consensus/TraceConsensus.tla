--------------------------- MODULE TraceConsensus ---------------------------
(***************************************************************************)
(* Trace validation of CCF-format raft traces (CCF's own C++ traces and    *)
(* pyccf's) against Consensus.tla.                                         *)
(*                                                                         *)
(* The traces come in a generated module TraceData (tracecheck.validation.raft.module): *)
(* TraceLogs[t] is the t-th trace of a batch, a sequence of event records  *)
(* with the same fields for every event kind.  Variable t picks the trace, *)
(* l is the index of the next event to match.  Each step of TraceNext      *)
(* matches event l: it names the spec action(s) the event witnesses, pins  *)
(* every logged field (the node's state before or after the step, as the   *)
(* event defines it; packet fields; sent_idx/match_idx), and lets          *)
(* non-determinism fill the rest.                                          *)
(*                                                                         *)
(* Granularity.  raft.h logs several events for what Consensus.tla does in *)
(* one step: recv_append_entries is followed by become_follower,           *)
(* execute_append_entries_sync / add_configuration per entry, commit and   *)
(* send_append_entries_response; become_candidate and add_configuration   *)
(* are followed by one send event per peer.  The spec step is taken at the *)
(* first event; the later events are stuttering steps that assert the      *)
(* spec's state.  Messages the spec sent in such a step wait in `unlogged` *)
(* until their send event is matched, so a send logged twice, or never     *)
(* sent, does not match.  The other way round, a term update piggy-backed  *)
(* on a message is part of the spec's receive handlers already.            *)
(*                                                                         *)
(* Acceptance is reported through PrintT (tracecheck.validation.tlc_run): the    *)
(* constraint TraceReach prints <<"tv-reach", t, l>> whenever trace t      *)
(* first reaches event l; a trace is accepted iff l = Len(TraceLogs[t])+1  *)
(* is reached.  The spec's invariants are checked as a constraint          *)
(* (TraceInvariants): a violating state is reported and pruned, so a dead  *)
(* end that violates them raises no false alarm but cannot match further.  *)
(* Only TLC features of both 2.15 and 1.8 are used (no \cdot, no           *)
(* CommunityModules, no JSON reading, no POSTCONDITION/ALIAS).             *)
(***************************************************************************)
EXTENDS ConsensusProperties, TraceData, TLC

VARIABLES
    \* Index of the trace of the batch that this behaviour replays.
    t,
    \* Index of the next event of TraceLogs[t] to match.
    l,
    \* Messages the spec has sent whose send event is not logged yet (node -> set).
    unlogged

traceVars == <<t, l, unlogged>>

\* Every node of every trace of the batch.
TraceServers == UNION {TraceNodeSets[k] : k \in DOMAIN TraceNodeSets}

TraceLog == TraceLogs[t]

\* The event to match.  Beware: E depends on l, so E' is the *next* event.
E == TraceLog[l]

------------------------------------------------------------------------------
\* The logged view of a node's state (msg.state in the trace vocabulary).

\* CCF logs the first and last of the committable indices only.
FirstLast(S) ==
    IF S = {} THEN <<>> ELSE IF Min(S) = Max(S) THEN <<Min(S)>> ELSE <<Min(S), Max(S)>>

PhaseName(p) == IF p = NoRetirement THEN "" ELSE p

ObsOf(term, lead, memb, lg, commit, phase, ridx, rcidx, rdidx, pv) ==
    [current_view |-> term, last_idx |-> Len(lg), commit_idx |-> commit,
     leadership_state |-> lead, membership_state |-> memb,
     committable_indices |-> FirstLast(SignaturesIn(lg, commit, Len(lg))),
     retirement_phase |-> PhaseName(phase), retirement_idx |-> ridx,
     retirement_committable_idx |-> rcidx, retired_committed_idx |-> rdidx,
     pre_vote_enabled |-> pv]

\* Node i's logged view in this state, and in the next state.
Obs(i) ==
    ObsOf(currentTerm[i], leadershipState[i], membershipState[i], log[i], commitIndex[i],
          retirementPhase[i], retirementIdx[i], retirementCommittableIdx[i], retiredCommittedIdx[i],
          preVoteEnabled[i])
ObsNext(i) ==
    ObsOf(currentTerm'[i], leadershipState'[i], membershipState'[i], log'[i], commitIndex'[i],
          retirementPhase'[i], retirementIdx'[i], retirementCommittableIdx'[i], retiredCommittedIdx'[i],
          preVoteEnabled'[i])

\* The fields CCF logs, compared.  Fields absent from the log line are "" / 0
\* in the event record (tracecheck.validation.raft.module), as they are in Obs.
Fields == {"current_view", "last_idx", "commit_idx", "leadership_state", "membership_state",
           "retirement_phase", "retirement_idx", "retirement_committable_idx",
           "retired_committed_idx", "pre_vote_enabled"}
Matches(o, st) ==
    /\ \A f \in Fields : o[f] = st[f]
    /\ st.has_committable_indices => o.committable_indices = st.committable_indices

\* For the log line of a send the spec made in an earlier step that also
\* appended an entry (raft.h logs it before the entry is appended).
MatchesBefore(o, st) ==
    /\ \A f \in Fields \ {"last_idx"} : o[f] = st[f]
    /\ st.last_idx \in {o.last_idx - 1, o.last_idx}

\* The logged configurations (a sequence of [idx, nodes]) as the spec's function.
ConfigsMatch(c, logged) ==
    /\ DOMAIN c = {logged[k].idx : k \in DOMAIN logged}
    /\ \A k \in DOMAIN logged : c[logged[k].idx] = logged[k].nodes

------------------------------------------------------------------------------
\* Packets: the spec's messages against the logged packet fields.

\* A regular vote is logged without election_type.
ElectionTypeOf(p) == IF p.election_type = "" THEN RegularVote ELSE p.election_type

PacketMatches(m, p) ==
    /\ m.type = p.msg
    /\ m.term = p.term
    /\ CASE p.msg = AppendEntriesRequest ->
              /\ m.prevIdx = p.prev_idx /\ m.prevTerm = p.prev_term /\ m.idx = p.idx
              /\ m.termOfIdx = p.term_of_idx /\ m.leaderCommitIdx = p.leader_commit_idx
         [] p.msg = AppendEntriesResponse ->
              m.lastLogIdx = p.last_log_idx /\ m.success = p.success
         [] p.msg = RequestVoteRequest ->
              /\ m.lastCommittableIdx = p.last_committable_idx
              /\ m.termOfLastCommittableIdx = p.term_of_last_committable_idx
              /\ m.electionType = ElectionTypeOf(p)
         [] p.msg = RequestVoteResponse ->
              m.voteGranted = p.vote_granted /\ m.electionType = ElectionTypeOf(p)
         [] OTHER -> TRUE

\* The message at the head of the channel from j to i (ordered network).  It
\* can be received only once its send is logged: a message still in
\* unlogged[j] was not sent yet as far as the trace is concerned.
HeadMsg(j, i) == messages[<<j, i>>][1]
HasHead(j, i) == messages[<<j, i>>] /= <<>> /\ messages[<<j, i>>][1] \notin unlogged[j]

\* Messages this step appends to the network (ordered: the new channel suffixes).
NewMessages ==
    UNION {Net!SeqRange(SubSeq(messages'[p], Len(messages[p]) + 1, Len(messages'[p]))) :
           p \in Net!Channels}

------------------------------------------------------------------------------
\* Steps.

\* Event l is a `fn` event; the step consumes it.
IsEvent(fn) ==
    /\ l <= Len(TraceLog)
    /\ E.fn = fn
    /\ l' = l + 1
    /\ UNCHANGED t

Stutter == UNCHANGED <<vars, unlogged>>

\* Messages sent in this step wait for their send events.
LogLater(i) == unlogged' = [unlogged EXCEPT ![i] = @ \cup NewMessages]

\* A message of i's that the spec sent earlier is now logged as sent.
Logged(i, j, p) ==
    \E m \in unlogged[i] :
        /\ m.dest = j /\ PacketMatches(m, p)
        /\ unlogged' = [unlogged EXCEPT ![i] = @ \ {m}]
        /\ UNCHANGED vars

\* replicate (leader): ClientRequest, SignCommittableMessages, or the
\* retired_committed entry.  Logged before the entry is appended.  The
\* entry of a `cleanup_nodes,T,ids` line names exactly those ids (its cmd,
\* E.cleanup_nodes), which need not be all the spec would name.
TraceReplicate ==
    /\ IsEvent("replicate")
    /\ LET i == E.node IN
       /\ Matches(Obs(i), E.state)
       /\ E.idx = Len(log[i]) + 1 /\ E.view = currentTerm[i]
       /\ IF E.globally_committable THEN SignCommittableMessages(i)
          ELSE IF E.cleanup_nodes /= {} THEN AppendRetiredCommittedOf(i, E.cleanup_nodes)
          ELSE ClientRequest(i) \/ AppendRetiredCommitted(i)
       /\ LogLater(i)

\* add_configuration on a leader: ChangeConfiguration, logged before the
\* entry is appended; the empty AppendEntries to new nodes are logged next.
TraceAddConfigurationLeader ==
    /\ IsEvent("add_configuration")
    /\ LET i == E.node IN
       /\ leadershipState[i] = Leader
       /\ Matches(Obs(i), E.state)
       /\ E.new_configuration.idx = Len(log[i]) + 1
       /\ ChangeConfiguration(i, E.new_configuration.nodes)
       /\ LogLater(i)

\* add_configuration on a follower: logged as a reconfiguration entry of an
\* AppendEntries (already handled in full by the spec) is appended.
TraceAddConfigurationFollower ==
    /\ IsEvent("add_configuration")
    /\ LET i == E.node
           k == E.new_configuration.idx IN
       /\ leadershipState[i] /= Leader
       /\ k = E.state.last_idx /\ k <= Len(log[i])
       /\ log[i][k].type = TypeReconfiguration /\ log[i][k].nodes = E.new_configuration.nodes
       /\ E.state.current_view = currentTerm[i]
       /\ Stutter

\* execute_append_entries_sync: one entry of a handled AppendEntries is
\* appended; logged before it is.
TraceExecuteAppendEntriesSync ==
    /\ IsEvent("execute_append_entries_sync")
    /\ LET i == E.node IN
       /\ E.state.current_view = currentTerm[i]
       /\ E.state.last_idx < Len(log[i])
       /\ E.state.leadership_state = leadershipState[i]
       /\ Stutter

\* send_append_entries (leader).  Either SendAppendEntries with the logged
\* range (sent_idx and match_idx logged before the send), or the log line of
\* an AppendEntries the spec sent with a reconfiguration.
TraceSendAppendEntries ==
    /\ IsEvent("send_append_entries")
    /\ LET i == E.node
           j == E.to IN
       /\ \/ /\ Matches(Obs(i), E.state)
             /\ E.sent_idx = sentIndex[i][j] /\ E.match_idx = matchIndex[i][j]
             /\ SendAppendEntriesTo(i, j, E.packet.idx)
             /\ PacketMatches(messages'[<<i, j>>][Len(messages'[<<i, j>>])], E.packet)
             /\ UNCHANGED unlogged
          \/ /\ MatchesBefore(Obs(i), E.state)
             /\ Logged(i, j, E.packet)

\* recv_append_entries: RcvAppendEntriesRequest of the head message from j,
\* in full (term update, truncation, append, commit, response).  Logged before.
TraceRecvAppendEntries ==
    /\ IsEvent("recv_append_entries")
    /\ LET i == E.node
           j == E.from IN
       /\ Matches(Obs(i), E.state)
       /\ HasHead(j, i)
       /\ LET m == HeadMsg(j, i) IN
          /\ m.type = AppendEntriesRequest
          /\ PacketMatches(m, E.packet)
          /\ ApplyHandled(i, m, HandleAppendEntries(NodeState(i), m))
       /\ LogLater(i)

\* send_append_entries_response: the answer the spec's handler produced,
\* logged with the node's state after the whole step.
TraceSendAppendEntriesResponse ==
    /\ IsEvent("send_append_entries_response")
    /\ LET i == E.node IN
       /\ Matches(Obs(i), E.state)
       /\ Logged(i, E.to, E.packet)

\* recv_append_entries_response (leader): RcvAppendEntriesResponse of the
\* head message; sent_idx and match_idx logged before.
TraceRecvAppendEntriesResponse ==
    /\ IsEvent("recv_append_entries_response")
    /\ LET i == E.node
           j == E.from IN
       /\ Matches(Obs(i), E.state)
       /\ E.sent_idx = sentIndex[i][j] /\ E.match_idx = matchIndex[i][j]
       /\ HasHead(j, i)
       /\ LET m == HeadMsg(j, i) IN
          /\ m.type = AppendEntriesResponse
          /\ PacketMatches(m, E.packet)
          /\ SetNodeState(i, HandleAppendEntriesResponse(NodeState(i), m))
          /\ Net!Receive(m)
       /\ UNCHANGED unlogged

\* commit: on a leader AdvanceCommitIndex (logged before, args.idx the new
\* commit index); on a follower part of a handled AppendEntries.
TraceCommit ==
    /\ IsEvent("commit")
    /\ LET i == E.node IN
       \/ /\ leadershipState[i] = Leader
          /\ Matches(Obs(i), E.state)
          /\ AdvanceCommitIndex(i)
          /\ commitIndex'[i] = E.idx
          /\ UNCHANGED unlogged
       \/ /\ leadershipState[i] /= Leader
          /\ E.state.commit_idx < E.idx /\ E.idx <= commitIndex[i]
          /\ E.state.current_view = currentTerm[i]
          /\ Stutter

\* send_request_vote: a (pre-)vote request the spec sent on becoming a
\* (pre-vote) candidate.
TraceSendRequestVote ==
    /\ IsEvent("send_request_vote")
    /\ LET i == E.node IN
       /\ Matches(Obs(i), E.state)
       /\ Logged(i, E.to, E.packet)

TraceRecvRequestVote ==
    /\ IsEvent("recv_request_vote")
    /\ LET i == E.node
           j == E.from IN
       /\ Matches(Obs(i), E.state)
       /\ HasHead(j, i)
       /\ LET m == HeadMsg(j, i) IN
          /\ m.type = RequestVoteRequest
          /\ PacketMatches(m, E.packet)
          /\ ApplyHandled(i, m, HandleRequestVote(NodeState(i), m))
       /\ UNCHANGED unlogged

TraceRecvRequestVoteResponse ==
    /\ IsEvent("recv_request_vote_response")
    /\ LET i == E.node
           j == E.from IN
       /\ Matches(Obs(i), E.state)
       /\ HasHead(j, i)
       /\ LET m == HeadMsg(j, i) IN
          /\ m.type = RequestVoteResponse
          /\ PacketMatches(m, E.packet)
          /\ SetNodeState(i, HandleRequestVoteResponse(NodeState(i), m))
          /\ Net!Receive(m)
       /\ UNCHANGED unlogged

TraceRecvProposeRequestVote ==
    /\ IsEvent("recv_propose_request_vote")
    /\ LET i == E.node
           j == E.from IN
       /\ Matches(Obs(i), E.state)
       /\ HasHead(j, i)
       /\ HeadMsg(j, i).type = ProposeVoteRequest
       /\ PacketMatches(HeadMsg(j, i), E.packet)
       /\ RcvProposeVoteRequest(i, j)
       /\ LogLater(i)

\* step_down_and_nominate_successor (leader, logged before the send, which
\* has no log line of its own): NominateSuccessor, or nothing without a peer.
\* Later CCF versions log the successor as to_node_id: then it is pinned.
TraceNominateSuccessor ==
    /\ IsEvent("step_down_and_nominate_successor")
    /\ LET i == E.node IN
       /\ leadershipState[i] = Leader
       /\ Matches(Obs(i), E.state)
       /\ ConfigsMatch(configurations[i], E.configurations)
       /\ IF SuccessorCandidates(NodeState(i)) = {} THEN Stutter
          ELSE /\ NominateSuccessor(i)
               /\ E.to /= "" => ProposeVoteMsg(NodeState(i), E.to) \in NewMessages
               /\ UNCHANGED unlogged

\* become_* events are logged after the change.
TraceBecomePreVoteCandidate ==
    /\ IsEvent("become_pre_vote_candidate")
    /\ LET i == E.node IN
       /\ BecomePreVoteCandidate(i)
       /\ Matches(ObsNext(i), E.state)
       /\ ConfigsMatch(configurations'[i], E.configurations)
       /\ LogLater(i)

TraceBecomeCandidate ==
    /\ IsEvent("become_candidate")
    /\ LET i == E.node IN
       \/ /\ BecomeCandidate(i)
          /\ Matches(ObsNext(i), E.state)
          /\ ConfigsMatch(configurations'[i], E.configurations)
          /\ LogLater(i)
       \* after recv_propose_request_vote, which the spec handled in full
       \/ /\ leadershipState[i] = Candidate
          /\ Matches(Obs(i), E.state)
          /\ ConfigsMatch(configurations[i], E.configurations)
          /\ Stutter

TraceBecomeLeader ==
    /\ IsEvent("become_leader")
    /\ LET i == E.node IN
       /\ BecomeLeader(i)
       /\ Matches(ObsNext(i), E.state)
       /\ ConfigsMatch(configurations'[i], E.configurations)
       /\ UNCHANGED unlogged

\* become_follower: CheckQuorum on a leader, or the log line of a term
\* update (or a first AppendEntries) the spec's receive handler performed.
TraceBecomeFollower ==
    /\ IsEvent("become_follower")
    /\ LET i == E.node IN
       \/ /\ CheckQuorum(i)
          /\ Matches(ObsNext(i), E.state)
          /\ ConfigsMatch(configurations'[i], E.configurations)
          /\ UNCHANGED unlogged
       \* logged before the handler goes on (appends, commits, answers); an
       \* entry it appends later may retire the node, so the membership is
       \* pinned only when nothing was appended after this line
       \/ /\ leadershipState[i] = Follower
          /\ E.state.leadership_state = Follower
          /\ E.state.current_view = currentTerm[i]
          /\ E.state.last_idx < Len(log[i]) \/ E.state.membership_state = membershipState[i]
          /\ E.state.commit_idx <= commitIndex[i]
          /\ Stutter

\* drop_pending_to: the test driver drops exactly this message, the first
\* pending one from `from` to `to` with the logged packet.
TraceDropPendingTo ==
    /\ IsEvent("drop_pending_to")
    /\ LET i == E.from
           j == E.to
           ch == messages[<<i, j>>]
           k == CHOOSE x \in DOMAIN ch \cup {0} :
                    \/ x = 0 /\ ~\E y \in DOMAIN ch : PacketMatches(ch[y], E.packet)
                    \/ /\ x \in DOMAIN ch /\ PacketMatches(ch[x], E.packet)
                       /\ \A y \in 1..(x - 1) : ~PacketMatches(ch[y], E.packet)
       IN /\ Matches(Obs(E.node), E.state)
          /\ k /= 0 /\ ch[k] \notin unlogged[i]
          /\ messages' = [messages EXCEPT ![<<i, j>>] = SubSeq(ch, 1, k - 1) \o SubSeq(ch, k + 1, Len(ch))]
          /\ UNCHANGED <<nodeVars, unlogged>>

\* The one spec step with no log line: raft.h's recv_append_entries_response
\* looks the sender up in all_other_nodes before it logs, so a response from
\* a node the leader has forgotten (its retirement committed) is consumed
\* silently.  The spec's handler ignores it too (HandleAppendEntriesResponse).
\* Deterministic (the head of one channel), so it adds no branching.
TraceDiscardFromForgottenPeer ==
    /\ l <= Len(TraceLog)
    /\ \E i, j \in Servers :
        /\ HasHead(j, i)
        /\ HeadMsg(j, i).type = AppendEntriesResponse
        /\ j \notin OtherNodes(NodeState(i))
        /\ RcvAppendEntriesResponse(i, j)
    /\ UNCHANGED <<t, l, unlogged>>

TraceNext ==
    \/ TraceReplicate
    \/ TraceAddConfigurationLeader
    \/ TraceAddConfigurationFollower
    \/ TraceExecuteAppendEntriesSync
    \/ TraceSendAppendEntries
    \/ TraceRecvAppendEntries
    \/ TraceSendAppendEntriesResponse
    \/ TraceRecvAppendEntriesResponse
    \/ TraceCommit
    \/ TraceSendRequestVote
    \/ TraceRecvRequestVote
    \/ TraceRecvRequestVoteResponse
    \/ TraceRecvProposeRequestVote
    \/ TraceNominateSuccessor
    \/ TraceBecomePreVoteCandidate
    \/ TraceBecomeCandidate
    \/ TraceBecomeLeader
    \/ TraceBecomeFollower
    \/ TraceDropPendingTo
    \/ TraceDiscardFromForgottenPeer

------------------------------------------------------------------------------
\* Initial states: the bootstrap event (TraceLog[1]) starts the service.
\* Its commit_idx is logged before the start node commits the start ledger
\* (the spec's InitFrom has it committed), so it is not pinned.

TraceInit ==
    /\ t \in DOMAIN TraceLogs
    /\ l = 2
    /\ \A k \in DOMAIN TraceLogs : TLCSet(k, 0)
    /\ LET b == TraceLogs[t][1]
           nodes == UNION {b.configurations[k].nodes : k \in DOMAIN b.configurations}
       IN /\ b.fn = "bootstrap"
          /\ InitFrom(b.node, nodes, TracePreVoteNodes[t])
          /\ Matches([Obs(b.node) EXCEPT !.commit_idx = b.state.commit_idx,
                                         !.committable_indices = b.state.committable_indices],
                     b.state)
    /\ unlogged = [i \in Servers |-> {}]

TraceSpec == TraceInit /\ [][TraceNext]_<<vars, traceVars>>

------------------------------------------------------------------------------
\* Reporting (constraints that always hold, for their PrintT side effect).

TraceReach ==
    IF TLCGet(t) < l THEN TLCSet(t, l) /\ PrintT(<<"tv-reach", t, l>>) ELSE TRUE

TraceCheck(name, p) == p \/ ~PrintT(<<"tv-inv", t, l, name>>)

\* The invariants of constant cost are checked in every state.  The ledger
\* invariants (LedgerInvNames) cost time linear in the ledger when checked in
\* full: with TraceInvariantStride[t] = 0 they are checked in full in the
\* initial state and per step afterwards (TraceStepInvariants), so every state
\* is checked at a cost in the size of each step's change; with a stride n > 0
\* (--invariant-sample) in full every n-th event and in the last state only.
LedgerCheckedInFull ==
    IF TraceInvariantStride[t] = 0 THEN l = 2
    ELSE (l - 2) % TraceInvariantStride[t] = 0 \/ l > Len(TraceLog)

TraceInvariants ==
    TraceCheckInvariants =>
        /\ TraceCheck("MoreThanOneLeaderInv", MoreThanOneLeaderInv)
        /\ TraceCheck("CommitIndexInv", CommitIndexInv)
        /\ TraceCheck("MembershipInv", MembershipInv)
        /\ LedgerCheckedInFull =>
               \A k \in DOMAIN LedgerInvNames : TraceCheck(LedgerInvNames[k], LedgerInv(LedgerInvNames[k]))

\* An action constraint: the state after the step violates the invariant
\* (reported with that state's l, as TraceCheck does).  StepLedgerInv relies
\* on every invariant holding before the step: violating states are pruned.
TraceCheckNext(name, p) == p \/ ~PrintT(<<"tv-inv", t, l', name>>)

TraceStepInvariants ==
    (TraceCheckInvariants /\ TraceInvariantStride[t] = 0) =>
        LET grows == Grows IN
        \A k \in DOMAIN LedgerInvNames :
            TraceCheckNext(LedgerInvNames[k],
                           IF grows THEN LedgerInvStep(LedgerInvNames[k]) ELSE LedgerInv(LedgerInvNames[k])')

\* What tracecheck compares with a failing event (diagnosis runs only).
PacketOf(m) ==
    [msg |-> m.type, term |-> m.term] @@
    CASE m.type = AppendEntriesRequest ->
           [prev_idx |-> m.prevIdx, prev_term |-> m.prevTerm, idx |-> m.idx,
            term_of_idx |-> m.termOfIdx, leader_commit_idx |-> m.leaderCommitIdx]
      [] m.type = AppendEntriesResponse ->
           [last_log_idx |-> m.lastLogIdx, success |-> m.success]
      [] m.type = RequestVoteRequest ->
           [last_committable_idx |-> m.lastCommittableIdx,
            term_of_last_committable_idx |-> m.termOfLastCommittableIdx]
      [] m.type = RequestVoteResponse -> [vote_granted |-> m.voteGranted]
      [] OTHER -> [type |-> m.type]

\* Values the spec derives for the failing event's step (why it is or is not enabled).
Derived(e) ==
    LET s == NodeState(e.node) IN
    CASE e.fn = "commit" /\ s.leadership = Leader ->
           [commit_to |-> IF CanAdvanceCommit(s) THEN LeaderCommitCandidate(s) ELSE s.commit,
            rule |-> "highest signature of its own term held by a quorum of each configuration"]
      [] e.fn = "commit" ->
           [commit_to |-> s.commit, rule |-> "commit index after the AppendEntries it handled"]
      [] e.fn \in {"become_leader", "become_candidate"} ->
           [election_quorum |-> ElectionQuorum(s.votes, s.configs), votes |-> s.votes,
            configurations |-> {s.configs[k] : k \in DOMAIN s.configs}]
      [] OTHER -> [none |-> TRUE]

TraceObservation(e) ==
    LET i == e.node
        j == e.peer
        incoming == e.fn \in {"recv_append_entries", "recv_append_entries_response",
                               "recv_request_vote", "recv_request_vote_response",
                               "recv_propose_request_vote"}
        pending == IF e.fn = "drop_pending_to" THEN Net!SeqRange(messages[<<e.from, e.to>>])
                   ELSE IF incoming
                        THEN (IF messages[<<j, i>>] /= <<>> THEN {HeadMsg(j, i)} ELSE {})
                   ELSE {m \in unlogged[i] : m.dest = j}
    IN [state |-> Obs(i),
        peer |-> IF j \in Servers
                 THEN [sent_idx |-> sentIndex[i][j], match_idx |-> matchIndex[i][j],
                       is_peer |-> j \in OtherNodes(NodeState(i)),
                       head_send_logged |-> messages[<<j, i>>] = <<>> \/ HeadMsg(j, i) \notin unlogged[j]]
                 ELSE [none |-> TRUE],
        messages |-> {PacketOf(m) : m \in pending},
        derived |-> Derived(e)]

TraceFrontier ==
    (TraceDiagnose /\ l = Len(TraceLog)) => PrintT(<<"tv-frontier", t, TraceObservation(E)>>)

=============================================================================
