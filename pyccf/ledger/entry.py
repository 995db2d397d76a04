"""Ledger entries as CCF serialises them (``src/kv/serialised_entry_format.h``, ``src/kv/serialiser.h``).

An entry is: 8-byte header (u8 version, u8 flags, 48-bit LE size of the rest), GCM tag, GCM IV (the TxID),
u64 LE public-domain length, the public domain (plaintext), the private domain (AES-GCM ciphertext).
pyccf writes entry type 4 only. The private domain's plaintext is the private maps in the public domain's
per-map framing, without the public domain's leading fields (type, version, digests), as CCF's private
writer holds only maps; with no private maps it is empty and the tag authenticates the public domain alone.
Maps and keys are serialised in the order given: the producer hands them over in CCF's order.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pyccf.formats.ledger import (
    DIGEST_SIZE,
    ENTRY_FORMAT_VERSION,
    ENTRY_HEADER_SIZE,
    GCM_IV_SIZE,
    GCM_TAG_SIZE,
    KNOWN_ENTRY_FLAGS,
    MAX_ENTRY_SIZE,
    MIN_ENTRY_SIZE,
    PUBLIC_PREFIX,
    SNAPSHOT_IV_BIT,
    ZERO_DIGEST,
    EntryFlags,
    EntryType,
)
from pyccf.ledger.errors import LedgerFormatError
from pyccf.ledger.secrets import LedgerSecret, commit_evidence_digest, gcm_iv

MAX_CONFLICT_VERSION = 0  # "unused, reserved for compatibility"; CCF writes 0
READ_VERSION = 0  # CCF writes no reads, and 0 as each map's read version

# Precompiled layouts: serialisation runs once per transaction, so struct's format parsing showed up.
_TYPE_AND_VERSION = struct.Struct("<Bq")
_I64 = struct.Struct("<q")
_U64 = struct.Struct("<Q")
_MAP_HEAD = struct.Struct("<qQQ")  # read version, read count, write count
_ENTRY_TYPE = int(EntryType.WRITE_SET_WITH_COMMIT_EVIDENCE_AND_CLAIMS)
_MCV = _I64.pack(MAX_CONFLICT_VERSION)


@dataclass(frozen=True)
class MapChanges:
    """One map's final writes (key -> value) and removals, in serialisation order."""

    writes: Mapping[bytes, bytes] = field(default_factory=dict)
    removals: Sequence[bytes] = ()


@dataclass(frozen=True)
class EntryInput:
    """What a transaction puts in the ledger: its TxID and its public and private maps by name."""

    view: int
    seqno: int
    public: Mapping[str, MapChanges] = field(default_factory=dict)
    private: Mapping[str, MapChanges] = field(default_factory=dict)
    claims_digest: bytes = ZERO_DIGEST
    flags: EntryFlags = EntryFlags.NONE


@dataclass(frozen=True)
class Entry:
    """A serialised entry (``data``) with the facts a ledger, a Merkle tree and a receipt need."""

    view: int
    seqno: int
    flags: EntryFlags
    data: bytes
    claims_digest: bytes
    commit_evidence_digest: bytes
    public: Mapping[str, MapChanges]
    private: Mapping[str, MapChanges] | None  # None: read without the ledger secret

    @property
    def write_set_digest(self) -> bytes:
        """SHA-256 of the whole serialised entry, header included (CCF's ``write_set_digest``)."""
        return hashlib.sha256(self.data).digest()


