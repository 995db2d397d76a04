"""Client histories and the fast consistency checker: ``check_file(path)`` gives a :class:`HistoryReport`."""

from tracecheck.history.check import check_file, check_history
from tracecheck.history.events import from_events, parse_lines, read_file
from tracecheck.history.report import Edge, HistoryReport, Violation

__all__ = [
    "Edge",
    "HistoryReport",
    "Violation",
    "check_file",
    "check_history",
    "from_events",
    "parse_lines",
    "read_file",
]
