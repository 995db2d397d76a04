"""Disaster recovery of a governed service: Recovering from the old public domain, k-1 shares wait, a
corrupted share is refused without losing the good ones, k shares recover the ledger secret and the
private domain, the new identity endorses the previous one, and old receipts still verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from pyccf.formats.ledger import SINGLETON_KEY, ZERO_DIGEST, Table
from pyccf.governance.requests import RequestRefused
from pyccf.governance.script import ScriptError
from pyccf.service.governed import GovernanceRunError
from pyccf.service.governed_run import GovernedRun, live_state, run_governed
from pyccf.service.receipts import LeafComponents, json_receipt
from pyccf.service.recovery import (
    PREVIOUS_IDENTITY_ENDORSEMENT,
    SUBMITTED_SHARES,
    rsa_key_from_seed,
    state_at_last_signature,
)
from pyccf.service.replicated import APP_PUBLIC_MAP
from pyccf.service.run import signature_of
from tests.oracle import read_ledger
from tests.paths import CCF_CONSTITUTIONS, REPO
from tests.pyccf.governance.helpers import needs_constitutions
from tracecheck.audit.governance import replay_governance
from tracecheck.audit.receipts import ReceiptInvalid, verify_json
from tracecheck.cli import main as tracecheck_main

pytestmark = needs_constitutions
EXAMPLES = REPO / "tests" / "data" / "governance"
Runs = tuple[GovernedRun, GovernedRun]


def old_service(out: Path) -> GovernedRun:
    return run_governed(
        out,
        EXAMPLES / "recovery_before_governance.governance",
        threshold=2,
        client_writes=3,
        constitutions=CCF_CONSTITUTIONS,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    root = tmp_path_factory.mktemp("recovery")
    old = old_service(root / "old")
    new = run_governed(
        root / "new",
        EXAMPLES / "recovery.governance",
        seed=1,
        nodes=2,
        recover_from=root / "old",
        constitutions=CCF_CONSTITUTIONS,
    )
    assert old.failure is None and new.failure is None
    return old, new


def shares(new: GovernedRun) -> dict[int, object]:
    return {cmd.line: outcome for cmd, outcome in new.outcomes if cmd.name == "share"}


def test_k_minus_one_shares_wait_and_a_corrupted_share_is_refused_alone(runs: Runs) -> None:
    _, new = runs
    by_line = shares(new)
    assert by_line[12] == {
        "submittedCount": 1,
        "recoveryThreshold": 2,
        "fullKeySubmitted": False,
        "message": "1/2 recovery shares successfully submitted.",
    }
    refused = by_line[16]
    assert isinstance(refused, RequestRefused) and refused.status == 500
    assert "Failed to initiate private recovery" in str(refused)
    good = by_line[20]
    assert isinstance(good, dict) and good["submittedCount"] == 2  # m0's share was kept
    # the kept shares are encrypted under the new ledger secret, never in plaintext
    stored = new.gov.store.state()[SUBMITTED_SHARES]
    assert len(stored) == 2 and all(len(v) == 12 + 44 + 16 for v in stored.values())


def test_the_recovered_service_holds_the_old_state_private_domain_included(runs: Runs) -> None:
    old, new = runs
    old_state, last = state_at_last_signature(old.out / "ledgers" / "0", old.ledgers.keys.secret)
    assert last == old.ledgers.ledger("0").signatures[-1]
    live = new.gov.store.state()
    private = {t for t in old_state if not t.startswith("public:")}
    assert private == {"app.data"}
    for table in private | {APP_PUBLIC_MAP}:
        assert live[table] == old_state[table]
    assert live["app.data"][b"data"] == b"client:tx2"
    assert new.ledgers.keys.secret != old.ledgers.keys.secret
    info = json.loads(live[Table.SERVICE_INFO][SINGLETON_KEY])
    assert info["status"] == "Open" and info["recovery_count"] == 1
    assert info["cert"] == new.ledgers.keys.service.cert_pem
    old_nodes = {n.node_id for n in old.ledgers.keys.nodes.values()}
    statuses = {k.decode(): json.loads(v)["status"] for k, v in live[Table.NODES_INFO].items()}
    assert {statuses[n] for n in old_nodes if n in statuses} == {"Retired"}
    # fresh shares of the new secret replace the old ones
    assert live[Table.RECOVERY_SHARES] != old.gov.store.state()[Table.RECOVERY_SHARES]


def old_receipt(old: GovernedRun, endorsements: tuple[str, ...]) -> dict[str, object]:
    ledger = old.ledgers.ledger("0")
    entry = next(e for e in ledger.entries() if APP_PUBLIC_MAP in e.public)
    after = next(s for s in ledger.signatures if s > entry.seqno)
    parts = LeafComponents(
        entry.write_set_digest,
        ledger.secret.commit_evidence(entry.view, entry.seqno),
        entry.claims_digest or ZERO_DIGEST,
    )
    return json_receipt(ledger.tree, entry.seqno, parts, signature_of(ledger, after), endorsements)


def test_receipts_issued_before_verify_through_the_endorsement_of_the_previous_identity(runs: Runs) -> None:
    old, new = runs
    endorsement = new.gov.store.get(PREVIOUS_IDENTITY_ENDORSEMENT, SINGLETON_KEY)
    assert endorsement is not None
    new_cert = x509.load_pem_x509_certificate(new.ledgers.keys.service.cert_pem.encode())
    old_cert = x509.load_pem_x509_certificate(old.ledgers.keys.service.cert_pem.encode())
    verify_json(old_receipt(old, ()), old_cert)
    verify_json(old_receipt(old, (endorsement.decode(),)), new_cert)
    with pytest.raises(ReceiptInvalid):  # without the endorsement the new identity does not vouch for it
        verify_json(old_receipt(old, ()), new_cert)


@pytest.mark.parametrize("node", ["0", "1"])
def test_recovered_ledgers_pass_read_ledger_and_the_auditor(runs: Runs, node: str) -> None:
    _, new = runs
    done = read_ledger(new.out / "ledgers" / node, "FULL")
    assert done.returncode == 0, done.stdout + done.stderr
    gov = replay_governance(new.out / "ledgers" / node, uncommitted=True)
    state = live_state(new)
    assert gov.service_status == state["service"] == "Open"
    assert {n: x.status for n, x in gov.nodes.items()} == state["nodes"]
    assert {m: x.status for m, x in gov.members.items()} == state["members"]


def test_shares_are_refused_unless_the_service_waits_for_them(runs: Runs, tmp_path: Path) -> None:
    old, _ = runs
    script = tmp_path / "early.governance"
    script.write_text("share m0\n")
    with pytest.raises(
        ScriptError, match=r"early.governance:1: share: refused: 403 ServiceNotWaitingForRecoveryShares"
    ):
        run_governed(tmp_path / "new", script, seed=2, recover_from=old.out, constitutions=CCF_CONSTITUTIONS)
    script.write_text("share m0\n")
    with pytest.raises(ScriptError, match=r"only a recovering service"):
        run_governed(tmp_path / "other", script, constitutions=CCF_CONSTITUTIONS)


def test_a_recovery_needs_its_own_keys_and_a_governed_run(runs: Runs, tmp_path: Path) -> None:
    old, _ = runs
    with pytest.raises(GovernanceRunError, match="another seed"):
        run_governed(tmp_path / "a", EXAMPLES / "recovery.governance", recover_from=old.out)
    with pytest.raises(GovernanceRunError, match="governance.json: seed"):
        run_governed(tmp_path / "b", EXAMPLES / "recovery.governance", seed=3, recover_from=tmp_path)


def test_member_encryption_keys_derive_from_the_seed() -> None:
    key = rsa_key_from_seed(b"seed", "m0")
    assert key.key_size == 2048
    assert key.private_numbers() == rsa_key_from_seed(b"seed", "m0").private_numbers()
    assert key.private_numbers() != rsa_key_from_seed(b"seed", "m1").private_numbers()
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    assert key.decrypt(key.public_key().encrypt(b"secret", oaep), oaep) == b"secret"


def test_the_auditor_recovers_the_old_ledger_secret_with_the_members_keys(runs: Runs) -> None:
    old, _ = runs
    args = ["audit", "ledger", str(old.out / "ledgers" / "0"), "--member-keys", str(old.out / "member_keys")]
    done = CliRunner().invoke(tracecheck_main, args)
    assert done.exit_code == 0, done.output
    assert "1 ledger secret(s)" in done.output and "3 private domains" in done.output


@pytest.mark.tlc
def test_the_raft_traces_of_both_services_are_accepted(runs: Runs) -> None:
    traces = [str(run.out / "raft_trace.ndjson") for run in runs]
    done = CliRunner().invoke(tracecheck_main, ["validate", "-j", "1", *traces])
    assert done.exit_code == 0, done.output
