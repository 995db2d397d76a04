"""Handlers of the assertions family, the driver's commit-safety check and ``loop_until_sync``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pyccf.consensus.quorum import majority
from pyccf.errors import FailureKind
from pyccf.formats.raft_trace import EntryType
from pyccf.sim.commands import (
    AssertAbsentConfig,
    AssertCommitIdx,
    AssertCommitSafety,
    AssertConfig,
    AssertDetail,
    AssertLastTxid,
    AssertStateSync,
    Command,
    LoopUntilSync,
)
from pyccf.sim.handlers.base import Handler, StepFailed
from pyccf.sim.handlers.network import set_links

if TYPE_CHECKING:
    from pyccf.consensus.log import Entry
    from pyccf.sim.driver import ScenarioDriver

MAX_SYNC_ITERATIONS = 20


def assert_detail(d: ScenarioDriver, c: AssertDetail) -> None:
    nid = d.known(c.node, f"{c.verb}: node")
    details = d.nodes[nid].details()
    if c.key not in details:
        raise StepFailed(f"detail {c.key}", "no such detail", f"node {nid} does not have detail {c.key}")
    value = details[c.key]
    actual = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    if (actual != c.value) if c.equal else (actual == c.value):
        op = "==" if c.equal else "!="
        raise StepFailed(f"{c.key} {op} {c.value}", actual, f"node {nid} detail {c.key} is not as expected")


def assert_last_txid(d: ScenarioDriver, c: AssertLastTxid) -> None:
    nid = d.known(c.node, "assert_last_txid: node")
    n = d.nodes[nid]
    actual = f"{n.term_of(n.last_idx)}.{n.last_idx}"
    if actual != c.txid:
        raise StepFailed(c.txid, actual, f"node {nid} last transaction id is not as expected")


def assert_commit_idx(d: ScenarioDriver, c: AssertCommitIdx) -> None:
    nid = d.known(c.node, "assert_commit_idx: node")
    actual = d.nodes[nid].commit_idx
    if actual != c.idx:
        raise StepFailed(str(c.idx), str(actual), f"node {nid} not at expected commit idx")


def assert_config(d: ScenarioDriver, c: AssertConfig) -> None:
    nid = d.known(c.node, "assert_config: node")
    for config in d.nodes[nid].configurations:
        if config.idx == c.idx:
            if set(c.nodes) != set(config.nodes):
                raise StepFailed(
                    "{" + ", ".join(sorted(set(c.nodes))) + "}",
                    "{" + ", ".join(sorted(config.nodes)) + "}",
                    f"node {nid} configuration at idx {c.idx} does not match",
                )
            return
    raise StepFailed(
        f"a configuration at {c.idx}", "none", f"node {nid} does not have a configuration at idx {c.idx}"
    )


def assert_absent_config(d: ScenarioDriver, c: AssertAbsentConfig) -> None:
    nid = d.known(c.node, f"{c.verb}: node")
    for config in d.nodes[nid].configurations:
        if config.idx == c.idx:
            raise StepFailed(
                f"no configuration at {c.idx}",
                "{" + ", ".join(sorted(config.nodes)) + "}",
                f"node {nid} has unexpected configuration at idx {c.idx}",
            )


def assert_state_sync(d: ScenarioDriver, c: AssertStateSync) -> None:
    found = d.state_sync_discrepancies(list(d.nodes))
    if found:
        raise StepFailed("all nodes in sync", "; ".join(found), "states not in sync")


def loop_until_sync(d: ScenarioDriver, c: LoopUntilSync | None = None) -> None:
    """Sign in the highest term with a leader, reconnect the active nodes, and let the leader catch
    them up; CCF's driver runs this at the end of every file, as a live service would heal."""
    primaries = d.leaders()
    if not primaries:
        raise StepFailed("a leader", "no leader", "can't loop until sync, no primary", FailureKind.NO_PRIMARY)
    term, primary = max(primaries)
    active = [nid for nid, n in d.nodes.items() if n.is_active]
    d.replicate_entry(term, EntryType.SIGNATURE, data="signature", committable=True)
    for nid in active:
        set_links(d, nid, True)
    for _ in range(MAX_SYNC_ITERATIONS):
        d.nodes[primary].periodic(10)
        d.network.dispatch_all()
        found = d.state_sync_discrepancies(active)
        if not found:
            return
    raise StepFailed(
        "all active nodes in sync",
        "; ".join(found),
        f"failed to reach state sync after {MAX_SYNC_ITERATIONS} iterations",
        FailureKind.NOT_IN_SYNC,
    )


def _prefix(d: ScenarioDriver, nid: str, upto: int) -> list[Entry]:
    """Entries 1..upto of ``nid``'s ledger (fewer if it is shorter)."""
    return d.nodes[nid].log[:upto]


def commit_safety(d: ScenarioDriver, nid: str) -> None:
    """The committed prefix of ``nid`` is on a majority of each of its configurations at or below it."""
    node = d.nodes[nid]
    committed = node.commit_idx
    prefix = _prefix(d, nid, committed)
    present = {other: _prefix(d, other, committed) == prefix for other in d.nodes}
    for c in node.configurations:
        if c.idx <= committed:
            count = sum(1 for n in c.nodes if present.get(n, False))
            if count < majority(len(c.nodes)):
                need = majority(len(c.nodes))
                raise StepFailed(
                    f"index {committed} on at least {need} of {sorted(c.nodes)}",
                    f"on {count}",
                    f"node {nid} at unsafe commit idx {committed} (configuration at {c.idx})",
                    FailureKind.COMMIT_SAFETY,
                )


def commit_safety_all(d: ScenarioDriver) -> None:
    for nid in d.nodes:
        commit_safety(d, nid)


def assert_commit_safety(d: ScenarioDriver, c: AssertCommitSafety) -> None:
    commit_safety(d, d.known(c.node, "assert_commit_safety: node"))


HANDLERS: dict[type[Command], Handler] = {
    AssertDetail: assert_detail,
    AssertLastTxid: assert_last_txid,
    AssertCommitIdx: assert_commit_idx,
    AssertConfig: assert_config,
    AssertAbsentConfig: assert_absent_config,
    AssertStateSync: assert_state_sync,
    AssertCommitSafety: assert_commit_safety,
    LoopUntilSync: loop_until_sync,
}
