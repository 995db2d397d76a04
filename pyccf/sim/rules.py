"""What makes a scenario line valid in CCF's sense, beyond what the driver's syntax check enforces.

CCF's raft_driver accepts some lines a real service never produces: ``cleanup_nodes`` for a node whose
removal is not committed, a reconfiguration that brings back a node that already left, an empty
configuration. The generator never writes such lines, and the shrinker must not produce them either
(delta debugging deletes lines, which can turn a valid later line into an invalid one), so both consult
:class:`LineRules` against the live driver before a line runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyccf.formats.raft_trace import EntryType, LeadershipState
from pyccf.sim.commands import (
    CleanupNodes,
    Command,
    EmitSignature,
    Reconfiguration,
    Replicate,
    Term,
)
from pyccf.sim.parsing import parse_line

# Commands whose leader (of the term they name) acts; CCF's driver needs one there.
LEADER_COMMANDS = (Replicate, EmitSignature, Reconfiguration, CleanupNodes)


def leaders(driver: Any) -> dict[int, str]:
    """Term -> id of the node that is Leader in that term (at most one per term by election safety)."""
    found: dict[int, str] = {}
    for node_id, node in driver.nodes.items():
        if node.leadership_state == LeadershipState.LEADER:
            found.setdefault(int(node.current_view), str(node_id))
    return found


def latest_config(node: Any) -> set[str]:
    return set(node.configurations[-1].nodes) if node.configurations else set()


def held(node: Any) -> set[str]:
    """Every node in any of ``node``'s active configurations (committed one first, then pending)."""
    return {n for c in node.configurations for n in c.nodes}


def ever_configured(node: Any) -> set[str]:
    """Every node named by a reconfiguration entry of ``node``'s log: the spec's ``EverConfigured``. A
    configuration must never name one of them again unless it is still there: node ids are never
    reused, and a node that left may not have learnt it (a lagging log)."""
    return {n for e in node.log if e.kind is EntryType.RECONFIGURATION for n in e.nodes}


def reconfiguration(cmd: str, args: list[str]) -> tuple[list[str], list[str]]:
    """(nodes in, nodes out) of a reconfiguration line's arguments after the term, as CCF reads them."""
    command = parse_line(",".join([cmd, "0", *args]))
    assert isinstance(command, Reconfiguration), cmd
    return list(command.into), list(command.out)


@dataclass
class LineRules:
    """Tracks what validity depends on: who was ever a member of a committed configuration."""

    committed_members: set[str] = field(default_factory=set)
    cleaned: set[str] = field(default_factory=set)
    # per node, the committed prefix of its log already read (a committed entry never changes)
    _read_upto: dict[str, int] = field(default_factory=dict)

    def observe(self, driver: Any, command: Command | str | None = None) -> None:
        """Call after each command (or line, parsed here) ran."""
        if isinstance(command, str):
            command = parse_line(command)
        for node_id, node in driver.nodes.items():  # every committed configuration, also one superseded
            done = self._read_upto.get(node_id, 0)  # at once; each committed entry is read once
            for entry in node.log[done : node.commit_idx]:
                if entry.kind is EntryType.RECONFIGURATION:
                    self.committed_members.update(entry.nodes)
            self._read_upto[node_id] = max(done, node.commit_idx)
        if isinstance(command, CleanupNodes):
            self.cleaned |= set(command.nodes)

    def leader_for(self, driver: Any, term: Term) -> Any | None:
        lead = leaders(driver)
        if not lead:
            return None
        if term == "latest":
            return driver.nodes[lead[max(lead)]]
        return driver.nodes[lead[term]] if term in lead else None

    def cleanable(self, leader: Any) -> list[str]:
        """Members of a committed configuration that no configuration of ``leader`` holds any more: the
        leader has committed their removal (CCF drops a configuration once a later one commits)."""
        if not leader.configurations or leader.commit_idx < leader.configurations[0].idx:
            return []
        return sorted(self.committed_members - held(leader) - self.cleaned)

    def gone(self, leader: Any) -> set[str]:
        """Nodes that left: were configured (committed, or in the leader's log) and are not in the
        leader's latest configuration. A configuration must never bring one back."""
        ever = self.committed_members | ever_configured(leader) | held(leader) | self.cleaned
        return ever - latest_config(leader)

    def violation(self, driver: Any, command: Command | str) -> str | None:
        """Why ``command`` is not a valid next command for the driver's state (None if it is). A line
        given as text is parsed first (a malformed one raises :class:`ScenarioSyntaxError`)."""
        if isinstance(command, str):
            command = parse_line(command)
        if not isinstance(command, LEADER_COMMANDS):
            return None
        verb = command.verb
        leader = self.leader_for(driver, command.term)
        if leader is None:
            return f"no leader in term {command.term}"
        if isinstance(command, Reconfiguration):
            into, out = command.into, command.out
            if any(n in driver.nodes for n in into):
                return f"{verb} reuses a node id"
            config = (set(driver.nodes) | set(into)) - set(out)
            if not config:
                return f"{verb} leaves an empty configuration"
            back = config & self.gone(leader)
            if back:
                return f"{verb} brings back {', '.join(sorted(back))}, which left"
        if isinstance(command, CleanupNodes):
            early = set(command.nodes) - set(self.cleanable(leader))
            if early:
                return f"cleanup_nodes before the removal of {', '.join(sorted(early))} is committed"
        return None
