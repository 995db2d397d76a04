"""pyccf's Merkle tree against CCF's (the oracle's ``ccf.merkletree`` and ``ccf.receipt.root``)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyccf.formats.ledger import ZERO_DIGEST
from pyccf.ledger.merkle import MerkleTree, fold_path, path_cose, path_json
from tests.oracle import oracle_json

N = 100


def leaves(n: int) -> list[bytes]:
    """Leaf 0 is the zero digest, the rest arbitrary digests."""
    return [ZERO_DIGEST] + [hashlib.sha256(b"leaf %d" % i).digest() for i in range(1, n)]


def full_tree(n: int) -> MerkleTree:
    tree = MerkleTree()
    for leaf in leaves(n)[1:]:
        tree.append(leaf)
    return tree


def test_roots_equal_the_oracle_for_every_size() -> None:
    tree = full_tree(N)
    ours = [tree.root(n).hex() for n in range(1, N + 1)]
    theirs = oracle_json(
        """
import json, sys
from ccf.merkletree import MerkleTree
t = MerkleTree(); out = []
for h in json.loads(sys.stdin.read()):
    t.add_leaf(bytes.fromhex(h), do_hash=False); out.append(t.get_merkle_root().hex())
print(json.dumps(out))
""",
        stdin=[leaf.hex() for leaf in leaves(N)],
    )
    assert ours == theirs


def test_every_path_folds_to_the_root_with_the_oracle() -> None:
    tree = full_tree(37)
    cases = []
    for n in (1, 2, 3, 8, 13, 37):
        root = tree.root(n)
        for i in range(n):
            path = tree.path(i, n)
            assert fold_path(leaves(37)[i], path) == root
            proof = path_json(path)
            assert path_cose(path) == [[is_left, h] for is_left, h in path]
            cases.append([leaves(37)[i].hex(), proof, root.hex()])
    assert oracle_json(
        """
import json, sys, ccf.receipt
cases = json.loads(sys.stdin.read())
print(json.dumps(all(ccf.receipt.root(leaf, proof) == root for leaf, proof, root in cases)))
""",
        stdin=cases,
    )


def test_a_tampered_path_does_not_fold_to_the_root() -> None:
    tree = full_tree(13)
    path = tree.path(5, 13)
    is_left, sibling = path[1]
    assert fold_path(leaves(13)[5], path) == tree.root(13)
    assert fold_path(leaves(13)[5], [*path[:1], (not is_left, sibling), *path[2:]]) != tree.root(13)
    assert fold_path(leaves(13)[6], path) != tree.root(13)


def test_serialisation_round_trips_through_the_oracle_for_every_flush_count() -> None:
    n = 23
    blobs = []
    for flushed in range(n):
        tree = full_tree(n)
        if flushed:
            tree.flush(flushed)
        blob = tree.serialise()
        again = MerkleTree.deserialise(blob)
        assert again.root() == tree.root() == full_tree(n).root()
        assert again.serialise() == blob
        for i in range(flushed, n):
            assert fold_path(leaves(n)[i], again.path(i)) == tree.root()
        extra = hashlib.sha256(b"more").digest()
        again.append(extra)
        grown = full_tree(n)
        grown.append(extra)
        assert again.root() == grown.root()
        blobs.append(blob.hex())
    assert (
        oracle_json(
            """
import json, sys
from ccf.merkletree import MerkleTree
out = []
for h in json.loads(sys.stdin.read()):
    t = MerkleTree(); t.deserialise(bytes.fromhex(h)); out.append(t.get_merkle_root().hex())
print(json.dumps(out))
""",
            stdin=blobs,
        )
        == [full_tree(n).root().hex()] * n
    )


def test_serialise_a_prefix_as_a_signature_transaction_does() -> None:
    tree = full_tree(10)
    prefix = MerkleTree.deserialise(tree.serialise(6))
    assert prefix.root() == tree.root(6) == full_tree(6).root()
    assert tree.serialise(2)[:16] == bytes.fromhex("00000000000000020000000000000000")


def test_flushed_leaves_have_no_path_and_bad_sizes_are_refused() -> None:
    tree = full_tree(10)
    tree.flush(5)
    with pytest.raises(ValueError, match="no path for leaf 4"):
        tree.path(4)
    with pytest.raises(ValueError, match="no Merkle root over 5 leaves"):
        tree.root(5)
    with pytest.raises(ValueError, match="cannot flush to 3"):
        tree.flush(3)
    with pytest.raises(ValueError, match="32 bytes"):
        tree.append(b"short")


def test_a_malformed_serialisation_is_one_clear_error() -> None:
    blob = full_tree(9).serialise()
    with pytest.raises(ValueError, match="offset"):
        MerkleTree.deserialise(blob[:-1])
    with pytest.raises(ValueError, match="header needs 16"):
        MerkleTree.deserialise(blob[:10])
    with pytest.raises(ValueError, match="no retained leaves"):
        MerkleTree.deserialise(bytes(8) + (1).to_bytes(8, "big") + bytes(32))
    tampered = bytearray(blob)
    tampered[20] ^= 1
    assert MerkleTree.deserialise(bytes(tampered)).root() != full_tree(9).root()


def test_a_long_ledger_stays_cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Appending and rooting hash O(log n) per signature: 2**14 leaves stay well under 2**16 hashes."""
    import pyccf.ledger.merkle as merkle

    calls = 0
    real = merkle._node

    def counting(left: bytes, right: bytes) -> bytes:
        nonlocal calls
        calls += 1
        return real(left, right)

    monkeypatch.setattr(merkle, "_node", counting)
    tree = MerkleTree()
    for i in range(1, 1 << 14):
        tree.append(hashlib.sha256(i.to_bytes(8, "big")).digest())
        if i % 10 == 0:
            tree.root()
    assert calls < 1 << 16


def naive_root(level: list[bytes]) -> bytes:
    """merklecpp's rule spelled out level by level: pair up, promote an odd last node."""
    while len(level) > 1:
        pairs = [hashlib.sha256(level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        level = pairs + level[len(pairs) * 2 :]
    return level[0]


@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=8))
def test_interleaved_appends_and_flushes_keep_every_root(steps: list[int]) -> None:
    tree, all_leaves = MerkleTree(), [ZERO_DIGEST]
    for k, step in enumerate(steps):
        for _ in range(step):
            all_leaves.append(hashlib.sha256(len(all_leaves).to_bytes(8, "big")).digest())
            tree.append(all_leaves[-1])
        if k % 2:
            tree.flush((tree.num_flushed + len(tree)) // 2)
        again = MerkleTree.deserialise(tree.serialise())
        for n in range(tree.num_flushed + 1, len(tree) + 1):
            assert tree.root(n) == again.root(n) == naive_root(all_leaves[:n])
        for i in range(tree.num_flushed, len(tree)):
            assert fold_path(all_leaves[i], again.path(i)) == tree.root()
