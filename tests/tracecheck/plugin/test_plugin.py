"""The pytest plugin, used by an example project run with pytester: its passing tests validate pyccf
traces, its tampered trace fails with the report ``tracecheck validate`` prints."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.paths import REPO
from tracecheck.cli import main

pytestmark = pytest.mark.tlc  # the example project runs TLC (in a child pytest, so marked by hand)

EXAMPLE = Path(__file__).parent / "example"


def test_the_package_declares_the_plugin() -> None:
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert meta["project"]["entry-points"]["pytest11"] == {"tracecheck": "tracecheck.pytest_plugin"}


def _run_example(
    tmp_path_factory: pytest.TempPathFactory, *options: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    project = tmp_path_factory.mktemp("example")
    for f in EXAMPLE.iterdir():
        if f.is_file():
            shutil.copy(f, project / f.name)
    base = project / "tmp"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "tracecheck.pytest_plugin",
        "-p",
        "no:cacheprovider",
        f"--basetemp={base}",
        "-q",
        "-rN",
        *options,
        str(project),
    ]
    return subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=600), base


@pytest.fixture(scope="module")
def example_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    return _run_example(tmp_path_factory)


def test_batched_the_marked_tests_traces_are_validated_once_at_the_end(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    run, _ = _run_example(tmp_path_factory, "--tracecheck-batch")
    assert run.returncode == 1, run.stdout + run.stderr  # the session fails: a rejected trace
    assert re.search(r"\b3 passed\b", run.stdout), run.stdout  # the tests themselves pass
    assert "tracecheck: 2 trace(s) of 2 test(s) validated in one engine call" in run.stdout
    assert "test_a_tampered_trace_fails_with_the_divergence_report wrote" in run.stdout
    assert "REJECTED" in run.stdout and "first event no behaviour of the spec matches" in run.stdout


def test_passing_tests_pass_and_the_tampered_trace_fails(example_run: tuple) -> None:
    run, _ = example_run
    assert run.returncode == 1, run.stdout + run.stderr
    assert re.search(r"\b1 failed, 2 passed\b", run.stdout), run.stdout
    failed = re.findall(r"_+ (test_\w+) _+", run.stdout)
    assert failed == ["test_a_tampered_trace_fails_with_the_divergence_report"]


def _body(report: str) -> list[str]:
    """The report's lines without the ones holding timings (the verdict line and the summary)."""
    return [line for line in report.splitlines() if line.startswith("  ")]


def test_the_failure_is_the_clis_report(example_run: tuple, tmp_path: Path) -> None:
    run, base = example_run
    traces = [p for p in base.glob("*tampered*/tracecheck/scenario.ndjson") if not p.parents[1].is_symlink()]
    assert len(traces) == 1, sorted(base.iterdir())
    cli = CliRunner().invoke(main, ["validate", str(traces[0]), "-j", "1"])
    assert cli.exit_code == 1 and "first event no behaviour of the spec matches" in cli.output
    body = _body(cli.output)
    assert body and all(line in run.stdout for line in body), run.stdout
    assert "REJECTED" in run.stdout and str(traces[0]) in run.stdout
    assert json.loads(traces[0].read_text().splitlines()[0])["msg"]["function"] == "bootstrap"
