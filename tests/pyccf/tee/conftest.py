"""Node keys and allowlists shared by the TEE tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyccf.kv.store import Store
from pyccf.service.identity import derive_key, spki_der
from pyccf.tee import Allowlists


def node_key(name: str) -> bytes:
    """A node's DER public key, derived from its name."""
    return spki_der(derive_key(name.encode(), "node").public_key())


def store_with(*writes: Mapping[Any, Mapping[bytes, bytes]]) -> Store:
    """A store after one transaction per write set (as genesis and governance would write them)."""
    store = Store()
    for ws in writes:
        tx = store.begin()
        for table, rows in ws.items():
            for key, value in rows.items():
                tx.put(table, key, value)
        store.commit(tx)
    return store


def allowlists(*writes: Mapping[Any, Mapping[bytes, bytes]]) -> Allowlists:
    return Allowlists.from_tables(store_with(*writes).state())
