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

from pyccf.formats.history import SINGLE_KEY
from tracecheck.history.events import COMMITTED, INVALID, RO_RESP, RW_RESP, STATUS, History, TxId
from tracecheck.history.report import Violation

NO_TXID: TxId = (-1, -1)
_TXID = attrgetter("txid")


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
    chains: dict[str, list[Entry]] = field(default_factory=dict)
    all_rw: dict[str, list[Entry]] = field(default_factory=dict)  # every read-write response, by key
    session_results: tuple[list[Violation], list[Violation]] | None = None
    chain_keys: dict[str, list[TxId]] = field(default_factory=dict)
    #: view -> largest committed seqno: reported, or a write a committed transaction observed
    committed_upto: dict[int, int] = field(default_factory=dict)
    _committed_reads: list[int] | None = None

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


def analyse(h: History) -> Analysis:
    committed_upto: dict[int, tuple[int, int]] = {}
    invalid_from: dict[int, tuple[int, int]] = {}
    first_resp: dict[int, int] = {}
    txid_of: dict[int, TxId] = {}
    responses: list[int] = []
    kind, txs, txids, status = h.kind, h.tx, h.txid, h.status
    for i in range(len(kind)):
        k = kind[i]
        if k == STATUS:
            v, s = txids[i]  # type: ignore[misc]
            if status[i] == COMMITTED:
                c = committed_upto.get(v)
                if c is None or s > c[0]:
                    committed_upto[v] = (s, i)
            elif status[i] == INVALID:
                c = invalid_from.get(v)
                if c is None or s < c[0]:
                    invalid_from[v] = (s, i)
        elif k in (RW_RESP, RO_RESP):
            responses.append(i)
            tx = txs[i]
            if tx not in first_resp:
                first_resp[tx] = i
                if k == RW_RESP:
                    txid_of[tx] = txids[i]  # type: ignore[assignment]
    a = Analysis(h, committed_upto, invalid_from, first_resp, txid_of, responses)
    a.committed_upto = {v: c[0] for v, c in committed_upto.items()}
    _build_chains(a, every_only=True)
    _observed_commits(a)  # a committed write's list is committed: its TxIDs too (other views')
    _build_chains(a)
    return a


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


def _build_chains(a: Analysis, every_only: bool = False) -> None:
    """Every key's committed read-write responses in TxID order (readers of the key included)."""
    if not a.all_rw:
        h = a.h
        every: dict[str, list[Entry]] = defaultdict(list)
        txids, txs, observed = h.txid, h.tx, h.observed
        for i, k in enumerate(h.kind):
            if k == RW_RESP:
                tx, t = txs[i], txids[i]
                for key, lst in observed[i].items():  # type: ignore[union-attr]
                    every[key].append(Entry(t, i, tx, lst, key == SINGLE_KEY or tx in lst))  # type: ignore[arg-type]
        for chain in every.values():
            chain.sort(key=_TXID)  # stable: equal TxIDs stay in event order
        a.all_rw = dict(every)
    if every_only:
        return
    upto = a.committed_upto
    chains = {}
    for key, every_ in a.all_rw.items():
        chain = [e for e in every_ if e.txid[1] <= upto.get(e.txid[0], -1)]
        if chain:
            chains[key] = chain
    a.chains = chains
    a.chain_keys = {key: [e.txid for e in chain] for key, chain in chains.items()}


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
