"""The generator's validity rules, against a hand-controlled stand-in for the driver's state.

The stand-in only does what the generator reads (nodes, their roles, terms and indices); the real
driver is exercised in test_simulate.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from types import SimpleNamespace

from pyccf.simulate_gen import GeneratorConfig, ScenarioGenerator
from pyccf.vocabulary import LeadershipState, MembershipState


@dataclass
class FakeNode:
    current_view: int = 2
    leadership_state: LeadershipState = LeadershipState.FOLLOWER
    membership_state: MembershipState = MembershipState.ACTIVE
    commit_idx: int = 0
    last_idx: int = 0
    terms: list[int] = field(default_factory=list)

    def entry(self, idx: int) -> SimpleNamespace | None:
        return SimpleNamespace(term=self.terms[idx - 1]) if 0 < idx <= len(self.terms) else None


@dataclass
class FakeDriver:
    """Creates nodes on start/trust/swap lines and appends one entry to the leader's log per write."""

    nodes: dict[str, FakeNode] = field(default_factory=dict)
    leader: str | None = None

    def run_line(self, text: str) -> None:
        cmd, *args = text.split(",")
        if cmd == "start_node":
            self.nodes[args[0]] = FakeNode(leadership_state=LeadershipState.LEADER)
            self.leader = args[0]
            self._append()
        elif cmd in ("trust_node", "trust_nodes"):
            self._create(args[1:])
            self._append()
        elif cmd == "swap_node":
            self._create(args[2:])
            self._append()
        elif cmd == "swap_nodes":
            group, new = None, []
            for a in args[1:]:
                if a in ("in", "out"):
                    group = a
                elif group == "in":
                    new.append(a)
            self._create(new)
            self._append()
        elif cmd in ("replicate", "emit_signature", "cleanup_nodes"):
            self._append()

    def _create(self, ids: list[str]) -> None:
        for i in ids:
            assert i not in self.nodes, f"id {i} reused"
            self.nodes[i] = FakeNode()

    def _append(self) -> None:
        leader = self.nodes[self.leader]  # type: ignore[index]
        leader.terms.append(leader.current_view)
        leader.last_idx += 1


def _run(seed: int, steps: int, driver: FakeDriver, nodes: int = 3) -> tuple[ScenarioGenerator, list[str]]:
    gen = ScenarioGenerator(random.Random(seed), GeneratorConfig(steps=steps, nodes=nodes))
    lines = []
    for text in gen.opening():
        driver.run_line(text)
        lines.append(text)
    for _ in range(steps):
        text = gen.next_line(driver)
        driver.run_line(text)
        gen.observe(driver)
        lines.append(text)
    return gen, lines


LEADER_ONLY = ("replicate", "emit_signature", "trust_node", "trust_nodes", "swap_node", "swap_nodes",
               "cleanup_nodes")


def test_starts_with_a_single_node() -> None:
    for seed in range(20):
        _, lines = _run(seed, 0, FakeDriver())
        assert lines[-1] == "start_node,0"
        assert lines[:-1] in ([], ["pre_vote_enabled,true"])


def test_no_leader_means_no_writes() -> None:
    driver = FakeDriver()
    gen = ScenarioGenerator(random.Random(1))
    for text in gen.opening():
        driver.run_line(text)
    driver.nodes["0"].leadership_state = LeadershipState.CANDIDATE
    for _ in range(500):
        assert gen.next_line(driver).split(",")[0] not in LEADER_ONLY


def test_terms_name_a_live_leader_or_latest() -> None:
    driver = FakeDriver()
    gen = ScenarioGenerator(random.Random(2))
    for text in gen.opening():
        driver.run_line(text)
    driver.nodes["0"].current_view = 4
    driver.nodes["9"] = FakeNode(current_view=3, leadership_state=LeadershipState.LEADER)  # a stale leader
    seen = set()
    for _ in range(2000):
        cmd, *args = gen.next_line(driver).split(",")
        if cmd in LEADER_ONLY:
            seen.add(args[0])
    assert seen == {"3", "4", "latest"}


