"""The session properties and read-only linearizability: what a response owes what came before it.

Sessions are the ``client`` field; read-your-writes and monotonic reads compare a response with the
session's latest committed write, resp. observation, of each key answered before its request, whatever
view the answering node is in: a node serves a session only if its log holds what the session has seen
(as the spec's ``ReadYourWritesInv`` and ``MonotonicReadsInv`` say), so a deposed primary's stale read is
CCF's documented case (``RoLinearizable``) only for a session that saw nothing newer.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from pyccf.formats.history import SINGLE_KEY
from tracecheck.history.analysis import Analysis, txid_str
from tracecheck.history.events import RW_RESP, TxId
from tracecheck.history.report import Edge, Violation


def _before(idx: list[int], entries: list[tuple[TxId, int, list[int]]], i: int) -> Any:
    """The latest observation answered before event ``i``."""
    at = len(idx) if idx[-1] < i else bisect_left(idx, i)  # a sequential session: the last one
    return entries[at - 1] if at else None


def _sessions(a: Analysis) -> tuple[list[Violation], list[Violation]]:
    """Read-your-writes and monotonic reads in one sweep (computed once, kept on the analysis)."""
    if a.session_results is not None:
        return a.session_results
    h, ryw, mr = a.h, [], []
    # client -> key -> [indices, (TxID, request id, list) of committed observations, the same of writes]
    seen: dict[Any, dict[str, tuple[list[int], list[Any], list[int], list[Any]]]] = {}
    upto, first_resp, request_at = a.committed_upto, a.first_resp, h.request_at
    kinds, txs, txids, clients, observed = h.kind, h.tx, h.txid, h.client, h.observed
    for i in a.responses:
        k = kinds[i]
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
                idx, ent = got[0], got[1]
                prior = ent[-1] if idx[-1] < q else _before(idx, ent, q)  # sequential: the last one
                if prior is not None and lst[: len(prior[2])] != prior[2]:
                    pt, ptx, _ = prior
                    mr.append(Violation(
                        "MonotonicReads",
                        f"client {c!r}: request {tx} ({txid_str(t)}) observed less than request {ptx} "
                        f"({txid_str(pt)}) before it on key {key!r}",
                        (a.ln(first_resp[ptx]), a.ln(i)), (ptx, tx), (pt, t),  # type: ignore[arg-type]
                        (Edge(ptx, tx, "session", f"{ptx} responded before {tx}, same client"),
                         Edge(tx, ptx, "rw", f"{tx} read a version before what {ptx} saw")),
                        key,
                    ))  # fmt: skip
                idx, ent = got[2], got[3]
                prior = (ent[-1] if idx[-1] < q else _before(idx, ent, q)) if idx else None
                if prior is not None and prior[1] not in lst:
                    pt, ptx, _ = prior
                    ryw.append(Violation(
                        "ReadYourWrites",
                        f"client {c!r}: request {tx} ({txid_str(t)}) misses its own committed write "
                        f"{ptx} ({txid_str(pt)}) on key {key!r}",
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
    for i in a.committed_reads():
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
                    f"read {txid_str(rt)} (request {tx}) misses {w} ({txid_str(wt)}), committed and "
                    f"answered before the read was sent, on key {key!r}",
                    (a.ln(a.first_resp[w]), a.ln(q), a.ln(i)), (w, tx), (wt, rt),  # type: ignore[arg-type]
                    (Edge(w, tx, "real-time", f"{w} responded before {tx} was requested"),
                     Edge(tx, w, "rw", f"{tx} read a version without {w}'s write")),
                    key,
                ))  # fmt: skip
    return out
