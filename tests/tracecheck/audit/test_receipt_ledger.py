"""``audit receipt --ledger``: a run's receipts match its audited ledger; a receipt of another ledger, one
past the ledger's end, or one issued under a signature that does not cover it, is named with its seqno."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pyccf.formats.ledger import CHUNK_NAME, SINGLETON_KEY, ZERO_DIGEST, Table
from pyccf.service.receipts import LeafComponents, json_receipt
from pyccf.service.run import ServiceRun, run_service, signature_of
from tests.paths import CCF_LEDGERS, needs_ccf_ledgers
from tests.tracecheck.audit.test_receipt_ccf import signature_receipt
from tracecheck.audit.reader import list_chunks, read_chunk
from tracecheck.audit.receipts import (
    ReceiptInvalid,
    check_in_ledger,
    index_ledger,
    load_service_cert,
    verify_file,
    verify_json,
)
from tracecheck.cli.audit_receipt import receipt


def _run(out: Path, **options: Any) -> tuple[ServiceRun, Path]:
    run = run_service(out / "run", nodes=3, txs=10, **options)
    run.longest.export_committed(out / "ledger")
    return run, out / "ledger"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> tuple[ServiceRun, Path]:
    return _run(tmp_path_factory.mktemp("receipt-ledger"), seed=4)


def audit(*args: str | Path) -> Result:
    return CliRunner().invoke(receipt, [str(a) for a in args])


def files(run: ServiceRun) -> list[Path]:
    return sorted((run.out / "receipts").iterdir())


def json_of(run: ServiceRun, seqno: int) -> Path:
    """The run's JSON receipt of ``seqno`` (named <view>.<seqno>.json)."""
    return next(p for p in files(run) if p.name.endswith(f".{seqno}.json"))


def cert(run: ServiceRun) -> Path:
    return run.out / "service_cert.pem"


