"""Small independent checks of a pyccf service history against the run's final ledger (test helper).

Not the project's history checker: each check reads the ndjson lines and the longest final ledger only,
and returns what it found wrong (empty: the property holds), so a test can assert both ways.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyccf.formats.history import REQUEST_OF, EventType, Field, HistoryStatus

Txid = tuple[int, int]


@dataclass
class History:
    events: list[dict[str, Any]]
    terms: list[int]  # the final longest ledger's view of each seqno
    committed_seqno: int
    keys: tuple[str, ...] = ("0",)
    responses: dict[int, dict[str, Any]] = field(default_factory=dict)  # tx -> response
    requests: dict[int, dict[str, Any]] = field(default_factory=dict)  # tx -> request
    position: dict[int, int] = field(default_factory=dict)  # tx -> line of its response

    @staticmethod
    def load(path: Path, terms: list[int], committed_seqno: int) -> History:
        events = [json.loads(line) for line in path.read_text().splitlines()]
        h = History(events, terms, committed_seqno)
        for i, e in enumerate(events):
            if e[Field.TYPE] in (EventType.RW_REQUEST, EventType.RO_REQUEST):
                h.requests[e[Field.TX]] = e
            elif e[Field.TYPE] in (EventType.RW_RESPONSE, EventType.RO_RESPONSE):
                h.responses[e[Field.TX]] = e
                h.position[e[Field.TX]] = i
        shapes = [r[Field.OBSERVED] for r in h.responses.values()]
        if any(isinstance(o, dict) for o in shapes):
            h.keys = tuple(sorted({k for o in shapes for k in o}, key=int))
        return h

    def committed(self, txid: Txid) -> bool:
        view, seqno = txid
        return 0 < seqno <= self.committed_seqno and self.terms[seqno - 1] == view

    def lists(self, response: dict[str, Any]) -> dict[str, list[int]]:
        o = response[Field.OBSERVED]
        return o if isinstance(o, dict) else {"0": o}

    def rw(self, committed: bool = True) -> list[dict[str, Any]]:
        """Read-write responses (committed ones only by default), in TxID order."""
        out = [r for r in self.responses.values() if r[Field.TYPE] == EventType.RW_RESPONSE]
        out = [r for r in out if not committed or self.committed(tuple(r[Field.TX_ID]))]
        return sorted(out, key=lambda r: tuple(r[Field.TX_ID]))

    def statuses(self) -> dict[Txid, set[str]]:
        out: dict[Txid, set[str]] = defaultdict(set)
        for e in self.events:
            if e[Field.TYPE] == EventType.STATUS:
                out[tuple(e[Field.TX_ID])].add(e[Field.STATUS])  # type: ignore[index]
        return out


def response_follows_request(h: History) -> list[str]:
    bad = []
    seen: dict[int, dict[str, Any]] = {}
    for i, e in enumerate(h.events):
        t = e[Field.TYPE]
        if t in (EventType.RW_REQUEST, EventType.RO_REQUEST):
            if e[Field.TX] in seen:
                bad.append(f"line {i + 1}: tx {e[Field.TX]} requested twice")
            seen[e[Field.TX]] = e
        elif t in REQUEST_OF:
            req = seen.get(e[Field.TX])
            if (
                req is None
                or req[Field.TYPE] != REQUEST_OF[EventType(t)]
                or req[Field.CLIENT] != e[Field.CLIENT]
            ):
                bad.append(f"line {i + 1}: response of tx {e[Field.TX]} without its request")
    return bad


def unique_rw_txids(h: History) -> list[str]:
    """A read-write TxID names one transaction."""
    by_txid: dict[Txid, list[int]] = defaultdict(list)
    for r in h.rw(committed=False):
        by_txid[tuple(r[Field.TX_ID])].append(r[Field.TX])  # type: ignore[index]
    return [f"{t}: txs {txs}" for t, txs in by_txid.items() if len(txs) > 1]


def statuses_match_ledger(h: History) -> list[str]:
    """Committed only if the final ledger committed that TxID; Invalid only if it cannot commit; never
    both."""
    bad = []
    for txid, seen in h.statuses().items():
        if HistoryStatus.COMMITTED in seen and not h.committed(txid):
            bad.append(f"{txid} reported Committed, not in the final committed ledger")
        if HistoryStatus.INVALID in seen and h.committed(txid):
            bad.append(f"{txid} reported Invalid, but committed")
    return bad


def committed_writes_chain(h: History) -> list[str]:
    """Per key, the committed writes in TxID order each observe the previous list plus their own id, and
    the last one's list is the final one."""
    bad = []
    for key in h.keys:
        chain: list[int] = []
        for r in h.rw():
            lists = h.lists(r)
            if key not in lists:
                continue
            if lists[key] != [*chain, r[Field.TX]]:
                bad.append(f"{r[Field.TX_ID]} tx {r[Field.TX]} key {key}: {lists[key]} after {chain}")
            chain = lists[key]
    return bad


