"""A SIGKILLed tracecheck leaves no JVM running, and its scratch folder goes at the next start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.paths import CCF_TRACES, EXAMPLES, REPO
from tests.procs import alive, eventually, live_processes
from tracecheck.tla import proc as tla_proc
from tracecheck.tla.proc import remove_stale_scratch, scratch_dir, scratch_folder

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG and /proc")

FOREVER = "---- MODULE Forever ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = 0\nNext == x' = x + 1\n====\n"


def _tracecheck(*args: str, tmpdir: Path, **kw) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(tmpdir), "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "tracecheck", *args], env=env, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)  # fmt: skip


def _sigkill_tracecheck_while_tlc_runs(args: list[str], tmpdir: Path) -> None:
    """Start ``tracecheck ARGS``, freeze its JVM, SIGKILL tracecheck: the frozen JVM must die all the same.

    Frozen (SIGSTOP), the JVM can neither finish on its own nor notice its closed pipes, so only the
    kernel's parent-death signal can end it: an orphan stays visible instead of quietly running out.
    """
    parent = _tracecheck(*args, tmpdir=tmpdir)
    try:
        assert eventually(lambda: live_processes(naming=str(tmpdir), java=True), 60), "TLC did not start"
        jvms = live_processes(naming=str(tmpdir), java=True)
        for pid in jvms:
            os.kill(pid, signal.SIGSTOP)
        parent.send_signal(signal.SIGKILL)
        assert parent.wait(timeout=30) == -signal.SIGKILL
        assert eventually(lambda: not any(alive(p) for p in jvms), 30), f"orphaned JVMs {jvms}"
    finally:
        parent.kill()
        parent.wait()
        for pid in live_processes(
            naming=str(tmpdir), java=True
        ):  # do not leak an orphan if the assertion failed
            os.kill(pid, signal.SIGKILL)


def _scratch_left(tmpdir: Path) -> list[str]:
    return sorted(p.name for p in tmpdir.glob("tracecheck-*"))


@pytest.mark.tlc
def test_sigkill_of_check_leaves_no_jvm_and_the_next_start_removes_its_folder(tmp_path):
    tmpdir, work = tmp_path / "tmp", tmp_path / "spec"
    tmpdir.mkdir()
    work.mkdir()
    (work / "Forever.tla").write_text(FOREVER)
    (work / "Forever.cfg").write_text("INIT Init\nNEXT Next\n")
    _sigkill_tracecheck_while_tlc_runs(["check", str(work / "Forever.tla")], tmpdir)
    assert any(name.startswith("tracecheck-tlc-") for name in _scratch_left(tmpdir))  # a dead run's folder
    assert not (work / "states").exists()

    nxt = _tracecheck("check", str(EXAMPLES / "Counters.tla"), tmpdir=tmpdir)
    assert nxt.wait(timeout=300) == 0
    assert _scratch_left(tmpdir) == []


@pytest.mark.tlc
def test_sigkill_of_validate_leaves_no_jvm_and_the_next_start_removes_its_folder(tmp_path):
    trace = CCF_TRACES / "startup.ndjson"
    if not trace.is_file():
        pytest.skip(f"CCF traces not found at {CCF_TRACES}")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    _sigkill_tracecheck_while_tlc_runs(["validate", str(trace)], tmpdir)
    assert any(name.startswith("tracecheck-validate-") for name in _scratch_left(tmpdir))

    nxt = _tracecheck("validate", str(trace), tmpdir=tmpdir)
    assert nxt.wait(timeout=300) == 0
    assert _scratch_left(tmpdir) == []


PARENT = """
import subprocess, sys
from pathlib import Path
from tracecheck.tla.proc import run_streaming
cmd = ["sh", "-c", f"echo $$ > {sys.argv[2]}; exec sleep 60"]
if sys.argv[1] == "run_streaming":
    run_streaming(cmd, cwd=Path.cwd(), timeout=120)
else:  # the broken variant: a new session, and nothing else
    subprocess.Popen(cmd, start_new_session=True).wait()
