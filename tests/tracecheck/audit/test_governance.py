"""Governance replayed from CCF's real ledgers equals what CCF's own ``ccf`` package says the public
tables hold at the end; the proposals keep their ballots and states; removals leave the state."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.oracle import oracle_json
from tests.paths import CCF_LEDGERS, ccf_ledger_names, needs_ccf_ledgers
from tracecheck.audit.governance import Governance, GovernanceReplay, replay_governance
from tracecheck.audit.reader import Entry, list_chunks, read_chunk
from tracecheck.cli import main

REAL = ccf_ledger_names()

ORACLE = """
import hashlib, json, os, sys
import ccf.ledger
folder = sys.argv[1]
paths = [os.path.join(folder, f) for f in sorted(os.listdir(folder))]
tables, seqno = ccf.ledger.Ledger(paths, committed_only=False).get_latest_public_state()
def t(name):
    return {k.decode(): v for k, v in tables.get("public:ccf.gov." + name, {}).items()}
info = json.loads(list(t("service.info").values())[0])
constitution = [json.loads(v) for v in t("constitution").values()]
print(json.dumps({
    "seqno": seqno,
    "members": {k: json.loads(v)["status"] for k, v in t("members.info").items()},
    "member_certs": {k: v.decode() for k, v in t("members.certs").items()},
    "recovery": sorted(t("members.encryption_public_keys")),
    "users": sorted(t("users.certs")),
    "nodes": {k: json.loads(v)["status"] for k, v in t("nodes.info").items()},
    "service": [info["status"], info["cert"]],
    "constitution": hashlib.sha256(constitution[0].encode()).hexdigest() if constitution else None,
    "proposals": {k: json.loads(v)["state"] for k, v in t("proposals_info").items()},
}))
"""


def oracle_state(folder: Path) -> Any:
    return oracle_json(ORACLE, str(folder))


def summary(gov: Governance) -> dict[str, Any]:
    """The replay's final state, in the oracle's shape."""
    return {
        "seqno": gov.seqno,
        "members": {m: member.status for m, member in gov.members.items()},
        "member_certs": {m: member.cert for m, member in gov.members.items()},
        "recovery": sorted(m for m, member in gov.members.items() if member.encryption_key),
        "users": sorted(gov.users),
        "nodes": {n: node.status for n, node in gov.nodes.items()},
        "service": [gov.service_status, gov.service_cert],
        "constitution": gov.constitution_digest,
    }


@pytest.mark.parametrize("name", REAL)
def test_the_final_state_is_the_oracles(name: str) -> None:
    folder = CCF_LEDGERS / name / "ledger"
    gov = replay_governance(folder, uncommitted=True)
    expected = oracle_state(folder)
    proposals = expected.pop("proposals")
    assert summary(gov) == expected
    assert gov.service_status == "Open" and gov.members and gov.nodes
    assert kept(gov) == proposals


@needs_ccf_ledgers
def test_proposals_with_ballots_and_states() -> None:
    gov = replay_governance(CCF_LEDGERS / "cose_flipflop_service" / "ledger", uncommitted=True)
    assert len(gov.proposals) == 3
    member = next(iter(gov.members))
    for p in gov.proposals.values():
        assert p.state == "Accepted" and p.proposer == member
        assert list(p.ballots) == [member] and p.final_votes == {member: True}
        assert [s for _, s in p.history] == ["Open", "Accepted"]
    kinds = {tuple(p.actions) for p in gov.proposals.values()}
    assert ("set_user", "transition_service_to_open") in kinds
    opened = [t for t, s in gov.service_history if s == "Open"]
    accepting = [p for p in gov.proposals.values() if "transition_service_to_open" in p.actions]
    assert opened == [accepting[0].history[-1][0]]  # the service opened in the accepting transaction


@needs_ccf_ledgers
def test_members_become_active_after_their_ack() -> None:
    gov = replay_governance(CCF_LEDGERS / "acme_containing_service" / "ledger", uncommitted=True)
    assert len(gov.members) == 3 and all(m.status == "Active" for m in gov.members.values())
    for mid in gov.members:
        statuses = [e.detail for e in gov.events if e.kind == "member" and e.subject == mid]
        assert statuses.index("status Accepted") < statuses.index("status Active")
        assert any(d.startswith("acknowledged") for d in statuses)
    (p,) = gov.proposals.values()
    assert p.state == "Accepted" and len(p.ballots) == 2 and p.final_votes is not None


class _NoRemovals(GovernanceReplay):
    """A broken replay: drops every removal from the write sets it sees."""

    def apply(self, entry: Entry) -> None:
        writes: dict[str, dict[bytes, bytes | None]] = {
            m: {k: v for k, v in kv.items() if v is not None} for m, kv in entry.writes.items()
        }
        super().apply(dataclasses.replace(entry, writes=writes))


def kept(gov: Governance) -> dict[str, str | None]:
    return {pid: p.state for pid, p in gov.proposals.items() if p.deleted is None}


@needs_ccf_ledgers
def test_closed_proposals_deleted_from_the_kv_as_the_oracle_says() -> None:
    folder = CCF_LEDGERS / "cose_flipflop_service" / "ledger"
    expected = oracle_state(folder)["proposals"]
    gov = replay_governance(folder, uncommitted=True)
    assert kept(gov) == expected and len(gov.proposals) > len(expected)  # the ledger keeps them all
    broken = _NoRemovals()
    for chunk in list_chunks(folder, uncommitted=True):
        for entry in read_chunk(chunk):
            broken.apply(entry)
    assert kept(broken.gov) != expected  # a replay ignoring removals is caught


def _entry(seqno: int, writes: dict[str, dict[bytes, bytes | None]]) -> Entry:
    return Entry(Path("x"), 0, b"", 0, seqno, 2, seqno, b"", b"", writes)


MEMBERS = "public:ccf.gov.members."


def _scripted(replay: GovernanceReplay) -> Governance:
    """A member added then removed, a user added then removed, a Pending node deleted."""
    info = json.dumps({"status": "Accepted"}).encode()
    node = json.dumps({"status": "Pending"}).encode()
    steps: list[dict[str, dict[bytes, bytes | None]]] = [
        {MEMBERS + "certs": {b"m1": b"PEM"}, MEMBERS + "info": {b"m1": info}},
        {"public:ccf.gov.users.certs": {b"u1": b"PEM"}, "public:ccf.gov.nodes.info": {b"n1": node}},
        {MEMBERS + "certs": {b"m1": None}, MEMBERS + "info": {b"m1": None}},
        {"public:ccf.gov.users.certs": {b"u1": None}, "public:ccf.gov.nodes.info": {b"n1": None}},
    ]
    for seqno, writes in enumerate(steps, 1):
        replay.apply(_entry(seqno, writes))
    return replay.gov


def test_removals_leave_the_state() -> None:
    gov = _scripted(GovernanceReplay())
    assert gov.members == {} and gov.users == {} and gov.nodes == {}
    assert [(e.txid, e.kind, e.detail) for e in gov.events if e.detail == "removed"] == [
        ("2.3", "member", "removed"),
        ("2.4", "user", "removed"),
        ("2.4", "node", "removed"),
    ]


def test_the_broken_replay_fails_the_removal_test() -> None:
    gov = _scripted(_NoRemovals())
    assert gov.members and gov.users and gov.nodes  # what test_removals_leave_the_state rejects


def test_malformed_governance_json_names_the_table() -> None:
    from tracecheck.audit.errors import MalformedLedger

    with pytest.raises(MalformedLedger, match="members.info") as caught:
        GovernanceReplay().apply(_entry(5, {MEMBERS + "info": {b"m1": b"{not json"}}))
    assert caught.value.seqno == 5 and "m1" in str(caught.value)


@pytest.mark.parametrize(
    ("table", "value", "field"),
    [
        (MEMBERS + "info", {"member_data": {}}, "'status'"),
        ("public:ccf.gov.nodes.info", {"status": 3}, "'status'"),
        ("public:ccf.gov.nodes.info", {"status": "Retired", "retired_committed": 1}, "'retired_committed'"),
        ("public:ccf.gov.proposals_info", {"state": "Open", "ballots": []}, "'ballots'"),
        ("public:ccf.gov.proposals_info", {"ballots": {}}, "'state'"),
        ("public:ccf.gov.proposals", {"actions": "set_user"}, "actions"),
        ("public:ccf.gov.service.info", {"status": "Open"}, "'cert'"),
    ],
)
def test_a_governance_value_of_the_wrong_shape_is_bad_input(table: str, value: Any, field: str) -> None:
    from tracecheck.audit.errors import MalformedLedger

    key = bytes(8) if table.endswith("service.info") else b"k1"
    with pytest.raises(MalformedLedger, match=field) as caught:
        GovernanceReplay().apply(_entry(7, {table: {key: json.dumps(value).encode()}}))
    assert caught.value.seqno == 7 and caught.value.field == table


@needs_ccf_ledgers
def test_cli_prints_the_timeline_and_json() -> None:
    folder = str(CCF_LEDGERS / "cose_flipflop_service" / "ledger")
    text = CliRunner().invoke(main, ["audit", "ledger", folder, "--uncommitted", "--governance"])
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0].startswith("verified")
    assert any("proposal" in line and "Accepted" in line for line in lines)
    assert "service Open" in lines[-1]
    done = CliRunner().invoke(main, ["audit", "ledger", folder, "--uncommitted", "--governance", "--json"])
    assert done.exit_code == 0, done.output
    doc = json.loads(done.output)
    assert doc["verified"] is True and doc["governance"]["service_status"] == "Open"
    assert len(doc["governance"]["proposals"]) == 3
    plain = CliRunner().invoke(main, ["audit", "ledger", folder, "--uncommitted", "--json"])
    assert "governance" not in json.loads(plain.output)


@needs_ccf_ledgers
def test_cli_governance_reads_the_ledger_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The replay is fed by the audit's own pass: every chunk is read once, and the replay equals the
    standalone one."""
    import tracecheck.audit.ledger as audit_module

    folder = CCF_LEDGERS / "cose_flipflop_service" / "ledger"
    reads: list[str] = []
    real = audit_module.read_chunk

    def counted(chunk):  # type: ignore[no-untyped-def]
        reads.append(chunk.path.name)
        return real(chunk)

    monkeypatch.setattr(audit_module, "read_chunk", counted)
    monkeypatch.setattr("tracecheck.audit.governance.read_chunk", counted)
    args = ["audit", "ledger", str(folder), "--uncommitted", "--governance", "--json"]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 0, done.output
    assert reads and len(reads) == len(set(reads))
    standalone = replay_governance(folder, uncommitted=True)
    assert json.loads(done.output)["governance"] == json.loads(json.dumps(standalone.to_json()))


