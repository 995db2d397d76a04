"""``pyccf service run``: a simulated multi-node service, deterministic from its seed.

The consensus core and pyccf.sim's network run a random scenario (pyccf.sim.generator's lines: time,
delivery, faults, elections, reconfigurations) into which seeded clients send transactions: a read-write
one is a ``replicate`` of its data (one write to a public and a private map), a read-only one reads the
primary's store and writes nothing; every ``signature_every`` writes the primary signs. The service layer
(:class:`pyccf.service.replicated.ReplicatedLedgers`) writes every node's ledger. At the end, the service
certificate, a JSON and a COSE receipt of every committed client transaction, and the raft trace are
written next to the ledgers.

With ``history`` the clients are instead concurrent list-append sessions (:mod:`pyccf.service.clients`)
that record what they see, in CCF's consistency-trace vocabulary, into that file.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyccf.consensus.node import Node
from pyccf.errors import ScenarioAssertionFailed
from pyccf.formats.history import CONSISTENCY_BUGS
from pyccf.formats.ledger import ZERO_DIGEST, TxStatus
from pyccf.kv.status import check_transition, tx_status
from pyccf.kv.txid import TxID
from pyccf.service.clients import Sessions
from pyccf.service.receipts import LeafComponents, SignatureTx, cose_receipt, json_receipt
from pyccf.service.replicated import APP_KEY, APP_PUBLIC_MAP, NodeLedger, ReplicatedLedgers
from pyccf.sim.commands import (
    Command,
    DispatchAll,
    EmitSignature,
    LoopUntilSync,
    Periodic,
    Replicate,
    TrustNodes,
)
from pyccf.sim.driver import ScenarioDriver
from pyccf.sim.generator import GeneratorConfig, ScenarioGenerator
from pyccf.sim.tracing import TraceWriter

READ_ONLY_SHARE = 0.3  # of client transactions
CLIENT_RETRIES = 30  # a write finding no primary is retried after this many rounds of time passing
RETRY_MS = 10  # the time that passes before a retry (CCF's request timeout)


@dataclass
class ServiceRun:
    """What a run did: per client, its write transactions' TxIDs at submission, and its reads."""

    out: Path
    ledgers: ReplicatedLedgers
    failure: ScenarioAssertionFailed | None = None  # the check that failed, if the run stopped early
    submitted: list[tuple[int, str]] = field(default_factory=list)  # (client, data) of each write sent
    reads: list[tuple[int, str | None]] = field(default_factory=list)  # (client, value read) of each read
    receipts: dict[int, dict[str, Any]] = field(default_factory=dict)  # seqno -> JSON receipt
    cose_receipts: dict[int, bytes] = field(default_factory=dict)  # seqno -> COSE receipt
    signed_by: dict[int, str] = field(default_factory=dict)  # seqno -> TxID of the signature covering it
    txids: dict[int, TxID] = field(default_factory=dict)  # index in submitted -> TxID the primary gave
    statuses: dict[TxID, dict[str, TxStatus]] = field(default_factory=dict)  # per node, latest
    history: list[dict[str, Any]] = field(default_factory=list)  # the clients' events (history runs)
    deposed_reads: list[int] = field(default_factory=list)  # tx of each read a deposed primary served

    def track(self, nodes: Mapping[str, Node]) -> None:
        """Each node's status of every submitted transaction; a forbidden change raises."""
        for txid in self.txids.values():
            seen = self.statuses.setdefault(txid, {})
            for nid, node in nodes.items():
                new = tx_status(node, txid)
                old = seen.get(nid)
                if old is not None and old is not new:  # the message is made only for a change
                    check_transition(old, new, f"{txid} on node {nid}")
                seen[nid] = new

    @property
    def longest(self) -> NodeLedger:
        """The ledger with the highest commit (its committed prefix extends every other node's)."""
        return max(self.ledgers.ledgers.values(), key=lambda ledger: ledger.files.committed_seqno)


def run_service(
    out: Path,
    *,
    nodes: int = 3,
    clients: int = 2,
    txs: int = 20,
    seed: int = 0,
    faults: float = 0.3,
    signature_every: int = 3,
    history: Path | None = None,
    keys: int = 1,
    bug: str | None = None,
) -> ServiceRun:
    """Run the service into ``out`` (a new or empty folder) and write its outputs there; with
    ``history``, the list-append sessions over ``keys`` keys (with the seeded ``bug``, a name of
    :data:`pyccf.formats.history.CONSISTENCY_BUGS`) write their history there."""
    if bug is not None and bug not in CONSISTENCY_BUGS:
        raise ValueError(f"unknown consistency bug '{bug}' (known: {', '.join(CONSISTENCY_BUGS)})")
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    ledgers = ReplicatedLedgers(out / "ledgers", seed=seed)
    result = ServiceRun(out, ledgers)
    gen = ScenarioGenerator(random.Random(seed + 1), GeneratorConfig(nodes=nodes))
    with open(out / "raft_trace.ndjson", "w") as trace_file:
        driver = ScenarioDriver(
            seed=seed, trace=TraceWriter(trace_file), payloads=ledgers, joiners_tick=False
        )
        lineno = 0
        sessions: Sessions | None = None

        def run(command: Command) -> None:
            nonlocal lineno
            lineno += 1
            driver.run(command, lineno, "service")
            gen.observe(driver, command)
            result.track(driver.nodes)

        try:
            for command in gen.opening():
                run(command)
            if nodes > 1:
                run(TrustNodes(2, tuple(str(i) for i in range(1, nodes))))
                gen.next_id = nodes
                run(EmitSignature(2))
                run(DispatchAll())
            if history is not None:
                sessions = history_workload(
                    result, driver, gen, run, seed, clients, keys, bug, signature_every
                )
                sessions.workload(txs, faults)
            writes = 0
            for i in range(txs if history is None else 0):
                client = rng.randrange(clients)
                if rng.random() < READ_ONLY_SHARE:
                    result.reads.append((client, read_at_primary(driver, ledgers)))
                else:
                    data = f"client{client}:tx{i}"
                    for _ in range(CLIENT_RETRIES):  # no primary: the client waits and sends again
                        run(Replicate("latest", data))
                        txid = accepted(driver.nodes, data)
                        if txid is not None:
                            result.txids[len(result.submitted)] = txid
                            break
                        run(Periodic(None, RETRY_MS))
                        run(DispatchAll())
                    result.submitted.append((client, data))
                    writes += 1
                    if writes % signature_every == 0:
                        run(EmitSignature("latest"))
                while rng.random() < faults:
                    run(gen.next_line(driver))
                run(DispatchAll())
            for command in gen.healing(driver):
                run(command)
            run(LoopUntilSync())
            run(EmitSignature("latest"))  # the last writes are signed, so they can commit and get receipts
            run(DispatchAll())
            run(LoopUntilSync())
            if sessions is not None:
                sessions.drain()
                for command in gen.healing(driver):  # the sessions' last steps may have needed a leader
                    run(command)
                run(LoopUntilSync())
            driver.finish()
        except ScenarioAssertionFailed as failure:  # e.g. CCF's stuck follower: outputs are still written
            result.failure = failure
        if sessions is not None and history is not None:
            sessions.write(history)
            result.history = sessions.events
    (out / "service_cert.pem").write_text(ledgers.keys.service.cert_pem)
    write_receipts(result)
    write_statuses(result)
    return result


