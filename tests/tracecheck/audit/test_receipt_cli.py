"""``audit receipt`` on the receipts a pyccf service run writes: all verify; a forged one is named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pyccf.service.run import run_service
from tests.tracecheck.audit.test_receipts import make_service
from tracecheck.cli.audit_receipt import receipt


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("service") / "run"
    run_service(out, nodes=3, txs=10, seed=4)
    return out


def audit(*args: str | Path) -> Result:
    return CliRunner().invoke(receipt, [str(a) for a in args])


def receipts(run: Path) -> list[Path]:
    found = sorted((run / "receipts").iterdir())
    assert {p.suffix for p in found} == {".json", ".cose"}
    return found


def test_every_receipt_of_a_run_verifies(run: Path) -> None:
    files = receipts(run)
    result = audit(*files, "--service-cert", run / "service_cert.pem", "--json")
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.output)
    assert doc["verified"] is True
    assert [r["file"] for r in doc["receipts"]] == [str(f) for f in files]
    assert {r["kind"] for r in doc["receipts"]} == {"json", "cose"}
    plain = audit(*files, "--service-cert", run / "service_cert.pem")
    assert plain.exit_code == 0 and plain.output.count("verified ") == len(files)


def test_a_forged_receipt_is_named(run: Path, tmp_path: Path) -> None:
    first = next(p for p in receipts(run) if p.suffix == ".json")
    doc = json.loads(first.read_text())
    doc["leaf_components"]["claims_digest"] = "11" * 32
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc))
    result = audit(first, forged, "--service-cert", run / "service_cert.pem")
    assert result.exit_code == 1
    assert "forged.json: field 'signature'" in result.output
    as_json = json.loads(audit(first, forged, "--service-cert", run / "service_cert.pem", "--json").output)
    assert [r["verified"] for r in as_json["receipts"]] == [True, False]


def test_another_services_certificate_fails(run: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.pem"
    other.write_text(make_service(b"someone else").cert_pem)
    assert audit(*receipts(run), "--service-cert", other).exit_code == 1


def test_bad_input_exits_2(run: Path, tmp_path: Path) -> None:
    cert = run / "service_cert.pem"
    (tmp_path / "junk.cose").write_bytes(b"\x00\x01")
    (tmp_path / "not.pem").write_text("hello")
    junk = audit(tmp_path / "junk.cose", "--service-cert", cert)
    assert junk.exit_code == 2 and "junk.cose" in junk.output
    assert audit(tmp_path / "missing.json", "--service-cert", cert).exit_code == 2
    bad_cert = audit(*receipts(run)[:1], "--service-cert", tmp_path / "not.pem")
    assert bad_cert.exit_code == 2 and "not.pem" in bad_cert.output
    assert audit("--service-cert", cert).exit_code == 2  # no receipt given
