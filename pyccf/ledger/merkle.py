"""CCF's Merkle tree over ledger entries (merklecpp as ``MerkleTreeHistory`` uses it).

Leaf 0 is 32 zero bytes, leaf *i* the digest of seqno *i*; a node is ``SHA-256(left || right)`` and an odd
last node is promoted unchanged. The tree over *n* leaves is therefore the perfect tree over the largest
power of two below *n* joined with the tree over the rest, which is what :meth:`MerkleTree.root` and
:meth:`MerkleTree.path` compute from stored complete blocks.

Every complete, aligned block of ``2**k`` leaves is stored once, at level *k*, when its last leaf arrives, so
appending costs amortised O(1) hashes and a root or path O(log n). :meth:`flush` drops what no later root
or retained leaf's path can need: the left-edge subtree roots CCF serialises.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable

from pyccf.formats.ledger import DIGEST_SIZE, ZERO_DIGEST

_U64 = struct.Struct(">Q")

#: One step of an inclusion path, bottom-up: (the sibling is on the left, the sibling's hash).
PathStep = tuple[bool, bytes]


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(left + right).digest()


def entry_leaf(write_set_digest: bytes, commit_evidence_digest: bytes, claims_digest: bytes) -> bytes:
    """The leaf of an entry with commit evidence and claims (CCF's current entry type)."""
    return hashlib.sha256(write_set_digest + commit_evidence_digest + claims_digest).digest()


def path_json(path: Iterable[PathStep]) -> list[dict[str, str]]:
    """A path in a JSON receipt's form: ``{"left": hex}`` or ``{"right": hex}``, the sibling's side."""
    return [{"left" if is_left else "right": sibling.hex()} for is_left, sibling in path]


def path_cose(path: Iterable[PathStep]) -> list[list[bool | bytes]]:
    """A path in a COSE receipt's form: ``[sibling is left, sibling hash]``."""
    return [[is_left, sibling] for is_left, sibling in path]


def fold_path(leaf: bytes, path: Iterable[PathStep]) -> bytes:
    """The root a leaf and its bottom-up path lead to."""
    current = leaf
    for is_left, sibling in path:
        current = _node(sibling, current) if is_left else _node(current, sibling)
    return current


class MerkleTree:
    """CCF's ledger Merkle tree, starting with leaf 0 (the zero digest) unless deserialised."""

    def __init__(self, leaves: Iterable[bytes] = (ZERO_DIGEST,)) -> None:
        self._levels: list[list[bytes]] = [[]]  # level k: complete aligned blocks of 2**k leaves
        self._bases: list[int] = [0]  # index of each level's first stored block
        self._count = 0
        self._flushed = 0
        for leaf in leaves:
            self.append(leaf)

    def __len__(self) -> int:
        return self._count

    @property
    def num_flushed(self) -> int:
        return self._flushed

    def append(self, leaf: bytes) -> int:
        """Append a leaf (a 32-byte digest, not hashed again) and return its index."""
        if len(leaf) != DIGEST_SIZE:
            raise ValueError(f"a Merkle leaf is {DIGEST_SIZE} bytes, got {len(leaf)}")
        index = self._count
        self._count += 1
        node, level = leaf, 0
        while True:
            self._levels[level].append(node)
            if index % 2 == 0:
                return self._count - 1
            node = _node(self._block(level, index - 1), node)
            index //= 2
            level += 1
            if level == len(self._levels):
                self._levels.append([])
                self._bases.append(0)

    def leaf(self, index: int) -> bytes:
        if not self._flushed <= index < self._count:
            raise ValueError(f"no leaf {index}: the tree holds {self._count}, {self._flushed} flushed")
        return self._block(0, index)

    def _block(self, level: int, index: int) -> bytes:
        base = self._bases[level] if level < len(self._bases) else 0
        if index < base:
            raise ValueError(f"the Merkle node at level {level}, index {index} was flushed")
        return self._levels[level][index - base]

    def _subtree(self, start: int, size: int) -> bytes:
        """The root of the (promoted) tree over ``size`` leaves from ``start``, a multiple of 2**k >= size."""
        peaks: list[bytes] = []
        while size:
            level = size.bit_length() - 1
            peaks.append(self._block(level, start >> level))
            start += 1 << level
            size -= 1 << level
        root = peaks.pop()
        while peaks:
            root = _node(peaks.pop(), root)
        return root

    def _check_size(self, n: int) -> None:
        if not self._flushed < n <= self._count:
            raise ValueError(
                f"no Merkle root over {n} leaves: the tree holds {self._count}, {self._flushed} flushed"
            )

    def root(self, n: int | None = None) -> bytes:
        """The root over the first ``n`` leaves (all by default); a signature at seqno s signs ``root(s)``."""
        n = self._count if n is None else n
        self._check_size(n)
        return self._subtree(0, n)

    def path(self, index: int, n: int | None = None) -> list[PathStep]:
        """The bottom-up inclusion path of leaf ``index`` under the root over the first ``n`` leaves."""
        n = self._count if n is None else n
        self._check_size(n)
        if not self._flushed <= index < n:
            raise ValueError(
                f"no path for leaf {index} under a root over {n} leaves ({self._flushed} flushed)"
            )
        steps: list[PathStep] = []
        start, size = 0, n
        while size > 1:
            half = 1 << ((size - 1).bit_length() - 1)  # the largest power of two below size
            if index - start < half:
                steps.append((False, self._subtree(start + half, size - half)))
                size = half
            else:
                steps.append((True, self._block(half.bit_length() - 1, start // half)))
                start, size = start + half, size - half
        steps.reverse()
        return steps

    def truncate(self, n: int) -> None:
        """Keep only the first ``n`` leaves (a rollback drops the entries after seqno ``n - 1``)."""
        if not self._flushed <= n <= self._count or n == 0:
            raise ValueError(
                f"cannot truncate to {n} leaves: the tree holds {self._count}, {self._flushed} flushed"
            )
        for level, blocks in enumerate(self._levels):
            del blocks[max(0, (n >> level) - self._bases[level]) :]  # blocks wholly inside n survive
        self._count = n

    def flush(self, up_to: int) -> None:
        """Forget leaves below ``up_to``, keeping only what later roots and paths need."""
        if not self._flushed <= up_to < self._count:
            raise ValueError(
                f"cannot flush to {up_to}: the tree holds {self._count}, {self._flushed} flushed"
            )
        self._flushed = up_to
        for level, blocks in enumerate(self._levels):
            keep = (up_to >> level) - ((up_to >> level) & 1)  # the left-edge root if bit `level` is set
            drop = keep - self._bases[level]
            if drop > 0:
                del blocks[:drop]
                self._bases[level] = keep

    def serialise(self, n: int | None = None, *, flushed: int | None = None) -> bytes:
        """CCF's ``public:ccf.internal.tree`` value for the tree over the first ``n`` leaves, as if flushed
        to ``flushed`` (default: as far as this tree is; CCF flushes to its commit point, so signatures
        stay small while receipts can still be issued from a tree that keeps everything).

        Big-endian u64 retained leaf count, u64 flushed count, the retained leaves, then for each set bit i
        of the flushed count (ascending) the root of the flushed 2**i-leaf subtree on the left edge.
        """
        n = self._count if n is None else n
        self._check_size(n)
        f = self._flushed if flushed is None else flushed
        if not self._flushed <= f < n:
            raise ValueError(f"cannot serialise {n} leaves flushed to {f} ({self._flushed} flushed here)")
        parts = [_U64.pack(n - f), _U64.pack(f)]
        base = self._bases[0]
        parts += self._levels[0][f - base : n - base]  # the retained leaves, in one slice
        for level in range(f.bit_length()):
            if f >> level & 1:
                parts.append(self._block(level, (f >> level) - 1))
        return b"".join(parts)

    @classmethod
    def deserialise(cls, data: bytes) -> MerkleTree:
        """Read a serialised tree; a malformed one raises ValueError naming the byte offset."""
        if len(data) < 2 * _U64.size:
            raise ValueError(f"serialised Merkle tree: {len(data)} bytes, the header needs 16 (offset 0)")
        (retained,) = _U64.unpack_from(data, 0)
        (flushed,) = _U64.unpack_from(data, 8)
        if retained == 0 and flushed != 0:
            raise ValueError("serialised Merkle tree: no retained leaves but some flushed (offset 0)")
        expected = 16 + DIGEST_SIZE * (retained + bin(flushed).count("1"))
        if len(data) != expected:
            raise ValueError(
                f"serialised Merkle tree: {len(data)} bytes, its header ({retained} leaves, {flushed} "
                f"flushed) needs {expected} (offset {min(len(data), expected)})"
            )
        tree = cls(leaves=())
        roots = data[16 + DIGEST_SIZE * retained :]
        top = flushed.bit_length()
        tree._levels = [[] for _ in range(max(top, 1))]
        tree._bases = [0] * len(tree._levels)
        for level in range(top):
            base = (flushed >> level) - ((flushed >> level) & 1)
            tree._bases[level] = base
            if flushed >> level & 1:
                tree._levels[level].append(roots[:DIGEST_SIZE])
                roots = roots[DIGEST_SIZE:]
        tree._count = tree._flushed = flushed
        for i in range(retained):
            offset = 16 + DIGEST_SIZE * i
            tree.append(data[offset : offset + DIGEST_SIZE])
        return tree
