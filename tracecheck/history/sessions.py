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


def _before(idx: list[int], q: int) -> int:
    """The latest of the event indices ``idx`` (ascending) before event ``q``, or ``-1``."""
    if idx[-1] < q:  # a sequential session: the last one
        return idx[-1]
    at = bisect_left(idx, q)
    return idx[at - 1] if at else -1


def _sessions(a: Analysis) -> tuple[list[Violation], list[Violation]]:
    """Read-your-writes and monotonic reads in one sweep (computed once, kept on the analysis).

    Per session and key only event indices are kept (of committed observations, and of committed own
    writes): a TxID, request id and list are read back from the columns when a violation needs them."""
    if a.session_results is not None:
        return a.session_results
    h, ryw, mr = a.h, [], []
    # client -> key -> [indices of committed observations, indices of committed writes]
    seen: dict[Any, dict[str, tuple[list[int], list[int]]]] = {}
    upto, first_resp, request_at = a.committed_upto, a.first_resp, h.request_at
    kinds, txs, txids, clients, observed = h.kind, h.tx, h.txid, h.client, h.observed
    for i in a.responses:
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
                idx = got[0]
                j = idx[-1] if idx[-1] < q else _before(idx, q)
                if j >= 0:
                    prior = observed[j][key]  # type: ignore[index]
                    if lst[: len(prior)] != prior:
                        pt, ptx = txids[j], txs[j]
                        mr.append(Violation(
                            "MonotonicReads",
                            f"client {c!r}: request {tx} ({txid_str(t)}) observed less than request {ptx} "
                            f"({txid_str(pt)}) before it on key {key!r}",
                            (a.ln(first_resp[ptx]), a.ln(i)), (ptx, tx), (pt, t),  # type: ignore[arg-type]
                            (Edge(ptx, tx, "session", f"{ptx} responded before {tx}, same client"),
                             Edge(tx, ptx, "rw", f"{tx} read a version before what {ptx} saw")),
                            key,
                        ))  # fmt: skip
                idx = got[1]
                if idx:
                    j = idx[-1] if idx[-1] < q else _before(idx, q)
                    if j >= 0 and txs[j] not in lst:
                        pt, ptx = txids[j], txs[j]
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
        rw = kinds[i] == RW_RESP
        for key, lst in obs.items():
            got = mine.get(key)
            if got is None:
                got = mine[key] = ([], [])
            got[0].append(i)
            if rw and (key == SINGLE_KEY or tx in lst):
                got[1].append(i)
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
    # Per key: committed writers' first responses in response order, with the running largest TxID
    # among them (one sweep in event order: no sort).
    by_key: dict[str, tuple[list[int], list[tuple[TxId, int]]]] = {}
    upto, first_resp = a.committed_upto, a.first_resp
    kinds, txs, txids, observed = h.kind, h.tx, h.txid, h.observed
    for i in a.responses:
        if kinds[i] != RW_RESP:
            continue
        tx, t = txs[i], txids[i]
        c = upto.get(t[0])  # type: ignore[index]
        if c is None or t[1] > c or first_resp[tx] != i:  # type: ignore[index]
            continue
        for key, lst in observed[i].items():  # type: ignore[union-attr]
            if key != SINGLE_KEY and tx not in lst:
                continue
            got = by_key.get(key)
            if got is None:
                by_key[key] = ([i], [(t, tx)])  # type: ignore[list-item]
            else:
                top = got[1][-1]
                got[0].append(i)
                got[1].append((t, tx) if t > top[0] else top)  # type: ignore[arg-type, operator]
    for i in a.committed_reads():
        tx = txs[i]
        q = h.request_at.get(tx, i)
        for key, lst in observed[i].items():  # type: ignore[union-attr]
            got = by_key.get(key)
            if got is None:
                continue
            at = bisect_left(got[0], q)
            if not at:
                continue
            wt, w = got[1][at - 1]
            if w not in lst:
                rt = txids[i]
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
