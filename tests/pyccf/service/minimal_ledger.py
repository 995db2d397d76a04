"""A minimal ledger writer for tests only: public domains, no private domain, one committed chunk.

It lets the oracle's FULL validation judge the service tables in place (genesis, then signatures);
the product's entry and chunk writer lives in pyccf.ledger and has its own tests.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

from pyccf.formats.ledger import (
    CHUNK_HEADER_SIZE,
    ENTRY_FORMAT_VERSION,
    GCM_TAG_SIZE,
    ZERO_DIGEST,
    EntryType,
    chunk_name,
)
from pyccf.ledger.merkle import entry_leaf
from pyccf.service.signing import Writes


def _blob(data: bytes) -> bytes:
    return struct.pack("<Q", len(data)) + data


def entry(view: int, seqno: int, writes: Writes) -> bytes:
    """One entry; its commit evidence digest is a digest of the txid (the oracle only hashes)."""
    ce_digest = hashlib.sha256(f"ce:{view}.{seqno}:00".encode()).digest()
    public = struct.pack("<Bq", EntryType.WRITE_SET_WITH_COMMIT_EVIDENCE_AND_CLAIMS, seqno)
    public += ZERO_DIGEST + ce_digest + struct.pack("<q", 0)
    for table in sorted(writes):
        public += _blob(table.encode()) + struct.pack("<qQQ", 0, 0, len(writes[table]))
        public += b"".join(_blob(k) + _blob(v) for k, v in writes[table].items())
        public += struct.pack("<Q", 0)
    body = bytes(GCM_TAG_SIZE) + struct.pack("<QI", seqno, view) + _blob(public)
    return struct.pack("<BB", ENTRY_FORMAT_VERSION, 0) + len(body).to_bytes(6, "little") + body


def leaf_of(view: int, seqno: int, raw: bytes) -> bytes:
    ce_digest = hashlib.sha256(f"ce:{view}.{seqno}:00".encode()).digest()
    return entry_leaf(hashlib.sha256(raw).digest(), ce_digest, ZERO_DIGEST)


def write_chunk(folder: Path, entries: list[bytes]) -> Path:
    """One committed chunk of seqnos 1..len(entries)."""
    positions, offset = [], CHUNK_HEADER_SIZE
    for raw in entries:
        positions.append(offset)
        offset += len(raw)
    data = struct.pack("<Q", offset) + b"".join(entries) + b"".join(struct.pack("<I", p) for p in positions)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / chunk_name(1, len(entries), committed=True)
    path.write_bytes(data)
    return path
