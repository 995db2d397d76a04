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

from pyccf.formats.raft_trace import LeadershipState

# Lines whose first argument is a term whose leader acts.
LEADER_COMMANDS = frozenset(
    {"replicate", "emit_signature", "trust_node", "trust_nodes", "swap_node", "swap_nodes", "cleanup_nodes"}
)
RECONFIGURATIONS = frozenset({"trust_node", "trust_nodes", "swap_node", "swap_nodes"})


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


def reconfiguration(cmd: str, args: list[str]) -> tuple[list[str], list[str]]:
    """(nodes in, nodes out) of a reconfiguration line's arguments after the term, as CCF reads them."""
    if cmd in ("trust_node", "trust_nodes"):
        return args, []
    if cmd == "swap_node":
        return args[1:2], args[:1]
    groups: dict[str, list[str]] = {"in": [], "out": []}
    group = args[0] if args and args[0] in groups else "in"
    for a in args:
        if a in groups:
            group = a
        else:
            groups[group].append(a)
    return groups["in"], groups["out"]


@dataclass
class LineRules:
    """Tracks what validity depends on: who was ever a member of a committed configuration."""

    committed_members: set[str] = field(default_factory=set)
    cleaned: set[str] = field(default_factory=set)

    def observe(self, driver: Any, text: str = "") -> None:
        """Call after each line ran."""
        for node in driver.nodes.values():
            if node.configurations and node.commit_idx >= node.configurations[0].idx:
                self.committed_members |= node.configurations[0].nodes
        if text.startswith("cleanup_nodes,"):
            self.cleaned |= set(text.split(",")[2:])

    def leader_for(self, driver: Any, term: str) -> Any | None:
        lead = leaders(driver)
        if not lead:
            return None
        if term == "latest":
            return driver.nodes[lead[max(lead)]]
        return driver.nodes[lead[int(term)]] if term.isdigit() and int(term) in lead else None

    def cleanable(self, leader: Any) -> list[str]:
        """Members of a committed configuration that no configuration of ``leader`` holds any more: the
        leader has committed their removal (CCF drops a configuration once a later one commits)."""
        if not leader.configurations or leader.commit_idx < leader.configurations[0].idx:
            return []
        return sorted(self.committed_members - held(leader) - self.cleaned)

    def gone(self, leader: Any) -> set[str]:
        """Nodes that left: were configured (committed, or in the leader's log) and are not in the
        leader's latest configuration. A configuration must never bring one back."""
        return (self.committed_members | held(leader) | self.cleaned) - latest_config(leader)

    def violation(self, driver: Any, text: str) -> str | None:
        """Why ``text`` is not a valid next line for the driver's state (None if it is)."""
        cmd, *args = text.split("#", 1)[0].strip().split(",")
        if cmd not in LEADER_COMMANDS:
            return None
        if not args:
            return f"{cmd} needs a term"
        leader = self.leader_for(driver, args[0])
        if leader is None:
            return f"no leader in term {args[0]}"
        if cmd in RECONFIGURATIONS:
            into, out = reconfiguration(cmd, args[1:])
            if any(n in driver.nodes for n in into):
                return f"{cmd} reuses a node id"
            config = (set(driver.nodes) | set(into)) - set(out)
            if not config:
                return f"{cmd} leaves an empty configuration"
            back = config & self.gone(leader)
            if back:
                return f"{cmd} brings back {', '.join(sorted(back))}, which left"
        if cmd == "cleanup_nodes":
            early = set(args[1:]) - set(self.cleanable(leader))
            if early:
                return f"cleanup_nodes before the removal of {', '.join(sorted(early))} is committed"
        return None
