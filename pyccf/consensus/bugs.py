"""The seeded bugs the core can switch on, all off by default, each a small switch at one place in the core.

They exist to show that the checks catch real protocol mistakes. Their names, descriptions and what
catches each live in the registry (:data:`pyccf.formats.variants.BUGS`); this module is the core's view of
it. Switch one on with ``pyccf scenario run --bug NAME`` or ``bugs=[NAME]``.
"""

from __future__ import annotations

from pyccf.formats.variants import BUGS, UnknownBugError
from pyccf.formats.variants import validate_bugs as validate

__all__ = ["BUGS", "UnknownBugError", "validate"]
