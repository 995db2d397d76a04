"""The tracecheck CLI: exit codes, --json shape, --itf, --expect-violation, parse, demo."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.paths import EXAMPLES
from tests.procs import default_signals, live_processes
from tracecheck.cli import main

pytestmark = pytest.mark.tlc

COUNTERS, BOUNDED = str(EXAMPLES / "Counters.tla"), str(EXAMPLES / "Bounded.tla")


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def bounded_json():
    res = cli("check", BOUNDED, "--json")
    assert res.exit_code == 1
    return json.loads(res.stdout)


def test_json_shape_and_values(bounded_json):
    out = bounded_json
    assert {
        "status",
        "violated",
        "states_generated",
        "distinct_states",
        "depth",
        "duration_s",
        "trace",
    } <= set(out)
    assert out["status"] == "invariant_violated" and out["violated"] == "SumBelowLimit"
    assert (out["states_generated"], out["distinct_states"], out["depth"]) == (8, 7, 4)
    assert out["trace"][0] == {"action": None, "location": None, "state": {"a": 0, "b": 0}}
    assert [step["action"] for step in out["trace"][1:]] == ["IncA"] * 3
    assert out["trace"][-1]["state"] == {"a": 3, "b": 0}


def test_exit_0_when_no_violation():
    res = cli("check", COUNTERS)
    assert res.exit_code == 0 and "No error found" in res.stdout


def test_expect_violation():
    assert cli("check", BOUNDED, "--expect-violation", "SumBelowLimit").exit_code == 0


def test_expect_violation_exit_codes():
    from tracecheck.cli import exit_code
    from tracecheck.tla.tlc import TlcResult

    violated = TlcResult(status="invariant_violated", violated="Inv")
    assert (exit_code(violated), exit_code(violated, "Inv"), exit_code(violated, "Other")) == (1, 0, 1)
    assert exit_code(TlcResult(status="ok"), "Inv") == 1  # expected violation not found
    assert exit_code(TlcResult(status="deadlock"), "deadlock") == 0
    assert exit_code(TlcResult(status="assumption_failed", violated="line 3 ..."), "assumption") == 0
    assert exit_code(TlcResult(status="parse_error"), "Inv") == 2  # bad input stays bad input
    assert exit_code(TlcResult(status="timeout"), "Inv") == 3


def test_itf_output(tmp_path):
    itf = tmp_path / "cex.itf.json"
    res = cli("check", BOUNDED, "--itf", str(itf))
    assert res.exit_code == 1
    data = json.loads(itf.read_text())
    assert data["#meta"]["format"] == "ITF" and data["vars"] == ["a", "b"]
    assert [s["#meta"]["index"] for s in data["states"]] == [0, 1, 2, 3]
    assert data["states"][-1]["a"] == 3 and "loop" not in data


def test_simulation_options():
    res = cli("check", BOUNDED, "--simulate", "--depth", "6", "--num", "5", "--seed", "1", "--json")
    out = json.loads(res.stdout)
    assert res.exit_code == 1 and out["status"] == "invariant_violated"


@pytest.mark.parametrize(
    "args",
    [
        ["check", "/nonexistent/Spec.tla"],
        ["check", COUNTERS, "--depth", "3"],  # --depth needs --simulate
        ["check", COUNTERS, "--workers", "0"],
        ["check", COUNTERS, "--config", "/nonexistent.cfg"],
        ["check", COUNTERS, "--jvm-prop", "novalue"],
        ["check", COUNTERS, "--heap", "lots"],
        ["parse", "/nonexistent/Spec.tla"],
    ],
)
def test_bad_input_exits_2_with_one_line(args):
    res = cli(*args)
    assert res.exit_code == 2
    assert "Traceback" not in res.stderr and res.stderr.strip()


def test_broken_spec_exits_2_with_file_and_line(tmp_path):
    spec = tmp_path / "Broken.tla"
    spec.write_text("---- MODULE Broken ----\nVARIABLE x\nInit == x = = 0\n====\n")
    (tmp_path / "Broken.cfg").write_text("INIT Init\nNEXT Init\n")
    res = cli("check", str(spec))
    assert res.exit_code == 2 and f"{spec}:3:" in res.stderr and res.stdout == ""
    parsed = cli("parse", str(spec))
    assert parsed.exit_code == 2 and f"{spec}:3:" in parsed.stderr
    assert cli("parse", COUNTERS).exit_code == 0


def test_timeout_exits_3(tmp_path):
    spec = tmp_path / "Forever.tla"
    spec.write_text(
        "---- MODULE Forever ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = 0\nNext == x' = x + 1\n====\n"
    )
    (tmp_path / "Forever.cfg").write_text("INIT Init\nNEXT Next\n")
    res = cli("check", str(spec), "--timeout", "2", "--json")
    assert res.exit_code == 3 and json.loads(res.stdout)["status"] == "timeout"


def test_demo():
    """The demo's clean trace is accepted and its seeded-bug trace rejected at the divergent event."""
    res = cli("demo")
    assert res.exit_code == 0 and "demo ok" in res.stdout, res.stdout
    assert "ACCEPTED" in res.stdout and "1 accepted, 0 rejected" in res.stdout
    assert "REJECTED" in res.stdout and "first event no behaviour of the spec matches: line 129" in res.stdout


def test_out_of_memory_exits_3(tmp_path):
    spec = tmp_path / "Huge.tla"
    spec.write_text(
        "---- MODULE Huge ----\nEXTENDS Naturals\nVARIABLE x\n"
        "Init == x = [i \\in 1..20000000 |-> i]\nNext == UNCHANGED x\n====\n"
    )
    (tmp_path / "Huge.cfg").write_text("INIT Init\nNEXT Next\n")
    res = cli("check", str(spec), "--heap", "16m", "--timeout", "60", "--json")
    out = json.loads(res.stdout)
    assert res.exit_code == 3 and out["status"] == "tool_error"
    assert any("out of memory" in e for e in out["errors"])


def test_sigterm_to_the_cli_kills_the_jvm(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    spec = tmp_path / "Forever.tla"
    spec.write_text(
        "---- MODULE Forever ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = 0\nNext == x' = x + 1\n====\n"
    )
    (tmp_path / "Forever.cfg").write_text("INIT Init\nNEXT Next\n")
    tracecheck = Path(sys.executable).with_name("tracecheck")
    proc = subprocess.Popen(
        [str(tracecheck), "check", str(spec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=default_signals,
    )
    deadline = time.monotonic() + 30
    while not live_processes(cwd=tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert live_processes(cwd=tmp_path), "TLC did not start"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 128 + signal.SIGTERM
    time.sleep(0.2)
    assert live_processes(cwd=tmp_path) == []
    assert not (tmp_path / "states").exists()


def test_an_in_process_run_leaves_no_signal_handler_behind():
    before = signal.getsignal(signal.SIGTERM)
    result = CliRunner().invoke(main, ["parse", "/nonexistent.tla"])
    assert result.exit_code == 2
    assert signal.getsignal(signal.SIGTERM) is before
