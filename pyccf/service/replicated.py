"""A multi-node service's ledgers, carried by the consensus core: the primary serialises each entry once,
every node (backups included) appends exactly the bytes its log holds.

:class:`ReplicatedLedgers` is the driver's optional payload layer (:class:`pyccf.sim.driver.EntryPayloads`).
For a new entry at the leader it builds the transaction CCF would write (seqno 1: the genesis; a
reconfiguration: ``nodes.info`` writes; ``retired_committed``: the retired nodes marked so; a signature: the
leader's signature over the root of every earlier entry of its own ledger; any other entry: a client write
of its data to a public and a private map) and serialises it with the consensus entry's view and seqno.
After each command it brings every node's ledger in step with the node's log: entries rolled back are
truncated (ledger files, Merkle tree, store), new ones appended, and the commit point moved, which renames
closed chunks ``.committed``. Everything derives from one seed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pyccf.consensus.log import Entry as LogEntry
from pyccf.consensus.node import Node
from pyccf.formats.ledger import CHUNK_NAME, EntryFlags, NodeStatus, Table
from pyccf.formats.raft_trace import EntryType
from pyccf.kv.store import Store
from pyccf.kv.writeset import WriteSet
from pyccf.ledger.entry import Entry, read_entry, serialise_entry
from pyccf.ledger.files import ChunkPolicy, LedgerFiles
from pyccf.ledger.merkle import MerkleTree, entry_leaf
from pyccf.ledger.secrets import LedgerSecret
from pyccf.service.identity import Identity, NodeIdentity, derive_key, node_identity, service_identity
from pyccf.service.signing import Writes, genesis_writes, json_bytes, node_info, signature_transaction
from pyccf.service.writer import entry_input, writes_to_write_set

#: The fixed clock of certificates and signatures; certificates are long-lived because verifiers check
#: paths at the real time.
CLOCK = datetime(2025, 1, 1, tzinfo=UTC)
VALIDITY = timedelta(days=365 * 200)
#: The maps a client entry of the scenarios writes its data to.
APP_PUBLIC_MAP = "public:app.data"
APP_PRIVATE_MAP = "app.data"
APP_KEY = b"data"
#: Scenarios write tens of entries: small chunks let committed chunks (what CCF's readers read) appear.
SCENARIO_CHUNKS = ChunkPolicy(max_entries=4)


class LedgerSyncError(ValueError):
    """A node's log holds an entry whose payload does not match it (not one this layer serialised)."""


@dataclass
class Keys:
    """The service identity, one ledger secret and a node identity per node id, all from one seed."""

    seed: int
    clock: datetime = CLOCK
    nodes: dict[str, NodeIdentity] = field(default_factory=dict)

    def __post_init__(self) -> None:
        root = self._material("service")
        self.service: Identity = service_identity(
            derive_key(root, "service"), not_before=self.clock, validity=VALIDITY
        )
        self.secret = LedgerSecret.from_seed(self._material("ledger secret"))

    def _material(self, purpose: str) -> bytes:
        return hashlib.sha256(f"pyccf service seed {self.seed}\0{purpose}".encode()).digest()

    def node(self, node_id: str) -> NodeIdentity:
        if node_id not in self.nodes:
            key = derive_key(self._material(f"node {node_id}"), "node")
            self.nodes[node_id] = node_identity(key, self.service, not_before=self.clock, validity=VALIDITY)
        return self.nodes[node_id]

    def info(self, node_id: str, status: NodeStatus = NodeStatus.TRUSTED) -> dict[str, object]:
        node = self.node(node_id)
        return node_info(node, encryption_pub_key=node.public_key_pem, status=status)


