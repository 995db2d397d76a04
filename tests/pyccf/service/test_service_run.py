"""``pyccf service run``: several seeds, 3 and 5 nodes, with elections, rollbacks and reconfigurations;
every committed ledger passes FULL with exact counts, committed prefixes agree byte for byte, and every
receipt verifies with CCF's package."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from pyccf.cli import main
from pyccf.formats.ledger import TxStatus
from pyccf.kv.status import StatusTransitionError
from pyccf.kv.txid import TxID
from pyccf.service.replicated import ReplicatedLedgers
from pyccf.service.run import ServiceRun, run_service
from tests.pyccf.service.test_receipts import verify_cose, verify_json
from tests.pyccf.service.test_replicated import expected
from tests.pyccf.service.test_writer import verified

CASES = [(1, 3), (2, 3), (3, 5), (5, 5)]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> list[ServiceRun]:
    root = tmp_path_factory.mktemp("service")
    return [run_service(root / f"{s}-{n}", nodes=n, txs=30, seed=s, faults=0.5) for s, n in CASES]


def test_committed_ledgers_pass_full_with_exact_counts(runs, tmp_path: Path) -> None:
    for i, r in enumerate(runs):
        for nid, ledger in r.ledgers.ledgers.items():
            upto = ledger.export_committed(tmp_path / str(i) / nid)
            if upto:
                assert verified(tmp_path / str(i) / nid) == expected(ledger, upto), (i, nid)


def test_committed_prefixes_are_byte_identical(runs) -> None:
    for r in runs:
        longest = [e.data for e in r.longest.entries()][: r.longest.files.committed_seqno]
        for ledger in r.ledgers.ledgers.values():
            mine = [e.data for e in ledger.entries()][: ledger.files.committed_seqno]
            assert mine == longest[: len(mine)]


def test_the_runs_had_rollbacks_and_reconfigurations(runs) -> None:
    assert any(ledger.truncations for r in runs for ledger in r.ledgers.ledgers.values())
    assert any(len(r.ledgers.ledgers) > n for r, (_, n) in zip(runs, CASES, strict=True))
    assert all(max(r.longest.terms) > 2 for r in runs)  # every run had an election
    retired = [
        r
        for r in runs
        if any(b'"status":"Retired"' in e.data for e in r.longest.entries())  # nodes.info is public
    ]
    assert retired


def test_every_receipt_verifies(runs) -> None:
    for r in runs:
        service = r.ledgers.keys.service
        seqnos = sorted(r.receipts)
        assert seqnos
        assert verify_json([r.receipts[s] for s in seqnos], service) == ["ok"] * len(seqnos)
        cose = [(r.cose_receipts[s], bytes(32)) for s in seqnos]  # client writes claim nothing
        assert verify_cose(cose, service) == [r.signed_by[s] for s in seqnos]
        files = {p.name for p in (r.out / "receipts").iterdir()}
        assert len(files) == 2 * len(seqnos)
        assert (r.out / "service_cert.pem").read_text() == service.cert_pem


def test_a_forged_receipt_is_refused(runs) -> None:
    r = runs[0]
    first, second = sorted(r.receipts)[:2]
    forged = copy.deepcopy(r.receipts[first])
    forged["leaf_components"]["write_set_digest"] = r.receipts[second]["leaf_components"]["write_set_digest"]
    assert verify_json([forged], r.ledgers.keys.service) != ["ok"]
    bad = bytearray(r.cose_receipts[first])
    bad[-5] ^= 1  # inside the inclusion proof
    assert verify_cose([(bytes(bad), bytes(32))], r.ledgers.keys.service) != [r.signed_by[first]]


def test_a_receipt_from_another_service_is_refused(runs) -> None:
    receipt = next(iter(runs[0].receipts.values()))
    assert verify_json([receipt], runs[1].ledgers.keys.service) == ["InvalidSignature"]


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    a = run_service(tmp_path / "a", txs=8, seed=9)
    b = run_service(tmp_path / "b", txs=8, seed=9)
    for nid in a.ledgers.ledgers:
        assert [e.data for e in a.ledgers.ledgers[nid].entries()] == [
            e.data for e in b.ledgers.ledgers[nid].entries()
        ]
    assert (tmp_path / "a/raft_trace.ndjson").read_text() == (tmp_path / "b/raft_trace.ndjson").read_text()


def test_cli_refuses_a_used_folder(tmp_path: Path) -> None:
    args = ["service", "run", "--txs", "4", "--out", str(tmp_path / "o")]
    assert CliRunner().invoke(main, args).exit_code == 0
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 2 and "not empty" in again.output


def test_statuses_are_reported_and_committed_ones_match_the_ledger(runs) -> None:
    for r in runs:
        doc = json.loads((r.out / "statuses.json").read_text())
        assert len(doc["writes"]) == len(r.submitted) and len(doc["reads"]) == len(r.reads)
        for txid, per_node in r.statuses.items():
            for nid, status in per_node.items():
                if status is TxStatus.COMMITTED:
                    assert r.ledgers.ledgers[nid].terms[txid.seqno - 1] == txid.view
        final = r.longest
        for seqno in r.receipts:  # a receipted write the primary accepted is Committed where it was made
            txid = TxID(final.terms[seqno - 1], seqno)
            if txid in r.statuses:
                assert TxStatus.COMMITTED in r.statuses[txid].values()
        assert any(value is not None for _, value in r.reads)


@dataclass
class FakeLog:
    commit_idx: int
    terms: list[int]

    def term_of(self, idx: int) -> int:
        return self.terms[idx - 1] if 0 < idx <= len(self.terms) else 0


def test_a_forbidden_status_change_during_a_run_is_caught(tmp_path: Path) -> None:
    r = ServiceRun(tmp_path, ReplicatedLedgers(tmp_path / "l"))
    r.txids[0] = TxID(2, 3)
    r.track({"0": FakeLog(3, [2, 2, 2])})  # type: ignore[dict-item]
    assert r.statuses[TxID(2, 3)] == {"0": TxStatus.COMMITTED}
    r.track({"0": FakeLog(3, [2, 2, 2])})  # type: ignore[dict-item]
    with pytest.raises(StatusTransitionError, match="2.3 on node 0"):
        r.track({"0": FakeLog(2, [2, 2, 2])})  # type: ignore[dict-item]  # Committed -> Pending


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_clients_retry_so_most_writes_commit(tmp_path: Path, seed: int) -> None:
    """With the default faults, a write finding no primary is sent again, and the run ends with a signature:
    most writes commit everywhere (a write dropped in a rollback is Invalid, not lost silently)."""
    run_service(tmp_path / "out", nodes=3, clients=2, txs=30, seed=seed)
    writes = json.loads((tmp_path / "out" / "statuses.json").read_text())["writes"]
    committed = [w for w in writes if w["status"] and set(w["status"].values()) == {str(TxStatus.COMMITTED)}]
    assert len(committed) >= 0.75 * len(writes), writes
    assert all(w["txid"] is not None for w in writes)


WRITE_SET_DIGESTS = """
import json, sys, ccf.ledger as L
doc = json.load(sys.stdin)
ledger = L.Ledger([doc["folder"]], committed_only=True)
print(json.dumps({s: ledger.get_transaction(int(s)).get_write_set_digest().hex() for s in doc["seqnos"]}))
"""


def test_receipt_digests_are_the_ledger_s_and_each_chunk_passes_merkle(runs, tmp_path: Path) -> None:
    """What a receipt vouches for is what the ledger holds at that seqno, as CCF's reader reads it; and
    every committed chunk of the run checks on its own (MERKLE trusts its first signature's tree)."""
    from tests.oracle import oracle_json

    checked = 0
    for i, r in enumerate(runs):
        folder = tmp_path / str(i)
        upto = r.longest.export_committed(folder)
        seqnos = [s for s in sorted(r.receipts) if s <= upto]
        assert seqnos
        digests = oracle_json(WRITE_SET_DIGESTS, stdin={"folder": str(folder), "seqnos": seqnos})
        for s in seqnos:
            assert r.receipts[s]["leaf_components"]["write_set_digest"] == digests[str(s)], (i, s)
        for chunk in sorted(folder.glob("ledger_*.committed")):
            alone = tmp_path / f"{i}-{chunk.name}"
            alone.mkdir()
            (alone / chunk.name).write_bytes(chunk.read_bytes())
            if b"ccf.internal.signatures" in chunk.read_bytes():
                count, _, _ = verified(alone, "MERKLE")
                assert count > 0
                checked += 1
    assert checked >= len(runs)


SERVICE_STATE = """
import json, sys, ccf.ledger as L
doc = json.load(sys.stdin)
state, _ = L.Ledger([doc["folder"]], committed_only=True).get_latest_public_state()
info = json.loads(state["public:ccf.gov.service.info"][bytes(8)])
certs = {k.decode(): v.decode() for k, v in state["public:ccf.gov.nodes.endorsed_certificates"].items()}
print(json.dumps({"cert": info["cert"], "nodes": certs}))
"""


def test_the_ledger_names_the_expected_service_and_its_nodes(runs, tmp_path: Path) -> None:
    """CCF's FULL check trusts whatever identity a ledger names: check it ourselves."""
    from tests.oracle import oracle_json

    for i, r in enumerate(runs):
        folder = tmp_path / str(i)
        r.longest.export_committed(folder)
        state = oracle_json(SERVICE_STATE, stdin={"folder": str(folder)})
        assert state["cert"] == r.ledgers.keys.service.cert_pem
        ours = {n.node_id: n.cert_pem for n in r.ledgers.keys.nodes.values()}
        assert state["nodes"] and all(ours[k] == pem for k, pem in state["nodes"].items()), i


def test_a_run_that_fails_still_writes_its_outputs_and_says_so(tmp_path: Path) -> None:
    """Seed 6 with heavy faults ends with a follower that never catches up (the run's final sync fails):
    the outputs up to that point are written and verifiable, and the CLI reports one line, exit 1."""
    from pyccf.errors import FailureKind

    result = run_service(tmp_path / "api", nodes=3, txs=20, seed=6, faults=0.6)
    assert result.failure is not None and result.failure.kind is FailureKind.NOT_IN_SYNC
    assert (tmp_path / "api" / "statuses.json").exists() and result.receipts
    done = CliRunner().invoke(
        main,
        ["service", "run", "--txs", "20", "--seed", "6", "--faults", "0.6", "--out", str(tmp_path / "cli")],
    )
    assert done.exit_code == 1
    assert "Traceback" not in done.output and "FAILED (not in sync)" in done.output
