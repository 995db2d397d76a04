"""tracecheck: the TLA+ tools (SANY, TLC) driven from Python, and trace validation against TLA+ specs."""

from importlib.metadata import PackageNotFoundError, version

try:  # the version is written once, in pyproject.toml
    __version__ = version("pyccf")
except PackageNotFoundError:  # pragma: no cover - imported from a checkout that was never installed
    __version__ = "0+unknown"
