"""``tracecheck diff A B``: the first differing event of two raft_trace files, read by the strict reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.paths import CCF_TRACES
from tracecheck.cli import main
from tracecheck.validation.raft.diff import diff_events, diff_files, load_trace


def test_diff_finds_a_deliberately_broken_trace(shared: Path, tmp_path: Path) -> None:
    ccf = CCF_TRACES / "election.ndjson"
    events = load_trace(ccf)
    assert diff_events(events, events) is None
    lines = ccf.read_text().splitlines()
    broken = json.loads(lines[40])
    broken["msg"]["state"]["commit_idx"] += 1
    # ignored: another h_ts (the strict reader wants it non-decreasing, so the one of the line before)
    new_ts = json.loads(lines[39])["h_ts"]
    assert new_ts != broken["h_ts"]
    broken["h_ts"] = new_ts
    lines[40] = json.dumps(broken)
    bad = tmp_path / "broken.ndjson"
    bad.write_text("\n".join(lines) + "\n")
    d = diff_files(ccf, bad)
    assert d is not None and (d.line_a, d.path) == (41, "msg.state.commit_idx")
    short = tmp_path / "short.ndjson"
    short.write_text("".join(ccf.read_text().splitlines(keepends=True)[:-1]))
    d = diff_files(ccf, short)
    assert d is not None and d.line_a == len(lines) and d.value_b == "<end of trace>"

    runner = CliRunner()
    assert runner.invoke(main, ["diff", str(ccf), str(ccf)]).exit_code == 0
    r = runner.invoke(main, ["diff", str(ccf), str(bad)])
    assert r.exit_code == 1 and "msg.state.commit_idx" in r.output
    junk = tmp_path / "junk.ndjson"
    junk.write_text(lines[0] + "\nnot json\n")
    r = runner.invoke(main, ["diff", str(ccf), str(junk)])
    assert r.exit_code == 2 and f"{junk}:2" in r.output
    assert runner.invoke(main, ["diff", str(ccf), str(tmp_path / "nope")]).exit_code == 2


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ('{"h_ts": "1", "msg": {"function": "bootstrap"', "malformed JSON: Expecting ',' delimiter (column"),
        ("not json", "malformed JSON: Expecting value (column 1)"),
        ("[1, 2]", "a trace line must be a JSON object"),
    ],
)
def test_malformed_json_is_one_line_naming_file_line_and_what(shared, tmp_path, text, what):
    """Not the old ``<line>`` placeholder with a message cut short: file:line, then the JSON error."""
    ccf = CCF_TRACES / "election.ndjson"
    junk = tmp_path / "junk.ndjson"
    junk.write_text(ccf.read_text().splitlines()[0] + "\n" + text + "\n")
    r = CliRunner().invoke(main, ["diff", str(ccf), str(junk)])
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output
    assert lines[0].startswith(f"error: {junk}:2: ") and what in lines[0]
    assert "<line>" not in r.output and "Traceback" not in r.output


def test_diff_uses_the_validators_reader(shared, tmp_path):
    """A line the validator rejects (an unknown event) is bad input to diff too, naming the field."""
    ccf = CCF_TRACES / "election.ndjson"
    lines = ccf.read_text().splitlines()
    obj = json.loads(lines[1])
    obj["msg"]["function"] = "no_such_event"
    odd = tmp_path / "odd.ndjson"
    odd.write_text("\n".join([lines[0], json.dumps(obj), *lines[2:]]) + "\n")
    r = CliRunner().invoke(main, ["diff", str(ccf), str(odd)])
    assert r.exit_code == 2 and f"{odd}:2: field 'msg.function': unknown event" in r.output


def test_pyccf_has_no_trace_command():
    from pyccf.cli import main as pyccf_main

    assert "trace" not in pyccf_main.commands
