"""The timeline of one raft trace: a lane per node along the trace's logical time (its line order).

Marks are events coloured by kind, arrows join each message's send to its receive, bars under a lane show
the node's leadership state and term, the lower panel plots each node's commit index. For a rejected
trace the first unmatched event is ringed in red, and the spec's candidate states with the field-by-field
comparison (the verdict's) sit beside the chart.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from pyccf.formats.raft_trace import Event, LeadershipState, MembershipState, MessageType
from tracecheck.report.page import EVENTS_OPEN, Section, esc
from tracecheck.validation.engine import Verdict
from tracecheck.validation.raft.trace import Trace, TraceEvent
from tracecheck.validation.report import TIMELINE_TAIL

ELECTION, REPLICATION, COMMIT, RECONFIGURATION, RETIREMENT = (
    "election",
    "replication",
    "commit",
    "reconfiguration",
    "retirement",
)
KIND_COLOURS = {
    ELECTION: "#d62728",
    REPLICATION: "#1f77b4",
    COMMIT: "#2ca02c",
    RECONFIGURATION: "#9467bd",
    RETIREMENT: "#ff7f0e",
}
_KIND_OF = {
    Event.BOOTSTRAP: RECONFIGURATION,
    Event.ADD_CONFIGURATION: RECONFIGURATION,
    Event.COMMIT: COMMIT,
    **{
        e: ELECTION
        for e in (
            Event.SEND_REQUEST_VOTE,
            Event.RECV_REQUEST_VOTE,
            Event.RECV_REQUEST_VOTE_RESPONSE,
            Event.RECV_PROPOSE_REQUEST_VOTE,
            Event.BECOME_PRE_VOTE_CANDIDATE,
            Event.BECOME_CANDIDATE,
            Event.BECOME_LEADER,
            Event.BECOME_FOLLOWER,
            Event.STEP_DOWN_AND_NOMINATE_SUCCESSOR,
        )
    },
}
LEADERSHIP_COLOURS = {
    LeadershipState.LEADER: "rgba(44,160,44,0.25)",
    LeadershipState.CANDIDATE: "rgba(214,39,40,0.2)",
    LeadershipState.PRE_VOTE_CANDIDATE: "rgba(255,127,14,0.2)",
    LeadershipState.FOLLOWER: "rgba(31,119,180,0.12)",
    LeadershipState.NONE: "rgba(127,127,127,0.12)",
}
# A long trace draws its event marks with WebGL (SVG markers double the render time of 10,000 events) and
# opens on a window of events (the failing one in the middle): the rest is a pan or a zoom-out away.
GL_EVENTS = 2000
WINDOW = 400
RAW_HOVER_CHARS = 1500
LABEL_MIN_EVENTS = 4  # a hover box longer than a screen helps nobody; the table has the line number


def event_kind(event: TraceEvent, before: dict[str, Any] | None) -> str:
    """An event is a retirement step when it changes the node's retirement phase or membership."""
    s = event.state
    if before is not None and (
        s.get("retirement_phase") != before.get("retirement_phase")
        or s["membership_state"] != before["membership_state"]
    ):
        return RETIREMENT
    if s["membership_state"] == MembershipState.RETIRED and before is None:
        return RETIREMENT
    return _KIND_OF.get(event.function, REPLICATION)


def event_kinds(trace: Trace) -> list[str]:
    last: dict[str, dict[str, Any]] = {}
    kinds = []
    for e in trace.events:
        kinds.append(event_kind(e, last.get(e.node)))
        last[e.node] = e.state
    return kinds


ANY_NODE = "*"  # the receiver of a message whose receiver was not logged


def _implied_send(e: TraceEvent) -> tuple[str, str, dict[str, Any]] | None:
    """(sender, receiver, packet's msg and term) of a message CCF sends without logging a send event: a
    vote's answer, sent while handling the request, and the ProposeRequestVote of a nomination."""
    if e.function is Event.RECV_REQUEST_VOTE:  # logged before the voter adopts the request's term
        term = max(e.state["current_view"], e.msg["packet"]["term"])
        return e.node, str(e.msg["from_node_id"]), {"msg": MessageType.REQUEST_VOTE_RESPONSE, "term": term}
    if e.function is Event.STEP_DOWN_AND_NOMINATE_SUCCESSOR:  # older CCF does not log the successor
        packet = {"msg": MessageType.PROPOSE_REQUEST_VOTE, "term": e.state["current_view"]}
        return e.node, str(e.msg.get("to_node_id", ANY_NODE)), packet
    return None


