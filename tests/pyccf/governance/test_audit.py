"""A governed service's ledger: CCF's read_ledger verifies it, and the offline auditor's governance
replay equals the live state (members, users, service status, constitution, every proposal)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pyccf.formats.governance import GovTable, MsgType, ProposalState
from pyccf.formats.ledger import SINGLETON_KEY, Table
from pyccf.governance.engine import Governance, genesis_writes
from pyccf.governance.requests import member_from_seed
from pyccf.kv.store import Transaction
from pyccf.ledger.secrets import LedgerSecret
from pyccf.service.identity import derive_key, node_identity, service_identity
from pyccf.service.writer import ServiceWriter
from tests.oracle import read_ledger
from tests.pyccf.governance.helpers import SEED, YES, constitution, needs_constitutions, proposal
from tracecheck.audit.governance import replay_governance

pytestmark = needs_constitutions
START = datetime(2025, 1, 1, tzinfo=UTC)
LONG = timedelta(days=365 * 200)  # the oracle checks certificates at the real time


Governed = tuple[ServiceWriter, Governance, dict[str, str]]


@pytest.fixture(scope="module")
def governed(tmp_path_factory: pytest.TempPathFactory) -> Governed:
    return write_governed(tmp_path_factory.mktemp("governed"))


def write_governed(folder: Path) -> Governed:
    """A one-node service whose members govern it through CCF's default, then veto, constitution."""
    service = service_identity(derive_key(SEED, "service"), not_before=START, validity=LONG)
    node = node_identity(derive_key(SEED, "node"), service, not_before=START, validity=LONG)
    writer = ServiceWriter(
        folder,
        service,
        node,
        LedgerSecret.from_seed(SEED),
        START,
        signature_every=4,
    )
    writer.genesis(encryption_pub_key=node.public_key_pem)
    members = {f"m{i}": member_from_seed(SEED, f"m{i}") for i in range(3)}

    def genesis(tx: Transaction) -> None:
        for table, kvs in genesis_writes(constitution(), list(members.values())).items():
            for k, v in kvs.items():
                tx.put(table, k, v)

    writer.execute(genesis)
    writer.sign()
    gov = Governance(writer.store, execute=writer.execute)
    clock = iter(range(1_700_000_000, 1_800_000_000))
    for m in members.values():
        digest = gov.update_state_digest(m.id, m.sign(MsgType.STATE_DIGEST, b"", created_at=next(clock)))
        body = json.dumps({"stateDigest": digest}).encode()
        gov.ack(m.id, m.sign(MsgType.ACK, body, created_at=next(clock)))

    def run(proposer: str, body: bytes, voters: tuple[str, ...]) -> str:
        pid = gov.propose(members[proposer].sign(MsgType.PROPOSAL, body, created_at=next(clock))).proposal_id
        for name in voters:
            m = members[name]
            ballot = json.dumps({"ballot": YES}).encode()
            gov.ballot(pid, m.id, m.sign(MsgType.BALLOT, ballot, created_at=next(clock), proposal_id=pid))
        return pid

    user, newcomer = member_from_seed(SEED, "user0"), member_from_seed(SEED, "m3")
    pids = {
        "dropped": run("m2", proposal(("set_recovery_threshold", {"recovery_threshold": 1})), ()),
        "user": run("m0", proposal(("set_user", {"cert": user.cert_pem})), ("m0", "m1")),
        "member": run("m0", proposal(("set_member", {"cert": newcomer.cert_pem})), ("m0", "m1")),
        "failed": run(
            "m0", proposal(("set_member_data", {"member_id": "ab" * 32, "member_data": {}})), ("m0", "m1")
        ),
        "veto": run(
            "m1", proposal(("set_constitution", {"constitution": constitution(veto=True)})), ("m0", "m1")
        ),
        "open": run(
            "m0",
            proposal(("transition_service_to_open", {"next_service_identity": service.cert_pem})),
            ("m0", "m2"),
        ),
    }
    writer.sign()
    writer.commit()
    return writer, gov, pids


def test_ccf_read_ledger_verifies_the_governed_ledger(
    governed: Governed,
) -> None:
    writer, _, _ = governed
    done = read_ledger(writer.folder, "FULL")
    assert done.returncode == 0, done.stdout + done.stderr


def test_auditor_replay_equals_live_state(governed: Governed) -> None:
    writer, _, pids = governed
    gov = replay_governance(writer.folder, uncommitted=True)  # one open chunk
    live = writer.store.state()
    live_members = {k.decode(): json.loads(v)["status"] for k, v in live[GovTable.MEMBERS_INFO].items()}
    assert {m: x.status for m, x in gov.members.items()} == live_members
    assert sorted(live_members.values()) == ["Accepted", "Active", "Active", "Active"]
    assert set(gov.users) == {k.decode() for k in live[GovTable.USERS_CERTS]}
    assert len(gov.users) == 1
    assert gov.service_status == "Open" == json.loads(live[Table.SERVICE_INFO][SINGLETON_KEY])["status"]
    source = json.loads(live[GovTable.CONSTITUTION][SINGLETON_KEY])
    assert "veto" in source and gov.constitution_digest == hashlib.sha256(source.encode()).hexdigest()
    expected = {
        "dropped": ProposalState.DROPPED,
        "user": ProposalState.ACCEPTED,
        "member": ProposalState.ACCEPTED,
        "failed": ProposalState.FAILED,
        "veto": ProposalState.ACCEPTED,
        "open": ProposalState.ACCEPTED,
    }
    assert {name: gov.proposals[pid].state for name, pid in pids.items()} == expected
    for key, raw in live[GovTable.PROPOSALS_INFO].items():  # those still in the KV agree in detail
        assert gov.proposals[key.decode()].final_votes == json.loads(raw).get("final_votes")
    assert gov.proposals[pids["dropped"]].deleted is not None  # pruned from the KV, kept by the ledger


def test_a_governed_run_replays_byte_for_byte(governed: Governed, tmp_path: Path) -> None:
    again, _, pids = write_governed(tmp_path)
    assert pids == governed[2]
    names = sorted(p.name for p in governed[0].folder.iterdir())
    assert names == sorted(p.name for p in again.folder.iterdir()) and names
    for name in names:
        assert (governed[0].folder / name).read_bytes() == (again.folder / name).read_bytes()
