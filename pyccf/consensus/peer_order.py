"""The order in which CCF visits its peers: that of a libstdc++ ``std::unordered_map<NodeId, ...>``.

CCF keeps per-peer state in an unordered_map, and the order it iterates it in decides the order of
heartbeats (and so of every event that follows them). To produce CCF's traces exactly, pyccf reproduces
that order: libstdc++ hashes strings with ``std::_Hash_bytes`` (seed 0xc70f6907), keeps all elements in one
singly linked list grouped by bucket, puts a node whose bucket is empty at the front of the list and any
other node at the front of its bucket's run, and rehashes to the next prime bucket count when full.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

_MASK = (1 << 64) - 1
_MUL = (0xC6A4A793 << 32) + 0x5BD1E995
_SEED = 0xC70F6907


def _shift_mix(v: int) -> int:
    return v ^ (v >> 47)


def libstdcxx_string_hash(s: str) -> int:
    """``std::hash<std::string>`` of libstdc++ on a 64-bit platform."""
    data = s.encode()
    n = len(data)
    aligned = n & ~7
    h = (_SEED ^ ((n * _MUL) & _MASK)) & _MASK
    for p in range(0, aligned, 8):
        word = int.from_bytes(data[p : p + 8], "little")
        word = (_shift_mix((word * _MUL) & _MASK) * _MUL) & _MASK
        h ^= word
        h = (h * _MUL) & _MASK
    if n & 7:
        h ^= int.from_bytes(data[aligned:], "little")
        h = (h * _MUL) & _MASK
    h = (_shift_mix(h) * _MUL) & _MASK
    return _shift_mix(h)


def _next_prime(n: int) -> int:
    def prime(k: int) -> bool:
        return k >= 2 and all(k % d for d in range(2, int(k**0.5) + 1))

    while not prime(n):
        n += 1
    return n


V = TypeVar("V")


class UnorderedMap(Generic[V]):
    """A dict keyed by node id whose iteration order is libstdc++'s unordered_map order."""

    __slots__ = ("_values", "_order", "_buckets", "_hashes")

    def __init__(self) -> None:
        self._values: dict[str, V] = {}
        self._order: list[str] = []
        self._buckets = 13  # libstdc++'s first allocation for a default-constructed map
        self._hashes: dict[str, int] = {}

    def _bucket(self, key: str) -> int:
        h = self._hashes.get(key)
        if h is None:
            h = self._hashes[key] = libstdcxx_string_hash(key)
        return h % self._buckets

    def _link(self, key: str) -> None:
        b = self._bucket(key)
        for pos, other in enumerate(self._order):
            if self._bucket(other) == b:
                self._order.insert(pos, key)
                return
        self._order.insert(0, key)

    def __setitem__(self, key: str, value: V) -> None:
        if key not in self._values:
            if len(self._values) + 1 > self._buckets:
                self._rehash(_next_prime(max(len(self._values) + 2, self._buckets * 2)))
            self._link(key)
        self._values[key] = value

    def _rehash(self, buckets: int) -> None:
        old, self._order, self._buckets = self._order, [], buckets
        for key in old:
            self._link(key)

    def __getitem__(self, key: str) -> V:
        return self._values[key]

    def get(self, key: str) -> V | None:
        return self._values.get(key)

    def pop(self, key: str, default: V | None = None) -> V | None:
        if key in self._values:
            self._order.remove(key)
            return self._values.pop(key)
        return default

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))

    def items(self) -> list[tuple[str, V]]:
        return [(k, self._values[k]) for k in self._order]

    def values(self) -> list[V]:
        return [self._values[k] for k in self._order]
