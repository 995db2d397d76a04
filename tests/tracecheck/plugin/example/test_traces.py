"""An example user project: its implementation (here pyccf) writes traces, tracecheck's plugin checks them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCENARIO = Path(__file__).with_name("scenario.scn")


def write_trace(folder: Path) -> Path:
    """Run the implementation on the scenario; it writes folder/scenario.ndjson."""
    cmd = [sys.executable, "-m", "pyccf", "scenario", "run", str(SCENARIO), "--trace-dir", str(folder)]
    subprocess.run(cmd, check=True, capture_output=True)
    return folder / "scenario.ndjson"


def test_the_validator_accepts_pyccf_traces(tracecheck_validator, tmp_path: Path) -> None:
    trace = write_trace(tmp_path)
    result = tracecheck_validator.check([trace])
    assert result.ok and [v.status for v in result.verdicts] == ["accepted"]
    tracecheck_validator.check([trace])  # validated once per session
    assert tracecheck_validator.engine_calls == 1


@pytest.mark.tracecheck
def test_every_trace_written_is_validated(tracecheck_dir: Path) -> None:
    write_trace(tracecheck_dir)


@pytest.mark.tracecheck
def test_a_tampered_trace_fails_with_the_divergence_report(tracecheck_dir: Path) -> None:
    trace = write_trace(tracecheck_dir)
    lines = trace.read_text().splitlines()
    k = next(i for i, line in enumerate(lines) if '"recv_append_entries_response"' in line)
    event = json.loads(lines[k])
    event["msg"]["state"]["commit_idx"] += 1
    lines[k] = json.dumps(event)
    trace.write_text("\n".join(lines) + "\n")
