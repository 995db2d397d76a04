"""What constitution code sees of the store: one transaction, with CCF's access rules, writes staged.

Writes go to an overlay over the transaction, so a throwing ``apply`` is undone by dropping the overlay
while the engine's own writes (the proposal's Failed state) stay; a successful one is merged into the
transaction (:meth:`KvView.merge`). Keys and values are bytes, as in the ledger.
"""

from __future__ import annotations

from enum import Enum

from pyccf.formats.governance import GOV_PREFIX, INTERNAL_PREFIX
from pyccf.formats.ledger import PUBLIC_PREFIX
from pyccf.kv.store import Transaction


class Access(Enum):
    """Who runs: CCF's read/write restrictions (``doc/audit/read_write_restrictions.rst``)."""

    READ = "pre-approval"  # validate(), ballots, resolve(): read governance and internal tables
    APPLY = "apply"  # apply(): read/write governance, read internal, write-only application


class KvAccessError(Exception):
    """Constitution code touched a table it may not (thrown into the JavaScript that did it)."""


class KvView:
    def __init__(self, tx: Transaction, access: Access) -> None:
        self.tx = tx
        self.access = access
        self.overlay: dict[str, dict[bytes, bytes | None]] = {}

    def _check(self, table: str, write: bool) -> None:
        what = "write" if write else "read"
        if not table.startswith(PUBLIC_PREFIX):
            raise KvAccessError(f"{self.access.value} may not {what} private table {table}")
        governance, internal = table.startswith(GOV_PREFIX), table.startswith(INTERNAL_PREFIX)
        if self.access is Access.READ and (write or not (governance or internal)):
            raise KvAccessError(f"{self.access.value} code may not {what} {table}")
        if self.access is Access.APPLY and (
            (write and internal) or (not write and not (governance or internal))
        ):
            raise KvAccessError(f"{self.access.value} may not {what} {table}")

    def get(self, table: str, key: bytes) -> bytes | None:
        self._check(table, write=False)
        return self._peek(table, key)

    def set(self, table: str, key: bytes, value: bytes) -> None:
        self._check(table, write=True)
        self.overlay.setdefault(table, {})[key] = value

    def _peek(self, table: str, key: bytes) -> bytes | None:
        staged = self.overlay.get(table, {})
        return staged[key] if key in staged else self.tx.get(table, key)

    def delete(self, table: str, key: bytes) -> bool:
        """Whether the key was there (a write: allowed where reads are not, as in apply's app tables)."""
        self._check(table, write=True)
        present = self._peek(table, key) is not None
        self.overlay.setdefault(table, {})[key] = None
        return present

    def entries(self, table: str) -> list[tuple[bytes, bytes]]:
        """The live keys and values, in byte order: the store's, then the transaction's and ours."""
        self._check(table, write=False)
        keys = set(self.tx.store.state().get(table, {}))
        for m in self.tx.write_set().maps():
            if m.name == table:
                keys.update(k for k, _ in m.writes)
        keys.update(self.overlay.get(table, {}))
        out = []
        for key in sorted(keys):
            value = self.get(table, key)
            if value is not None:
                out.append((key, value))
        return out

    def clear(self, table: str) -> None:
        for key, _ in self.entries(table):
            self.delete(table, key)

    def merge(self) -> None:
        """Make the staged writes the transaction's (apply succeeded)."""
        for table, changes in self.overlay.items():
            for key, value in changes.items():
                if value is None:
                    self.tx.remove(table, key)
                else:
                    self.tx.put(table, key, value)
        self.overlay = {}
