"""Chunk files: names, positions tables, the chunking policy, commit, truncation."""

from __future__ import annotations

import struct

import pytest

from pyccf.formats.ledger import EntryFlags
from pyccf.ledger.files import ChunkPolicy, LedgerFiles
from tests.pyccf.ledger.builders import SECRET, entry, write_ledger


def names(directory):
    return sorted(p.name for p in directory.iterdir())


def test_chunks_close_at_the_first_signature_after_the_policy_says(tmp_path):
    ledger = write_ledger(tmp_path, 10, every=3, commit=6)
    # max_entries=2: chunks close at signatures 3, 6 and 9; the open chunk holds 10.
    assert ledger.chunk_names() == [
        "ledger_1-3.committed",
        "ledger_4-6.committed",
        "ledger_7-9",
        "ledger_10",
    ]
    assert names(tmp_path) == sorted(ledger.chunk_names())


def test_a_closed_chunk_has_its_positions_table(tmp_path):
    write_ledger(tmp_path, 3, every=3)
    data = (tmp_path / "ledger_1-3.committed").read_bytes()
    (table,) = struct.unpack_from("<Q", data)
    positions = struct.unpack_from("<3I", data, table)
    assert table + 12 == len(data)
    sizes = [len(entry(s).data) for s in (1, 2, 3)]
    assert positions == (8, 8 + sizes[0], 8 + sizes[0] + sizes[1])
    assert table == 8 + sum(sizes)


def test_the_open_chunk_has_table_offset_zero_and_is_flushed_per_entry(tmp_path):
    ledger = LedgerFiles(tmp_path, secret=SECRET)
    ledger.append(entry(1))
    data = (tmp_path / "ledger_1").read_bytes()
    assert data == bytes(8) + entry(1).data
    ledger.append(entry(2))
    assert (tmp_path / "ledger_1").read_bytes() == bytes(8) + entry(1).data + entry(2).data


def test_byte_threshold(tmp_path):
    sizes = [8 + len(entry(s).data) for s in range(1, 6)]  # each chunk's header counts
    two = min(sizes[0] + sizes[1], sizes[2] + sizes[3]) - 8
    assert sizes[0] < two and sizes[4] < two
    ledger = LedgerFiles(tmp_path, ChunkPolicy(max_entries=1000, max_bytes=two))
    for s in range(1, 6):
        ledger.append(entry(s), is_signature=s in (1, 2, 4, 5))
    # 1 alone is below the threshold; 1+2 reach it; 3 (not a signature) and 4 reach it again.
    assert ledger.chunk_names() == ["ledger_1-2", "ledger_3-4", "ledger_5"]


def test_force_flags(tmp_path):
    ledger = LedgerFiles(tmp_path, ChunkPolicy(max_entries=1000))
    ledger.append(entry(1))
    ledger.append(entry(2, flags=EntryFlags.FORCE_LEDGER_CHUNK_AFTER))
    ledger.append(entry(3))
    ledger.append(entry(4, flags=EntryFlags.FORCE_LEDGER_CHUNK_BEFORE))
    assert ledger.chunk_names() == ["ledger_1-2", "ledger_3-3", "ledger_4"]


def test_appends_must_be_contiguous(tmp_path):
    ledger = LedgerFiles(tmp_path)
    with pytest.raises(ValueError, match="seqno 2 after 0"):
        ledger.append(entry(2))


def test_commit_renames_closed_chunks_and_names_later_closes_committed(tmp_path):
    ledger = write_ledger(tmp_path, 4, every=2, commit=1)
    assert ledger.chunk_names() == [
        "ledger_1-2",
        "ledger_3-4",
    ]
    ledger.commit(3)
    assert ledger.chunk_names() == ["ledger_1-2.committed", "ledger_3-4"]
    ledger.append(entry(5))
    ledger.commit(5)
    ledger.append(entry(6), is_signature=True)
    assert ledger.chunk_names() == ["ledger_1-2.committed", "ledger_3-4.committed", "ledger_5-6"]
    ledger.commit(6)
    assert names(tmp_path) == ["ledger_1-2.committed", "ledger_3-4.committed", "ledger_5-6.committed"]
    with pytest.raises(ValueError, match="beyond"):
        ledger.commit(7)


def test_truncate_the_open_chunk(tmp_path):
    ledger = write_ledger(tmp_path, 5, every=3, commit=3)
    ledger.truncate(4)
    assert ledger.last_seqno == 4
    assert (tmp_path / "ledger_4").read_bytes() == bytes(8) + entry(4).data
    ledger.append(entry(5, view=3))
    assert ledger.read(5).view == 3


def test_truncate_into_a_closed_chunk_reopens_it(tmp_path):
    ledger = write_ledger(tmp_path, 8, every=3, commit=1)
    assert ledger.chunk_names() == ["ledger_1-3", "ledger_4-6", "ledger_7"]
    ledger.truncate(4)
    assert ledger.chunk_names() == ["ledger_1-3", "ledger_4"]
    assert names(tmp_path) == ["ledger_1-3", "ledger_4"]
    assert (tmp_path / "ledger_4").read_bytes() == bytes(8) + entry(4).data
    ledger.truncate(3)
    assert names(tmp_path) == ["ledger_1-3"]
    ledger.append(entry(4, view=5))
    assert names(tmp_path) == ["ledger_1-3", "ledger_4"]
    assert [e.view for e in LedgerFiles(tmp_path).entries()] == [2, 2, 2, 5]


def test_truncation_never_drops_committed_entries(tmp_path):
    ledger = write_ledger(tmp_path, 5, every=3, commit=4)
    with pytest.raises(ValueError, match="committed"):
        ledger.truncate(3)
    assert ledger.last_seqno == 5


def test_reopen_reads_back_what_was_written(tmp_path):
    written = write_ledger(tmp_path, 10, every=3, commit=6)
    again = LedgerFiles(tmp_path, ChunkPolicy(max_entries=2), secret=SECRET)
    assert again.chunk_names() == written.chunk_names()
    assert (again.last_seqno, again.committed_seqno, again.torn_bytes) == (10, 6, 0)
    assert [e.data for e in again.entries()] == [entry(s).data for s in range(1, 11)]
    assert again.read(7).private == entry(7).private
    with pytest.raises(KeyError):
        again.read(11)
    again.append(entry(11), is_signature=True)
    assert again.chunk_names()[-1] == "ledger_10-11"
