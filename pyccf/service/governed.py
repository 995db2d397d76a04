"""A governed multi-node service: CCF's members run it by signed requests under CCF's own constitution.

The service-creating transaction (seqno 1) holds, besides the service and the first node, what CCF's
``/create`` writes for governance: the constitution, the initial members (``Accepted``), the service
config, and the genesis node's virtual measurement and host data on the allowlists. Every governance
request (acknowledgement, proposal, ballot, withdrawal) is then one transaction of the primary: the
engine runs it on the primary's store, and its write set travels through the consensus core as an
ordinary entry, so every node's ledger holds it and the auditor replays it.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pyccf.consensus.node import Node
from pyccf.errors import PyccfError
from pyccf.formats.attestation import VIRTUAL_MEASUREMENT
from pyccf.formats.governance import GovTable, MsgType
from pyccf.formats.ledger import SINGLETON_KEY, NodeStatus, ServiceStatus, Table
from pyccf.formats.raft_trace import EntryType
from pyccf.governance.engine import Governance
from pyccf.governance.engine import genesis_writes as governance_genesis_writes
from pyccf.governance.requests import Member, RequestRefused, verify_request
from pyccf.governance.script import Command as ScriptCommand
from pyccf.kv.store import Transaction
from pyccf.kv.writeset import WriteSet
from pyccf.ledger.entry import read_entry, serialise_entry
from pyccf.ledger.sharing import PRIME, RecoveryShares, Share, decrypt_share
from pyccf.service.identity import spki_der
from pyccf.service.join import (
    JOIN_OPTIONS,
    check_join,
    join_writes,
    service_status,
    trusted_after,
    virtual_quote,
)
from pyccf.service.recovery import (
    Recovery,
    issue_shares,
    recovery_create_writes,
    rsa_key_from_seed,
)
from pyccf.service.replicated import ReplicatedLedgers, write_set_of
from pyccf.service.signing import Writes
from pyccf.service.writer import entry_input, writes_to_write_set
from pyccf.sim.commands import (
    CleanupNodes,
    Command,
    DispatchAll,
    EmitSignature,
    LoopUntilSync,
    Replicate,
    SwapNodes,
    TrustNodes,
)
from pyccf.sim.driver import ScenarioDriver
from pyccf.tee import QuoteInfo, verify_quote
from pyccf.tee import genesis_writes as attestation_genesis_writes

#: Where CCF's sample constitutions are (``default/``, ``virtual/``, ``veto/``) unless given: in the
#: shared reference data (``$PYCCF_SHARED``, by default ``../shared``, as the tests find it).
DEFAULT_CONSTITUTIONS = Path(os.environ.get("PYCCF_SHARED", "../shared")) / "ccf_constitutions"
#: The data of the consensus entries that carry governance transactions (in the raft trace only).
GOVERNANCE_DATA = "governance"
#: Scenario node ids a script may name (``$node.<n>.id``): 0 to 8, as ``service run --nodes``.
MAX_NODES = 9
#: The first ``created_at`` of the members' requests (a fixed clock: runs replay byte for byte).
GOVERNANCE_CLOCK = 1_700_000_000


class GovernanceRunError(PyccfError):
    """A governed run that cannot go on: no primary for a request, or its entry not appended."""


def merge_writes(ws: WriteSet, extra: Writes) -> WriteSet:
    """``ws`` with ``extra``'s tables added (a table in both: ``extra``'s keys win)."""
    changes: dict[str, dict[bytes, bytes | None]] = {}
    for m in [*ws.public, *ws.private]:
        values: dict[bytes, bytes | None] = dict(m.writes)
        values.update((k, None) for k in m.removes)
        changes[m.name] = values
    for table, kvs in extra.items():
        changes.setdefault(str(table), {}).update(kvs)
    return WriteSet.of({t: dict(sorted(v.items())) for t, v in changes.items()})


@dataclass
class GovernedLedgers(ReplicatedLedgers):
    """Replicated ledgers whose genesis also creates governance, and whose entries can carry governance
    transactions: ``pending`` is the write set the next governance entry of the primary serialises."""

    genesis_extra: Writes = field(default_factory=dict)
    pending: tuple[EntryType, WriteSet] | None = None  # the entry kind that carries it

    def payload(self, leader: Node, kind: EntryType, data: str, nodes: tuple[str, ...]) -> bytes:
        view, seqno = leader.current_view, leader.last_idx + 1
        if self.pending is not None and kind is self.pending[0]:
            self.ledger(leader.node_id).sync(leader.log[: leader.last_idx], leader.commit_idx)
            ws, self.pending = self.pending[1], None
            return serialise_entry(entry_input(view, seqno, ws), self.keys.secret)[0].data
        raw = super().payload(leader, kind, data, nodes)
        if seqno != 1 or not self.genesis_extra:
            return raw
        entry = read_entry(raw, 0, "genesis", self.keys.secret)  # what the service writes, plus governance
        ws = merge_writes(write_set_of(entry), self.genesis_extra)
        return serialise_entry(entry_input(view, seqno, ws, entry.flags), self.keys.secret)[0].data

    def genesis_governance(
        self, constitution: str, members: list[Member], node_id: str, threshold: int | None = None
    ) -> None:
        """Governance's part of the create transaction, as CCF's ``/create``: constitution, members and
        config, and the first node's own attestation on the allowlists."""
        self.genesis_extra = {
            **governance_genesis_writes(constitution, members, recovery_threshold=threshold or 1),
            **self._own_attestation(node_id),
        }

    def genesis_recovery(self, old_public: dict[str, dict[bytes, bytes]], node_id: str) -> None:
        """The recovering service's create transaction: the old public domain, old nodes retired,
        ``Recovering``, and the first node's own attestation."""
        writes = recovery_create_writes(old_public, self.keys.service)
        for table, kvs in self._own_attestation(node_id).items():
            writes.setdefault(table, {}).update(kvs)
        self.genesis_extra = writes

    def _own_attestation(self, node_id: str) -> Writes:
        quote = QuoteInfo.from_json(self.keys.info(node_id)["quote_info"])
        return attestation_genesis_writes(verify_quote(quote))


