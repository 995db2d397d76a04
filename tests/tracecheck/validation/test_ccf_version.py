"""``validate --ccf-version V``: traces of `pyccf scenario run --ccf-version V` are checked with the spec's
``Fixes = spec_fixes(V)``, and that setting reaches TLC (acceptance depends on it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pyccf.formats.variants import CCF_VERSIONS, spec_fixes
from tests.paths import DATA, SCENARIOS, SPECS
from tracecheck.cli import main
from tracecheck.tla.tlc import override_constants
from tracecheck.validation.engine import validate_paths
from tracecheck.validation.raft.adapter import RaftAdapter

KEEPS_ACKED = DATA / "scenarios" / "follower_keeps_acked_entry.scn"
SHARED_NAMES = ("election", "check_quorum", "reconfiguration")


@pytest.fixture(scope="module")
def traces_2026_01(tmp_path_factory, shared) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("ccf_2026_01")
    files = [KEEPS_ACKED, *(SCENARIOS / n for n in SHARED_NAMES)]
    subprocess.run(
        [sys.executable, "-m", "pyccf", "scenario", "run", "--ccf-version", "2026-01",
         "--trace-dir", str(out), *map(str, files)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return {p.name.split(".")[0]: p for p in out.glob("*.ndjson")}


def test_the_constant_follows_the_version():
    assert RaftAdapter().constants() == {"Fixes": "{}"}
    assert RaftAdapter("2026-01").constants() == {"Fixes": '{"KeepSuffixOnFollow"}'}
    for v in CCF_VERSIONS:
        assert RaftAdapter(v).constants()["Fixes"].count('"') == 2 * len(spec_fixes(v))
    cfg = (SPECS / "consensus" / "TraceConsensus.cfg").read_text()
    assert "    Fixes = {}\n" in cfg
    fixed = override_constants(cfg, RaftAdapter("2026-01").constants())
    assert '    Fixes = {"KeepSuffixOnFollow"}\n' in fixed and "Fixes = {}" not in fixed
    assert fixed.replace('{"KeepSuffixOnFollow"}', "{}") == cfg  # nothing else changes


def test_override_constants_replaces_or_appends():
    cfg = "CONSTANTS\n    A = 1\n    B <- Def\nINIT Init\n"
    assert override_constants(cfg, {"A": "2", "B": "{}"}) == "CONSTANTS\n    A = 2\n    B = {}\nINIT Init\n"
    assert override_constants("INIT Init", {"C": "3"}) == "INIT Init\nCONSTANTS\n    C = 3\n"
    assert override_constants("CONSTANT AB = 1\n", {"A": "2"}).startswith("CONSTANT AB = 1\n")


@pytest.mark.tlc
def test_acceptance_depends_on_the_version(traces_2026_01):
    """A follower keeping its unsigned suffix (CCF#7620) is a behaviour of the spec only with the fix."""
    trace = traces_2026_01["follower_keeps_acked_entry"]
    runner = CliRunner()
    old = runner.invoke(main, ["validate", str(trace)])
    assert old.exit_code == 1, old.output
    assert "REJECTED" in old.output
    new = runner.invoke(main, ["validate", "--ccf-version", "2026-01", str(trace)])
    assert new.exit_code == 0, new.output


@pytest.mark.tlc
def test_later_version_traces_of_shared_scenarios_accepted(traces_2026_01):
    paths = [traces_2026_01[n] for n in SHARED_NAMES]
    verdicts = validate_paths(paths, adapter=RaftAdapter("2026-01"), jobs=2, timeout=600)
    assert [v.status for v in verdicts] == ["accepted"] * len(paths), [v.message for v in verdicts]


def test_unknown_version_is_bad_input(shared):
    res = CliRunner().invoke(main, ["validate", "--ccf-version", "1999-01", str(KEEPS_ACKED)])
    assert res.exit_code == 2 and "1999-01" in res.output
