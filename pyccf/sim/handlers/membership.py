"""Handlers of the membership family: creating nodes, reconfigurations, retirement, PreVote."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyccf.formats.raft_trace import EntryType
from pyccf.sim.commands import (
    CleanupNodes,
    Command,
    CreateNewNode,
    CreateNodes,
    PreVoteEnabled,
    ReplicateNewConfiguration,
    StartNode,
    SwapNode,
    SwapNodes,
    TrustNodes,
)
from pyccf.sim.handlers.base import BadLine, Handler

if TYPE_CHECKING:
    from pyccf.sim.driver import ScenarioDriver


def start_node(d: ScenarioDriver, c: StartNode) -> None:
    if d.nodes:
        raise BadLine("start node already exists", "start_node: node")
    node = d.add_node(c.node, f"{c.verb}: node")
    node.force_become_primary()
    d.replicate_entry(2, EntryType.RECONFIGURATION, nodes=(c.node,))


def create_nodes(d: ScenarioDriver, c: CreateNodes) -> None:
    for n in c.nodes:
        d.add_node(n, f"{c.verb}: node")
    for node in d.nodes.values():
        node.add_configuration(0, frozenset(c.nodes))


def create_new_node(d: ScenarioDriver, c: CreateNewNode) -> None:
    d.add_node(c.node, f"{c.verb}: node")


def trust_nodes(d: ScenarioDriver, c: TrustNodes) -> None:
    for n in c.nodes:
        d.add_node(n, f"{c.verb}: node")
    config = tuple(d.nodes)
    for n in c.nodes:
        for other in d.nodes:
            if other != n:
                d.network.connect(other, n)
    d.replicate_entry(c.term, EntryType.RECONFIGURATION, nodes=config)


def swap_nodes(d: ScenarioDriver, c: SwapNode | SwapNodes) -> None:
    """As CCF's driver: the new configuration is every known node not listed ``out``."""
    into, out = c.into, set(c.out)
    for n in into:
        d.add_node(n, f"{c.verb}: node")
    config = tuple(n for n in d.nodes if n not in out)
    for other in d.nodes:
        for n in into:
            if other != n:
                d.network.connect(other, n)
    d.replicate_entry(c.term, EntryType.RECONFIGURATION, nodes=config)


def replicate_new_configuration(d: ScenarioDriver, c: ReplicateNewConfiguration) -> None:
    for n in c.nodes:
        if n not in d.nodes:
            d.add_node(n, f"{c.verb}: node")
    d.replicate_entry(c.term, EntryType.RECONFIGURATION, nodes=c.nodes)


def cleanup_nodes(d: ScenarioDriver, c: CleanupNodes) -> None:
    for n in c.nodes:
        d.known(n, "cleanup_nodes: node")
    d.replicate_entry(c.term, EntryType.RETIRED_COMMITTED, nodes=c.nodes)


def pre_vote_enabled(d: ScenarioDriver, c: PreVoteEnabled) -> None:
    d.pre_vote_enabled = c.enabled


HANDLERS: dict[type[Command], Handler] = {
    StartNode: start_node,
    CreateNodes: create_nodes,
    CreateNewNode: create_new_node,
    TrustNodes: trust_nodes,
    SwapNode: swap_nodes,
    SwapNodes: swap_nodes,
    ReplicateNewConfiguration: replicate_new_configuration,
    CleanupNodes: cleanup_nodes,
    PreVoteEnabled: pre_vote_enabled,
}
