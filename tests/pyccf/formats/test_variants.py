"""The registry of variants agrees with the spec's names, the spec's bug models and docs/bugs.md, and rejects
unknown names with one line; a rename or an edit on one side only is caught."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from pyccf.formats import variants
from pyccf.formats.variants import BUGS, CCF_PROFILES, FIXES, UnknownBugError
from tests.paths import REPO, SCENARIOS, SPECS

CONSENSUS = SPECS / "consensus"


def _load_bench_bugs():
    spec = importlib.util.spec_from_file_location("bench_bugs", REPO / "bench" / "bench_bugs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def spec_names(tla: str, operator: str) -> frozenset[str]:
    """The strings of a set-valued definition ``operator == {"A", "B", ...}`` in a TLA+ module."""
    match = re.search(rf"^{operator}\s*==\s*\{{([^}}]*)\}}", tla, re.M)
    assert match, f"no definition of {operator}"
    return frozenset(re.findall(r'"([^"]*)"', match.group(1)))


def test_spec_bug_and_fix_names_are_the_registry_s() -> None:
    tla = (CONSENSUS / "Consensus.tla").read_text()
    assert spec_names(tla, "BugNames") == variants.spec_bug_names()
    assert spec_names(tla, "FixNames") == variants.spec_fix_names()


def test_a_rename_on_one_side_is_caught() -> None:
    tla = (CONSENSUS / "Consensus.tla").read_text()
    assert '"AckPastEnd"' in tla and '"KeepSuffixOnFollow"' in tla
    renamed = tla.replace('"AckPastEnd"', '"AckBeyondEnd"').replace('"KeepSuffixOnFollow"', '"KeepSuffix"')
    assert spec_names(renamed, "BugNames") != variants.spec_bug_names()
    assert spec_names(renamed, "FixNames") != variants.spec_fix_names()


def test_each_spec_bug_model_switches_on_exactly_its_bug() -> None:
    """Every MCBug*.cfg is a registered spec bug's model, and sets ``Bugs`` to that bug alone."""
    models = {b.spec.cfg: b.spec.name for b in BUGS.values() if b.spec is not None}
    assert {p.name for p in CONSENSUS.glob("MCBug*.cfg")} == set(models)
    for cfg, name in models.items():
        assert re.search(rf'^\s*Bugs\s*=\s*\{{"{name}"\}}\s*$', (CONSENSUS / cfg).read_text(), re.M), cfg


def test_docs_bugs_table_is_the_registry_s() -> None:
    bench = _load_bench_bugs()
    doc = (REPO / "docs" / "bugs.md").read_text()
    assert bench.table() in doc, "docs/bugs.md is stale: run python bench/bench_bugs.py --write"
    for b in BUGS.values():  # every fact shows: the rendering is not empty of the registry
        assert f"| `{b.name}` |" in doc and f":{b.scenario.line}`" in doc


def test_a_stale_docs_table_is_caught_and_rewritten(tmp_path: Path) -> None:
    bench = _load_bench_bugs()
    doc = tmp_path / "bugs.md"
    stale = (REPO / "docs" / "bugs.md").read_text().replace("line 248 `send_append_entries`", "line 247 `x`")
    doc.write_text(stale)
    assert bench.table() not in doc.read_text()
    assert bench.write(doc) is True
    assert bench.table() in doc.read_text() and bench.write(doc) is False


def test_unknown_names_give_one_line_naming_the_known_ones() -> None:
    with pytest.raises(UnknownBugError) as bug:
        variants.validate_bugs(["vote_twice", "vote_thrice"])
    assert str(bug.value) == f"unknown bug 'vote_thrice' (known: {', '.join(sorted(BUGS))})"
    assert bug.value.name == "vote_thrice"
    assert variants.validate_bugs(["vote_twice"]) == frozenset({"vote_twice"})
    with pytest.raises(ValueError, match=r"^unknown CCF fix\(es\): 42, 9999$"):
        variants.validate_fixes(["7620", "9999", "42"])
    known = ", ".join(CCF_PROFILES)
    with pytest.raises(ValueError, match=rf"^unknown CCF version '1999-01' \(known: {known}\)$"):
        variants.spec_fixes("1999-01")


def test_profiles_name_known_fixes_and_map_to_spec_fixes() -> None:
    assert all(p.fixes <= set(FIXES) for p in CCF_PROFILES.values())
    assert variants.spec_fixes("2025-11") == frozenset()
    assert variants.spec_fixes("2026-01") == variants.spec_fixes("2026-08") == {"KeepSuffixOnFollow"}
    assert variants.CCF_VERSION_DEFAULT in CCF_PROFILES


def test_registry_keys_and_names_agree() -> None:
    assert all(name == b.name for name, b in BUGS.items())
    assert all(pr == f.pr for pr, f in FIXES.items())
    assert all(v == p.version for v, p in CCF_PROFILES.items())
    assert all(b.simulation in (variants.SIM_QUICK, variants.SIM_LONG, None) for b in BUGS.values())
    assert all((b.trace is None) == bool(b.why_not) for b in BUGS.values())
    assert all(b.trace is None or b.differs for b in BUGS.values())


def test_clis_take_choices_and_help_from_the_registry(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pyccf.cli import main

    runner = CliRunner()
    for command in (["scenario", "run", "--help"], ["simulate", "--help"]):
        help_text = " ".join(runner.invoke(main, command).output.split())
        assert all(name in help_text for name in BUGS), command
        assert all(version in help_text for version in CCF_PROFILES), command
        assert all(f"CCF#{pr}" in help_text for pr in FIXES), command
    scn = tmp_path / "s.scn"
    scn.write_text("start_node,0\n")
    r = runner.invoke(main, ["scenario", "run", str(scn), "--bug", "vote_thrice"])
    assert r.exit_code == 2
    assert r.output.strip() == f"--bug: error: unknown bug 'vote_thrice' (known: {', '.join(sorted(BUGS))})"
    r = runner.invoke(main, ["simulate", "--seed", "1", "--out", str(tmp_path), "--bug", "vote_thrice"])
    assert r.exit_code == 2 and "vote_thrice" in r.output and "Traceback" not in r.output


@pytest.mark.tlc
def test_measure_names_a_moved_fact(shared: Path, tmp_path: Path) -> None:
    """``bench_bugs.py --measure`` on one bug and one scenario: as registered, nothing moved but the
    (skipped) counts; with the registry's trace line or scenario line off by one, each is named."""
    from dataclasses import replace

    bench = _load_bench_bugs()
    (tmp_path / "append").write_text((SCENARIOS / "append").read_text())
    bug = BUGS["commit_unsigned"]
    assert bug.trace is not None and bug.trace.scenario == "append"
    wrong = replace(bug, trace=replace(bug.trace, line=2), scenario=replace(bug.scenario, line=14))
    right, broken = (bench.measure(tmp_path, tmp_path, 1, [b]) for b in (bug, wrong))
    assert len(right) == 1 and "no counts" in right[0]
    assert any("trace of append" in d and "'rejected', 1, 'bootstrap'" in d for d in broken), broken
    assert any("scenario Catch(scenario='append', line=14" in d for d in broken), broken
