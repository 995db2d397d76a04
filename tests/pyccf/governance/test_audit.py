"""The offline auditor's governance replay of the engine's write sets equals the live state."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pyccf.formats.governance import GovTable, ProposalState
from pyccf.formats.ledger import Table
from pyccf.governance.requests import member_from_seed
from pyccf.kv.store import Store, Transaction
from pyccf.kv.writeset import WriteSet
from tests.pyccf.governance.helpers import SEED, constitution, needs_constitutions, new_service, proposal
from tracecheck.audit.governance import _Replay
from tracecheck.audit.reader import Entry

pytestmark = needs_constitutions


def entry(seqno: int, ws: WriteSet) -> Entry:
    writes = {m.name: dict(m.changes()) for m in ws.maps()}
    return Entry(Path("live"), 0, b"", 0, seqno, 1, seqno, b"", b"", writes)


def genesis_entry(store: Store) -> Entry:
    writes: dict[str, dict[bytes, bytes | None]] = {t: dict(kvs) for t, kvs in store.state().items()}
    return Entry(Path("live"), 0, b"", 0, store.version, 1, store.version, b"", b"", writes)


def test_auditor_replay_equals_live_state() -> None:
    svc = new_service(3, active=False)
    replay = _Replay()
    replay.apply(genesis_entry(svc.store))
    log: list[WriteSet] = []

    def commit(tx: Transaction) -> WriteSet:
        ws = tx.commit()
        replay.apply(entry(svc.store.version, ws))
        log.append(ws)
        return ws

    svc.gov.commit = commit
    for name in svc.members:
        svc.activate(name)
    user = member_from_seed(SEED, "user0")
    newcomer = member_from_seed(SEED, "m3")
    dropped = svc.propose("m2", proposal(("set_recovery_threshold", {"recovery_threshold": 1}))).proposal_id
    for body in (
        proposal(("set_user", {"cert": user.cert_pem})),
        proposal(("set_member", {"cert": newcomer.cert_pem})),
        proposal(("set_member_data", {"member_id": "ab" * 32, "member_data": {}})),  # apply throws: Failed
        proposal(("set_constitution", {"constitution": constitution(veto=True)})),
        proposal(("transition_service_to_open", {"next_service_identity": svc.service_cert})),
    ):
        pid = svc.propose("m0", body).proposal_id
        svc.vote("m0", pid)
        svc.vote("m1", pid)
    gov = replay.gov
    live = svc.store.state()
    assert len(log) > 10
    # members and their statuses
    live_members = {k.decode(): json.loads(v)["status"] for k, v in live[GovTable.MEMBERS_INFO].items()}
    assert {m: x.status for m, x in gov.members.items()} == live_members
    assert live_members[newcomer.id] == "Accepted" and list(live_members.values()).count("Active") == 3
    assert set(gov.users) == {k.decode() for k in live[GovTable.USERS_CERTS]} == {user.id}
    assert gov.service_status == "Open" == json.loads(next(iter(live[Table.SERVICE_INFO].values())))["status"]
    source = json.loads(next(iter(live[GovTable.CONSTITUTION].values())))
    assert gov.constitution_digest == hashlib.sha256(source.encode()).hexdigest()
    # every proposal: the auditor keeps the history the KV pruned
    states = [str(p.state) for p in gov.proposals.values()]
    assert gov.proposals[dropped].state == ProposalState.DROPPED
    assert sorted(states) == sorted(["Accepted"] * 4 + ["Failed", "Dropped"])
    for key, raw in live[GovTable.PROPOSALS_INFO].items():
        assert gov.proposals[key.decode()].state == json.loads(raw)["state"]
        assert gov.proposals[key.decode()].final_votes == json.loads(raw).get("final_votes")
