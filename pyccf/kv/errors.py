"""The key-value store's errors: a transaction that cannot commit, a version out of order, a bad write set."""

from __future__ import annotations

from pyccf.errors import PyccfError


class KvError(PyccfError):
    """Base of the store's errors."""


class ConflictError(KvError):
    """A key the transaction read was written since (optimistic concurrency: re-execute it)."""

    def __init__(self, map_name: str, key: bytes, read: int, now: int) -> None:
        super().__init__(f"conflict: {map_name}[{key!r}] was read at version {read} but is now at {now}")
        self.map_name = map_name
        self.key = key
        self.read = read
        self.now = now


class StaleTransactionError(KvError):
    """The store was rolled back after the transaction began: what it read may have been undone."""


class TransactionClosedError(KvError):
    """The transaction has already committed or failed to."""


class VersionError(KvError, ValueError):
    """A version out of order: a commit not after the store's version, a rollback past compaction."""


class WriteSetError(KvError, ValueError):
    """A write set that breaks the rules of its shape (which domain, which order, which types)."""
