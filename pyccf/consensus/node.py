"""One CCF replica: the consensus state machine, pure and deterministic.

Messages go in through :meth:`Node.step`, time through :meth:`Node.periodic`. What the node sends is
collected as ``(to, message)`` pairs that the harness takes with :meth:`Node.take_messages`; queues,
delivery order and faults belong to the harness. No threads, sockets or clocks.
The behaviour follows CCF's ``src/consensus/aft/raft.h`` decision for decision (including the order in
which peers are visited, which shows in traces), because pyccf's traces must match CCF's event for event.
:class:`Node` holds the state, time, client requests, configurations, role changes and rollback; the rest of
the protocol is written as functions over a node, one module each: :mod:`pyccf.consensus.replication`,
:mod:`pyccf.consensus.election`, :mod:`pyccf.consensus.commit` and :mod:`pyccf.consensus.retirement`.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Collection
from typing import Any

from pyccf.consensus import commit, election, quorum, replication, retirement
from pyccf.consensus.log import Entry, ViewHistory, ViewHistoryError
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
from pyccf.consensus.quorum import Configuration
from pyccf.errors import InternalError
from pyccf.formats.ledger import UNKNOWN_VIEW
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


# (function, state, fields) -> None; see pyccf.sim.tracing.TraceWriter.
Tracer = Callable[[str, dict[str, Any], dict[str, Any]], None]


from pyccf.formats.variants import validate_fixes  # noqa: E402  (the registry of later CCF fixes)


class Node:
    """A CCF replica. Public attributes mirror CCF's ``aft::State`` and the fields of ``aft::Aft``.

    The harness uses ``step``, ``periodic``, ``start_ticking``, ``replicate``, ``add_configuration``,
    ``force_become_primary``, ``nominate_successor``, ``take_messages`` and the read-only views; the other
    public methods are the steps the protocol modules share (sending, timers, appending, roles, rollback).
    """

    def __init__(
        self,
        node_id: str,
        *,
        pre_vote_enabled: bool = False,
        rng: random.Random | None = None,
        bugs: Collection[str] = (),
        tracer: Tracer | None = None,
        fixes: Collection[str] = (),
    ) -> None:
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
        # retired_committed entries not yet acted upon: (index, node ids). Written only by
        # pyccf.consensus.retirement, which emulates CCF's store hook.
        self.retired_committed_entries: list[tuple[int, tuple[str, ...]]] = []
        self.batching = replication.Batching()

        self._sent: list[tuple[str, Message]] = []
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

    def configs_json(self) -> list[dict[str, Any]]:
        return [c.to_json() for c in self.configurations]

    def emit(self, function: Event, **fields: Any) -> None:
        """Report one trace event with the current state (only called when a tracer is set)."""
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
            "acks": {
                k: {"seqno": v.match_idx, "last_received_ms": v.last_ack_timeout}
                for k, v in self.peers.items()
            },
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
        return (
            self.membership_state is MembershipState.RETIRED
            and self.retirement_phase is RetirementPhase.RETIRED_COMMITTED
        )

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

    # ------------------------------------------------------------------ messages out

    def send(self, to: str, msg: Message) -> None:
        self._sent.append((to, msg))

    def take_messages(self) -> list[tuple[str, Message]]:
        """Hand over everything sent since the last call, in sending order (the harness queues it)."""
        sent, self._sent = self._sent, []
        return sent

    # ------------------------------------------------------------------ time

    def start_ticking(self) -> None:
        self.ticking = True
        self.timeout_elapsed = 0

    def start_ticking_if_necessary(self) -> None:
        if not self.ticking and self.configurations and self.node_id in self.configurations[-1].nodes:
            self.start_ticking()

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
            self.batching.update()
            for peer, progress in self.peers.items():
                replication.send_append_entries(self, peer, progress.sent_idx + 1)
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
                election.become_pre_vote_candidate(self)
            else:
                election.become_candidate(self)

    def restart_election_timeout(self) -> None:
        self.timeout_elapsed = self.rng.randint(0, ELECTION_TIMEOUT_MS // 2)

    def reset_last_ack_timeouts(self) -> None:
        for progress in self.peers.values():
            progress.last_ack_timeout = 0

    # ------------------------------------------------------------------ leader: client requests

    def replicate(self, entry: Entry, term: int) -> bool:
        """Append ``entry`` as leader in ``term`` (CCF's ``replicate`` with a batch of one).

        A ``retired_committed`` entry is first seen by the store hook, before any check, as CCF's
        driver records it in the store before calling ``replicate``.
        """
        if entry.kind is EntryType.RETIRED_COMMITTED:
            retirement.record_retired_committed(self, entry.index, entry.nodes)
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
            self.tracer(
                Event.REPLICATE.value,
                self.trace_state(),
                {"globally_committable": entry.committable, "seqno": entry.index, "view": term},
            )
        if entry.kind is EntryType.RECONFIGURATION:
            self.add_configuration(entry.index, frozenset(entry.nodes))
        if entry.committable:
            retirement.on_committable_entry(self, entry.index)
            self.committable_indices.append(entry.index)
            self.start_ticking_if_necessary()
            self.should_sign = False
        self.last_idx = entry.index
        self.put_entry(entry)
        self.batching.add(entry.size)
        self.view_history.update(entry.index, self.current_view)
        if self.batching.roll_over():
            for peer, progress in self.peers.items():
                replication.send_append_entries(self, peer, progress.sent_idx + 1)
        if not self.other_nodes_in_active_configs():
            commit.update_commit(self)
        return True

    def put_entry(self, entry: Entry) -> None:
        del self.log[entry.index - 1 :]
        self.log.append(entry)

    # ------------------------------------------------------------------ configurations

    def add_configuration(self, idx: int, nodes: frozenset[str]) -> None:
        """A reconfiguration entry at ``idx`` was appended (CCF's configuration-change hook).

        Traced as one ``add_configuration`` event, which stands for the ``replicate`` or
        ``execute_append_entries_sync`` event of the entry (CCF's preprocessing merges them).
        """
        if self.tracer is not None:
            self.tracer(
                Event.ADD_CONFIGURATION.value,
                self.trace_state(),
                {
                    "args": {"configuration": Configuration(idx, nodes).to_json()},
                    "configurations": self.configs_json(),
                },
            )
        if (
            self.configurations
            and self.node_id in self.configurations[-1].nodes
            and self.node_id not in nodes
        ):
            retirement.on_removed_from_configuration(self, idx)
        if not self.configurations or nodes != self.configurations[-1].nodes:
            self.configurations.append(Configuration(idx, nodes))
            self.create_peers()

    def create_peers(self) -> None:
        """Track every node of every active configuration (CCF never forgets one here)."""
        for n in sorted({n for c in self.configurations for n in c.nodes}):
            if n == self.node_id or n in self.peers:
                continue
            index = self.last_idx + 1
            self.peers[n] = Progress(sent_idx=index, match_idx=0)
            if self.is_leader:
                replication.send_append_entries(self, n, index)

    # ------------------------------------------------------------------ receiving

    def step(self, sender: str, msg: Message, entries: list[Entry] | None = None) -> None:
        """Handle one message from ``sender``. Internal consistency failures drop it, as CCF does."""
        try:
            match msg:
                case AppendEntries():
                    replication.on_append_entries(self, sender, msg, entries)
                case AppendEntriesResponse():
                    replication.on_append_entries_response(self, sender, msg)
                case RequestVote():
                    election.on_request_vote(self, sender, msg)
                case RequestVoteResponse():
                    election.on_request_vote_response(self, sender, msg)
                case ProposeRequestVote():
                    election.on_propose_request_vote(self, sender, msg)
        except (InternalError, ViewHistoryError):
            return

    # ------------------------------------------------------------------ roles

    def force_become_primary(self) -> None:
        """Start node only: jump to the starting view and lead it."""
        self.current_view += STARTING_VIEW_CHANGE
        self.become_leader()

    def nominate_successor(self) -> None:
        """raft.h's nominate_successor(): a leader nudges its best-replicated peer to stand."""
        election.nominate_successor(self)

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
        self.reset_last_ack_timeouts()
        if self.tracer is not None:
            self.emit(Event.BECOME_LEADER, configurations=self.configs_json())
        if not self.other_nodes_in_active_configs():
            commit.update_commit(self)
        next_idx = self.last_idx + 1
        for peer, progress in self.peers.items():
            progress.match_idx = 0
            progress.sent_idx = next_idx - 1
            replication.send_append_entries(self, peer, next_idx)

    def become_follower(self) -> None:
        self.leader_id = None
        self.restart_election_timeout()
        self.reset_last_ack_timeouts()
        if not self.keep_suffix_on_follow:
            self.rollback(self.last_committable_index())
        self.leadership_state = LeadershipState.FOLLOWER
        if self.tracer is not None:
            self.emit(Event.BECOME_FOLLOWER, configurations=self.configs_json())

    def become_aware_of_new_term(self, term: int) -> None:
        self.current_view = term
        self.voted_for = None
        election.reset_votes_for_me(self)
        self.become_follower()
        self.is_new_follower = True

    # ------------------------------------------------------------------ rollback

    def rollback(self, idx: int) -> None:
        """Drop every entry after ``idx`` (never below the commit index)."""
        if idx < self.commit_idx:
            return
        self.truncate_unchecked(idx)

    def truncate_unchecked(self, idx: int) -> None:
        """Drop every entry after ``idx``, committed or not (only a seeded bug asks for the latter)."""
        del self.log[idx:]
        self.last_idx = idx
        self.view_history.rollback(idx)
        while self.committable_indices and self.committable_indices[-1] > idx:
            self.committable_indices.pop()
        retirement.on_rollback(self, idx)
        changed = False
        while self.configurations and self.configurations[-1].idx > idx:
            self.configurations.pop()
            changed = True
        if changed:
            self.create_peers()
