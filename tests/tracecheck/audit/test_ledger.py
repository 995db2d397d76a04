"""``tracecheck audit ledger`` on CCF's real ledgers and pyccf's: the same counts as CCF's own FULL
validation, and the checks FULL lacks (the service identity, node endorsements, zero signatures)."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from pyccf.kv.store import Transaction
from pyccf.ledger.files import ChunkPolicy
from pyccf.ledger.secrets import LedgerSecret
from pyccf.service.identity import Identity, NodeIdentity, derive_key, node_identity, service_identity
from pyccf.service.writer import ServiceWriter
from tests.oracle import read_ledger
from tests.paths import CCF_LEDGERS, ccf_ledger_names, needs_ccf_ledgers
from tracecheck.audit.errors import AuditFailure
from tracecheck.audit.ledger import audit_ledger, load_service_cert
from tracecheck.cli import main

REAL = ccf_ledger_names()
START = datetime(2025, 1, 1, tzinfo=UTC)
VALIDITY = timedelta(days=365 * 200)
VERIFIED = re.compile(r"Verified FULL - (\d+) transactions, (\d+) signatures, until (\d+\.\d+)")


def identity(seed: bytes) -> Identity:
    return service_identity(derive_key(seed, "service"), not_before=START, validity=VALIDITY)


def endorsed_node(seed: bytes, by: Identity) -> NodeIdentity:
    return node_identity(derive_key(seed, "node"), by, not_before=START, validity=VALIDITY)


SERVICE = identity(b"audit service")
NODE = endorsed_node(b"audit node", SERVICE)


def make_writer(
    folder: Path, service: Identity = SERVICE, node: NodeIdentity = NODE, *, txs: int = 16, sign: bool = True
) -> ServiceWriter:
    """A one-node service's ledger: a signature every 5 transactions, chunks closed at signatures."""
    writer = ServiceWriter(
        folder,
        service,
        node,
        LedgerSecret.from_seed(b"audit secret"),
        START,
        signature_every=5,
        chunk_policy=ChunkPolicy(max_entries=4),
    )
    writer.genesis(encryption_pub_key=node.public_key_pem)
    for i in range(txs):

        def body(tx: Transaction, i: int = i) -> None:
            tx.put("public:app.counters", b"c%d" % (i % 3), b"%d" % i)
            tx.put("app.secrets", b"s%d" % i, b"private %d" % i)

        writer.execute(body)
    if sign:
        writer.sign()
        writer.commit()
    return writer


def oracle_full(folder: Path, *extra: str) -> tuple[int, int, str]:
    done = read_ledger(folder, "FULL", *extra)
    assert done.returncode == 0, done.stdout + done.stderr
    m = VERIFIED.search(done.stdout + done.stderr)
    assert m, done.stdout + done.stderr
    return int(m[1]), int(m[2]), m[3]


