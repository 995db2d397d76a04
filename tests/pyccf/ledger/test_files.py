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
    sizes = [8 + len(entry(s).data) for s in range(1, 6)]  # a chunk of one entry, its header included
    threshold = min(sizes[0], sizes[2])
    ledger = LedgerFiles(tmp_path, ChunkPolicy(max_entries=1000, max_bytes=threshold))
    for s in range(1, 6):
        ledger.append(entry(s), is_signature=s in (1, 2, 4, 5))
    # Signature 1 finds an empty chunk; 2 finds entry 1 (enough bytes); 4 finds 3; 5 finds nothing again.
    assert ledger.chunk_names() == ["ledger_1-2", "ledger_3-4", "ledger_5"]


def test_chunk_due_lets_the_producer_flag_the_closing_signature_as_ccf_does(tmp_path):
    flagged = LedgerFiles(tmp_path / "flagged", ChunkPolicy(max_entries=2))
    plain = LedgerFiles(tmp_path / "plain", ChunkPolicy(max_entries=2))
    for s in range(1, 11):
        signature = s % 3 == 0
        # Each chunk holds 2 entries (the policy) when its closing signature comes.
        assert flagged.chunk_due == plain.chunk_due == signature
        force = EntryFlags.FORCE_LEDGER_CHUNK_AFTER if signature and flagged.chunk_due else EntryFlags.NONE
        flagged.append(entry(s, flags=force), is_signature=signature)
        plain.append(entry(s), is_signature=signature)
    assert (
        flagged.chunk_names()
        == plain.chunk_names()
        == ["ledger_1-3", "ledger_4-6", "ledger_7-9", "ledger_10"]
    )
    assert [e.seqno for e in flagged.entries() if e.flags] == [3, 6, 9]


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
    ledger = write_ledger(tmp_path, 6, every=3, commit=1)
    assert ledger.chunk_names() == ["ledger_1-3", "ledger_4-6"]
    ledger.commit(4)
    assert ledger.chunk_names() == ["ledger_1-3.committed", "ledger_4-6"]
    ledger.append(entry(7))
    ledger.append(entry(8))
    ledger.commit(8)
    ledger.append(entry(9, flags=EntryFlags.FORCE_LEDGER_CHUNK_BEFORE))  # closes 7-8, already committed
    assert names(tmp_path) == [
        "ledger_1-3.committed",
        "ledger_4-6.committed",
        "ledger_7-8.committed",
        "ledger_9",
    ]
    ledger.append(entry(10, flags=EntryFlags.FORCE_LEDGER_CHUNK_AFTER))
    assert ledger.chunk_names()[-1] == "ledger_9-10"
    ledger.commit(10)
    assert ledger.chunk_names()[-1] == "ledger_9-10.committed"
    with pytest.raises(ValueError, match="beyond"):
        ledger.commit(11)


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
    again.append(entry(11))
    assert again.chunk_due  # the reopened chunk's entries count for the policy
    again.append(entry(12), is_signature=True)
    assert again.chunk_names()[-1] == "ledger_10-12"


def test_files_that_are_not_chunks_are_left_alone(tmp_path):
    write_ledger(tmp_path, 6, every=3)
    for other in ("ledger_7.recovery", "ledger_1-3.ignored", "notes.txt", "ledger_0"):
        (tmp_path / other).write_bytes(b"junk")
    ledger = LedgerFiles(tmp_path, ChunkPolicy(max_entries=2))
    assert ledger.chunk_names() == ["ledger_1-3.committed", "ledger_4-6.committed"]
    ledger.append(entry(7))
    assert (tmp_path / "ledger_7.recovery").read_bytes() == b"junk"
