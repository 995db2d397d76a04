"""Ctrl-C and SIGTERM stop ``tracecheck validate`` like ``tracecheck check``: every TLC JVM killed, its
work folder removed, exit 130 or 143 (a real process, real signals, real JVMs)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.paths import CCF_TRACES, REPO, SPECS
from tests.procs import default_signals, eventually, live_processes

pytestmark = pytest.mark.tlc  # runs TLC (in child processes too)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_every_parallel_validation_job(shared, tmp_path, sig):
    """60 copies of a 224-event trace make 4 batches for 2 jobs: 2 JVMs run, 2 batches wait. The spec
    copy spends seconds on every state (a slow constraint), so no run ends on its own during the test."""
    inputs, tmp, spec = tmp_path / "in", tmp_path / "tmp", tmp_path / "consensus"
    inputs.mkdir()
    tmp.mkdir()
    shutil.copytree(SPECS / "consensus", spec)
    cfg, tla = spec / "TraceConsensus.cfg", spec / "TraceConsensus.tla"
    cfg.write_text(cfg.read_text() + "CONSTRAINT TraceSlow\n")
    text = tla.read_text()
    end = text.rindex("\n====") + 1  # the module's closing line: a definition after it is not in the module
    # it names a variable, so TLC evaluates it in every state (a constant expression is evaluated once)
    tla.write_text(text[:end] + "TraceSlow == \\A i \\in 1..(100000000 + l) : i # 0\n" + text[end:])
    text = (CCF_TRACES / "suffix_collision.1.ndjson").read_text()
    for k in range(60):
        (inputs / f"copy{k:02}.ndjson").write_text(text)
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tracecheck",
            "validate",
            "--jobs",
            "2",
            "--spec",
            str(spec),
            *map(str, sorted(inputs.iterdir())),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
        preexec_fn=default_signals,
    )
    started_later: set[int] = set()
    try:
        assert eventually(
            lambda: len(live_processes(naming=tmp, java=True)) >= 2 or proc.poll() is not None, 120
        )
        assert proc.poll() is None, "validation ended before the signal"
        assert list(tmp.glob("tracecheck-*")), "the jobs' work folders are in TMPDIR"
        running = set(live_processes(naming=tmp, java=True))
        proc.send_signal(sig)
        deadline = time.monotonic() + 60  # a hang guard, not a speed test: it exits at once
        while proc.poll() is None and time.monotonic() < deadline:  # does any JVM start after the signal?
            started_later |= set(live_processes(naming=tmp, java=True)) - running
            time.sleep(0.02)
        out, err = proc.communicate(timeout=1)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert started_later == set(), "a JVM was started after the signal"
    assert proc.returncode == 128 + sig, err.decode()
    assert b"Traceback" not in err and b"Aborted" not in err
    assert b"ACCEPTED" not in out  # no verdict from killed runs
    # nothing left: no JVM, no work folder
    assert not eventually(lambda: bool(live_processes(naming=tmp, java=True)), 1.0)
    assert list(tmp.glob("tracecheck-*")) == []


def _blocked_sigterm() -> None:
    default_signals()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # a mask survives exec


@pytest.mark.parametrize(
    ("sig", "start"),
    [(signal.SIGINT, default_signals), (signal.SIGTERM, _blocked_sigterm)],
    ids=["SIGINT", "SIGTERM-blocked-by-the-parent"],
)
def test_check_signal_kills_the_jvm(tmp_path, sig, start):
    """The same mechanism for ``check`` (its plain SIGTERM case is in test_check.py); a SIGTERM that the
    parent had blocked still stops it (the CLI unblocks it, or it would stay pending while TLC runs)."""
    spec = tmp_path / "Forever.tla"
    spec.write_text(
        "---- MODULE Forever ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = 0\nNext == x' = x + 1\n====\n"
    )
    (tmp_path / "Forever.cfg").write_text("INIT Init\nNEXT Next\n")
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-m", "tracecheck", "check", str(spec)]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=start)
    try:
        assert eventually(lambda: bool(live_processes(naming=tmp_path, java=True)), 60), "TLC did not start"
        proc.send_signal(sig)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + sig
    assert not eventually(lambda: bool(live_processes(naming=tmp_path, java=True)), 1.0)
    assert list(tmp_path.glob("tracecheck-*")) == []
