"""The oracle itself: CCF's package installs and reads CCF's own ledgers (so its pass means something)."""

from __future__ import annotations

import pytest

from tests.oracle import oracle_json, read_ledger


def test_the_oracle_reads_ccf_s_own_ledger(shared):
    done = read_ledger(shared / "ccf_ledgers" / "acme_containing_service" / "ledger", "FULL", "--uncommitted")
    assert done.returncode == 0, done.stderr
    assert "22 transactions, 8 signatures" in done.stdout + done.stderr


def test_the_oracle_rejects_a_tampered_ccf_ledger(shared, tmp_path):
    import shutil

    src = shared / "ccf_ledgers" / "acme_containing_service" / "ledger"
    shutil.copytree(src, tmp_path / "ledger")
    first = sorted((tmp_path / "ledger").glob("ledger_1-*"))[0]
    data = bytearray(first.read_bytes())
    data[200] ^= 0x01
    first.write_bytes(bytes(data))
    done = read_ledger(tmp_path / "ledger", "FULL", "--uncommitted")
    assert done.returncode != 0


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_oracle_json_round_trip(n):
    assert oracle_json("import json, sys; print(json.dumps(int(sys.argv[1]) * 2))", str(n)) == 2 * n
