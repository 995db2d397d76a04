"""What every property of the history checker needs, computed once: commit points and key chains.

Which TxIDs are committed follows the status lattice: ``v.s`` is committed if some ``v.s'`` with
``s' >= s`` was reported Committed or is the TxID of a write a committed read-write transaction observed
(the committed prefix holds entries of earlier views too); ``v.s`` is Invalid if some ``v.s'`` with
``s' <= s`` was reported Invalid. A key's chain is its committed read-write responses in TxID order:
list-append makes each list extend the one before it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from pyccf.formats.history import SINGLE_KEY
from tracecheck.history.events import COMMITTED, INVALID, RO_RESP, RW_RESP, STATUS, History, TxId
from tracecheck.history.report import Violation

NO_TXID: TxId = (-1, -1)
_TXID = attrgetter("txid")
_KNOWN_AT = (RW_RESP, RO_RESP)  # a response proves its TxID's entry


@dataclass(slots=True)
class Entry:
    """A committed response's list for one key, in that key's chain (sorted by TxID)."""

    txid: TxId
    idx: int  # event index of the response
    tx: int
    lst: list[int]
    writer: bool
    last_known: TxId = NO_TXID  # the largest TxID among the list's ids, once checked


@dataclass
class Analysis:
    """What every property needs, computed once."""

    h: History
    reported_upto: dict[int, tuple[int, int]]  # view -> (largest seqno reported Committed, its index)
    invalid_from: dict[int, tuple[int, int]]  # view -> (smallest seqno reported Invalid, its index)
    first_resp: dict[int, int]  # request id -> index of its first response
    txid_of: dict[int, TxId]  # read-write request id -> TxID of its first response
    responses: list[int]  # indices of the response events
    later_resps: list[int] = field(default_factory=list)  # responses that are not their request's first
    chains: dict[str, list[Entry]] = field(default_factory=dict)
    all_rw: dict[str, list[Entry]] = field(default_factory=dict)  # every read-write response, by key
    session_results: tuple[list[Violation], list[Violation]] | None = None
    read_results: tuple[list[Violation], list[Violation]] | None = None
    chain_keys: dict[str, list[TxId]] = field(default_factory=dict)
    #: per key and chain position: the entry's list extends the one before it in the chain
    extends: dict[str, list[bool]] = field(default_factory=dict)
    #: view -> largest committed seqno: reported, or a write a committed transaction observed
    committed_upto: dict[int, int] = field(default_factory=dict)
    _committed_reads: list[int] | None = None
    _later_writers: set[int] | None = None
    read_summaries: dict[str, Any] = field(default_factory=dict)  # per key, for the read checks

    def committed_reads(self) -> list[int]:
        """Indices of the read-only responses whose TxID is committed (computed once)."""
        if self._committed_reads is None:
            kind, txid, upto = self.h.kind, self.h.txid, self.committed_upto
            self._committed_reads = [
                i for i in self.responses
                if kind[i] == RO_RESP and txid[i][1] <= upto.get(txid[i][0], -1)  # type: ignore[index]
            ]  # fmt: skip
        return self._committed_reads

    def committed(self, t: TxId | None) -> bool:
        if t is None:
            return False
        c = self.committed_upto.get(t[0])
        return c is not None and t[1] <= c

    def invalid(self, t: TxId) -> bool:
        i = self.invalid_from.get(t[0])
        return i is not None and t[1] >= i[0]

    def ln(self, i: int) -> int:
        return self.h.line[i]

    def request_of(self, i: int) -> int:
        """The request response ``i`` answers: the latest of its id and kind before it, or ``-1``. A
        response answered before it is one that responded before that request was sent (the spec's
        RespondedBeforeRequested); a request after ``i`` answers nothing ``i`` saw."""
        h = self.h
        tx, want = h.tx[i], h.kind[i] - 1  # RW_REQ, RO_REQ precede RW_RESP, RO_RESP
        first = h.request_at.get(tx, -1)
        found = [j for j in (first, *h.more_requests.get(tx, ())) if 0 <= j < i and h.kind[j] == want]
        return max(found, default=-1)

    def committed_writer(self, x: int) -> bool:
        """Request ``x`` has a read-write response with a committed TxID (the spec's committed writes)."""
        if self.committed(self.txid_of.get(x)):
            return True
        if self._later_writers is None:
            h = self.h
            self._later_writers = {
                h.tx[j] for j in self.later_resps if h.kind[j] == RW_RESP and self.committed(h.txid[j])
            }
        return x in self._later_writers


def analyse(h: History) -> Analysis:
    committed_upto: dict[int, tuple[int, int]] = {}
    invalids: dict[int, list[tuple[int, int]]] = {}
    later: list[int] = []
    first_resp: dict[int, int] = {}
    txid_of: dict[int, TxId] = {}
    responses: list[int] = []
    kind, txs, txids, status, observed = h.kind, h.tx, h.txid, h.status, h.observed
    every: dict[str, list[Entry]] = defaultdict(list)  # every read-write response's list, by key
    for i in range(len(kind)):
        k = kind[i]
        if k == STATUS:
            v, s = txids[i]  # type: ignore[misc]
            if status[i] == COMMITTED:
                c = committed_upto.get(v)
                if c is None or s > c[0]:
                    committed_upto[v] = (s, i)
            elif status[i] == INVALID:
                invalids.setdefault(v, []).append((s, i))
        elif k in _KNOWN_AT:
            responses.append(i)
            tx, t = txs[i], txids[i]
            if tx not in first_resp:
                first_resp[tx] = i
                if k == RW_RESP:
                    txid_of[tx] = t  # type: ignore[assignment]
            else:
                later.append(i)
            if k == RW_RESP:
                for key, lst in observed[i].items():  # type: ignore[union-attr]
                    every[key].append(Entry(t, i, tx, lst, key == SINGLE_KEY or tx in lst))  # type: ignore[arg-type]
    invalid_from = _invalid_from(h, invalids) if invalids else {}
    a = Analysis(h, committed_upto, invalid_from, first_resp, txid_of, responses, later)
    a.committed_upto = {v: c[0] for v, c in committed_upto.items()}
    for chain in every.values():
        chain.sort(key=_TXID)  # stable: equal TxIDs stay in event order
    a.all_rw = dict(every)
    _observed_commits(a)  # a committed write's list is committed: its TxIDs too (other views')
    _build_chains(a)
    return a


def _invalid_from(h: History, invalids: dict[int, list[tuple[int, int]]]) -> dict[int, tuple[int, int]]:
    """Per view, the smallest seqno reported Invalid at or after the view's first known entry.

    A view's entries are contiguous: only from an entry the history proves (a response's TxID, or one
    reported Committed) can an Invalid ``v.s`` make the seqnos after it Invalid; below it, ``v.s`` is
    an impossible TxID, and Invalid is the right answer for it."""
    first: dict[int, int] = {}
    kinds, txids, status = h.kind, h.txid, h.status
    low = {v: min(seen)[0] for v, seen in invalids.items()}  # a view is settled once an entry is at or below
    for i in range(len(kinds)):
        k = kinds[i]
        if k in _KNOWN_AT or (k == STATUS and status[i] == COMMITTED):
            v, s = txids[i]  # type: ignore[misc]
            if v in low and s < first.get(v, s + 1):
                first[v] = s
                if s <= low[v]:
                    del low[v]
                    if not low:
                        break
    out = {}
    for v, seen in invalids.items():
        ok = [x for x in seen if v in first and x[0] >= first[v]]
        if ok:
            out[v] = min(ok)
    return out


def _observed_commits(a: Analysis) -> None:
    """Raise each view's commit point to the TxIDs that committed read-write transactions observed.

    Views from the last down: a view's commit point only rises through later views (or, out of order,
    its own or earlier ones: then once more), so one pass usually settles every view."""
    upto, txid_of = a.committed_upto, a.txid_of
    by_view: dict[int, dict[str, list[Entry]]] = defaultdict(lambda: defaultdict(list))
    for key, every in a.all_rw.items():
        for e in every:
            by_view[e.txid[0]][key].append(e)
    again = True
    while again:
        again = False
        for v in sorted(by_view, reverse=True):
            c = upto.get(v, -1)
            for entries in by_view[v].values():
                prev: list[int] = []
                for e in entries:
                    if e.txid[1] > c:
                        break
                    lst = e.lst
                    n = len(prev) if lst[: len(prev)] == prev else 0
                    for x in lst[n:]:
                        t = txid_of.get(x)
                        if t is not None and t[1] > upto.get(t[0], -1):
                            upto[t[0]] = t[1]
                            again = again or t[0] >= v
                    prev = lst


def _writes(key: str, tx: int, lst: list[int]) -> bool:
    """A read-write transaction writes ``key`` if its own id is in the list (always, with one key)."""
    return key == SINGLE_KEY or tx in lst


def _build_chains(a: Analysis) -> None:
    """Every key's committed read-write responses in TxID order (readers of the key included)."""
    upto = a.committed_upto
    chains = {}
    for key, every_ in a.all_rw.items():
        chain = [e for e in every_ if e.txid[1] <= upto.get(e.txid[0], -1)]
        if chain:
            chains[key] = chain
    a.chains = chains
    a.chain_keys = {key: [e.txid for e in chain] for key, chain in chains.items()}
    extends = a.extends
    for key, chain in chains.items():
        ext, prev = [False], chain[0].lst
        for e in chain[1:]:
            lst = e.lst
            ext.append(lst[: len(prev)] == prev)
            prev = lst
        extends[key] = ext


# ---------------------------------------------------------------- list scans


def first_out_of_order(
    a: Analysis, lst: list[int], start: int, last: TxId, below: TxId, inclusive: bool
) -> int:
    """The index of the first id in ``lst[start:]`` whose TxID is known and not ascending after ``last``
    and below ``below`` (or ``-1``)."""
    txid_of = a.txid_of
    for j in range(start, len(lst)):
        t = txid_of.get(lst[j])
        if t is None:
            continue
        if t <= last or t > below or (t == below and not inclusive):
            if lst[j] in lst[:j]:
                continue  # a repeated id: OnlyObserveRequested's, not an order
            return j
        last = t
    return -1


def last_known_txid(a: Analysis, lst: list[int], start: int, last: TxId) -> TxId:
    txid_of = a.txid_of
    for j in range(len(lst) - 1, start - 1, -1):
        t = txid_of.get(lst[j])
        if t is not None:
            return t
    return last


def txid_str(t: TxId | None) -> str:
    return "?" if t is None else f"{t[0]}.{t[1]}"


def disowned(a: Analysis, key: str, lst: list[int], start: int, own: int) -> int | None:
    """An id in ``lst[start:]`` whose own response lists ``key`` without itself (it did not write it)."""
    obs, first = a.h.observed, a.first_resp
    for x in lst[start:]:
        if x != own and x in a.txid_of:
            mine = obs[first[x]].get(key)  # type: ignore[union-attr]
            if mine is not None and x not in mine:
                return x
    return None
