"""The strict reader: bad input is one line naming file, byte offset and field (exit 2), and the
compact Merkle tree equals CCF's own."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import pytest
from click.testing import CliRunner

from pyccf.formats.ledger import chunk_name
from tests.oracle import oracle_json
from tests.tracecheck.audit.test_ledger import make_writer
from tracecheck.audit.errors import MalformedLedger
from tracecheck.audit.ledger import audit_ledger
from tracecheck.audit.merkle import CompactTree, serialised_tree
from tracecheck.audit.reader import list_chunks
from tracecheck.cli import main


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["audit", "ledger", *args])
    return result.exit_code, result.stderr


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    return make_writer(tmp_path_factory.mktemp("reader") / "l").folder


def one_line_bad_input(folder: Path, *needles: str) -> None:
    code, err = cli(str(folder), "--uncommitted")
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for needle in needles:
        assert needle in err, err


def test_empty_folder(tmp_path: Path) -> None:
    one_line_bad_input(tmp_path, str(tmp_path), "no ledger chunks")


def test_committed_only_says_how_to_read_the_others(tmp_path: Path) -> None:
    (tmp_path / "ledger_1").write_bytes(b"")
    with pytest.raises(MalformedLedger, match="--uncommitted"):
        list_chunks(tmp_path, uncommitted=False)


def test_a_text_file_named_like_a_chunk(tmp_path: Path) -> None:
    (tmp_path / chunk_name(1, 3, committed=True)).write_text("these are not the bytes you are looking for\n")
    one_line_bad_input(tmp_path, "ledger_1-3.committed", "byte 0")


def test_a_chunk_cut_mid_header(ledger: Path, tmp_path: Path) -> None:
    first = min(ledger.iterdir(), key=lambda p: int(p.name.split("_")[1].split("-")[0]))
    (tmp_path / "ledger_1").write_bytes(bytes(8) + first.read_bytes()[8 : 8 + 5])  # an open chunk, cut
    one_line_bad_input(tmp_path, "ledger_1", "byte 8", "seqno 1", "entry header")
    (tmp_path / "ledger_1").rename(tmp_path / first.name)
    (tmp_path / first.name).write_bytes(first.read_bytes()[: 8 + 5])  # a closed one: its table is gone
    one_line_bad_input(tmp_path, first.name, "byte 0", "positions offset")


def test_chunks_not_contiguous(ledger: Path, tmp_path: Path) -> None:
    names = [c.path.name for c in list_chunks(ledger, uncommitted=False)]
    assert len(names) > 2
    for name in names[:1] + names[2:]:
        shutil.copy(ledger / name, tmp_path / name)
    one_line_bad_input(tmp_path, "not contiguous")


def test_a_chunk_name_that_miscounts_its_entries(ledger: Path, tmp_path: Path) -> None:
    first = min(ledger.iterdir(), key=lambda p: int(p.name.split("_")[1].split("-")[0]))
    end = int(first.name.split("-")[1].split(".")[0])
    (tmp_path / chunk_name(1, end + 1, committed=True)).write_bytes(first.read_bytes())
    with pytest.raises(MalformedLedger, match=f"holds {end} entries, its name says {end + 1}"):
        audit_ledger(tmp_path)


@pytest.mark.parametrize(
    ("offset", "value", "field", "reported"),
    [
        (8, 2, "version", 8),
        (9, 0x04, "flags", 9),
        (15, 0xFF, "size", 10),
        (8 + 8 + 16 + 12 + 8, 3, "entry type", 52),  # a deprecated type (no claims digest) is rejected
        (8 + 8 + 16 + 12 + 8, 1, "entry type", 52),  # a snapshot is not a ledger entry
        (8 + 8 + 16 + 11, 0x80, "iv view", 8 + 8 + 16 + 8),  # the IV's snapshot bit
    ],
)
def test_header_fields(
    ledger: Path, tmp_path: Path, offset: int, value: int, field: str, reported: int
) -> None:
    first = min(ledger.iterdir(), key=lambda p: int(p.name.split("_")[1].split("-")[0]))
    data = bytearray(first.read_bytes())
    data[offset] = value
    (tmp_path / first.name).write_bytes(data)
    with pytest.raises(MalformedLedger) as caught:
        audit_ledger(tmp_path)
    assert (caught.value.field, caught.value.offset, caught.value.seqno) == (field, reported, 1)


def test_positions_table_mismatch(ledger: Path, tmp_path: Path) -> None:
    first = min(ledger.iterdir(), key=lambda p: int(p.name.split("_")[1].split("-")[0]))
    data = bytearray(first.read_bytes())
    (table,) = struct.unpack_from("<Q", data)
    struct.pack_into("<I", data, table + 4, 9)  # the second entry's position
    (tmp_path / first.name).write_bytes(data)
    with pytest.raises(MalformedLedger) as caught:
        audit_ledger(tmp_path)
    assert (caught.value.field, caught.value.offset, caught.value.seqno) == ("positions", table + 4, 2)


def test_compact_tree_and_serialised_trees_match_ccf() -> None:
    leaves = [bytes([i]) * 32 for i in range(1, 41)]
    roots = oracle_json(
        "import json, sys, ccf.merkletree as m\n"
        "leaves = [bytes.fromhex(h) for h in json.loads(sys.argv[1])]\n"
        "out = []\n"
        "for n in range(1, len(leaves) + 1):\n"
        "    t = m.MerkleTree()\n"
        "    for leaf in leaves[:n]: t.add_leaf(leaf, do_hash=False)\n"
        "    out.append(t.get_merkle_root().hex())\n"
        "print(json.dumps(out))\n",
        json.dumps([leaf.hex() for leaf in leaves]),
    )
    tree = CompactTree()
    for leaf, root in zip(leaves, roots, strict=True):
        tree.append(leaf)
        assert tree.root().hex() == root
    # a serialised tree: 40 leaves, 37 flushed (bits 0, 2, 5), 3 retained
    flushed = CompactTree()
    for leaf in leaves[:37]:
        flushed.append(leaf)
    by_bit = {h: d for h, d in flushed.peaks}
    data = struct.pack(">QQ", 3, 37) + b"".join(leaves[37:]) + b"".join(by_bit[b] for b in (0, 2, 5))
    rebuilt = serialised_tree(data)
    assert rebuilt.size == 40 and rebuilt.root() == tree.root()
    with pytest.raises(ValueError, match="expected"):
        serialised_tree(data[:-1])
    broken = data[:16] + bytes(32) + data[48:]
    assert serialised_tree(broken).root() != tree.root()
