"""Differential test: pyccf's trace of each shared scenario equals CCF's own C++ trace, event for event.

Fields that only say when/where (h_ts, thread_id, file, number) are ignored. Every scenario is currently
identical; KNOWN_DIFFERENCES pins the scenarios that are not (with their first differing event), so both a
regression and an unexpected fix show up here. See docs/pyccf.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pyccf.cli import main
from pyccf.sim.driver import run_scenario
from pyccf.sim.tracediff import diff_events, diff_files, load_trace
from tests.paths import CCF_TRACES, SCENARIOS

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
    assert list(json.loads(line)) == ["h_ts", "thread_id", "level", "tag", "file", "number", "msg", "cmd",
                                      "cmd_prefix"]
    assert line.startswith('{"h_ts": "') and '"tag": "raft_trace"' in line


def test_diff_finds_a_deliberately_broken_trace(shared: Path, tmp_path: Path) -> None:
    ccf = CCF_TRACES / "election.ndjson"
    events = load_trace(ccf)
    assert diff_events(events, events) is None
    lines = ccf.read_text().splitlines()
    broken = json.loads(lines[40])
    broken["msg"]["state"]["commit_idx"] += 1
    broken["h_ts"] = "0"  # ignored
    lines[40] = json.dumps(broken)
    bad = tmp_path / "broken.ndjson"
    bad.write_text("\n".join(lines) + "\n")
    d = diff_files(ccf, bad)
    assert d is not None and (d.line_a, d.path) == (41, "msg.state.commit_idx")
    short = tmp_path / "short.ndjson"
    short.write_text("".join(ccf.read_text().splitlines(keepends=True)[:-1]))
    d = diff_files(ccf, short)
    assert d is not None and d.line_a == len(lines) and d.value_b == "<end of trace>"

    runner = CliRunner()
    assert runner.invoke(main, ["trace", "diff", str(ccf), str(ccf)]).exit_code == 0
    r = runner.invoke(main, ["trace", "diff", str(ccf), str(bad)])
    assert r.exit_code == 1 and "msg.state.commit_idx" in r.output
    junk = tmp_path / "junk.ndjson"
    junk.write_text('{"msg": {}}\nnot json\n')
    r = runner.invoke(main, ["trace", "diff", str(ccf), str(junk)])
    assert r.exit_code == 2 and f"{junk}:2" in r.output
    assert runner.invoke(main, ["trace", "diff", str(ccf), str(tmp_path / "nope")]).exit_code == 2
