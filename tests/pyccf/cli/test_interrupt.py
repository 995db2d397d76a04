"""Ctrl-C stops pyccf with exit 130 and one line, not "a check failed" (1) and no traceback."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from tests.procs import default_signals


def test_ctrl_c_exits_130(tmp_path):
    argv = ["simulate", "--seed", "1", "--steps", "100000", "--out", str(tmp_path)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyccf", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_signals,
    )
    time.sleep(5)  # let it get going (a loaded machine imports slowly); not a timing assertion
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in err and err.strip().splitlines() == ["interrupted"]
