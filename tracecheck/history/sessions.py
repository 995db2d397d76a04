"""The session properties and read-only linearizability: what a response owes what came before it.

Sessions are the ``client`` field; read-your-writes and monotonic reads compare a response with the
session's latest committed write, resp. observation, of each key answered before its request, whatever
view the answering node is in: a node serves a session only if its log holds what the session has seen
(as the spec's ``ReadYourWritesInv`` and ``MonotonicReadsInv`` say), so a deposed primary's stale read is
CCF's documented case (``RoLinearizable``) only for a session that saw nothing newer.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from typing import Any

from pyccf.formats.history import SINGLE_KEY
from tracecheck.history.analysis import Analysis, txid_str
from tracecheck.history.events import RW_RESP
from tracecheck.history.report import Edge, Violation


def _at(idx: list[int], q: int) -> int:
    """How many of the event indices ``idx`` (ascending) come before event ``q``."""
    if idx[-1] < q:  # a sequential session: all of them
        return len(idx)
    return bisect_left(idx, q)


class _Seen:
    """A session's responses on one key, in event order, with what they oblige later responses to show.

    ``state[p]`` is what the session's responses up to ``idx[p]`` observed of committed writes: ``None``
    when that is exactly ``idx[p]``'s own list less its uncommitted writes (each list extended the one
    before: the common case, kept without copying), else the ids with the first response that saw each.
    ``writes`` are the session's committed writes of the key (read-your-writes); ``selfless`` says one
    of them does not list its own id (only possible with one key, where every write writes the key)."""

    __slots__ = ("idx", "state", "writes", "selfless")

    def __init__(self) -> None:
        self.idx: list[int] = []
        self.state: list[dict[int, int] | None] = []
        self.writes: list[int] = []
        self.selfless = False


def _sessions(a: Analysis) -> tuple[list[Violation], list[Violation]]:
    """Read-your-writes and monotonic reads in one sweep (computed once, kept on the analysis).

    Monotonic reads as the spec states it: every committed write any earlier response of the session
    observed (committed or not itself) is observed again; by prefix comparison while each list extends
    the one before it, by sets only where one does not."""
    if a.session_results is not None:
        return a.session_results
    h = a.h
    ryw: list[Violation] = []
    mr: list[Violation] = []
    seen: dict[Any, dict[str, _Seen]] = {}
    upto, request_at, more = a.committed_upto, h.request_at, h.more_requests
    kinds, txs, txids, clients, observed = h.kind, h.tx, h.txid, h.client, h.observed
    writer = a.committed_writer
    for i in a.responses:
        tx, t, c, k = txs[i], txids[i], clients[i], kinds[i]
        obs: dict[str, list[int]] = observed[i]  # type: ignore[assignment]
        mine = seen.get(c)
        q = -1  # the response's (latest) request: what the session had answered before it
        if mine is None:
            mine = seen[c] = {}
        elif mine:
            q = request_at.get(tx, -1)
            if (q >= 0 and (kinds[q] != k - 1 or q > i)) or (more and tx in more):
                q = a.request_of(i)
        cu = upto.get(t[0], -1)  # type: ignore[index]
        wrote = k == RW_RESP and t[1] <= cu  # type: ignore[index]
        for key, lst in obs.items():
            got = mine.get(key)
            if got is None:
                got = mine[key] = _Seen()
                got.state.append(None)
            else:
                idx, state = got.idx, got.state
                extends = False  # lst extends the session's last list on key (the update's comparison)
                if q >= 0:
                    p = len(idx) if idx[-1] < q else bisect_left(idx, q)
                    covered = False  # lst holds all the session observed before q: its writes too
                    if p:
                        prior = observed[idx[p - 1]][key]  # type: ignore[index]
                        if state[p - 1] is not None or lst[: len(prior)] != prior:
                            _monotonic(a, got, p, i, key, lst, mr)
                        else:
                            covered = not got.selfless  # each write before q saw itself, so prior holds it
                            extends = p == len(idx)
                    w = got.writes
                    if w and not covered:
                        n = len(w) if w[-1] < q else bisect_left(w, q)
                        if n and (n > 1 or txs[w[0]] == tx or txs[w[0]] not in lst):
                            _own(a, w[:n], i, key, lst, ryw)
                if extends:
                    state.append(None)
                else:
                    prior = observed[idx[-1]][key]  # type: ignore[index]
                    if state[-1] is None and lst[: len(prior)] == prior:
                        state.append(None)
                    else:
                        state.append(_after(got, lst, observed, key, writer, i))
            got.idx.append(i)
            if wrote and (key == SINGLE_KEY or tx in lst):
                got.writes.append(i)
                if tx not in lst:
                    got.selfless = True
    a.session_results = (ryw, mr)
    return a.session_results


def _after(
    got: _Seen, lst: list[int], observed: list[Any], key: str, writer: Callable[[int], bool], i: int
) -> dict[int, int] | None:
    """The state after response ``i`` observed ``lst``, from the state of the session's last response."""
    last, state = got.idx[-1], got.state[-1]
    if state is None:
        state = {x: last for x in observed[last][key] if writer(x)}
    if all(x in lst for x in state):
        return None
    out = dict(state)
    for x in lst:
        if x not in out and writer(x):
            out[x] = i
    return out


