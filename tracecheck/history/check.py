"""The fast history checker: one function per property of ``PROPERTIES``, by sorting and sweeping.

No search: TxIDs give committed read-write transactions their order, and list-append gives every key's
version order (each committed list must extend the one before it, in TxID order), so each property is a
sort or a linear sweep over the events, O(n log n) with n the events plus the ids the lists hold.

Which TxIDs are committed follows the status lattice: ``v.s`` is committed if some ``v.s'`` with
``s' >= s`` was reported Committed or is the TxID of a write a committed read-write transaction observed
(the committed prefix holds entries of earlier views too); ``v.s`` is Invalid if some ``v.s'`` with
``s' <= s`` was reported Invalid. Sessions are the ``client`` field; read-your-writes and monotonic
reads compare a response with the session's latest committed write, resp. observation, of each key
answered before its request. A read served by a node in an older view than that is CCF's documented
stale read: it is judged by ``RoLinearizable`` only.
"""

from __future__ import annotations

import gc
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyccf.formats.history import PROPERTIES, SINGLE_KEY
from tracecheck.history.events import (
    COMMITTED,
    INVALID,
    RO_REQ,
    RO_RESP,
    RW_REQ,
    RW_RESP,
    STATUS,
    History,
    TxId,
    read_file,
)
from tracecheck.history.report import Edge, HistoryReport, Violation

_NONE: TxId = (-1, -1)


@dataclass(slots=True)
class Entry:
    """A committed response's list for one key, in that key's chain (sorted by TxID)."""

    txid: TxId
    idx: int  # event index of the response
    tx: int
    lst: list[int]
    writer: bool
    last_known: TxId = _NONE  # the largest TxID among the list's ids, once checked


@dataclass
class Analysis:
    """What every property needs, computed once."""

    h: History
    reported_upto: dict[int, tuple[int, int]]  # view -> (largest seqno reported Committed, its index)
    invalid_from: dict[int, tuple[int, int]]  # view -> (smallest seqno reported Invalid, its index)
    first_resp: dict[int, int]  # request id -> index of its first response
    txid_of: dict[int, TxId]  # read-write request id -> TxID of its first response
    chains: dict[str, list[Entry]] = field(default_factory=dict)
    all_rw: dict[str, list[Entry]] = field(default_factory=dict)  # every read-write response, by key
    session_results: tuple[list[Violation], list[Violation]] | None = None
    chain_keys: dict[str, list[TxId]] = field(default_factory=dict)
    #: view -> largest committed seqno: reported, or a write a committed transaction observed
    committed_upto: dict[int, int] = field(default_factory=dict)

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
            tx = txs[i]
            if tx not in first_resp:
                first_resp[tx] = i
                if k == RW_RESP:
                    txid_of[tx] = txids[i]  # type: ignore[assignment]
    a = Analysis(h, committed_upto, invalid_from, first_resp, txid_of)
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
            chain.sort(key=lambda e: (e.txid, e.idx))
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


# ---------------------------------------------------------------- well-formedness


def response_follows_request(a: Analysis) -> list[Violation]:
    return [
        Violation(s.property, s.message, tuple(s.lines), (s.tx,))
        for s in a.h.structural
        if s.property == "ResponseFollowsRequest"
    ]


def unique_requests(a: Analysis) -> list[Violation]:
    return [
        Violation(s.property, s.message, tuple(s.lines), (s.tx,))
        for s in a.h.structural
        if s.property == "UniqueRequests"
    ]


def unique_tx_ids(a: Analysis) -> list[Violation]:
    h, out = a.h, []
    for i, k in enumerate(h.kind):
        if k in (RW_RESP, RO_RESP):
            f = a.first_resp[h.tx[i]]
            if f != i and h.txid[f] != h.txid[i]:
                out.append(Violation(
                    "UniqueTxIds",
                    f"request {h.tx[i]} answered with two TxIDs",
                    (a.ln(f), a.ln(i)), (h.tx[i],), (h.txid[f], h.txid[i]),  # type: ignore[arg-type]
                ))  # fmt: skip
    return out


