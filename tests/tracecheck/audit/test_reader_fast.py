"""The reader's inlined fast path never accepts what the strict parser rejects, and agrees with it on
everything it accepts: checked on every single-byte change of a real entry's header and public domain."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from pyccf.formats.ledger import CHUNK_HEADER_SIZE, ENTRY_FORMAT_VERSION
from tests.tracecheck.audit.test_ledger import make_writer
from tracecheck.audit.errors import MalformedLedger
from tracecheck.audit.reader import _fast_entry, list_chunks, parse_entry


def first_entries(folder: Path) -> tuple[Path, bytes, int]:
    chunk = list_chunks(folder, uncommitted=True)[0]
    data = chunk.path.read_bytes()
    (table,) = struct.unpack_from("<Q", data)
    return chunk.path, data, table or len(data)


def strict(path: Path, data: bytes, end: int) -> object:
    try:
        return parse_entry(path, data, CHUNK_HEADER_SIZE, end, 1)
    except MalformedLedger:
        return None


@pytest.fixture(scope="module")
def chunk(tmp_path_factory) -> tuple[Path, bytes, int]:
    return first_entries(make_writer(tmp_path_factory.mktemp("fast") / "l").folder)


def test_fast_path_equals_strict_parser_on_well_formed_entries(chunk) -> None:
    path, data, end = chunk
    fast = _fast_entry(path, data, CHUNK_HEADER_SIZE, end)
    assert fast is not None and fast == strict(path, data, end)
    assert fast.writes  # the genesis entry's maps were read, not skipped


def disagreements(
    fast: Callable[[Path, bytes, int, int], object], chunk, delta: int
) -> tuple[list[int], int]:
    """Bytes whose change the fast path accepts with another verdict than the strict parser's."""
    path, data, end = chunk
    entry = parse_entry(path, data, CHUNK_HEADER_SIZE, end, 1)
    wrong, declined = [], 0
    for at in range(CHUNK_HEADER_SIZE, CHUNK_HEADER_SIZE + len(entry.raw)):
        bad = bytearray(data)
        bad[at] = (bad[at] + delta) % 256
        got = fast(path, bytes(bad), CHUNK_HEADER_SIZE, end)
        if got is None:
            declined += 1
        elif got != strict(path, bytes(bad), end):
            wrong.append(at)
    return wrong, declined


@pytest.mark.parametrize("delta", [1, 0x80])
def test_fast_path_never_accepts_a_corrupt_entry_the_strict_parser_rejects(chunk, delta: int) -> None:
    wrong, declined = disagreements(_fast_entry, chunk, delta)
    assert wrong == []
    assert declined > 0  # some corruptions are structural: the fast path hands them to the strict one


def test_a_fast_path_that_skips_a_check_is_caught(chunk) -> None:
    """The broken variant: a fast path blind to the version byte is caught by the same comparison."""

    def blind(path: Path, data: bytes, offset: int, end: int) -> object:
        fixed = data[:offset] + bytes([ENTRY_FORMAT_VERSION]) + data[offset + 1 :]
        return _fast_entry(path, fixed, offset, end)

    wrong, _ = disagreements(blind, chunk, 1)
    assert wrong == [CHUNK_HEADER_SIZE]
