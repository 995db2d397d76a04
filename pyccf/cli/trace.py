"""``pyccf trace diff``: first difference of two raft_trace files (exit 0 equal, 1 differ, 2 bad input)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pyccf.errors import TraceFormatError
from pyccf.sim.tracediff import IGNORED_FIELDS, diff_files


@click.group()
def trace() -> None:
    """Work with CCF-format raft_trace ndjson files."""


@trace.command("diff")
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
def diff(a: Path, b: Path) -> None:
    """Report the first event where A and B differ, ignoring h_ts, thread_id, file and number."""
    for p in (a, b):
        if not p.is_file():
            click.echo(f"{p}: error: no such file", err=True)
            sys.exit(2)
    try:
        d = diff_files(a, b)
    except TraceFormatError as e:
        click.echo(f"{e.file}:{e.line}: error: {e.field}: {e.message}", err=True)
        sys.exit(2)
    except UnicodeDecodeError as e:
        click.echo(f"error: not a text file ({e.reason})", err=True)
        sys.exit(2)
    if d is None:
        click.echo("traces are equal (ignoring " + ", ".join(sorted(IGNORED_FIELDS)) + ")")
        sys.exit(0)
    click.echo(d.describe())
    sys.exit(1)