@dataclass
class GovernedService:
    """The driver, the ledgers and the governance engine of one run; each request is one transaction
    of the primary, signed every ``signature_every`` requests."""

    driver: ScenarioDriver
    ledgers: GovernedLedgers
    signature_every: int = 3
    lineno: int = 0
    requests: int = 0
    on_command: Callable[[Command], None] | None = None
    material: bytes = b""  # the members' key material (their encryption keys derive from it)
    gov: Governance | None = None
    recovery: Recovery | None = None  # set on a recovering service
    principal: Callable[[str], Member] | None = None  # a script's member by name

    def run(self, command: Command) -> None:
        self.lineno += 1
        self.driver.run(command, self.lineno, "governed service")
        if self.on_command is not None:
            self.on_command(command)

    def primary(self) -> str:
        leader = self.driver.leader_of("latest")
        if leader is None:
            raise GovernanceRunError("no primary to take a governance request")
        return leader

    def primary_store_synced(self) -> Any:
        leader = self.primary()
        node, ledger = self.driver.nodes[leader], self.ledgers.ledger(leader)
        ledger.sync(node.log[: node.last_idx], node.commit_idx)
        return ledger.store

    def execute(self, body: Callable[[Transaction], object]) -> None:
        """``Governance.execute``: ``body`` in a transaction of the primary's store, its write set
        replicated as the primary's next entry (a read-only request writes nothing)."""
        tx = self.primary_store_synced().begin()
        body(tx)
        ws = tx.write_set()
        if not ws.empty:
            self.replicate(ws)

    def replicate(self, ws: WriteSet) -> None:
        """Append ``ws`` as the primary's next entry: a reconfiguration if it changes the trusted nodes
        (CCF's configuration-change hook), else an ordinary entry."""
        store = self.primary_store_synced()
        if opens(store, ws):  # the opening transaction issues the recovery shares, as CCF's
            ws = merge_writes(ws, issue_shares(store, self.ledgers.keys.secret, self.material))
        ids = {identity.node_id: n for n, identity in self.ledgers.keys.nodes.items()}
        trusted = trusted_after(store, ws, ids)
        config = set(self.driver.nodes[self.primary()].configurations[-1].nodes)
        if trusted != config:
            self.ledgers.pending = (EntryType.RECONFIGURATION, ws)
            self.run(reconfiguration(trusted, config, set(self.driver.nodes)))
        else:
            self.ledgers.pending = (EntryType.RAW, ws)
            self.run(Replicate("latest", GOVERNANCE_DATA))
        if self.ledgers.pending is not None:
            self.ledgers.pending = None
            raise GovernanceRunError("the primary did not append the governance transaction")
        self.run(DispatchAll())
        self.requests += 1
        if self.requests % self.signature_every == 0:
            self.sign()

    def join(self, node_id: str, quote: QuoteInfo | None = None) -> NodeStatus:
        """Node ``node_id`` joins presenting ``quote`` (by default a genuine virtual quote over its key):
        verified against the primary's allowlists, written Trusted (a reconfiguration) or Pending;
        RequestRefused with CCF's code if refused (nothing is written)."""
        node = self.ledgers.keys.node(node_id)
        if quote is None:
            quote = virtual_quote(spki_der(node.key.public_key()))
        status = check_join(self.primary_store_synced(), quote, node)
        info = {**self.ledgers.keys.info(node_id), "quote_info": quote.to_json()}
        self.replicate(writes_to_write_set(join_writes(info, node, status)))
        return status

    def join_command(self, cmd: ScriptCommand) -> NodeStatus:
        """The script's ``join <node> [{"measurement", "host_data", "quoted_key_of"}]``."""
        (node_id,), (options,) = cmd.args, cmd.actions
        unknown = set(options) - set(JOIN_OPTIONS)
        if unknown:
            raise cmd.error("options", f"unknown {sorted(unknown)} (known: {', '.join(JOIN_OPTIONS)})")
        bound = self.ledgers.keys.node(str(options.get("quoted_key_of", node_id)))
        quote = virtual_quote(
            spki_der(bound.key.public_key()),
            measurement=str(options.get("measurement", VIRTUAL_MEASUREMENT)),
            host_data=str(options.get("host_data", "")),
        )
        return self.join(node_id, quote)

    def _share(self, cmd: ScriptCommand) -> dict[str, Any]:
        """The script's ``share <member> [corrupt]``: the member decrypts its share of the recovery
        shares in the store and submits it, signed (``corrupt``: one limb changed, still well-formed)."""
        if self.recovery is None or self.gov is None or self.principal is None:
            raise cmd.error("share", "only a recovering service takes recovery shares (--recover-from)")
        name, how = cmd.args[0], cmd.args[1] if len(cmd.args) > 1 else ""
        m, store = self.principal(name), self.primary_store_synced()
        record = RecoveryShares.from_json(
            json.loads(store.get(Table.RECOVERY_SHARES, SINGLETON_KEY) or b"{}")
        )
        if m.id not in record.encrypted_shares:
            raise cmd.error("member", f"{name} has no recovery share")
        share = decrypt_share(rsa_key_from_seed(self.material, name), record.encrypted_shares[m.id], name)
        if how == "corrupt":
            share = Share(share.x, ((share.y[0] + 1) % PRIME, *share.y[1:]))
        body = json.dumps({"share": base64.b64encode(share.to_bytes()).decode()}).encode()
        raw = m.sign(MsgType.RECOVERY_SHARE, body, created_at=GOVERNANCE_CLOCK + 2 * 10**6 + self.requests)
        certs = store.state().get(GovTable.MEMBERS_CERTS, {})
        request = verify_request(
            raw, lambda mid: (certs.get(mid.encode()) or b"").decode() or None, MsgType.RECOVERY_SHARE
        )
        writes, response = self.recovery.submit(
            store, request.member_id, json.loads(request.payload)["share"]
        )
        self.replicate(writes_to_write_set(writes))
        return response

    def share(self, cmd: ScriptCommand) -> dict[str, Any] | RequestRefused:
        """``share <member> corrupt`` expects its corrupted share refused (and the run goes on)."""
        if cmd.args[1:] != ("corrupt",):
            return self._share(cmd)
        try:
            self._share(cmd)
        except RequestRefused as refused:
            return refused
        raise cmd.error(
            "share", "the corrupted share was not refused (it must be the one reaching the threshold)"
        )

    def expect_node(self, cmd: ScriptCommand) -> None:
        node_id, want = cmd.args
        raw = self.primary_store_synced().get(
            Table.NODES_INFO, self.ledgers.keys.node(node_id).node_id.encode()
        )
        actual = "absent" if raw is None else str(json.loads(raw)["status"])
        if actual != want:
            raise cmd.error(cmd.name, f"node {node_id}: expected {want}, actual {actual}")

    def retired_committed(self) -> None:
        """Once the retirements are committed, CCF marks the retired nodes ``retired_committed`` (the
        core's ``cleanup_nodes``), then signs it."""
        store = self.primary_store_synced()
        retired = sorted(
            (
                n
                for n in self.driver.nodes
                if node_status(store, self.ledgers.keys.node(n).node_id) == "Retired"
            ),
            key=int,
        )
        if retired:
            self.run(CleanupNodes("latest", tuple(retired)))
            self.sign()
            self.run(LoopUntilSync())

    def sign(self) -> None:
        self.run(EmitSignature("latest"))
        self.run(DispatchAll())


def node_status(store: Any, node_id: str) -> str | None:
    raw = store.get(Table.NODES_INFO, node_id.encode())
    return None if raw is None else str(json.loads(raw).get("status"))


def opens(store: Any, ws: WriteSet) -> bool:
    """Whether ``ws`` takes the service in ``store`` from Opening to Open."""
    for m in ws.public:
        value = dict(m.writes).get(SINGLETON_KEY) if m.name == Table.SERVICE_INFO else None
        if value is not None:
            now = json.loads(value).get("status")
            return now == ServiceStatus.OPEN and service_status(store) == ServiceStatus.OPENING
    return False


def reconfiguration(trusted: set[str], config: set[str], known: set[str]) -> Command:
    """The core's reconfiguration to ``trusted``: as CCF's driver, every known node not listed out is
    in the new configuration."""
    into = tuple(sorted(trusted - config, key=int))
    out = tuple(sorted(known - trusted, key=int))
    if not out:
        return TrustNodes("latest", into)
    groups: tuple[tuple[Literal["in", "out"], tuple[str, ...]], ...] = (("out", out),)
    return SwapNodes("latest", (*groups, ("in", into)) if into else groups)


__all__ = ["GovernanceRunError", "GovernedLedgers", "GovernedService", "merge_writes"]
