"""Trace validation end to end: real traces accepted, hand-altered ones rejected at the right line.

One validate() call per fixture keeps JVM start-ups few (traces are batched into about two TLC runs).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.paths import CCF_TRACES, SCENARIOS, SPECS
from tracecheck.cli.validate import validate as validate_cmd
from tracecheck.validation.engine import validate, validate_paths
from tracecheck.validation.raft.adapter import RaftAdapter
from tracecheck.validation.raft.trace import load_trace
from tracecheck.validation.report import report_text

pytestmark = pytest.mark.tlc

CCF_NAMES = sorted(p.name for p in CCF_TRACES.glob("*.ndjson")) if CCF_TRACES.is_dir() else []
SCENARIO_FILES = sorted(p for p in SCENARIOS.glob("*") if p.name != "README.md") if SCENARIOS.is_dir() else []


@pytest.fixture(scope="module")
def pyccf_trace_dir(tmp_path_factory, shared) -> Path:
    """pyccf's traces of every shared scenario (written by `pyccf scenario run --trace-dir`)."""
    out = tmp_path_factory.mktemp("pyccf_traces")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pyccf",
            "scenario",
            "run",
            "--trace-dir",
            str(out),
            *map(str, SCENARIO_FILES),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


@pytest.fixture(scope="module")
def verdicts(shared, pyccf_trace_dir) -> dict[str, object]:
    """CCF's 20 traces and pyccf's 20, validated in one call (two parallel TLC runs)."""
    paths = [CCF_TRACES / n for n in CCF_NAMES] + sorted(pyccf_trace_dir.glob("*.ndjson"))
    result = validate_paths(paths, jobs=2, timeout=600)
    keys = [f"ccf/{n}" for n in CCF_NAMES] + [
        f"pyccf/{p.name}" for p in sorted(pyccf_trace_dir.glob("*.ndjson"))
    ]
    return dict(zip(keys, result, strict=True))


def _why(v) -> str:
    return v.message + "".join(
        f"\n  {c.field}: logged {c.logged} spec {c.spec}" for cand in v.candidates for c in cand.mismatches
    )


@pytest.mark.parametrize("name", CCF_NAMES)
def test_ccf_trace_accepted(verdicts, name):
    v = verdicts[f"ccf/{name}"]
    assert v.status == "accepted", _why(v)
    assert v.matched == len(v.trace.events)


@pytest.mark.parametrize("name", CCF_NAMES)
def test_pyccf_trace_of_shared_scenario_accepted(verdicts, name):
    v = verdicts[f"pyccf/{name}"]
    assert v.status == "accepted", _why(v)


# ---------------------------------------------------------------- hand-altered traces


def _edit(line: str, fn) -> str:
    obj = json.loads(line)
    fn(obj)
    return json.dumps(obj)


def _state(field, value):
    return lambda o: o["msg"]["state"].__setitem__(field, value)


def _packet(field, value):
    return lambda o: o["msg"]["packet"].__setitem__(field, value)


def _swap(ls: list[str], a: int, b: int) -> list[str]:
    """Swap the events at 0-based a and b, keeping h_ts in place (a decreasing h_ts is bad input)."""
    x, y = json.loads(ls[a]), json.loads(ls[b])
    x["h_ts"], y["h_ts"] = y["h_ts"], x["h_ts"]
    out = list(ls)
    out[a], out[b] = json.dumps(y), json.dumps(x)
    return out


# (name, how the lines of replicate.ndjson are altered, the line that must be reported, a field that differs)
ALTERED = [
    (
        "state_changed",
        lambda ls: ls[:19] + [_edit(ls[19], _state("commit_idx", 3))] + ls[20:],
        20,
        "state.commit_idx",
    ),
    ("packet_changed", lambda ls: ls[:8] + [_edit(ls[8], _packet("prev_idx", 1))] + ls[9:], 9, None),
    ("event_removed", lambda ls: ls[:3] + ls[4:], 7, "state.last_idx"),  # replicate gone: line 8 -> 7 fails
    # the NACK's send line gone: its receive (line 8 -> 7) receives a message never logged as sent
    ("send_removed", lambda ls: ls[:6] + ls[7:], 7, "send of the next message from the peer logged"),
    ("event_duplicated", lambda ls: ls[:4] + [ls[3]] + ls[4:], 5, "state.last_idx"),
    ("events_swapped", lambda ls: _swap(ls, 4, 5), 5, "state.leadership_state"),
    ("response_swapped_with_receive", lambda ls: _swap(ls, 15, 16), 17, None),
]


