"""Where the shipped TLA+ specs are: one locator for the CLI, the demo and trace validation.

In order: ``$TRACECHECK_SPECS``; the specs installed with the package (a wheel carries them as
``tracecheck/specs``); the ``specs/`` folder of a checkout (an editable install).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from tracecheck.errors import BadInput

ENV = "TRACECHECK_SPECS"


def specs_root() -> Path:
    """The folder that holds one sub-folder per spec (``consensus``, ...)."""
    env = os.environ.get(ENV)
    if env:
        root = Path(env)
        if not root.is_dir():
            raise BadInput(f"${ENV} names {env!r}, which is not a folder", field=ENV)
        return root.resolve()
    installed = Path(str(resources.files("tracecheck"))) / "specs"
    if installed.is_dir():
        return installed.resolve()
    checkout = Path(__file__).resolve().parents[2] / "specs"
    if checkout.is_dir():
        return checkout
    raise BadInput(f"no specs found: set ${ENV} or reinstall (looked in {installed} and {checkout})")


def spec_folder(name: str) -> Path:
    """The folder of one shipped spec, e.g. ``consensus``."""
    root = specs_root()
    folder = root / name
    if not folder.is_dir():
        known = sorted(p.name for p in root.iterdir() if p.is_dir())
        raise BadInput(f"no spec folder {name!r} in {root} (known: {', '.join(known)})", field="--spec")
    return folder
