"""The service tables in place: a small ledger of pyccf's genesis and signature writes, FULL-validated by
the oracle's ``read_ledger``; signatures by a foreign service or an unregistered node are rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyccf.ledger.entry import serialise_entry
from pyccf.ledger.files import ChunkPolicy, LedgerFiles
from pyccf.ledger.merkle import MerkleTree, entry_leaf
from pyccf.ledger.secrets import LedgerSecret
from pyccf.service.identity import Identity, NodeIdentity, derive_key, node_identity
from pyccf.service.signing import Writes, genesis_writes, node_info, signature_transaction
from pyccf.service.writer import entry_input, writes_to_write_set
from tests.oracle import read_ledger
from tests.pyccf.service.conftest import START, VALIDITY

VIEW = 2
IAT = 1_735_689_600


def build(
    folder: Path,
    service: Identity,
    registered: NodeIdentity,
    signer: NodeIdentity,
    cose_by: Identity,
    flush_to: int = 0,
) -> Path:
    """Genesis, two app writes, a signature, an app write, a signature (seqnos 1..6); the tree flushed to
    ``flush_to`` after the first signature."""
    tree = MerkleTree()
    secret = LedgerSecret.from_seed(b"validation")
    files = LedgerFiles(folder, ChunkPolicy(max_entries=5))  # one chunk, closed by the last signature

    def add(writes: Writes, *, is_signature: bool = False) -> None:
        seqno = files.last_seqno + 1
        entry, _ = serialise_entry(entry_input(VIEW, seqno, writes_to_write_set(writes)), secret)
        files.append(entry, is_signature=is_signature)
        tree.append(entry_leaf(entry.write_set_digest, entry.commit_evidence_digest, entry.claims_digest))

    add(genesis_writes(service, VIEW, 1, [(registered, node_info(registered, encryption_pub_key="pem"))]))
    add({"public:app.x": {b"k": b"1"}})
    add({"public:app.x": {b"k": b"2"}})
    add(signature_transaction(tree, VIEW, 4, signer, cose_by, iat=IAT), is_signature=True)
    if flush_to:
        tree.flush(flush_to)
    add({"public:app.x": {b"k": b"3"}})
    add(signature_transaction(tree, VIEW, 6, signer, cose_by, iat=IAT), is_signature=True)
    files.commit(6)
    assert files.chunk_names() == ["ledger_1-6.committed"]
    return folder


def test_pyccfs_service_tables_pass_full_validation(
    tmp_path: Path, service: Identity, node: NodeIdentity
) -> None:
    done = read_ledger(build(tmp_path, service, node, node, service))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Verified FULL - 6 transactions, 2 signatures, until 2.6" in done.stdout


def test_a_cose_signature_by_a_foreign_service_is_rejected(
    tmp_path: Path, service: Identity, foreign_service: Identity, node: NodeIdentity
) -> None:
    done = read_ledger(build(tmp_path, service, node, node, foreign_service))
    assert done.returncode != 0 and "Error parsing ledger: Signature verification failed" in done.stdout


def test_a_signature_by_an_unregistered_node_is_rejected(
    tmp_path: Path, service: Identity, node: NodeIdentity
) -> None:
    other = node_identity(derive_key(b"other node", "node"), service, not_before=START, validity=VALIDITY)
    done = read_ledger(build(tmp_path, service, node, other, service))
    assert done.returncode != 0 and f"signing node {other.node_id} is not part of the network" in done.stdout


def test_flushed_embedded_trees_pass_merkle_validation(
    tmp_path: Path, service: Identity, node: NodeIdentity
) -> None:
    for flush_to in (1, 3, 4):
        folder = build(tmp_path / str(flush_to), service, node, node, service, flush_to=flush_to)
        done = read_ledger(folder, "MERKLE")
        assert done.returncode == 0, done.stdout
        assert read_ledger(folder).returncode == 0


def test_a_wrong_embedded_tree_fails_merkle_validation(
    tmp_path: Path, service: Identity, node: NodeIdentity, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = MerkleTree.serialise

    def stale(self: MerkleTree, n: int | None = None, *, flushed: int | None = None) -> bytes:
        return real(self, None if n is None else n - 1, flushed=flushed)  # the tree one leaf short

    monkeypatch.setattr(MerkleTree, "serialise", stale)
    done = read_ledger(build(tmp_path, service, node, node, service), "MERKLE")
    assert done.returncode != 0 and "Computed root" in done.stdout
