"""What tests see of processes, read from /proc (Linux): which are alive, which name a folder, waiting."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path


def alive(pid: int) -> bool:
    """Running or stopped: anything but gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def live_processes(
    *, naming: str | Path | None = None, cwd: Path | None = None, java: bool = False
) -> list[int]:
    """Live processes whose command line names ``naming``, or whose working folder is ``cwd``; with
    ``java``, only Java virtual machines."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            if java and Path(argv[0]).name != "java":
                continue
            if naming is not None and not any(str(naming) in arg for arg in argv):
                continue
            if cwd is not None and Path(os.readlink(entry / "cwd")) != cwd:
                continue
        except OSError:
            continue
        if alive(int(entry.name)):
            pids.append(int(entry.name))
    return pids


def eventually(condition: Callable[[], object], timeout: float) -> bool:
    """Whether ``condition`` holds within ``timeout`` seconds (polled; a bound on waiting, not a timing
    assertion)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def default_signals() -> None:
    """``preexec_fn`` for a child that a test signals: Ctrl-C and SIGTERM delivered as on a terminal, even
    when the test runner was started with them ignored (a background job ignores SIGINT) or blocked."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
