"""Committed read-only transactions against every committed write, as the spec states them.

``CommittedRoSerializable``: a committed read observes every committed write at or below its TxID as a
prefix, and no committed write above it. ``RoLinearizable``: it observes every committed write that
responded before it was sent. Both compare a read with each committed write of the key; a key's chain
(committed read-write responses in TxID order) is summarised once so that, where the chain is clean
(each list extends the one before, each writer ends its list with its own id), one prefix comparison
with the read's predecessor in the chain and a scan of the ids past it decide, and only a broken chain
(which ``CommittedRwSerializable`` reports) is compared entry by entry.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

from pyccf.formats.history import SINGLE_KEY
from tracecheck.history.analysis import Analysis, Entry, disowned, txid_str
from tracecheck.history.report import Edge, Violation


@dataclass(slots=True)
class _Summary:
    """One key's chain: how far it is clean, where each id's last entry is, and per position the
    earliest response among the writers from there on."""

    clean: list[bool]  # clean[k]: chain[0..k] each extends the one before, writers end with their own id
    reach: list[int]  # reach[k]: the largest chain position of an entry whose id chain[k]'s list holds
    last: dict[int, int]  # id -> the largest chain position of its entries
    sufmin: list[int]  # sufmin[k]: the smallest response index of a writer in chain[k:] (or a large one)


def _summary(a: Analysis, key: str) -> _Summary:
    got = a.read_summaries.get(key)
    if got is not None:
        return got  # type: ignore[no-any-return]
    chain = a.chains[key]
    last = {e.tx: k for k, e in enumerate(chain)}  # the largest position wins
    clean, reach = [], []
    ok, r = True, -1
    for k, ext in enumerate(a.extends[key]):
        e = chain[k]
        lst = e.lst
        if k and ok and ext:
            tail = lst[len(chain[k - 1].lst) :]
        else:
            ok, tail, r = not k, lst, -1
        for x in tail:
            j = last.get(x, -1)
            if j > r:
                r = j
        if e.writer and (not lst or lst[-1] != e.tx):
            ok = False
        clean.append(ok)
        reach.append(r)
    big = len(a.h.kind)
    sufmin = list(accumulate(reversed([e.idx if e.writer else big for e in chain]), min, initial=big))
    sufmin.reverse()
    s = _Summary(clean, reach, last, sufmin)
    a.read_summaries[key] = s
    return s


def _prefix(a: list[int], b: list[int]) -> bool:
    return len(a) <= len(b) and b[: len(a)] == a


def _reads(a: Analysis) -> tuple[list[Violation], list[Violation]]:
    """``CommittedRoSerializable`` and ``RoLinearizable`` in one sweep over the committed reads (computed
    once, kept on the analysis): both place a read in each key's chain and compare it with the entry
    before it there."""
    if a.read_results is not None:
        return a.read_results
    h = a.h
    ser: list[Violation] = []
    lin: list[Violation] = []
    chains, chain_keys, sums = a.chains, a.chain_keys, a.read_summaries
    txids, txs, observed = h.txid, h.tx, h.observed
    request_at, more, kinds = h.request_at, h.more_requests, h.kind
    for i in a.committed_reads():
        t, tx = txids[i], txs[i]
        q = request_at.get(tx, -1)
        if (q >= 0 and (kinds[q] != kinds[i] - 1 or q > i)) or (more and tx in more):
            q = a.request_of(i)
        for key, lst in observed[i].items():  # type: ignore[union-attr]
            chain = chains.get(key)
            if not chain:
                continue
            s = sums.get(key) or _summary(a, key)
            at = bisect_right(chain_keys[key], t)  # type: ignore[arg-type, type-var]
            p = chain[at - 1] if at else None
            extends = p is not None and s.clean[at - 1] and lst[: len(p.lst)] == p.lst
            if q >= 0 and not (extends and s.sufmin[at] >= q):  # else: the writers at or below the read
                _linearizable(a, i, q, key, lst, chain[at:] if extends else chain, lin)  # are in its list
            start = 0
            if extends:
                if s.reach[at - 1] < at:
                    start = len(p.lst)  # type: ignore[union-attr]  # p's ids all belong to entries at or below the read
            else:
                bad = next((e for e in chain[:at] if not _prefix(e.lst, lst)), None)
                if bad is not None:
                    ser.append(_not_extending(a, i, key, bad))
                    continue
            if start == len(lst):
                continue
            if key != SINGLE_KEY:  # several keys, which the spec does not model: who wrote which
                d = disowned(a, key, lst, start, -1)
                if d is not None:
                    ser.append(Violation(
                        "CommittedRoSerializable",
                        f"read {txid_str(t)} (request {tx}) observed {d}'s write on key {key!r}, "
                        f"which {d}'s own response does not show",
                        tuple(sorted({a.ln(i), a.ln(a.first_resp[d])})), (tx, d), (t, a.txid_of[d]),  # type: ignore[arg-type]
                        key=key,
                    ))  # fmt: skip
                    continue
            last = s.last
            x = next((x for x in lst[start:] if last.get(x, -1) >= at), None)
            if x is not None:
                e = chain[last[x]]
                ser.append(Violation(
                    "CommittedRoSerializable",
                    f"read {txid_str(t)} (request {tx}) observed {x}'s write on key {key!r}, committed "
                    f"after it at {txid_str(e.txid)}",
                    tuple(sorted({a.ln(i), a.ln(e.idx)})), (tx, x), (t, e.txid),  # type: ignore[arg-type]
                    (Edge(x, tx, "wr", f"{tx} observed {x}'s write"),
                     Edge(tx, x, "rw", f"{txid_str(t)} precedes {txid_str(e.txid)}")),
                    key,
                ))  # fmt: skip
    a.read_results = (ser, lin)
    return a.read_results


def committed_ro_serializable(a: Analysis) -> list[Violation]:
    """A committed read extends every committed list at or before its TxID and holds no write
    committed above it."""
    return _reads(a)[0]


def ro_linearizable(a: Analysis) -> list[Violation]:
    """A committed read misses a committed write that responded before the read was sent (CCF documents
    this as possible: a deposed primary may still serve reads)."""
    return _reads(a)[1]


def _not_extending(a: Analysis, i: int, key: str, p: Entry) -> Violation:
    h = a.h
    t, tx = h.txid[i], h.tx[i]
    return Violation(
        "CommittedRoSerializable",
        f"read {txid_str(t)} (request {tx}) does not extend {txid_str(p.txid)} (request {p.tx}) "
        f"on key {key!r}",
        tuple(sorted({a.ln(i), a.ln(p.idx)})), (p.tx, tx), (p.txid, t),  # type: ignore[arg-type]
        (Edge(p.tx, tx, "wr", f"{txid_str(p.txid)} precedes {txid_str(t)}"),
         Edge(tx, p.tx, "rw", f"{tx} read a version before {p.tx}'s")),
        key,
    )  # fmt: skip


def _linearizable(
    a: Analysis, i: int, q: int, key: str, lst: list[int], todo: list[Entry], out: list[Violation]
) -> None:
    """Read ``i`` (requested at ``q``) against the key's committed writers ``todo`` (those above its chain
    position when its list extends its clean predecessor there, else all), none above answered in time."""
    w = next((e for e in todo if e.writer and e.idx < q and e.tx not in lst), None)
    if w is not None:
        h = a.h
        t, tx = h.txid[i], h.tx[i]
        out.append(Violation(
            "RoLinearizable",
            f"read {txid_str(t)} (request {tx}) misses {w.tx} ({txid_str(w.txid)}), committed and "
            f"answered before the read was sent, on key {key!r}",
            (a.ln(w.idx), a.ln(q), a.ln(i)), (w.tx, tx), (w.txid, t),  # type: ignore[arg-type]
            (Edge(w.tx, tx, "real-time", f"{w.tx} responded before {tx} was requested"),
             Edge(tx, w.tx, "rw", f"{tx} read a version without {w.tx}'s write")),
            key,
        ))  # fmt: skip
