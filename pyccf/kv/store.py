"""The key-value store: named maps of byte keys to byte values, each key tagged with the version that
last wrote it, and optimistic transactions over them.

A transaction runs on the primary against the current state, recording the version of every key it reads;
it commits at a version (the seqno consensus gives it) only if none of those keys changed version since and
the store was not rolled back meanwhile (else what it read may have been undone and rewritten at the same
version). Backups apply the resulting :class:`~pyccf.kv.writeset.WriteSet` at the same version. Every change
after the compaction point keeps an undo record, so an election can roll the uncommitted suffix back;
compaction (at the commit point) forgets them. No I/O, no clocks.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyccf.formats.ledger import NO_VERSION
from pyccf.kv.errors import (
    ConflictError,
    KvError,
    StaleTransactionError,
    TransactionClosedError,
    VersionError,
    WriteSetError,
)
from pyccf.kv.writeset import WriteSet


@dataclass(frozen=True, slots=True)
class Versioned:
    """A key's value and the version that wrote it; ``value`` None: removed at that version."""

    version: int
    value: bytes | None


@dataclass(frozen=True, slots=True, order=True)
class Read:
    """One entry of a read set: the version of ``map_name[key]`` when the transaction first read it."""

    map_name: str
    key: bytes
    version: int


Undo = list[tuple[str, bytes, Versioned | None]]  # (map, key, what it was before; None: absent)


class Store:
    """Maps, their versions and the undo history since the compaction point."""

    def __init__(self) -> None:
        self._maps: dict[str, dict[bytes, Versioned]] = {}
        self.version = NO_VERSION  # the last version committed or applied
        self.compacted = NO_VERSION  # no rollback below this
        self.rollbacks = 0  # how many rollbacks so far: a transaction begun before one is stale
        self._undo: list[tuple[int, Undo]] = []

    # ------------------------------------------------------------------ reading

    def _entry(self, map_name: str, key: bytes) -> Versioned | None:
        return self._maps.get(map_name, {}).get(key)

    def get(self, map_name: str, key: bytes) -> bytes | None:
        entry = self._entry(map_name, key)
        return None if entry is None else entry.value

    def version_of(self, map_name: str, key: bytes) -> int:
        """The version that last wrote or removed the key (NO_VERSION if none did)."""
        entry = self._entry(map_name, key)
        return NO_VERSION if entry is None else entry.version

    def state(self) -> dict[str, dict[bytes, bytes]]:
        """The live contents: map -> key -> value, without removed keys or empty maps."""
        out = {
            name: {k: e.value for k, e in sorted(kvs.items()) if e.value is not None}
            for name, kvs in sorted(self._maps.items())
        }
        return {name: kvs for name, kvs in out.items() if kvs}

    def versions(self) -> dict[str, dict[bytes, int]]:
        """map -> key -> version, removed keys included (they conflict with a read of their absence)."""
        return {
            name: {k: e.version for k, e in sorted(kvs.items())} for name, kvs in sorted(self._maps.items())
        }

    # ------------------------------------------------------------------ writing

    def begin(self) -> Transaction:
        return Transaction(self)

    def commit(self, tx: Transaction, version: int | None = None) -> WriteSet:
        """Commit ``tx`` at ``version`` (default: the next one). Raises ConflictError or
        StaleTransactionError (and closes the transaction) if it cannot; VersionError if the version
        is not after the store's."""
        if tx.store is not self:
            raise KvError("the transaction belongs to another store")
        if tx.closed:
            raise TransactionClosedError("the transaction has already committed or failed")
        version = self.version + 1 if version is None else version
        self._check_next(version, "commit")
        tx.closed = True
        if tx.rollbacks != self.rollbacks:
            raise StaleTransactionError(
                f"the store was rolled back since the transaction began (to {self.version})"
            )
        conflict = self._first_conflict(tx)
        if conflict is not None:
            raise conflict
        ws = tx.write_set()
        self._write(ws, version)
        return ws

    def _first_conflict(self, tx: Transaction) -> ConflictError | None:
        """The first key of the read set, in (map, key) order, whose version changed since it was read."""
        for read in tx.reads():
            now = self.version_of(read.map_name, read.key)
            if now != read.version:
                return ConflictError(read.map_name, read.key, read.version, now)
        return None

    def apply(self, ws: WriteSet, version: int) -> None:
        """A backup applies the write set the primary committed at ``version``."""
        if not isinstance(ws, WriteSet):
            raise WriteSetError(f"apply at version {version}: not a WriteSet but {type(ws).__name__}")
        self._check_next(version, "apply")
        self._write(ws, version)

    def _check_next(self, version: int, what: str) -> None:
        if not isinstance(version, int) or version <= self.version:
            raise VersionError(
                f"{what} at version {version!r}: must be after the store's version {self.version}"
            )

    def _write(self, ws: WriteSet, version: int) -> None:
        undo: Undo = []
        for m in ws.maps():
            kvs = self._maps.setdefault(m.name, {})
            for key, value in m.changes():
                undo.append((m.name, key, kvs.get(key)))
                kvs[key] = Versioned(version, value)
        self._undo.append((version, undo))
        self.version = version

    # ------------------------------------------------------------------ history

    def rollback(self, version: int) -> None:
        """Undo every change after ``version`` (an election drops the uncommitted suffix). Open
        transactions become stale, whether or not anything was undone."""
        if version < self.compacted:
            raise VersionError(f"rollback to {version}: below the compaction point {self.compacted}")
        while self._undo and self._undo[-1][0] > version:
            _, undo = self._undo.pop()
            for map_name, key, before in reversed(undo):
                kvs = self._maps[map_name]
                if before is None:
                    del kvs[key]
                    if not kvs:
                        del self._maps[map_name]
                else:
                    kvs[key] = before
        self.version = min(self.version, version)
        self.rollbacks += 1

    def compact(self, version: int) -> None:
        """Forget the undo history up to ``version`` (the commit point): no rollback below it after."""
        if version > self.version:
            raise VersionError(f"compact to {version}: after the store's version {self.version}")
        if version <= self.compacted:
            return
        keep = 0
        while keep < len(self._undo) and self._undo[keep][0] <= version:
            keep += 1
        del self._undo[:keep]
        self.compacted = version

    def undo_depth(self) -> int:
        """How many versions can still be rolled back (what compaction frees)."""
        return len(self._undo)


