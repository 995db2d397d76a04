"""Loading and checking CCF-format traces: every defect is a one-line error naming file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.paths import CCF_TRACES
from tracecheck.cli.validate import validate as validate_cmd
from tracecheck.errors import BadInput
from tracecheck.validation.engine import plan_batches
from tracecheck.validation.raft.module import data_module, event_record, pre_vote_nodes
from tracecheck.validation.raft.trace import TraceFormatError, load_trace


def _lines(name: str = "replicate.ndjson") -> list[str]:
    return (CCF_TRACES / name).read_text().splitlines()


def _write(tmp_path: Path, lines: list[str], name: str = "t.ndjson") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _edit(line: str, fn) -> str:
    obj = json.loads(line)
    fn(obj)
    return json.dumps(obj)


def test_every_shared_ccf_trace_loads(shared):
    for path in sorted(CCF_TRACES.glob("*.ndjson")):
        trace = load_trace(path)
        assert trace.events[0].function == "bootstrap"
        assert [e.line for e in trace.events] == list(range(1, len(trace.events) + 1))
        assert trace.nodes[0] == "0"


def _drop(path: str):
    def go(obj):
        *parents, last = path.split(".")
        for key in parents:
            obj = obj[key]
        del obj[last]

    return go


def _at(k: int, fn):
    """Alter line k (1-based) of a trace with fn(obj)."""
    return lambda ls: ls[: k - 1] + [_edit(ls[k - 1], fn)] + ls[k:]


def _set(path: str, value):
    def go(obj):
        *parents, last = path.split(".")
        for key in parents:
            obj = obj[key]
        obj[last] = value

    return go


BAD_LINES = [
    ("malformed JSON", lambda ls: ls[:3] + ['{"h_ts": "40", "msg": {'] + ls[4:], 4, None, "malformed JSON"),
    ("unknown event", _at(5, _set("msg.function", "recv_stuff")), 5, "msg.function", "unknown event"),
    (
        "missing field",
        _at(7, _drop("msg.packet.last_log_idx")),
        7,
        "msg.packet.last_log_idx",
        "missing field",
    ),
    ("missing state", _at(3, _drop("msg.state.current_view")), 3, "msg.state.current_view", "missing field"),
    ("decreasing h_ts", _at(10, _set("h_ts", "3")), 10, "h_ts", "h_ts decreases"),
    ("wrong type", _at(6, _set("msg.state.last_idx", "7")), 6, "msg.state.last_idx", "expected int"),
    (
        "bad enum",
        _at(6, _set("msg.state.leadership_state", "Boss")),
        6,
        "msg.state.leadership_state",
        "unknown",
    ),
    ("no bootstrap", lambda ls: ls[1:], 1, "msg.function", "must start with bootstrap"),
]


@pytest.mark.parametrize(
    ("what", "alter", "line", "field", "message"), BAD_LINES, ids=[b[0] for b in BAD_LINES]
)
def test_bad_input_names_file_line_and_field(shared, tmp_path, what, alter, line, field, message):
    path = _write(tmp_path, alter(_lines()))
    with pytest.raises(TraceFormatError) as info:
        load_trace(path)
    err = info.value
    assert isinstance(err, BadInput)
    assert (err.line, err.field) == (line, field)
    assert message in err.message
    text = str(err)
    assert text.startswith(f"{path}:{line}:") and "\n" not in text


def test_empty_and_missing_traces(tmp_path):
    empty = _write(tmp_path, [""], "empty.ndjson")
    with pytest.raises(TraceFormatError, match="empty trace"):
        load_trace(empty)
    with pytest.raises(TraceFormatError, match="cannot read"):
        load_trace(tmp_path / "absent.ndjson")


def test_cli_bad_input_exits_2_with_one_line(shared, tmp_path):
    path = _write(tmp_path, BAD_LINES[0][1](_lines()))
    result = CliRunner().invoke(validate_cmd, [str(path)])
    assert result.exit_code == 2
    assert f"{path}:4: malformed JSON" in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_event_records_are_uniform(shared):
    """Every event record has the same fields, so the trace spec never reads a field an event lacks."""
    trace = load_trace(CCF_TRACES / "bad_network.ndjson")  # has drop_pending_to without committable_indices
    shapes = {
        (frozenset(r), frozenset(r["state"]), frozenset(r["packet"])) for r in map(event_record, trace.events)
    }
    assert len(shapes) == 1
    drop = next(e for e in trace.events if e.function == "drop_pending_to")
    assert event_record(drop)["state"]["has_committable_indices"] is False


def test_cleanup_nodes_come_from_the_cmd_of_the_replicate(shared):
    """The retired_committed entry of `cleanup_nodes,T,ids` names exactly those ids (a spec decision)."""
    trace = load_trace(CCF_TRACES / "reconfig_0_1.ndjson")
    records = {e.line: event_record(e) for e in trace.events}
    assert records[19]["fn"] == "replicate" and records[19]["cleanup_nodes"] == frozenset({"0"})
    assert all(r["cleanup_nodes"] == frozenset() for k, r in records.items() if k != 19)


def test_data_module_is_a_sequence_literal(shared):
    traces = [load_trace(CCF_TRACES / n) for n in ("startup.ndjson", "pre_vote.ndjson")]
    text = data_module(traces, [None, 5])
    assert "TraceLogs == <<" in text and ":>" not in text and "@@" not in text
    assert text.count("[line |-> ") == 3 + 5
    assert pre_vote_nodes(traces[1]) == frozenset({"0", "1", "2"})


def test_batches_balance_events():
    class T:  # the planner only needs events
        def __init__(self, n):
            self.events = [None] * n

    traces = [
        T(n)
        for n in (558, 278, 254, 224, 220, 205, 141, 133, 130, 129, 114, 113, 89, 72, 63, 53, 41, 35, 11, 3)
    ]
    batches = plan_batches(traces, 2)
    assert sorted(k for b in batches for k in b) == list(range(len(traces)))
    sizes = [sum(len(traces[k].events) for k in b) for b in batches]
    assert len(batches) == 2 and max(sizes) - min(sizes) <= 558
    assert len(plan_batches(traces, 2, max_events=500)) >= 5
