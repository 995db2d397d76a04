"""The test tiers of tests/conftest.py: the quick tier refuses the TLA+ tools, ``slow`` is opt-in, and
PYCCF_REQUIRE_SHARED=1 makes missing shared data one error."""

from __future__ import annotations

import os

import pytest

from tests.paths import REPO

TIERS = """
import subprocess, sys
import pytest

FAKE_TLC = [sys.executable, "-c", "pass", "tlc2.TLC"]  # looks like a TLC run to the guard, starts no JVM


def test_unmarked_runs_tlc():
    subprocess.run(FAKE_TLC, check=True)


@pytest.mark.tlc
def test_marked_runs_tlc():
    subprocess.run(FAKE_TLC, check=True)


@pytest.fixture(scope="module")
def tlc_in_a_module_fixture():
    subprocess.run(FAKE_TLC, check=True)


def test_unmarked_with_a_module_fixture_running_tlc(tlc_in_a_module_fixture):
    pass


def test_unmarked_other_child_process():
    subprocess.run([sys.executable, "-c", "pass"], check=True)


@pytest.mark.slow
def test_slow():
    pass
"""


@pytest.fixture
def tiers(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A project using this repository's conftest, run in a child pytest (so this test's own guard is out)."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    pytester.makeconftest("from tests.conftest import *  # noqa: F403\n")
    pytester.makeini("[pytest]\nmarkers =\n    tlc: runs the TLA+ tools\n    slow: long\n")
    pytester.makepyfile(test_tiers=TIERS)
    return pytester


def test_quick_tier_refuses_the_tla_tools_and_slow_tests_are_left_out(tiers: pytest.Pytester) -> None:
    result = tiers.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1, errors=1, deselected=1)
    result.stdout.fnmatch_lines(
        ["*test_unmarked_runs_tlc runs the TLA+ tools (* tlc2.TLC) but is not marked tlc: add `pytestmark*"]
    )
    assert "test_unmarked_with_a_module_fixture_running_tlc runs the TLA+ tools" in result.stdout.str()


def test_slow_tests_run_when_asked_by_marker_or_by_id(tiers: pytest.Pytester) -> None:
    tiers.runpytest_inprocess("-p", "no:cacheprovider", "-m", "slow").assert_outcomes(passed=1, deselected=4)
    tiers.runpytest_inprocess("-p", "no:cacheprovider", "test_tiers.py::test_slow").assert_outcomes(passed=1)


def test_missing_shared_data_is_skipped_unless_required(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("PYCCF_SHARED", str(pytester.path / "nonexistent"))
    monkeypatch.delenv("PYCCF_REQUIRE_SHARED", raising=False)
    pytester.makeconftest("from tests.conftest import *  # noqa: F403\n")
    pytester.makepyfile(test_shared="def test_reads_shared_data(shared):\n    pass\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(skipped=1)
    monkeypatch.setenv("PYCCF_REQUIRE_SHARED", "1")
    strict = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert strict.ret == pytest.ExitCode.USAGE_ERROR
    message = [line for line in strict.stderr.lines if "PYCCF_REQUIRE_SHARED" in line]
    assert len(message) == 1 and str(pytester.path / "nonexistent") in message[0], strict.stderr.str()
    assert "Traceback" not in strict.stderr.str() and "passed" not in strict.stdout.str()


LEAK = """
import os

from pyccf.campaign.settings import one_core_per_worker


def test_a_worker_function_in_process():
    with one_core_per_worker():
        assert os.environ["TRACECHECK_JVM_CPUS"] == "1"
    os.environ["TRACECHECK_JVM_CPUS"] = "1"  # as a worker function that sets it itself would


def test_a_later_test_of_the_same_process():
    assert "TRACECHECK_JVM_CPUS" not in os.environ
"""


def test_a_campaign_workers_jvm_setting_does_not_outlive_its_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two tests in one process: the second must not inherit the first's one-processor JVM setting."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.delenv("TRACECHECK_JVM_CPUS", raising=False)
    pytester.makepyfile(test_leak=LEAK)
    # without this repository's conftest the setting leaks
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1, failed=1)
    pytester.makeconftest("from tests.conftest import *  # noqa: F403\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)
