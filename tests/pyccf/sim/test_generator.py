"""The random-scenario generator and the validity rules, against the real driver."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from pyccf.errors import ScenarioSyntaxError
from pyccf.sim.commands import Reconfiguration
from pyccf.sim.driver import ScenarioDriver
from pyccf.sim.generator import GeneratorConfig, ScenarioGenerator
from pyccf.sim.parsing import parse_line
from pyccf.sim.rules import LineRules, reconfiguration
from pyccf.sim.simulate import run_lines, simulate

SEEDS = range(150)


@pytest.fixture(scope="module")
def runs():
    return {seed: simulate(seed, traced=False) for seed in SEEDS}


def test_opening_starts_and_signs() -> None:
    for seed in range(20):
        lines = [c.text for c in ScenarioGenerator(random.Random(seed)).opening()]
        assert lines[-2:] == ["start_node,0", "emit_signature,2"]
        assert lines[:-2] in ([], ["pre_vote_enabled,true"])


def test_every_generated_line_is_valid(runs) -> None:
    """simulate() refuses to run a line that breaks the rules (GeneratorError); replaying each scenario
    under the rules from scratch must agree, line for line, and end the same way."""
    for seed, result in runs.items():
        replay = run_lines(result.generated, check_rules=True, first_line=3)
        assert replay.failure == result.run.failure, seed


def test_scenarios_use_the_whole_language(runs) -> None:
    used = Counter(line.split(",")[0] for r in runs.values() for line in r.generated)
    issue_commands = {
        "start_node", "trust_node", "trust_nodes", "swap_node", "swap_nodes", "cleanup_nodes",
        "pre_vote_enabled", "disconnect", "reconnect", "disconnect_node", "reconnect_node",
        "periodic_one", "periodic_all", "dispatch_one", "dispatch_single", "dispatch_all_once",
        "dispatch_all", "drop_pending", "drop_pending_to", "replicate", "emit_signature",
        "loop_until_sync",
    }  # fmt: skip
    assert set(used) == issue_commands
    # faults are rarer than progress
    assert used["disconnect"] + used["drop_pending"] < used["dispatch_all"] + used["periodic_all"]


def test_scenarios_elect_retire_and_clean_up() -> None:
    """Elections happen, removals commit and cleaned-up nodes reach RetiredCommitted."""
    terms, retired_committed = set(), 0
    for seed in range(60):
        gen = ScenarioGenerator(random.Random(seed))
        driver = ScenarioDriver()
        lines = gen.opening()
        for n, command in enumerate(lines, 1):
            driver.run(command, n)
            gen.observe(driver, command)
        for n in range(100):
            command = gen.next_line(driver)
            driver.run(command, n + 10)
            gen.observe(driver, command)
        terms |= {node.current_view for node in driver.nodes.values()}
        retired_committed += sum(node.is_retired_committed() for node in driver.nodes.values())
    assert max(terms) >= 5
    assert retired_committed > 0


def test_configurations_stay_within_bounds(runs) -> None:
    for seed in range(40):
        gen = ScenarioGenerator(random.Random(seed), GeneratorConfig(nodes=3))
        driver = ScenarioDriver()
        for n, first in enumerate([*gen.opening(), *(None for _ in range(100))], 1):
            command = first or gen.next_line(driver)
            if isinstance(command, Reconfiguration):
                config = (set(driver.nodes) | set(command.into)) - set(command.out)
                assert 1 <= len(config) <= 3, (seed, command.text)
            driver.run(command, n)
            gen.observe(driver, command)
        assert gen.next_id <= GeneratorConfig(nodes=3).id_limit


def test_same_seed_same_lines() -> None:
    assert simulate(11, traced=False).generated == simulate(11, traced=False).generated
    assert simulate(11, traced=False).generated != simulate(12, traced=False).generated


# -- the rules, on hand-written prefixes ---------------------------------------------------------------


def _driver(*lines: str) -> tuple[ScenarioDriver, LineRules]:
    driver, rules = ScenarioDriver(), LineRules()
    for n, text in enumerate(lines, 1):
        assert rules.violation(driver, text) is None, text
        driver.run_line(text, n)
        rules.observe(driver, text)
    return driver, rules


SYNCED = ("periodic_all,10", "dispatch_all", "periodic_all,10", "dispatch_all")


def test_rule_writes_need_a_leader_in_that_term() -> None:
    driver, rules = _driver("start_node,0", "emit_signature,2")
    assert rules.violation(driver, "replicate,2,x") is None
    assert rules.violation(driver, "replicate,latest,x") is None
    assert "no leader in term 3" in (rules.violation(driver, "replicate,3,x") or "")
    with pytest.raises(ScenarioSyntaxError) as e:  # a term that is not a number is not a line at all
        rules.violation(driver, "emit_signature,x")
    assert e.value.field == "emit_signature: term"


def test_rule_cleanup_only_after_the_removal_commits() -> None:
    driver, rules = _driver(
        "start_node,0", "emit_signature,2", "trust_node,2,1", "emit_signature,2", *SYNCED,
        "swap_nodes,2,out,1",
    )  # fmt: skip
    assert "before the removal" in (rules.violation(driver, "cleanup_nodes,2,1") or "")
    driver, rules = _driver(
        "start_node,0", "emit_signature,2", "trust_node,2,1", "emit_signature,2", *SYNCED,
        "swap_nodes,2,out,1", "emit_signature,2", *SYNCED,
    )  # fmt: skip
    assert rules.violation(driver, "cleanup_nodes,2,1") is None
    assert "before the removal" in (rules.violation(driver, "cleanup_nodes,2,0") or "")


def test_rule_no_node_comes_back_and_no_empty_configuration() -> None:
    driver, rules = _driver(
        "start_node,0", "emit_signature,2", "trust_node,2,1", "emit_signature,2", *SYNCED,
        "swap_nodes,2,out,1", "emit_signature,2", *SYNCED,
    )  # fmt: skip
    assert "brings back 1" in (rules.violation(driver, "trust_node,2,2") or "")
    assert rules.violation(driver, "swap_nodes,2,in,2,out,1") is None
    assert "empty" in (rules.violation(driver, "swap_nodes,2,out,0,1") or "")
    assert "reuses" in (rules.violation(driver, "swap_nodes,2,in,0,out,1") or "")


def test_rule_no_node_comes_back_after_a_removal_committed_in_the_same_line() -> None:
    """Seed 190's rejected trace: node 1 joins and is removed again, and both configurations commit in
    one ``dispatch_all``, so no observation ever saw {0, 1} as the committed one. Node 1 is still named by
    the leader's log (the spec's EverConfigured), so it may not come back, committed or not."""
    lines = ("start_node,0", "emit_signature,2", "trust_node,2,2", "emit_signature,2", *SYNCED,
             "trust_node,2,1", "swap_nodes,2,out,1", "emit_signature,2")  # fmt: skip
    driver, rules = _driver(*lines)  # both pending: 1 is in the leader's log, not in its latest
    assert "brings back 1" in (rules.violation(driver, "swap_nodes,2,in,3") or "")
    driver, rules = _driver(*lines, "dispatch_all", "periodic_all,10", "dispatch_all")
    assert int(driver.nodes["0"].commit_idx) == int(driver.nodes["0"].last_idx)  # both committed at once
    assert "1" in rules.committed_members
    assert "brings back 1" in (rules.violation(driver, "swap_nodes,2,in,3") or "")


def test_reconfiguration_arguments_as_ccf_reads_them() -> None:
    assert reconfiguration("trust_nodes", ["3", "4"]) == (["3", "4"], [])
    assert reconfiguration("swap_node", ["1", "5"]) == (["5"], ["1"])
    assert reconfiguration("swap_nodes", ["out", "0", "1", "in", "2"]) == (["2"], ["0", "1"])
    assert reconfiguration("swap_nodes", ["in", "2", "out", "0"]) == (["2"], ["0"])


def test_rules_observe_cleanups_given_as_commands_or_lines() -> None:
    for as_text in (True, False):
        driver, rules = _driver(
            "start_node,0", "emit_signature,2", "trust_node,2,1", "emit_signature,2", *SYNCED,
            "swap_nodes,2,out,1", "emit_signature,2", *SYNCED,
        )  # fmt: skip
        line = "cleanup_nodes,2,1"
        driver.run_line(line, 99)
        rules.observe(driver, line if as_text else parse_line(line))
        assert rules.cleaned == {"1"} and rules.cleanable(driver.nodes["0"]) == []
