"""CCF's governance endpoints over a store: signed proposals, ballots, withdrawals and acknowledgements.

Each call is one store transaction, as each request is one CCF transaction: refused requests write
nothing; an accepted one commits everything it did (the proposal, its info with ballots and final votes,
the signer's COSE request in ``cose_history``, and, in the transaction that accepts a proposal, what its
``apply`` wrote). The constitution in force is read from ``public:ccf.gov.constitution`` each time, so an
accepted ``set_constitution`` governs the next request. Flow and error codes follow CCF's
``src/node/gov/handlers/proposals.h`` and ``acks.h``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pyccf.formats.governance import (
    DEFAULT_RECENT_PROPOSALS_WINDOW,
    RESOLVE_RESULTS,
    GovTable,
    MemberStatus,
    MsgType,
    ProposalState,
    recent_proposal_key,
)
from pyccf.formats.ledger import DIGEST_SIZE, SINGLETON_KEY, ServiceStatus, Table
from pyccf.governance.js import BALLOT_EXPORTS, CONSTITUTION_EXPORTS, Effect, Host, JsError, Module
from pyccf.governance.kvview import Access, KvView
from pyccf.governance.requests import (
    Member,
    RequestRefused,
    SignedRequest,
    proposal_id,
    verify_request,
)
from pyccf.kv.store import Store, Transaction
from pyccf.kv.writeset import WriteSet
from pyccf.service.signing import json_bytes

Writes = dict[str, dict[bytes, bytes]]
T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    """What a committed request did: the proposal's state after it, the write set, the host effects
    (``ccf.node.*``) its ``apply`` asked for, and why it failed if it did."""

    proposal_id: str
    state: ProposalState
    write_set: WriteSet
    effects: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    failure: str | None = None


def genesis_writes(
    constitution: str,
    members: Sequence[Member],
    *,
    recovery_threshold: int = 1,
    member_data: Mapping[str, Any] | None = None,
) -> Writes:
    """The governance writes of the service-creating transaction: the constitution, the initial members
    (``Accepted``; a member with an encryption key is a recovery ``Participant``) and ``service.config``."""
    writes: Writes = {
        GovTable.CONSTITUTION: {SINGLETON_KEY: json_bytes(constitution)},
        GovTable.MEMBERS_CERTS: {},
        GovTable.MEMBERS_INFO: {},
        Table.MEMBERS_ENCRYPTION_PUBLIC_KEYS: {},
        Table.SERVICE_CONFIG: {
            SINGLETON_KEY: json_bytes(
                {
                    "consensus": "CFT",
                    "maximum_node_certificate_validity_days": 365,
                    "maximum_service_certificate_validity_days": 365,
                    "recent_cose_proposals_window_size": DEFAULT_RECENT_PROPOSALS_WINDOW,
                    "reconfiguration_type": "OneTransaction",
                    "recovery_threshold": recovery_threshold,
                }
            )
        },
    }
    for m in members:
        key = m.id.encode("ascii")
        writes[GovTable.MEMBERS_CERTS][key] = m.cert_pem.encode("ascii")
        info: dict[str, Any] = {"status": str(MemberStatus.ACCEPTED)}
        if member_data is not None and m.name in member_data:
            info["member_data"] = member_data[m.name]
        if m.encryption_pub_key is not None:
            writes[Table.MEMBERS_ENCRYPTION_PUBLIC_KEYS][key] = m.encryption_pub_key.encode("ascii")
            info["recovery_role"] = "Participant"
        writes[GovTable.MEMBERS_INFO][key] = json_bytes(info)
    return {table: kvs for table, kvs in writes.items() if kvs}


def _refused(status: int, code: str, message: str) -> RequestRefused:
    return RequestRefused(status, code, message)


def _get_json(tx: Transaction, table: str, key: bytes) -> Any:
    raw = tx.get(table, key)
    return None if raw is None else json.loads(raw)


def last_signature_root(tx: Transaction) -> bytes:
    """The Merkle root of the latest signature transaction (32 zero bytes before the first)."""
    sig = _get_json(tx, Table.SIGNATURES, SINGLETON_KEY)
    return bytes.fromhex(sig["root"]) if sig else bytes(DIGEST_SIZE)


def open_service(view: KvView, args: list[Any]) -> None:
    """``ccf.node.transitionServiceToOpen(previous, next)``: ``next`` must be the current identity;
    Opening -> Open, Recovering -> WaitingForRecoveryShares, idempotent once there."""
    raw = view.get(Table.SERVICE_INFO, SINGLETON_KEY)
    if raw is None:
        raise ValueError("Service information could not be found")
    info = json.loads(raw)
    previous = None if args[0] is None else bytes.fromhex(args[0]).decode()
    if bytes.fromhex(args[1]).decode() != info.get("cert"):
        raise ValueError("Unable to open service: next service identity does not match the service's")
    status = info.get("status")
    if status in (ServiceStatus.OPEN, ServiceStatus.WAITING_FOR_RECOVERY_SHARES):
        return
    if status == ServiceStatus.RECOVERING:
        known = view.get(Table.PREVIOUS_SERVICE_IDENTITY, SINGLETON_KEY)
        if previous is None or (known is not None and known.decode() != previous):
            raise ValueError("Unable to open service: previous service identity does not match")
        info["status"] = str(ServiceStatus.WAITING_FOR_RECOVERY_SHARES)
    elif status == ServiceStatus.OPENING:
        info["status"] = str(ServiceStatus.OPEN)
    else:
        raise ValueError(f"Unable to open service in status {status}")
    view.set(Table.SERVICE_INFO, SINGLETON_KEY, json_bytes(info))


def _noop(view: KvView, args: list[Any]) -> None:
    return None


#: Host effects pyccf provides by default; the node effects are recorded in the Outcome for the service.
DEFAULT_EFFECTS: dict[str, Effect] = {
    "transitionServiceToOpen": open_service,
    "triggerLedgerRekey": _noop,
    "triggerRecoverySharesRefresh": _noop,
    "triggerSnapshot": _noop,
    "triggerLedgerChunk": _noop,
}


@dataclass
class Governance:
    """The governance frontend of one service.

    ``execute`` runs a request's body in a transaction of ``store`` and commits it (default: at the
    store's next version; a service passes its own, e.g. ``ServiceWriter.execute``, which assigns the
    seqno and writes the ledger); a body that raises leaves nothing. ``root`` gives the Merkle root at
    the read version, which binds proposal ids to the state (default: the latest signature's root);
    ``effects`` adds or replaces host effects.
    """

    store: Store
    execute: Callable[[Callable[[Transaction], object]], object] | None = None
    root: Callable[[Transaction], bytes] = last_signature_root
    effects: dict[str, Effect] = field(default_factory=dict)
    latest_ledger_secret_seqno: int = 0

    def __post_init__(self) -> None:
        if self.execute is None:
            self.execute = self._execute_in_store

    # ------------------------------------------------------------------ plumbing

    def _execute_in_store(self, body: Callable[[Transaction], object]) -> None:
        tx = self.store.begin()
        body(tx)
        tx.commit()

    def _transact(self, body: Callable[[Transaction], T]) -> T:
        """``body``'s result, once ``execute`` has committed its transaction."""
        results: list[T] = []
        assert self.execute is not None
        self.execute(lambda tx: results.append(body(tx)))
        return results[0]

    def _host(self) -> Host:
        return Host({**DEFAULT_EFFECTS, **self.effects}, self.latest_ledger_secret_seqno)

    def _constitution(self, tx: Transaction, host: Host) -> Module:
        source = _get_json(tx, GovTable.CONSTITUTION, SINGLETON_KEY)
        if not isinstance(source, str):
            raise _refused(
                500, "InternalError", f"no constitution (a JSON string) in {GovTable.CONSTITUTION}"
            )
        try:
            return Module.load(source, CONSTITUTION_EXPORTS, host)
        except JsError as error:
            raise _refused(
                500, "InternalError", f"the constitution in force does not load: {error}"
            ) from None

    def _verify(self, tx: Transaction, raw: bytes, expected: MsgType, *, active: bool) -> SignedRequest:
        def cert_of(member_id: str) -> str | None:
            pem = tx.get(GovTable.MEMBERS_CERTS, member_id.encode())
            return None if pem is None else pem.decode()

        request = verify_request(raw, cert_of, expected)
        if active:
            info = _get_json(tx, GovTable.MEMBERS_INFO, request.member_id.encode())
            if not info or info.get("status") != MemberStatus.ACTIVE:
                raise _refused(401, "InvalidAuthenticationInfo", "Signer is not an active member")
        if expected in (MsgType.PROPOSAL, MsgType.BALLOT, MsgType.WITHDRAWAL):
            # as CCF writes it: a JSON string of the base64 request (acks keep their own copy)
            encoded = json.dumps(base64.b64encode(raw).decode("ascii")).encode()
            tx.put(GovTable.COSE_HISTORY, request.member_id.encode(), encoded)
        return request

    def _info(self, tx: Transaction, pid: str) -> dict[str, Any]:
        info = _get_json(tx, GovTable.PROPOSALS_INFO, pid.encode())
        if info is None:
            raise _refused(404, "ProposalNotFound", f"Could not find proposal {pid}")
        return dict(info)

    def _replay_check(self, tx: Transaction, request: SignedRequest, pid: str) -> None:
        """CCF's replay window: a (created_at, body digest) seen before is a replay; once the window is
        full, a request older than its median is too old; the oldest entries leave the window."""
        key = recent_proposal_key(request.created_at, hashlib.sha256(request.payload).hexdigest())
        if tx.get(GovTable.COSE_RECENT_PROPOSALS, key.encode()) is not None:
            raise _refused(
                400, "ProposalReplay", f"Proposal submission replay, already have a proposal with {key}"
            )
        config = _get_json(tx, Table.SERVICE_CONFIG, SINGLETON_KEY) or {}
        window = int(config.get("recent_cose_proposals_window_size", DEFAULT_RECENT_PROPOSALS_WINDOW))
        recent = sorted(tx.store.state().get(GovTable.COSE_RECENT_PROPOSALS, {}))
        if len(recent) >= window:
            if key.encode() < recent[len(recent) // 2]:
                raise _refused(
                    400,
                    "ProposalCreatedTooLongAgo",
                    f"Proposal created too long ago: {request.created_at} is older than the replay window",
                )
            for old in recent[: len(recent) - window + 1]:
                tx.remove(GovTable.COSE_RECENT_PROPOSALS, old)
        tx.put(GovTable.COSE_RECENT_PROPOSALS, key.encode(), pid.encode())

    # ------------------------------------------------------------------ resolution

    def _resolve(
        self, tx: Transaction, constitution: Module, host: Host, pid: str, info: dict[str, Any]
    ) -> tuple[dict[str, Any], tuple[tuple[str, tuple[Any, ...]], ...]]:
        """Re-run every ballot against the current state, then resolve(); on Accepted, apply() in this
        transaction, its writes kept only if it does not throw."""
        raw = tx.get(GovTable.PROPOSALS, pid.encode())
        proposal = "" if raw is None else raw.decode()
        proposer = info["proposer_id"]
        votes, failures = [], {}
        for mid, source in sorted(info.get("ballots", {}).items()):
            try:
                ballot = Module.load(source, BALLOT_EXPORTS, host)
                vote = ballot.call("vote", KvView(tx, Access.READ), proposal, proposer)
                if not isinstance(vote, bool):
                    raise JsError(f"vote() returned {vote!r}, not a boolean")
                votes.append({"member_id": mid, "vote": vote})
            except JsError as error:
                failures[mid] = {"reason": error.message, "trace": error.stack}
        failure: dict[str, str] | None = None
        try:
            state = constitution.call("resolve", KvView(tx, Access.READ), proposal, proposer, votes, pid)
            if state not in RESOLVE_RESULTS:
                raise JsError(f"resolve() returned invalid state {state!r}")
        except JsError as error:
            state, failure = ProposalState.FAILED, {"reason": f"Failed to resolve(): {error}", "trace": ""}
        effects: tuple[tuple[str, tuple[Any, ...]], ...] = ()
        if state != ProposalState.OPEN:
            info["final_votes"] = {v["member_id"]: v["vote"] for v in votes}
            if failures:
                info["vote_failures"] = failures
            self._remove_closed(tx, pid)
        if state == ProposalState.ACCEPTED:
            view = KvView(tx, Access.APPLY)
            host.recorded.clear()
            try:
                constitution.call("apply", view, proposal, pid)
            except JsError as error:
                state = ProposalState.FAILED
                failure = {"reason": f"Failed to apply(): {error.message}", "trace": error.stack}
            else:
                view.merge()
                effects = tuple((name, tuple(args)) for name, args in host.recorded)
        info["state"] = str(state)
        if failure is not None:
            info["failure"] = failure
        tx.put(GovTable.PROPOSALS_INFO, pid.encode(), json_bytes(info))
        return info, effects

    def _remove_closed(self, tx: Transaction, pid: str) -> None:
        """CCF deletes every other closed proposal from the KV when one closes (the ledger keeps them)."""
        for key, raw in tx.store.state().get(GovTable.PROPOSALS_INFO, {}).items():
            if key != pid.encode() and json.loads(raw).get("state") != ProposalState.OPEN:
                tx.remove(GovTable.PROPOSALS_INFO, key)
                tx.remove(GovTable.PROPOSALS, key)

    def _outcome(self, tx: Transaction, pid: str, info: dict[str, Any], effects: Any = ()) -> Outcome:
        ws = tx.write_set()  # what the commit writes: the body's last step
        failure = info.get("failure", {}).get("reason")
        return Outcome(pid, ProposalState(info["state"]), ws, effects, failure)

    # ------------------------------------------------------------------ endpoints

    def propose(self, raw: bytes) -> Outcome:
        """``POST /gov/members/proposals:create``."""
        return self._transact(lambda tx: self._propose(tx, raw))

    def _propose(self, tx: Transaction, raw: bytes) -> Outcome:
        request = self._verify(tx, raw, MsgType.PROPOSAL, active=True)
        pid = proposal_id(self.root(tx), request)
        host = self._host()
        constitution = self._constitution(tx, host)
        try:
            proposal = request.payload.decode()
            result = constitution.call("validate", KvView(tx, Access.READ), proposal)
        except (UnicodeDecodeError, JsError) as error:
            raise _refused(400, "ProposalFailedToValidate", f"Failed to validate(): {error}") from None
        if not isinstance(result, dict) or result.get("valid") is not True:
            description = result.get("description", "") if isinstance(result, dict) else repr(result)
            raise _refused(400, "ProposalFailedToValidate", f"{description}")
        tx.put(GovTable.PROPOSALS, pid.encode(), request.payload)
        info: dict[str, Any] = {"ballots": {}, "proposer_id": request.member_id, "state": "Open"}
        tx.put(GovTable.PROPOSALS_INFO, pid.encode(), json_bytes(info))
        self._replay_check(tx, request, pid)
        info, effects = self._resolve(tx, constitution, host, pid, info)
        return self._outcome(tx, pid, info, effects)

    def ballot(self, pid: str, member_id: str, raw: bytes) -> Outcome:
        """``POST /gov/members/proposals/{pid}/ballots/{member_id}:submit``: body ``{"ballot": "<JS>"}``."""
        return self._transact(lambda tx: self._ballot(tx, pid, member_id, raw))

    def _ballot(self, tx: Transaction, pid: str, member_id: str, raw: bytes) -> Outcome:
        request = self._verify(tx, raw, MsgType.BALLOT, active=True)
        if request.proposal_id != pid:
            raise _refused(400, "InvalidInput", "Authenticated proposal id does not match URL")
        if request.member_id != member_id:
            raise _refused(403, "AuthorizationFailed", "Authenticated member id does not match URL")
        info = self._info(tx, pid)
        if info["state"] != ProposalState.OPEN:
            raise _refused(400, "ProposalNotOpen", f"Proposal {pid} is currently in state {info['state']}")
        try:
            ballot = json.loads(request.payload)["ballot"]
            if not isinstance(ballot, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise _refused(
                400, "InvalidInput", 'Ballot body must be {"ballot": "<JavaScript module>"}'
            ) from None
        ballots = dict(info.get("ballots", {}))
        if member_id in ballots:
            if ballots[member_id] == ballot:  # the same ballot again: nothing changes
                return self._outcome(tx, pid, info)
            raise _refused(400, "VoteAlreadyExists", f"Vote already submitted by {member_id}")
        info["ballots"] = {**ballots, member_id: ballot}
        host = self._host()
        info, effects = self._resolve(tx, self._constitution(tx, host), host, pid, info)
        return self._outcome(tx, pid, info, effects)

    def withdraw(self, pid: str, raw: bytes) -> Outcome | None:
        """``POST /gov/members/proposals/{pid}:withdraw``: proposer only; None for an unknown proposal."""
        return self._transact(lambda tx: self._withdraw(tx, pid, raw))

    def _withdraw(self, tx: Transaction, pid: str, raw: bytes) -> Outcome | None:
        request = self._verify(tx, raw, MsgType.WITHDRAWAL, active=True)
        if request.proposal_id != pid:
            raise _refused(400, "InvalidInput", "Authenticated proposal id does not match URL")
        if tx.get(GovTable.PROPOSALS_INFO, pid.encode()) is None:
            return None
        info = self._info(tx, pid)
        if info["proposer_id"] != request.member_id:
            raise _refused(
                403, "AuthorizationFailed", f"Proposal {pid} can only be withdrawn by its proposer"
            )
        if info["state"] == ProposalState.OPEN:
            info["state"] = str(ProposalState.WITHDRAWN)
            tx.put(GovTable.PROPOSALS_INFO, pid.encode(), json_bytes(info))
        elif info["state"] != ProposalState.WITHDRAWN:
            raise _refused(400, "ProposalNotOpen", f"Proposal {pid} is currently in state {info['state']}")
        return self._outcome(tx, pid, info)

    def update_state_digest(self, member_id: str, raw: bytes) -> str:
        """``POST /gov/members/state-digests/{member_id}:update``: the digest the member must sign."""
        return self._transact(lambda tx: self._update_state_digest(tx, member_id, raw))

    def _update_state_digest(self, tx: Transaction, member_id: str, raw: bytes) -> str:
        request = self._verify(tx, raw, MsgType.STATE_DIGEST, active=False)
        self._check_path_member(request, member_id)
        digest = self.root(tx).hex()
        ack = _get_json(tx, GovTable.MEMBERS_ACKS, member_id.encode()) or {}
        ack["state_digest"] = digest
        tx.put(GovTable.MEMBERS_ACKS, member_id.encode(), json_bytes(ack))
        return digest

    def ack(self, member_id: str, raw: bytes) -> WriteSet:
        """``POST /gov/members/state-digests/{member_id}:ack``: body ``{"stateDigest": ...}`` equal to the
        digest last asked for; the member becomes Active."""
        return self._transact(lambda tx: self._ack(tx, member_id, raw))

    def _ack(self, tx: Transaction, member_id: str, raw: bytes) -> WriteSet:
        request = self._verify(tx, raw, MsgType.ACK, active=False)
        self._check_path_member(request, member_id)
        ack = _get_json(tx, GovTable.MEMBERS_ACKS, member_id.encode())
        if not ack or not ack.get("state_digest"):
            raise _refused(400, "InternalError", f"No state digest to acknowledge for {member_id}")
        try:
            signed = json.loads(request.payload)["stateDigest"]
        except (ValueError, KeyError, TypeError):
            raise _refused(400, "InvalidInput", 'Ack body must be {"stateDigest": "<hex>"}') from None
        if signed != ack["state_digest"]:
            raise _refused(
                400, "StateDigestMismatch", "Submitted state digest is not valid: it is not the one asked for"
            )
        ack["cose_sign1_req"] = base64.b64encode(raw).decode("ascii")
        tx.put(GovTable.MEMBERS_ACKS, member_id.encode(), json_bytes(ack))
        info = _get_json(tx, GovTable.MEMBERS_INFO, member_id.encode())
        if info is None:
            raise _refused(404, "ResourceNotFound", f"No member info for {member_id}")
        if info.get("status") != MemberStatus.ACTIVE:
            info["status"] = str(MemberStatus.ACTIVE)
            tx.put(GovTable.MEMBERS_INFO, member_id.encode(), json_bytes(info))
        return tx.write_set()

    @staticmethod
    def _check_path_member(request: SignedRequest, member_id: str) -> None:
        if request.member_id != member_id:
            raise _refused(403, "AuthorizationFailed", "Authenticated member id does not match URL")
