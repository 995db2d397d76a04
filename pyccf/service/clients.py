"""Seeded client sessions of a history run, and the history they record.

Each session does one thing at a time, in its own order: it sends a request (read-write or read-only),
has it executed (a write by a node that believes it is primary, deposed ones included, before
replication, as CCF; a read by the node it is sent to), receives the response with its TxID and what it
observed, then polls the TxID's status on random nodes, by CCF's decision table, until Committed or
Invalid. A scheduler interleaves the sessions' steps with scenario lines (time, delivery, random faults
of :mod:`pyccf.sim.generator`) and isolates the primary now and then: its links go down and only the
other nodes' clocks run, so it still believes it leads, serves reads and takes writes that a new view
rolls back (Invalid, their seqnos reused). Every event is recorded as it happens, so the line order of
the history is one global logical clock.

Sessions keep their order: a node serves a session only if its log holds the last TxID the session was
given (and not reported Invalid), else a read is forwarded to the latest primary and a write waits for a
primary that holds it (CCF's session consistency). The seeded bugs
(:data:`pyccf.formats.history.CONSISTENCY_BUGS`) not in :mod:`pyccf.service.app` are here.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from pyccf.consensus.node import Node
from pyccf.formats.history import FINAL_STATUSES, HISTORY_STATUS, EventType, Field, HistoryStatus
from pyccf.formats.ledger import UNKNOWN_VIEW, TxStatus
from pyccf.kv.status import evaluate
from pyccf.kv.txid import TxID
from pyccf.service.app import ListAppend, entry_data, key_names, parse_data
from pyccf.service.replicated import ReplicatedLedgers
from pyccf.sim.commands import Command, DispatchAll, EmitSignature, NodeLinks, Periodic, Replicate
from pyccf.sim.driver import ScenarioDriver
from pyccf.sim.generator import ScenarioGenerator

RW_SHARE = 0.6  # of requests
CLIENT_SHARE = 0.5  # of scheduler steps: a session's step (else a scenario line)
POLL_SHARE = 0.3  # of a polling session's steps: a status request (a client waits between polls)
ISOLATE = 0.03  # chance per scenario step of isolating the primary (when none is isolated)
ISOLATED_STEPS = (10, 40)  # how many scenario steps an isolation lasts
TICKS = (10, 10, 20, 30)  # ms per clock step (below the election timeout, with delivery after)
FAULT_SHARE = 0.3  # times ``faults``: the chance of a random generator line per scenario step
WAIT_LIMIT = 50  # see Sessions._serves
STEPS_PER_REQUEST = 200  # most scheduler steps per request
DRAIN_ROUNDS = 300  # after healing: rounds for the sessions to finish what they started
Observed = list[int] | dict[str, list[int]]


class Phase(Enum):
    IDLE = "idle"
    SENT = "sent"  # the request is out, not yet executed
    EXECUTED = "executed"  # executed, the response not yet received
    POLLING = "polling"  # polling the TxID's status


@dataclass
class Session:
    client: int
    phase: Phase = Phase.IDLE
    kind: EventType = EventType.RW_REQUEST
    tx: int = -1
    keys: tuple[str, ...] = ()
    txid: TxID | None = None
    observed: Observed | None = None
    node: str = ""
    seen: TxID | None = None  # the latest TxID a response gave the session, unless reported Invalid
    before: TxID | None = None  # ``seen`` before the current response
    waited: int = 0  # steps the current request waited for a node to serve it


class Sessions:
    """The clients of one run and their history (``events``, in global clock order)."""

    def __init__(
        self,
        driver: ScenarioDriver,
        gen: ScenarioGenerator,
        ledgers: ReplicatedLedgers,
        run: Callable[[Command], None],
        *,
        seed: int,
        clients: int,
        keys: int,
        bug: str | None,
        signature_every: int,
        on_write: Callable[[int, str, TxID | None], None],
        on_read: Callable[[int, str], None],
    ) -> None:
        self.driver, self.gen, self.ledgers, self._run = driver, gen, ledgers, run
        self.rng = random.Random(f"pyccf service clients {seed}")
        self.sessions = [Session(c) for c in range(clients)]
        self.keys = key_names(keys)
        self.bug = bug
        self.app = ListAppend(bug)
        ledgers.app = self.app
        self.signature_every = signature_every
        self.on_write, self.on_read = on_write, on_read
        self.events: list[dict[str, Any]] = []
        self.deposed_reads: list[int] = []  # reads a deposed primary served (not in the history)
        self.sent = 0
        self.writes = 0
        self.isolated: str | None = None
        self.isolation_left = 0
        if bug == "StaleReadDeposedPrimary":
            self.isolate_chance = 3 * ISOLATE
        else:
            self.isolate_chance = ISOLATE

    # ------------------------------------------------------------------ the schedule

    def run(self, command: Command) -> None:
        self._run(command)
        if self.bug == "WrongSuffixOnElection":
            for nid, ledger in self.ledgers.ledgers.items():
                self.app.remember(nid, ledger.store, self.keys)

    def workload(self, requests: int, faults: float) -> None:
        """Send ``requests`` requests, interleaved with scenario lines and faults."""
        budget = STEPS_PER_REQUEST * requests  # sessions that can never go on do not hang the run
        while self.sent < requests and budget > 0:
            budget -= 1
            if self.rng.random() < CLIENT_SHARE:
                self.step(self.rng.choice(self.sessions))
            else:
                self.scenario_step(faults)
        if self.isolated is not None:
            self.run(NodeLinks(self.isolated, verb="reconnect_node"))
            self.isolated = None

    def scenario_step(self, faults: float) -> None:
        if self.isolated is not None:
            self.isolation_left -= 1
            if self.isolation_left <= 0:
                self.run(NodeLinks(self.isolated, verb="reconnect_node"))
                self.isolated = None
        elif len(self.driver.nodes) > 1 and self.rng.random() < self.isolate_chance:
            primary = self.driver.leader_of("latest")
            if primary is not None:
                if self.bug == "StaleReadDeposedPrimary":  # its tip signed, so its stale reads can commit
                    self.run(EmitSignature(self.driver.nodes[primary].current_view))
                    for _ in range(3):  # sent on the next tick, acknowledged, commit known to the backups
                        self.run(Periodic(None, 10))
                        self.run(DispatchAll())
                self.isolated = primary
                self.isolation_left = self.rng.randint(*ISOLATED_STEPS)
                self.run(NodeLinks(primary, verb="disconnect_node"))
                return
        quiet = self.bug == "StaleReadDeposedPrimary" and self.isolated is not None  # no other faults
        if self.rng.random() < faults * FAULT_SHARE and not quiet:
            self.run(self.gen.next_line(self.driver))
        elif self.isolated is None:
            self.run(Periodic(None, self.rng.choice(TICKS)))
        else:  # the isolated primary is paused: its clock stands, so it goes on believing it leads
            ms = self.rng.choice(TICKS)
            for nid in self.driver.nodes:
                if nid != self.isolated:
                    self.run(Periodic(nid, ms, verb="periodic_one"))
        self.run(DispatchAll())  # what the ticks sent (heartbeats, votes) arrives

    def drain(self) -> None:
        """After healing: let every session finish its request and polling (no new requests)."""
        for _ in range(DRAIN_ROUNDS):
            busy = [s for s in self.sessions if s.phase is not Phase.IDLE]
            if not busy:
                return
            for session in busy:
                self.step(session)
            primary = self.driver.leader_of("latest")
            if primary is not None:
                leader = self.driver.nodes[primary]
                if leader.last_idx > leader.last_committable_index():
                    self.run(EmitSignature(leader.current_view))
            self.run(DispatchAll())
            self.run(Periodic(None, 10))

    # ------------------------------------------------------------------ one session's steps

    def step(self, s: Session) -> None:
        if s.phase is Phase.SENT:
            s.waited += 1
        if s.phase is Phase.IDLE:
            self.send(s)
        elif s.phase is Phase.SENT:
            if s.kind is EventType.RW_REQUEST:
                self.execute(s)
            else:
                self.serve_read(s)
        elif s.phase is Phase.EXECUTED:
            self.respond(s)
        elif self.rng.random() < POLL_SHARE:
            self.poll(s)

    def send(self, s: Session) -> None:
        s.tx, self.sent = self.sent, self.sent + 1
        s.kind = EventType.RW_REQUEST if self.rng.random() < RW_SHARE else EventType.RO_REQUEST
        if len(self.keys) == 1:
            s.keys = self.keys
        else:
            most = 2 if s.kind is EventType.RW_REQUEST else 3
            s.keys = tuple(sorted(self.rng.sample(self.keys, self.rng.randint(1, most)), key=int))
        self.emit(s.kind, s, {Field.TX: s.tx})
        s.phase, s.waited = Phase.SENT, 0

    def execute(self, s: Session) -> None:
        """A write runs on a node that believes it is primary and holds the session's last TxID (none:
        the client waits and resends)."""
        nodes = self.driver.nodes
        primaries = sorted(nid for nid, n in nodes.items() if n.is_leader and self._serves(nid, s))
        if self.bug == "StaleReadDeposedPrimary":  # the deposed primary only reads, its tip stays valid
            primaries = [nid for nid in primaries if nid == self.driver.leader_of("latest")]
        if not primaries:
            return
        nid = self.rng.choice(primaries)
        node = nodes[nid]
        view, data = node.current_view, entry_data(s.tx, s.keys)
        txid = self._replicate(node, view, data)
        if txid is None:
            return
        if self.bug == "RetryAppendedTwice" and self.rng.random() < 0.5:
            txid = self._replicate(node, view, data) or txid  # the response was lost: sent and run again
        if self.bug == "DuplicateTxId":
            prev = node.entry(txid.seqno - 1)
            if prev is not None and prev.term == txid.view and parse_data(prev.data) is not None:
                txid = TxID(txid.view, txid.seqno - 1)  # the previous write's TxID, given again
        s.txid, s.node, s.observed = txid, nid, self.observe(nid, s.keys)
        self.on_write(s.client, data, txid)
        self.writes += 1
        if self.writes % self.signature_every == 0 and node.is_leader:
            self.run(EmitSignature(node.current_view))
        s.phase = Phase.EXECUTED

    def _replicate(self, node: Node, view: int, data: str) -> TxID | None:
        self.run(Replicate(view, data))
        last = node.entry(node.last_idx)
        if node.is_leader and last is not None and last.data == data:
            return TxID(last.term, last.index)
        return None

    def serve_read(self, s: Session) -> None:
        """A read runs on the node it is sent to, if that node holds the session's last TxID; else on the
        latest primary."""
        nodes = self.driver.nodes
        live = sorted(nid for nid, n in nodes.items() if n.is_active and n.last_idx > 0)
        if not live:
            return
        nid = self._read_target(live, s)
        if nid is None or (self.bug != "BackupMissesOwnWrite" and not self._serves(nid, s)):
            nid = self.rng.choice(live)
        if not self._serves(nid, s) and self.bug != "BackupMissesOwnWrite":
            primary = self.driver.leader_of("latest")
            if primary is None or not self._serves(primary, s):
                return  # nowhere to forward to yet: the client waits
            nid = primary
        node = nodes[nid]
        if node.is_leader and node.current_view < max(n.current_view for n in nodes.values() if n.is_leader):
            self.deposed_reads.append(s.tx)
        s.txid = TxID(node.term_of(node.last_idx), node.last_idx)
        s.node, s.observed = nid, self.observe(nid, s.keys)
        self.on_read(s.client, json.dumps(s.observed))
        s.phase = Phase.EXECUTED

    def _serves(self, nid: str, s: Session) -> bool:
        """Whether the node may serve the session: its log holds the session's last TxID. (A session
        only sends once that TxID is Committed or Invalid, so the latest primary holds it; only a seeded
        bug can make it wait for ever, and after WAIT_LIMIT steps the latest primary serves it.)"""
        if s.seen is None or _holds(self.driver.nodes[nid], s.seen):
            return True
        return s.waited > WAIT_LIMIT and nid == self.driver.leader_of("latest")

    def _read_target(self, live: list[str], s: Session) -> str | None:
        """The node a seeded bug sends a read to, skipping the session check (None: no bug applies)."""
        nodes = self.driver.nodes
        if self.bug == "StaleReadDeposedPrimary":
            latest = self.driver.leader_of("latest")
            new = nodes[latest] if latest is not None else None
            deposed = [  # a deposed primary whose tip the new primary holds: the read's TxID can commit
                nid
                for nid in live
                if nodes[nid].is_leader
                and new is not None
                and nodes[nid].current_view < new.current_view
                and _holds(new, TxID(nodes[nid].term_of(nodes[nid].last_idx), nodes[nid].last_idx))
            ]
            return self.rng.choice(deposed) if deposed else None
        if self.bug == "BackupMissesOwnWrite":
            behind = [nid for nid in live if not nodes[nid].is_leader and not self._serves(nid, s)]
            return self.rng.choice(behind) if behind else None  # a backup without the session's write
        return None

    def respond(self, s: Session) -> None:
        assert s.txid is not None
        observed = s.observed
        if self.bug == "TxIdMismatchObserved" and s.kind is EventType.RW_REQUEST:
            observed = self.observe(s.node, s.keys)  # read again when responding, not at execution
        kind = EventType.RW_RESPONSE if s.kind is EventType.RW_REQUEST else EventType.RO_RESPONSE
        fields = {Field.TX: s.tx, Field.TX_ID: [s.txid.view, s.txid.seqno], Field.OBSERVED: observed}
        self.emit(kind, s, {**fields, Field.NODE: s.node})
        s.before, s.seen = s.seen, s.txid if s.seen is None else max(s.seen, s.txid)
        s.phase = Phase.POLLING

    def poll(self, s: Session) -> None:
        assert s.txid is not None
        nid = self.rng.choice(sorted(self.driver.nodes))
        status = HISTORY_STATUS[self.status(self.driver.nodes[nid], s.txid)]
        self.emit(
            EventType.STATUS,
            s,
            {Field.TX_ID: [s.txid.view, s.txid.seqno], Field.STATUS: status, Field.NODE: nid},
        )
        if status in FINAL_STATUSES:
            s.phase = Phase.IDLE
        if status is HistoryStatus.INVALID:
            s.seen = s.before  # nothing of that response survives: the session's order is as before it

    # ------------------------------------------------------------------ what nodes answer

    def status(self, node: Node, txid: TxID) -> TxStatus:
        """CCF's decision table on the node's log (``GET /tx``), as the seeded bug changes it."""
        local = node.term_of(txid.seqno)
        if self.bug == "StatusFromSeqnoOnly" and local != UNKNOWN_VIEW:
            local = txid.view  # any entry at the seqno is taken for this one
        commit = node.commit_idx
        status = evaluate(txid, local, node.term_of(commit), commit)
        if self.bug == "InvalidWithoutEvidence" and status is TxStatus.UNKNOWN:
            return TxStatus.INVALID
        return status

    def observe(self, nid: str, keys: tuple[str, ...]) -> Observed:
        """The lists of ``keys`` in the node's store: a plain list with one key in the application."""
        store = self.ledgers.ledger(nid).store
        lists = {key: self.app.read(nid, store, key) for key in keys}
        return lists[self.keys[0]] if len(self.keys) == 1 else lists

    def emit(self, kind: EventType, s: Session, fields: dict[Field, Any]) -> None:
        event: dict[str, Any] = {Field.TYPE.value: kind.value, Field.CLIENT.value: s.client}
        event.update((k.value, v.value if isinstance(v, HistoryStatus) else v) for k, v in fields.items())
        self.events.append(event)

    def write(self, path: Path) -> None:
        """The history as ndjson, one event a line."""
        with open(path, "w") as out:
            for event in self.events:
                out.write(json.dumps(event, separators=(",", ":")) + "\n")


def _holds(node: Node, txid: TxID) -> bool:
    return node.term_of(txid.seqno) == txid.view
