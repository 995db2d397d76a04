"""The list-append application of history runs: a read-write transaction appends its id to the lists of a
few keys, a read-only one reads some lists.

Each list lives in the KV store (``public:app.data`` and ``app.data``, key ``list/<key>``, the JSON list
of transaction ids), so a node's lists are exactly what its log holds: rolled back with it, equal on
every node that holds the same prefix. An entry's data names the transaction and its keys
(``rw<tx>-<key>-<key>``), so the writes derive from the leader's store when the leader serialises the
entry. Two seeded bugs live here because they are the application's: ``LostUpdate`` (the write is
computed from the list before the previous write to the key) and ``WrongSuffixOnElection`` (a node's
lists keep the appends its log rolled back).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from pyccf.kv.store import Store
from pyccf.service.replicated import APP_PRIVATE_MAP, APP_PUBLIC_MAP
from pyccf.service.signing import Writes

_DATA = re.compile(r"rw(\d+)((?:-\d+)+)")
LostAppends = dict[str, list[int]]


def key_names(count: int) -> tuple[str, ...]:
    """The application's keys: ``0`` .. ``count - 1``."""
    return tuple(str(i) for i in range(count))


def entry_data(tx: int, keys: tuple[str, ...]) -> str:
    """The data of the entry of read-write transaction ``tx`` appending to ``keys``."""
    return f"rw{tx}-" + "-".join(keys)


def parse_data(data: str) -> tuple[int, tuple[str, ...]] | None:
    """The transaction and keys an entry's data names (None: not a list-append entry)."""
    m = _DATA.fullmatch(data)
    return None if m is None else (int(m[1]), tuple(m[2][1:].split("-")))


def _store_key(key: str) -> bytes:
    return f"list/{key}".encode()


@dataclass
class ListAppend:
    """The application; call it as :attr:`pyccf.service.replicated.ReplicatedLedgers.app`."""

    bug: str | None = None
    #: WrongSuffixOnElection: per node and key, every id its lists ever held.
    remembered: dict[str, LostAppends] = field(default_factory=dict)

    def __call__(self, node_id: str, store: Store, data: str) -> Writes | None:
        parsed = parse_data(data)
        if parsed is None:
            return None
        tx, keys = parsed
        public: dict[bytes, bytes] = {}
        for key in keys:
            base = self.read(node_id, store, key)
            if (
                self.bug == "LostUpdate"
                and base
                and store.version_of(APP_PUBLIC_MAP, _store_key(key)) == (store.version)
            ):
                base = base[:-1]  # as if read before the previous entry, which appended to this key
            public[_store_key(key)] = json.dumps([*base, tx], separators=(",", ":")).encode()
        return {APP_PUBLIC_MAP: public, APP_PRIVATE_MAP: dict(public)}

    def read(self, node_id: str, store: Store, key: str) -> list[int]:
        """The list of ``key`` as ``node_id``'s store holds it."""
        raw = store.get(APP_PUBLIC_MAP, _store_key(key))
        values: list[int] = [] if raw is None else json.loads(raw)
        if self.bug == "WrongSuffixOnElection":
            lost = self.remembered.get(node_id, {}).get(key, [])
            values = values + [x for x in lost if x not in values]
        return values

    def remember(self, node_id: str, store: Store, keys: tuple[str, ...]) -> None:
        """WrongSuffixOnElection only: note every id the node's lists hold now (after each command)."""
        if self.bug != "WrongSuffixOnElection":
            return
        mine = self.remembered.setdefault(node_id, {})
        for key in keys:
            raw = store.get(APP_PUBLIC_MAP, _store_key(key))
            if raw is not None:
                seen = mine.setdefault(key, [])
                seen.extend(x for x in json.loads(raw) if x not in seen)
