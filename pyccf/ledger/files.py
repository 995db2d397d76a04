"""A ledger folder of chunk files, as CCF writes it (``src/host/ledger.h``), with crash-safe reopening.

Closed chunks are ``ledger_<start>-<end>`` (``.committed`` once ``end`` is committed); the newest, open one
is ``ledger_<start>``. A chunk starts with the u64 LE offset of its positions table (0 while open); entries
follow back to back; closing appends one u32 LE absolute offset per entry, then writes the table offset,
then renames. Each append is flushed (and fsynced if asked), so a crash tears at most the last entry.

Reopening checks every closed chunk strictly and scans the open one: an entry cut at any byte (or a
positions table cut while closing) is a torn tail and is truncated, unless a whole later entry follows the
cut (then its size is corrupt: only the last append can tear); any other fault is corruption and is
refused with a ``LedgerFormatError`` naming file, byte offset and field. What is durably committed is what
the ``.committed`` names say; committed entries still in the open chunk are kept (the caller re-learns that
they are committed from consensus).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pyccf.formats.ledger import (
    CHUNK_HEADER_SIZE,
    CHUNK_NAME,
    ENTRY_HEADER_SIZE,
    GCM_TAG_SIZE,
    POSITION_SIZE,
    EntryFlags,
    chunk_name,
)
from pyccf.ledger.entry import Entry, EntryTruncated, read_entry
from pyccf.ledger.errors import LedgerFormatError
from pyccf.ledger.secrets import LedgerSecret

MAX_CHUNK_SIZE = 2**32  # positions are u32 absolute offsets
_CHUNK_BEFORE = int(EntryFlags.FORCE_LEDGER_CHUNK_BEFORE)  # as ints: IntFlag operators cost more than a write
_CHUNK_AFTER = int(EntryFlags.FORCE_LEDGER_CHUNK_AFTER)


@dataclass(frozen=True)
class ChunkPolicy:
    """Close the open chunk at the first signature appended once it holds ``max_entries`` entries or
    ``max_bytes`` bytes (its header included), the signature itself not counted."""

    max_entries: int = 1000
    max_bytes: int = 5 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.max_entries < 1 or not 0 < self.max_bytes < MAX_CHUNK_SIZE:
            raise ValueError(f"bad chunk policy {self}")


@dataclass
class _Chunk:
    start: int
    offsets: list[int] = field(default_factory=list)  # absolute offset of each entry
    size: int = CHUNK_HEADER_SIZE  # bytes of header and entries (the table excluded)
    closed: bool = False
    committed: bool = False

    @property
    def end(self) -> int:
        return self.start + len(self.offsets) - 1

    @property
    def name(self) -> str:
        return chunk_name(self.start, self.end if self.closed else None, committed=self.committed)


class LedgerFiles:
    """One node's ledger folder: append, commit, truncate, read; reopening recovers from a crash."""

    def __init__(
        self,
        directory: Path,
        policy: ChunkPolicy | None = None,
        *,
        secret: LedgerSecret | None = None,
        fsync: bool = False,
    ) -> None:
        self.directory = Path(directory)
        self.policy = policy or ChunkPolicy()
        self.secret = secret  # if given, reopening also checks every entry's tag and private domain
        self.fsync = fsync
        #: Bytes cut from a torn tail when the folder was reopened (0: none).
        self.torn_bytes = 0
        self.directory.mkdir(parents=True, exist_ok=True)
        self._chunks: list[_Chunk] = []
        self._commit = 0  # the caller's commit seqno (after reopening: the .committed names')
        self._fd: tuple[_Chunk, int] | None = None  # the open chunk's descriptor, kept between appends
        try:
            self._recover()
        except LedgerFormatError as e:
            raise e.in_folder(self.directory) from None

    # ---- queries

    @property
    def last_seqno(self) -> int:
        return self._chunks[-1].end if self._chunks else 0

    @property
    def committed_seqno(self) -> int:
        """The commit seqno; after reopening, the end of the last ``.committed`` chunk (what is durable)."""
        return self._commit

    @property
    def chunk_due(self) -> bool:
        """Whether the next signature closes the open chunk.

        CCF marks that signature ``FORCE_LEDGER_CHUNK_AFTER``; a producer copying CCF's bytes sets the flag
        when this holds (the close happens either way).
        """
        chunk = self._open_chunk()
        if chunk is None or not chunk.offsets:
            return False
        return len(chunk.offsets) >= self.policy.max_entries or chunk.size >= self.policy.max_bytes

    def chunk_names(self) -> list[str]:
        return [c.name for c in self._chunks]

    def read(self, seqno: int) -> Entry:
        chunk = self._chunk_of(seqno)
        data = (self.directory / chunk.name).read_bytes()
        try:
            return read_entry(data, chunk.offsets[seqno - chunk.start], chunk.name, self.secret)
        except LedgerFormatError as e:  # changed since it was opened
            raise e.in_folder(self.directory) from None

    def _chunk_of(self, seqno: int) -> _Chunk:
        for chunk in self._chunks:
            if chunk.start <= seqno <= chunk.end:
                return chunk
        raise KeyError(f"no entry {seqno} in the ledger (1..{self.last_seqno})")

    def entries(self) -> Iterator[Entry]:
        for chunk in self._chunks:
            data = (self.directory / chunk.name).read_bytes()
            for offset in chunk.offsets:
                try:
                    entry = read_entry(data, offset, chunk.name, self.secret)
                except LedgerFormatError as e:  # changed since it was opened
                    raise e.in_folder(self.directory) from None
                yield entry

    # ---- changes

    def append(self, entry: Entry, *, is_signature: bool = False) -> None:
        """Append ``entry`` (seqno ``last_seqno + 1``), flushed; close the chunk as policy and flags say."""
        if entry.seqno != self.last_seqno + 1:
            raise ValueError(f"append of seqno {entry.seqno} after {self.last_seqno}")
        flags = int(entry.flags)
        current = self._open_chunk()
        if flags & _CHUNK_BEFORE and current and current.offsets:
            self._close()
        due = is_signature and self.chunk_due  # before this entry: the signature itself is not counted
        chunk = self._open_chunk() or self._new_chunk(entry.seqno)
        if chunk.size + len(entry.data) + POSITION_SIZE * (len(chunk.offsets) + 1) > MAX_CHUNK_SIZE:
            raise ValueError(f"entry {entry.seqno} does not fit chunk {chunk.name} (4 GiB)")
        fd = self._descriptor(chunk)
        if os.pwrite(fd, entry.data, chunk.size) != len(entry.data):
            raise OSError(f"short write of entry {entry.seqno} to {chunk.name}")
        if self.fsync:  # pwrite is unbuffered: the entry is in the OS once it returns
            os.fsync(fd)
        chunk.offsets.append(chunk.size)
        chunk.size += len(entry.data)
        if flags & _CHUNK_AFTER or due:
            self._close()

    def commit(self, seqno: int) -> None:
        """Mark entries up to ``seqno`` committed: closed chunks ending by then become ``.committed``."""
        if seqno > self.last_seqno:
            raise ValueError(f"commit of seqno {seqno} beyond the last, {self.last_seqno}")
        for chunk in self._chunks:
            if chunk.closed and not chunk.committed and chunk.end <= seqno:
                old = chunk.name
                chunk.committed = True
                self._rename(old, chunk.name)
        self._commit = max(seqno, self._commit)

    def truncate(self, seqno: int) -> None:
        """Drop every entry after ``seqno`` (a rollback after an election); committed entries stay."""
        if seqno >= self.last_seqno:
            return
        if seqno < self._commit:
            raise ValueError(f"truncation to {seqno} would drop committed entries")
        self.close()
        while self._chunks and self._chunks[-1].start > seqno:
            (self.directory / self._chunks.pop().name).unlink()
            self._sync_dir()
        if not self._chunks or self._chunks[-1].end == seqno:
            return
        chunk = self._chunks[-1]
        if chunk.closed:  # reopen: rename first, so a crash leaves a chunk that recovery can finish
            old = chunk.name
            chunk.closed = False
            self._rename(old, chunk.name)
        keep = seqno - chunk.start + 1
        with open(self.directory / chunk.name, "r+b") as f:
            f.write(bytes(CHUNK_HEADER_SIZE))
            self._flush(f)
            f.truncate(chunk.offsets[keep])
            self._flush(f)
        chunk.size = chunk.offsets[keep]
        del chunk.offsets[keep:]

    def close(self) -> None:
        """Release the open chunk's file descriptor (appending again reopens it)."""
        if self._fd is not None:
            os.close(self._fd[1])
            self._fd = None

    def __del__(self) -> None:
        self.close()

    # ---- chunk files

    def _descriptor(self, chunk: _Chunk) -> int:
        """The open chunk's descriptor: opening the file per append cost more than writing the entry.
        Closing or truncating a chunk releases it first, so it never outlives the chunk's name."""
        if self._fd is None or self._fd[0] is not chunk:
            self.close()
            self._fd = (chunk, os.open(self.directory / chunk.name, os.O_RDWR))
        return self._fd[1]

    def _open_chunk(self) -> _Chunk | None:
        return self._chunks[-1] if self._chunks and not self._chunks[-1].closed else None

    def _new_chunk(self, start: int) -> _Chunk:
        chunk = _Chunk(start)
        with open(self.directory / chunk.name, "xb") as f:
            f.write(bytes(CHUNK_HEADER_SIZE))
            self._flush(f)
        self._chunks.append(chunk)
        return chunk

    def _close(self) -> None:
        self.close()
        chunk = self._chunks[-1]
        old = chunk.name
        with open(self.directory / old, "r+b") as f:
            f.seek(chunk.size)
            f.write(b"".join(struct.pack("<I", o) for o in chunk.offsets))
            self._flush(f)
            f.seek(0)
            f.write(struct.pack("<Q", chunk.size))
            self._flush(f)
        chunk.closed = True
        chunk.committed = chunk.end <= self._commit
        self._rename(old, chunk.name)

    def _rename(self, old: str, new: str) -> None:
        os.replace(self.directory / old, self.directory / new)
        self._sync_dir()

    def _sync_dir(self) -> None:
        """With ``fsync``, make renames and removals durable too (they live in the folder)."""
        if self.fsync:
            fd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def _flush(self, f: object) -> None:
        f.flush()  # type: ignore[attr-defined]
        if self.fsync:
            os.fsync(f.fileno())  # type: ignore[attr-defined]

    # ---- recovery

    def _recover(self) -> None:
        found: list[tuple[int, int | None, bool, str]] = []
        for path in self.directory.iterdir():
            m = CHUNK_NAME.match(path.name)
            if m and path.is_file():
                end = int(m["end"]) if m["end"] else None
                found.append((int(m["start"]), end, bool(m["committed"]), path.name))
        found.sort()
        expected = 1
        for i, (start, end, committed, name) in enumerate(found):
            if start != expected:
                raise LedgerFormatError(name, 0, "file name", f"starts at {start}, expected {expected}")
            if end is None and i != len(found) - 1:
                raise LedgerFormatError(name, 0, "file name", "an open chunk that is not the newest")
            if committed and i and not found[i - 1][2]:
                raise LedgerFormatError(name, 0, "file name", "committed after an uncommitted chunk")
            if end is not None and end < start:
                raise LedgerFormatError(name, 0, "file name", f"ends at {end} before it starts")
            chunk = self._check_closed(name, start, end) if end is not None else self._scan_open(name, start)
            chunk.committed = committed
            self._chunks.append(chunk)
            expected = chunk.end + 1
        self._commit = max((c.end for c in self._chunks if c.committed), default=0)

    def _read_entries(self, data: bytes, name: str, start: int, stop: int) -> tuple[list[int], int]:
        """Offsets of the entries in ``data[8:stop]`` and where the last ends; raises at the first fault."""
        offsets: list[int] = []
        pos = CHUNK_HEADER_SIZE
        while pos < stop:
            entry = read_entry(data, pos, name, self.secret, limit=stop)
            _check_seqno(entry, start + len(offsets), name, pos)
            offsets.append(pos)
            pos += len(entry.data)
        return offsets, pos

    def _check_closed(self, name: str, start: int, end: int) -> _Chunk:
        data = (self.directory / name).read_bytes()
        count = end - start + 1
        if len(data) < CHUNK_HEADER_SIZE:
            raise LedgerFormatError(name, 0, "positions table offset", f"file of {len(data)} bytes")
        table = struct.unpack_from("<Q", data)[0]
        if table < CHUNK_HEADER_SIZE or table + POSITION_SIZE * count != len(data):
            raise LedgerFormatError(
                name,
                0,
                "positions table offset",
                f"{table} disagrees with {count} entries in {len(data)} bytes",
            )
        offsets, pos = self._read_entries(data, name, start, table)
        if len(offsets) != count:
            raise LedgerFormatError(name, pos, "entries", f"{len(offsets)} entries, the name says {count}")
        for i, offset in enumerate(offsets):
            (written,) = struct.unpack_from("<I", data, table + POSITION_SIZE * i)
            if written != offset:
                at = table + POSITION_SIZE * i
                raise LedgerFormatError(name, at, f"positions table[{i}]", f"{written}, entry is at {offset}")
        return _Chunk(start, offsets, table, closed=True)

    def _scan_open(self, name: str, start: int) -> _Chunk:
        path = self.directory / name
        data = path.read_bytes()
        if len(data) < CHUNK_HEADER_SIZE:  # torn while the chunk was created
            self.torn_bytes += len(data)
            path.write_bytes(bytes(CHUNK_HEADER_SIZE))
            return _Chunk(start)
        table = struct.unpack_from("<Q", data)[0]
        if table:  # closed but not yet renamed: finish the close
            if not CHUNK_HEADER_SIZE < table < len(data):
                raise LedgerFormatError(name, 0, "positions table offset", f"{table} in {len(data)} bytes")
            end = start + (len(data) - table) // POSITION_SIZE - 1
            chunk = self._check_closed(name, start, end)
            self._rename(name, chunk.name)
            return chunk
        offsets: list[int] = []
        pos = CHUNK_HEADER_SIZE
        while pos < len(data):
            try:
                entry = read_entry(data, pos, name, self.secret)
            except EntryTruncated as torn:
                if torn.field == "size" and _holds_entry(data, pos, start + len(offsets) + 1):
                    raise LedgerFormatError(
                        name, torn.offset, "size", "runs past the end of the file, over later entries"
                    ) from None
                break
            except LedgerFormatError:
                if _is_table_prefix(data[pos:], offsets):  # torn while closing
                    break
                raise
            _check_seqno(entry, start + len(offsets), name, pos)
            offsets.append(pos)
            pos += len(entry.data)
        if pos < len(data):
            self.torn_bytes += len(data) - pos
            with open(path, "r+b") as f:
                f.truncate(pos)
                self._flush(f)
        return _Chunk(start, offsets, pos)


def _is_table_prefix(tail: bytes, offsets: list[int]) -> bool:
    table = b"".join(struct.pack("<I", o) for o in offsets)
    return 0 < len(tail) <= len(table) and table.startswith(tail)


def _check_seqno(entry: Entry, expected: int, name: str, offset: int) -> None:
    if entry.seqno != expected:
        at = offset + ENTRY_HEADER_SIZE + GCM_TAG_SIZE
        raise LedgerFormatError(name, at, "gcm iv", f"seqno {entry.seqno}, expected {expected}")


def _holds_entry(data: bytes, after: int, seqno: int) -> bool:
    """Whether a whole entry ``seqno`` lies beyond ``after``: then an entry cut short there is not a torn
    tail (only the last append can tear) but a corrupted size."""
    iv_at = ENTRY_HEADER_SIZE + GCM_TAG_SIZE  # where an entry's IV, which starts with its seqno, lies
    needle = seqno.to_bytes(8, "little")
    found = data.find(needle, after + iv_at + 1)
    while found >= 0:
        try:
            if read_entry(data, found - iv_at, "", None).seqno == seqno:
                return True
        except LedgerFormatError:
            pass
        found = data.find(needle, found + 1)
    return False
