"""CCF's own ``ccf`` package reads pyccf's ledger folders: counts, digests, public tables, tampering.

Without signature transactions the oracle sees only the framing (headers, flags, sizes, chunk names and
positions), so the tampering it can judge is that; the rest is test_recovery's.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import struct

import pytest

from pyccf.formats.ledger import EntryFlags
from pyccf.ledger.errors import LedgerFormatError
from pyccf.ledger.files import ChunkPolicy, LedgerFiles
from tests.oracle import oracle_json, read_ledger
from tests.pyccf.ledger.builders import entry, write_ledger

N = 10  # 1-3, 4-6, 7-9 committed; 10 in the open chunk
VERIFIED = re.compile(r"^Verified FULL - (\d+) transactions, (\d+) signatures", re.M)

DUMP = """
import json, sys
import ccf.ledger as L
led = L.Ledger([sys.argv[1]], committed_only=False)
hexed = lambda v: None if v is None else v.hex()
out = {}
for chunk in led:
    for tx in chunk:
        seqno = tx.gcm_header.seqno
        tables = tx.get_public_domain().get_tables()
        out[seqno] = {
            "view": tx.gcm_header.view,
            "wsd": tx.get_write_set_digest().hex(),
            "leaf": tx.get_tx_digest().hex(),
            "tables": {n: {k.hex(): hexed(v) for k, v in t.items()} for n, t in tables.items()},
        }
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def ledger_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("oracle") / "ledger"
    ledger = write_ledger(directory, N, every=3, commit=N - 1)
    assert ledger.chunk_names() == [
        "ledger_1-3.committed",
        "ledger_4-6.committed",
        "ledger_7-9.committed",
        "ledger_10",
    ]
    return directory


def verified(done):
    assert done.returncode == 0, done.stdout + done.stderr
    found = VERIFIED.findall(done.stdout + done.stderr)
    assert found, done.stdout
    return tuple(int(x) for x in found[-1])


def test_full_validation_counts_every_committed_transaction(ledger_dir):
    assert verified(read_ledger(ledger_dir, "FULL")) == (N - 1, 0)


def test_the_open_chunk_reads_with_uncommitted(ledger_dir):
    assert verified(read_ledger(ledger_dir, "FULL", "--uncommitted")) == (N, 0)


def test_write_set_digests_and_public_tables_equal_the_oracle_s(ledger_dir):
    seen = oracle_json(DUMP, str(ledger_dir))
    assert sorted(int(s) for s in seen) == list(range(1, N + 1))
    for s in range(1, N + 1):
        mine = entry(s)
        theirs = seen[str(s)]
        assert theirs["view"] == mine.view
        assert theirs["wsd"] == mine.write_set_digest.hex()
        leaf = hashlib.sha256(mine.write_set_digest + mine.commit_evidence_digest + mine.claims_digest)
        assert theirs["leaf"] == leaf.hexdigest()  # the Merkle leaf: the digests sit where CCF reads them
        expected = {
            name: {
                **{k.hex(): v.hex() for k, v in changes.writes.items()},
                **{k.hex(): None for k in changes.removals},
            }
            for name, changes in mine.public.items()
        }
        assert theirs["tables"] == expected


def tampered(ledger_dir, tmp_path, name, offset, value):
    copy = tmp_path / "ledger"
    shutil.copytree(ledger_dir, copy)
    data = bytearray((copy / name).read_bytes())
    data[offset : offset + len(value)] = value
    (copy / name).write_bytes(bytes(data))
    return copy


SECOND = 8 + len(entry(4).data)


@pytest.mark.parametrize(
    ("offset", "value"),
    [
        (SECOND, b"\x02"),  # version
        (SECOND + 1, b"\x04"),  # an unknown flag
        (SECOND + 2, b"\x05\x00"),  # size below the minimum
        (SECOND + 2, b"\xff\xff"),  # size beyond the file
        (0, b"\x09"),  # positions table offset
    ],
)
def test_the_oracle_rejects_tampered_framing_and_so_does_pyccf(ledger_dir, tmp_path, offset, value):
    copy = tampered(ledger_dir, tmp_path, "ledger_4-6.committed", offset, value)
    assert read_ledger(copy, "FULL").returncode != 0
    with pytest.raises(LedgerFormatError) as caught:
        LedgerFiles(copy)
    assert caught.value.file == str(copy / "ledger_4-6.committed")


def test_the_oracle_rejects_a_disagreeing_positions_table(ledger_dir, tmp_path):
    data = (ledger_dir / "ledger_1-3.committed").read_bytes()
    (table,) = struct.unpack_from("<Q", data)
    copy = tampered(ledger_dir, tmp_path, "ledger_1-3.committed", table + 4, struct.pack("<I", 9))
    assert read_ledger(copy, "FULL").returncode != 0


def test_the_oracle_rejects_a_gap_and_a_wrong_name(ledger_dir, tmp_path):
    gap = tmp_path / "gap"
    shutil.copytree(ledger_dir, gap)
    (gap / "ledger_4-6.committed").unlink()
    assert read_ledger(gap, "FULL").returncode != 0
    renamed = tmp_path / "renamed"
    shutil.copytree(ledger_dir, renamed)
    (renamed / "ledger_7-9.committed").rename(renamed / "ledger_7-8.committed")
    assert read_ledger(renamed, "FULL").returncode != 0


def test_closing_signatures_flagged_as_ccf_does_pass(tmp_path):
    ledger = LedgerFiles(tmp_path, ChunkPolicy(max_entries=2))
    for s in range(1, 8):
        due = s % 3 == 0 and ledger.chunk_due
        ledger.append(entry(s, flags=EntryFlags.FORCE_LEDGER_CHUNK_AFTER if due else EntryFlags.NONE))
    ledger.commit(7)
    assert ledger.chunk_names() == ["ledger_1-3.committed", "ledger_4-6.committed", "ledger_7"]
    assert verified(read_ledger(tmp_path, "FULL", "--uncommitted")) == (7, 0)
    code = """
import json, sys, ccf.ledger as L
print(json.dumps([tx._header.flags for c in L.Ledger([sys.argv[1]], committed_only=False) for tx in c]))
"""
    flags = oracle_json(code, str(tmp_path))
    assert flags == [0, 0, 1, 0, 0, 1, 0]
