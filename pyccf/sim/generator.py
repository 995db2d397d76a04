"""Random scenario commands (:mod:`pyccf.sim.commands`), one at a time, valid for the cluster as it is now.

The generator reads the live driver before every line (which nodes exist, which term has a leader,
what that leader's configuration is and what it has committed), so every line it emits is one CCF's own
raft_driver would accept: ``replicate,term,...`` only for a term with a leader, joins only with fresh
ids, reconfigurations that keep at least one node, ``cleanup_nodes`` only once a removal is committed.
Membership is read from the leader, not remembered, so a reconfiguration that was rolled back is simply
not there any more. Progress (time, delivery, transactions) is common; faults and reconfigurations rarer.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pyccf.formats.raft_trace import MembershipState
from pyccf.sim.commands import (
    CleanupNodes,
    Command,
    DispatchAll,
    DispatchOne,
    DispatchSingle,
    DropPending,
    DropPendingTo,
    EmitSignature,
    Link,
    NodeLinks,
    Periodic,
    PreVoteEnabled,
    Replicate,
    StartNode,
    SwapNode,
    SwapNodes,
    Term,
    TrustNodes,
)
from pyccf.sim.rules import LineRules, ever_configured, latest_config, leaders

__all__ = ["GeneratorConfig", "ScenarioGenerator", "leaders"]

# Milliseconds for periodic_* lines: mostly one heartbeat, sometimes enough for an election timeout.
TICKS_ALL = (10, 10, 10, 10, 20, 30, 50, 100)
TICKS_ONE = (10, 10, 30, 50, 100, 100, 150)


@dataclass(frozen=True)
class GeneratorConfig:
    """Shape of a random scenario: how big a configuration may grow (the caller decides how many lines)."""

    nodes: int = 3  # most nodes in a configuration the generator asks for
    max_ids: int = 0  # most node ids ever created (0: 2 * nodes + 1)

    @property
    def id_limit(self) -> int:
        return self.max_ids or 2 * self.nodes + 1


@dataclass
class ScenarioGenerator:
    """Emits one valid scenario line at a time; call :meth:`observe` after the driver ran each line."""

    rng: random.Random
    config: GeneratorConfig = field(default_factory=GeneratorConfig)
    rules: LineRules = field(default_factory=LineRules)  # who was a committed member, who was cleaned up
    next_id: int = 0
    tx: int = 0

    # -- the opening and the closing -------------------------------------------------------------

    def opening(self) -> list[Command]:
        """``start_node,0`` and its first signature, sometimes preceded by ``pre_vote_enabled,true``.

        Every CCF scenario signs right after starting: until the first configuration is committed,
        a leader that steps down rolls it back and the service can never elect anyone again.
        """
        lines: list[Command] = [PreVoteEnabled(True)] if self.rng.random() < 0.5 else []
        return [*lines, StartNode(self._fresh_id()), EmitSignature(2)]

    def observe(self, driver: Any, command: Command | str | None = None) -> None:
        """Call after the driver ran each command (membership history decides what is valid next)."""
        self.rules.observe(driver, command)

    def healing(self, driver: Any, max_lines: int = 80) -> Iterator[Command]:
        """Lines that heal the network and let a leader of the highest term emerge.

        The driver's final ``loop_until_sync`` needs a leader to catch every active node up; a random
        prefix may end partitioned or mid-election, a liveness matter, not what we test. Each line is
        chosen for the state the previous one left: reconnect every link, deliver what is queued, time
        out the best-placed node when there is no leader, and once a leader stands, configure again
        any node whose join was rolled back (as an operator would retry a join).
        """
        ids = sorted(driver.nodes, key=_id_order)
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                if not driver.network.connected(a, b):
                    yield Link(a, b, verb="reconnect")
        rejoins = 3  # a rejoin can itself be rolled back by an election; try again, a few times
        for _ in range(max_lines):
            lead = leaders(driver)
            live = [n for n in ids if driver.nodes[n].is_active]
            top = max((int(driver.nodes[n].current_view) for n in live), default=0)
            pending = driver.network.total_pending() > 0
            if lead and max(lead) >= top:
                leader = driver.nodes[lead[max(lead)]]
                orphans = sorted(self._orphans(driver, leader), key=_id_order)
                if orphans and rejoins and leader.last_idx == leader.last_committable_index():
                    rejoins -= 1
                    yield self._reconfigure(driver, max(lead), latest_config(leader) | set(orphans), [])
                    continue
                if pending:
                    yield DispatchAll()
                elif leader.last_idx > leader.last_committable_index():
                    yield EmitSignature(max(lead))  # nothing unsigned commits, reconfigurations included
                elif all(int(driver.nodes[n].current_view) == max(lead) for n in live) and not (
                    driver.state_sync_discrepancies(live)
                ):
                    return
                else:
                    yield Periodic(None, 10)
            elif pending:
                yield DispatchAll()
            else:
                # any node that may still campaign, retiring ones included: a node being removed may
                # hold the only log a quorum of the old configuration would vote for
                campaigners = [
                    n
                    for n in ids
                    if driver.nodes[n].configurations
                    and driver.nodes[n].ticking
                    and not driver.nodes[n].is_retired_committed()
                ]
                if not campaigners:
                    return
                yield Periodic(_best_candidate(driver, campaigners), 100, verb="periodic_one")

    # -- one random line --------------------------------------------------------------------------

    def next_line(self, driver: Any) -> Command:
        """A random command valid for the driver's current state."""
        choices: list[tuple[float, Callable[[], Command]]] = []
        ids = sorted(driver.nodes, key=_id_order)
        lead = leaders(driver)
        down = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :] if not driver.network.connected(a, b)]

        def add(weight: float, make: Callable[[], Command]) -> None:
            if weight > 0:
                choices.append((weight, make))

        # progress: time and delivery
        add(8, lambda: Periodic(None, self.rng.choice(TICKS_ALL)))
        add(5, lambda: Periodic(self.rng.choice(ids), self.rng.choice(TICKS_ONE), verb="periodic_one"))
        add(8, lambda: DispatchAll())
        add(4, lambda: DispatchAll(verb="dispatch_all_once"))
        add(4, lambda: DispatchOne(self.rng.choice(ids)))
        if len(ids) > 1:
            add(3, lambda: DispatchSingle(*self.rng.sample(ids, 2)))
        # client transactions, signatures, reconfigurations
        if lead:
            add(8, lambda: Replicate(self._term(lead), f"tx{self._tx()}"))
            add(6, lambda: EmitSignature(self._term(lead)))
            self._reconfigurations(driver, lead, add)
        # faults
        if len(ids) > 1:
            add(
                1.0 if len(down) < 3 else 0,
                lambda: Link(*_link(*self.rng.sample(ids, 2)), verb="disconnect"),
            )
            add(0.4 if not down else 0, lambda: NodeLinks(self.rng.choice(ids), verb="disconnect_node"))
            add(0.7, lambda: DropPending(self.rng.choice(ids)))
            add(0.7, lambda: DropPendingTo(*self.rng.sample(ids, 2)))
        if down:
            add(2.5, lambda: Link(*self.rng.choice(down), verb="reconnect"))
            ends = sorted({n for d in down for n in d}, key=_id_order)
            add(0.8, lambda: NodeLinks(self.rng.choice(ends), verb="reconnect_node"))
        add(0.3, lambda: PreVoteEnabled(self.rng.choice(["true", "false"]) == "true"))

        make = self.rng.choices([m for _, m in choices], weights=[w for w, _ in choices])[0]
        return make()

    # -- reconfiguration ---------------------------------------------------------------------------

    def _reconfigurations(
        self, driver: Any, lead: dict[int, str], add: Callable[[float, Callable[[], Command]], None]
    ) -> None:
        term = self._term(lead)
        leader = driver.nodes[lead[max(lead)] if term == "latest" else lead[term]]
        base = latest_config(leader)
        if not base:
            return
        room = min(self.config.nodes - len(base), self.config.id_limit - self.next_id)
        if room > 0:
            add(
                2.0,
                lambda: self._reconfigure(
                    driver, term, base, self._fresh_ids(self.rng.randint(1, min(room, 2)))
                ),
            )
        if len(base) > 1:
            add(1.2, lambda: self._reconfigure(driver, term, self._without(base, min(2, len(base) - 1)), []))
        if self.next_id < self.config.id_limit:
            add(0.8, lambda: self._reconfigure(driver, term, self._without(base, 1), self._fresh_ids(1)))
        ready = self.rules.cleanable(leader)
        if ready:
            add(2.0, lambda: self._cleanup(term, ready))

    def _without(self, base: set[str], most: int) -> set[str]:
        gone = self.rng.sample(sorted(base, key=_id_order), self.rng.randint(1, most))
        return base - set(gone)

    def _reconfigure(self, driver: Any, term: Term, keep: set[str], new: list[str]) -> Command:
        """A command asking the leader of ``term`` for configuration ``keep`` plus the ``new`` nodes.

        Like CCF's driver, the configuration replicated is every known node not listed ``out``, so the
        line lists every known node that is not wanted, not only those leaving now.
        """
        out = sorted(set(driver.nodes) - keep, key=_id_order)
        if not out:
            if not new:
                new = self._fresh_ids(1)  # nothing to say "out": a join is the only way to write it
            if len(new) == 1 and self.rng.random() < 0.5:
                return TrustNodes(term, (new[0],), verb="trust_node")
            return TrustNodes(term, tuple(new))
        if len(new) == 1 and len(out) == 1 and self.rng.random() < 0.5:
            return SwapNode(term, out[0], new[0])
        groups: list[tuple[Literal["in", "out"], tuple[str, ...]]] = [("out", tuple(out))]
        if new:
            groups.append(("in", tuple(new)))
        self.rng.shuffle(groups)
        return SwapNodes(term, tuple(groups))

    def _cleanup(self, term: Term, ready: list[str]) -> CleanupNodes:
        chosen = sorted(self.rng.sample(ready, self.rng.randint(1, len(ready))), key=_id_order)
        return CleanupNodes(term, tuple(chosen))

    def _orphans(self, driver: Any, leader: Any) -> set[str]:
        """Active nodes whose join never committed and that no configuration in the leader's log names
        (a node that was removed but never learnt it is not an orphan: it may not come back)."""
        configured = ever_configured(leader) | {n for c in leader.configurations for n in c.nodes}
        return {
            n
            for n, node in driver.nodes.items()
            if node.membership_state == MembershipState.ACTIVE
            and n not in configured
            and n not in self.rules.committed_members
        }

    # -- helpers -----------------------------------------------------------------------------------

    def _term(self, lead: dict[int, str]) -> Term:
        """Mostly the highest term with a leader; sometimes a stale leader's term, or ``latest``."""
        r = self.rng.random()
        if r < 0.08:
            return "latest"
        if r < 0.2 and len(lead) > 1:
            return self.rng.choice(sorted(lead))
        return max(lead)

    def _fresh_id(self) -> str:
        self.next_id += 1
        return str(self.next_id - 1)

    def _fresh_ids(self, k: int) -> list[str]:
        return [self._fresh_id() for _ in range(k)]

    def _tx(self) -> int:
        self.tx += 1
        return self.tx


def _best_candidate(driver: Any, nodes: list[str]) -> str:
    """The node most likely to win an election: the most up-to-date committable log."""

    def rank(n: str) -> tuple[int, int, int]:
        node = driver.nodes[n]
        lci = int(node.last_committable_index())
        return (int(node.term_of(lci)) if lci else 0, lci, -_id_order(n)[0])

    return max(nodes, key=rank)


def _id_order(node_id: str) -> tuple[int, str]:
    return (int(node_id), node_id) if node_id.isdigit() else (1 << 30, node_id)


def _link(a: str, b: str) -> tuple[str, str]:
    return (a, b) if _id_order(a) <= _id_order(b) else (b, a)
