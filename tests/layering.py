"""Which modules a source file imports, for the layering tests of packages below the service."""

from __future__ import annotations

import ast
from collections.abc import Collection


def forbidden_imports(source: str, forbidden: Collection[str], allowed: Collection[str] = ()) -> list[str]:
    """The absolute imports of ``source`` that name a ``forbidden`` package (or a module inside one)
    and are not in ``allowed``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [
            n for n in names if n not in allowed and any(n == f or n.startswith(f + ".") for f in forbidden)
        ]
    return found
