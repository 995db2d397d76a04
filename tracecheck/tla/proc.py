"""Running a tool as a child process that never outlives the call, nor tracecheck itself.

The child gets its own process group; on timeout, Ctrl-C or any other exception the whole group is
killed and reaped before control returns. Output is streamed line by line to an optional callback; if
the callback raises, the child is killed and the callback's exception is raised once it is reaped.

A SIGKILL of tracecheck (a CI hard kill, the OOM killer) runs none of that, so on Linux the child also
asks the kernel to SIGKILL it when its parent dies (``PR_SET_PDEATHSIG``, set between fork and exec).
The kernel ties that to the *thread* that started the child, which is fine here: the calling thread
blocks until the child is reaped. Elsewhere there is no such guard and a SIGKILLed run can leave its
child behind. Either way a killed run leaves its scratch folder, so scratch folders carry their owner's
pid and start time (:func:`scratch_dir`) and those of dead owners are removed when the next one is made.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tracecheck.errors import ToolFailed


@dataclass
class ProcResult:
    returncode: int | None  # None when killed on timeout
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


@cache
def _prctl() -> Callable[..., int] | None:
    """libc's ``prctl``, looked up once in the parent (never between fork and exec); None if not Linux."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - a Linux without a usable libc
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


#: What a signal handler of ours may turn into an exception while a child starts (see run_streaming).
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _die_with_parent() -> Callable[[], None]:
    """The ``preexec_fn``: the child gets SIGKILL when we die (Linux), and Ctrl-C and SIGTERM unblocked
    (``run_streaming`` blocks them in this thread while the child starts, and a mask is inherited)."""
    prctl = _prctl()
    parent = os.getpid()

    def in_child() -> None:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        if prctl is None:
            return
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # we died before the request was made: nobody will send the signal
            os.kill(os.getpid(), signal.SIGKILL)

    return in_child


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
    # A Ctrl-C or SIGTERM while Popen runs would raise out of it after the child started, with no
    # handle on the child to kill: in the main thread (where handlers run) they wait until ``proc`` is
    # ours, and are raised inside the try below, which kills it.
    main = threading.current_thread() is threading.main_thread()
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS) if main else None
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
            preexec_fn=_die_with_parent(),
            env=env,
        )
    except BaseException as exc:
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        if isinstance(exc, OSError):
            raise ToolFailed(f"cannot run {argv[0]}: {exc.strerror or exc}") from None
        raise
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
            if mask is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a signal sent meanwhile is raised here
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


_SCRATCH = re.compile(r"tracecheck-[a-z]+-(\d+)-(\d+)-")
_swept: set[str] = set()


def _stat_fields(pid: int) -> list[str] | None:
    """``/proc/PID/stat`` from field 3 (state) on, or None if there is no such process (or no /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()


def _start_ticks(pid: int) -> int:
    """When ``pid`` started, in clock ticks since boot (0 without /proc): with the pid, one process."""
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else 0


def _owner_alive(pid: int, ticks: int) -> bool:
    if Path("/proc/self/stat").exists():  # a reused pid has another start time; a zombie runs nothing
        fields = _stat_fields(pid)
        return fields is not None and fields[0] != "Z" and int(fields[19]) == ticks
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_scratch(parent: Path) -> list[Path]:
    """Remove the scratch folders in ``parent`` that are ours (same user) and whose owner is dead.

    A live run's folder is never touched, nor anything not named by :func:`scratch_dir`.
    """
    removed = []
    uid = os.getuid() if hasattr(os, "getuid") else None
    with contextlib.suppress(OSError), os.scandir(parent) as entries:
        for entry in entries:
            match = _SCRATCH.match(entry.name)
            if match is None or not entry.is_dir(follow_symlinks=False):
                continue
            with contextlib.suppress(OSError):
                if uid is not None and entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if not _owner_alive(int(match.group(1)), int(match.group(2))):
                    shutil.rmtree(entry.path, ignore_errors=True)
                    removed.append(Path(entry.path))
    return removed


def scratch_dir(kind: str) -> Path:
    """A new temporary folder ``tracecheck-KIND-PID-START-*`` for one tool run; the caller removes it.

    The first call per temporary folder in this process first removes the folders of runs that died.
    """
    parent = Path(tempfile.gettempdir())
    if str(parent) not in _swept:
        _swept.add(str(parent))
        remove_stale_scratch(parent)
    pid = os.getpid()
    return Path(tempfile.mkdtemp(prefix=f"tracecheck-{kind}-{pid}-{_start_ticks(pid)}-", dir=parent))


@contextlib.contextmanager
def scratch_folder(kind: str) -> Iterator[Path]:
    """:func:`scratch_dir` as a context manager that removes the folder on the way out."""
    path = scratch_dir(kind)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