def test_every_receipt_of_a_run_matches_its_ledger(service: tuple[ServiceRun, Path]) -> None:
    run, ledger = service
    result = audit(*files(run), "--service-cert", cert(run), "--ledger", ledger, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["verified"] is True and len(doc["receipts"]) == len(files(run)) > 0
    assert {r["kind"] for r in doc["receipts"]} == {"json", "cose"}


def test_a_receipt_of_another_seeds_ledger_is_not_this_ledgers(
    service: tuple[ServiceRun, Path], tmp_path: Path
) -> None:
    run, ledger = service
    other, _ = _run(tmp_path, seed=5)
    index = index_ledger(ledger, load_service_cert(cert(run)))
    seqno = min(set(other.receipts) & set(index.entries))
    path = json_of(other, seqno)
    verified = verify_file(path, load_service_cert(cert(other)))  # a genuine receipt of its own service
    with pytest.raises(ReceiptInvalid) as caught:
        check_in_ledger(verified, index, str(path))
    assert caught.value.field == "write_set_digest" and f"at seqno {seqno}" in str(caught.value)
    # on the command line, it does not even chain to this ledger's service
    assert audit(path, "--service-cert", cert(run), "--ledger", ledger).exit_code == 1


def test_a_receipt_of_another_ledger_of_the_same_service_is_named(
    service: tuple[ServiceRun, Path], tmp_path: Path
) -> None:
    run, ledger = service
    other, other_ledger = _run(tmp_path, seed=4, signature_every=2)  # same service keys, other ledger
    assert cert(other).read_text() == cert(run).read_text()
    mine = audit(*files(other), "--service-cert", cert(run), "--ledger", other_ledger)
    assert mine.exit_code == 0, mine.output
    result = audit(*files(other), "--service-cert", cert(run), "--ledger", ledger, "--json")
    assert result.exit_code == 1, result.output
    failed = [r for r in json.loads(result.output)["receipts"] if not r["verified"]]
    assert failed and all(" at seqno " in r["error"] for r in failed)
    fields = {r["error"].split("field '")[1].split("'")[0] for r in failed}
    assert fields == {"root", "write_set_digest"}
    plain = audit(*files(other), "--service-cert", cert(run), "--ledger", ledger)
    assert plain.exit_code == 1 and "FAILED" in plain.output and "field '" in plain.output


def test_a_receipt_past_the_ledgers_end(service: tuple[ServiceRun, Path], tmp_path: Path) -> None:
    run, ledger = service
    short = tmp_path / "short"
    shutil.copytree(ledger, short)
    signatures = sorted(int(s.split(".")[1]) for s in run.signed_by.values())
    cut = signatures[0]  # keep the committed chunks up to the first signature that covers a receipt
    for chunk in short.iterdir():
        match = CHUNK_NAME.match(chunk.name)
        assert match is not None
        if int(match["start"]) > cut:
            chunk.unlink()
    late = max(run.receipts)
    assert late > cut
    path = json_of(run, late)
    result = audit(path, "--service-cert", cert(run), "--ledger", short)
    assert result.exit_code == 1, result.output
    assert f"at seqno {late}" in result.output and "field 'commit_evidence'" in result.output
    assert f"end at seqno {cut}" in result.output


def test_a_receipt_under_a_later_signature_is_not_the_covering_one(
    service: tuple[ServiceRun, Path], tmp_path: Path
) -> None:
    """Cryptographically valid (a later signature's root also holds the leaf), but not what CCF issues."""
    run, ledger = service
    seqno = min(run.receipts)
    ledger_of = run.longest
    later = sorted(s for s in ledger_of.signatures if s > int(run.signed_by[seqno].split(".")[1]))
    later = [s for s in later if s <= ledger_of.files.committed_seqno]
    assert later
    entry = ledger_of.files.read(seqno)
    parts = LeafComponents(
        entry.write_set_digest,
        ledger_of.secret.commit_evidence(entry.view, entry.seqno),
        entry.claims_digest or ZERO_DIGEST,
    )
    doc = json_receipt(ledger_of.tree, seqno, parts, signature_of(ledger_of, later[0]))
    verified = verify_json(doc, load_service_cert(cert(run)), "late.json")
    path = tmp_path / "late.json"
    path.write_text(json.dumps(doc))
    result = audit(path, "--service-cert", cert(run), "--ledger", ledger)
    assert result.exit_code == 1, result.output
    assert f"at seqno {seqno}" in result.output and "field 'root'" in result.output
    assert verified.root != index_ledger(ledger, load_service_cert(cert(run))).covering(seqno).root  # type: ignore[union-attr]


def test_a_tampered_ledger_fails_before_any_receipt(service: tuple[ServiceRun, Path], tmp_path: Path) -> None:
    run, ledger = service
    broken = tmp_path / "broken"
    shutil.copytree(ledger, broken)
    chunk = sorted(p for p in broken.iterdir() if p.name.endswith(".committed"))[1]
    data = bytearray(chunk.read_bytes())
    data[-40] ^= 1
    chunk.write_bytes(bytes(data))
    result = audit(*files(run), "--service-cert", cert(run), "--ledger", broken)
    assert result.exit_code == 1, result.output
    assert "ledger FAILED" in result.output and f"{chunk.name}, byte " in result.output
    assert "verified " not in result.output


def test_a_missing_ledger_is_bad_input(service: tuple[ServiceRun, Path], tmp_path: Path) -> None:
    run, _ = service
    result = audit(*files(run), "--service-cert", cert(run), "--ledger", tmp_path / "nothing")
    assert result.exit_code == 2 and "nothing" in result.output


@pytest.mark.parametrize("suffix", [".json", ".cose"])
def test_another_signature_over_the_same_root_is_caught(
    service: tuple[ServiceRun, Path], suffix: str
) -> None:
    """ECDSA allows many signatures of one root: the receipt's must be the ledger's own."""
    run, ledger = service
    index = index_ledger(ledger, load_service_cert(cert(run)))
    path = next(p for p in files(run) if p.suffix == suffix)
    verified = verify_file(path, load_service_cert(cert(run)))
    check_in_ledger(verified, index, str(path))
    forged = dataclasses.replace(
        verified, signature=verified.signature[:-1] + bytes([verified.signature[-1] ^ 1])
    )
    with pytest.raises(ReceiptInvalid) as caught:
        check_in_ledger(forged, index, str(path))
    assert caught.value.field == "signature"
    if verified.signature_txid is not None:
        view, seqno = verified.signature_txid
        moved = dataclasses.replace(verified, signature_txid=(view, seqno + 1))
        with pytest.raises(ReceiptInvalid) as caught:
            check_in_ledger(moved, index, str(path))
        assert caught.value.field == "txid"


def test_a_receipt_of_another_view_or_leaf_is_caught(service: tuple[ServiceRun, Path]) -> None:
    run, ledger = service
    index = index_ledger(ledger, load_service_cert(cert(run)))
    seqno = min(run.receipts)
    path = json_of(run, seqno)
    verified = verify_file(path, load_service_cert(cert(run)))
    assert verified.txid is not None
    other_view = dataclasses.replace(verified, txid=(verified.txid[0] + 1, seqno))
    with pytest.raises(ReceiptInvalid) as caught:
        check_in_ledger(other_view, index, str(path))
    assert caught.value.field == "commit_evidence" and f"at seqno {seqno}" in str(caught.value)
    other_leaf = dataclasses.replace(verified, leaf=bytes(32))
    with pytest.raises(ReceiptInvalid) as caught:
        check_in_ledger(other_leaf, index, str(path))
    assert caught.value.field == "leaf"


def test_a_signature_transactions_own_receipt(service: tuple[ServiceRun, Path]) -> None:
    """It names no seqno: a signature of the ledger must sign its root, with the same signature bytes."""
    run, ledger = service
    index = index_ledger(ledger, load_service_cert(cert(run)))
    verified = verify_file(json_of(run, min(run.receipts)), load_service_cert(cert(run)))
    own = dataclasses.replace(verified, kind="json-signature", txid=None, write_set_digest=b"")
    check_in_ledger(own, index, "own.json")
    with pytest.raises(ReceiptInvalid) as caught:
        check_in_ledger(dataclasses.replace(own, root=bytes(32)), index, "own.json")
    assert caught.value.field == "root"


def ccf_signature_receipts(name: str) -> list[dict[str, Any]]:
    """Each committed node signature of CCF's ledger ``name`` as the signature transaction's own receipt."""
    folder = CCF_LEDGERS / name / "ledger"
    raws = [
        e.writes.get(Table.SIGNATURES, {}).get(SINGLETON_KEY)
        for c in list_chunks(folder, uncommitted=False)
        for e in read_chunk(c)
    ]
    return [signature_receipt(raw.decode()) for raw in raws if raw is not None]


@needs_ccf_ledgers
@pytest.mark.parametrize("name", ["acme_containing_service", "cose_flipflop_service"])
def test_ccf_signature_receipts_match_their_ccf_ledger(name: str) -> None:
    service_cert = load_service_cert(CCF_LEDGERS / name / "common" / "service_cert.pem")
    index = index_ledger(CCF_LEDGERS / name / "ledger", service_cert)
    receipts = ccf_signature_receipts(name)
    assert receipts
    for doc in receipts:
        check_in_ledger(verify_json(doc, service_cert), index, name)
    other = "cose_flipflop_service" if name == "acme_containing_service" else "acme_containing_service"
    other_cert = load_service_cert(CCF_LEDGERS / other / "common" / "service_cert.pem")
    foreign = verify_json(ccf_signature_receipts(other)[0], other_cert)
    with pytest.raises(ReceiptInvalid) as caught:
        check_in_ledger(foreign, index, other)
    assert caught.value.field == "root"
