"""Handlers of the network family: links, message delivery, drops and reordering."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyccf.sim.commands import (
    Command,
    DispatchAll,
    DispatchOne,
    DispatchSingle,
    DropPending,
    DropPendingTo,
    Link,
    NodeLinks,
    Shuffle,
)
from pyccf.sim.handlers.base import Handler

if TYPE_CHECKING:
    from pyccf.sim.driver import ScenarioDriver


def link(d: ScenarioDriver, c: Link) -> None:
    a, b = d.known(c.a, f"{c.verb}: node"), d.known(c.b, f"{c.verb}: node")
    if c.up:
        d.network.connect(a, b)
    else:
        d.network.disconnect(a, b)


def set_links(d: ScenarioDriver, node_id: str, up: bool) -> None:
    """Every link of ``node_id`` up or down (``reconnect_node``/``disconnect_node``, and the final sync)."""
    for other in d.nodes:
        if other != node_id:
            if up:
                d.network.connect(node_id, other)
            else:
                d.network.disconnect(node_id, other)


def node_links(d: ScenarioDriver, c: NodeLinks) -> None:
    set_links(d, d.known(c.node, f"{c.verb}: node"), c.up)


def dispatch_one(d: ScenarioDriver, c: DispatchOne) -> None:
    d.network.dispatch_one(d.known(c.node, "dispatch_one: node"))


def dispatch_all(d: ScenarioDriver, c: DispatchAll) -> None:
    if c.once:
        d.network.dispatch_all_once()
    else:
        d.network.dispatch_all()


def dispatch_single(d: ScenarioDriver, c: DispatchSingle) -> None:
    d.network.dispatch_single(d.known(c.src, "dispatch_single: from"), d.known(c.dst, "dispatch_single: to"))


def drop_pending(d: ScenarioDriver, c: DropPending) -> None:
    d.network.drop_pending(d.known(c.node, "drop_pending: node"), sorted(d.nodes))


def drop_pending_to(d: ScenarioDriver, c: DropPendingTo) -> None:
    d.network.drop_pending_to(d.known(c.src, "drop_pending_to: from"), d.known(c.dst, "drop_pending_to: to"))


def shuffle(d: ScenarioDriver, c: Shuffle) -> None:
    if c.node is not None:
        d._shuffle(d.known(c.node, "shuffle_one: node"))
    else:
        for n in sorted(d.nodes):
            d._shuffle(n)


HANDLERS: dict[type[Command], Handler] = {
    Link: link,
    NodeLinks: node_links,
    DispatchOne: dispatch_one,
    DispatchAll: dispatch_all,
    DispatchSingle: dispatch_single,
    DropPending: drop_pending,
    DropPendingTo: drop_pending_to,
    Shuffle: shuffle,
}
