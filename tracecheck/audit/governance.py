"""Replay governance from a ledger's plaintext ``public:ccf.gov.*`` tables, in seqno order.

The tables say who may govern (members, their keys and acknowledgements), who is served (users), which
nodes run the service and in which status, the service's identity and status, the constitution in force
and every proposal with its ballots. A replay rebuilds that state transaction by transaction, so each
event carries the TxID that made it; a key removed in a write set leaves the state (CCF deletes closed
proposals from the KV, but the ledger keeps them: their history stays here).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pyccf.formats.governance import GovTable
from pyccf.formats.ledger import SINGLETON_KEY, Table
from tracecheck.audit.errors import AuditFailure, MalformedLedger
from tracecheck.audit.reader import Entry, list_chunks, read_chunk
from tracecheck.audit.requests import SignedRequest, check_requests

__all__ = ["Event", "Governance", "Member", "Node", "Proposal", "replay_governance"]

MEMBERS_CERTS, MEMBERS_INFO, MEMBERS_ACKS = (
    GovTable.MEMBERS_CERTS,
    GovTable.MEMBERS_INFO,
    GovTable.MEMBERS_ACKS,
)
MEMBERS_KEYS, USERS_CERTS = Table.MEMBERS_ENCRYPTION_PUBLIC_KEYS, GovTable.USERS_CERTS
CONSTITUTION, PROPOSALS, PROPOSALS_INFO = GovTable.CONSTITUTION, GovTable.PROPOSALS, GovTable.PROPOSALS_INFO


@dataclass(frozen=True)
class Event:
    """One governance change: the transaction that made it, what changed and how."""

    txid: str
    kind: str  # member, user, node, service, constitution, proposal, ballot
    subject: str
    detail: str


@dataclass
class Member:
    id: str
    cert: str | None = None
    encryption_key: str | None = None  # present: a recovery member
    status: str | None = None  # Accepted, Active
    recovery_role: str | None = None
    state_digest: str | None = None  # the digest the member acknowledged (or is asked to)


@dataclass
class Node:
    id: str
    status: str
    retired_committed: bool = False
    history: list[tuple[str, str]] = field(default_factory=list)  # (txid, status)


@dataclass
class Proposal:
    id: str
    proposer: str | None = None
    created: str | None = None  # the TxID that first wrote it
    actions: list[str] = field(default_factory=list)
    state: str | None = None
    ballots: dict[str, str] = field(default_factory=dict)  # member -> TxID of the ballot's first sight
    final_votes: dict[str, bool] | None = None
    history: list[tuple[str, str]] = field(default_factory=list)  # (txid, state)
    deleted: str | None = None  # the TxID that removed it from the KV (closed proposals are pruned)


@dataclass
class Governance:
    """The replayed state at the last seqno read, and the timeline that led there."""

    seqno: int = 0
    members: dict[str, Member] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)  # user id -> certificate PEM
    nodes: dict[str, Node] = field(default_factory=dict)
    service_status: str | None = None
    service_cert: str | None = None
    service_history: list[tuple[str, str]] = field(default_factory=list)  # (txid, status)
    constitution_txid: str | None = None
    constitution_digest: str | None = None  # SHA-256 hex of the JS source in force
    proposals: dict[str, Proposal] = field(default_factory=dict)  # every proposal ever seen
    events: list[Event] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["events"] = [asdict(e) for e in self.events]
        return out


def _bad(entry: Entry, table: str, message: str) -> MalformedLedger:
    return MalformedLedger(message, file=entry.file, offset=entry.offset, seqno=entry.seqno, field=table)


def _json(entry: Entry, table: str, key: str, value: bytes) -> Any:
    try:
        return json.loads(value)
    except (ValueError, UnicodeDecodeError):
        raise _bad(entry, table, f"key {key}: not JSON") from None


def _obj(entry: Entry, table: str, key: str, value: bytes) -> dict[str, Any]:
    doc = _json(entry, table, key, value)
    if not isinstance(doc, dict):
        raise _bad(entry, table, f"key {key}: not a JSON object")
    return doc


def _field(
    entry: Entry, table: str, key: str, doc: dict[str, Any], name: str, kind: type, *, optional: bool = False
) -> Any:
    """``doc[name]`` if it has the JSON type CCF writes (None when optional and absent)."""
    value = doc.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, kind):
        raise _bad(entry, table, f"key {key}: {name!r} is not a {kind.__name__}")
    return value


#: Older CCF records signed HTTP requests here instead of COSE ones; their ballots are not checked.
LEGACY_HISTORY = GovTable.HISTORY


class GovernanceReplay:
    """The governance tables replayed entry by entry (``apply``), their state in ``gov``: fed by
    :func:`replay_governance` or, during an audit, by ``audit_ledger(observe=...)``."""

    def __init__(self) -> None:
        self.gov = Governance()
        self.signed_ballots: dict[tuple[str, str], SignedRequest] = {}

    def event(self, txid: str, kind: str, subject: str, detail: str) -> None:
        self.gov.events.append(Event(txid, kind, subject, detail))

    def member(self, key: str) -> Member:
        return self.gov.members.setdefault(key, Member(key))

    def apply(self, entry: Entry) -> None:
        txid = f"{entry.view}.{entry.seqno}"
        self.gov.seqno = entry.seqno
        w = entry.writes
        self.signed_ballots = {}
        if GovTable.COSE_HISTORY in w or MEMBERS_ACKS in w:  # signed by the members in office before this tx
            certs = {mid: m.cert for mid, m in self.gov.members.items() if m.cert is not None}
            self.signed_ballots = check_requests(entry, certs)
        for key, value in w.get(MEMBERS_CERTS, {}).items():
            mid = key.decode(errors="replace")
            if value is None:
                if self.gov.members.pop(mid, None) is not None:
                    self.event(txid, "member", mid, "removed")
                continue
            self.member(mid).cert = value.decode(errors="replace")
            self.event(txid, "member", mid, "certificate set")
        for key, value in w.get(MEMBERS_KEYS, {}).items():
            mid = key.decode(errors="replace")
            if mid in self.gov.members or value is not None:
                self.member(mid).encryption_key = None if value is None else value.decode(errors="replace")
        for key, value in w.get(MEMBERS_INFO, {}).items():
            mid = key.decode(errors="replace")
            if value is None:
                if mid in self.gov.members:
                    self.gov.members[mid].status = None
                continue
            info = _obj(entry, MEMBERS_INFO, mid, value)
            m = self.member(mid)
            status = _field(entry, MEMBERS_INFO, mid, info, "status", str)
            m.recovery_role = _field(entry, MEMBERS_INFO, mid, info, "recovery_role", str, optional=True)
            if status != m.status:
                self.event(txid, "member", mid, f"status {status}")
            m.status = status
        for key, value in w.get(MEMBERS_ACKS, {}).items():
            mid = key.decode(errors="replace")
            if value is None:
                if mid in self.gov.members:
                    self.gov.members[mid].state_digest = None
                continue
            ack = _obj(entry, MEMBERS_ACKS, mid, value)
            digest = _field(entry, MEMBERS_ACKS, mid, ack, "state_digest", str, optional=True)
            self.member(mid).state_digest = digest
            signed = "cose_sign1_req" in ack or "signed_req" in ack
            if digest:
                self.event(txid, "member", mid, f"{'acknowledged' if signed else 'asked to sign'} {digest}")
        for key, value in w.get(USERS_CERTS, {}).items():
            uid = key.decode(errors="replace")
            if value is None:
                self.gov.users.pop(uid, None)
                self.event(txid, "user", uid, "removed")
            else:
                self.gov.users[uid] = value.decode(errors="replace")
                self.event(txid, "user", uid, "added")
        self.nodes(entry, txid)
        self.service(entry, txid)
        self.constitution(entry, txid)
        self.proposals(entry, txid)

    def nodes(self, entry: Entry, txid: str) -> None:
        for key, value in entry.writes.get(Table.NODES_INFO, {}).items():
            nid = key.decode(errors="replace")
            if value is None:
                if self.gov.nodes.pop(nid, None) is not None:
                    self.event(txid, "node", nid, "removed")
                continue
            info = _obj(entry, Table.NODES_INFO, nid, value)
            status = _field(entry, Table.NODES_INFO, nid, info, "status", str)
            committed = _field(entry, Table.NODES_INFO, nid, info, "retired_committed", bool, optional=True)
            committed = bool(committed)
            node = self.gov.nodes.get(nid)
            if node is None:
                node = self.gov.nodes[nid] = Node(nid, status)
            elif node.status == status and node.retired_committed == committed:
                continue
            if node.history and node.status == status:
                self.event(txid, "node", nid, "retirement committed")
            else:
                node.history.append((txid, status))
                self.event(txid, "node", nid, status)
            node.status, node.retired_committed = status, committed

    def service(self, entry: Entry, txid: str) -> None:
        value = entry.writes.get(Table.SERVICE_INFO, {}).get(SINGLETON_KEY, b"absent")
        if value == b"absent":
            return
        if value is None:
            self.gov.service_status = self.gov.service_cert = None
            self.event(txid, "service", "info", "removed")
            return
        info = _obj(entry, Table.SERVICE_INFO, "service", value)
        status = _field(entry, Table.SERVICE_INFO, "service", info, "status", str)
        cert = _field(entry, Table.SERVICE_INFO, "service", info, "cert", str)
        if cert != self.gov.service_cert:
            self.event(txid, "service", "identity", "certificate set")
        if status != self.gov.service_status:
            self.gov.service_history.append((txid, str(status)))
            self.event(txid, "service", "status", str(status))
        self.gov.service_status, self.gov.service_cert = status, cert

    def constitution(self, entry: Entry, txid: str) -> None:
        changes = entry.writes.get(CONSTITUTION, {})
        if SINGLETON_KEY not in changes:
            return
        value = changes[SINGLETON_KEY]
        if value is None:
            self.gov.constitution_txid = self.gov.constitution_digest = None
            self.event(txid, "constitution", "constitution", "removed")
            return
        source = _json(entry, CONSTITUTION, "constitution", value)
        if not isinstance(source, str):
            raise _bad(entry, CONSTITUTION, "not a JSON string")
        self.gov.constitution_txid = txid
        self.gov.constitution_digest = hashlib.sha256(source.encode()).hexdigest()
        self.event(txid, "constitution", "constitution", f"set, sha256 {self.gov.constitution_digest}")

    def proposal(self, pid: str, txid: str) -> Proposal:
        p = self.gov.proposals.get(pid)
        if p is None:
            p = self.gov.proposals[pid] = Proposal(pid, created=txid)
        return p

    def proposals(self, entry: Entry, txid: str) -> None:
        for key, value in entry.writes.get(PROPOSALS, {}).items():
            if value is None:  # a closed proposal deleted from the KV: its history stays
                continue
            pid = key.decode(errors="replace")
            actions = _obj(entry, PROPOSALS, pid, value).get("actions")
            if not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions):
                raise _bad(entry, PROPOSALS, f"key {pid}: actions is not a list of objects")
            self.proposal(pid, txid).actions = [str(a.get("name")) for a in actions]
        for key, value in entry.writes.get(PROPOSALS_INFO, {}).items():
            pid = key.decode(errors="replace")
            if value is None:
                if pid in self.gov.proposals:
                    self.gov.proposals[pid].deleted = txid
                    self.event(txid, "proposal", pid, "deleted from the KV")
                continue
            info = _obj(entry, PROPOSALS_INFO, pid, value)
            p = self.proposal(pid, txid)
            proposer = _field(entry, PROPOSALS_INFO, pid, info, "proposer_id", str, optional=True)
            p.proposer = proposer or p.proposer
            ballots = _field(entry, PROPOSALS_INFO, pid, info, "ballots", dict, optional=True) or {}
            for mid in ballots:
                if mid not in p.ballots:
                    if (pid, mid) not in self.signed_ballots and LEGACY_HISTORY not in entry.writes:
                        raise AuditFailure(
                            f"proposal {pid}: ballot by {mid} without that member's signed ballot",
                            file=entry.file, offset=entry.offset, seqno=entry.seqno, field=PROPOSALS_INFO,
                        )  # fmt: skip
                    p.ballots[mid] = txid
                    self.event(txid, "ballot", pid, f"by {mid}")
            state = _field(entry, PROPOSALS_INFO, pid, info, "state", str)
            final = _field(entry, PROPOSALS_INFO, pid, info, "final_votes", dict, optional=True)
            if final is not None:
                p.final_votes = {str(k): bool(v) for k, v in final.items()}
            if state != p.state:
                p.history.append((txid, state))
                what = f"{state} ({', '.join(p.actions)})" if p.state is None and p.actions else state
                self.event(txid, "proposal", pid, what if p.state is None else state)
                p.state = state


def replay_governance(folder: Path, *, uncommitted: bool = False) -> Governance:
    """Replay the governance tables of the ledger in ``folder``; MalformedLedger on unreadable input."""
    replay = GovernanceReplay()
    for chunk in list_chunks(folder, uncommitted=uncommitted):
        for entry in read_chunk(chunk):
            replay.apply(entry)
    return replay.gov


def timeline(gov: Governance) -> list[str]:
    """The human timeline: one line per event, then the final state."""
    lines = [f"{e.txid:>10}  {e.kind:<12} {e.subject[:16]:<16} {e.detail}" for e in gov.events]
    active = sum(1 for m in gov.members.values() if m.status == "Active")
    lines.append(
        f"at seqno {gov.seqno}: service {gov.service_status}, {len(gov.members)} members ({active} active), "
        f"{len(gov.users)} users, nodes "
        + ", ".join(f"{n[:8]} {node.status}" for n, node in sorted(gov.nodes.items()))
        + f"; constitution from {gov.constitution_txid}; {len(gov.proposals)} proposals"
    )
    return lines
