"""One CCF replica: the consensus state machine, pure and deterministic.

Messages go in through :meth:`Node.step`, time through :meth:`Node.periodic`; messages come out on
``Node.outbox`` as ``(to, message)`` pairs for the network to deliver. No threads, sockets or clocks.
The behaviour follows CCF's ``src/consensus/aft/raft.h`` decision for decision (including the order in
which peers are visited, which shows in traces), because pyccf's traces must match CCF's event for event.
Handlers are one function per message type (replication in :mod:`pyccf.consensus.replication`, elections in
:mod:`pyccf.consensus.election`); periodic behaviour is one function per role.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from pyccf.consensus import quorum
from pyccf.consensus.election import Elections
from pyccf.consensus.log import UNKNOWN_VIEW, Entry, ViewHistory, ViewHistoryError
from pyccf.consensus.messages import (
    AppendEntries,
    AppendEntriesResponse,
    Message,
    ProposeRequestVote,
    RequestVote,
    RequestVoteResponse,
)
from pyccf.consensus.peer_order import UnorderedMap
from pyccf.consensus.progress import Progress
from pyccf.consensus.replication import APPEND_ENTRIES_SIZE_LIMIT, Replication
from pyccf.errors import InternalError
from pyccf.formats.raft_trace import (
    EntryType,
    Event,
    LeadershipState,
    MembershipState,
    RetirementPhase,
)

REQUEST_TIMEOUT_MS = 10
ELECTION_TIMEOUT_MS = 100
STARTING_VIEW_CHANGE = 2


@dataclass(frozen=True, slots=True)
class Configuration:
    """An active configuration, identified (as in CCF) by the index of the entry that introduced it."""

    idx: int
    nodes: frozenset[str]

    def to_json(self) -> dict[str, Any]:
        return {"idx": self.idx, "nodes": {n: {"address": ":"} for n in sorted(self.nodes)}, "rid": self.idx}


# (function, state, fields) -> None; see pyccf.sim.tracing.TraceWriter.
Tracer = Callable[[str, dict[str, Any], dict[str, Any]], None]


from pyccf.formats.variants import validate_fixes  # noqa: E402  (the registry of later CCF fixes)


class Node(Replication, Elections):
    """A CCF replica. Public attributes mirror CCF's ``aft::State`` and the fields of ``aft::Aft``.

    Replication (:mod:`pyccf.consensus.replication`) and elections (:mod:`pyccf.consensus.election`) are mixed in; this class
    holds the state, time, client requests, configurations, commit and rollback.
    """

    def __init__(self, node_id: str, *, pre_vote_enabled: bool = False, rng: random.Random | None = None,
                 bugs: Collection[str] = (), tracer: Tracer | None = None,
                 fixes: Collection[str] = ()) -> None:
        """``fixes``: later CCF changes to follow (:data:`FIXES`); none for CCF of the shared traces."""
        self.node_id = node_id
        self.pre_vote_enabled = pre_vote_enabled
        fixes = validate_fixes(fixes)
        # CCF#7620: becoming follower keeps the unsigned suffix, and a leader restarts a peer's
        # CheckQuorum clock only for a response that passed the term and staleness checks.
        self.keep_suffix_on_follow = "7620" in fixes
        # CCF#8172: a follower commits at most up to the end of the AppendEntries it has just checked.
        self.commit_within_request = "8172" in fixes
        self.current_view = 0
        self.last_idx = 0
        self.commit_idx = 0
        self.view_history = ViewHistory()
        self.committable_indices: deque[int] = deque()
        self.leadership_state = LeadershipState.NONE
        self.membership_state = MembershipState.ACTIVE
        self.retirement_phase: RetirementPhase | None = None
        self.retirement_idx: int | None = None
        self.retirement_committable_idx: int | None = None
        self.retired_committed_idx: int | None = None

        self.voted_for: str | None = None
        self.leader_id: str | None = None
        self.votes_for_me: dict[int, tuple[set[str], int]] = {}
        self.timeout_elapsed = 0
        self.is_new_follower = False
        self.should_sign = False
        self.ticking = False
        self.configurations: list[Configuration] = []
        # Peers, iterated in the order CCF's std::unordered_map yields them (it shows in traces).
        self.peers: UnorderedMap[Progress] = UnorderedMap()
        self.log: list[Entry] = []
        # retired_committed entries not yet acted upon: (index, node ids) - CCF's store hook emulation.
        self.retired_committed_entries: list[tuple[int, tuple[str, ...]]] = []
        self.entries_batch_size = 20
        self._entry_size_not_limited = 0
        self._entry_count = 0
        self._batch_window_sum = 0

        self.outbox: deque[tuple[str, Message]] = deque()
        self.rng = rng if rng is not None else random.Random(0)
        self.bugs = frozenset(bugs)
        self.tracer = tracer

    # ------------------------------------------------------------------ views of the state

    def trace_state(self, committable: bool = True) -> dict[str, Any]:
        """The node's state as CCF's raft_trace prints it (committable indices: first and last only)."""
        s: dict[str, Any] = {
            "commit_idx": self.commit_idx,
            "current_view": self.current_view,
            "last_idx": self.last_idx,
            "leadership_state": self.leadership_state.value,
            "membership_state": self.membership_state.value,
            "node_id": self.node_id,
            "pre_vote_enabled": self.pre_vote_enabled,
        }
        if self.retirement_phase is not None:
            s["retirement_phase"] = self.retirement_phase.value
        if self.retirement_idx is not None:
            s["retirement_idx"] = self.retirement_idx
        if self.retirement_committable_idx is not None:
            s["retirement_committable_idx"] = self.retirement_committable_idx
        if self.retired_committed_idx is not None:
            s["retired_committed_idx"] = self.retired_committed_idx
        if committable:
            ci = self.committable_indices
            s["committable_indices"] = [] if not ci else ([ci[0]] if len(ci) == 1 else [ci[0], ci[-1]])
        return s

    def _configs_json(self) -> list[dict[str, Any]]:
        return [c.to_json() for c in self.configurations]

    def _emit(self, function: Event, **fields: Any) -> None:
        assert self.tracer is not None
        self.tracer(function.value, self.trace_state(), fields)

    def details(self) -> dict[str, Any]:
        """CCF's ``get_details()``: the values ``assert_detail`` compares against."""
        d: dict[str, Any] = {
            "primary_id": self.leader_id,
            "current_view": self.current_view,
            "ticking": self.ticking,
            "leadership_state": self.leadership_state.value,
            "membership_state": self.membership_state.value,
            "configs": [c.to_json() for c in self.configurations],
            "acks": {k: {"seqno": v.match_idx, "last_received_ms": v.last_ack_timeout}
                     for k, v in self.peers.items()},
            "reconfiguration_type": "OneTransaction",
        }
        if self.membership_state is MembershipState.RETIRED and self.retirement_phase is not None:
            d["retirement_phase"] = self.retirement_phase.value
        return d

    @property
    def is_leader(self) -> bool:
        return self.leadership_state is LeadershipState.LEADER

    @property
    def is_active(self) -> bool:
        return self.membership_state is MembershipState.ACTIVE

    def is_retired_committed(self) -> bool:
        return (self.membership_state is MembershipState.RETIRED
                and self.retirement_phase is RetirementPhase.RETIRED_COMMITTED)

    def last_committable_index(self) -> int:
        return self.committable_indices[-1] if self.committable_indices else self.commit_idx

    def term_of(self, idx: int) -> int:
        """CCF's ``get_term_internal``: the view of ``idx``, or UNKNOWN_VIEW past the end of the log."""
        if idx > self.last_idx:
            return UNKNOWN_VIEW
        return self.view_history.view_at(idx)

    def entry(self, idx: int) -> Entry | None:
        return self.log[idx - 1] if 0 < idx <= len(self.log) else None

    def other_nodes_in_active_configs(self) -> list[str]:
        return sorted({n for c in self.configurations for n in c.nodes if n != self.node_id})

    def _send(self, to: str, msg: Message) -> None:
        self.outbox.append((to, msg))

    # ------------------------------------------------------------------ time

    def start_ticking(self) -> None:
        self.ticking = True
        self.timeout_elapsed = 0

    def periodic(self, elapsed_ms: int) -> None:
        """Advance this node's clock by ``elapsed_ms``: heartbeats and CheckQuorum, or election timeouts."""
        self.timeout_elapsed += elapsed_ms
        if self.is_leader:
            self._tick_leader(elapsed_ms)
        else:
            self._tick_non_leader()

    def _tick_leader(self, elapsed_ms: int) -> None:
        if self.timeout_elapsed >= REQUEST_TIMEOUT_MS:
            self.timeout_elapsed = 0
            self._update_batch_size()
            for peer, progress in self.peers.items():
                self._send_append_entries(peer, progress.sent_idx + 1)
        for _, progress in self.peers.items():
            progress.last_ack_timeout += elapsed_ms

        def alive(n: str) -> bool:
            p = self.peers.get(n)
            return p is None or p.last_ack_timeout < ELECTION_TIMEOUT_MS

        if "no_check_quorum" in self.bugs:  # seeded bug: CheckQuorum switched off
            return
        if not quorum.every_config_has_quorum((c.nodes for c in self.configurations), alive):
            self.become_follower()

    def _tick_non_leader(self) -> None:
        if not self.is_retired_committed() and self.ticking and self.timeout_elapsed >= ELECTION_TIMEOUT_MS:
            if self.pre_vote_enabled:
                self.become_pre_vote_candidate()
            else:
                self.become_candidate()

    def _restart_election_timeout(self) -> None:
        self.timeout_elapsed = self.rng.randint(0, ELECTION_TIMEOUT_MS // 2)

    def _reset_last_ack_timeouts(self) -> None:
        for progress in self.peers.values():
            progress.last_ack_timeout = 0


    # ------------------------------------------------------------------ leader: client requests

    def replicate(self, entry: Entry, term: int) -> bool:
        """Append ``entry`` as leader in ``term`` (CCF's ``replicate`` with a batch of one)."""
        if not self.is_leader:
            self.rollback(self.last_idx)
            return False
        if term != self.current_view:
            return False
        if self.is_retired_committed():
            self.rollback(self.last_idx)
            return False
        if entry.index != self.last_idx + 1:
            return False
        if self.tracer is not None and entry.kind is not EntryType.RECONFIGURATION:
            self.tracer(Event.REPLICATE.value, self.trace_state(), {
                "globally_committable": entry.committable, "seqno": entry.index, "view": term})
        if entry.kind is EntryType.RECONFIGURATION:
            self.add_configuration(entry.index, frozenset(entry.nodes))
        if entry.committable:
            if (self.membership_state is MembershipState.RETIRED
                    and self.retirement_phase is RetirementPhase.ORDERED):
                self._become_retired(entry.index, RetirementPhase.SIGNED)
            self.committable_indices.append(entry.index)
            self._start_ticking_if_necessary()
            self.should_sign = False
        self.last_idx = entry.index
        self._put_entry(entry)
        self._entry_size_not_limited += entry.size
        self._entry_count += 1
        self.view_history.update(entry.index, self.current_view)
        if self._entry_size_not_limited >= APPEND_ENTRIES_SIZE_LIMIT:
            self._update_batch_size()
            self._entry_count = 0
            self._entry_size_not_limited = 0
            for peer, progress in self.peers.items():
                self._send_append_entries(peer, progress.sent_idx + 1)
        if not self.other_nodes_in_active_configs():
            self._update_commit()
        return True

    def _put_entry(self, entry: Entry) -> None:
        del self.log[entry.index - 1:]
        self.log.append(entry)

    def add_configuration(self, idx: int, nodes: frozenset[str]) -> None:
        """A reconfiguration entry at ``idx`` was appended (CCF's configuration-change hook).

        Traced as one ``add_configuration`` event, which stands for the ``replicate`` or
        ``execute_append_entries_sync`` event of the entry (CCF's preprocessing merges them).
        """
        if self.tracer is not None:
            self.tracer(Event.ADD_CONFIGURATION.value, self.trace_state(), {
                "args": {"configuration": Configuration(idx, nodes).to_json()},
                "configurations": self._configs_json()})
        if (self.configurations and self.node_id in self.configurations[-1].nodes
                and self.node_id not in nodes):
            self._become_retired(idx, RetirementPhase.ORDERED)
        if not self.configurations or nodes != self.configurations[-1].nodes:
            self.configurations.append(Configuration(idx, nodes))
            self._create_peers()

    def _create_peers(self) -> None:
        """Track every node of every active configuration (CCF never forgets one here)."""
        for n in sorted({n for c in self.configurations for n in c.nodes}):
            if n == self.node_id or n in self.peers:
                continue
            index = self.last_idx + 1
            self.peers[n] = Progress(sent_idx=index, match_idx=0)
            if self.is_leader:
                self._send_append_entries(n, index)

    # ------------------------------------------------------------------ sending AppendEntries


    # ------------------------------------------------------------------ receiving

    def step(self, sender: str, msg: Message, entries: list[Entry] | None = None) -> None:
        """Handle one message from ``sender``. Internal consistency failures drop it, as CCF does."""
        try:
            handler = _HANDLERS[type(msg)]
            handler(self, sender, msg, entries)
        except (InternalError, ViewHistoryError):
            return



    def force_become_primary(self) -> None:
        """Start node only: jump to the starting view and lead it."""
        self.current_view += STARTING_VIEW_CHANGE
        self.become_leader()

    def become_leader(self) -> None:
        if self.is_retired_committed():
            return
        election_index = self.last_committable_index()
        if self.commit_idx > 0:
            self.rollback(election_index)
        self.leadership_state = LeadershipState.LEADER
        self.leader_id = self.node_id
        self.should_sign = True
        self.timeout_elapsed = 0
        self._reset_last_ack_timeouts()
        if self.tracer is not None:
            self._emit(Event.BECOME_LEADER, configurations=self._configs_json())
        if not self.other_nodes_in_active_configs():
            self._update_commit()
        next_idx = self.last_idx + 1
        for peer, progress in self.peers.items():
            progress.match_idx = 0
            progress.sent_idx = next_idx - 1
            self._send_append_entries(peer, next_idx)

    def become_follower(self) -> None:
        self.leader_id = None
        self._restart_election_timeout()
        self._reset_last_ack_timeouts()
        if not self.keep_suffix_on_follow:
            self.rollback(self.last_committable_index())
        self.leadership_state = LeadershipState.FOLLOWER
        if self.tracer is not None:
            self._emit(Event.BECOME_FOLLOWER, configurations=self._configs_json())

    def become_aware_of_new_term(self, term: int) -> None:
        self.current_view = term
        self.voted_for = None
        self._reset_votes_for_me()
        self.become_follower()
        self.is_new_follower = True


    def _become_retired(self, idx: int, phase: RetirementPhase) -> None:
        if phase is RetirementPhase.ORDERED:
            self.retirement_idx = idx
        elif phase is RetirementPhase.SIGNED:
            self.retirement_committable_idx = idx
        elif phase is RetirementPhase.RETIRED_COMMITTED:
            if self.is_leader:
                self._send_propose_request_vote()
            self.leader_id = None
            self.leadership_state = LeadershipState.NONE
        self.membership_state = MembershipState.RETIRED
        self.retirement_phase = phase

    def _start_ticking_if_necessary(self) -> None:
        if not self.ticking and self.configurations and self.node_id in self.configurations[-1].nodes:
            self.start_ticking()

    # ------------------------------------------------------------------ commit

    def _update_commit(self) -> None:
        if not self.is_leader:
            raise InternalError("update_commit called while not leader")

        def match_of(n: str) -> int:
            if n == self.node_id:
                return self.last_idx
            p = self.peers.get(n)
            if p is None:
                raise InternalError(f"no progress for {n}")
            return p.match_idx

        agreement = quorum.agreement_index((c.nodes for c in self.configurations), match_of)
        if agreement is None:
            return
        if agreement > self.last_idx:
            raise InternalError("followers appear to have later match indices than leader")
        if "commit_unsigned" in self.bugs:
            # Seeded bug: commit whatever a quorum holds, signed or not.
            if agreement > self.commit_idx and self.term_of(agreement) == self.current_view:
                self._commit(agreement)
            return
        new_commit = self._highest_committable_at_most(agreement)
        if new_commit is None:
            return
        if (self.term_of(new_commit) == self.current_view
                or "commit_previous_term_by_count" in self.bugs):
            self._commit(new_commit)

    def _highest_committable_at_most(self, idx: int) -> int | None:
        for c in reversed(self.committable_indices):
            if c <= idx:
                return c
        return None

    def _commit_if_possible(self, idx: int) -> None:
        if idx > self.commit_idx and self.term_of(idx) <= self.current_view:
            highest = self._highest_committable_at_most(idx)
            if highest is not None:
                self._commit(highest)

    def _commit(self, idx: int) -> None:
        if idx > self.last_idx:
            raise InternalError(f"tried to commit {idx} but last_idx is {self.last_idx}")
        if idx <= self.commit_idx:
            return
        if self.tracer is not None:
            self._emit(Event.COMMIT, args={"idx": idx}, configurations=self._configs_json())
        while self.committable_indices and self.committable_indices[0] <= idx:
            self.committable_indices.popleft()
        self.commit_idx = idx
        if (self.membership_state is MembershipState.RETIRED
                and self.retirement_phase is RetirementPhase.SIGNED
                and self.retirement_committable_idx is not None
                and idx >= self.retirement_committable_idx):
            self._become_retired(idx, RetirementPhase.COMPLETED)
        self._compact(idx)
        changed = False
        while len(self.configurations) > 1 and idx >= self.configurations[1].idx:
            self.configurations.pop(0)
            changed = True
        if changed:
            self._create_peers()

    def _compact(self, idx: int) -> None:
        """Act on committed retired_committed entries (CCF's store hook, as its test store emulates it)."""
        for version, nodes in list(self.retired_committed_entries):
            if version > idx:
                break
            self._set_retired_committed(idx, nodes)
        self.retired_committed_entries = [e for e in self.retired_committed_entries if e[0] >= idx]

    def _set_retired_committed(self, seqno: int, nodes: tuple[str, ...]) -> None:
        for n in nodes:
            if n == self.node_id:
                if not (self.membership_state is MembershipState.RETIRED
                        and self.retirement_phase is RetirementPhase.COMPLETED):
                    raise InternalError("node is not retired, cannot become retired committed")
                self.retired_committed_idx = seqno
                self._become_retired(seqno, RetirementPhase.RETIRED_COMMITTED)
            else:
                self.peers.pop(n, None)

    # ------------------------------------------------------------------ rollback

    def rollback(self, idx: int) -> None:
        """Drop every entry after ``idx`` (never below the commit index)."""
        if idx < self.commit_idx:
            return
        self._truncate_unchecked(idx)

    def _truncate_unchecked(self, idx: int) -> None:
        self.retired_committed_entries = [e for e in self.retired_committed_entries if e[0] <= idx]
        del self.log[idx:]
        self.last_idx = idx
        self.view_history.rollback(idx)
        while self.committable_indices and self.committable_indices[-1] > idx:
            self.committable_indices.pop()
        if (self.membership_state is MembershipState.RETIRED
                and self.retirement_phase is RetirementPhase.SIGNED
                and self.retirement_committable_idx is not None
                and self.retirement_committable_idx > idx):
            self.retirement_committable_idx = None
            self.retirement_phase = RetirementPhase.ORDERED
        if (self.membership_state is MembershipState.RETIRED
                and self.retirement_phase is RetirementPhase.ORDERED
                and self.retirement_idx is not None and self.retirement_idx > idx):
            self.retirement_idx = None
            self.retirement_phase = None
            self.membership_state = MembershipState.ACTIVE
        changed = False
        while self.configurations and self.configurations[-1].idx > idx:
            self.configurations.pop()
            changed = True
        if changed:
            self._create_peers()


_HANDLERS: dict[type, Callable[[Node, str, Any, Any], None]] = {
    AppendEntries: Node._on_append_entries,
    AppendEntriesResponse: Node._on_append_entries_response,
    RequestVote: Node._on_request_vote,
    RequestVoteResponse: Node._on_request_vote_response,
    ProposeRequestVote: Node._on_propose_request_vote,
}