@pytest.fixture(scope="module")
def altered_verdicts(shared, tmp_path_factory):
    lines = (CCF_TRACES / "replicate.ndjson").read_text().splitlines()
    folder = tmp_path_factory.mktemp("altered")
    paths = []
    for name, alter, _line, _field in ALTERED:
        path = folder / f"{name}.ndjson"
        path.write_text("\n".join(alter(lines)) + "\n")
        paths.append(path)
    return dict(zip([a[0] for a in ALTERED], validate_paths(paths, jobs=2, timeout=300), strict=True))


@pytest.mark.parametrize(("name", "line", "field"), [(a[0], a[2], a[3]) for a in ALTERED])
def test_altered_trace_rejected_at_right_line(altered_verdicts, name, line, field):
    v = altered_verdicts[name]
    assert v.status == "rejected"
    assert v.failing is not None and v.failing.line == line
    assert v.matched == line - 1
    assert v.candidates, "the states reachable before the failing event are reported"
    if field is not None:
        assert any(field in {c.field for c in cand.mismatches} for cand in v.candidates)


def test_broken_spec_variant_is_caught(shared, tmp_path):
    """A spec that commits on a NACK (Bugs = {"CommitOnNack"}) cannot explain a CCF trace with NACKs."""
    broken = tmp_path / "consensus"
    shutil.copytree(SPECS / "consensus", broken)
    cfg = broken / "TraceConsensus.cfg"
    cfg.write_text(cfg.read_text().replace("Bugs = {}", 'Bugs = {"CommitOnNack"}'))
    trace = load_trace(CCF_TRACES / "candidate_viability.ndjson")
    good, bad = (
        validate([trace], spec="consensus", jobs=1, timeout=300, diagnose=False)[0],
        validate([trace], spec=broken, jobs=1, timeout=300, diagnose=False)[0],
    )
    assert good.status == "accepted", _why(good)
    assert bad.status == "rejected"
    # the NACK at line 247 moved sent_idx where CCF's did not go: the next AppendEntries does not match
    assert bad.failing is not None and (bad.failing.line, bad.failing.function) == (
        248,
        "send_append_entries",
    )


# ---------------------------------------------------------------- CLI: exit codes, JSON, JUnit


def test_cli_json_and_junit_for_a_rejected_trace(shared, tmp_path):
    lines = (CCF_TRACES / "replicate.ndjson").read_text().splitlines()
    bad = tmp_path / "bad.ndjson"
    bad.write_text("\n".join(ALTERED[0][1](lines)) + "\n")
    good = CCF_TRACES / "startup.ndjson"
    junit = tmp_path / "junit.xml"
    result = CliRunner().invoke(validate_cmd, [str(good), str(bad), "--json", "--junit", str(junit)])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["summary"] == {"traces": 2, "accepted": 1, "rejected": 1, "error": 0}
    rejected = report["traces"][1]
    assert rejected["failing_event"]["line"] == 20
    assert rejected["failing_event"]["event"] == "recv_append_entries_response"
    assert rejected["cmd"] == "dispatch_all"
    assert len(rejected["matched_prefix"]) == 19
    diff = [c for cand in rejected["candidates"] for c in cand["comparison"] if not c["equal"]]
    assert {"field": "state.commit_idx", "logged": 3, "spec": 2} in [
        {k: c[k] for k in ("field", "logged", "spec")} for c in diff
    ]
    xml = junit.read_text()
    assert 'tests="2"' in xml and 'failures="1"' in xml and f"{bad}:20:" in xml


def test_cli_human_output_names_line_cmd_and_fields(shared, tmp_path):
    lines = (CCF_TRACES / "replicate.ndjson").read_text().splitlines()
    bad = tmp_path / "bad.ndjson"
    bad.write_text("\n".join(ALTERED[0][1](lines)) + "\n")
    result = CliRunner().invoke(validate_cmd, [str(bad)])
    assert result.exit_code == 1
    out = result.output
    assert "line 20" in out and "caused by command: dispatch_all" in out
    assert "state.commit_idx" in out and "matched prefix (19 events)" in out


