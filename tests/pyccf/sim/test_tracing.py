"""Tracing: off costs nothing (no event dicts built); on, the writer applies CCF's preprocessing."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from pyccf.consensus.node import Node
from pyccf.sim.driver import ScenarioDriver, run_scenario
from pyccf.sim.tracing import TraceWriter
from tests.paths import SCENARIOS


def test_tracing_off_builds_no_event_state(shared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self: Node, committable: bool = True) -> dict[str, Any]:
        raise AssertionError("trace state built with tracing off")

    monkeypatch.setattr(Node, "trace_state", boom)
    assert run_scenario(SCENARIOS / "reconfiguration").ok
    assert run_scenario(SCENARIOS / "bad_network").ok


def test_writer_folds_bootstrap_and_attaches_commands() -> None:
    out = io.StringIO()
    d = ScenarioDriver(trace=TraceWriter(out))
    lines = [
        "start_node,0",
        "emit_signature,2",
        "assert_commit_idx,0,2",
        "trust_node,2,1",
        "emit_signature,2   # trailing comment",
        "dispatch_all",
    ]
    for i, line in enumerate(lines, start=1):
        d.run_line(line, i)
    events = [json.loads(x) for x in out.getvalue().splitlines()]
    assert events[0]["msg"]["function"] == "bootstrap" and events[0]["cmd"] == ""
    assert (events[1]["msg"]["function"], events[1]["cmd"], events[1]["cmd_prefix"]) == (
        "add_configuration",
        "trust_node,2,1",
        "",
    )
    sig = [e for e in events if e["cmd"].startswith("emit_signature")]
    assert sig and sig[0]["cmd"] == "emit_signature,2" and sig[0]["cmd_prefix"] == "emit_signature"
    assert sum(1 for e in events if e["cmd"]) == 3  # each line attached once, to its first event


def _final_state(driver: ScenarioDriver) -> dict[str, tuple[Any, ...]]:
    return {
        nid: (n.current_view, n.commit_idx, n.leadership_state, tuple(n.log))
        for nid, n in driver.nodes.items()
    }


@pytest.mark.parametrize("name", ["fancy_election.1", "retire_one", "suffix_collision.1"])
def test_tracing_does_not_change_behaviour_and_is_deterministic(shared: Path, name: str) -> None:
    text = (SCENARIOS / name).read_text()
    states, traces = [], []
    for traced in (False, True, True):
        out = io.StringIO()
        d = ScenarioDriver(seed=7, trace=TraceWriter(out) if traced else None)
        for i, line in enumerate(text.splitlines(), start=1):
            d.run_line(line, i)
        d.finish()
        states.append(_final_state(d))
        traces.append(out.getvalue())
    assert states[0] == states[1] == states[2]
    assert traces[1] == traces[2] and traces[1]