def serialise_entry(tx: EntryInput, secret: LedgerSecret) -> tuple[Entry, str]:
    """The entry of ``tx`` and its commit evidence (to reveal once ``tx`` is committed)."""
    if not 1 <= tx.seqno < 2**63:  # the public domain's version is an i64
        raise ValueError(f"seqno {tx.seqno} out of range")
    for name in tx.public:
        if not name.startswith(PUBLIC_PREFIX):
            raise ValueError(f"public map {name!r} lacks the {PUBLIC_PREFIX!r} prefix")
    for name in tx.private:
        if name.startswith(PUBLIC_PREFIX):
            raise ValueError(f"private map {name!r} has the {PUBLIC_PREFIX!r} prefix")
    if len(tx.claims_digest) != DIGEST_SIZE:
        raise ValueError(f"claims digest has {len(tx.claims_digest)} bytes, not {DIGEST_SIZE}")
    flags = int(tx.flags)
    if flags & ~KNOWN_ENTRY_FLAGS:
        raise ValueError(f"unknown entry flags {flags:#x}")
    evidence = secret.commit_evidence(tx.view, tx.seqno)
    ce_digest = commit_evidence_digest(evidence)
    head = [_TYPE_AND_VERSION.pack(_ENTRY_TYPE, tx.seqno), tx.claims_digest, ce_digest, _MCV]
    public = b"".join(head + _map_parts(tx.public))  # one copy of the values (a tree can be large)
    private = b"".join(_map_parts(tx.private))
    ciphertext, tag = secret.encrypt(tx.view, tx.seqno, private, public)
    size = GCM_TAG_SIZE + GCM_IV_SIZE + _U64.size + len(public) + len(ciphertext)
    if size > MAX_ENTRY_SIZE:
        raise ValueError(f"entry {tx.view}.{tx.seqno} is too large ({size} bytes)")
    data = b"".join(
        (
            bytes((ENTRY_FORMAT_VERSION, flags)),
            size.to_bytes(6, "little"),
            tag,
            gcm_iv(tx.view, tx.seqno),
            _U64.pack(len(public)),
            public,
            ciphertext,
        )
    )
    entry = Entry(tx.view, tx.seqno, tx.flags, data, tx.claims_digest, ce_digest, tx.public, tx.private)
    return entry, evidence


def _map_parts(maps: Mapping[str, MapChanges]) -> list[bytes]:
    """The maps' serialisation, as pieces to join."""
    parts: list[bytes] = []
    add, length = parts.append, _U64.pack
    for name, changes in maps.items():
        encoded = name.encode()
        add(length(len(encoded)))
        add(encoded)
        add(_MAP_HEAD.pack(READ_VERSION, 0, len(changes.writes)))
        for key, value in changes.writes.items():
            add(length(len(key)))
            add(key)
            add(length(len(value)))
            add(value)
        add(length(len(changes.removals)))
        for key in changes.removals:
            add(length(len(key)))
            add(key)
    return parts


class EntryTruncated(LedgerFormatError):
    """The bytes end inside an entry: a torn tail if they are the end of an open chunk."""


@dataclass
class _Cursor:
    """Reads little-endian fields from ``buf[pos:end]``; errors name the file and offset ``base + pos``."""

    buf: bytes
    pos: int
    end: int
    file: str
    base: int = 0  # where ``buf`` starts in the file

    @property
    def at(self) -> int:
        return self.base + self.pos

    def take(self, n: int, what: str) -> bytes:
        if n > self.end - self.pos:
            raise LedgerFormatError(
                self.file, self.at, what, f"needs {n} bytes, {self.end - self.pos} left in its domain"
            )
        self.pos += n
        return self.buf[self.pos - n : self.pos]

    def u64(self, what: str) -> int:
        return int.from_bytes(self.take(8, what), "little")

    def i64(self, what: str) -> int:
        return int.from_bytes(self.take(8, what), "little", signed=True)

    def blob(self, what: str) -> bytes:
        return self.take(self.u64(f"{what} length"), what)


