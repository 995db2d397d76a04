"""A small governed service for the tests: a store with CCF's genesis, members signing requests."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from pyccf.formats.governance import GovTable, MsgType
from pyccf.formats.ledger import SINGLETON_KEY, Table
from pyccf.governance.constitution import constitution_source
from pyccf.governance.engine import Governance, Outcome, genesis_writes
from pyccf.governance.requests import Member, member_from_seed
from pyccf.kv.store import Store
from pyccf.service.identity import derive_key, service_identity
from pyccf.service.signing import json_bytes
from tests.paths import CCF_CONSTITUTIONS

SEED = b"governance tests"
ROOT = bytes(range(32))
YES = "export function vote (proposal, proposerId) { return true }"
NO = "export function vote (proposal, proposerId) { return false }"

needs_constitutions = pytest.mark.skipif(
    not CCF_CONSTITUTIONS.is_dir(), reason=f"CCF's constitutions not found at {CCF_CONSTITUTIONS}"
)


def constitution(*, veto: bool = False) -> str:
    return constitution_source(CCF_CONSTITUTIONS, veto=veto)


def proposal(*actions: tuple[str, dict[str, Any] | None]) -> bytes:
    body = [{"name": n} if a is None else {"name": n, "args": a} for n, a in actions]
    return json.dumps({"actions": body}).encode()


@dataclass
class Service:
    """A store after genesis, the governance frontend over it and its members by name."""

    gov: Governance
    members: dict[str, Member]
    service_cert: str
    clock: int = 1_700_000_000
    extra: dict[str, Member] = field(default_factory=dict)

    @property
    def store(self) -> Store:
        return self.gov.store

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    def activate(self, name: str) -> None:
        m = self.members.get(name) or self.extra[name]
        digest = self.gov.update_state_digest(m.id, m.sign(MsgType.STATE_DIGEST, b"", created_at=self.tick()))
        body = json.dumps({"stateDigest": digest}).encode()
        self.gov.ack(m.id, m.sign(MsgType.ACK, body, created_at=self.tick()))

    def propose(self, name: str, body: bytes, *, created_at: int | None = None) -> Outcome:
        at = self.tick() if created_at is None else created_at
        return self.gov.propose(self.members[name].sign(MsgType.PROPOSAL, body, created_at=at))

    def vote(self, name: str, pid: str, ballot: str = YES) -> Outcome:
        m = self.members[name]
        body = json.dumps({"ballot": ballot}).encode()
        return self.gov.ballot(
            pid, m.id, m.sign(MsgType.BALLOT, body, created_at=self.tick(), proposal_id=pid)
        )

    def withdraw(self, name: str, pid: str) -> Outcome | None:
        m = self.members[name]
        return self.gov.withdraw(
            pid, m.sign(MsgType.WITHDRAWAL, b"", created_at=self.tick(), proposal_id=pid)
        )

    def info(self, pid: str) -> dict[str, Any]:
        raw = self.store.get(GovTable.PROPOSALS_INFO, pid.encode())
        assert raw is not None, f"no proposals_info for {pid}"
        return json.loads(raw)

    def member_info(self, member: Member) -> dict[str, Any] | None:
        raw = self.store.get(GovTable.MEMBERS_INFO, member.id.encode())
        return None if raw is None else json.loads(raw)

    def service_status(self) -> str:
        raw = self.store.get(Table.SERVICE_INFO, SINGLETON_KEY)
        assert raw is not None
        return str(json.loads(raw)["status"])


@functools.cache
def encryption_key(name: str) -> str:
    """An RSA public key PEM for a recovery member (random: only its presence matters here)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


def new_service(
    count: int = 3,
    *,
    veto: bool = False,
    source: str | None = None,
    active: bool = True,
    recovery: int = 0,
    threshold: int = 1,
) -> Service:
    """A service with ``count`` members (m0, m1, ...), all Active unless ``active`` is False; the first
    ``recovery`` of them recovery members, ``threshold`` the recovery threshold."""
    members = {
        f"m{i}": member_from_seed(
            SEED, f"m{i}", encryption_pub_key=encryption_key(f"m{i}") if i < recovery else None
        )
        for i in range(count)
    }
    service = service_identity(derive_key(SEED, "service"), not_before=datetime(2025, 1, 1, tzinfo=UTC))
    store = Store()
    tx = store.begin()
    source = constitution(veto=veto) if source is None else source
    writes = genesis_writes(source, list(members.values()), recovery_threshold=threshold)
    writes[Table.SERVICE_INFO] = {SINGLETON_KEY: json_bytes({"cert": service.cert_pem, "status": "Opening"})}
    writes[Table.SIGNATURES] = {SINGLETON_KEY: json_bytes({"root": ROOT.hex(), "seqno": 1, "view": 1})}
    for table, kvs in writes.items():
        for k, v in kvs.items():
            tx.put(table, k, v)
    tx.commit()
    svc = Service(Governance(store), members, service.cert_pem)
    if active:
        for name in members:
            svc.activate(name)
    return svc
