"""pyccf simulate: many seeds without a safety failure, same seed same bytes, replay, shrinking, bugs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from pyccf.cli.simulate import simulate as simulate_cmd
from pyccf.errors import FailureKind
from pyccf.formats.variants import BUGS, SIM_LONG, SIM_QUICK
from pyccf.sim.driver import run_scenario
from pyccf.sim.simulate import Failure, run_lines, shrink, simulate, simulate_to_dir

# Bugs the generator's scenarios catch by commit-safety checking within a few hundred seeds of 100 steps
# (the others need longer scenarios: see the slow test and docs/simulation.md), from the registry.
QUICK_BUGS = tuple(b.name for b in BUGS.values() if b.simulation == SIM_QUICK)
SLOW_BUGS = tuple(b.name for b in BUGS.values() if b.simulation == SIM_LONG)


def first_catch(bug: str, seeds: range, steps: int) -> tuple[int, Failure] | None:
    """The first seed whose scenario, with ``bug`` switched on, violates commit safety."""
    for seed in seeds:
        failure = simulate(seed, steps=steps, bugs=[bug], traced=False).run.failure
        if failure is not None and failure.kind == "safety":
            return seed, failure
    return None


def test_hundreds_of_seeds_without_a_safety_failure() -> None:
    """Commit safety is checked after every line of every scenario; none may fail, nor may the core
    raise. A final sync may fail (liveness, see docs/simulation.md), but only rarely."""
    kinds: Counter[str] = Counter()
    for seed in range(300):
        failure = simulate(seed, traced=False).run.failure
        kinds[failure.kind if failure else "ok"] += 1
        assert failure is None or failure.kind == "liveness", (seed, failure)
    assert kinds["ok"] >= 0.9 * 300, kinds


def test_later_ccf_versions_fix_the_stuck_follower() -> None:
    """The final-sync failures of the default (2025-11) core are CCF#7618: a follower that falls back
    from (pre-vote) candidate rolls back entries it had acknowledged, and the leader, whose match_idx
    for it is now past its log, never sends it what it lacks. CCF#7620 (in the 2026-01 profile) fixed it:
    the same number of random scenarios then all end in sync."""
    for version in ("2026-01", "2026-08"):
        for seed in range(150):
            failure = simulate(seed, traced=False, ccf_version=version).run.failure
            assert failure is None, (version, seed, failure)


@pytest.mark.slow
def test_thousands_of_seeds_without_a_safety_failure() -> None:
    kinds: Counter[str] = Counter()
    for seed in range(5000):
        failure = simulate(seed, traced=False).run.failure
        kinds[failure.kind if failure else "ok"] += 1
        assert failure is None or failure.kind == "liveness", (seed, failure)
    assert kinds["ok"] >= 0.9 * 5000, kinds


@settings(max_examples=40)
@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(min_value=1, max_value=5))
def test_any_seed_is_safe_and_replays(seed: int, nodes: int) -> None:
    """Property: for any seed and configuration size, no line breaks commit safety (or crashes the
    core), and replaying the written scenario gives the same outcome and the same trace."""
    result = simulate(seed, nodes=nodes, steps=60)
    failure = result.run.failure
    assert failure is None or failure.kind == "liveness", failure
    replay = run_lines(result.generated, traced=True, first_line=3)
    assert replay.failure == failure
    assert replay.trace == result.run.trace


def test_same_seed_same_bytes_across_processes(tmp_path: Path) -> None:
    """Scenario, trace and shrunk scenario are byte-identical between runs, whatever the hash seed."""
    outs = []
    for i, hash_seed in enumerate(("0", "12345")):
        out = tmp_path / f"run{i}"
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        for args in (["--seed", "7"], ["--seed", "0", "--bug", "commit_unsigned"]):
            cli = "from pyccf.cli import main; main()"
            cmd = [sys.executable, "-c", cli, "simulate", *args, f"--out={out}"]
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, timeout=120)
            assert done.returncode in (0, 1), done.stderr
        outs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert {"seed_7", "seed_7.ndjson", "seed_0", "seed_0.ndjson", "seed_0.min", "seed_0.min.ndjson"} <= set(
        outs[0]
    )
    assert outs[0] == outs[1]
    assert simulate(7).text != simulate(8).text


def test_written_scenario_replays_with_the_same_trace(tmp_path: Path) -> None:
    for seed, bugs in ((3, ()), (0, ("commit_unsigned",))):
        result = simulate_to_dir(seed, tmp_path, bugs=bugs)
        replay = tmp_path / "replay.ndjson"
        outcome = run_scenario(result.paths["scenario"], trace_path=replay, bugs=bugs)
        assert replay.read_bytes() == result.paths["trace"].read_bytes()
        assert outcome.ok == result.ok
        if not result.ok:
            assert outcome.failure is not None and result.run.failure is not None
            assert outcome.failure.line == result.run.failure.line


def test_random_traces_load_as_ccf_traces() -> None:
    """The traces of random scenarios pass tracecheck's format check (the one CCF's traces pass)."""
    from tracecheck.validation.raft.trace import parse_trace

    for seed in range(12):
        trace = simulate(seed).run.trace
        events = parse_trace(Path(f"seed_{seed}.ndjson"), trace.splitlines())
        assert events is not None and trace.count("\n") > 20


def test_failures_are_classified_from_the_driver() -> None:
    lines = ["start_node,0", "swap_node,2,0,1", "dispatch_all", "periodic_all,10", "dispatch_all",
             "periodic_one,0,150", "periodic_one,0,100", "dispatch_all"]  # fmt: skip
    safety = run_lines(lines, bugs=["commit_unsigned"])
    no_leader = run_lines(["start_node,0", "replicate,5,x"])
    wrong = run_lines(["start_node,0", "assert_commit_idx,0,99"])
    assert safety.failure is not None and safety.failure.kind == "safety"
    assert no_leader.failure is not None and no_leader.failure.kind == "invalid"
    assert wrong.failure is not None and wrong.failure.kind == "assertion"
    assert wrong.failure.signature == ("assertion", "assert_commit_idx")


def test_safety_is_classified_by_type_not_by_message() -> None:
    """The driver raises CommitSafetyViolation for an unsafe commit; classify trusts that type alone."""
    from pyccf.errors import CommitSafetyViolation, ScenarioAssertionFailed
    from pyccf.sim.driver import run_scenario_text
    from pyccf.sim.simulate import classify

    lines = ["start_node,0", "swap_node,2,0,1", "dispatch_all", "periodic_all,10", "dispatch_all",
             "periodic_one,0,150", "periodic_one,0,100", "dispatch_all"]  # fmt: skip
    result = run_scenario_text("\n".join(lines) + "\n", "unsafe", bugs=["commit_unsigned"])
    assert isinstance(result.failure, CommitSafetyViolation)
    assert classify(result.failure, 0, "").kind == "safety"
    wording = ScenarioAssertionFailed("f", 3, "cmd", "x", "y", "node 0 at unsafe commit idx 4")
    assert classify(wording, 3, "cmd").kind == "assertion"


def test_shrinks_a_false_assertion_to_the_two_lines_it_needs() -> None:
    lines = [*simulate(5, traced=False).generated[:-1], "assert_commit_idx,0,999"]
    failure = run_lines(lines).failure
    assert failure is not None and failure.kind == "assertion"
    shrunk, runs, exhausted = shrink(lines, failure)
    assert shrunk == ["start_node,0", "assert_commit_idx,0,999"]
    assert not exhausted and runs < 400


@pytest.mark.parametrize("bug", QUICK_BUGS)
def test_seeded_bug_is_caught_and_shrunk(bug: str, tmp_path: Path) -> None:
    """A deliberately broken core fails commit safety on some seed; the shrunk scenario still fails
    the same way, runs as a plain scenario file, and loses its failure if any one line goes."""
    seeds, steps = SIM_QUICK
    found = first_catch(bug, range(seeds), steps)
    assert found is not None, f"{bug} not caught in {seeds} seeds"
    seed, failure = found
    result = simulate_to_dir(seed, tmp_path, bugs=[bug])
    assert result.run.failure == failure
    shrunk_path = result.paths["shrunk"]
    replay = run_scenario(shrunk_path, bugs=[bug])
    assert not replay.ok and replay.failure is not None and "unsafe commit" in replay.failure.message
    assert replay.failure.kind is FailureKind.COMMIT_SAFETY
    assert run_scenario(shrunk_path).ok or run_scenario(shrunk_path).failure.message != replay.failure.message
    shrunk = [line for line in shrunk_path.read_text().splitlines() if not line.startswith("#")]
    if len(shrunk) <= 25:  # 1-minimality, on the small ones (each check is one run per line)
        for i in range(len(shrunk)):
            got = run_lines(shrunk[:i] + shrunk[i + 1 :], bugs=[bug], check_rules=True).failure
            assert got is None or got.signature != failure.signature, (bug, i)


@pytest.mark.slow
@pytest.mark.parametrize("bug", SLOW_BUGS)
def test_seeded_bug_is_caught_in_longer_scenarios(bug: str) -> None:
    seeds, steps = SIM_LONG
    found = first_catch(bug, range(seeds), steps)
    assert found is not None, f"{bug} not caught in {seeds} seeds of {steps} steps"


def test_cli_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(simulate_cmd, ["--seed", "3", "--out", str(tmp_path)])
    assert ok.exit_code == 0 and "ok: seed 3" in ok.output
    found = runner.invoke(simulate_cmd, ["--seed", "0", "--bug", "commit_unsigned", "--out", str(tmp_path)])
    assert found.exit_code == 1 and f"{tmp_path / 'seed_0.min'}" in found.output
    assert (tmp_path / "seed_0.min").is_file()
    again = runner.invoke(simulate_cmd, ["--seed", "0", "--out", str(tmp_path)])  # passes without the bug
    assert again.exit_code == 0 and not (tmp_path / "seed_0.min").exists()  # no stale shrunk file left
    (tmp_path / "file").write_text("")
    for bad in (["--seed", "-1"], ["--seed", "1", "--bug", "nope"], ["--seed", "1", "--nodes", "0"],
                ["--seed", "1", "--out", str(tmp_path / "file")], ["--steps", "5"]):  # fmt: skip
        assert runner.invoke(simulate_cmd, bad).exit_code == 2, bad


def test_verdicts_come_from_the_failure_kind_not_its_wording() -> None:
    """The wording the old classifier matched on ("found no primary", "no primary", "failed to reach state
    sync") decides nothing; the kind the driver gives a failure decides everything."""
    from pyccf.errors import ScenarioAssertionFailed
    from pyccf.sim.simulate import Verdict, classify

    def failure(message: str, kind: FailureKind) -> ScenarioAssertionFailed:
        return ScenarioAssertionFailed("f", 3, "replicate,3,x", "x", "y", message, kind)

    for wording in (
        "found no primary in term 3",
        "can't loop until sync, no primary",
        "failed to reach state sync after 20 iterations",
    ):
        got = classify(failure(wording, FailureKind.ASSERTION), 3, "replicate,3,x", "replicate")
        assert got.kind is Verdict.ASSERTION and got.signature == ("assertion", "replicate"), wording
    assert classify(failure("whatever", FailureKind.NO_LEADER), 3, "").kind is Verdict.INVALID
    no_primary = classify(failure("whatever", FailureKind.NO_PRIMARY), 3, "")
    not_synced = classify(failure("whatever", FailureKind.NOT_IN_SYNC), 3, "")
    assert no_primary.signature == ("liveness", "no primary")
    assert not_synced.signature == ("liveness", "not in sync")
    assert classify(failure("whatever", FailureKind.INTERNAL), 3, "").kind is Verdict.ASSERTION
    crash = classify(KeyError("k"), 4, "dispatch_all")
    assert crash.kind is Verdict.CRASH and crash.signature == ("crash", "KeyError") and crash.cause is None


def test_final_sync_liveness_failures_keep_their_kind() -> None:
    no_leader = run_lines(["nodes,0,1"]).failure
    assert no_leader is not None and no_leader.signature == ("liveness", "no primary")
    stuck = run_lines(["start_node,0", "emit_signature,2", "create_new_node,1"]).failure
    assert stuck is not None and stuck.signature == ("liveness", "not in sync")
