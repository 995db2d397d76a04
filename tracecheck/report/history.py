"""The timeline of a client history: a lane per session, each transaction's request-response interval
with its TxID and final status, status answers as marks, and a violation's evidence ringed in red.

The history is read strictly by the checker's reader (:mod:`tracecheck.history.events`, where every
field is checked): only what :mod:`pyccf.formats.history` allows is accepted, and the first defect is
one error naming file, line and field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from pyccf.formats.history import (
    FINAL_STATUSES,
    PROPERTIES,
    REQUEST_OF,
    REQUESTS,
    RESPONSES,
    EventType,
    Field,
    HistoryStatus,
)
from tracecheck.errors import BadInput
from tracecheck.history import events as columns
from tracecheck.report.page import EVENTS_OPEN, Section, esc

#: Evidence of a violation: the property's name (a key of PROPERTIES) and the history lines showing it.
Evidence = tuple[str, Sequence[int]]

STATUS_COLOURS = {
    HistoryStatus.COMMITTED: "#2ca02c",
    HistoryStatus.INVALID: "#d62728",
    HistoryStatus.PENDING: "#ff7f0e",
    HistoryStatus.UNKNOWN: "#7f7f7f",
    None: "#aec7e8",  # no status was ever received
}


@dataclass(frozen=True)
class HistoryEvent:
    line: int
    text: str
    type: EventType
    client: str
    tx: int | None
    tx_id: tuple[int, int] | None
    status: HistoryStatus | None


@dataclass
class Transaction:
    """One request of a session and what the session learnt of it."""

    client: str
    tx: int
    read_only: bool
    request: HistoryEvent
    response: HistoryEvent | None = None
    statuses: list[HistoryEvent] = field(default_factory=list)

    @property
    def tx_id(self) -> tuple[int, int] | None:
        return self.response.tx_id if self.response is not None else None

    @property
    def final_status(self) -> HistoryStatus | None:
        """The terminal status if one was received, else the last one (None: never asked)."""
        final = [s.status for s in self.statuses if s.status in FINAL_STATUSES]
        return final[-1] if final else (self.statuses[-1].status if self.statuses else None)


@dataclass(frozen=True)
class History:
    path: Path
    events: tuple[HistoryEvent, ...]
    transactions: tuple[Transaction, ...]

    @property
    def clients(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.client for e in self.events))


def _error(path: Path, line: int, message: str, fld: str | None = None) -> BadInput:
    return BadInput(message, file=path, line=line, field=fld)


def _events(path: Path, lines: list[str], h: columns.History) -> list[HistoryEvent]:
    """The timeline's events of ``h`` (read by the shared reader), with what only the timeline asks: a
    session on every event (its lane)."""
    out = []
    for i, line in enumerate(h.line):
        client = h.client[i]
        if client is None:
            raise _error(path, line, f"expected a session name, got {json.dumps(client)}", Field.CLIENT)
        kind, tx, st = h.kind[i], h.tx[i], h.status[i]
        out.append(HistoryEvent(
            line, lines[line - 1], EventType(columns.TYPE_NAME[kind]), str(client), tx if tx >= 0 else None,
            h.txid[i], HistoryStatus(columns.STATUS_NAME[st]) if st >= 0 else None,
        ))  # fmt: skip
    return out


def _read(path: Path, lines: list[str]) -> list[HistoryEvent]:
    """Every event of ``lines``; the first defect, in line order, is the error (the shared reader's or
    the timeline's own). Structural faults are judged below, by this module's own rule."""
    return columns.parse_with_rules(path, lines, lambda h: _events(path, lines, h))


def parse_history(path: Path, lines: Iterable[str]) -> History:
    lines = list(lines)
    events = _read(path, lines)
    open_: dict[int, Transaction] = {}
    txs: list[Transaction] = []
    by_tx_id: dict[tuple[str, tuple[int, int]], list[Transaction]] = {}
    for e in events:
        number = e.line
        if e.type in REQUESTS:
            assert e.tx is not None
            t = Transaction(e.client, e.tx, e.type is EventType.RO_REQUEST, e)
            open_[e.tx] = t
            txs.append(t)
        elif e.type in RESPONSES:
            t_or_none = open_.get(e.tx) if e.tx is not None else None
            if t_or_none is None or t_or_none.request.type is not REQUEST_OF[e.type]:
                raise _error(path, number, f"a {e.type} for tx {e.tx}, which has no open request", Field.TX)
            t_or_none.response = e
            assert e.tx_id is not None
            by_tx_id.setdefault((e.client, e.tx_id), []).append(t_or_none)
        else:
            assert e.tx_id is not None
            for t in by_tx_id.get((e.client, e.tx_id), []):
                t.statuses.append(e)
    if not events:
        raise BadInput("empty history: no events", file=path)
    return History(path, tuple(events), tuple(txs))


def load_history(path: Path | str) -> History:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot read history: {exc.strerror or exc}", file=path) from None
    except UnicodeDecodeError as exc:
        raise BadInput(f"not UTF-8 text: {exc.reason}", file=path) from None
    return parse_history(path, text.splitlines())


def is_history_line(obj: Any) -> bool:
    """Whether a decoded first line looks like a history (``type`` of an event) rather than a raft trace."""
    return isinstance(obj, dict) and obj.get(Field.TYPE) in set(EventType)


def _check_evidence(history: History, evidence: Sequence[Evidence]) -> dict[int, list[str]]:
    lines = {e.line for e in history.events}
    marked: dict[int, list[str]] = {}
    for prop, where in evidence:
        if prop not in PROPERTIES:
            raise BadInput(f"unknown property {prop!r}", file=history.path, field="evidence")
        for n in where:
            if n not in lines:
                raise BadInput(f"evidence of {prop} names line {n}, which holds no event", file=history.path,
                               line=n, field="evidence")  # fmt: skip
            marked.setdefault(n, []).append(prop)
    return marked


def _tx_label(t: Transaction) -> str:
    tid = f"{t.tx_id[0]}.{t.tx_id[1]}" if t.tx_id else "no response"
    return f"{'ro' if t.read_only else 'rw'} tx {t.tx} @ {tid} {t.final_status or ''}".strip()


def history_figure(history: History, marked: dict[int, list[str]]) -> go.Figure:
    fig = go.Figure()
    line_of = {e.line: e.line for e in history.events}  # x: the line, the history's global clock
    end = history.events[-1].line + 1
    for status, colour in STATUS_COLOURS.items():
        group = [t for t in history.transactions if t.final_status == status]
        if not group:
            continue
        starts = [line_of[t.request.line] for t in group]
        stops = [line_of[t.response.line] if t.response else end for t in group]
        fig.add_trace(
            go.Bar(
                orientation="h",
                y=[t.client for t in group],
                base=[s - 0.3 for s in starts],
                x=[b - a + 0.6 for a, b in zip(starts, stops, strict=True)],
                marker_color=colour,
                width=0.6,
                name=str(status or "no status"),
                text=[_tx_label(t) for t in group],
                textposition="inside",
                insidetextanchor="start",
                hovertext=[
                    esc(t.request.text) + "<br>" + esc(t.response.text if t.response else "") for t in group
                ],
                hovertemplate="%{text}<br>%{hovertext}<extra></extra>",
            )
        )
    st = [e for e in history.events if e.type is EventType.STATUS]
    if st:
        fig.add_trace(
            go.Scatter(
                x=[line_of[e.line] for e in st],
                y=[e.client for e in st],
                mode="markers",
                name="status received",
                marker={"symbol": "diamond", "size": 9, "color": [STATUS_COLOURS[e.status] for e in st]},
                hovertext=[esc(e.text) for e in st],
                hovertemplate="line %{customdata}<br>%{hovertext}<extra></extra>",
                customdata=[e.line for e in st],
            )
        )
    if marked:
        ev = [e for e in history.events if e.line in marked]
        fig.add_trace(
            go.Scatter(
                x=[line_of[e.line] for e in ev],
                y=[e.client for e in ev],
                mode="markers",
                name="violation evidence",
                marker={"symbol": "circle-open", "size": 22, "color": "#c62828", "line": {"width": 3}},
                hovertext=[esc(", ".join(marked[e.line])) + "<br>" + esc(e.text) for e in ev],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    clients = list(history.clients)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=clients, title_text="session")
    fig.update_xaxes(title_text="history line (the global order)")
    fig.update_layout(barmode="overlay", height=220 + 60 * len(clients), margin={"t": 30, "b": 40},
                      hoverlabel={"align": "left", "font_size": 10})  # fmt: skip
    return fig


def history_section(history: History, evidence: Sequence[Evidence], anchor: str) -> Section:
    marked = _check_evidence(history, evidence)
    lanes = "".join(f'<li data-lane="{esc(c)}">session {esc(c)}</li>' for c in history.clients)
    props = "".join(
        f'<li data-property="{esc(p)}" data-lines="{" ".join(map(str, lines))}"><b>{esc(p)}</b>: '
        f"{esc(PROPERTIES[p].summary)} (lines {', '.join(map(str, lines))})</li>"
        for p, lines in evidence
    )
    verdict = f'<div class="violations"><h3>violations</h3><ul>{props}</ul></div>' if evidence else ""
    rows = []
    for e in history.events:
        cls = f' class="evidence" data-property="{esc(" ".join(marked[e.line]))}"' if e.line in marked else ""
        rows.append(
            f'<tr data-line="{e.line}" data-lane="{esc(e.client)}" data-type="{e.type}"{cls}>'
            f"<td>{e.line}</td><td>{esc(e.client)}</td><td>{esc(e.text)}</td></tr>"
        )
    txs = "".join(
        f'<tr data-tx="{t.tx}" data-lane="{esc(t.client)}" data-status="{esc(t.final_status or "")}">'
        f"<td>{t.tx}</td><td>{esc(t.client)}</td><td>{'RO' if t.read_only else 'RW'}</td>"
        f"<td>{esc(t.tx_id and f'{t.tx_id[0]}.{t.tx_id[1]}' or '')}</td>"
        f"<td>{esc(t.final_status or '')}</td></tr>"
        for t in history.transactions
    )
    evidence_rows = "".join(r for r in rows if 'class="evidence"' in r)
    near = (
        '<div class="events"><h4>the evidence</h4><table><tr><th>line</th><th>session</th><th>event</th></tr>'
        f"{evidence_rows}</table></div>"
        if evidence_rows and len(rows) > EVENTS_OPEN
        else ""
    )
    every = f"<table><tr><th>line</th><th>session</th><th>event</th></tr>{''.join(rows)}</table>"
    if len(rows) > EVENTS_OPEN:
        every = (
            f'<details class="events all-events"><summary>all {len(rows)} events</summary>{every}</details>'
        )
    else:
        every = f'<div class="events all-events">{every}</div>'
    side = (
        f'<div class="summary"><p>{len(history.events)} events, {len(history.transactions)} transactions</p>'
        f'<ul class="lanes">{lanes}</ul></div>{verdict}'
        f'<div class="events"><table class="tx-table"><tr><th>tx</th><th>session</th><th>kind</th>'
        f"<th>TxID</th><th>final status</th></tr>{txs}</table></div>{near}{every}"
    )
    return Section(str(history.path), history_figure(history, marked), side, anchor)
