"""CCF's own Python package (``ccf`` 7.0.22) as a test oracle, in a virtual environment of its own.

Product code never imports ``ccf`` (an import contract); tests run it in a separate interpreter, created
once and cached (``$PYCCF_ORACLE_DIR``, default ``~/.cache/pyccf/oracle-ccf-7.0.22``). ``ccf`` declares
Python >= 3.12 but runs on 3.11, hence ``--ignore-requires-python``.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

CCF_VERSION = "7.0.22"


def oracle_dir() -> Path:
    default = Path.home() / ".cache" / "pyccf" / f"oracle-ccf-{CCF_VERSION}"
    return Path(os.environ.get("PYCCF_ORACLE_DIR", default))


def oracle_python() -> Path:
    """The oracle's interpreter, creating its environment the first time (safe across xdist workers)."""
    venv = oracle_dir()
    python = venv / "bin" / "python"
    ready = venv / ".ready"
    if ready.exists():
        return python
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
            done = subprocess.run(
                [*pip, "--ignore-requires-python", f"ccf=={CCF_VERSION}"], capture_output=True, text=True
            )
            if done.returncode != 0:
                raise RuntimeError(
                    f"cannot install the ccf=={CCF_VERSION} oracle into {venv}:\n{done.stderr}"
                )
            ready.write_text(CCF_VERSION)
    return python


def run_oracle(
    code: str, *args: str, cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` (a script; ``sys.argv[1:]`` = ``args``; ``stdin`` its input) in the oracle."""
    return subprocess.run(
        [str(oracle_python()), "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=stdin,
    )


def oracle_json(code: str, *args: str, stdin: Any = None) -> Any:
    """Run ``code``, which prints one JSON document as its last line, and return that document.

    ``stdin``, if given, is sent to the script as one JSON document (for inputs too big for arguments).
    """
    done = run_oracle(code, *args, stdin=None if stdin is None else json.dumps(stdin))
    if done.returncode != 0:
        raise AssertionError(f"oracle script failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def read_ledger(ledger_dir: Path, level: str = "FULL", *extra: str) -> subprocess.CompletedProcess[str]:
    """``python -m ccf.read_ledger DIR --verification-level LEVEL -q`` (exit 0 = verified)."""
    return subprocess.run(
        [
            str(oracle_python()),
            "-m",
            "ccf.read_ledger",
            str(ledger_dir),
            "--verification-level",
            level,
            "-q",
            *extra,
        ],
        capture_output=True,
        text=True,
    )
