"""Parallel TLC jobs that stop together: after an interruption no job starts a JVM, every running JVM is
killed and every job folder is removed before the interruption propagates.

The CLI turns Ctrl-C and SIGTERM into exceptions in the main thread (see :mod:`tracecheck.cli.common`);
a single TLC run in the main thread is then killed by :func:`tracecheck.tla.proc.run_streaming` itself.
Jobs run in worker threads, which an exception in the main thread does not reach, so :meth:`Jobs.map`
kills their JVMs from outside: the child processes (each leads its own process group) whose command
line names one of the jobs' folders. That needs ``/proc`` (Linux); elsewhere running JVMs finish first.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TypeVar

from tracecheck.tla.proc import scratch_dir

T = TypeVar("T")
R = TypeVar("R")

#: how long an interrupted map waits for its workers to notice (killed JVMs end in milliseconds)
_STOP_WAIT_S = 20.0


class Cancelled(Exception):
    """Raised in a worker whose job was stopped because the whole run was interrupted."""


def new_folder(kind: str) -> Path:
    """A new temporary folder ``tracecheck-KIND-*`` for one job (the one place job folders are made); its
    name carries the owner, so a later run can remove it if this process dies (see tla.proc)."""
    return scratch_dir(kind)


class Jobs:
    """A pool of ``workers`` threads whose jobs make their folders with :meth:`workdir`."""

    def __init__(self, workers: int, kind: str = "jobs") -> None:
        self.workers = max(1, workers)
        self.kind = kind
        self.cancelled = threading.Event()
        self._folders: set[str] = set()
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def workdir(self) -> Iterator[Path]:
        """A fresh folder for one job, removed afterwards; raises :class:`Cancelled` once interrupted."""
        if self.cancelled.is_set():
            raise Cancelled()
        folder = new_folder(self.kind)
        with self._lock:
            self._folders.add(str(folder))
        try:
            yield folder
            if self.cancelled.is_set():  # the JVM was killed: whatever it printed is not an outcome
                raise Cancelled()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            with self._lock:
                self._folders.discard(str(folder))

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``[fn(x) for x in items]`` in parallel; any exception (here or in a job) stops every job."""
        pool = ThreadPoolExecutor(max_workers=self.workers)
        futures: list[Future[R]] = []
        try:
            for x in items:
                futures.append(pool.submit(self._run, fn, x))
            return [f.result() for f in futures]
        except BaseException:
            self.stop(futures)
            raise
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, fn: Callable[[T], R], x: T) -> R:
        try:
            return fn(x)
        except BaseException:
            self.cancelled.set()  # at once: the freed worker must not start a queued job
            raise

    def stop(self, futures: Sequence[Future]) -> None:
        """Cancel what has not started, kill the JVMs of what has, and wait for the workers to finish."""
        self.cancelled.set()
        for f in futures:
            f.cancel()
        running = [f for f in futures if not f.done()]
        for _ in range(int(_STOP_WAIT_S / 0.05)):
            with self._lock:
                marks = list(self._folders)
            kill_children_naming(marks)
            _, running_set = wait(running, timeout=0.05)
            running = list(running_set)
            if not running:
                return


def kill_children_naming(marks: Sequence[str]) -> None:
    """SIGKILL the process group of each child of this process whose command line contains a mark."""
    if not marks:
        return
    me = os.getpid()
    try:
        entries = list(Path("/proc").iterdir())
    except OSError:  # no /proc: nothing this can do
        return
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid != me:
                continue
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        if any(m in cmdline for m in marks):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(int(entry.name), signal.SIGKILL)