@dataclass
class NodeLedger:
    """One node's ledger folder, Merkle tree and store, kept equal to the node's log."""

    folder: Path
    secret: LedgerSecret
    policy: ChunkPolicy
    store: Store = field(default_factory=Store)
    tree: MerkleTree = field(default_factory=MerkleTree)
    terms: list[int] = field(default_factory=list)  # the term of each appended entry, by seqno - 1
    payloads: list[bytes] = field(default_factory=list, repr=False)  # the bytes appended, by seqno - 1
    truncations: int = 0  # rollbacks that dropped entries
    signatures: list[int] = field(default_factory=list)  # seqnos of signature entries

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.files = LedgerFiles(self.folder, self.policy, secret=self.secret)
        if self.files.last_seqno:
            raise ValueError(f"{self.folder}: already holds a ledger; a run starts new ledgers")

    @property
    def seqno(self) -> int:
        return len(self.terms)

    def sync(self, log: list[LogEntry], commit_idx: int) -> None:
        """Truncate what the log rolled back, append what it gained, commit up to ``commit_idx``.

        An entry is the same if it carries the same bytes (the very object, as the network shares
        entries, or equal bytes), so a log that diverged without a term change is caught too."""
        keep = min(len(log), self.seqno)
        for i in range(self.files.committed_seqno, keep):
            carried = log[i].payload
            if carried is not self.payloads[i] and carried != self.payloads[i]:
                keep = i
                break
        if keep < self.seqno:
            self.truncate(keep)
        for entry in log[self.seqno :]:
            self.append(entry)
        if commit_idx > self.files.committed_seqno:
            self.files.commit(commit_idx)
            self.store.compact(commit_idx)

    def truncate(self, seqno: int) -> None:
        self.truncations += 1
        self.files.truncate(seqno)
        self.tree.truncate(seqno + 1)  # leaf 0 is the zero digest
        self.store.rollback(seqno)
        del self.terms[seqno:]
        del self.payloads[seqno:]
        self.signatures = [s for s in self.signatures if s <= seqno]

    def append(self, log_entry: LogEntry) -> None:
        """Append the bytes the log entry carries (never re-serialised), checking they are its entry."""
        where = f"{self.folder} seqno {log_entry.index}"
        if not log_entry.payload:
            raise LedgerSyncError(f"{where}: the log entry carries no ledger entry")
        entry = read_entry(log_entry.payload, 0, where, self.secret)
        if (entry.view, entry.seqno) != (log_entry.term, log_entry.index):
            raise LedgerSyncError(
                f"{where}: the ledger entry is {entry.view}.{entry.seqno}, the log's "
                f"{log_entry.term}.{log_entry.index}"
            )
        is_signature = log_entry.kind is EntryType.SIGNATURE
        self.files.append(entry, is_signature=is_signature)
        self.tree.append(
            entry_leaf(entry.write_set_digest, entry.commit_evidence_digest, entry.claims_digest)
        )
        self.store.apply(write_set_of(entry), entry.seqno)
        self.terms.append(entry.view)
        self.payloads.append(log_entry.payload)
        if is_signature:
            self.signatures.append(entry.seqno)

    def entries(self) -> Iterator[Entry]:
        return self.files.entries()

    def export_committed(self, folder: Path) -> int:
        """Write the committed prefix (the same entry bytes) as ``.committed`` chunks closed at each
        signature that follows another entry of its chunk; return the last seqno of a closed chunk (what
        CCF's readers see: they skip the open chunk)."""
        upto = self.files.committed_seqno
        out = LedgerFiles(folder, ChunkPolicy(max_entries=1), secret=self.secret)
        for entry in self.files.entries():
            if entry.seqno > upto:
                break
            out.append(entry, is_signature=entry.seqno in self.signatures)
        out.commit(upto)
        ends = [m["end"] for m in map(CHUNK_NAME.match, out.chunk_names()) if m and m["committed"]]
        return int(ends[-1]) if ends else 0

    @property
    def last_signature(self) -> tuple[int, int] | None:
        """The (view, seqno) of the last signature in the ledger."""
        return (self.terms[self.signatures[-1] - 1], self.signatures[-1]) if self.signatures else None


def write_set_of(entry: Entry) -> WriteSet:
    """The store's write set of a read entry (private maps decrypted)."""
    changes: dict[str, dict[bytes, bytes | None]] = {}
    for name, m in [*entry.public.items(), *(entry.private or {}).items()]:
        values: dict[bytes, bytes | None] = dict(m.writes)
        values.update((k, None) for k in m.removals)
        changes[name] = dict(sorted(values.items()))
    return WriteSet.of(changes)


