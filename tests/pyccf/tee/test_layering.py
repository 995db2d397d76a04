"""pyccf.tee sits below the service: it imports neither consensus, simulator, service logic nor CCF's package.

The one exception is ``pyccf.service.identity``, whose seeded key derivation it shares (one place for it).
"""

from __future__ import annotations

from pathlib import Path

import pyccf.tee
from tests import layering

FORBIDDEN = ("pyccf.consensus", "pyccf.sim", "pyccf.cli", "pyccf.service", "pyccf.governance", "ccf")
ALLOWED = ("pyccf.service.identity",)


def forbidden_imports(source: str) -> list[str]:
    return layering.forbidden_imports(source, FORBIDDEN, ALLOWED)


def test_the_tee_imports_none_of_them():
    files = sorted(Path(pyccf.tee.__file__).parent.glob("*.py"))
    assert len(files) >= 8
    for file in files:
        assert forbidden_imports(file.read_text()) == [], file.name


def test_the_check_catches_each():
    for source in ["import pyccf.sim.network", "from pyccf.service.replicated import X", "import ccf.ledger"]:
        assert forbidden_imports(source)
    assert forbidden_imports("from pyccf.service.identity import derive_key; import ccfx") == []
