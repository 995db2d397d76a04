"""A strict, streaming reader of CCF ledger chunks, independent of pyccf's own ledger code.

Chunks are read one at a time in seqno order; each entry is parsed down to its public domain's maps
(the private domain stays opaque). Anything that is not CCF's layout is a :class:`MalformedLedger`
naming the file, byte offset, seqno and field.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pyccf.formats.ledger import (
    CHUNK_HEADER_SIZE,
    CHUNK_NAME,
    DIGEST_SIZE,
    ENTRY_FORMAT_VERSION,
    ENTRY_HEADER_SIZE,
    GCM_TAG_SIZE,
    KNOWN_ENTRY_FLAGS,
    MIN_ENTRY_SIZE,
    POSITION_SIZE,
    SNAPSHOT_IV_BIT,
    EntryType,
)
from tracecheck.audit.errors import MalformedLedger

#: The one entry type read: current CCF writes only this; the deprecated ones are rejected.
_TYPE = EntryType.WRITE_SET_WITH_COMMIT_EVIDENCE_AND_CLAIMS


@dataclass(frozen=True)
class Chunk:
    path: Path
    start: int
    end: int | None
    committed: bool


@dataclass(frozen=True)
class Entry:
    """One parsed entry; ``raw`` is all of it, header included (the write-set digest's input)."""

    file: Path
    offset: int
    raw: bytes
    flags: int
    seqno: int
    view: int
    version: int
    claims_digest: bytes
    commit_evidence_digest: bytes
    writes: dict[str, dict[bytes, bytes | None]]  # map name -> key -> value (None: removed)


def list_chunks(folder: Path, *, uncommitted: bool) -> list[Chunk]:
    """The ledger's chunks in seqno order, contiguous; committed ones only unless ``uncommitted``."""
    if not folder.is_dir():
        raise MalformedLedger("not a folder", file=folder)
    chunks = []
    for path in sorted(folder.iterdir()):
        match = CHUNK_NAME.match(path.name)
        if match is None or not path.is_file():
            continue
        committed = match["committed"] is not None
        if committed or uncommitted:
            end = int(match["end"]) if match["end"] else None
            start = int(match["start"])
            if end is not None and end < start:
                raise MalformedLedger(f"chunk name ends at {end} before its start {start}", file=path)
            chunks.append(Chunk(path, start, end, committed))
    if not chunks:
        what = "ledger chunks" if uncommitted else "committed ledger chunks (--uncommitted reads the others)"
        raise MalformedLedger(f"no {what}", file=folder)
    chunks.sort(key=lambda c: c.start)
    if chunks[0].start != 1:
        raise MalformedLedger(
            f"the first chunk starts at seqno {chunks[0].start}, not 1", file=chunks[0].path
        )
    for before, after in zip(chunks, chunks[1:], strict=False):
        if before.end is None or after.start != before.end + 1:
            raise MalformedLedger(
                f"not contiguous with {before.path.name}: starts at seqno {after.start}", file=after.path
            )
    return chunks


def read_chunk(chunk: Chunk) -> Iterator[Entry]:
    """The entries of one chunk, checked against its name and positions table."""
    data = chunk.path.read_bytes()
    path = chunk.path
    if len(data) < CHUNK_HEADER_SIZE:
        raise MalformedLedger(f"{len(data)} bytes, shorter than the chunk header", file=path, offset=0)
    (table,) = struct.unpack_from("<Q", data)
    if table and not CHUNK_HEADER_SIZE <= table <= len(data):
        raise MalformedLedger(
            f"positions table at {table}, outside the file", file=path, offset=0, field="positions offset"
        )
    end_of_entries = table or len(data)
    positions = []
    offset, seqno = CHUNK_HEADER_SIZE, chunk.start
    while offset < end_of_entries:
        positions.append(offset)
        entry = _fast_entry(path, data, offset, end_of_entries) or parse_entry(
            path, data, offset, end_of_entries, seqno
        )
        yield entry
        offset += len(entry.raw)
        seqno += 1
    count = seqno - chunk.start
    if chunk.end is not None and count != chunk.end - chunk.start + 1:
        raise MalformedLedger(
            f"holds {count} entries, its name says {chunk.end - chunk.start + 1}", file=path, offset=offset
        )
    if count == 0:
        raise MalformedLedger("holds no entries", file=path, offset=offset)
    if table:
        if (len(data) - table) % POSITION_SIZE or (len(data) - table) // POSITION_SIZE != count:
            raise MalformedLedger(
                f"positions table of {len(data) - table} bytes for {count} entries",
                file=path,
                offset=table,
                field="positions",
            )
        if list(struct.unpack_from(f"<{count}I", data, table)) == positions:
            return
        for i, expected in enumerate(positions):
            at = table + POSITION_SIZE * i
            (found,) = struct.unpack_from("<I", data, at)
            if found != expected:
                raise MalformedLedger(
                    f"position {found}, the entry starts at {expected}",
                    file=path,
                    offset=at,
                    seqno=chunk.start + i,
                    field="positions",
                )


_IV_AND_SIZE = struct.Struct("<QIQ")  # IV seqno, IV view, public domain size
_MAP_HEAD = struct.Struct("<QQQ")  # read version, read count, write count
_U64 = struct.Struct("<Q")
_PD_HEAD = 1 + 8 + 2 * DIGEST_SIZE + 8  # entry type, version, claims, commit evidence, max conflict


def _fast_entry(path: Path, data: bytes, offset: int, end: int) -> Entry | None:
    """The entry at ``offset`` if it is well formed, else None: :func:`parse_entry` then names the fault.

    The same checks as parse_entry, inlined (it is the auditor's hot loop); it never accepts what
    parse_entry rejects, and anything it declines is re-read by parse_entry, which explains why.
    """
    p = offset + ENTRY_HEADER_SIZE
    if p > end:
        return None
    version, flags = data[offset], data[offset + 1]
    size = int.from_bytes(data[offset + 2 : p], "little")
    if version != ENTRY_FORMAT_VERSION or flags & ~KNOWN_ENTRY_FLAGS or not MIN_ENTRY_SIZE <= size <= end - p:
        return None
    entry_end = p + size
    p += GCM_TAG_SIZE
    if p + _IV_AND_SIZE.size > entry_end:
        return None
    iv_seqno, view, pd_len = _IV_AND_SIZE.unpack_from(data, p)
    p += _IV_AND_SIZE.size
    if view >> 24 & SNAPSHOT_IV_BIT or pd_len > entry_end - p:
        return None
    pd_end = p + pd_len
    if p + _PD_HEAD > pd_end or data[p] != _TYPE:
        return None
    pd_version = int.from_bytes(data[p + 1 : p + 9], "little", signed=True)
    claims = data[p + 9 : p + 9 + DIGEST_SIZE]
    evidence = data[p + 9 + DIGEST_SIZE : p + 9 + 2 * DIGEST_SIZE]
    p += _PD_HEAD
    writes: dict[str, dict[bytes, bytes | None]] = {}
    u64 = _U64.unpack_from
    while p < pd_end:
        if p + 8 > pd_end:
            return None
        (n,) = u64(data, p)
        p += 8
        if n > pd_end - p:
            return None
        try:
            name = data[p : p + n].decode()
        except UnicodeDecodeError:
            return None
        p += n
        if name in writes or p + _MAP_HEAD.size > pd_end:
            return None
        _, reads, count = _MAP_HEAD.unpack_from(data, p)
        p += _MAP_HEAD.size
        if reads:
            return None
        changes: dict[bytes, bytes | None] = {}
        for _ in range(count):
            if p + 8 > pd_end:
                return None
            (n,) = u64(data, p)
            p += 8
            if n > pd_end - p:
                return None
            key = data[p : p + n]
            p += n
            if p + 8 > pd_end:
                return None
            (n,) = u64(data, p)
            p += 8
            if n > pd_end - p:
                return None
            changes[key] = data[p : p + n]
            p += n
        if p + 8 > pd_end:
            return None
        (count,) = u64(data, p)
        p += 8
        for _ in range(count):
            if p + 8 > pd_end:
                return None
            (n,) = u64(data, p)
            p += 8
            if n > pd_end - p:
                return None
            changes[data[p : p + n]] = None
            p += n
        writes[name] = changes
    return Entry(
        path, offset, data[offset:entry_end], flags, iv_seqno, view, pd_version, claims, evidence, writes
    )


class _Cursor:
    def __init__(self, path: Path, data: bytes, offset: int, end: int, seqno: int) -> None:
        self.path, self.data, self.pos, self.end, self.seqno = path, data, offset, end, seqno

    def fail(self, message: str, field: str, at: int | None = None) -> MalformedLedger:
        return MalformedLedger(
            message, file=self.path, offset=self.pos if at is None else at, seqno=self.seqno, field=field
        )

    def take(self, n: int, field: str) -> bytes:
        if n > self.end - self.pos:
            raise self.fail(f"needs {n} bytes, {self.end - self.pos} left", field)
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u64(self, field: str) -> int:
        return int.from_bytes(self.take(8, field), "little")

    def blob(self, field: str) -> bytes:
        return self.take(self.u64(field), field)


def parse_entry(path: Path, data: bytes, offset: int, end: int, seqno: int) -> Entry:
    """The entry at ``offset`` (expected to be ``seqno``); its bytes must end by ``end``."""
    cur = _Cursor(path, data, offset, end, seqno)
    header = cur.take(ENTRY_HEADER_SIZE, "entry header")
    version, flags, size = header[0], header[1], int.from_bytes(header[2:], "little")
    if version != ENTRY_FORMAT_VERSION:
        raise cur.fail(f"version {version}, expected {ENTRY_FORMAT_VERSION}", "version", offset)
    if flags & ~KNOWN_ENTRY_FLAGS:
        raise cur.fail(f"unknown flags {flags:#04x}", "flags", offset + 1)
    if size < MIN_ENTRY_SIZE or size > end - cur.pos:
        raise cur.fail(
            f"entry size {size}, {end - cur.pos} bytes left (at least {MIN_ENTRY_SIZE})", "size", offset + 2
        )
    entry_end = cur.pos + size
    cur.end = entry_end
    cur.take(GCM_TAG_SIZE, "gcm tag")
    iv_at = cur.pos
    iv_seqno = cur.u64("iv seqno")
    view_bytes = cur.take(4, "iv view")
    if view_bytes[3] & SNAPSHOT_IV_BIT:
        raise cur.fail("the IV marks a snapshot, not a ledger entry", "iv view", iv_at + 8)
    view = int.from_bytes(view_bytes, "little")
    pd_len = cur.u64("public domain size")
    if pd_len > entry_end - cur.pos:
        raise cur.fail(
            f"public domain of {pd_len} bytes, {entry_end - cur.pos} left", "public domain size", cur.pos - 8
        )
    cur.end = cur.pos + pd_len
    entry_type = cur.take(1, "entry type")[0]
    if entry_type != _TYPE:
        raise cur.fail(f"entry type {entry_type}, expected {int(_TYPE)}", "entry type", cur.pos - 1)
    pd_version = int.from_bytes(cur.take(8, "version"), "little", signed=True)
    claims = cur.take(DIGEST_SIZE, "claims digest")
    evidence = cur.take(DIGEST_SIZE, "commit evidence digest")
    cur.take(8, "max conflict version")
    writes: dict[str, dict[bytes, bytes | None]] = {}
    while cur.pos < cur.end:
        name_at = cur.pos
        try:
            name = cur.blob("map name").decode()
        except UnicodeDecodeError:
            raise cur.fail("map name is not UTF-8", "map name", name_at) from None
        if name in writes:
            raise cur.fail(f"map {name!r} twice", "map name", name_at)
        cur.take(8, "read version")
        if cur.u64("read count"):
            raise cur.fail("a ledger entry holds no reads", "read count", cur.pos - 8)
        changes: dict[bytes, bytes | None] = {}
        for _ in range(cur.u64("write count")):
            key = cur.blob("key")
            changes[key] = cur.blob("value")
        for _ in range(cur.u64("remove count")):
            changes[cur.blob("key")] = None
        writes[name] = changes
    return Entry(
        path, offset, data[offset:entry_end], flags, iv_seqno, view, pd_version, claims, evidence, writes
    )
