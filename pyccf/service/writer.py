"""One node's ledger as a CCF primary writes it: transactions from the KV store become entries, the Merkle
tree grows with each, and signature transactions sign its root, so that CCF's own tools accept the result.

This is the service's write path, without consensus: the primary executes a transaction, gets the next
seqno for it, serialises its write set (public maps in plaintext, private maps encrypted under the ledger
secret) and appends it; every ``signature_every`` transactions it appends a signature transaction (the
node's ECDSA signature and the service's COSE_Sign1 over the root of all earlier entries, and the
serialised tree). Receipts can then be issued for any transaction covered by a later signature.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pyccf.formats.ledger import EntryFlags
from pyccf.kv.store import Store, Transaction
from pyccf.kv.txid import TxID
from pyccf.kv.writeset import WriteSet
from pyccf.ledger.entry import Entry, EntryInput, MapChanges, serialise_entry
from pyccf.ledger.files import ChunkPolicy, LedgerFiles
from pyccf.ledger.merkle import MerkleTree, entry_leaf
from pyccf.ledger.secrets import LedgerSecret
from pyccf.service.identity import Identity, NodeIdentity
from pyccf.service.receipts import LeafComponents, SignatureTx, cose_receipt, json_receipt
from pyccf.service.signing import Writes, genesis_writes, node_info, signature_transaction

#: The view the first node starts in (CCF's starting_view_change: the shared traces start at 2.1).
START_VIEW = 2


def entry_input(view: int, seqno: int, ws: WriteSet, flags: EntryFlags = EntryFlags.NONE) -> EntryInput:
    """The ledger's view of a KV write set: maps by name, public and private apart."""

    def maps(domain: Any) -> dict[str, MapChanges]:
        return {m.name: MapChanges(dict(m.writes), m.removes) for m in domain}

    return EntryInput(view, seqno, public=maps(ws.public), private=maps(ws.private), flags=flags)


def writes_to_write_set(writes: Writes) -> WriteSet:
    """The signing and genesis modules' table writes as a KV write set (tables in the store too)."""
    return WriteSet.of({str(table): dict(sorted(values.items())) for table, values in writes.items()})


@dataclass
class Written:
    """What the writer keeps per transaction to issue receipts once it is signed and committed."""

    entry: Entry
    evidence: str
    is_signature: bool


@dataclass
class ServiceWriter:
    """A one-node service's primary: executes transactions, writes the ledger, signs, issues receipts."""

    folder: Path
    service: Identity
    node: NodeIdentity
    secret: LedgerSecret
    clock: datetime  # the time signatures carry (iat); a fixed clock keeps runs reproducible
    signature_every: int = 100
    chunk_policy: ChunkPolicy = field(default_factory=ChunkPolicy)
    view: int = START_VIEW
    store: Store = field(default_factory=Store)
    tree: MerkleTree = field(default_factory=MerkleTree)
    written: dict[int, Written] = field(default_factory=dict)
    last_signature: int = 0
    since_signature: int = 0

    def __post_init__(self) -> None:
        self.files = LedgerFiles(self.folder, self.chunk_policy, secret=self.secret)
        if self.files.last_seqno:
            raise ValueError(f"{self.folder}: already holds a ledger; a writer starts a new service")

    @property
    def seqno(self) -> int:
        return self.files.last_seqno

    def genesis(self, encryption_pub_key: str) -> TxID:
        """The service's first transaction: service info, the node's info and endorsed certificate."""
        info = node_info(self.node, encryption_pub_key=encryption_pub_key)
        return self._append(
            writes_to_write_set(genesis_writes(self.service, self.view, 1, [(self.node, info)]))
        )

    def execute(self, body: Callable[[Transaction], object]) -> TxID | None:
        """Run ``body`` in a transaction and append it (then a signature, if one is due). A read-only
        transaction writes nothing to the ledger (None)."""
        tx = self.store.begin()
        body(tx)
        if tx.write_set().empty:
            return None
        txid = self._append(tx.commit(self.seqno + 1), committed_by_store=True)
        self.since_signature += 1
        if self.since_signature >= self.signature_every:
            self.sign()
        return txid

    def sign(self) -> TxID:
        """Append a signature transaction over every entry so far."""
        seqno = self.seqno + 1
        writes = signature_transaction(
            self.tree,
            self.view,
            seqno,
            self.node,
            self.service,
            iat=int(self.clock.timestamp()),
            flushed=min(self.files.committed_seqno, seqno - 1),  # flushed to the commit point, as CCF
        )
        flags = EntryFlags.FORCE_LEDGER_CHUNK_AFTER if self.files.chunk_due else EntryFlags.NONE
        txid = self._append(writes_to_write_set(writes), is_signature=True, flags=flags)
        self.last_signature, self.since_signature = seqno, 0
        self.commit(seqno)  # one node is its own quorum: a signature commits at once, as in CCF
        return txid

    def commit(self, seqno: int | None = None) -> None:
        """Mark everything up to ``seqno`` (default: the last signature) committed; chunks close there."""
        upto = self.last_signature if seqno is None else seqno
        self.files.commit(upto)
        self.store.compact(upto)

    def _append(
        self,
        ws: WriteSet,
        *,
        is_signature: bool = False,
        flags: EntryFlags = EntryFlags.NONE,
        committed_by_store: bool = False,
    ) -> TxID:
        seqno = self.seqno + 1
        if not committed_by_store:
            self.store.apply(ws, seqno)
        entry, evidence = serialise_entry(entry_input(self.view, seqno, ws, flags), self.secret)
        self.files.append(entry, is_signature=is_signature)
        self.tree.append(
            entry_leaf(entry.write_set_digest, entry.commit_evidence_digest, entry.claims_digest)
        )
        self.written[seqno] = Written(entry, evidence, is_signature)
        return TxID(self.view, seqno)

    # ------------------------------------------------------------------ receipts

    def signature_covering(self, seqno: int) -> SignatureTx:
        """The first signature transaction after ``seqno`` (its root covers ``seqno``)."""
        for s in range(seqno + 1, self.last_signature + 1):
            w = self.written.get(s)
            if w is not None and w.is_signature:
                public: Mapping[str, MapChanges] = w.entry.public
                return SignatureTx.from_writes({t: dict(m.writes) for t, m in public.items()})
        raise ValueError(f"transaction {self.view}.{seqno} is not covered by a signature yet")

    def components(self, seqno: int) -> LeafComponents:
        w = self.written[seqno]
        return LeafComponents(w.entry.write_set_digest, w.evidence, w.entry.claims_digest)

    def receipt(self, seqno: int) -> dict[str, Any]:
        """CCF's JSON receipt of a committed transaction (commit evidence is revealed only then)."""
        self._check_committed(seqno)
        return json_receipt(self.tree, seqno, self.components(seqno), self.signature_covering(seqno))

    def cose_receipt(self, seqno: int) -> bytes:
        """CCF's COSE receipt of a committed transaction."""
        self._check_committed(seqno)
        return cose_receipt(self.tree, seqno, self.components(seqno), self.signature_covering(seqno))

    def _check_committed(self, seqno: int) -> None:
        if not 1 <= seqno <= self.files.committed_seqno:
            raise ValueError(
                f"transaction at seqno {seqno} is not committed (commit is {self.files.committed_seqno})"
            )
