"""tracecheck: the TLA+ tools (SANY, TLC) driven from Python, and trace validation against TLA+ specs."""

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:  # the version is written once, in pyproject.toml
    __version__ = version("pyccf")
except PackageNotFoundError:  # pragma: no cover - imported from a checkout that was never installed
    __version__ = "0+unknown"


if TYPE_CHECKING:
    from tracecheck.api import Validation, validate


def __getattr__(name: str) -> Any:
    """``tracecheck.validate(paths, spec=...)`` and its ``Validation``, imported on first use (so that
    ``import tracecheck`` stays cheap for the command line and the TLA+ tools layer)."""
    if name in ("validate", "Validation"):
        from tracecheck import api

        return getattr(api, name)
    raise AttributeError(f"module 'tracecheck' has no attribute {name!r}")


__all__ = ["Validation", "__version__", "validate"]
