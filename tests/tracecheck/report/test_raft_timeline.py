"""The raft timeline: messages joined send to receive, kinds, bands and the page's DOM hooks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyccf.formats.raft_trace import Event
from tests.paths import CCF_TRACES
from tests.tracecheck.report.dom import elements
from tracecheck.report import traces_html
from tracecheck.report.raft import (
    COMMIT,
    ELECTION,
    RECONFIGURATION,
    REPLICATION,
    RETIREMENT,
    _bands,
    event_kinds,
    messages,
    timeline_figure,
)
from tracecheck.validation.adapter import Comparison
from tracecheck.validation.engine import Candidate, Verdict
from tracecheck.validation.raft.trace import Trace, load_trace

TRACES = sorted(CCF_TRACES.glob("*.ndjson")) if CCF_TRACES.is_dir() else []


def _trace(name: str) -> Trace:
    path = CCF_TRACES / name
    if not path.is_file():
        pytest.skip(f"shared reference data not found: {path}")
    return load_trace(path)


@pytest.mark.parametrize("path", TRACES, ids=lambda p: p.name)
def test_every_received_message_is_joined_to_its_send(path: Path) -> None:
    trace = load_trace(path)
    pairs = messages(trace)
    received = {r for _, r in pairs}
    for k, e in enumerate(trace.events):
        incoming = e.msg.get("packet") and "from_node_id" in e.msg and "to_node_id" not in e.msg
        # A retiring leader's ProposeRequestVote goes out from its commit, which logs no successor.
        if incoming and e.function is not Event.RECV_PROPOSE_REQUEST_VOTE:
            assert k in received, f"line {e.line}: {e.function} has no send"
    for sent, got in pairs:
        s, r = trace.events[sent], trace.events[got]
        assert sent < got and r.msg["from_node_id"] == s.node
        assert s.msg.get("to_node_id", r.node) == r.node or s.function is Event.RECV_REQUEST_VOTE
        assert s.msg.get("packet", {}).get("msg") in (None, r.msg["packet"]["msg"], "raft_request_vote")
    assert len(received) == len(pairs)  # a receive is joined once


def test_a_dropped_message_gets_no_arrow() -> None:
    trace = _trace("election.ndjson")
    sends = [k for k, e in enumerate(trace.events) if e.function is Event.SEND_APPEND_ENTRIES]
    recv = next(k for k, e in enumerate(trace.events) if e.function is Event.RECV_APPEND_ENTRIES)
    kept = Trace(trace.path, tuple(e for k, e in enumerate(trace.events) if k != recv), trace.nodes)
    assert len(messages(kept)) == len(messages(trace)) - 1
    assert sends  # the trace does replicate


def test_kinds_cover_elections_replication_commits_reconfiguration_and_retirement() -> None:
    kinds = dict(
        zip(
            [str(e.function) for e in _trace("election.ndjson").events],
            event_kinds(_trace("election.ndjson")),
            strict=True,
        )
    )
    assert kinds["become_leader"] == ELECTION and kinds["send_request_vote"] == ELECTION
    assert kinds["send_append_entries"] == REPLICATION and kinds["commit"] == COMMIT
    assert kinds["bootstrap"] == RECONFIGURATION and kinds["add_configuration"] == RECONFIGURATION
    retire = _trace("retire_one.ndjson")
    retiring = [e for e, k in zip(retire.events, event_kinds(retire), strict=True) if k == RETIREMENT]
    assert retiring and all(
        e.state.get("retirement_phase") or e.state["membership_state"] == "Retired" for e in retiring
    )


def test_bands_follow_role_and_term_without_gaps() -> None:
    trace = _trace("election.ndjson")
    for node in trace.nodes:
        mine = sorted(b for b in _bands(trace) if b[0] == node)
        assert all(a[2] == b[1] for a, b in zip(mine, mine[1:], strict=False))  # contiguous
        assert all((a[3], a[4]) != (b[3], b[4]) for a, b in zip(mine, mine[1:], strict=False))
    roles = {(b[0], b[3], b[4]) for b in _bands(trace)}
    assert ("1", "Leader", 3) in roles and ("0", "Leader", 2) in roles


def test_figure_has_a_lane_per_node_and_a_commit_line_per_node() -> None:
    trace = _trace("election.ndjson")
    fig = timeline_figure(trace)
    assert list(fig.layout.yaxis.ticktext) == list(trace.nodes)
    assert list(fig.layout.yaxis.tickvals) == list(range(len(trace.nodes)))
    assert sorted(t.name for t in fig.data if (t.name or "").startswith("commit index")) == [
        f"commit index, node {n}" for n in trace.nodes
    ]


def _rejected(trace: Trace, k: int) -> Verdict:
    failing = trace.events[k]
    cmp = [Comparison("state.commit_idx", 5, 4), Comparison("state.current_view", 2, 2)]
    return Verdict(
        trace,
        "rejected",
        matched=k,
        failing=failing,
        message=f"line {failing.line}: no behaviour",
        candidates=[Candidate({"commitIndex": 4}, cmp)],
    )


def test_a_rejected_trace_highlights_its_first_unmatched_event_with_the_comparison() -> None:
    trace = _trace("election.ndjson")
    k = 40
    page = traces_html([trace], [_rejected(trace, k)])
    line = trace.events[k].line
    assert [e["data-line"] for e in elements(page, "id") if e["id"] == "failing-event"] == [str(line)]
    assert [e["data-line"] for e in elements(page, "id") if e["id"] == "divergence"] == [str(line)]
    fields = elements(page, "data-field", "tr")
    assert [(f["data-field"], f["data-equal"]) for f in fields] == [
        ("state.commit_idx", "false"),
        ("state.current_view", "true"),
    ]
    assert [e["data-lane"] for e in elements(page, "data-lane", "li")] == list(trace.nodes)
    assert f"first unmatched event (line {line})" in page  # the chart's ringed mark


def test_an_accepted_trace_highlights_nothing() -> None:
    trace = _trace("election.ndjson")
    page = traces_html([trace], [Verdict(trace, "accepted", matched=len(trace.events))])
    assert not [e for e in elements(page, "id") if e["id"] in ("failing-event", "divergence")]
    assert [e["data-status"] for e in elements(page, "data-status", "p")] == ["accepted"]
    rows = elements(page, "data-line", "tr")
    assert [int(r["data-line"]) for r in rows] == [e.line for e in trace.events]


def test_hover_carries_the_raw_event() -> None:
    trace = _trace("election.ndjson")
    fig = timeline_figure(trace)
    hovers = [h for t in fig.data if t.hovertext is not None for h in t.hovertext]
    raw = json.loads(trace.events[5].text)
    assert any(f"&quot;h_ts&quot;: &quot;{raw['h_ts']}&quot;" in h for h in hovers)


def test_a_long_trace_opens_on_a_window_around_the_failing_event() -> None:
    trace = _trace("candidate_viability.ndjson")
    import tracecheck.report.raft as raft

    k = 450
    fig = timeline_figure(trace, _rejected(trace, k))
    lo, hi = fig.layout.xaxis.range
    assert lo <= k <= hi and hi - lo == raft.WINDOW
