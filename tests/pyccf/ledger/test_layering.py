"""pyccf.ledger takes plain data: it never imports consensus, the simulator, the service, or CCF's package."""

from __future__ import annotations

from pathlib import Path

import pyccf.ledger
from tests import layering

FORBIDDEN = ("pyccf.consensus", "pyccf.sim", "pyccf.service", "ccf")


def forbidden_imports(source: str) -> list[str]:
    return layering.forbidden_imports(source, FORBIDDEN)


def test_the_ledger_layer_imports_none_of_them():
    files = sorted(Path(pyccf.ledger.__file__).parent.glob("*.py"))
    assert len(files) >= 4
    for file in files:
        assert forbidden_imports(file.read_text()) == [], file.name


def test_the_check_catches_each():
    for source in ["import pyccf.sim.network", "from pyccf.consensus.node import Node", "import ccf.ledger"]:
        assert forbidden_imports(source)
    assert forbidden_imports("import ccfx; from pyccf.kv import x") == []
