"""pyccf.kv sits below consensus, the simulator, the ledger and the service: it imports none of them."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.paths import REPO

FORBIDDEN = ("pyccf.consensus", "pyccf.sim", "pyccf.ledger", "pyccf.service", "pyccf.cli", "ccf")
KV = REPO / "pyccf" / "kv"


def imported(source: str, package: str = "pyccf.kv") -> set[str]:
    """Every module a source file imports (relative imports resolved against ``package``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names.add(base)
    return names


def violations(files: list[Path]) -> list[str]:
    return sorted(
        f"{f.name}: {name}"
        for f in files
        for name in imported(f.read_text())
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    )


def test_kv_imports_nothing_above_it() -> None:
    files = sorted(KV.glob("*.py"))
    assert len(files) >= 6
    assert violations(files) == []


def test_the_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "store.py"
    bad.write_text("from ..consensus.log import ViewHistory\nimport pyccf.sim.driver\nimport pyccf.errors\n")
    assert violations([bad]) == ["store.py: pyccf.consensus.log", "store.py: pyccf.sim.driver"]


def test_importing_kv_loads_no_module_above_it() -> None:
    code = (
        "import sys, pyccf.kv.store, pyccf.kv.status, pyccf.kv.txid, pyccf.kv.writeset\n"
        "print('\\n'.join(sorted(m for m in sys.modules if m.startswith('pyccf'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    loaded = out.stdout.split()
    assert "pyccf.kv.store" in loaded
    assert [m for m in loaded if m.startswith(FORBIDDEN)] == []
