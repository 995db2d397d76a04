"""Where the repository, the test data and CCF's shared reference data live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
EXAMPLES = REPO / "tracecheck" / "demo" / "examples"
SPECS = REPO / "specs"
SHARED = Path(os.environ.get("PYCCF_SHARED", REPO.parent / "shared"))
SCENARIOS = SHARED / "ccf_raft_scenarios"
CCF_TRACES = SHARED / "ccf_raft_traces"
CCF_LEDGERS = SHARED / "ccf_ledgers"
CCF_CONSTITUTIONS = SHARED / "ccf_constitutions"
#: The folders of SHARED the tests read (PYCCF_REQUIRE_SHARED=1 makes a missing one an error).
SHARED_PARTS = (SCENARIOS.name, CCF_TRACES.name, CCF_LEDGERS.name, CCF_CONSTITUTIONS.name)


def ccf_ledger_names() -> list[str]:
    """The services in CCF_LEDGERS that hold a ledger folder (none when the shared data is absent)."""
    if not CCF_LEDGERS.is_dir():
        return []
    return sorted(p.name for p in CCF_LEDGERS.iterdir() if (p / "ledger").is_dir())


#: For a test that reads CCF's ledgers: skipped when they are absent (PYCCF_REQUIRE_SHARED=1 makes that an
#: error before collection, see tests/conftest.py).
needs_ccf_ledgers = pytest.mark.skipif(
    not CCF_LEDGERS.is_dir(), reason=f"CCF's ledgers not found at {CCF_LEDGERS}"
)