def messages(trace: Trace) -> list[tuple[int, int]]:
    """(send index, receive index) of each delivered message: the oldest equal packet in flight on that
    link is the one received (CCF's test network may drop or reorder, so order alone is not enough). A
    message sent without a send event is drawn from the event that sends it, matched on type and term."""
    in_flight: dict[tuple[str, str], deque[tuple[int, dict[str, Any]]]] = defaultdict(deque)
    pairs = []
    for k, e in enumerate(trace.events):
        implied = _implied_send(e)
        if implied is not None:
            in_flight[(implied[0], implied[1])].append((k, implied[2]))
        packet = e.msg.get("packet")
        to, frm = e.msg.get("to_node_id"), e.msg.get("from_node_id")
        if not packet or (to is None) == (frm is None):
            continue  # drop_pending_to names both ends and delivers nothing
        if to is not None:
            in_flight[(e.node, to)].append((k, packet))
            continue
        brief = {"msg": packet.get("msg"), "term": packet.get("term")}
        for queue in (in_flight[(str(frm), e.node)], in_flight[(str(frm), ANY_NODE)]):
            j = next((j for j, (_, sent) in enumerate(queue) if sent in (packet, brief)), None)
            if j is not None:
                pairs.append((queue[j][0], k))
                del queue[j]
                break
    return pairs


def _bands(trace: Trace) -> list[tuple[str, int, int, str, int]]:
    """(node, first index, last index, leadership state, term) of each run of unchanged role and term."""
    open_: dict[str, tuple[int, str, int]] = {}
    bands = []
    for k, e in enumerate(trace.events):
        now = (e.state["leadership_state"], e.state["current_view"])
        start = open_.get(e.node)
        if start is not None and (start[1], start[2]) == now:
            continue
        if start is not None:
            bands.append((e.node, start[0], k, start[1], start[2]))
        open_[e.node] = (k, *now)
    end = len(trace.events)
    bands.extend((node, k, end, role, term) for node, (k, role, term) in open_.items())
    return bands


def _raw(event: TraceEvent) -> str:
    text = json.dumps(json.loads(event.text), indent=1)
    text = text if len(text) <= RAW_HOVER_CHARS else text[:RAW_HOVER_CHARS] + "\n..."
    return esc(text).replace("\n", "<br>")


