"""``tracecheck diff A B``: the first event where two raft_trace files differ.

Exit codes: 0 equal, 1 they differ, 2 bad input (a missing file, a line the strict reader rejects: one
line naming file, line and what is wrong).
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from tracecheck.cli.common import EXIT_OK, EXIT_VIOLATION, handle_errors, out_console
from tracecheck.validation.raft.diff import IGNORED_FIELDS, diff_files


@click.command("diff")
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@handle_errors
def diff(a: Path, b: Path) -> int:
    """Report the first event where A and B differ, ignoring h_ts, thread_id, file and number."""
    d = diff_files(a, b)
    if d is None:
        out_console().print(f"traces are equal (ignoring {', '.join(sorted(IGNORED_FIELDS))})")
        return EXIT_OK
    out_console().print(escape(d.describe()))
    return EXIT_VIOLATION
