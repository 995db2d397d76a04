"""Crash safety: a torn tail is cut and loses nothing committed; corruption anywhere else is refused."""

from __future__ import annotations

import shutil
import struct

import pytest

from pyccf.formats.ledger import EntryFlags
from pyccf.ledger.errors import LedgerFormatError
from pyccf.ledger.files import ChunkPolicy, LedgerFiles
from tests.pyccf.ledger.builders import SECRET, entry, write_ledger

POLICY = ChunkPolicy(max_entries=2)


def reopen(directory):
    return LedgerFiles(directory, POLICY, secret=SECRET)


@pytest.fixture
def base(tmp_path):
    """ledger_1-3.committed, ledger_4-6.committed, open ledger_7 with 7 and 8; 7 is committed (in memory)."""
    ledger = write_ledger(tmp_path / "base", 8, every=3, commit=7)
    assert ledger.chunk_names() == ["ledger_1-3.committed", "ledger_4-6.committed", "ledger_7"]
    return tmp_path / "base"


def test_a_last_entry_torn_at_every_byte_is_cut_and_nothing_committed_is_lost(base, tmp_path):
    last = entry(8).data
    full = (base / "ledger_7").read_bytes()
    before = len(full) - len(last)
    for cut in range(len(last)):
        crashed = tmp_path / f"crash{cut}"
        shutil.copytree(base, crashed)
        (crashed / "ledger_7").write_bytes(full[: before + cut])
        ledger = reopen(crashed)
        assert (ledger.last_seqno, ledger.torn_bytes, ledger.committed_seqno) == (7, cut, 6), cut
        assert [e.seqno for e in ledger.entries()] == list(range(1, 8))
        assert (crashed / "ledger_7").stat().st_size == before
        ledger.append(entry(8))
        assert (crashed / "ledger_7").read_bytes() == full
        shutil.rmtree(crashed)


@pytest.mark.parametrize("kept", range(8))
def test_a_chunk_torn_while_being_created(tmp_path, kept):
    write_ledger(tmp_path, 6, every=3)
    (tmp_path / "ledger_7").write_bytes(bytes(kept))
    ledger = reopen(tmp_path)
    assert (ledger.last_seqno, ledger.torn_bytes) == (6, kept)
    ledger.append(entry(7))
    assert reopen(tmp_path).read(7).data == entry(7).data


def test_a_positions_table_torn_while_closing(base, tmp_path):
    data = (base / "ledger_7").read_bytes()
    table = struct.pack("<II", 8, 8 + len(entry(7).data))
    for cut in range(1, len(table) + 1):
        crashed = tmp_path / f"crash{cut}"
        shutil.copytree(base, crashed)
        (crashed / "ledger_7").write_bytes(data + table[:cut])
        ledger = reopen(crashed)
        assert (ledger.last_seqno, ledger.torn_bytes) == (8, cut)
        assert (crashed / "ledger_7").read_bytes() == data


def test_a_close_that_crashed_before_the_rename_is_finished(tmp_path):
    write_ledger(tmp_path, 9, every=3, commit=6)
    (tmp_path / "ledger_7-9").rename(tmp_path / "ledger_7")
    ledger = reopen(tmp_path)
    assert ledger.chunk_names()[-1] == "ledger_7-9"
    assert (tmp_path / "ledger_7-9").exists() and not (tmp_path / "ledger_7").exists()


def test_a_truncation_that_crashed_after_reopening_the_chunk(tmp_path):
    write_ledger(tmp_path, 9, every=3, commit=3)
    (tmp_path / "ledger_4-6").rename(tmp_path / "ledger_4")  # truncate(4) renames, zeroes, then cuts
    (tmp_path / "ledger_7-9").unlink()
    data = bytearray((tmp_path / "ledger_4").read_bytes())
    data[:8] = bytes(8)
    (tmp_path / "ledger_4").write_bytes(bytes(data))  # the table is still there, after entry 6
    ledger = reopen(tmp_path)
    assert (ledger.last_seqno, ledger.torn_bytes) == (6, 12)


def refused(directory, file, field, offset=None):
    before = {p.name: p.read_bytes() for p in directory.iterdir()}
    with pytest.raises(LedgerFormatError) as caught:
        reopen(directory)
    assert (caught.value.file, caught.value.field) == (str(directory / file), field)
    if offset is not None:
        assert caught.value.offset == offset
    assert str(caught.value).startswith(f"{directory / file}: byte {caught.value.offset}: {field}: ")
    assert "\n" not in str(caught.value)
    assert {p.name: p.read_bytes() for p in directory.iterdir()} == before  # nothing silently cut
    return caught.value


def poke(path, offset, value):
    data = bytearray(path.read_bytes())
    data[offset : offset + len(value)] = value
    path.write_bytes(bytes(data))


SECOND = 8 + len(entry(4).data)  # offset of the second entry of ledger_4-6