class Transaction:
    """Reads and writes against a store, committed (or not) by :meth:`commit`.

    Reads see the transaction's own writes first; the first read of a key from the store is recorded
    with its version and returned again on later reads, so reads repeat.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.rollbacks = store.rollbacks
        self.closed = False
        self._reads: dict[tuple[str, bytes], Versioned | None] = {}
        self._writes: dict[str, dict[bytes, bytes | None]] = {}
        self._write_set: WriteSet | None = None  # built once per change (a primary asks, then commits)

    def _open(self) -> None:
        if self.closed:
            raise TransactionClosedError("the transaction has already committed or failed")

    def _read(self, map_name: str, key: bytes) -> bytes | None:
        if (map_name, key) not in self._reads:
            self._reads[map_name, key] = self.store._entry(map_name, key)
        entry = self._reads[map_name, key]
        return None if entry is None else entry.value

    def get(self, map_name: str, key: bytes) -> bytes | None:
        self._open()
        writes = self._writes.get(map_name, {})
        if key in writes:
            return writes[key]
        return self._read(map_name, key)

    def put(self, map_name: str, key: bytes, value: bytes) -> None:
        """A blind write: it records no read, so it conflicts with nothing."""
        self._open()
        if not isinstance(key, bytes) or not isinstance(value, bytes):
            raise TypeError(f"put {map_name}: key and value must be bytes")
        self._write_set = None
        self._writes.setdefault(map_name, {})[key] = value

    def remove(self, map_name: str, key: bytes) -> bool:
        """Remove the key; False if it is not there. Whether it is there is read (and recorded)."""
        self._open()
        if not isinstance(key, bytes):
            raise TypeError(f"remove {map_name}: key must be bytes")
        self._write_set = None
        writes = self._writes.setdefault(map_name, {})
        in_store = self._read(map_name, key) is not None
        if key in writes:
            present = writes[key] is not None
            if in_store:
                writes[key] = None
            else:
                del writes[key]  # put then removed: nothing to write
            return present
        if not in_store:
            return False
        writes[key] = None
        return True

    def reads(self) -> tuple[Read, ...]:
        """The read set, in (map, key) order."""
        return tuple(
            sorted(Read(m, k, NO_VERSION if e is None else e.version) for (m, k), e in self._reads.items())
        )

    def write_set(self) -> WriteSet:
        if self._write_set is None:
            self._write_set = WriteSet.of(self._writes)
        return self._write_set

    def commit(self, version: int | None = None) -> WriteSet:
        """:meth:`Store.commit` of this transaction."""
        return self.store.commit(self, version)
