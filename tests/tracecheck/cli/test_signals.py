"""Ctrl-C and SIGTERM stop ``tracecheck validate`` like ``tracecheck check``: every TLC JVM killed, its
work folder removed, exit 130 or 143 (a real process, real signals, real JVMs)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.paths import CCF_TRACES, REPO


def _javas_naming(folder: Path) -> list[int]:
    """Live (non-zombie) java processes whose command line names ``folder``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if ") Z" in stat or not cmdline or "java" not in Path(cmdline[0]).name:
            continue
        if any(str(folder) in arg for arg in cmdline):
            pids.append(int(entry.name))
    return pids


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_every_parallel_validation_job(shared, tmp_path, sig):
    traces = sorted(CCF_TRACES.glob("*.ndjson"))
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracecheck", "validate", "--jobs", "2", *map(str, traces)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert _wait_for(lambda: len(_javas_naming(tmp_path)) >= 2 or proc.poll() is not None, 120)
        assert proc.poll() is None, "validation ended before the signal"
        assert list(tmp_path.glob("tracecheck-*")), "the jobs' work folders are in TMPDIR"
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + sig, err.decode()
    assert b"Traceback" not in err and b"Aborted" not in err
    assert b"ACCEPTED" not in out  # no verdict from killed runs
    # nothing left: no JVM (none started after the signal either), no work folder
    assert not _wait_for(lambda: bool(_javas_naming(tmp_path)), 1.0)
    assert list(tmp_path.glob("tracecheck-*")) == []


def test_check_sigint_kills_the_jvm(tmp_path):
    """The same mechanism for ``check`` (its SIGTERM case is in test_check.py)."""
    spec = tmp_path / "Forever.tla"
    spec.write_text(
        "---- MODULE Forever ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = 0\nNext == x' = x + 1\n====\n"
    )
    (tmp_path / "Forever.cfg").write_text("INIT Init\nNEXT Next\n")
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "tracecheck", "check", str(spec)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        assert _wait_for(lambda: bool(_javas_naming(tmp_path)), 60), "TLC did not start"
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert not _wait_for(lambda: bool(_javas_naming(tmp_path)), 1.0)
    assert list(tmp_path.glob("tracecheck-*")) == []
