"""Tampering with a ledger is caught at the right seqno: flipped bytes anywhere before the last signature
(including the serialised tree and non-signature entries, which CCF's FULL check misses), and dropped,
duplicated or swapped entries."""

from __future__ import annotations

import random
import shutil
import struct
from pathlib import Path

import pytest

from pyccf.formats.ledger import CHUNK_HEADER_SIZE, POSITION_SIZE, Table, chunk_name
from tests.tracecheck.audit.test_ledger import SERVICE, make_writer
from tracecheck.audit.errors import AuditFailure, MalformedLedger
from tracecheck.audit.ledger import audit_ledger
from tracecheck.audit.reader import Entry, list_chunks, read_chunk

FLIPS = 2000


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    return make_writer(tmp_path_factory.mktemp("tamper") / "l").folder


def entries(folder: Path) -> list[Entry]:
    return [e for c in list_chunks(folder, uncommitted=True) for e in read_chunk(c)]


def signatures(es: list[Entry]) -> list[int]:
    return [e.seqno for e in es if Table.SIGNATURES in e.writes]


def audit_error(folder: Path) -> AuditFailure | MalformedLedger | None:
    try:
        audit_ledger(folder, service_cert=SERVICE.cert, uncommitted=True)
    except (AuditFailure, MalformedLedger) as exc:
        return exc
    return None


def test_flipped_bytes_before_the_last_signature_are_caught_at_the_right_seqno(ledger: Path, tmp_path):
    es = entries(ledger)
    sigs = signatures(es)
    last = es[sigs[-1] - 1]
    # (file, offset, seqno of the entry the byte belongs to or None for chunk headers and positions tables)
    where: list[tuple[Path, int, int | None]] = []
    for path in sorted(ledger.iterdir()):
        size = path.stat().st_size
        owner: list[int | None] = [None] * size
        for e in es:
            if e.file == path:
                owner[e.offset : e.offset + len(e.raw)] = [e.seqno] * len(e.raw)
        where += [(path, i, s) for i, s in enumerate(owner) if not (path == last.file and s == last.seqno)]
    # what CCF's FULL check misses: the serialised trees, and the seqnos of non-signature entries
    missed_by_full: list[tuple[Path, int, int | None]] = []
    for e in es:
        if e.seqno in sigs and e is not last:
            tree = e.writes[Table.TREE][bytes(8)]
            assert tree is not None
            at = e.offset + e.raw.index(tree)
            missed_by_full += [(e.file, at + i, e.seqno) for i in range(len(tree))]
        elif e.seqno not in sigs:
            iv, version = e.offset + 8 + 16, e.offset + 8 + 16 + 12 + 8 + 1
            missed_by_full += [(e.file, iv + i, e.seqno) for i in range(8)]
            missed_by_full += [(e.file, version + i, e.seqno) for i in range(8)]
    rng = random.Random(7)
    sample = rng.sample(where, FLIPS - 300) + rng.sample(missed_by_full, 300)
    copy = tmp_path / "copy"
    shutil.copytree(ledger, copy)
    missed = []
    for path, offset, seqno in sample:
        target = copy / path.name
        data = bytearray(path.read_bytes())
        data[offset] ^= 1 << rng.randrange(8)
        target.write_bytes(data)
        error = audit_error(copy)
        target.write_bytes(path.read_bytes())
        if error is None:
            missed.append((path.name, offset))
            continue
        assert error.file is not None, (str(error), offset)
        if seqno is None:  # a chunk header or positions table: the error names that chunk
            assert Path(error.file).name == path.name, (str(error), offset)
        else:  # an entry: caught there or at the next signature (in whichever chunk that is)
            covering = min(s for s in sigs if s > seqno)  # a signature's own leaf is the next one's
            assert error.seqno is not None and seqno <= error.seqno <= covering, (str(error), seqno)
    assert not missed, missed[:10]


def test_a_flipped_serialised_tree_is_caught_at_its_signature(ledger: Path, tmp_path) -> None:
    es = entries(ledger)
    sig = es[signatures(es)[0] - 1]
    tree = sig.writes[Table.TREE][bytes(8)]
    assert tree is not None
    at = sig.offset + sig.raw.index(tree) + len(tree) - 1  # the last byte of the serialised tree
    copy = tmp_path / "copy"
    shutil.copytree(ledger, copy)
    data = bytearray((copy / sig.file.name).read_bytes())
    data[at] ^= 0x01
    (copy / sig.file.name).write_bytes(data)
    error = audit_error(copy)
    assert isinstance(error, AuditFailure) and error.seqno == sig.seqno and error.field == Table.TREE