def test_ids_are_fresh_and_configurations_bounded() -> None:
    for seed in range(30):
        driver = FakeDriver()
        gen, lines = _run(seed, 300, driver, nodes=3)
        assert len(gen.members) <= 3
        assert gen.next_id <= GeneratorConfig(nodes=3).id_limit
        assert set(driver.nodes) == {str(i) for i in range(gen.next_id)}  # FakeDriver rejects reuse


def test_after_a_retirement_joins_exclude_retired_nodes() -> None:
    """trust_node(s) configures every known node, so once one has left, joins must be swaps."""
    for seed in range(40):
        retired_seen = False
        _, lines = _run(seed, 300, FakeDriver(), nodes=3)
        for text in lines:
            cmd, *args = text.split(",")
            if cmd in ("trust_node", "trust_nodes"):
                assert not retired_seen, (seed, text)
            if (cmd == "swap_nodes" and "out" in args) or cmd == "swap_node":
                retired_seen = True


def test_cleanup_only_once_the_removal_is_committed() -> None:
    driver = FakeDriver()
    gen = ScenarioGenerator(random.Random(5), GeneratorConfig(nodes=3))
    for text in [*gen.opening()]:
        driver.run_line(text)
    for text in ("trust_nodes,2,1,2", "swap_nodes,2,out,1"):
        driver.run_line(text)
    gen.members = ["0", "2"]
    gen.next_id = 3
    gen._pending_removal = ["2", "0", "1"]
    gen.observe(driver)  # the removal is entry 3 of the leader's log
    driver.nodes["0"].commit_idx = 2
    lines = [gen.next_line(driver) for _ in range(400)]
    assert not any(t.startswith("cleanup_nodes") for t in lines)
    driver.nodes["0"].commit_idx = 3
    lines = [gen.next_line(driver) for _ in range(400)]
    assert "cleanup_nodes,2,1" in lines


def test_cleanup_ignores_a_removal_that_was_rolled_back() -> None:
    driver = FakeDriver()
    gen = ScenarioGenerator(random.Random(6), GeneratorConfig(nodes=3))
    for text in gen.opening():
        driver.run_line(text)
    driver.run_line("trust_nodes,2,1,2")
    driver.run_line("swap_nodes,2,out,1")
    gen.members, gen.next_id, gen._pending_removal = ["0", "2"], 3, ["2", "0", "1"]
    gen.observe(driver)
    driver.nodes["0"].terms[2] = 3  # index 3 now holds another term's entry
    driver.nodes["0"].commit_idx = 3
    assert not any(gen.next_line(driver).startswith("cleanup_nodes") for _ in range(400))


def test_same_seed_same_lines() -> None:
    assert _run(11, 200, FakeDriver())[1] == _run(11, 200, FakeDriver())[1]
    assert _run(11, 200, FakeDriver())[1] != _run(12, 200, FakeDriver())[1]


def _configuration(text: str, known: set[str]) -> set[str] | None:
    """The configuration CCF's driver replicates for a reconfiguration line (None for other lines)."""
    cmd, *args = text.split(",")
    args = args[1:]
    if cmd in ("trust_node", "trust_nodes"):
        return known | set(args)
    if cmd == "swap_node":
        return (known | {args[1]}) - {args[0]}
    if cmd == "swap_nodes":
        groups: dict[str, set[str]] = {"in": set(), "out": set()}
        group = "in"
        for a in args:
            if a in groups:
                group = a
            else:
                groups[group].add(a)
        return (known | groups["in"]) - groups["out"]
    return None


def test_each_reconfiguration_is_exactly_the_intended_members() -> None:
    for seed in range(60):
        driver = FakeDriver()
        gen = ScenarioGenerator(random.Random(seed), GeneratorConfig(nodes=3))
        for text in gen.opening():
            driver.run_line(text)
        reconfigs = 0
        for _ in range(300):
            known = set(driver.nodes)
            text = gen.next_line(driver)
            config = _configuration(text, known)
            driver.run_line(text)
            gen.observe(driver)
            if config is not None:
                reconfigs += 1
                assert config == set(gen.members), (seed, text)
                assert config, (seed, text)
        assert reconfigs > 0
