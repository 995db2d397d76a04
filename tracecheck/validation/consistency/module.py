"""The generated ``TraceData`` module for a batch of histories (TraceConsistency.tla EXTENDS it).

Each event is the exact record the spec appends; the bounds (first and last view, largest seqno, the
TxIDs writes are told) keep the search for the invisible service steps within what the history shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyccf.formats.history import REQUESTS, RESPONSES, EventType, HistoryStatus
from tracecheck.tla.values import to_tla
from tracecheck.validation.consistency.history import NO_TX_ID, History, HistoryEvent

DATA_MODULE = "TraceData"
#: Views a history may go through beyond the last one any TxID names.
HIDDEN_VIEWS = 1


def told_ids(history: History) -> tuple[tuple[int, int], ...]:
    """Request id x -> the TxID its read-write response reports, as a sequence indexed by x + 1 (the
    spec looks it up in constant time instead of searching the history)."""
    told = [NO_TX_ID] * (1 + max((e.tx for e in history.events), default=-1))
    for e in history.events:
        if e.type is EventType.RW_RESPONSE:
            told[e.tx] = e.tx_id
    return tuple(told)


def named_views(events: Sequence[HistoryEvent]) -> tuple[int, ...]:
    """Event index k + 1 -> the view event k names: its TxID's, for a request its response's (0: none),
    so the spec finds it in constant time instead of searching the rest of the history."""
    out, answer = [0] * len(events), {}
    for k in range(len(events) - 1, -1, -1):
        e = events[k]
        if e.type in RESPONSES:
            answer[e.tx] = e.tx_id[0]
        out[k] = answer.get(e.tx, 0) if e.type in REQUESTS else e.tx_id[0]
    return tuple(out)


def last_observed(events: Sequence[HistoryEvent]) -> tuple[int, ...]:
    """Request id x -> the index (from 1) of the last event whose observed list holds x, 0 if none, as a
    sequence indexed by x + 1."""
    last = [0] * (1 + max((e.tx for e in events), default=-1))
    for k, e in enumerate(events, start=1):
        for x in e.observed:
            if 0 <= x < len(last):
                last[x] = k
    return tuple(last)


def ahead_views(events: Sequence[HistoryEvent], beyond: int) -> tuple[int, ...]:
    """Event index k + 1 -> the first record view named at or after event k (a view larger than every
    one named before it), ``beyond`` if none: a view past it explains nothing the history shows yet."""
    record, best = [], 0
    for e in events:
        v = e.tx_id[0]
        record.append(v if v > best else 0)
        best = max(best, v)
    out, nxt = [0] * len(events), beyond
    for k in range(len(events) - 1, -1, -1):
        nxt = record[k] or nxt
        out[k] = nxt
    return tuple(out)


def next_writes(events: Sequence[HistoryEvent], clients: Sequence[str]) -> tuple[dict[str, int], ...]:
    """Event index k + 1 -> client -> the view of its next write response (at or after event k) if an
    event before that response names a later view (a deposed leader's write: the session must reach
    that view while it is the newest), else 0."""
    out: list[dict[str, int]] = [{}] * len(events)
    nxt: dict[str, int] = {c: 0 for c in clients}  # client -> view of its next write response
    later: dict[str, bool] = {c: False for c in clients}  # an event before it names a later view
    for k in range(len(events) - 1, -1, -1):
        e = events[k]
        if e.type is EventType.RW_RESPONSE:
            nxt[e.client], later[e.client] = e.tx_id[0], False
        for c in clients:
            if nxt[c] and e.tx_id[0] > nxt[c]:
                later[c] = True
        out[k] = {c: nxt[c] if later[c] else 0 for c in clients}
    return tuple(out)


def last_responses(events: Sequence[HistoryEvent], views: int) -> tuple[int, ...]:
    """View v -> the index (from 1) of the last response naming it, 0 if none, as a sequence indexed by
    v (1..views): a branch no session is on is dead only past it (a session may move to it for a write,
    and a read told a TxID past its end may need its deposed leader to append signatures)."""
    last = [0] * views
    for k, e in enumerate(events, start=1):
        if e.type in RESPONSES and 1 <= e.tx_id[0] <= views:
            last[e.tx_id[0] - 1] = k
    return tuple(last)


def last_reads(events: Sequence[HistoryEvent]) -> dict[tuple[int, int], int]:
    """TxID -> the index (from 1) of the last read-only response told it: a dead branch holding it may
    still be moved to until then."""
    return {e.tx_id: k for k, e in enumerate(events, start=1) if e.type is EventType.RO_RESPONSE}


def first_seqnos(events: Sequence[HistoryEvent], views: int) -> tuple[int, ...]:
    """View v -> the smallest seqno a TxID of v names, 0 if none, as a sequence indexed by v (1..views):
    the branch a named view starts from may need signatures up to just before it."""
    first = [0] * views
    for e in events:
        v, s = e.tx_id
        if 1 <= v <= views and s > 0 and (first[v - 1] == 0 or s < first[v - 1]):
            first[v - 1] = s
    return tuple(first)


def proof_views(events: Sequence[HistoryEvent], ahead: Sequence[int]) -> tuple[int, ...]:
    """Event index k + 1 -> for a final answer for v.s, the smallest view u past ``ahead[k]`` (the next
    record view, which may start before it anyway) that an event from k on names at a seqno at or
    below s for an Invalid answer (u's branch cannot hold v.s: its commit proves it), above s for a
    Committed one (its branch may hold v.s and commit it); else 0. Such a view may have to start before
    the answer though views between are named first (seeds 43 and 30)."""
    out = [0] * len(events)
    for k, e in enumerate(events):
        if e.status in (HistoryStatus.INVALID, HistoryStatus.COMMITTED):
            s, invalid = e.tx_id[1], e.status == HistoryStatus.INVALID
            later = (f.tx_id for f in events[k:])
            out[k] = min((u for u, j in later if u > ahead[k] and j > 0 and (j <= s) == invalid), default=0)
    return tuple(out)


def data_module(histories: Sequence[History], prefix_lengths: Sequence[int | None] | None = None) -> str:
    logs, clients, first, max_view, max_seq, rw_ids, told, views = [], [], [], [], [], [], [], []
    named: list[str] = []
    observed: list[str] = []
    all_ids, ahead, writes, committed, last_response, proof, first_seq = [], [], [], [], [], [], []
    last_read: list[str] = []
    for k, history in enumerate(histories):
        # A diagnosis run cuts the log only: the guidance below comes from the whole history, so the
        # states before the failing event are the main run's.
        events = history.events
        cut = events[: prefix_lengths[k]] if prefix_lengths and prefix_lengths[k] is not None else events
        body = ",\n    ".join(to_tla(e.record()) for e in cut)
        logs.append(f"  << \\* {history.name}\n    {body} >>")
        ids = [e.tx_id for e in history.events if e.tx_id != NO_TX_ID]
        clients.append(to_tla(history.clients))
        first.append(str(min((v for v, _ in ids), default=1)))
        # One view more than the history names: an election no client saw can still make TxIDs Invalid
        # or serve a session's read.
        max_view.append(str(max((v for v, _ in ids), default=1) + HIDDEN_VIEWS))
        max_seq.append(str(max((s for _, s in ids), default=0)))
        views.append(to_tla(frozenset(v for v, _ in ids)))
        rw_ids.append(to_tla(frozenset(e.tx_id for e in history.events if e.type is EventType.RW_RESPONSE)))
        told.append(to_tla(told_ids(history)))
        named.append(to_tla(named_views(events)))
        observed.append(to_tla(last_observed(events)))
        all_ids.append(to_tla(frozenset(ids)))
        committed.append(to_tla(frozenset(e.tx_id for e in events if e.status == HistoryStatus.COMMITTED)))
        record = ahead_views(events, int(max_view[-1]))
        ahead.append(to_tla(record))
        writes.append(to_tla(next_writes(events, sorted(history.clients))))
        last_response.append(to_tla(last_responses(events, int(max_view[-1]))))
        last_read.append(to_tla(last_reads(events)))
        proof.append(to_tla(proof_views(events, record)))
        first_seq.append(to_tla(first_seqnos(events, int(max_view[-1]))))
    return (
        f"---- MODULE {DATA_MODULE} ----\nEXTENDS Integers, TLC\n"
        "\\* Generated by tracecheck.validation.consistency.module: one event sequence per history.\n"
        f"TraceClientSets == << {', '.join(clients)} >>\n"
        f"TraceFirstView == << {', '.join(first)} >>\n"
        f"TraceMaxView == << {', '.join(max_view)} >>\n"
        f"TraceMaxSeq == << {', '.join(max_seq)} >>\n"
        f"TraceViews == << {', '.join(views)} >>\n"
        f"TraceRwIds == << {', '.join(rw_ids)} >>\n"
        f"TraceToldIds == << {', '.join(told)} >>\n"
        f"TraceNamed == << {', '.join(named)} >>\n"
        f"TraceLastObserved == << {', '.join(observed)} >>\n"
        f"TraceIds == << {', '.join(all_ids)} >>\n"
        f"TraceCommittedIds == << {', '.join(committed)} >>\n"
        f"TraceAhead == << {', '.join(ahead)} >>\n"
        f"TraceNextWrite == << {', '.join(writes)} >>\n"
        f"TraceLastResponse == << {', '.join(last_response)} >>\n"
        f"TraceLastRead == << {', '.join(last_read)} >>\n"
        f"TraceProofView == << {', '.join(proof)} >>\n"
        f"TraceFirstSeq == << {', '.join(first_seq)} >>\n"
        "TraceLogs == <<\n" + ",\n".join(logs) + "\n  >>\n"
        "====\n"
    )
