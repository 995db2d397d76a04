"""Shared test fixtures and the test tiers.

Tiers: tests that start the TLA+ tools (TLC, SANY, the PlusCal translator) are marked ``tlc``, so
``-m "not tlc"`` is the quick pure-Python tier and ``-m tlc`` the rest; a test in the quick tier that starts
one of them fails, so the split stays true. Tests marked ``slow`` are left out unless asked for by marker
(``-m slow``) or by node id. ``PYCCF_REQUIRE_SHARED=1`` (set by CI) turns missing shared reference data into
one error instead of many skips.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests.paths import REPO, SHARED, SHARED_PARTS

pytest_plugins = ("pytester",)

# Reproducible property tests in CI: no example database, derandomised.
settings.register_profile(
    "ci", database=None, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci")

#: Java main classes of tla2tools.jar: a child process naming one of them is running the TLA+ tools.
TLA_TOOLS_MAINS = frozenset({"tlc2.TLC", "tla2sany.SANY", "pcal.trans"})


def shared_required() -> bool:
    return os.environ.get("PYCCF_REQUIRE_SHARED") == "1"


def missing_shared() -> list[Path]:
    """The folders of shared reference data the tests read that are not there."""
    return [p for p in (SHARED, *(SHARED / part for part in SHARED_PARTS)) if not p.is_dir()]


def pytest_configure(config: pytest.Config) -> None:
    """With PYCCF_REQUIRE_SHARED=1, missing shared data stops the run before collection, with one message."""
    if shared_required() and missing_shared():
        raise pytest.UsageError(
            f"PYCCF_REQUIRE_SHARED=1 but the shared reference data is missing: "
            f"{', '.join(str(p) for p in missing_shared())} (set PYCCF_SHARED to the folder holding "
            f"{', '.join(SHARED_PARTS)})"
        )


#: Environment variables that product code sets for its whole process: a campaign worker's functions
#: (``run_services``, ``run_batch``, ``shrink_seed``) set TRACECHECK_JVM_CPUS=1, meant for a Dask worker
#: process. A test that calls one in-process would leave every later TLC run of its pytest worker on one
#: processor with C1 alone, four to five times slower (a stop's CI: consistency models past 600 s).
PROCESS_ENV = ("TRACECHECK_JVM_CPUS",)


@pytest.fixture(autouse=True)
def process_env_restored() -> Iterator[None]:
    """Each test ends with :data:`PROCESS_ENV` as it found it."""
    before = {name: os.environ.get(name) for name in PROCESS_ENV}
    yield
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():  # with PYCCF_REQUIRE_SHARED=1, pytest_configure has stopped the run already
        pytest.skip(f"shared reference data not found at {SHARED}")
    return SHARED


def _named_on_command_line(config: pytest.Config, item: pytest.Item) -> bool:
    """Whether ``item`` was asked for by node id (``path::test``), which runs it even if it is slow."""
    for arg in config.args:
        path, sep, name = arg.partition("::")
        if sep and Path(path).resolve() == item.path:
            own = item.nodeid.partition("::")[2]
            if own == name or own.startswith(name + "["):
                return True
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out ``slow`` tests unless the ``-m`` expression names ``slow`` or the test is named by id."""
    if "slow" in (config.getoption("markexpr") or ""):
        return
    slow = [i for i in items if "slow" in i.keywords and not _named_on_command_line(config, i)]
    if slow:
        config.hook.pytest_deselected(items=slow)
        dropped = set(slow)
        items[:] = [i for i in items if i not in dropped]


class TlaToolsInQuickTier(AssertionError):
    """A test not marked ``tlc`` started TLC, SANY or the PlusCal translator."""


def _guarded_popen(nodeid: str) -> type[subprocess.Popen]:
    """``subprocess.Popen`` refusing to start the TLA+ tools, with an error naming the test and the fix."""

    class GuardedPopen(subprocess.Popen):  # type: ignore[type-arg]
        def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
            argv = [args] if isinstance(args, str | bytes | os.PathLike) else list(args)
            if any(str(a) in TLA_TOOLS_MAINS for a in argv):
                raise TlaToolsInQuickTier(
                    f"{nodeid} runs the TLA+ tools ({' '.join(map(str, argv[-3:]))}) but is not marked tlc: "
                    "add `pytestmark = pytest.mark.tlc` to its module (or @pytest.mark.tlc to the test)"
                )
            super().__init__(args, *rest, **kwargs)

    return GuardedPopen


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """Outside ``tlc`` tests Popen refuses the TLA+ tools, in set-up (module fixtures too), call, teardown.

    Only this process is guarded: a test that runs the ``tracecheck`` command as a child process must be
    marked by hand.
    """
    if item.get_closest_marker("tlc") is not None:
        yield
        return
    real = subprocess.Popen
    subprocess.Popen = _guarded_popen(item.nodeid)  # type: ignore[misc]
    try:
        yield
    finally:
        subprocess.Popen = real  # type: ignore[misc]