def history_workload(
    result: ServiceRun,
    driver: ScenarioDriver,
    gen: ScenarioGenerator,
    run: Callable[[Command], None],
    seed: int,
    clients: int,
    keys: int,
    bug: str | None,
    signature_every: int,
) -> Sessions:
    """The list-append sessions, reporting their writes and reads to ``result`` as the plain clients do."""

    def on_write(client: int, data: str, txid: TxID | None) -> None:
        if txid is not None:
            result.txids[len(result.submitted)] = txid
        result.submitted.append((client, data))

    sessions = Sessions(
        driver,
        gen,
        result.ledgers,
        run,
        seed=seed,
        clients=clients,
        keys=keys,
        bug=bug,
        signature_every=signature_every,
        on_write=on_write,
        on_read=lambda client, value: result.reads.append((client, value)),
    )
    result.deposed_reads = sessions.deposed_reads
    return sessions


def accepted(nodes: Mapping[str, Node], data: str) -> TxID | None:
    """The TxID a primary gave the write it just appended, or None if no primary took it."""
    for node in nodes.values():
        last = node.entry(node.last_idx)
        if node.is_leader and last is not None and last.data == data:
            return TxID(last.term, last.index)
    return None


def read_at_primary(driver: ScenarioDriver, ledgers: ReplicatedLedgers) -> str | None:
    """A read-only transaction: the latest client write in the primary's store (None without a primary);
    it writes nothing to the ledger."""
    primary = driver.leader_of("latest")
    if primary is None:
        return None
    ledger = ledgers.ledger(primary)
    node = driver.nodes[primary]
    ledger.sync(node.log[: node.last_idx], node.commit_idx)
    value = ledger.store.get(APP_PUBLIC_MAP, APP_KEY)
    return None if value is None else value.decode()


def write_statuses(result: ServiceRun) -> None:
    """``statuses.json``: per client write, its TxID and each node's final status of it; per read, what
    it read."""
    rows: list[dict[str, Any]] = []
    for i, (client, data) in enumerate(result.submitted):
        txid = result.txids.get(i)
        per_node = {} if txid is None else {n: str(s) for n, s in result.statuses.get(txid, {}).items()}
        rows.append({"client": client, "data": data, "txid": str(txid) if txid else None, "status": per_node})
    reads = [{"client": client, "read": value} for client, value in result.reads]
    doc = {"writes": rows, "reads": reads}
    (result.out / "statuses.json").write_text(json.dumps(doc, indent=1) + "\n")


def signature_of(ledger: NodeLedger, seqno: int) -> SignatureTx:
    entry = ledger.files.read(seqno)
    return SignatureTx.from_writes({t: dict(m.writes) for t, m in entry.public.items()})


def write_receipts(result: ServiceRun) -> None:
    """A JSON and a COSE receipt of every committed client write, under the first signature after it."""
    ledger = result.longest
    folder = result.out / "receipts"
    folder.mkdir(exist_ok=True)
    committed = ledger.files.committed_seqno
    secret = ledger.secret
    for entry in ledger.entries():
        if entry.seqno > committed or APP_PUBLIC_MAP not in entry.public:
            continue
        after = [s for s in ledger.signatures if entry.seqno < s <= committed]
        if not after:
            continue
        signature = signature_of(ledger, after[0])
        parts = LeafComponents(
            entry.write_set_digest,
            secret.commit_evidence(entry.view, entry.seqno),
            entry.claims_digest or ZERO_DIGEST,
        )
        name = f"{entry.view}.{entry.seqno}"
        receipt = json_receipt(ledger.tree, entry.seqno, parts, signature)
        cose = cose_receipt(ledger.tree, entry.seqno, parts, signature)
        result.receipts[entry.seqno], result.cose_receipts[entry.seqno] = receipt, cose
        result.signed_by[entry.seqno] = f"{signature.view}.{signature.seqno}"
        (folder / f"{name}.json").write_text(json.dumps(receipt, indent=2, sort_keys=True) + "\n")
        (folder / f"{name}.cose").write_bytes(cose)
