"""The service tables in place: a small ledger of pyccf's genesis and signature writes, FULL-validated by
the oracle's ``read_ledger``; signatures by a foreign service or an unregistered node are rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyccf.ledger.merkle import MerkleTree
from pyccf.service.identity import Identity, NodeIdentity, derive_key, node_identity
from pyccf.service.signing import Writes, genesis_writes, node_info, signature_transaction
from tests.oracle import read_ledger
from tests.pyccf.service.conftest import START, VALIDITY
from tests.pyccf.service.minimal_ledger import entry, leaf_of, write_chunk

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
    entries: list[bytes] = []

    def add(writes: Writes) -> None:
        seqno = len(entries) + 1
        entries.append(entry(VIEW, seqno, writes))
        tree.append(leaf_of(VIEW, seqno, entries[-1]))

    add(genesis_writes(service, VIEW, 1, [(registered, node_info(registered, encryption_pub_key="pem"))]))
    add({"public:app.x": {b"k": b"1"}})
    add({"public:app.x": {b"k": b"2"}})
    add(signature_transaction(tree, VIEW, 4, signer, cose_by, iat=IAT))
    if flush_to:
        tree.flush(flush_to)
    add({"public:app.x": {b"k": b"3"}})
    add(signature_transaction(tree, VIEW, 6, signer, cose_by, iat=IAT))
    write_chunk(folder, entries)
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
