"""Command handlers by family (as etcd-io/raft's rafttest ``interaction_env_handler_*``): one function
per command type, ``handler(driver, command)``; the driver looks the type up in :data:`HANDLERS`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyccf.sim.handlers import assertions, membership, network, output, replication
from pyccf.sim.handlers.base import Handler

if TYPE_CHECKING:
    from pyccf.sim.commands import Command

HANDLERS: dict[type[Command], Handler] = {
    **membership.HANDLERS,
    **network.HANDLERS,
    **replication.HANDLERS,
    **output.HANDLERS,
    **assertions.HANDLERS,
}
