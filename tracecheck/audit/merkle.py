"""CCF's Merkle tree kept as its peaks (one perfect subtree root per set bit of the leaf count).

Memory is O(log n). Nodes are SHA-256(left || right) with no prefix; an odd last node is promoted, which
makes the root the right-to-left fold of the peaks. The serialised tree of a signature transaction
(big-endian retained leaf count, flush count, retained leaves, flushed subtree roots by ascending bit)
is rebuilt into the same form to compare roots.
"""

from __future__ import annotations

import hashlib
import struct

from pyccf.formats.ledger import DIGEST_SIZE


def _h(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(left + right).digest()


class CompactTree:
    """Leaves appended one by one; the root at any point."""

    def __init__(self) -> None:
        self.size = 0
        self.peaks: list[tuple[int, bytes]] = []  # (height, hash), heights strictly decreasing

    def append(self, leaf: bytes) -> None:
        peaks, digest, height = self.peaks, leaf, 0
        while peaks and peaks[-1][0] == height:  # merge equal peaks (inlined: once per ledger entry)
            digest, height = hashlib.sha256(peaks.pop()[1] + digest).digest(), height + 1
        peaks.append((height, digest))
        self.size += 1

    def root(self) -> bytes:
        if not self.peaks:
            raise ValueError("the empty tree has no root")
        acc = self.peaks[-1][1]
        for _, digest in reversed(self.peaks[:-1]):
            acc = _h(digest, acc)
        return acc


def serialised_tree(data: bytes) -> CompactTree:
    """The tree a ``public:ccf.internal.tree`` value describes; ValueError if it is malformed."""
    if len(data) < 16:
        raise ValueError(f"{len(data)} bytes, expected at least 16")
    kept, flushed = struct.unpack_from(">QQ", data)
    bits = [i for i in range(64) if flushed >> i & 1]
    expected = 16 + DIGEST_SIZE * (kept + len(bits))
    if len(data) != expected:
        raise ValueError(f"{len(data)} bytes, expected {expected} for {kept} retained, {flushed} flushed")
    retained = [data[16 + DIGEST_SIZE * i : 16 + DIGEST_SIZE * (i + 1)] for i in range(kept)]
    base = 16 + DIGEST_SIZE * len(retained)
    roots = {bit: data[base + DIGEST_SIZE * i : base + DIGEST_SIZE * (i + 1)] for i, bit in enumerate(bits)}
    tree = CompactTree()
    tree.peaks = [(bit, roots[bit]) for bit in reversed(bits)]
    tree.size = flushed
    for leaf in retained:
        tree.append(leaf)
    return tree
