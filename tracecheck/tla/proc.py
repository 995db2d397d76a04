"""Running a tool as a child process that never outlives the call.

The child gets its own process group; on timeout, Ctrl-C or any other exception the whole group is
killed and reaped before control returns. Output is streamed line by line to an optional callback; if
the callback raises, the child is killed and the callback's exception is raised once it is reaped.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tracecheck.errors import ToolFailed


@dataclass
class ProcResult:
    returncode: int | None  # None when killed on timeout
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - a zombie that will not die
        proc.kill()
        proc.wait()


def run_streaming(
    argv: Sequence[str],
    *,
    cwd: Path,
    timeout: float | None = None,
    on_line: Callable[[str], None] | None = None,
    env: dict[str, str] | None = None,
) -> ProcResult:
    """Run ``argv`` in ``cwd``; call ``on_line`` for each stdout line; kill the process group on timeout."""
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,
            env=env,
        )
    except OSError as exc:
        raise ToolFailed(f"cannot run {argv[0]}: {exc.strerror or exc}") from None
    out_lines: list[str] = []
    err_chunks: list[str] = []
    callback_errors: list[BaseException] = []

    def pump_stdout() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            out_lines.append(line)
            if on_line is not None and not callback_errors:
                try:
                    on_line(line)
                except Exception as exc:  # a broken callback stops the run, and is raised below
                    callback_errors.append(exc)
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(proc.pid, signal.SIGKILL)

    def pump_stderr() -> None:
        assert proc.stderr is not None
        err_chunks.append(proc.stderr.read())

    readers = [threading.Thread(target=f, daemon=True) for f in (pump_stdout, pump_stderr)]
    for t in readers:
        t.start()
    timed_out = False
    try:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc)
    except BaseException:  # Ctrl-C or anything else: no JVM may survive us
        _kill_group(proc)
        raise
    finally:
        for t in readers:
            t.join(timeout=10)
    if callback_errors:
        raise callback_errors[0]
    return ProcResult(
        returncode=None if timed_out else proc.returncode,
        stdout="".join(out_lines),
        stderr="".join(err_chunks),
        duration_s=time.monotonic() - start,
        timed_out=timed_out,
    )