"""


def _child_after_sigkill_of_parent(how: str, tmp_path: Path) -> int:
    pidfile = tmp_path / f"{how}.pid"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    parent = subprocess.Popen([sys.executable, "-c", textwrap.dedent(PARENT), how, str(pidfile)], env=env)
    try:
        assert eventually(lambda: pidfile.exists() and pidfile.read_text().strip(), 30)
        child = int(pidfile.read_text())
        assert eventually(lambda: "sleep" in Path(f"/proc/{child}/cmdline").read_text(errors="replace"), 30)
    finally:
        parent.kill()
        parent.wait()
    return child


def test_a_child_dies_with_its_sigkilled_parent_and_the_check_sees_one_that_does_not(tmp_path):
    child = _child_after_sigkill_of_parent("run_streaming", tmp_path)
    assert eventually(lambda: not alive(child), 30)
    orphan = _child_after_sigkill_of_parent("plain_popen", tmp_path)
    try:
        time.sleep(0.5)
        assert alive(orphan)  # without the parent-death signal the child runs on
    finally:
        os.kill(orphan, signal.SIGKILL)


def _dead_pid() -> tuple[int, int]:
    """A pid and start time of a process that has exited and been reaped."""
    child = subprocess.Popen(["sleep", "60"])
    ticks = tla_proc._start_ticks(child.pid)
    child.kill()
    child.wait()
    return child.pid, ticks


def test_stale_scratch_of_dead_owners_is_removed_and_nothing_else(tmp_path):
    me, my_ticks = os.getpid(), tla_proc._start_ticks(os.getpid())
    dead, dead_ticks = _dead_pid()
    other = subprocess.Popen(["sleep", "60"])
    try:
        other_ticks = tla_proc._start_ticks(other.pid)
        names = {
            "dead": f"tracecheck-tlc-{dead}-{dead_ticks}-abc",
            "reused": f"tracecheck-sany-{me}-{my_ticks + 1}-abc",  # our pid, another process's start time
            "mine": f"tracecheck-validate-{me}-{my_ticks}-abc",
            "other": f"tracecheck-pcal-{other.pid}-{other_ticks}-abc",
            "old_style": "tracecheck-tlc-k2j4l5",
            "foreign": f"pytest-{dead}-{dead_ticks}-abc",
        }
        for name in names.values():
            (tmp_path / name).mkdir()
            (tmp_path / name / "meta").mkdir()
        (tmp_path / f"tracecheck-tlc-{dead}-{dead_ticks}-file").write_text("not a folder")
        removed = remove_stale_scratch(tmp_path)
        assert sorted(p.name for p in removed) == sorted([names["dead"], names["reused"]])
        kept = {"mine", "other", "old_style", "foreign"}
        assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == sorted(names[k] for k in kept)
        assert (tmp_path / f"tracecheck-tlc-{dead}-{dead_ticks}-file").is_file()
    finally:
        other.kill()
        other.wait()
    # The same folder is stale once its owner is gone.
    assert [p.name for p in remove_stale_scratch(tmp_path)] == [names["other"]]


def test_scratch_dir_names_its_owner_and_sweeps_once(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(tla_proc, "_swept", set())
    dead, ticks = _dead_pid()
    (tmp_path / f"tracecheck-tlc-{dead}-{ticks}-old").mkdir()
    mine = scratch_dir("tlc")
    assert mine.parent == tmp_path and mine.is_dir()
    assert mine.name.startswith(f"tracecheck-tlc-{os.getpid()}-{tla_proc._start_ticks(os.getpid())}-")
    assert [p.name for p in tmp_path.iterdir()] == [mine.name]  # the dead run's folder went, ours stays
    (tmp_path / f"tracecheck-tlc-{dead}-{ticks}-later").mkdir()
    with scratch_folder("sany") as other:
        assert other.is_dir()
    assert not other.exists()
    assert (tmp_path / f"tracecheck-tlc-{dead}-{ticks}-later").is_dir()  # one sweep per process and folder
