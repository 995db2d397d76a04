"""Service runs as campaign seeds: each run's raft trace validated by TLC, its ledgers and receipts audited,
its client history checked; a seeded consistency bug found with a replay command that reproduces it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pyccf.campaign.results import SeedVerdict
from pyccf.campaign.services import ServiceSettings, run_services
from tests.paths import REPO

TXS = 15


@pytest.mark.tlc
def test_service_seeds_pass_every_check() -> None:
    """Seeds 2 and 4 once wrote ledgers signed by a node whose join had been rolled back (CCF's own
    read_ledger: "The signing node ... is not part of the network"): a joiner's election timer now starts
    as raft.h's start_ticking_if_necessary starts it, so only trusted nodes lead and sign."""
    records = run_services([2, 4], ServiceSettings(txs=TXS))
    for r in records:
        assert r["verdict"] == SeedVerdict.OK, (r["seed"], r["kind"], r["where"], r["message"])
        assert r["trace"] == {"validated": True, "status": "accepted", "seconds": r["trace"]["seconds"]}
        assert r["replay"] is None and "/tmp" not in json.dumps(r)


def test_an_untrusted_signer_is_an_audit_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check is not vacuous: with CCF's test-driver behaviour (every node ticks from its creation)
    seed 2's service is led by a node whose trust was rolled back, and the auditor says so."""
    from pyccf.sim import driver

    init = driver.ScenarioDriver.__init__

    def every_node_ticks(self: driver.ScenarioDriver, **kwargs: object) -> None:
        init(self, **{**kwargs, "joiners_tick": True})  # type: ignore[arg-type]

    monkeypatch.setattr(driver.ScenarioDriver, "__init__", every_node_ticks)
    (r,) = run_services([2], ServiceSettings(txs=TXS, validate=False))
    assert (r["verdict"], r["kind"]) == (SeedVerdict.AUDIT, "ledger"), r
    assert r["where"].startswith("run_2/ledgers/") and "has no endorsed cert and info" in r["message"]
    assert r["replay"].endswith(f"tracecheck audit ledger {r['where']} --service-cert run_2/service_cert.pem")


def test_a_seeded_consistency_bug_is_found_and_its_replay_reproduces_it(tmp_path: Path) -> None:
    settings = ServiceSettings(txs=TXS, bug="DuplicateTxId", validate=False)
    (r,) = run_services([1], settings)
    assert (r["verdict"], r["kind"]) == (SeedVerdict.CONSISTENCY, "UniqueTxs"), r
    assert r["where"].startswith("run_1/history.ndjson:") and "both got TxID" in r["message"]
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run(["bash", "-c", r["replay"]], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PATH": path, "PYTHONPATH": str(REPO)}, timeout=300)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "UniqueTxs" in done.stdout and "both got TxID" in done.stdout


def test_service_campaign_options(tmp_path: Path) -> None:
    """The CLI: --service runs service seeds on the cluster; options of other campaign kinds refused."""
    base = [sys.executable, "-m", "pyccf", "campaign", "--seeds", "0-1", "--workers", "1"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = tmp_path / "c"
    opts = ["--service", "--txs", "10", "--no-validate", "--history-bug", "StatusFromSeqnoOnly"]
    done = subprocess.run(
        [*base, *opts, "--out", str(out), "--json"], capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 1, done.stderr
    summary = json.loads(done.stdout)
    assert summary["seeds"] == 2 and summary["verdicts"].get("consistency", 0) >= 1, summary
    assert json.loads((out / "campaign.json").read_text())["kind"] == "ServiceSettings"
    for extra, says in (
        (["--bug", "commit_unsigned"], "--history-bug"),
        (["--spec-walks", "x.tla"], "separate"),
    ):
        bad = subprocess.run([*base, "--service", *extra, "--out", str(tmp_path / "d")], capture_output=True,
                             text=True, env=env, timeout=120)  # fmt: skip
        assert bad.returncode == 2 and says in bad.stderr, bad.stderr
    bad = subprocess.run([*base, "--history-bug", "LostUpdate", "--out", str(tmp_path / "e")],
                         capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert bad.returncode == 2 and "--service" in bad.stderr
