"""Differential test: pyccf's trace of each shared scenario equals CCF's own C++ trace, event for event.

Fields that only say when/where (h_ts, thread_id, file, number) are ignored. Every scenario is currently
identical; KNOWN_DIFFERENCES pins the scenarios that are not (with their first differing event), so both a
regression and an unexpected fix show up here. See docs/pyccf.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyccf.sim.driver import run_scenario
from tests.paths import CCF_TRACES, SCENARIOS
from tracecheck.validation.raft.diff import diff_files

SHARED_SCENARIOS = sorted(p for p in SCENARIOS.glob("*") if p.is_file() and p.suffix != ".md")
KNOWN_DIFFERENCES: dict[str, tuple[int, str]] = {}


@pytest.mark.parametrize("seed", [0, 5])
@pytest.mark.parametrize("path", SHARED_SCENARIOS, ids=lambda p: p.name)
def test_trace_matches_ccf(shared: Path, path: Path, seed: int, tmp_path: Path) -> None:
    """The election-timeout RNG seed must not matter: CCF's scenarios only use full 100 ms timeouts."""
    ours = tmp_path / f"{path.name}.ndjson"
    assert run_scenario(path, trace_path=ours, seed=seed).ok
    d = diff_files(CCF_TRACES / f"{path.name}.ndjson", ours)
    if path.name in KNOWN_DIFFERENCES:
        assert d is not None and (d.line_a, d.path) == KNOWN_DIFFERENCES[path.name]
    else:
        assert d is None, d.describe()


def test_trace_lines_have_ccf_shape(shared: Path, tmp_path: Path) -> None:
    ours = tmp_path / "t.ndjson"
    run_scenario(SCENARIOS / "reconfiguration", trace_path=ours)
    line = ours.read_text().splitlines()[1]
    assert list(json.loads(line)) == [
        "h_ts",
        "thread_id",
        "level",
        "tag",
        "file",
        "number",
        "msg",
        "cmd",
        "cmd_prefix",
    ]
    assert line.startswith('{"h_ts": "') and '"tag": "raft_trace"' in line
