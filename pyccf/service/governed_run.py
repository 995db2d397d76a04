"""``pyccf service run --governance``: one governed run, from genesis (or recovery) to its outputs.

The pieces are in :mod:`pyccf.service.governed` (ledgers, the service and its requests),
:mod:`pyccf.service.join` and :mod:`pyccf.service.recovery`; this module starts the service, runs the
script and writes ``ledgers/``, ``service_cert.pem``, ``raft_trace.ndjson``, ``governance.json`` and,
with recovery members, ``member_keys/``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from pyccf.errors import ScenarioAssertionFailed
from pyccf.formats.governance import GovTable
from pyccf.formats.ledger import SINGLETON_KEY, Table
from pyccf.governance.constitution import constitution_source
from pyccf.governance.engine import Governance
from pyccf.governance.network import network_effects
from pyccf.governance.requests import Member, member_from_seed
from pyccf.governance.script import Command as ScriptCommand
from pyccf.governance.script import Runner, load
from pyccf.service.governed import (
    DEFAULT_CONSTITUTIONS,
    GOVERNANCE_CLOCK,
    MAX_NODES,
    GovernanceRunError,
    GovernedLedgers,
    GovernedService,
)
from pyccf.service.recovery import Recovery, public_pem, rsa_key_from_seed, state_at_last_signature
from pyccf.sim.commands import DispatchAll, EmitSignature, LoopUntilSync, Replicate, StartNode
from pyccf.sim.driver import ScenarioDriver
from pyccf.sim.tracing import TraceWriter


@dataclass
class GovernedRun:
    """A governed run's outputs and its live state (the primary's store at the end)."""

    out: Path
    ledgers: GovernedLedgers
    gov: Governance
    members: dict[str, Member]
    primary: str
    driver: ScenarioDriver
    failure: ScenarioAssertionFailed | None = None
    requests: int = 0  # governance transactions written
    outcomes: list[tuple[ScriptCommand, Any]] = field(default_factory=list)


def run_governed(
    out: Path,
    script: Path,
    *,
    nodes: int = 3,
    members: int = 3,
    seed: int = 0,
    signature_every: int = 3,
    constitutions: Path = DEFAULT_CONSTITUTIONS,
    threshold: int | None = None,
    client_writes: int = 0,
    recover_from: Path | None = None,
) -> GovernedRun:
    """Start a governed service of ``nodes`` nodes and ``members`` members (``m0``...; each acknowledges
    the genesis state and becomes ``Active``), run ``script`` (docs/governance.md), then ``client_writes``
    client transactions, sign and sync, and write ``ledgers/``, ``service_cert.pem``,
    ``raft_trace.ndjson`` and ``governance.json`` into ``out``. ``threshold``: members are recovery
    members with encryption keys, and shares of that threshold are issued when the service opens.
    ``recover_from``: the output folder of an earlier run; this service recovers it (its members, their
    seed, the old ledger; ``members`` and ``threshold`` are the old service's). A malformed or failing
    script is a ScriptError naming its line."""
    commands = load(script)  # parse first: a malformed script runs nothing
    out.mkdir(parents=True, exist_ok=True)
    ledgers = GovernedLedgers(out / "ledgers", seed=seed)
    previous = None if recover_from is None else Previous.load(recover_from, seed)
    member_seed = seed if previous is None else previous.seed
    material = f"pyccf governed seed {member_seed}".encode()
    initial = {f"m{i}": member(material, f"m{i}", threshold is not None) for i in range(members)}
    if previous is None:
        ledgers.genesis_governance(constitution_source(constitutions), list(initial.values()), "0", threshold)
    else:
        ledgers.genesis_recovery(previous.public, "0")
    with open(out / "raft_trace.ndjson", "w") as trace_file:
        driver = ScenarioDriver(
            seed=seed, trace=TraceWriter(trace_file), payloads=ledgers, joiners_tick=False
        )
        service = GovernedService(driver, ledgers, signature_every, material=material)
        gov = Governance(ledgers.ledger("0").store, effects=network_effects(ledgers.keys.service))
        gov.execute = service.execute
        service.gov = gov
        result = GovernedRun(out, ledgers, gov, dict(initial), "0", driver)
        values = {"service.cert": ledgers.keys.service.cert_pem}
        values.update((f"node.{n}.id", ledgers.keys.node(str(n)).node_id) for n in range(MAX_NODES))
        if previous is not None:
            values["previous_service.cert"] = previous.cert
            service.recovery = Recovery(previous.ledger, ledgers.keys.service, ledgers.keys.secret, material)
        runner = Runner(gov, material, values=values, clock=GOVERNANCE_CLOCK + (previous is not None) * 10**6)
        runner.members.update(initial)
        runner.on_outcome = lambda cmd, outcome: result.outcomes.append((cmd, outcome))
        runner.hooks.update(join=service.join_command, expect_node=service.expect_node, share=service.share)
        service.principal = runner.principal
        try:
            service.run(StartNode("0"))
            service.run(EmitSignature(2))
            service.run(DispatchAll())
            for n in range(1, nodes):  # joiners while Opening (or Recovering) are trusted at once
                service.join(str(n))
            service.sign()
            acks = [] if previous else [ScriptCommand(str(script), 0, "ack", (name,)) for name in initial]
            for group in (acks, commands):
                for cmd in group:
                    gov.store = service.primary_store_synced()
                    runner.run([cmd])
            for i in range(client_writes):
                service.run(Replicate("latest", f"client:tx{i}"))
                service.run(DispatchAll())
            service.sign()
            service.run(LoopUntilSync())
            service.retired_committed()
            driver.finish()
        except ScenarioAssertionFailed as failure:
            result.failure = failure
        finally:
            result.requests = service.requests
            result.members = dict(runner.members)
            leader = driver.leader_of("latest")
            if leader is not None:
                result.primary = leader
                gov.store = ledgers.ledger(leader).store
    (out / "service_cert.pem").write_text(ledgers.keys.service.cert_pem)
    if threshold is not None:
        write_member_keys(out / "member_keys", material, list(initial))
    doc = {**live_state(result), "seed": member_seed}
    (out / "governance.json").write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    return result


def write_member_keys(folder: Path, material: bytes, names: list[str]) -> None:
    """``<name>_enc_privk.pem``: the recovery members' encryption keys, as CCF's members keep them (what
    ``tracecheck audit ledger --member-keys`` reads)."""
    folder.mkdir(exist_ok=True)
    for name in names:
        key = rsa_key_from_seed(material, name)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        (folder / f"{name}_enc_privk.pem").write_bytes(pem)


def member(material: bytes, name: str, recovery: bool) -> Member:
    """Member ``name``; a recovery member has an encryption key (both from ``material``)."""
    if not recovery:
        return member_from_seed(material, name)
    return member_from_seed(material, name, encryption_pub_key=public_pem(rsa_key_from_seed(material, name)))


@dataclass(frozen=True)
class Previous:
    """The service a recovery starts from: its members' seed, identity, ledger and public state."""

    seed: int
    cert: str
    ledger: Path
    public: dict[str, dict[bytes, bytes]]

    @classmethod
    def load(cls, folder: Path, seed: int) -> Previous:
        try:
            doc = json.loads((folder / "governance.json").read_text())
            old_seed = int(doc["seed"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise GovernanceRunError(
                f"{folder / 'governance.json'}: seed: not a governed run's ({error})"
            ) from None
        if old_seed == seed:
            raise GovernanceRunError(
                f"--seed {seed}: a recovered service needs keys of its own (another seed)"
            )
        ledgers = sorted((folder / "ledgers").iterdir()) if (folder / "ledgers").is_dir() else []
        if not ledgers:
            raise GovernanceRunError(f"{folder / 'ledgers'}: no ledgers to recover from")
        found = [(state_at_last_signature(p), p) for p in ledgers]
        (public, _), ledger = max(
            found, key=lambda f: f[0][1]
        )  # the longest signed ledger, as operators pick
        info = json.loads(public[Table.SERVICE_INFO][SINGLETON_KEY])
        return cls(old_seed, str(info["cert"]), ledger, public)


def live_state(run: GovernedRun) -> dict[str, Any]:
    """The primary's governance state: members, nodes, service status, proposals (what the auditor's
    replay must equal)."""
    state = run.gov.store.state()

    def table(name: str) -> dict[str, Any]:
        return {k.decode(): json.loads(v) for k, v in state.get(name, {}).items()}

    service = state.get(Table.SERVICE_INFO, {}).get(SINGLETON_KEY)
    return {
        "members": {k: v["status"] for k, v in table(GovTable.MEMBERS_INFO).items()},
        "nodes": {k: v["status"] for k, v in table(Table.NODES_INFO).items()},
        "service": None if service is None else json.loads(service)["status"],
        "proposals": {k: v["state"] for k, v in table(GovTable.PROPOSALS_INFO).items()},
        "requests": run.requests,
    }