def rewrite(folder: Path, raws: list[bytes], *, split: int | None = None) -> None:
    """The entries as one closed, uncommitted chunk from seqno 1, or as two committed chunks, the second
    from seqno ``split``."""
    for p in folder.iterdir():
        p.unlink()
    if split is not None:
        write_chunk(folder / chunk_name(1, split - 1, committed=True), raws[: split - 1])
        write_chunk(folder / chunk_name(split, len(raws), committed=True), raws[split - 1 :])
    else:
        write_chunk(folder / chunk_name(1, len(raws)), raws)


def write_chunk(path: Path, raws: list[bytes]) -> None:
    body = b"".join(raws)
    offsets, at = [], CHUNK_HEADER_SIZE
    for raw in raws:
        offsets.append(at)
        at += len(raw)
    table = CHUNK_HEADER_SIZE + len(body)
    data = struct.pack("<Q", table) + body + b"".join(struct.pack("<I", o) for o in offsets)
    assert len(offsets) * POSITION_SIZE == len(data) - table
    path.write_bytes(data)


@pytest.mark.parametrize(
    ("edit", "expected_seqno"),
    [
        (lambda r: r[:4] + r[5:], 5),  # dropped seqno 5
        (lambda r: r[:5] + r[4:], 6),  # seqno 5 twice
        (lambda r: r[:4] + [r[5], r[4]] + r[6:], 5),  # 5 and 6 swapped
        (lambda r: r[:-1], None),  # the last signature dropped: unsigned entries at the end
    ],
    ids=["dropped", "duplicated", "swapped", "truncated"],
)
def test_dropped_duplicated_swapped_entries_are_caught(ledger: Path, tmp_path, edit, expected_seqno) -> None:
    raws = [e.raw for e in entries(ledger)]
    folder = tmp_path / "l"
    folder.mkdir()
    rewrite(folder, raws)
    assert audit_error(folder) is None  # the rewrite itself is faithful
    rewrite(folder, edit(raws))
    error = audit_error(folder)
    assert isinstance(error, AuditFailure), error
    if expected_seqno is None:
        assert "after the last signature" in error.message and error.seqno == len(raws) - 1
    else:
        assert error.seqno == expected_seqno and error.field == "iv seqno"


def patched(raw: bytes, at: int, value: bytes) -> bytes:
    return raw[:at] + value + raw[at + len(value) :]


IV_VIEW = 8 + 16 + 8  # in an entry: header, GCM tag, the IV's seqno
PD_VERSION = 8 + 16 + 12 + 8 + 1  # header, tag, IV, public-domain size, entry type


@pytest.mark.parametrize(
    ("at", "value", "field", "message"),
    [
        (IV_VIEW, (1).to_bytes(4, "little"), "iv view", "view 1 after view 2"),
        (PD_VERSION, (4).to_bytes(8, "little"), "version", "version 4"),
    ],
)
def test_a_view_going_down_and_a_wrong_version_are_caught_at_their_seqno(ledger, tmp_path, at, value, field,
                                                                          message) -> None:  # fmt: skip
    raws = [e.raw for e in entries(ledger)]
    raws[4] = patched(raws[4], at, value)  # seqno 5
    folder = tmp_path / "l"
    folder.mkdir()
    rewrite(folder, raws)
    error = audit_error(folder)
    assert isinstance(error, AuditFailure) and (error.seqno, error.field) == (5, field), error
    assert message in error.message


def test_a_pending_signer_is_caught(ledger: Path, tmp_path: Path) -> None:
    raws = [e.raw for e in entries(ledger)]
    assert raws[0].count(b'"status":"Trusted"') == 1  # the genesis node info
    raws[0] = raws[0].replace(b'"status":"Trusted"', b'"status":"Pending"')
    folder = tmp_path / "l"
    folder.mkdir()
    rewrite(folder, raws)
    error = audit_error(folder)
    assert isinstance(error, AuditFailure) and "Pending" in error.message
    assert error.seqno == signatures(entries(ledger))[0]


def test_a_committed_chunk_must_end_on_a_signature(ledger: Path, tmp_path: Path) -> None:
    es = entries(ledger)
    split = signatures(es)[0] + 2  # the first chunk ends one entry after a signature
    folder = tmp_path / "l"
    folder.mkdir()
    rewrite(folder, [e.raw for e in es], split=signatures(es)[0] + 1)
    assert audit_error(folder) is None  # split right after a signature: fine
    rewrite(folder, [e.raw for e in es], split=split)
    error = audit_error(folder)
    assert isinstance(error, AuditFailure) and "does not end on a signature" in error.message
    assert (
        error.seqno == split - 1
        and error.file is not None
        and error.file.endswith(f"ledger_1-{split - 1}.committed")
    )
