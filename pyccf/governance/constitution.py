"""CCF's sample constitutions as the sources a service stores: the files concatenated, as CCF's build does.

The files are read where they are (CCF's ``samples/constitutions/``), never copied or edited.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_FILES = ("actions.js", "validate.js", "resolve.js", "apply.js")
VIRTUAL_ACTIONS = Path("virtual") / "virtual_attestation_actions.js"
VETO_RESOLVE = Path("veto") / "resolve.js"


def constitution_source(root: Path, *, virtual: bool = True, veto: bool = False) -> str:
    """The constitution from CCF's samples in ``root``: ``default/`` (with ``veto/resolve.js`` in place of
    the default resolve when ``veto``), plus the virtual-attestation actions after ``actions.js``, which
    they extend."""
    parts = []
    for name in DEFAULT_FILES:
        path = root / VETO_RESOLVE if veto and name == "resolve.js" else root / "default" / name
        parts.append(path.read_text(encoding="utf-8"))
        if name == "actions.js" and virtual:
            parts.append((root / VIRTUAL_ACTIONS).read_text(encoding="utf-8"))
    return "\n".join(parts)
