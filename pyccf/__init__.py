"""pyccf: CCF's consensus protocol as a deterministic Python core, with CCF's scenario language and traces."""

__version__ = "0.1.0"
