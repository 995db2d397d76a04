"""Shared test fixtures: where the repository and the shared reference data live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.paths import REPO, SHARED

# Reproducible property tests in CI: no example database, derandomised.
settings.register_profile(
    "ci", database=None, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci")


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared reference data not found at {SHARED}")
    return SHARED


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Long checks are marked ``slow`` and run only with PYCCF_SLOW=1 (the normal suite stays short)."""
    if os.environ.get("PYCCF_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: set PYCCF_SLOW=1 to run")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