def test_a_pyccf_service_runs_joins_and_retirements(tmp_path: Path) -> None:
    from pyccf.service.run import run_service

    run = run_service(tmp_path / "run", nodes=3, txs=20, seed=3, faults=0.6)
    folder = tmp_path / "exp"
    upto = run.longest.export_committed(folder)
    gov = replay_governance(folder)
    assert gov.seqno == upto
    expected = oracle_state(folder)
    assert {n: node.status for n, node in gov.nodes.items()} == expected["nodes"]
    assert [gov.service_status, gov.service_cert] == expected["service"]
    assert len(gov.nodes) >= 4  # three founders and at least one joiner
    assert all(node.history[0][1] == "Trusted" for node in gov.nodes.values())
    retired = {n for n, node in gov.nodes.items() if node.status == "Retired"}
    assert retired and all([s for _, s in gov.nodes[n].history] == ["Trusted", "Retired"] for n in retired)
    committed = {n for n, node in gov.nodes.items() if node.retired_committed}
    assert committed and committed <= retired
    for n in committed:
        details = [e.detail for e in gov.events if e.kind == "node" and e.subject == n]
        assert details == ["Trusted", "Retired", "retirement committed"]


def test_cli_bad_governance_json_is_bad_input(tmp_path: Path) -> None:
    from pyccf.kv.store import Transaction
    from pyccf.ledger.secrets import LedgerSecret
    from pyccf.service.writer import ServiceWriter
    from tests.tracecheck.audit.test_ledger import NODE, SERVICE, START

    writer = ServiceWriter(tmp_path / "l", SERVICE, NODE, LedgerSecret.from_seed(b"gov"), START)
    writer.genesis(encryption_pub_key=NODE.public_key_pem)

    def body(tx: Transaction) -> None:
        tx.put(MEMBERS + "info", b"m1", b"{not json")

    writer.execute(body)
    writer.sign()
    writer.commit()
    plain = CliRunner().invoke(main, ["audit", "ledger", str(writer.folder), "--uncommitted"])
    assert plain.exit_code == 0, plain.output  # the ledger itself verifies
    done = CliRunner().invoke(main, ["audit", "ledger", str(writer.folder), "--uncommitted", "--governance"])
    assert done.exit_code == 2, done.output
    assert "public:ccf.gov.members.info" in done.output and "m1: not JSON" in done.output
    assert "Traceback" not in done.output


@needs_ccf_ledgers
def test_the_constitution_in_force_is_the_last_one_set() -> None:
    import hashlib

    replay = GovernanceReplay()
    for seqno, source in [(1, "export function resolve() {}"), (4, "export function resolve() { 1 }")]:
        replay.apply(_entry(seqno, {"public:ccf.gov.constitution": {bytes(8): json.dumps(source).encode()}}))
    replay.apply(_entry(5, {"public:ccf.gov.users.certs": {b"u": b"PEM"}}))
    gov = replay.gov
    assert gov.constitution_txid == "2.4"
    assert gov.constitution_digest == hashlib.sha256(b"export function resolve() { 1 }").hexdigest()
