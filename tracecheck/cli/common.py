"""What every ``tracecheck`` command shares: exit codes, one-line errors, signals, output paths.

Ctrl-C and SIGTERM become exceptions in the main thread (KeyboardInterrupt, SystemExit(143)); whatever
runs TLC then kills its JVMs on the way out (``run_streaming`` for a run in this thread,
:class:`tracecheck.validation.jobs.Jobs` for parallel ones), and :func:`handle_errors` exits 130 or 143.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from tracecheck.errors import BadInput, ToolFailed, ToolsNotFound, TracecheckError

EXIT_OK, EXIT_VIOLATION, EXIT_BAD_INPUT, EXIT_TOOL = 0, 1, 2, 3
EXIT_SIGINT, EXIT_SIGTERM = 128 + signal.SIGINT, 128 + signal.SIGTERM


def err_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def out_console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def install_signal_handlers() -> Callable[[], None]:
    """SIGTERM raises SystemExit(143) in the main thread, as Ctrl-C raises KeyboardInterrupt. Returns what
    puts the previous handler back (a command run in process, e.g. by a test, must not leave it behind)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.signal(signal.SIGTERM, _terminate)
    # a SIGTERM blocked by whoever started us would stay pending while the JVMs run on: unblock it
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    return restore


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def handle_errors(fn: Callable[..., int]) -> Callable[..., None]:
    """Run a command body, turning our exceptions into one-line messages and exit codes."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            code = fn(*args, **kwargs)
        except BadInput as exc:
            err_console().print(f"[red]error:[/] {escape(str(exc))}")
            code = EXIT_BAD_INPUT
        except (ToolsNotFound, ToolFailed, TracecheckError) as exc:
            err_console().print(f"[red]error:[/] {escape(str(exc))}")
            code = EXIT_TOOL
        except KeyboardInterrupt:
            err_console().print("[yellow]interrupted[/]")
            code = EXIT_SIGINT
        except SystemExit as exc:
            if exc.code == EXIT_SIGTERM:
                err_console().print("[yellow]terminated[/]")
            raise
        sys.exit(code)

    return wrapper


def output_path(path: str | Path | None, option: str) -> Path | None:
    """Check, before any work is done, that a file can be written at ``path``; BadInput otherwise."""
    if path is None:
        return None
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise BadInput("is a folder, not a file", file=path, field=option)
    if not parent.is_dir():
        raise BadInput(f"cannot write here: no folder {parent}", file=path, field=option)
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise BadInput("cannot write here: permission denied", file=path, field=option)
    return path