def committed_reads_match_writes(h: History) -> list[str]:
    """A committed read observes exactly the committed writes up to its TxID."""
    bad = []
    writes = h.rw()
    for r in h.responses.values():
        if r[Field.TYPE] != EventType.RO_RESPONSE or not h.committed(tuple(r[Field.TX_ID])):
            continue
        for key, got in h.lists(r).items():
            want = [
                w[Field.TX]
                for w in writes
                if tuple(w[Field.TX_ID]) <= tuple(r[Field.TX_ID]) and key in h.lists(w)
            ]
            if got != want:
                bad.append(f"read {r[Field.TX]} at {r[Field.TX_ID]} key {key}: {got}, committed {want}")
    return bad


def observed_once_and_requested(h: History) -> list[str]:
    bad = []
    for tx, r in h.responses.items():
        for key, got in h.lists(r).items():
            if len(set(got)) != len(got):
                bad.append(f"tx {tx} key {key}: a duplicate in {got}")
            for x in got:
                if x not in h.requests or h.requests[x][Field.TYPE] != EventType.RW_REQUEST:
                    bad.append(f"tx {tx} observed {x}, never requested as a write")
    return bad


def invalid_not_observed_by_committed(h: History) -> list[str]:
    invalid = {t for t, s in h.statuses().items() if HistoryStatus.INVALID in s}
    invalid_txs = {r[Field.TX] for r in h.rw(committed=False) if tuple(r[Field.TX_ID]) in invalid}
    bad = []
    for tx, r in h.responses.items():
        if h.committed(tuple(r[Field.TX_ID])):
            seen = {x for got in h.lists(r).values() for x in got} - {tx}
            if seen & invalid_txs:
                bad.append(f"committed tx {tx} observed Invalid {sorted(seen & invalid_txs)}")
    return bad


def read_your_writes(h: History) -> list[str]:
    """A session's responses observe its earlier committed writes (on the keys they read)."""
    bad = []
    mine: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for i, e in enumerate(h.events):
        if e[Field.TYPE] not in (EventType.RW_RESPONSE, EventType.RO_RESPONSE):
            continue
        lists = h.lists(e)
        for w in mine[e[Field.CLIENT]]:
            for key in h.lists(w):
                if key in lists and w[Field.TX] not in lists[key]:
                    bad.append(f"line {i + 1}: tx {e[Field.TX]} misses own committed write {w[Field.TX]}")
        if e[Field.TYPE] == EventType.RW_RESPONSE and h.committed(tuple(e[Field.TX_ID])):
            mine[e[Field.CLIENT]].append(e)
    return bad


def monotonic_reads(h: History) -> list[str]:
    """Per session, a committed response's lists extend those of its earlier committed responses."""
    bad = []
    last: dict[tuple[int, str], list[int]] = {}
    for i, e in enumerate(h.events):
        if e[Field.TYPE] not in (EventType.RW_RESPONSE, EventType.RO_RESPONSE):
            continue
        if not h.committed(tuple(e[Field.TX_ID])):
            continue
        for key, got in h.lists(e).items():
            before = last.get((e[Field.CLIENT], key), [])
            if got[: len(before)] != before:
                bad.append(f"line {i + 1}: tx {e[Field.TX]} key {key} saw {got} after {before}")
            last[e[Field.CLIENT], key] = got
    return bad


def ro_linearizable(h: History) -> list[str]:
    """A committed read observes every committed write that responded before the read was sent (CCF
    documents this as not guaranteed)."""
    bad = []
    done: list[dict[str, Any]] = []
    for i, e in enumerate(h.events):
        if e[Field.TYPE] == EventType.RW_RESPONSE and h.committed(tuple(e[Field.TX_ID])):
            done.append(e)
        elif e[Field.TYPE] == EventType.RO_REQUEST:
            r = h.responses.get(e[Field.TX])
            if r is None or not h.committed(tuple(r[Field.TX_ID])):
                continue
            lists = h.lists(r)
            for w in done:
                for key in h.lists(w):
                    if key in lists and w[Field.TX] not in lists[key]:
                        bad.append(f"read {e[Field.TX]} (line {i + 1}) misses committed {w[Field.TX]}")
    return bad


ALL_CHECKS = (
    response_follows_request,
    unique_rw_txids,
    statuses_match_ledger,
    committed_writes_chain,
    committed_reads_match_writes,
    observed_once_and_requested,
    invalid_not_observed_by_committed,
    read_your_writes,
    monotonic_reads,
    ro_linearizable,
)


def violations(h: History) -> dict[str, list[str]]:
    """Each check's findings, only for the checks that found something."""
    found = {check.__name__: check(h) for check in ALL_CHECKS}
    return {name: bad for name, bad in found.items() if bad}