def unique_txs(a: Analysis) -> list[Violation]:
    owner: dict[TxId, int] = {}
    out = []
    for tx, t in a.txid_of.items():
        other = owner.setdefault(t, tx)
        if other != tx:
            i, j = a.first_resp[other], a.first_resp[tx]
            out.append(Violation(
                "UniqueTxs", f"read-write requests {other} and {tx} both got TxID {t[0]}.{t[1]}",
                (a.ln(i), a.ln(j)), (other, tx), (t,),
            ))  # fmt: skip
    return out


# ---------------------------------------------------------------- statuses


def status_lattice(a: Analysis) -> list[Violation]:
    h, out = a.h, []
    for v, (c, ci) in a.reported_upto.items():
        inv = a.invalid_from.get(v)
        if inv is not None and inv[0] <= c:
            s, ii = inv
            what = "reported both Committed and Invalid" if s == c else f"Invalid while {v}.{c} is Committed"
            out.append(Violation(
                "StatusLattice", f"{v}.{s} {what}", tuple(sorted((a.ln(ci), a.ln(ii)))), (),
                tuple(sorted({(v, s), (v, c)})),
            ))  # fmt: skip
    # Committed v.s makes every v'.s' with v' < v and s' >= s Invalid: no such v'.s' may be Committed.
    lowest: dict[int, tuple[int, int]] = {}
    for i, k in enumerate(h.kind):
        if k == STATUS and h.status[i] == COMMITTED:
            v, s = h.txid[i]  # type: ignore[misc]
            if v not in lowest or s < lowest[v][0]:
                lowest[v] = (s, i)
    best: tuple[int, int, int] | None = None  # (seqno, view, index): largest Committed seqno in lower views
    for v in sorted(set(lowest) | set(a.reported_upto)):
        low = lowest.get(v)
        if low is not None and best is not None and best[0] >= low[0]:
            out.append(Violation(
                "StatusLattice",
                f"{v}.{low[0]} and {best[1]}.{best[0]} are both Committed (an earlier view past a later one)",
                tuple(sorted((a.ln(best[2]), a.ln(low[1])))), (), ((best[1], best[0]), (v, low[0])),
            ))  # fmt: skip
        c, ci = a.reported_upto[v]
        if best is None or c > best[0]:
            best = (c, v, ci)
    return out


def invalid_not_observed_by_committed(a: Analysis) -> list[Violation]:
    h = a.h
    if not a.invalid_from:
        return []
    bad = {tx for tx, t in a.txid_of.items() if a.invalid(t)}
    if not bad:
        return []
    out = []
    for i, k in enumerate(h.kind):
        if (k in (RW_RESP, RO_RESP)) and a.committed(h.txid[i]):
            for key, lst in h.observed[i].items():  # type: ignore[union-attr]
                if not bad.isdisjoint(lst):
                    x = next(x for x in lst if x in bad)
                    t, tx = a.txid_of[x], h.tx[i]
                    si = a.invalid_from[t[0]][1]
                    me = h.txid[i]
                    out.append(Violation(
                        "InvalidNotObservedByCommitted",
                        f"committed {me[0]}.{me[1]} (request {tx}) observed request {x}, "  # type: ignore[index]
                        f"whose TxID {t[0]}.{t[1]} is Invalid",
                        tuple(sorted((a.ln(i), a.ln(a.first_resp[x]), a.ln(si)))), (tx, x), (me, t),  # type: ignore[arg-type]
                        (Edge(x, tx, "wr", f"{tx} observed {x}'s write"),),
                        key,
                    ))  # fmt: skip
    return out


# ---------------------------------------------------------------- observations


def only_observe_requested(a: Analysis) -> list[Violation]:
    h, out = a.h, []
    seen: set[int] = set()
    for i, k in enumerate(h.kind):
        if k == RW_REQ:
            seen.add(h.tx[i])
        elif k in (RW_RESP, RO_RESP):
            for key, lst in h.observed[i].items():  # type: ignore[union-attr]
                ids = set(lst)
                if len(ids) == len(lst) and ids <= seen:
                    continue
                if len(ids) != len(lst):
                    dup = next(x for j, x in enumerate(lst) if x in lst[:j])
                    msg = f"request {dup} observed twice"
                else:
                    dup = next(x for x in lst if x not in seen)
                    later = h.request_at.get(dup)
                    if later is None:
                        msg = f"observed {dup}, which no read-write request has"
                    elif h.kind[later] == RO_REQ:
                        msg = f"observed {dup}, a read-only request"
                    else:
                        msg = f"observed {dup}, requested only later (line {a.ln(later)})"
                out.append(Violation("OnlyObserveRequested", msg, (a.ln(i),), (h.tx[i], dup), key=key))
    return out


