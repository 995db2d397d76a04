"""pyccf's reader and recovery on ledgers written by real CCF services: the framing is the same."""

from __future__ import annotations

import shutil

import pytest

from pyccf.ledger.files import LedgerFiles
from tests.oracle import oracle_json
from tests.pyccf.ledger.test_oracle_ledger import DUMP

# (service, chunks, transactions, committed seqno), as the shared data's README counts them.
SERVICES = [
    ("acme_containing_service", 4, 22, 20),
    ("cose_flipflop_service", 2, 46, 46),
]


@pytest.fixture
def ccf_ledger(shared, tmp_path, request):
    service = request.param
    src = shared / "ccf_ledgers" / service / "ledger"
    if not src.is_dir():
        pytest.skip(f"no {service} ledger in the shared data")
    shutil.copytree(src, tmp_path / "ledger")
    return tmp_path / "ledger"


@pytest.mark.parametrize(
    ("ccf_ledger", "chunks", "transactions", "committed"),
    SERVICES,
    indirect=["ccf_ledger"],
)
def test_ccf_s_ledgers_open_and_read_as_the_oracle_reads_them(ccf_ledger, chunks, transactions, committed):
    ledger = LedgerFiles(ccf_ledger)
    assert (len(ledger.chunk_names()), ledger.last_seqno, ledger.committed_seqno) == (
        chunks,
        transactions,
        committed,
    )
    assert ledger.torn_bytes == 0
    seen = oracle_json(DUMP, str(ccf_ledger))
    for e in ledger.entries():
        theirs = seen[str(e.seqno)]
        assert (theirs["view"], theirs["wsd"]) == (e.view, e.write_set_digest.hex())
        tables = {
            name: {
                **{k.hex(): v.hex() for k, v in changes.writes.items()},
                **{k.hex(): None for k in changes.removals},
            }
            for name, changes in e.public.items()
        }
        assert theirs["tables"] == tables


@pytest.mark.parametrize("ccf_ledger", ["acme_containing_service"], indirect=True)
def test_a_torn_tail_of_a_ccf_ledger_is_cut(ccf_ledger):
    path = ccf_ledger / "ledger_21"
    data = path.read_bytes()
    last = LedgerFiles(ccf_ledger).read(22)
    start = len(data) - len(last.data)
    for cut in (1, 8, 9, 44, len(last.data) // 2, len(last.data) - 1):
        path.write_bytes(data[: start + cut])
        ledger = LedgerFiles(ccf_ledger)
        assert (ledger.last_seqno, ledger.torn_bytes) == (21, cut)
        assert path.stat().st_size == start
