"""Handlers of the output family: what ``state_*`` and ``summarise_*`` print (CCF's driver's wording)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyccf.sim.commands import Command, State, SummariseLog, SummariseMessages
from pyccf.sim.handlers.base import Handler

if TYPE_CHECKING:
    from pyccf.sim.driver import ScenarioDriver


def state_line(d: ScenarioDriver, nid: str) -> str:
    n = d.nodes[nid]
    role = {"Follower": "F", "Candidate": "C", "Leader": "P"}.get(n.leadership_state.value, "?")
    return (
        f"{nid}: leadership {role} membership {'A' if n.is_active else 'R'} "
        f"@{n.current_view}.{n.last_idx} (committed {n.commit_idx})"
    )


def log_line(d: ScenarioDriver, nid: str) -> str:
    n = d.nodes[nid]
    parts = []
    for i in range(1, n.last_idx + 1):
        s = f"{n.term_of(i)}.{i}"
        parts.append(f"[{s}]" if i == n.commit_idx else s)
    return f"{nid}: {', '.join(parts)}"


def state(d: ScenarioDriver, c: State) -> None:
    for nid in sorted(d.nodes) if c.node is None else [d.known(c.node, "state_one: node")]:
        d.print(state_line(d, nid))


def summarise_log(d: ScenarioDriver, c: SummariseLog) -> None:
    for nid in sorted(d.nodes) if c.node is None else [d.known(c.node, "summarise_log: node")]:
        d.print(log_line(d, nid))


def summarise_messages(d: ScenarioDriver, c: SummariseMessages) -> None:
    src = d.known(c.src, "summarise_messages: from")
    d.print(d._messages_line(src, d.known(c.dst, "summarise_messages: to")))


HANDLERS: dict[type[Command], Handler] = {
    State: state,
    SummariseLog: summarise_log,
    SummariseMessages: summarise_messages,
}
