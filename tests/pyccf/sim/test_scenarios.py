"""CCF's shared scenarios run unchanged; failures and bad input are reported with file:line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pyccf.cli import main
from pyccf.errors import (
    CommitSafetyViolation,
    FailureKind,
    ScenarioAssertionFailed,
    ScenarioInputError,
    ScenarioSyntaxError,
)
from pyccf.sim.driver import ScenarioDriver, run_scenario, run_scenario_text
from tests.paths import SCENARIOS

SHARED_SCENARIOS = sorted(p for p in SCENARIOS.glob("*") if p.is_file() and p.suffix != ".md")


@pytest.mark.parametrize("path", SHARED_SCENARIOS, ids=lambda p: p.name)
def test_shared_scenario_passes(shared: Path, path: Path) -> None:
    result = run_scenario(path)
    assert result.ok, result.failure


def test_there_are_twenty_shared_scenarios(shared: Path) -> None:
    assert len(SHARED_SCENARIOS) == 20


def test_failed_assertion_names_line_command_expected_actual() -> None:
    text = "start_node,0\nemit_signature,2\n\nassert_commit_idx,0,5  # wrong on purpose\n"
    r = run_scenario_text(text, "t.scn")
    assert not r.ok and r.failure is not None
    f = r.failure
    assert (f.file, f.line, f.command) == ("t.scn", 4, "assert_commit_idx,0,5")
    assert (f.expected, f.actual) == ("5", "2")


def test_assert_detail_and_negation() -> None:
    ok = "start_node,0\nassert_detail,0,leadership_state,Leader\nassert_!detail,0,current_view,3\n"
    assert run_scenario_text(ok, "t").ok
    bad = "start_node,0\nassert_detail,0,current_view,3\n"
    f = run_scenario_text(bad, "t").failure
    assert f is not None and (f.line, f.actual) == (2, "2")


def test_missing_leader_is_a_failure_but_latest_is_skipped() -> None:
    assert run_scenario_text("start_node,0\nemit_signature,latest\nreplicate,latest,x\n", "t").ok
    f = run_scenario_text("start_node,0\nreplicate,3,x\n", "t").failure
    assert f is not None and f.line == 2 and "no primary in term 3" in f.message


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("frobnicate,1", "unknown command 'frobnicate'"),
        ("periodic_one,0", "'periodic_one' takes 2 argument(s), got 1"),
        ("periodic_all,ten", "expected an integer, got 'ten'"),
        ("dispatch_one,7", "unknown node '7'"),
    ],
)
def test_syntax_errors_name_file_and_line(line: str, message: str) -> None:
    with pytest.raises(ScenarioSyntaxError) as e:
        run_scenario_text(f"start_node,0\n# comment\n{line}\n", "bad.scn")
    assert (e.value.file, e.value.line, e.value.message) == ("bad.scn", 3, message)


def test_end_marker_stops_and_final_sync_still_runs() -> None:
    text = "start_node,0\nemit_signature,2\n====\nfrobnicate\n"
    assert run_scenario_text(text, "t").ok


def test_driver_api_line_by_line() -> None:
    d = ScenarioDriver(seed=3, out=io.StringIO())
    for i, line in enumerate(
        [
            "start_node,0",
            "trust_node,2,1",
            "emit_signature,2",
            "dispatch_all",
            "periodic_all,10",
            "dispatch_all",
            "state_all",
        ],
        start=1,
    ):
        d.run_line(line, i)
    assert d.leader_of(2) == "0" and d.leader_of("latest") == "0" and d.latest_term() == 2
    assert d.leader_of(3) is None
    assert set(d.nodes) == {"0", "1"} and d.network.connected("0", "1")
    d.finish()
    assert d.nodes["1"].commit_idx == d.nodes["0"].commit_idx
    assert d.out is not None and "0: leadership P" in d.out.getvalue()  # type: ignore[attr-defined]


def test_commit_safety_violation_is_reported_at_the_line() -> None:
    d = ScenarioDriver()
    for i, line in enumerate(
        [
            "start_node,0",
            "trust_node,2,1",
            "emit_signature,2",
            "dispatch_all",
            "periodic_all,10",
            "dispatch_all",
        ],
        start=1,
    ):
        d.run_line(line, i)
    d.nodes["1"].log.clear()  # node 1 loses everything behind the driver's back
    with pytest.raises(ScenarioAssertionFailed) as e:
        d.run_line("periodic_all,1", 7, "x.scn")
    assert (e.value.file, e.value.line) == ("x.scn", 7) and "unsafe commit idx" in e.value.message


def test_cli_exit_codes(shared: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(
        main,
        [
            "scenario",
            "run",
            str(SCENARIOS / "append"),
            str(SCENARIOS / "election"),
            "--trace-dir",
            str(tmp_path),
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "append.ndjson").is_file() and (tmp_path / "election.ndjson").is_file()

    failing = tmp_path / "fail.scn"
    failing.write_text("start_node,0\nemit_signature,2\nassert_commit_idx,0,9\n")
    r = runner.invoke(main, ["scenario", "run", str(failing)])
    assert r.exit_code == 1 and f"{failing}:3" in r.output and "expected: 9" in r.output

    bad = tmp_path / "bad.scn"
    bad.write_text("start_node,0\nnonsense\n")
    r = runner.invoke(main, ["scenario", "run", str(bad)])
    assert r.exit_code == 2 and f"{bad}:2" in r.output and "unknown command" in r.output
    assert runner.invoke(main, ["scenario", "run", str(tmp_path / "missing")]).exit_code == 2
    assert runner.invoke(main, ["scenario", "run", str(failing), "--bug", "no_such_bug"]).exit_code == 2


def test_older_and_newer_assertion_commands() -> None:
    text = (
        "start_node,0\nemit_signature,2\nassert_is_primary,0\nassert_isnot_backup,0\nassert_is_active,0\n"
        "assert_last_txid,0,2.2\n"
    )
    assert run_scenario_text(text, "t").ok
    f = run_scenario_text("start_node,0\nassert_last_txid,0,2.5\n", "t").failure
    assert f is not None and (f.line, f.expected, f.actual) == (2, "2.5", "2.1")


def test_pre_vote_default_switch() -> None:
    text = (
        "start_node,0\ntrust_node,2,1\nemit_signature,2\ndispatch_all\nperiodic_all,10\ndispatch_all\n"
        "periodic_one,1,100\n"
    )
    d = ScenarioDriver(pre_vote_default=True)
    for i, line in enumerate(text.splitlines(), start=1):
        d.run_line(line, i)
    assert d.nodes["1"].leadership_state.value == "PreVoteCandidate"
    assert run_scenario_text(text + "assert_detail,1,leadership_state,Candidate\n", "t").ok


# -- failure kinds, and bad input found before anything runs ------------------------------------------


def _failure(text: str, **kw) -> ScenarioAssertionFailed:
    r = run_scenario_text(text, "k.scn", **kw)
    assert r.failure is not None
    return r.failure


def test_failures_carry_their_kind() -> None:
    assert _failure("start_node,0\nassert_commit_idx,0,5\n").kind is FailureKind.ASSERTION
    assert _failure("start_node,0\nreplicate,3,x\n").kind is FailureKind.NO_LEADER
    unsafe = (
        "start_node,0\nswap_node,2,0,1\ndispatch_all\nperiodic_all,10\ndispatch_all\n"
        "periodic_one,0,150\nperiodic_one,0,100\ndispatch_all\n"
    )
    assert _failure(unsafe, bugs=["commit_unsigned"]).kind is FailureKind.COMMIT_SAFETY
    assert _failure("nodes,0,1\n").kind is FailureKind.NO_PRIMARY  # the final sync finds no leader
    # node 1 is in no configuration, so the leader never catches it up
    assert _failure("start_node,0\nemit_signature,2\ncreate_new_node,1\n").kind is FailureKind.NOT_IN_SYNC
    with pytest.raises(ScenarioSyntaxError) as e:
        run_scenario_text("start_node,0\ndispatch_one,7\n", "k.scn")
    assert e.value.kind is FailureKind.SYNTAX and e.value.field == "dispatch_one: node"


def test_the_whole_file_is_parsed_before_anything_runs(tmp_path: Path) -> None:
    """A malformed line after a failing assertion is still bad input, and no trace is written."""
    trace = tmp_path / "t.ndjson"
    with pytest.raises(ScenarioSyntaxError) as e:
        run_scenario_text("start_node,0\nassert_commit_idx,0,9\nnonsense\n", "t", trace_path=trace)
    assert e.value.line == 3 and not trace.exists()


def test_no_trace_is_left_for_a_line_naming_an_unknown_node(tmp_path: Path) -> None:
    trace = tmp_path / "t.ndjson"
    with pytest.raises(ScenarioSyntaxError):
        run_scenario_text("start_node,0\nemit_signature,2\ndispatch_one,9\n", "t", trace_path=trace)
    assert not trace.exists()
    assert run_scenario_text("start_node,0\nassert_commit_idx,0,9\n", "t", trace_path=trace).failure
    assert trace.is_file()  # a failed assertion keeps its trace: it is the evidence


@pytest.mark.parametrize("text", ["", "\n\n", "# only comments\n\n", "====\nstart_node,0\n"])
def test_an_empty_scenario_is_bad_input_naming_the_file(text: str) -> None:
    with pytest.raises(ScenarioInputError) as e:
        run_scenario_text(text, "empty.scn")
    assert e.value.path == "empty.scn" and "empty" in e.value.message


# -- pyccf scenario run: bad input ---------------------------------------------------------------------


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, ["scenario", "run", *args])


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_cli_runs_a_directory_in_sorted_order_skipping_readmes(shared: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = _run(str(SCENARIOS), "--trace-dir", str(out))
    assert r.exit_code == 0, r.output
    assert [line.split(": ")[0] for line in _lines(r.output)] == [str(p) for p in SHARED_SCENARIOS]
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{p.name}.ndjson" for p in SHARED_SCENARIOS)

    mine = tmp_path / "mine"
    mine.mkdir()
    for name in ("b", "a.scn", "README", "README.txt", "notes.md", ".hidden"):
        (mine / name).write_text("start_node,0\nemit_signature,2\n")
    (mine / "sub").mkdir()
    r = _run(str(mine))
    assert r.exit_code == 0 and _lines(r.output) == [f"{mine / 'a.scn'}: ok", f"{mine / 'b'}: ok"]


def test_cli_readme_among_files_is_bad_input_and_nothing_is_written(shared: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = _run(str(SCENARIOS / "append"), str(SCENARIOS / "README.md"), "--trace-dir", str(out))
    assert r.exit_code == 2 and len(_lines(r.output)) == 1
    assert f"{SCENARIOS / 'README.md'}:" in r.output and "unknown command" in r.output
    assert not out.exists() or not list(out.iterdir())


def test_cli_empty_file_missing_file_and_empty_directory(tmp_path: Path) -> None:
    empty = tmp_path / "empty.scn"
    empty.write_text("# nothing here\n")
    r = _run(str(empty))
    assert r.exit_code == 2 and _lines(r.output) == [f"{empty}: error: no scenario commands (empty file)"]
    missing = tmp_path / "missing.scn"
    r = _run(str(missing))
    assert r.exit_code == 2 and _lines(r.output) == [f"{missing}: error: no such file"]
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "README.md").write_text("hello\n")
    r = _run(str(bare))
    assert r.exit_code == 2 and _lines(r.output) == [f"{bare}: error: no scenario files in this directory"]
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe\x00")
    r = _run(str(binary))
    assert r.exit_code == 2 and len(_lines(r.output)) == 1 and "not a text file" in r.output


def test_cli_trace_names_drop_a_scn_suffix_only(shared: Path, tmp_path: Path) -> None:
    scn = tmp_path / "three_nodes.scn"
    scn.write_text("start_node,0\ntrust_nodes,2,1,2\nemit_signature,2\n")
    out = tmp_path / "out"
    r = _run(str(scn), str(SCENARIOS / "fancy_election.1"), "--trace-dir", str(out))
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["fancy_election.1.ndjson", "three_nodes.ndjson"]
    (tmp_path / "three_nodes").write_text("start_node,0\n")
    r = _run(str(scn), str(tmp_path / "three_nodes"), "--trace-dir", str(tmp_path / "o2"))
    assert r.exit_code == 2 and "would overwrite" in r.output and not (tmp_path / "o2").exists()


def test_cli_bad_options_are_one_line(tmp_path: Path) -> None:
    for args in (
        ["scenario", "run"],
        ["scenario", "run", "x", "--ccf-version", "1999"],
        ["scenario", "run", "x", "--seed", "s"],
        ["simulate", "--seed", "-1"],
        ["simulate"],
        ["simulate", "--seed", "1", "--nodes", "0"],
        ["simulate", "--seed", "1", "--bug", "nope"],
        ["frobnicate"],
    ):
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 2 and len(_lines(r.output)) == 1 and "error:" in r.output, (args, r.output)
    failing = tmp_path / "fail.scn"
    failing.write_text("start_node,0\n")
    r = _run(str(failing), "--bug", "no_such_bug")
    assert r.exit_code == 2 and len(_lines(r.output)) == 1
    assert r.output.startswith("--bug: error: unknown bug 'no_such_bug'")


def test_commit_safety_is_not_rechecked_after_read_only_commands() -> None:
    d = ScenarioDriver()
    for i, line in enumerate(
        [
            "start_node,0",
            "trust_node,2,1",
            "emit_signature,2",
            "dispatch_all",
            "periodic_all,10",
            "dispatch_all",
        ],
        start=1,
    ):
        d.run_line(line, i)
    d.nodes["1"].log.clear()
    for i, line in enumerate(
        ["state_all", "summarise_logs_all", "assert_commit_idx,0,3", "# comment", ""], start=7
    ):
        d.run_line(line, i)  # as CCF's driver: no check after these
    with pytest.raises(CommitSafetyViolation):
        d.run_line("dispatch_all", 20)
