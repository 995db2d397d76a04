"""pyccf: CCF's consensus protocol as a deterministic Python core, with CCF's scenario language and traces."""

from importlib.metadata import PackageNotFoundError, version

try:  # the version is written once, in pyproject.toml
    __version__ = version("pyccf")
except PackageNotFoundError:  # pragma: no cover - imported from a checkout that was never installed
    __version__ = "0+unknown"
