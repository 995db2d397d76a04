"""Parallel jobs stop together: one failing (or an interruption of the caller) kills the others' child
processes, starts no queued job and leaves no job folder (child processes here are sleeping Pythons)."""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

import pytest

from tests.procs import live_processes
from tracecheck.tla.proc import run_streaming
from tracecheck.validation.jobs import Cancelled, Jobs


@pytest.fixture
def tmp_root(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_a_failing_job_stops_the_others(tmp_root):
    jobs = Jobs(2, kind="test")
    started: list[int] = []
    sleeper_running = threading.Event()

    def job(k: int) -> int:
        with jobs.workdir() as work:
            started.append(k)
            if k == 0:
                assert sleeper_running.wait(60)
                raise ValueError("job 0 failed")
            code = "import time; print('up', flush=True); time.sleep(600)"
            argv = [sys.executable, "-c", code, str(work)]
            run_streaming(argv, cwd=work, on_line=lambda _line: sleeper_running.set())
        return k

    with pytest.raises(ValueError, match="job 0 failed"):
        jobs.map(job, range(4))
    assert sorted(started) == [0, 1]  # the queued jobs 2 and 3 never started
    assert live_processes(naming=tmp_root) == []
    assert list(tmp_root.glob("tracecheck-test-*")) == []
    with pytest.raises(Cancelled), jobs.workdir():  # and nothing starts afterwards
        pass


def test_jobs_return_results_in_order(tmp_root):
    jobs = Jobs(3)
    assert jobs.map(lambda k: k * k, range(7)) == [0, 1, 4, 9, 16, 25, 36]
    assert not jobs.cancelled.is_set()
