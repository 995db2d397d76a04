"""Write sets: what a committed transaction changed, split into CCF's public and private domains.

Maps are in name order and keys in byte order within each, as CCF serialises them, so equal changes give
equal write sets (and equal ledger bytes). A write set is immutable and checks its own shape, so one that
would put a ``public:`` map in the encrypted domain, or the reverse, cannot be built.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from pyccf.formats.ledger import PUBLIC_PREFIX
from pyccf.kv.errors import WriteSetError


def is_public(map_name: str) -> bool:
    """Whether the map's writes are plaintext in the ledger (all others go to the private domain)."""
    return map_name.startswith(PUBLIC_PREFIX)


def _sorted_unique(keys: list[bytes], where: str) -> None:
    for a, b in zip(keys, keys[1:], strict=False):
        if not a < b:
            raise WriteSetError(f"{where}: keys not in strictly increasing byte order ({a!r} before {b!r})")


@dataclass(frozen=True, slots=True)
class MapWrites:
    """One map's changes: ``writes`` (key, value) and ``removes`` (keys), each in byte order, disjoint."""

    name: str
    writes: tuple[tuple[bytes, bytes], ...] = ()
    removes: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise WriteSetError(f"map name: must be a non-empty string, not {self.name!r}")
        for key, value in self.writes:
            if not isinstance(key, bytes) or not isinstance(value, bytes):
                raise WriteSetError(f"map {self.name}: writes: key and value must be bytes ({key!r})")
        for key in self.removes:
            if not isinstance(key, bytes):
                raise WriteSetError(f"map {self.name}: removes: key must be bytes ({key!r})")
        _sorted_unique([k for k, _ in self.writes], f"map {self.name}: writes")
        _sorted_unique(list(self.removes), f"map {self.name}: removes")
        both = {k for k, _ in self.writes} & set(self.removes)
        if both:
            raise WriteSetError(f"map {self.name}: key {min(both)!r} both written and removed")
        if not self.writes and not self.removes:
            raise WriteSetError(f"map {self.name}: no changes (a map without changes is left out)")

    def changes(self) -> Iterator[tuple[bytes, bytes | None]]:
        """Every change in key order: the new value, or None for a removal."""
        merged: list[tuple[bytes, bytes | None]] = [*self.writes, *((k, None) for k in self.removes)]
        return iter(sorted(merged, key=lambda kv: kv[0]))


@dataclass(frozen=True, slots=True)
class WriteSet:
    """A transaction's changes: ``public`` (``public:`` maps) and ``private`` maps, each in name order."""

    public: tuple[MapWrites, ...] = ()
    private: tuple[MapWrites, ...] = ()

    def __post_init__(self) -> None:
        for domain, maps, public in (("public", self.public, True), ("private", self.private, False)):
            names = [m.name for m in maps]
            for a, b in zip(names, names[1:], strict=False):
                if not a < b:
                    raise WriteSetError(
                        f"{domain} domain: maps not in strictly increasing name order ({a}, {b})"
                    )
            for name in names:
                if is_public(name) != public:
                    raise WriteSetError(f"{domain} domain: map {name} belongs in the other domain")

    @staticmethod
    def of(changes: Mapping[str, Mapping[bytes, bytes | None]]) -> WriteSet:
        """Build from map name -> key -> new value (None: removed), in any order; empty maps are left out."""
        public: list[MapWrites] = []
        private: list[MapWrites] = []
        for name in sorted(changes):
            kvs = changes[name]
            if not kvs:
                continue
            writes = tuple(sorted((k, v) for k, v in kvs.items() if v is not None))
            removes = tuple(sorted(k for k, v in kvs.items() if v is None))
            (public if is_public(name) else private).append(MapWrites(name, writes, removes))
        return WriteSet(tuple(public), tuple(private))

    @property
    def empty(self) -> bool:
        return not self.public and not self.private

    def maps(self) -> tuple[MapWrites, ...]:
        """Both domains' maps, public first (the order of the ledger entry: public domain, then private)."""
        return self.public + self.private
