"""Output files: paths checked before any run (exit 2, one line); --itf only with a counterexample;
--json says whether --expect-violation was met."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.paths import CCF_TRACES, EXAMPLES
from tracecheck.cli import main

COUNTERS, BOUNDED = str(EXAMPLES / "Counters.tla"), str(EXAMPLES / "Bounded.tla")


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _one_error_line(res) -> str:
    assert "Traceback" not in res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ["validate", str(CCF_TRACES / "startup.ndjson"), "--junit", "/nonexistent/x.xml"],
        ["check", BOUNDED, "--itf", "/nonexistent/x.json"],
    ],
    ids=["validate--junit", "check--itf"],
)
def test_unwritable_output_path_is_bad_input_before_any_run(shared, args):
    res = cli(*args)
    assert res.exit_code == 2
    line = _one_error_line(res)
    assert "/nonexistent/x." in line and ("--junit" in line or "--itf" in line)
    assert "ACCEPTED" not in res.stdout and "invariant violated" not in res.output  # nothing was run


def test_output_path_checks(tmp_path):
    from tracecheck.cli.common import output_path
    from tracecheck.errors import BadInput

    assert output_path(tmp_path / "x.xml", "--junit") == tmp_path / "x.xml"
    assert output_path(None, "--junit") is None
    for bad, why in ((tmp_path, "is a folder"), (tmp_path / "no" / "x.xml", "no folder")):
        with pytest.raises(BadInput, match=why) as exc:
            output_path(bad, "--junit")
        assert exc.value.field == "--junit" and exc.value.file == str(bad)


@pytest.mark.tlc
def test_itf_without_counterexample_writes_nothing_and_says_so(tmp_path):
    itf = tmp_path / "none.itf.json"
    res = cli("check", COUNTERS, "--itf", str(itf))
    assert res.exit_code == 0 and "No error found" in res.stdout
    assert not itf.exists()
    assert f"no counterexample: {itf} not written" in res.output
    res = cli("check", COUNTERS, "--itf", str(itf), "--json")
    assert not itf.exists() and json.loads(res.stdout)["itf"] is None


@pytest.mark.tlc
def test_json_says_whether_the_expected_violation_was_met():
    met = json.loads(cli("check", BOUNDED, "--json", "--expect-violation", "SumBelowLimit").stdout)
    assert met["expected_violation"] == {"name": "SumBelowLimit", "met": True}
    res = cli("check", BOUNDED, "--json", "--expect-violation", "Other")
    assert res.exit_code == 1
    assert json.loads(res.stdout)["expected_violation"] == {"name": "Other", "met": False}
    res = cli("check", COUNTERS, "--json", "--expect-violation", "SumBelowLimit")
    assert res.exit_code == 1
    assert json.loads(res.stdout)["expected_violation"] == {"name": "SumBelowLimit", "met": False}
    assert "expected_violation" not in json.loads(cli("check", COUNTERS, "--json").stdout)
