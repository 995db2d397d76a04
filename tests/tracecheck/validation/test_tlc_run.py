"""The engine's TLC runs go through tracecheck.tla: its command line, its output splitter, SANY's reader."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.paths import CCF_TRACES, SPECS
from tracecheck.tla.proc import ProcResult
from tracecheck.tla.tlc import tlc_command
from tracecheck.validation import tlc_run
from tracecheck.validation.engine import validate
from tracecheck.validation.raft.trace import load_trace

# What TLC prints with -tool: framed messages around PrintT's unframed lines, one value wrapped at 80 columns.
_OUTPUT = """@!@!@STARTMSG 2262:0 @!@!@
TLC2 Version 2.15
@!@!@ENDMSG 2262 @!@!@
<<"tv-reach", 1, 2>>
<<"tv-reach", 2, 1>>
<<"tv-reach", 1, 3>>
<<"tv-inv", 2, 1, "MoreThanOneLeaderInv">>
<<"tv-frontier", 2, [state |-> [commit_idx |-> 2, leadership_state |-> "Leader"],
  peer |-> [sent_idx |-> 3, match_idx |-> 1]]>>
<<"something", "else">>
@!@!@STARTMSG 2199:0 @!@!@
5 states generated, 4 distinct states found, 0 states left on queue.
@!@!@ENDMSG 2199 @!@!@
@!@!@STARTMSG 2193:0 @!@!@
Model checking completed. No error has been found.
@!@!@ENDMSG 2193 @!@!@
"""


def test_command_line_is_tla_s_and_output_is_read_through_it(tmp_path, monkeypatch):
    seen: dict[str, object] = {}
    reached: list[tuple[int, int]] = []

    def fake_run(argv, *, cwd, timeout=None, on_line=None, env=None):
        seen["argv"], seen["cwd"] = list(argv), cwd
        for line in _OUTPUT.splitlines(keepends=True):
            if on_line:
                on_line(line)
        return ProcResult(0, _OUTPUT, "", 0.5, False)

    monkeypatch.setattr(tlc_run, "run_streaming", fake_run)
    folder = SPECS / "consensus"
    outcome = tlc_run.run_trace_tlc(
        folder, "TraceConsensus", tmp_path, on_reach=lambda t, lv: reached.append((t, lv))
    )
    expected = tlc_command(
        tmp_path / "TraceConsensus.tla", tmp_path / "TraceConsensus.cfg", tmp_path / "states",
        jvm_opts=("-Xss16m",), deadlock_check=False, library_paths=(folder,), tmpdir_parent=tmp_path,
    )  # fmt: skip
    assert seen == {"argv": expected, "cwd": tmp_path}
    assert "-deadlock" in expected and expected[-1] == "TraceConsensus"
    assert outcome.status == "ok" and outcome.distinct_states == 4
    assert outcome.reached == {1: 3, 2: 1}
    assert reached == [(1, 2), (2, 1), (1, 3)]  # progress while TLC runs
    assert outcome.invariant_failures == [(2, 1, "MoreThanOneLeaderInv")]
    assert outcome.frontier == {
        2: [
            {
                "state": {"commit_idx": 2, "leadership_state": "Leader"},
                "peer": {"sent_idx": 3, "match_idx": 1},
            }
        ]  # fmt: skip
    }


@pytest.mark.tlc
def test_a_parse_error_in_the_trace_spec_names_file_line_and_column(shared, tmp_path):
    broken = tmp_path / "consensus"
    shutil.copytree(SPECS / "consensus", broken)
    tla = broken / "TraceConsensus.tla"
    tla.write_text(tla.read_text().replace("TraceNext ==\n", "TraceNext == ((\n", 1))
    v = validate([load_trace(CCF_TRACES / "startup.ndjson")], spec=broken, jobs=1, timeout=300)[0]
    assert v.status == "error"
    assert f"{Path(broken).resolve() / 'TraceConsensus.tla'}:" in v.message, v.message
    assert "Encountered" in v.message
