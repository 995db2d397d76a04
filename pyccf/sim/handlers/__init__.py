"""Command handlers by family (as etcd-io/raft's rafttest ``interaction_env_handler_*``): one function
per command type, ``handler(driver, command)``; the driver looks the type up in :data:`HANDLERS`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyccf.sim.handlers import assertions, membership, network, output, replication

if TYPE_CHECKING:
    from pyccf.sim.commands import Command
    from pyccf.sim.driver import ScenarioDriver

Handler = Callable[["ScenarioDriver", Any], None]

HANDLERS: dict[type[Command], Handler] = {
    **membership.HANDLERS,
    **network.HANDLERS,
    **replication.HANDLERS,
    **output.HANDLERS,
    **assertions.HANDLERS,
}