@dataclass
class ReplicatedLedgers:
    """The service layer of a scenario run: a ledger per node under ``root``, one key set from ``seed``."""

    root: Path
    seed: int = 0
    policy: ChunkPolicy = SCENARIO_CHUNKS
    ledgers: dict[str, NodeLedger] = field(default_factory=dict)
    #: An application's writes for a client entry's data, from the leader's store (None: the default
    #: write of the data itself), e.g. :class:`pyccf.service.app.ListAppend`.
    app: Callable[[str, Store, str], Writes | None] | None = None

    def __post_init__(self) -> None:
        self.keys = Keys(self.seed)

    def ledger(self, node_id: str) -> NodeLedger:
        if node_id not in self.ledgers:
            self.ledgers[node_id] = NodeLedger(self.root / node_id, self.keys.secret, self.policy)
        return self.ledgers[node_id]

    def observe(self, nodes: dict[str, Node]) -> None:
        for node_id, node in nodes.items():
            self.ledger(node_id).sync(node.log[: node.last_idx], node.commit_idx)

    def payload(self, leader: Node, kind: EntryType, data: str, nodes: tuple[str, ...]) -> bytes:
        ledger = self.ledger(leader.node_id)
        ledger.sync(leader.log[: leader.last_idx], leader.commit_idx)
        view, seqno = leader.current_view, leader.last_idx + 1
        flags = EntryFlags.NONE
        if kind is EntryType.SIGNATURE:
            writes = signature_transaction(
                ledger.tree,
                view,
                seqno,
                self.keys.node(leader.node_id),
                self.keys.service,
                iat=int(self.keys.clock.timestamp()),
                flushed=min(leader.commit_idx, seqno - 1),  # flushed to the commit point, as CCF
            )
            if ledger.files.chunk_due:
                flags = EntryFlags.FORCE_LEDGER_CHUNK_AFTER
        elif kind is EntryType.RECONFIGURATION and seqno > 1:
            writes = self._reconfiguration(ledger.store, set(nodes))
        elif kind is EntryType.RETIRED_COMMITTED:
            writes = self._retired_committed(ledger.store, nodes)
        elif kind is EntryType.RAW:
            app = None if self.app is None else self.app(leader.node_id, ledger.store, data)
            value = data.encode()
            writes = app or {APP_PUBLIC_MAP: {APP_KEY: value}, APP_PRIVATE_MAP: {APP_KEY: value}}
        else:
            writes = {}
        if seqno == 1:  # the service's first transaction creates it, whatever else it writes
            members = nodes if kind is EntryType.RECONFIGURATION else _configured(leader)
            pairs = [(self.keys.node(n), self.keys.info(n)) for n in sorted(members)]
            writes = {**writes, **genesis_writes(self.keys.service, view, seqno, pairs)}
        ws = writes_to_write_set(writes)
        entry, _ = serialise_entry(entry_input(view, seqno, ws, flags), self.keys.secret)
        return entry.data

    def _reconfiguration(self, store: Store, config: set[str]) -> Writes:
        """CCF's reconfiguration is a ``nodes.info`` write: joiners ``Trusted`` (with their endorsed
        certificate), nodes leaving ``Retired``."""
        current = statuses(store, self.keys)
        info: dict[bytes, bytes] = {}
        certs: dict[bytes, bytes] = {}
        for n in sorted(config - {m for m, s in current.items() if s == NodeStatus.TRUSTED}):
            node = self.keys.node(n)
            info[node.node_id.encode()] = json_bytes(self.keys.info(n))
            certs[node.node_id.encode()] = node.cert_pem.encode()
        for n in sorted(m for m, s in current.items() if s == NodeStatus.TRUSTED and m not in config):
            info[self.keys.node(n).node_id.encode()] = json_bytes(self.keys.info(n, NodeStatus.RETIRED))
        writes: Writes = {Table.NODES_INFO: info}
        if certs:
            writes[Table.NODES_ENDORSED_CERTIFICATES] = certs
        return writes

    def _retired_committed(self, store: Store, nodes: tuple[str, ...]) -> Writes:
        info: dict[bytes, bytes] = {}
        for n in sorted(nodes):
            key = self.keys.node(n).node_id.encode()
            value = {**self.keys.info(n, NodeStatus.RETIRED), "retired_committed": True}
            info[key] = json_bytes(value)
        return {Table.NODES_INFO: info}


def _configured(node: Node) -> set[str]:
    """The nodes of ``node``'s configurations (a scenario created with ``nodes,...`` has no genesis
    reconfiguration entry)."""
    return {n for c in node.configurations for n in c.nodes} | {node.node_id}


def statuses(store: Store, keys: Keys) -> Mapping[str, str]:
    """The status of every known scenario node in ``nodes.info`` (by scenario node id)."""
    out: dict[str, str] = {}
    for n, node in keys.nodes.items():
        raw = store.get(Table.NODES_INFO, node.node_id.encode())
        if raw is not None:
            out[n] = json.loads(raw)["status"]
    return out