def test_cli_unknown_spec_is_bad_input(shared):
    result = CliRunner().invoke(validate_cmd, [str(CCF_TRACES / "startup.ndjson"), "--spec", "no_such_spec"])
    assert result.exit_code == 2
    assert "no spec folder 'no_such_spec'" in result.output


def test_cli_tool_failure_exits_3(shared, tmp_path):
    """A trace spec TLC cannot parse is the tool failing, reported per trace, never a pass."""
    broken = tmp_path / "consensus"
    shutil.copytree(SPECS / "consensus", broken)
    tla = broken / "TraceConsensus.tla"
    tla.write_text(tla.read_text().replace("TraceNext ==\n", "TraceNext == ((\n", 1))
    result = CliRunner().invoke(
        validate_cmd, [str(CCF_TRACES / "startup.ndjson"), "--spec", str(broken), "--json"]
    )
    assert result.exit_code == 3
    report = json.loads(result.output)
    assert report["traces"][0]["status"] == "error"
    assert "TLC exit code" in report["traces"][0]["message"]


def test_invariant_violated_by_a_matched_state_is_rejected_and_named(shared, tmp_path):
    """A spec variant whose election-safety invariant fails once node 0 commits index 3: the trace is matched
    up to that commit, the violating state is pruned, and the report names the invariant; --no-invariants
    accepts the same trace (so it is the invariant, not the matching, that rejects)."""
    broken = tmp_path / "consensus"
    shutil.copytree(SPECS / "consensus", broken)
    props = broken / "ConsensusProperties.tla"
    text = props.read_text()
    assert "MoreThanOneLeaderInv ==\n" in text
    broken_inv = 'MoreThanOneLeaderInv == commitIndex["0"] < 3 /\\\n'
    props.write_text(text.replace("MoreThanOneLeaderInv ==\n", broken_inv, 1))
    trace = load_trace(CCF_TRACES / "replicate.ndjson")
    commit_3 = next(
        e.line for e in trace.events if e.node == "0" and e.function == "commit" and e.msg["args"]["idx"] >= 3
    )
    strict, lax = (
        validate([trace], spec=broken, jobs=1, timeout=300, invariants=True)[0],
        validate([trace], spec=broken, jobs=1, timeout=300, invariants=False, diagnose=False)[0],
    )
    assert lax.status == "accepted", _why(lax)
    assert strict.status == "rejected"
    assert strict.invariant_violations == ["MoreThanOneLeaderInv"]
    # the commit event is logged before the commit: the state after it is the first violating one
    assert strict.failing is not None and (strict.matched, strict.failing.line) == (commit_3, commit_3 + 1)
    assert "violate MoreThanOneLeaderInv" in report_text([strict])


@pytest.mark.parametrize("sample", [None, 1])
def test_invariant_violated_per_step_is_rejected_and_named(shared, tmp_path, sample):
    """A ledger-wide invariant (LogTermsInv) broken once node 0 commits index 3, in the form trace validation
    checks it: per step by default (LogTermsInvStep), in full with --invariant-sample (stride 1: every
    state). Either way the state after the commit is the first violating one and the report names it."""
    broken = tmp_path / "consensus"
    shutil.copytree(SPECS / "consensus", broken)
    props = broken / "ConsensusProperties.tla"
    text = props.read_text()
    name = "LogTermsInvStep ==\n" if sample is None else "LogTermsInv ==\n"
    assert name in text
    prime = "'" if sample is None else ""
    props.write_text(text.replace(name, f'{name.strip()} commitIndex{prime}["0"] < 3 /\\\n', 1))
    trace = load_trace(CCF_TRACES / "replicate.ndjson")
    commit_3 = next(
        e.line for e in trace.events if e.node == "0" and e.function == "commit" and e.msg["args"]["idx"] >= 3
    )
    adapter = RaftAdapter(invariant_sample=None if sample is None else len(trace.events))
    v = validate([trace], adapter=adapter, spec=broken, jobs=1, timeout=300)[0]
    assert v.status == "rejected"
    assert v.invariant_violations == ["LogTermsInv"]
    assert v.failing is not None and (v.matched, v.failing.line) == (commit_3, commit_3 + 1)
    assert "violate LogTermsInv" in report_text([v])


def test_invariant_sample_below_one_is_bad_input(shared):
    result = CliRunner().invoke(validate_cmd, [str(CCF_TRACES / "startup.ndjson"), "--invariant-sample", "0"])
    assert result.exit_code == 2, result.output
    assert "--invariant-sample" in result.output