def audit_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["audit", "ledger", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("name", REAL)
def test_ccf_ledgers_verify_with_the_oracles_counts(name: str) -> None:
    folder = CCF_LEDGERS / name / "ledger"
    cert = CCF_LEDGERS / name / "common" / "service_cert.pem"
    summary = audit_ledger(folder, service_cert=load_service_cert(cert), uncommitted=True)
    mine = (summary.transactions, summary.signatures, summary.last_signed)
    assert mine == oracle_full(folder, "--uncommitted")
    code, out, _ = audit_cli(str(folder), "--uncommitted", "--service-cert", str(cert))
    assert code == 0 and f"{summary.transactions} transactions" in out and summary.last_signed in out


@needs_ccf_ledgers
def test_json_output_names_the_counts() -> None:
    folder = CCF_LEDGERS / REAL[0] / "ledger"
    code, out, _ = audit_cli(str(folder), "--json")
    doc = json.loads(out)
    assert code == 0 and doc["verified"] is True
    assert doc["chunks"] and all(c.endswith(".committed") for c in doc["chunks"])
    assert doc["signatures"] > 0 and doc["last_signed"].endswith(f".{doc['transactions']}")


def test_pyccf_writer_ledger_verifies_like_the_oracle(tmp_path: Path) -> None:
    writer = make_writer(tmp_path / "l")
    summary = audit_ledger(writer.folder, service_cert=SERVICE.cert)
    assert (summary.transactions, summary.signatures, summary.last_signed) == oracle_full(writer.folder)
    assert len(summary.chunks) > 2 and all(c.endswith(".committed") for c in summary.chunks)
    everything = audit_ledger(writer.folder, service_cert=SERVICE.cert, uncommitted=True)
    assert everything.last_signed == f"2.{writer.seqno}" and everything.transactions == writer.seqno
    assert (everything.transactions, everything.signatures, everything.last_signed) == oracle_full(
        writer.folder, "--uncommitted"
    )


def test_progress_is_reported_after_each_chunk(tmp_path: Path) -> None:
    writer = make_writer(tmp_path / "l")
    calls: list[tuple[int, int, int]] = []
    summary = audit_ledger(writer.folder, uncommitted=True, progress=lambda *a: calls.append(a))
    chunks = len(summary.chunks)
    assert [(done, total) for done, total, _ in calls] == [(i, chunks) for i in range(1, chunks + 1)]
    assert [t for _, _, t in calls] == sorted(t for _, _, t in calls) and calls[-1][2] == summary.transactions


def test_run_service_committed_ledgers_verify(tmp_path: Path) -> None:
    from pyccf.service.run import run_service

    run = run_service(tmp_path / "run", nodes=3, txs=12, seed=1, faults=0.3)
    checked = 0
    for nid, ledger in run.ledgers.ledgers.items():
        upto = ledger.export_committed(tmp_path / "exp" / nid)
        if upto:
            summary = audit_ledger(tmp_path / "exp" / nid)
            assert summary.transactions == upto and summary.signatures > 0
            checked += 1
    assert checked


def test_a_ledger_signed_by_another_service_fails_with_the_expected_cert(tmp_path: Path) -> None:
    foreign = identity(b"another service")
    writer = make_writer(tmp_path / "l", foreign, endorsed_node(b"audit node", foreign), txs=4)
    assert audit_ledger(writer.folder).signatures > 0  # self-consistent: FULL-like checks pass
    with pytest.raises(AuditFailure, match="expected one") as caught:
        audit_ledger(writer.folder, service_cert=SERVICE.cert)
    assert caught.value.seqno == 1 and caught.value.field == "public:ccf.gov.service.info"
    pem = tmp_path / "service.pem"
    pem.write_text(SERVICE.cert_pem)
    code, _, err = audit_cli(str(writer.folder), "--service-cert", str(pem))
    assert code == 1 and "seqno 1" in err and len(err.strip().splitlines()) == 1
    code, out, _ = audit_cli(str(writer.folder), "--service-cert", str(pem), "--json")
    error = json.loads(out)["error"]
    assert code == 1 and json.loads(out)["verified"] is False
    assert (error["seqno"], error["field"], error["offset"]) == (1, "public:ccf.gov.service.info", 8)


def test_a_node_not_endorsed_by_the_service_fails(tmp_path: Path) -> None:
    stranger = endorsed_node(b"audit node", identity(b"another service"))
    writer = make_writer(tmp_path / "l", SERVICE, stranger, txs=4)
    with pytest.raises(AuditFailure, match="not endorsed by the service") as caught:
        audit_ledger(writer.folder)
    first_signature = min(s for s, w in writer.written.items() if w.is_signature)
    assert caught.value.seqno == first_signature


def test_a_ledger_without_a_signature_is_not_verified(tmp_path: Path) -> None:
    writer = make_writer(tmp_path / "l", txs=3, sign=False)
    for p in writer.folder.iterdir():
        shutil.move(p, p.with_name(p.name.removesuffix(".committed")))
    with pytest.raises(AuditFailure, match="no signature"):
        audit_ledger(writer.folder, uncommitted=True)
    code, _, err = audit_cli(str(writer.folder), "--uncommitted")
    assert code == 1 and "no signature" in err


def _flip_in_value(folder: Path, marker: bytes, nth: int = 0) -> None:
    """Change one base64 character just after the ``nth`` occurrence of ``marker`` in the ledger's chunks."""
    seen = 0
    for chunk in sorted(folder.iterdir()):
        data = bytearray(chunk.read_bytes())
        at = data.find(marker)
        while at >= 0:
            if seen == nth:
                i = at + len(marker) + 3
                data[i] = ord("A") if data[i] != ord("A") else ord("B")
                chunk.write_bytes(bytes(data))
                return
            seen += 1
            at = data.find(marker, at + 1)
    raise AssertionError(f"{marker!r} #{nth} not found")


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_a_bad_signature_is_the_first_problem_whatever_the_workers(tmp_path: Path, workers: int) -> None:
    """The node signature of the first signature transaction fails; the entry's bytes changed, so the next
    signature's root fails too, synchronously: the report is the earlier one, as in a sequential audit."""
    writer = make_writer(tmp_path / "l", txs=16)
    _flip_in_value(writer.folder, b'"sig":"')
    with pytest.raises(AuditFailure, match="does not verify") as exc:
        audit_ledger(writer.folder, uncommitted=True, workers=workers)
    with pytest.raises(AuditFailure) as sequential:  # the sequential audit's report, for comparison
        audit_ledger(writer.folder, uncommitted=True, workers=1)
    assert (exc.value.seqno, str(exc.value)) == (sequential.value.seqno, str(sequential.value))