def read_entry(
    buf: bytes, offset: int, file: str, secret: LedgerSecret | None = None, limit: int | None = None
) -> Entry:
    """The entry at ``buf[offset:limit]``, checked strictly against what pyccf writes.

    Raises ``EntryTruncated`` if ``buf`` ends inside it, ``LedgerFormatError`` for anything else malformed;
    with ``secret``, also decrypts and checks the private domain and the tag.
    """
    limit = len(buf) if limit is None else limit
    if limit - offset < ENTRY_HEADER_SIZE:
        raise EntryTruncated(file, offset, "header", f"{limit - offset} of {ENTRY_HEADER_SIZE} bytes")
    version, flags = buf[offset], buf[offset + 1]
    if version != ENTRY_FORMAT_VERSION:
        raise LedgerFormatError(file, offset, "version", f"{version}, expected {ENTRY_FORMAT_VERSION}")
    if flags & ~KNOWN_ENTRY_FLAGS:
        raise LedgerFormatError(file, offset + 1, "flags", f"unknown bits {flags & ~KNOWN_ENTRY_FLAGS:#x}")
    size = int.from_bytes(buf[offset + 2 : offset + ENTRY_HEADER_SIZE], "little")
    if size < MIN_ENTRY_SIZE:
        raise LedgerFormatError(file, offset + 2, "size", f"{size} < {MIN_ENTRY_SIZE}")
    start = offset + ENTRY_HEADER_SIZE
    if size > limit - start:
        raise EntryTruncated(file, offset + 2, "size", f"{size} bytes, {limit - start} left in the file")
    cur = _Cursor(buf, start, start + size, file)
    tag = cur.take(GCM_TAG_SIZE, "gcm tag")
    iv_at = cur.pos
    iv = cur.take(GCM_IV_SIZE, "gcm iv")
    seqno = int.from_bytes(iv[:8], "little")
    view = int.from_bytes(iv[8:], "little")
    if iv[-1] & SNAPSHOT_IV_BIT:
        raise LedgerFormatError(file, iv_at + GCM_IV_SIZE - 1, "gcm iv", "snapshot bit set in a ledger entry")
    public_size_at = cur.pos
    public_size = cur.u64("public domain size")
    if public_size > cur.end - cur.pos:
        raise LedgerFormatError(
            file,
            public_size_at,
            "public domain size",
            f"{public_size} > {cur.end - cur.pos} left in the entry",
        )
    public_at = cur.pos
    pub = _Cursor(buf, cur.pos, cur.pos + public_size, file)
    entry_type = pub.take(1, "entry type")[0]
    if entry_type != EntryType.WRITE_SET_WITH_COMMIT_EVIDENCE_AND_CLAIMS:
        raise LedgerFormatError(file, public_at, "entry type", f"{entry_type}, pyccf writes only type 4")
    entry_version = pub.i64("version")
    if entry_version != seqno:
        raise LedgerFormatError(file, public_at + 1, "version", f"{entry_version} != the IV's seqno {seqno}")
    claims = pub.take(DIGEST_SIZE, "claims digest")
    ce_digest = pub.take(DIGEST_SIZE, "commit evidence digest")
    mcv_at = pub.pos
    if (mcv := pub.i64("max conflict version")) != MAX_CONFLICT_VERSION:
        raise LedgerFormatError(file, mcv_at, "max conflict version", f"{mcv}, pyccf writes 0")
    public = _read_maps(pub, public=True)
    private: dict[str, MapChanges] | None = None
    if secret is not None:
        try:
            plain = secret.decrypt(
                view, seqno, buf[pub.end : cur.end], tag, buf[public_at : public_at + public_size]
            )
        except ValueError as e:
            raise LedgerFormatError(file, start, "gcm tag", str(e)) from None
        # GCM keeps lengths, so a plaintext offset is the same offset in the ciphertext on file.
        private = _read_maps(_Cursor(plain, 0, len(plain), file, base=pub.end), public=False)
    return Entry(
        view, seqno, EntryFlags(flags), bytes(buf[offset : cur.end]), claims, ce_digest, public, private
    )


def _read_maps(cur: _Cursor, *, public: bool) -> dict[str, MapChanges]:
    maps: dict[str, MapChanges] = {}
    while cur.pos < cur.end:
        name_at = cur.at
        try:
            name = cur.blob("map name").decode()
        except UnicodeDecodeError:
            raise LedgerFormatError(cur.file, name_at, "map name", "not UTF-8") from None
        if name.startswith(PUBLIC_PREFIX) != public:
            where = "public" if public else "private"
            raise LedgerFormatError(cur.file, name_at, "map name", f"{name!r} in the {where} domain")
        if name in maps:
            raise LedgerFormatError(cur.file, name_at, "map name", f"{name!r} twice")
        rv_at = cur.at
        if (rv := cur.i64(f"{name} read version")) != READ_VERSION:
            raise LedgerFormatError(cur.file, rv_at, f"{name} read version", f"{rv}, pyccf writes 0")
        reads_at = cur.at
        if (reads := cur.u64(f"{name} read count")) != 0:
            raise LedgerFormatError(cur.file, reads_at, f"{name} read count", f"{reads}, must be 0")
        writes: dict[bytes, bytes] = {}
        for _ in range(cur.u64(f"{name} write count")):
            key_at = cur.at
            key = cur.blob(f"{name} write key")
            if key in writes:
                raise LedgerFormatError(cur.file, key_at, f"{name} write key", f"{key.hex()} twice")
            writes[key] = cur.blob(f"{name} write value")
        removals = [cur.blob(f"{name} removed key") for _ in range(cur.u64(f"{name} remove count"))]
        maps[name] = MapChanges(writes, tuple(removals))
    return maps
