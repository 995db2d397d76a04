"""Reports: state counts are per TLC run (per batch), JUnit's suite time is wall time, a malformed input
still gets its JUnit testcase."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from tests.paths import CCF_TRACES
from tracecheck.cli import main
from tracecheck.validation.engine import Batch, Verdict
from tracecheck.validation.junit import junit_xml
from tracecheck.validation.raft.trace import load_trace
from tracecheck.validation.report import report_dict, report_text


def _accepted(name: str, batch: Batch, seconds: float = 1.0) -> Verdict:
    trace = load_trace(CCF_TRACES / name)
    return Verdict(trace, "accepted", matched=len(trace.events), seconds=seconds, batch=batch)


def test_a_shared_batch_state_count_is_reported_as_the_batch_s(shared):
    shared_run, own_run = Batch(10, 1424, 4.0), Batch(1, 57, 0.5)
    startup, election = _accepted("startup.ndjson", shared_run), _accepted("election.ndjson", own_run)
    text = report_text([startup, election])
    assert "(3/3 events, 1.0 s, 1,424 states in a batch of 10 traces)" in text
    assert "1,424 states)" not in text
    assert ", 57 states)" in text
    d = report_dict([startup, election])["traces"]
    assert d[0]["distinct_states"] is None and d[0]["batch"]["distinct_states"] == 1424
    assert d[0]["batch"]["traces"] == 10
    assert d[1]["distinct_states"] == 57 and d[1]["batch"]["traces"] == 1


def test_junit_suite_time_is_wall_time(shared):
    run = Batch(3, 100, 2.0)
    names = ("startup.ndjson", "election.ndjson", "append.ndjson")
    verdicts = [_accepted(n, run, seconds=2.0) for n in names]
    root = ET.fromstring(junit_xml(verdicts, 2.5))
    assert root.get("time") == "2.500"  # not 6.000, the sum of the cases
    assert [c.get("time") for c in root.iter("testcase")] == ["2.000"] * 3


@pytest.mark.tlc
def test_cli_junit_time_is_the_run_s_wall_time(shared, tmp_path):
    junit = tmp_path / "j.xml"
    traces = [str(CCF_TRACES / n) for n in ("startup.ndjson", "election.ndjson", "append.ndjson")]
    res = CliRunner().invoke(main, ["validate", *traces, "--json", "--junit", str(junit)])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    root = ET.parse(junit).getroot()
    assert float(root.get("time") or "nan") == report["seconds"]
    assert root.get("tests") == "3" and root.get("failures") == "0"


def test_malformed_input_still_writes_junit_with_an_error_testcase(shared, tmp_path):
    bad = tmp_path / "bad.ndjson"
    bad.write_text((CCF_TRACES / "startup.ndjson").read_text().splitlines()[0] + "\nnot json\n")
    good = CCF_TRACES / "startup.ndjson"
    junit = tmp_path / "j.xml"
    res = CliRunner().invoke(main, ["validate", str(good), str(bad), "--junit", str(junit)])
    assert res.exit_code == 2
    assert f"{bad}:2: malformed JSON" in res.stderr and "Traceback" not in res.output
    root = ET.parse(junit).getroot()
    assert (root.get("tests"), root.get("errors"), root.get("skipped")) == ("2", "1", "1")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    error = cases[str(bad)].find("error")
    assert error is not None and f"{bad}:2: malformed JSON" in (error.get("message") or "")
    assert cases[str(good)].find("skipped") is not None
