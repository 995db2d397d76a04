"""Handlers of the replication family: time passing, client transactions, signatures, succession."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyccf.formats.raft_trace import EntryType
from pyccf.sim.commands import Command, EmitSignature, NominateSuccessor, Periodic, Replicate
from pyccf.sim.handlers.base import Handler

if TYPE_CHECKING:
    from pyccf.sim.driver import ScenarioDriver


def periodic(d: ScenarioDriver, c: Periodic) -> None:
    if c.node is not None:
        d.nodes[d.known(c.node, "periodic_one: node")].periodic(c.ms)
    else:
        for node in list(d.nodes.values()):
            node.periodic(c.ms)


def replicate(d: ScenarioDriver, c: Replicate) -> None:
    d.replicate_entry(c.term, EntryType.RAW, data=c.data)


def emit_signature(d: ScenarioDriver, c: EmitSignature) -> None:
    d.replicate_entry(c.term, EntryType.SIGNATURE, data="signature", committable=True)


def nominate_successor(d: ScenarioDriver, c: NominateSuccessor) -> None:
    d.nodes[d.known(c.node, "nominate_successor: node")].nominate_successor()


HANDLERS: dict[type[Command], Handler] = {
    Periodic: periodic,
    Replicate: replicate,
    EmitSignature: emit_signature,
    NominateSuccessor: nominate_successor,
}
