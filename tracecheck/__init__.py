"""tracecheck: the TLA+ tools (SANY, TLC) driven from Python, and trace validation against TLA+ specs."""

__version__ = "0.1.0"