@pytest.mark.parametrize(
    ("offset", "value", "field"),
    [
        (SECOND, b"\x00", "version"),
        (SECOND + 1, b"\x10", "flags"),
        (SECOND + 2, b"\x05\x00", "size"),
        (SECOND + 2, b"\xff\xff", "size"),
        (SECOND + 8 + 16, b"\x09", "version"),  # the IV says 9, the public domain 5
        (SECOND + 44, b"\x02", "entry type"),
        (0, b"\x07", "positions table offset"),
    ],
)
def test_corruption_in_a_closed_chunk_is_refused_naming_file_and_field(base, offset, value, field):
    poke(base / "ledger_4-6.committed", offset, value)
    refused(base, "ledger_4-6.committed", field)


def test_a_positions_table_that_disagrees_is_refused(base):
    path = base / "ledger_1-3.committed"
    (table,) = struct.unpack_from("<Q", path.read_bytes())
    poke(path, table + 4, struct.pack("<I", 9))
    refused(base, "ledger_1-3.committed", "positions table[1]", table + 4)


def test_a_name_that_disagrees_with_the_entries_is_refused(base):
    (base / "ledger_4-6.committed").rename(base / "ledger_4-5.committed")
    (base / "ledger_7").rename(base / "ledger_6")
    refused(base, "ledger_4-5.committed", "positions table offset", 0)


def test_a_missing_chunk_is_refused(base):
    (base / "ledger_4-6.committed").unlink()
    refused(base, "ledger_7", "file name", 0)


def test_a_committed_chunk_after_an_uncommitted_one_is_refused(tmp_path):
    write_ledger(tmp_path, 6, every=3, commit=0)
    (tmp_path / "ledger_4-6").rename(tmp_path / "ledger_4-6.committed")
    refused(tmp_path, "ledger_4-6.committed", "file name", 0)


@pytest.mark.parametrize("which", ["first", "last"])
def test_corruption_in_the_open_chunk_before_its_tail_is_refused(base, which):
    offset = 8 if which == "first" else 8 + len(entry(7).data)
    poke(base / "ledger_7", offset, b"\x03")
    refused(base, "ledger_7", "version", offset)


def test_a_seqno_out_of_place_in_the_open_chunk_is_refused(base):
    data = (base / "ledger_7").read_bytes()
    (base / "ledger_7").write_bytes(data[:8] + entry(8).data)
    refused(base, "ledger_7", "gcm iv", 8 + 8 + 16)


def test_a_forged_private_domain_in_the_open_chunk_is_refused(base):
    path = base / "ledger_7"
    poke(path, len(path.read_bytes()) - len(entry(8).data) - 1, b"\x00")  # last byte of entry 7: private
    refused(base, "ledger_7", "gcm tag")


def test_a_changed_public_value_in_a_closed_chunk_is_caught_by_the_tag(base):
    path = base / "ledger_4-6.committed"
    poke(path, path.read_bytes().index(b"entry 5"), b"E")
    refused(base, "ledger_4-6.committed", "gcm tag", SECOND + 8)  # the tag field
    assert LedgerFiles(base).read(5).public["public:app.log"].writes[(5).to_bytes(8, "little")] == b"Entry 5"


def test_a_cut_closed_chunk_is_refused_not_truncated(base):
    path = base / "ledger_4-6.committed"
    path.write_bytes(path.read_bytes()[:-1])
    refused(base, "ledger_4-6.committed", "positions table offset", 0)


def test_a_forced_chunk_before_on_an_empty_recovered_chunk_closes_nothing(tmp_path):
    write_ledger(tmp_path, 6, every=3)
    (tmp_path / "ledger_7").write_bytes(bytes(3))
    ledger = reopen(tmp_path)
    ledger.append(entry(7, flags=EntryFlags.FORCE_LEDGER_CHUNK_BEFORE))
    assert ledger.chunk_names()[-1] == "ledger_7"


def test_fsync_mode_writes_the_same_bytes(tmp_path):
    plain = write_ledger(tmp_path / "plain", 7)
    synced = LedgerFiles(tmp_path / "synced", POLICY, secret=SECRET, fsync=True)
    for s in range(1, 8):
        synced.append(entry(s), is_signature=s % 3 == 0)
    synced.commit(7)
    assert synced.chunk_names() == plain.chunk_names()
    for name in plain.chunk_names():
        assert (tmp_path / "synced" / name).read_bytes() == (tmp_path / "plain" / name).read_bytes()


def test_a_size_that_runs_over_later_entries_is_corruption_not_a_torn_tail(base):
    poke(base / "ledger_7", 8 + 2, b"\xff\xff\xff")  # entry 7 claims to run past the file, over entry 8
    refused(base, "ledger_7", "size", 8 + 2)


def test_reading_a_chunk_changed_after_opening_names_its_path(base):
    ledger = reopen(base)
    poke(base / "ledger_1-3.committed", 8, b"\x07")
    with pytest.raises(LedgerFormatError) as caught:
        ledger.read(1)
    assert (caught.value.file, caught.value.offset, caught.value.field) == (
        str(base / "ledger_1-3.committed"),
        8,
        "version",
    )
    with pytest.raises(LedgerFormatError, match="version"):
        list(ledger.entries())
