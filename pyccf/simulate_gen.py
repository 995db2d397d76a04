"""Random scenario lines in CCF's scenario language, one at a time, valid for the cluster as it is now.

The generator reads the live driver before every line (which nodes exist, which term has a leader,
what each leader has committed), so every line it emits is one CCF's own raft_driver would accept:
``replicate,term,...`` only for a term with a leader, joins only with fresh ids, retirements that
keep a configuration, ``cleanup_nodes`` only after the retirement is committed. Progress (time,
delivery, transactions) is common; faults (partitions, drops) and reconfigurations are rarer.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pyccf.vocabulary import LeadershipState, MembershipState

# Milliseconds for periodic_* lines: mostly one heartbeat, sometimes enough for an election timeout.
TICKS_ALL = (10, 10, 10, 10, 20, 30, 50, 100)
TICKS_ONE = (10, 10, 30, 50, 100, 100, 150)


@dataclass(frozen=True)
class GeneratorConfig:
    """Shape of a random scenario: how many lines, how big a configuration may grow."""

    steps: int = 100
    nodes: int = 3  # most members of the intended configuration at once
    max_ids: int = 0  # most node ids ever created (0: 2 * nodes + 1)

    @property
    def id_limit(self) -> int:
        return self.max_ids or 2 * self.nodes + 1


@dataclass
class _Removal:
    term: int  # the term and log index of the reconfiguration entry that removed the node
    idx: int


def leaders(driver: Any) -> dict[int, str]:
    """Term -> id of the node that is Leader in that term (at most one per term by election safety)."""
    found: dict[int, str] = {}
    for node_id, node in driver.nodes.items():
        if node.leadership_state == LeadershipState.LEADER:
            found.setdefault(int(node.current_view), str(node_id))
    return found


@dataclass
class ScenarioGenerator:
    """Emits one valid scenario line at a time; call :meth:`observe` after the driver ran it."""

    rng: random.Random
    config: GeneratorConfig = field(default_factory=GeneratorConfig)
    members: list[str] = field(default_factory=list)  # the intended configuration, in join order
    removed: dict[str, list[_Removal]] = field(default_factory=dict)  # swapped out, not cleaned up
    cleaned: set[str] = field(default_factory=set)
    down: set[tuple[str, str]] = field(default_factory=set)  # links the scenario disconnected (a < b)
    next_id: int = 0
    tx: int = 0
    _pending_removal: list[str] = field(default_factory=list)

    # -- the opening and the closing -------------------------------------------------------------

    def opening(self) -> list[str]:
        """``start_node,0``, sometimes preceded by ``pre_vote_enabled,true``."""
        lines = ["pre_vote_enabled,true"] if self.rng.random() < 0.5 else []
        lines.append(f"start_node,{self._fresh_id()}")
        self.members.append("0")
        return lines

    def healing(self, driver: Any, max_lines: int = 60) -> Iterator[str]:
        """Lines that heal the network and let a leader of the highest term emerge.

        The driver's implicit final ``loop_until_sync`` needs a leader to catch everyone up; a random
        prefix may end mid-election or partitioned, which is a liveness matter, not what we test.
        """
        for a, b in sorted(self.down):
            self.down.discard((a, b))
            yield f"reconnect,{a},{b}"
        for i in range(max_lines):
            if self._stable(driver):
                return
            if i % 4 == 3:
                candidates = self._live_members(driver)
                if candidates:
                    yield f"periodic_one,{self.rng.choice(candidates)},100"
                    continue
            yield "periodic_all,10" if i % 2 == 0 else "dispatch_all"

    # -- one random line --------------------------------------------------------------------------

    def next_line(self, driver: Any) -> str:
        """A random line valid for the driver's current state."""
        choices: list[tuple[float, Callable[[], str]]] = []
        ids = sorted(driver.nodes, key=_id_order)
        lead = leaders(driver)

        def add(weight: float, make: Callable[[], str]) -> None:
            if weight > 0:
                choices.append((weight, make))

        # progress: time and delivery
        add(8, lambda: f"periodic_all,{self.rng.choice(TICKS_ALL)}")
        add(5, lambda: f"periodic_one,{self.rng.choice(ids)},{self.rng.choice(TICKS_ONE)}")
        add(8, lambda: "dispatch_all")
        add(4, lambda: "dispatch_all_once")
        add(4, lambda: f"dispatch_one,{self.rng.choice(ids)}")
        if len(ids) > 1:
            add(3, lambda: "dispatch_single,{},{}".format(*self.rng.sample(ids, 2)))
        # client transactions and signatures
        if lead:
            add(8, lambda: f"replicate,{self._term(lead)},tx{self._tx()}")
            add(6, lambda: f"emit_signature,{self._term(lead)}")
            self._reconfigurations(driver, lead, add)
        # faults
        if len(ids) > 1:
            add(1.0 if len(self.down) < 3 else 0, lambda: self._disconnect(ids))
            add(0.4 if not self.down else 0, lambda: self._disconnect_node(ids))
            add(0.7, lambda: f"drop_pending,{self.rng.choice(ids)}")
            add(0.7, lambda: "drop_pending_to,{},{}".format(*self.rng.sample(ids, 2)))
        if self.down:
            add(2.5, self._reconnect)
            add(0.8, self._reconnect_node)
        add(0.3, lambda: f"pre_vote_enabled,{self.rng.choice(['true', 'false'])}")

        weights = [w for w, _ in choices]
        make = self.rng.choices([m for _, m in choices], weights=weights)[0]
        return make()

    def observe(self, driver: Any) -> None:
        """Record what the driver did with the last line (the index of a removing reconfiguration)."""
        if self._pending_removal:
            term, node, *outs = self._pending_removal
            removal = _Removal(int(term), int(driver.nodes[node].last_idx))
            for out in outs:
                self.removed.setdefault(out, []).append(removal)
            self._pending_removal = []

    # -- reconfiguration ---------------------------------------------------------------------------

    def _reconfigurations(
        self, driver: Any, lead: dict[int, str], add: Callable[[float, Callable[[], str]], None]
    ) -> None:
        can_create = self.next_id < self.config.id_limit
        if can_create and len(self.members) < self.config.nodes:
            add(2.0, lambda: self._join(lead))
        if len(self.members) > 1:
            add(1.2, lambda: self._retire(lead))
        if can_create:
            add(0.8, lambda: self._swap(lead))
        if self._cleanable(driver, lead):
            add(2.0, lambda: self._cleanup(driver, lead))

    def _join(self, lead: dict[int, str]) -> str:
        term = self._term(lead)
        room = min(self.config.nodes - len(self.members), self.config.id_limit - self.next_id)
        new = [self._fresh_id() for _ in range(self.rng.randint(1, min(room, 2)))]
        self.members.extend(new)
        if self.removed or self.cleaned:
            # trust_node(s) would configure every known node, bringing retired ones back
            return self._swap_line(term, lead, new, [])
        if len(new) == 1 and self.rng.random() < 0.5:
            return f"trust_node,{term},{new[0]}"
        return f"trust_nodes,{term},{','.join(new)}"

    def _retire(self, lead: dict[int, str]) -> str:
        term = self._term(lead)
        k = self.rng.randint(1, min(2, len(self.members) - 1))
        out = self.rng.sample(self.members, k)
        return self._swap_line(term, lead, [], out)

    def _swap(self, lead: dict[int, str]) -> str:
        term = self._term(lead)
        out = [self.rng.choice(self.members)]
        new = [self._fresh_id()]
        self.members.extend(new)
        return self._swap_line(term, lead, new, out)

    def _swap_line(self, term: str, lead: dict[int, str], new: list[str], going: list[str]) -> str:
        """A swap line taking ``going`` out of the members and ``new`` in.

        Like CCF's driver, the configuration is every known node not listed ``out``, so the line lists
        every node that has ever left, not only those leaving now. Nodes out of it are remembered so
        :meth:`observe` can note the index of the entry that retires them.
        """
        for o in going:
            self.members.remove(o)
        out = sorted(set(going) | self.removed.keys() | self.cleaned, key=_id_order)
        t = self._leader_term(term, lead)
        # every node out of this configuration, newly or again, is retired once this entry commits
        self._pending_removal = [str(t), lead[t], *(o for o in out if o not in self.cleaned)]
        if len(new) == 1 and len(out) == 1 and self.rng.random() < 0.5:
            return f"swap_node,{term},{out[0]},{new[0]}"
        groups = []
        if new:
            groups.append("in," + ",".join(new))
        if out:
            groups.append("out," + ",".join(out))
        self.rng.shuffle(groups)
        return f"swap_nodes,{term},{','.join(groups)}"

    def _cleanable(self, driver: Any, lead: dict[int, str]) -> list[str]:
        """Removed nodes whose removal the leader of the highest term has committed."""
        if not self.removed:
            return []
        leader = driver.nodes[lead[max(lead)]]
        return [
            node
            for node, removals in self.removed.items()
            if any(int(leader.commit_idx) >= r.idx and _term_at(leader, r.idx) == r.term for r in removals)
        ]

    def _cleanup(self, driver: Any, lead: dict[int, str]) -> str:
        ready = sorted(self._cleanable(driver, lead), key=_id_order)
        chosen = sorted(self.rng.sample(ready, self.rng.randint(1, len(ready))), key=_id_order)
        for node in chosen:
            del self.removed[node]
            self.cleaned.add(node)
        return f"cleanup_nodes,{max(lead)},{','.join(chosen)}"

    # -- faults ------------------------------------------------------------------------------------

    def _disconnect(self, ids: list[str]) -> str:
        a, b = _link(*self.rng.sample(ids, 2))
        self.down.add((a, b))
        return f"disconnect,{a},{b}"

    def _disconnect_node(self, ids: list[str]) -> str:
        node = self.rng.choice(ids)
        self.down |= {_link(node, other) for other in ids if other != node}
        return f"disconnect_node,{node}"

    def _reconnect(self) -> str:
        a, b = self.rng.choice(sorted(self.down))
        self.down.discard((a, b))
        return f"reconnect,{a},{b}"

    def _reconnect_node(self) -> str:
        node = self.rng.choice(sorted({n for link in self.down for n in link}, key=_id_order))
        self.down = {link for link in self.down if node not in link}
        return f"reconnect_node,{node}"

    # -- helpers -----------------------------------------------------------------------------------

    def _term(self, lead: dict[int, str]) -> str:
        """Mostly the highest term with a leader; sometimes a stale leader's term, or ``latest``."""
        r = self.rng.random()
        if r < 0.08:
            return "latest"
        if r < 0.2 and len(lead) > 1:
            return str(self.rng.choice(sorted(lead)))
        return str(max(lead))

    @staticmethod
    def _leader_term(term: str, lead: dict[int, str]) -> int:
        return max(lead) if term == "latest" else int(term)

    def _fresh_id(self) -> str:
        self.next_id += 1
        return str(self.next_id - 1)

    def _tx(self) -> int:
        self.tx += 1
        return self.tx

    def _live_members(self, driver: Any) -> list[str]:
        return [
            m
            for m in self.members
            if m in driver.nodes and driver.nodes[m].membership_state == MembershipState.ACTIVE
        ]

    def _stable(self, driver: Any) -> bool:
        """A leader exists in the highest term any live member has seen, with no candidates around."""
        lead = leaders(driver)
        live = self._live_members(driver)
        if not lead or not live:
            return False
        top = max(int(driver.nodes[m].current_view) for m in live)
        return max(lead) >= top and lead[max(lead)] in live


def _id_order(node_id: str) -> tuple[int, str]:
    return (int(node_id), node_id) if node_id.isdigit() else (1 << 30, node_id)


def _link(a: str, b: str) -> tuple[str, str]:
    return (a, b) if _id_order(a) <= _id_order(b) else (b, a)


def _term_at(node: Any, idx: int) -> int | None:
    """The term of the node's log entry at ``idx`` (None if it has none)."""
    entry = node.entry(idx)
    return None if entry is None else int(entry.term)