def timeline_figure(trace: Trace, verdict: Verdict | None = None) -> go.Figure:
    events = trace.events
    kinds = event_kinds(trace)
    lanes = list(trace.nodes)
    lane = {node: k for k, node in enumerate(lanes)}  # numeric lanes: labels can sit below the marks
    marks = go.Scattergl if len(events) > GL_EVENTS else go.Scatter
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.72, 0.28], vertical_spacing=0.04)
    for role, colour in LEADERSHIP_COLOURS.items():
        bands = [b for b in _bands(trace) if b[3] == role]
        if not bands:
            continue
        fig.add_trace(
            go.Bar(
                orientation="h",
                y=[lane[b[0]] for b in bands],
                base=[b[1] - 0.5 for b in bands],
                x=[b[2] - b[1] for b in bands],
                marker_color=colour,
                width=0.7,
                name=f"{role}",
                legendgroup="roles",
                legendgrouptitle_text="leadership",
                text=[f"term {b[4]}" for b in bands],
                textposition="none",
                customdata=[b[0] for b in bands],
                hovertemplate=f"node %{{customdata}}: {role} %{{text}}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    bands = [
        b for b in _bands(trace) if b[2] - b[1] >= LABEL_MIN_EVENTS
    ]  # a short band's label would collide
    fig.add_trace(
        go.Scatter(
            x=[b[1] - 0.4 for b in bands],
            y=[lane[b[0]] - 0.24 for b in bands],
            mode="text",
            text=[f"{b[3]}, term {b[4]}" for b in bands],
            textposition="middle right",
            textfont={"size": 9, "color": "#555"},
            hoverinfo="skip",
            showlegend=False,
        ),
        row=1,
        col=1,
    )
    xs: list[float | None] = []
    ys: list[int | None] = []
    sizes: list[int] = []
    for sent, received in messages(trace):
        xs += [sent, received, None]
        ys += [lane[events[sent].node], lane[events[received].node], None]
        sizes += [0, 9, 0]
    if xs:
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines+markers",
                name="messages",
                hoverinfo="skip",
                line={"color": "rgba(90,90,90,0.45)", "width": 1},
                marker={
                    "symbol": "arrow",
                    "angleref": "previous",
                    "size": sizes,
                    "color": "rgba(90,90,90,0.7)",
                },
            ),
            row=1,
            col=1,
        )
    for kind, colour in KIND_COLOURS.items():
        idx = [k for k, x in enumerate(kinds) if x == kind]
        if not idx:
            continue
        fig.add_trace(
            marks(
                x=idx,
                y=[lane[events[k].node] for k in idx],
                mode="markers",
                name=kind,
                legendgroup="kinds",
                legendgrouptitle_text="events",
                marker={"color": colour, "size": 8, "line": {"width": 0.5, "color": "white"}},
                customdata=[[events[k].line, str(events[k].function)] for k in idx],
                hovertext=[_raw(events[k]) for k in idx],
                hovertemplate="line %{customdata[0]}: %{customdata[1]}<br>%{hovertext}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    for node in lanes:
        idx = [k for k, e in enumerate(events) if e.node == node]
        if idx:
            fig.add_trace(
                marks(
                    x=idx,
                    y=[events[k].state["commit_idx"] for k in idx],
                    mode="lines",
                    line_shape="hv",
                    name=f"commit index, node {node}",
                    legendgroup="commit",
                    legendgrouptitle_text="commit index",
                    hovertemplate=f"node {node} commit_idx %{{y}}<extra></extra>",
                ),
                row=2,
                col=1,
            )
    if verdict is not None and verdict.status == "rejected" and verdict.failing is not None:
        k = verdict.failing_index
        fig.add_trace(
            go.Scatter(
                x=[k],
                y=[lane[events[k].node]],
                mode="markers",
                name=f"first unmatched event (line {events[k].line})",
                marker={"symbol": "circle-open", "size": 22, "color": "#c62828", "line": {"width": 3}},
                hovertext=[_raw(events[k])],
                hovertemplate="NOT MATCHED<br>%{hovertext}<extra></extra>",
            ),
            row=1,
            col=1,
        )
        fig.add_vline(x=k, line={"color": "#c62828", "dash": "dot", "width": 1})
    fig.update_yaxes(
        tickvals=list(range(len(lanes))),
        ticktext=lanes,
        range=[-0.6, len(lanes) - 0.4],
        zeroline=False,
        showgrid=False,
        title_text="node",
        row=1,
        col=1,
    )
    fig.update_yaxes(title_text="commit index", row=2, col=1)
    fig.update_xaxes(title_text="event (trace order)", row=2, col=1)
    if len(events) > WINDOW:
        centre = verdict.failing_index if verdict is not None and verdict.failing is not None else WINDOW // 2
        lo = max(0, min(centre - WINDOW // 2, len(events) - WINDOW))
        fig.update_xaxes(range=[lo - 0.5, lo + WINDOW - 0.5])
    fig.update_layout(
        barmode="overlay",
        height=360 + 60 * len(lanes),  # the legend (kinds, roles, one commit line per node) must fit
        margin={"t": 30, "b": 40},
        hoverlabel={"align": "left", "font_size": 10},
        legend={"groupclick": "toggleitem"},
    )
    return fig


def _comparison_html(verdict: Verdict) -> str:
    f = verdict.failing
    assert f is not None
    parts = [
        f'<div class="divergence" id="divergence" data-line="{f.line}">'
        f"<h3>First event no behaviour of the spec matches: line {f.line}</h3>"
        f"<p>{esc(f.summary())}</p><p>{esc(verdict.message)}</p>"
    ]
    if verdict.invariant_violations:
        parts.append(f"<p>spec states before it violate {esc(', '.join(verdict.invariant_violations))}</p>")
    for n, c in enumerate(verdict.candidates, start=1):
        rows = "".join(
            f'<tr data-field="{esc(x.field)}" data-equal="{str(x.equal).lower()}">'
            f"<td>{esc(x.field)}</td><td{' class=differs' if not x.equal else ''}>{esc(x.logged)}</td>"
            f"<td>{esc(x.spec)}</td><td>{esc(x.note)}</td></tr>"
            for x in c.comparisons
        )
        parts.append(
            f'<div class="candidate" data-candidate="{n}"><h4>spec state {n} of {len(verdict.candidates)}: '
            f"{len(c.mismatches)} field(s) differ</h4><table><tr><th>field</th><th>logged</th><th>spec</th>"
            f"<th>note</th></tr>{rows}</table>"
            f"<details><summary>observed spec state</summary><pre>{esc(json.dumps(c.observed, indent=1))}"
            "</pre></details></div>"
        )
    if not verdict.candidates:
        parts.append("<p>no candidate states were collected</p>")
    parts.append("</div>")
    return "".join(parts)


def _event_rows(
    trace: Trace, kinds: Sequence[str], lo: int, hi: int, failing_line: int | None, cls: str
) -> str:
    rows = []
    for e, kind in zip(trace.events[lo:hi], kinds[lo:hi], strict=True):
        mark = f' class="failing"{cls}' if e.line == failing_line else ""
        rows.append(
            f'<tr data-line="{e.line}" data-node="{esc(e.node)}" data-kind="{kind}"{mark}>'
            f"<td>{e.line}</td><td>{e.h_ts}</td><td>{esc(e.node)}</td><td>{kind}</td>"
            f"<td>{esc(e.summary())}</td><td>{esc(e.cmd)}</td></tr>"
        )
    return (
        "<table><tr><th>line</th><th>h_ts</th><th>node</th><th>kind</th><th>event</th><th>cmd</th></tr>"
        f"{''.join(rows)}</table>"
    )


def _event_tables(trace: Trace, kinds: Sequence[str], verdict: Verdict | None) -> str:
    """For a rejected trace, the failing event after the end of the matched prefix (as the text report
    shows it), then every event: in a folded ``<details>`` when there are many."""
    n = len(trace.events)
    out = ""
    failing_line = None
    if verdict is not None and verdict.status == "rejected" and verdict.failing is not None:
        k = verdict.failing_index
        failing_line = verdict.failing.line
        tail = _event_rows(
            trace, kinds, max(0, k - TIMELINE_TAIL), k + 1, failing_line, ' id="failing-event"'
        )
        head = "<h4>the last events of the matched prefix, and the failing one</h4>"
        out += f'<div class="events near-divergence">{head}{tail}</div>'
    every = _event_rows(trace, kinds, 0, n, failing_line, "")
    if n > EVENTS_OPEN:
        return out + f'<details class="events all-events"><summary>all {n} events</summary>{every}</details>'
    return out + f'<div class="events all-events">{every}</div>'


def trace_section(trace: Trace, verdict: Verdict | None, anchor: str) -> Section:
    kinds = event_kinds(trace)
    failing = verdict.failing if verdict is not None and verdict.status == "rejected" else None
    lanes = "".join(f'<li data-lane="{esc(n)}">node {esc(n)}</li>' for n in trace.nodes)
    status = verdict.status if verdict is not None else "not validated"
    head = (
        f'<div class="summary"><p class="verdict verdict-{esc(status)}" data-status="{esc(status)}">'
        f"{esc(status.upper())}: {len(trace.events)} events"
        + (f", {verdict.matched} matched" if verdict is not None else "")
        + (f" ({esc(verdict.message)})" if verdict is not None and verdict.status == "error" else "")
        + f'</p><ul class="lanes">{lanes}</ul></div>'
    )
    side = head + (_comparison_html(verdict) if failing is not None and verdict is not None else "")
    side += _event_tables(trace, kinds, verdict)
    return Section(str(trace.path), timeline_figure(trace, verdict), side, anchor)
