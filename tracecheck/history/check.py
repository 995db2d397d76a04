"""The fast history checker: one function per property of ``PROPERTIES``, by sorting and sweeping.

No search: TxIDs give committed read-write transactions their order, and list-append gives every key's
version order (each committed list must extend the one before it, in TxID order), so each property is a
sort or a linear sweep over the events, O(n log n) with n the events plus the ids the lists hold. What
the properties share is in :mod:`tracecheck.history.analysis`; the session ones are in
:mod:`tracecheck.history.sessions`.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pyccf.formats.history import PROPERTIES
from tracecheck.history.analysis import (
    NO_TXID,
    Analysis,
    Entry,
    analyse,
    disowned,
    first_out_of_order,
    last_known_txid,
    txid_str,
)
from tracecheck.history.events import (
    COMMITTED,
    RO_REQ,
    RO_RESP,
    RW_REQ,
    RW_RESP,
    STATUS,
    History,
    TxId,
    read_file,
)
from tracecheck.history.reads import committed_ro_serializable, ro_linearizable
from tracecheck.history.report import Edge, HistoryReport, Violation
from tracecheck.history.sessions import monotonic_reads, read_your_writes

__all__ = ["CHECKS", "analyse", "check_file", "check_history"]

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
    for i in a.later_resps:
        f = a.first_resp[h.tx[i]]
        if h.txid[f] != h.txid[i]:
            out.append(Violation(
                "UniqueTxIds",
                f"request {h.tx[i]} answered with two TxIDs",
                (a.ln(f), a.ln(i)), (h.tx[i],), (h.txid[f], h.txid[i]),  # type: ignore[arg-type]
            ))  # fmt: skip
    return out


def unique_txs(a: Analysis) -> list[Violation]:
    """Every read-write response counts: first ones through ``txid_of``, then the later ones."""
    h = a.h
    owner: dict[TxId, tuple[int, int]] = {t: (tx, a.first_resp[tx]) for tx, t in a.txid_of.items()}
    out = []
    if len(owner) < len(a.txid_of):
        owner = {}
        for tx, t in a.txid_of.items():
            other = owner.setdefault(t, (tx, a.first_resp[tx]))
            if other[0] != tx:
                out.append(_two_owners(a, t, other, (tx, a.first_resp[tx])))
    for j in a.later_resps:
        if h.kind[j] == RW_RESP:
            u: TxId = h.txid[j]  # type: ignore[assignment]
            other = owner.setdefault(u, (h.tx[j], j))
            if other[0] != h.tx[j]:
                out.append(_two_owners(a, u, other, (h.tx[j], j)))
    return out


def _two_owners(a: Analysis, t: TxId, first: tuple[int, int], second: tuple[int, int]) -> Violation:
    (x, i), (y, j) = first, second
    return Violation(
        "UniqueTxs",
        f"read-write requests {x} and {y} both got TxID {t[0]}.{t[1]}",
        tuple(sorted({a.ln(i), a.ln(j)})),
        (x, y),
        (t,),
    )


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
    upto, txids = a.committed_upto, h.txid
    for i in a.responses:
        t = txids[i]
        if t[1] <= upto.get(t[0], -1):  # type: ignore[index]  # committed (seqnos count from 1)
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
    """Each list against the read-write requests so far. Per key, the last list found good is kept with
    its set: a list it extends needs only its new ids checked, a prefix of it none (it was good then and
    requests only accumulate), so the big set of requests is seldom probed (each probe is a cache miss)."""
    h, out = a.h, []
    seen: set[int] = set()
    good: dict[str, tuple[list[int], set[int]]] = {}
    for i, k in enumerate(h.kind):
        if k == RW_REQ:
            seen.add(h.tx[i])
        elif k in (RW_RESP, RO_RESP):
            for key, lst in h.observed[i].items():  # type: ignore[union-attr]
                last = good.get(key)
                if last is not None:
                    prev, prev_ids = last
                    n = len(prev)
                    if len(lst) <= n:
                        if prev[: len(lst)] == lst:
                            continue
                    elif lst[:n] == prev:
                        tail = lst[n:]
                        one = len(tail) == 1
                        if (one and tail[0] in seen and tail[0] not in prev_ids) or (
                            not one and len(set(tail)) == len(tail) and prev_ids.isdisjoint(tail)
                            and seen.issuperset(tail)
                        ):  # fmt: skip
                            prev_ids.update(tail)
                            good[key] = (lst, prev_ids)
                            continue
                ids = set(lst)
                if len(ids) == len(lst) and ids <= seen:
                    good[key] = (lst, ids)
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


def committed_rw_serializable(a: Analysis) -> list[Violation]:
    out = []
    txid_of = a.txid_of
    for key, chain in a.chains.items():
        prev: Entry | None = None
        for e, ext in zip(chain, a.extends[key], strict=True):
            lst = e.lst
            base: list[int] = prev.lst if prev is not None else []
            last = prev.last_known if prev is not None else NO_TXID
            n = len(base)
            if prev is not None and not ext:
                out.append(_break(a, key, prev, e))
                n, last = 0, NO_TXID  # judge e on its own from here
            if e.writer and (not lst or lst[-1] != e.tx):
                out.append(Violation(
                    "CommittedRwSerializable",
                    f"{txid_str(e.txid)} (request {e.tx}) does not end its list with its own write",
                    (a.ln(e.idx),), (e.tx,), (e.txid,), key=key,
                ))  # fmt: skip
            elif len(lst) == n + 1 and lst[n] == e.tx:  # the common case: only its own write is new
                t = txid_of.get(e.tx)
                if t is not None:
                    if not last < t <= e.txid:
                        _out_of_order(a, key, e, n, last, out)
                    last = t
            else:
                _out_of_order(a, key, e, n, last, out)
            if len(lst) > n and (len(lst) > n + 1 or lst[n] != e.tx):
                d = disowned(a, key, lst, n, e.tx)
                if d is not None:
                    out.append(Violation(
                        "CommittedRwSerializable",
                        f"{txid_str(e.txid)} (request {e.tx}) observed {d}'s write on key {key!r}, "
                        f"which {d}'s own response does not show",
                        tuple(sorted({a.ln(e.idx), a.ln(a.first_resp[d])})), (e.tx, d),
                        (e.txid, a.txid_of[d]), key=key,
                    ))  # fmt: skip
                last = last_known_txid(a, lst, n, last)
            e.last_known = last
            prev = e
    return out


def _out_of_order(a: Analysis, key: str, e: Entry, n: int, last: TxId, out: list[Violation]) -> None:
    """Entry ``e``'s ids past the ``n`` it shares with its predecessor, in ascending TxID order after
    ``last`` and up to its own."""
    lst = e.lst
    j = first_out_of_order(a, lst, n, last, e.txid, e.writer)
    if j >= 0:
        x = lst[j]
        t = a.txid_of[x]
        out.append(Violation(
            "CommittedRwSerializable",
            f"{txid_str(e.txid)} (request {e.tx}) observed request {x} at {txid_str(t)}, "
            "out of TxID order",
            tuple(sorted({a.ln(e.idx), a.ln(a.first_resp[x])})), (e.tx, x), (e.txid, t),
            (Edge(x, e.tx, "wr", f"{e.tx} observed {x}'s write"),
             Edge(e.tx, x, "txid", f"{txid_str(e.txid)} is not after {txid_str(t)}")),
            key,
        ))  # fmt: skip


def _kind(src: Entry, dst: Entry) -> str:
    kinds = {(True, True): "ww", (True, False): "wr", (False, True): "rw"}
    return kinds.get((src.writer, dst.writer), "txid")


def _break(a: Analysis, key: str, p: Entry, e: Entry) -> Violation:
    what = f"{p.tx}'s write" if p.writer else f"the list {p.tx} read"
    return Violation(
        "CommittedRwSerializable",
        f"{txid_str(e.txid)} (request {e.tx}) does not extend the list of {txid_str(p.txid)} "
        f"(request {p.tx}) on key {key!r}",
        tuple(sorted({a.ln(p.idx), a.ln(e.idx)})), (p.tx, e.tx), (p.txid, e.txid),
        (Edge(p.tx, e.tx, _kind(p, e), f"{txid_str(p.txid)} precedes {txid_str(e.txid)}"),
         Edge(e.tx, p.tx, "rw", f"{e.tx} read a version without {what}")),
        key,
    )  # fmt: skip


def committed_rw_real_time(a: Analysis) -> list[Violation]:
    h, out = a.h, []
    # The largest committed TxID among first responses so far, and the largest of another request
    # (a response before its own request is ResponseFollowsRequest's business, not this one's).
    best: tuple[TxId, int] | None = None
    second: tuple[TxId, int] | None = None
    upto, first_resp = a.committed_upto, a.first_resp
    request_at, more = h.request_at, h.more_requests
    last_rw: dict[int, int] = {}  # filled on the first irregular request id: its last read-write response

    def answered(tx: int) -> int:
        """The request that ``tx``'s last read-write response answers (the latest before it)."""
        j = request_at.get(tx, -1)
        if tx not in more and first_resp[tx] > j:
            return j  # one request, before the responses: the usual case
        if not last_rw:
            last_rw.update((h.tx[n], n) for n, kn in enumerate(h.kind) if kn == RW_RESP)
        end = last_rw.get(tx, -1)
        return a.request_of(end) if end >= 0 else -1

    for i, k in enumerate(h.kind):
        if k == RW_RESP:
            tx = h.tx[i]
            t: TxId = h.txid[i]  # type: ignore[assignment]
            if first_resp[tx] != i or t[1] > upto.get(t[0], -1):  # not its first, or not committed
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
            if mine is None or other is None or not a.committed(mine) or answered(tx) != i:
                continue
            if mine <= other[0]:
                b = other[1]
                out.append(Violation(
                    "CommittedRwRealTime",
                    f"request {tx} sent after {b} responded at {txid_str(other[0])}, "
                    f"yet got {txid_str(mine)}",
                    (a.ln(a.first_resp[b]), a.ln(i)), (b, tx), (other[0], mine),
                    (Edge(b, tx, "real-time", f"{b} responded before {tx} was requested"),
                     Edge(tx, b, "txid", f"{txid_str(mine)} is not after {txid_str(other[0])}")),
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