def _monotonic(
    a: Analysis, got: _Seen, p: int, i: int, key: str, lst: list[int], mr: list[Violation]
) -> None:
    """Response ``i`` against what the session's first ``p`` responses on ``key`` saw of committed writes."""
    h = a.h
    txs, txids, observed = h.tx, h.txid, h.observed
    j, state = got.idx[p - 1], got.state[p - 1]
    if state is None:
        prior = observed[j][key]  # type: ignore[index]
        miss = next((x for x in prior if x not in lst and a.committed_writer(x)), None)
    else:
        miss = next((x for x in state if x not in lst), None)
        if miss is not None:
            j = state[miss]
    if miss is not None:
        what = f"committed write {miss}, which request {txs[j]} ({txid_str(txids[j])}) before it observed"
        mr.append(_missed(a, "MonotonicReads", j, i, key, what, f"before what {txs[j]} saw"))


def _own(a: Analysis, writes: list[int], i: int, key: str, lst: list[int], ryw: list[Violation]) -> None:
    """Response ``i`` against the session's committed writes of ``key`` answered before its request."""
    h = a.h
    txs, txids, tx = h.tx, h.txid, h.tx[i]
    have = set(lst) if len(writes) > 4 else lst
    for j in reversed(writes):
        if txs[j] != tx and txs[j] not in have:
            what = f"its own committed write {txs[j]} ({txid_str(txids[j])})"
            ryw.append(_missed(a, "ReadYourWrites", j, i, key, what, f"without {txs[j]}'s write"))
            return


def _missed(a: Analysis, prop: str, j: int, i: int, key: str, what: str, version: str) -> Violation:
    """Response ``i`` misses ``what`` that the session's earlier response ``j`` answered or observed."""
    h = a.h
    c, tx, t, ptx, pt = h.client[i], h.tx[i], h.txid[i], h.tx[j], h.txid[j]
    return Violation(
        prop,
        f"client {c!r}: request {tx} ({txid_str(t)}) misses {what} on key {key!r}",
        (a.ln(j), a.ln(i)), (ptx, tx), (pt, t),  # type: ignore[arg-type]
        (Edge(ptx, tx, "session", f"{ptx} responded before {tx}, same client"),
         Edge(tx, ptx, "rw", f"{tx} read a version {version}")),
        key,
    )  # fmt: skip


def read_your_writes(a: Analysis) -> list[Violation]:
    return _sessions(a)[0]


def monotonic_reads(a: Analysis) -> list[Violation]:
    return _sessions(a)[1]