def _known_ok(a: Analysis, lst: list[int], start: int, last: TxId, below: TxId, inclusive: bool) -> int:
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


def _last_known(a: Analysis, lst: list[int], start: int, last: TxId) -> TxId:
    txid_of = a.txid_of
    for j in range(len(lst) - 1, start - 1, -1):
        t = txid_of.get(lst[j])
        if t is not None:
            return t
    return last


def _txid_str(t: TxId | None) -> str:
    return "?" if t is None else f"{t[0]}.{t[1]}"


def committed_rw_serializable(a: Analysis) -> list[Violation]:
    out = []
    for key, chain in a.chains.items():
        prev: Entry | None = None
        for e in chain:
            lst = e.lst
            base: list[int] = prev.lst if prev is not None else []
            last = prev.last_known if prev is not None else _NONE
            n = len(base)
            if prev is not None and lst[:n] != base:
                out.append(_break(a, key, prev, e))
                n, last = 0, _NONE  # judge e on its own from here
            if e.writer and (not lst or lst[-1] != e.tx):
                out.append(Violation(
                    "CommittedRwSerializable",
                    f"{_txid_str(e.txid)} (request {e.tx}) does not end its list with its own write",
                    (a.ln(e.idx),), (e.tx,), (e.txid,), key=key,
                ))  # fmt: skip
            else:
                j = _known_ok(a, lst, n, last, e.txid, e.writer)
                if j >= 0:
                    x = lst[j]
                    t = a.txid_of[x]
                    out.append(Violation(
                        "CommittedRwSerializable",
                        f"{_txid_str(e.txid)} (request {e.tx}) observed request {x} at {_txid_str(t)}, "
                        "out of TxID order",
                        tuple(sorted({a.ln(e.idx), a.ln(a.first_resp[x])})), (e.tx, x), (e.txid, t),
                        (Edge(x, e.tx, "wr", f"{e.tx} observed {x}'s write"),
                         Edge(e.tx, x, "txid", f"{_txid_str(e.txid)} is not after {_txid_str(t)}")),
                        key,
                    ))  # fmt: skip
            d = _disowned(a, key, lst, n, e.tx)
            if d is not None:
                out.append(Violation(
                    "CommittedRwSerializable",
                    f"{_txid_str(e.txid)} (request {e.tx}) observed {d}'s write on key {key!r}, "
                    f"which {d}'s own response does not show",
                    tuple(sorted({a.ln(e.idx), a.ln(a.first_resp[d])})), (e.tx, d), (e.txid, a.txid_of[d]),
                    key=key,
                ))  # fmt: skip
            e.last_known = _last_known(a, lst, n, last)
            prev = e
    return out


def _disowned(a: Analysis, key: str, lst: list[int], start: int, own: int) -> int | None:
    """An id in ``lst[start:]`` whose own response lists ``key`` without itself (it did not write it)."""
    obs, first = a.h.observed, a.first_resp
    for x in lst[start:]:
        if x != own and x in a.txid_of:
            mine = obs[first[x]].get(key)  # type: ignore[union-attr]
            if mine is not None and x not in mine:
                return x
    return None


def _kind(src: Entry, dst: Entry) -> str:
    kinds = {(True, True): "ww", (True, False): "wr", (False, True): "rw"}
    return kinds.get((src.writer, dst.writer), "txid")


def _break(a: Analysis, key: str, p: Entry, e: Entry) -> Violation:
    what = f"{p.tx}'s write" if p.writer else f"the list {p.tx} read"
    return Violation(
        "CommittedRwSerializable",
        f"{_txid_str(e.txid)} (request {e.tx}) does not extend the list of {_txid_str(p.txid)} "
        f"(request {p.tx}) on key {key!r}",
        tuple(sorted({a.ln(p.idx), a.ln(e.idx)})), (p.tx, e.tx), (p.txid, e.txid),
        (Edge(p.tx, e.tx, _kind(p, e), f"{_txid_str(p.txid)} precedes {_txid_str(e.txid)}"),
         Edge(e.tx, p.tx, "rw", f"{e.tx} read a version without {what}")),
        key,
    )  # fmt: skip


def committed_rw_real_time(a: Analysis) -> list[Violation]:
    h, out = a.h, []
    # The largest committed TxID among first responses so far, and the largest of another request
    # (a response before its own request is ResponseFollowsRequest's business, not this one's).
    best: tuple[TxId, int] | None = None
    second: tuple[TxId, int] | None = None
    for i, k in enumerate(h.kind):
        if k == RW_RESP:
            tx = h.tx[i]
            t: TxId = h.txid[i]  # type: ignore[assignment]
            if a.first_resp[tx] != i or not a.committed(t):
                continue
            if best is None or tx == best[1]:
                best = (t, tx) if best is None or t > best[0] else best
            elif t > best[0]:
                best, second = (t, tx), best
            elif second is None or t > second[0]:
                second = (t, tx)
        elif k == RW_REQ and best is not None:
            tx = h.tx[i]
            mine = a.txid_of.get(tx)
            other = best if best[1] != tx else second
            if mine is None or other is None or not a.committed(mine) or h.request_at.get(tx) != i:
                continue
            if mine <= other[0]:
                b = other[1]
                out.append(Violation(
                    "CommittedRwRealTime",
                    f"request {tx} sent after {b} responded at {_txid_str(other[0])}, "
                    f"yet got {_txid_str(mine)}",
                    (a.ln(a.first_resp[b]), a.ln(i)), (b, tx), (other[0], mine),
                    (Edge(b, tx, "real-time", f"{b} responded before {tx} was requested"),
                     Edge(tx, b, "txid", f"{_txid_str(mine)} is not after {_txid_str(other[0])}")),
                ))  # fmt: skip
    return out


def committed_ro_serializable(a: Analysis) -> list[Violation]:
    """A committed read's list on a key sits between its neighbours in the key's chain at its TxID."""
    h, out = a.h, []
    name = "CommittedRoSerializable"
    for i, k in enumerate(h.kind):
        if k != RO_RESP or not a.committed(h.txid[i]):
            continue
        t: TxId = h.txid[i]  # type: ignore[assignment]
        tx = h.tx[i]
        for key, lst in h.observed[i].items():  # type: ignore[union-attr]
            chain = a.chains.get(key, [])
            at = bisect_right(a.chain_keys.get(key, []), t)
            p = chain[at - 1] if at else None
            q = chain[at] if at < len(chain) else None
            base = p.lst if p is not None else []
            if lst[: len(base)] != base:
                out.append(Violation(
                    name,
                    f"read {_txid_str(t)} (request {tx}) does not extend {_txid_str(p.txid)} "  # type: ignore[union-attr]
                    f"(request {p.tx}) on key {key!r}",  # type: ignore[union-attr]
                    tuple(sorted({a.ln(i), a.ln(p.idx)})), (p.tx, tx), (p.txid, t),  # type: ignore[union-attr]
                    (Edge(p.tx, tx, "wr", f"{_txid_str(p.txid)} precedes {_txid_str(t)}"),  # type: ignore[union-attr]
                     Edge(tx, p.tx, "rw", f"{tx} read a version before {p.tx}'s")),  # type: ignore[union-attr]
                    key,
                ))  # fmt: skip
                continue
            if q is not None:
                top = q.lst[:-1] if q.writer and q.lst and q.lst[-1] == q.tx else q.lst
                if len(lst) > len(top) or top[: len(lst)] != lst:
                    out.append(Violation(
                        name,
                        f"read {_txid_str(t)} (request {tx}) is not a state before {_txid_str(q.txid)} "
                        f"(request {q.tx}) on key {key!r}",
                        tuple(sorted({a.ln(i), a.ln(q.idx)})), (tx, q.tx), (t, q.txid),
                        (Edge(tx, q.tx, "rw", f"{_txid_str(t)} precedes {_txid_str(q.txid)}"),
                         Edge(q.tx, tx, "wr", f"{tx} saw a version {q.tx} did not")),
                        key,
                    ))  # fmt: skip
                    continue
            if len(lst) == len(base):
                continue  # exactly the state at or before it: nothing more to judge
            x = _disowned(a, key, lst, len(base), -1)
            if x is not None:
                out.append(Violation(
                    name,
                    f"read {_txid_str(t)} (request {tx}) observed {x}'s write on key {key!r}, "
                    f"which {x}'s own response does not show",
                    tuple(sorted({a.ln(i), a.ln(a.first_resp[x])})), (tx, x), (t, a.txid_of[x]), key=key,
                ))  # fmt: skip
                continue
            last = p.last_known if p is not None else _NONE
            j = _known_ok(a, lst, len(base), last, t, True)
            if j >= 0:
                x = lst[j]
                tj = a.txid_of[x]
                out.append(Violation(
                    name,
                    f"read {_txid_str(t)} (request {tx}) observed request {x} at {_txid_str(tj)}, "
                    "out of TxID order",
                    tuple(sorted({a.ln(i), a.ln(a.first_resp[x])})), (tx, x), (t, tj),
                    (Edge(x, tx, "wr", f"{tx} observed {x}'s write"),
                     Edge(tx, x, "txid", f"{_txid_str(t)} is not after {_txid_str(tj)}")),
                    key,
                ))  # fmt: skip
    return out


# ---------------------------------------------------------------- sessions


def _before(idx: list[int], entries: list[tuple[TxId, int, list[int]]], i: int, view: int) -> Any:
    """The latest observation answered before event ``i`` by a node in ``view`` or an older one."""
    at = len(idx) if idx[-1] < i else bisect_left(idx, i)  # a sequential session: the last one
    while at:
        at -= 1
        e = entries[at]
        if e[0][0] <= view:
            return e
    return None


def _sessions(a: Analysis) -> tuple[list[Violation], list[Violation]]:
    """Read-your-writes and monotonic reads in one sweep (computed once, kept on the analysis)."""
    if a.session_results is not None:
        return a.session_results
    h, ryw, mr = a.h, [], []
    # client -> key -> [indices, (TxID, request id, list) of committed observations, the same of writes]
    seen: dict[Any, dict[str, tuple[list[int], list[Any], list[int], list[Any]]]] = {}
    upto, first_resp, request_at = a.committed_upto, a.first_resp, h.request_at
    kinds, txs, txids, clients, observed = h.kind, h.tx, h.txid, h.client, h.observed
    for i, k in enumerate(kinds):
        if k != RW_RESP and k != RO_RESP:  # noqa: PLR1714
            continue
        tx, t, c = txs[i], txids[i], clients[i]
        obs: dict[str, list[int]] = observed[i]  # type: ignore[assignment]
        mine = seen.get(c)
        if mine is None:
            mine = seen[c] = {}
        elif mine:
            q = request_at.get(tx, i)
            for key, lst in obs.items():
                got = mine.get(key)
                if got is None:
                    continue
                # A node in an older view than the observation is CCF's stale read: RoLinearizable's.
                prior = _before(got[0], got[1], q, t[0])  # type: ignore[index]
                if prior is not None and lst[: len(prior[2])] != prior[2]:
                    pt, ptx, _ = prior
                    mr.append(Violation(
                        "MonotonicReads",
                        f"client {c!r}: request {tx} ({_txid_str(t)}) observed less than request {ptx} "
                        f"({_txid_str(pt)}) before it on key {key!r}",
                        (a.ln(first_resp[ptx]), a.ln(i)), (ptx, tx), (pt, t),  # type: ignore[arg-type]
                        (Edge(ptx, tx, "session", f"{ptx} responded before {tx}, same client"),
                         Edge(tx, ptx, "rw", f"{tx} read a version before what {ptx} saw")),
                        key,
                    ))  # fmt: skip
                prior = _before(got[2], got[3], q, t[0]) if got[2] else None  # type: ignore[index]
                if prior is not None and prior[1] not in lst:
                    pt, ptx, _ = prior
                    ryw.append(Violation(
                        "ReadYourWrites",
                        f"client {c!r}: request {tx} ({_txid_str(t)}) misses its own committed write "
                        f"{ptx} ({_txid_str(pt)}) on key {key!r}",
                        (a.ln(first_resp[ptx]), a.ln(i)), (ptx, tx), (pt, t),  # type: ignore[arg-type]
                        (Edge(ptx, tx, "session", f"{ptx} responded before {tx}, same client"),
                         Edge(tx, ptx, "rw", f"{tx} read a version without {ptx}'s write")),
                        key,
                    ))  # fmt: skip
        cu = upto.get(t[0])  # type: ignore[index]
        if cu is None or t[1] > cu or first_resp.get(tx) != i:  # type: ignore[index]
            continue
        for key, lst in obs.items():
            got = mine.get(key)
            if got is None:
                got = mine[key] = ([], [], [], [])
            got[0].append(i)
            got[1].append((t, tx, lst))
            if k == RW_RESP and (key == SINGLE_KEY or tx in lst):
                got[2].append(i)
                got[3].append((t, tx, lst))
    a.session_results = (ryw, mr)
    return a.session_results


def read_your_writes(a: Analysis) -> list[Violation]:
    return _sessions(a)[0]


def monotonic_reads(a: Analysis) -> list[Violation]:
    return _sessions(a)[1]


def ro_linearizable(a: Analysis) -> list[Violation]:
    """A committed read misses a committed write that responded before the read was sent (CCF documents
    this as possible: a deposed primary may still serve reads)."""
    h, out = a.h, []
    # Per key: committed writers in response order, with the running largest TxID among them.
    by_key: dict[str, tuple[list[int], list[tuple[TxId, int]]]] = {}
    for key, chain in a.chains.items():
        ws = sorted(
            (a.first_resp[e.tx], e.txid, e.tx) for e in chain if e.writer and a.first_resp[e.tx] == e.idx
        )
        idx, top = [], []
        best: tuple[TxId, int] | None = None
        for r, t, tx in ws:
            if best is None or t > best[0]:
                best = (t, tx)
            idx.append(r)
            top.append(best)
        by_key[key] = (idx, top)
    for i, k in enumerate(h.kind):
        if k != RO_RESP or not a.committed(h.txid[i]):
            continue
        tx = h.tx[i]
        q = h.request_at.get(tx, i)
        for key, lst in h.observed[i].items():  # type: ignore[union-attr]
            if key not in by_key:
                continue
            idx, top = by_key[key]
            at = bisect_left(idx, q)
            if not at:
                continue
            wt, w = top[at - 1]
            if w not in lst:
                rt = h.txid[i]
                out.append(Violation(
                    "RoLinearizable",
                    f"read {_txid_str(rt)} (request {tx}) misses {w} ({_txid_str(wt)}), committed and "
                    f"answered before the read was sent, on key {key!r}",
                    (a.ln(a.first_resp[w]), a.ln(q), a.ln(i)), (w, tx), (wt, rt),  # type: ignore[arg-type]
                    (Edge(w, tx, "real-time", f"{w} responded before {tx} was requested"),
                     Edge(tx, w, "rw", f"{tx} read a version without {w}'s write")),
                    key,
                ))  # fmt: skip
    return out


CHECKS: dict[str, Callable[[Analysis], list[Violation]]] = {
    "ResponseFollowsRequest": response_follows_request,
    "UniqueRequests": unique_requests,
    "UniqueTxIds": unique_tx_ids,
    "UniqueTxs": unique_txs,
    "StatusLattice": status_lattice,
    "OnlyObserveRequested": only_observe_requested,
    "InvalidNotObservedByCommitted": invalid_not_observed_by_committed,
    "CommittedRwSerializable": committed_rw_serializable,
    "CommittedRwRealTime": committed_rw_real_time,
    "CommittedRoSerializable": committed_ro_serializable,
    "ReadYourWrites": read_your_writes,
    "MonotonicReads": monotonic_reads,
    "RoLinearizable": ro_linearizable,
}
assert set(CHECKS) == set(PROPERTIES), "one check per property"


def check_history(h: History, *, strict_reads: bool = False) -> HistoryReport:
    """Check every property on a parsed history."""
    with _no_gc():
        a = analyse(h)
        report = HistoryReport(h.source, len(h), strict_reads=strict_reads)
        for fn in CHECKS.values():
            report.violations.extend(fn(a))
        return report


def check_file(path: str | Path, *, strict_reads: bool = False) -> HistoryReport:
    """Parse ``path`` strictly (BadInput on the first bad line) and check it."""
    with _no_gc():
        return check_history(read_file(path), strict_reads=strict_reads)


@contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic collector off while millions of small lists are built: it would rescan them all,
    again and again, for cycles that none of them form (a third of the time on long histories)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
