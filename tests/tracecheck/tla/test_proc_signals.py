"""A Ctrl-C that arrives while ``run_streaming`` starts its child (inside ``Popen``) still kills it: the
signal waits until the child is ours and is raised where the child is killed. Run in a child Python of
its own, so that it is the main thread with Python's own Ctrl-C handler (a test runner's worker may be
neither)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.paths import REPO
from tests.procs import default_signals

SCRIPT = """
import os, signal, subprocess, sys
from pathlib import Path
from tests.procs import alive
from tracecheck.tla import proc

started, real = [], subprocess.Popen

def popen_then_ctrl_c(*args, **kwargs):  # the signal comes after the fork, before Popen returns
    child = real(*args, **kwargs)
    started.append(child.pid)
    os.kill(os.getpid(), signal.SIGINT)
    return child

before = signal.pthread_sigmask(signal.SIG_BLOCK, set())
proc.subprocess.Popen = popen_then_ctrl_c
try:
    proc.run_streaming([sys.executable, "-c", "import time; time.sleep(60)"], cwd=Path.cwd())
except KeyboardInterrupt:
    pass
else:
    sys.exit("no KeyboardInterrupt")
[pid] = started
if alive(pid):
    os.kill(pid, signal.SIGKILL)
    sys.exit("the child outlived the interruption")
if signal.pthread_sigmask(signal.SIG_BLOCK, set()) != before:
    sys.exit("the signal mask was not restored")
print("ok")
"""


def test_ctrl_c_during_the_childs_start_kills_the_child(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(REPO), "PATH": ""}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=tmp_path, capture_output=True, text=True,
                          env=env, preexec_fn=default_signals, timeout=120)  # fmt: skip
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr
