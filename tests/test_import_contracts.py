"""The import contracts in pyproject.toml (checked in CI by ``lint-imports``) catch each broken layer."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import REPO

#: One import per contract that the contract forbids: (file, line appended to it).
VIOLATIONS = [
    ("pyccf/formats/raft_trace.py", "import pyccf.errors"),
    ("pyccf/consensus/node.py", "import pyccf.sim.network"),
    ("tracecheck/validation/engine.py", "import pyccf.consensus.node"),
    ("tracecheck/tla/tlc.py", "import tracecheck.validation.engine"),
    ("pyccf/service/run.py", "import tracecheck.audit.ledger"),
    ("pyccf/ledger/__init__.py", "import ccf.ledger"),
]


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    if not exe.exists():
        pytest.skip("lint-imports (import-linter, in the dev extras) is not installed")
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(exe), "--no-cache"], cwd=root, env=env, capture_output=True, text=True)


def test_each_contract_catches_an_import_across_its_layer(tmp_path: Path) -> None:
    for package in ("pyccf", "tracecheck"):
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    for file, line in VIOLATIONS:
        with open(tmp_path / file, "a") as f:
            f.write(f"\n{line}  # a layer violation\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"0 kept, {len(VIOLATIONS)} broken" in result.stdout, result.stdout
    for _, line in VIOLATIONS:
        assert line.removeprefix("import ") in result.stdout
