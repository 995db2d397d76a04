"""The tests' oracle: each property decided from its definition, naively, on small histories.

Pairwise scans instead of sweeps, and for serializability an exhaustive search over orders of the committed
read-write transactions (replaying list-append, writes the history does not show as committed allowed in
between). Exponential: fine for <= 8 transactions. It answers None where its definition needs another
property to hold (e.g. read serializability presumes a consistent chain of committed writes).
"""

from __future__ import annotations

from typing import Any

from pyccf.formats.history import SINGLE_KEY

RWQ, RWP, ROQ, ROP, ST = "RwTxRequest", "RwTxResponse", "RoTxRequest", "RoTxResponse", "TxStatusReceived"
REQ_OF = {RWP: RWQ, ROP: ROQ}


def _obs(e: dict[str, Any]) -> dict[str, list[int]]:
    o = e["observed"]
    return {SINGLE_KEY: o} if isinstance(o, list) else o


def _t(e: dict[str, Any]) -> tuple[int, int]:
    return (e["tx_id"][0], e["tx_id"][1])


def _writes(key: str, tx: int, lst: list[int]) -> bool:
    return key == SINGLE_KEY or tx in lst


def prefix(a: list[int], b: list[int]) -> bool:
    return len(a) <= len(b) and b[: len(a)] == a


class Oracle:
    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.ev = list(events)
        ev = self.ev
        self.resp = [i for i, e in enumerate(ev) if e["type"] in (RWP, ROP)]
        self.first_resp: dict[int, int] = {}
        for i in self.resp:
            self.first_resp.setdefault(ev[i]["tx"], i)
        self.first_req: dict[int, int] = {}
        for i, e in enumerate(ev):
            if e["type"] in (RWQ, ROQ):
                self.first_req.setdefault(e["tx"], i)
        self.txid = {tx: _t(ev[i]) for tx, i in self.first_resp.items() if ev[i]["type"] == RWP}
        self.statuses = [(i, _t(e), e["status"]) for i, e in enumerate(ev) if e["type"] == ST]

        self.commits = {u for _, u, s in self.statuses if s == "CommittedStatus"}
        while True:  # what committed read-write transactions observed is committed too
            more = {
                self.txid[x]
                for i in self.resp
                if self.ev[i]["type"] == RWP and self.committed(_t(self.ev[i]))
                for lst in _obs(self.ev[i]).values()
                for x in lst
                if x in self.txid and not self.committed(self.txid[x])
            }
            if not more:
                break
            self.commits |= more

    def committed(self, t: tuple[int, int]) -> bool:
        return any(u[0] == t[0] and u[1] >= t[1] for u in self.commits)

    def invalid(self, t: tuple[int, int]) -> bool:
        return any(
            s == "InvalidStatus" and u[0] == t[0] and u[1] <= t[1] and self._known(u)
            for _, u, s in self.statuses
        )

    # ------------------------------------------------------------ the properties

    def _last_request(self, i: int) -> int | None:
        """The latest request of response ``i``'s id and kind (what answered before it is before it)."""
        e = self.ev[i]
        found = [j for j, f in enumerate(self.ev) if f["type"] == REQ_OF[e["type"]] and f["tx"] == e["tx"]]
        return max(found, default=None)

    def response_follows_request(self) -> bool:
        ev = self.ev
        return all(
            any(ev[j]["type"] == REQ_OF[ev[i]["type"]] and ev[j]["tx"] == ev[i]["tx"]
                and ev[j]["client"] == ev[i]["client"] for j in range(i))
            for i in self.resp
        )  # fmt: skip

    def unique_requests(self) -> bool:
        reqs = [e["tx"] for e in self.ev if e["type"] in (RWQ, ROQ)]
        return len(reqs) == len(set(reqs))

    def unique_tx_ids(self) -> bool:
        ev = self.ev
        return all(_t(ev[i]) == _t(ev[self.first_resp[ev[i]["tx"]]]) for i in self.resp)

    def unique_txs(self) -> bool:
        ev = self.ev
        rw = [i for i in self.resp if ev[i]["type"] == RWP]
        return all(ev[i]["tx"] == ev[j]["tx"] for i in rw for j in rw if _t(ev[i]) == _t(ev[j]))

    def _known(self, u: tuple[int, int]) -> bool:
        """The history shows an entry of ``u``'s view at or below it (a response, or a Committed)."""
        known = [_t(self.ev[i]) for i in self.resp]
        known += [t for _, t, s in self.statuses if s == "CommittedStatus"]
        return any(k[0] == u[0] and k[1] <= u[1] for k in known)

    def status_lattice(self) -> bool:
        for _, t, s in self.statuses:
            for _, u, r in self.statuses:
                if (
                    s == "CommittedStatus" and r == "InvalidStatus" and u[0] == t[0] and u[1] <= t[1]
                    and self._known(u)
                ):  # fmt: skip
                    return False
                if s == r == "CommittedStatus" and u[0] < t[0] and u[1] >= t[1]:
                    return False
        return True

    def only_observe_requested(self) -> bool:
        ev = self.ev
        for i in self.resp:
            for lst in _obs(ev[i]).values():
                if len(set(lst)) != len(lst):
                    return False
                for x in lst:
                    if not any(e["type"] == RWQ and e["tx"] == x for e in ev[:i]):
                        return False
        return True

    def invalid_not_observed_by_committed(self) -> bool:
        ev = self.ev
        for i in self.resp:
            if self.committed(_t(ev[i])):
                for lst in _obs(ev[i]).values():
                    if any(x in self.txid and self.invalid(self.txid[x]) for x in lst):
                        return False
        return True

    def _committed_rw(self) -> list[int]:
        return [i for i in self.resp if self.ev[i]["type"] == RWP and self.committed(_t(self.ev[i]))]

    def committed_rw_serializable(self) -> bool | None:
        if not (self.unique_txs() and self.unique_tx_ids()):
            return None
        ev = self.ev
        entries = self._committed_rw()
        placed_txs = {ev[i]["tx"] for i in entries}

        def step(i: int, state: dict[str, tuple[list[int], tuple[int, int]]], done: set[int]) -> Any:
            e, tx, t = ev[i], ev[i]["tx"], _t(ev[i])
            new = dict(state)
            for key, lst in _obs(e).items():
                cur, last = state.get(key, ([], (-1, -1)))
                if not prefix(cur, lst):
                    return None
                extra = lst[len(cur) :]
                w = _writes(key, tx, lst)
                if w and (not lst or lst[-1] != tx):
                    return None
                for x in extra:
                    if x in placed_txs and x not in done and x != tx:
                        return None
                    own = _obs(ev[self.first_resp[x]]).get(key) if x in self.txid else None
                    if x != tx and own is not None and x not in own:
                        return None
                    u = self.txid.get(x)
                    if u is None:
                        continue
                    if u <= last or u > t or (u == t and x != tx):
                        return None
                    last = u
                new[key] = (lst, last)
            return new

        def search(left: list[int], state: dict[str, Any], done: set[int]) -> bool:
            if not left:
                return True
            low = min(_t(ev[i]) for i in left)
            for i in left:
                if _t(ev[i]) != low:
                    continue
                nxt = step(i, state, done)
                if nxt is not None and search([j for j in left if j != i], nxt, done | {ev[i]["tx"]}):
                    return True
            return False

        return search(entries, {}, set())

    def committed_rw_real_time(self) -> bool:
        com = [tx for tx, t in self.txid.items() if self.committed(t)]
        for a in com:
            for b in com:
                if (
                    a != b
                    and b in self.first_req
                    and self.first_resp[a] < self.first_req[b]
                    and not self.txid[a] < self.txid[b]
                ):
                    return False
        return True

    def committed_ro_serializable(self) -> bool | None:
        if not self.committed_rw_serializable():
            return None
        ev = self.ev
        chain = self._committed_rw()
        for i in self.resp:
            e = ev[i]
            if e["type"] != ROP or not self.committed(_t(e)):
                continue
            t = _t(e)
            for key, lst in _obs(e).items():
                last = (-1, -1)
                for j in chain:
                    o = _obs(ev[j]).get(key)
                    if o is None:
                        continue
                    if _t(ev[j]) <= t:
                        if not prefix(o, lst):
                            return False
                    else:
                        top = o[:-1] if _writes(key, ev[j]["tx"], o) else o
                        if not prefix(lst, top):
                            return False
                for x in lst:
                    u = self.txid.get(x)
                    if u is None:
                        continue
                    own = _obs(ev[self.first_resp[x]]).get(key)
                    if u <= last or u > t or (own is not None and x not in own):
                        return False
                    last = u
        return True

    def _writer(self, x: int) -> bool:
        """``x`` has a read-write response with a committed TxID."""
        return any(self.ev[j]["type"] == RWP and self.ev[j]["tx"] == x for j in self._committed_rw())

    def _session(self, writes: bool) -> bool:
        """Every pair of the session's responses, ``f`` answered before ``e``'s (latest) request."""
        ev = self.ev
        for i in self.resp:
            e = ev[i]
            q = self._last_request(i)
            if q is None:
                continue
            for key, lst in _obs(e).items():
                for j in self.resp:
                    f = ev[j]
                    o = _obs(f).get(key)
                    if j >= q or f["client"] != e["client"] or o is None:
                        continue
                    if writes:
                        committed = f["type"] == RWP and self.committed(_t(f))
                        mine = committed and _writes(key, f["tx"], o) and f["tx"] != e["tx"]
                        if mine and f["tx"] not in lst:
                            return False
                    elif any(x not in lst and self._writer(x) for x in o):
                        return False
        return True

    def read_your_writes(self) -> bool:
        return self._session(True)

    def monotonic_reads(self) -> bool:
        return self._session(False)

    def ro_linearizable(self) -> bool | None:
        if not self.committed_rw_serializable() or not self.committed_ro_serializable():
            return None
        ev = self.ev
        writers = [j for j in self._committed_rw() if self.first_resp[ev[j]["tx"]] == j]
        for i in self.resp:
            e = ev[i]
            if e["type"] != ROP or not self.committed(_t(e)):
                continue
            q = self.first_req.get(e["tx"], i)
            for key, lst in _obs(e).items():
                for j in writers:
                    o = _obs(ev[j]).get(key)
                    if o is not None and _writes(key, ev[j]["tx"], o) and j < q and ev[j]["tx"] not in lst:
                        return False
        return True

    def verdicts(self) -> dict[str, bool | None]:
        """Property name -> holds (None where this oracle does not define it: the properties that
        name a transaction's request need every response to have exactly one)."""
        out = {
            "ResponseFollowsRequest": self.response_follows_request(),
            "UniqueRequests": self.unique_requests(),
            "UniqueTxIds": self.unique_tx_ids(),
            "UniqueTxs": self.unique_txs(),
            "StatusLattice": self.status_lattice(),
            "OnlyObserveRequested": self.only_observe_requested(),
            "InvalidNotObservedByCommitted": self.invalid_not_observed_by_committed(),
            "CommittedRwSerializable": self.committed_rw_serializable(),
            "CommittedRwRealTime": self.committed_rw_real_time(),
            "CommittedRoSerializable": self.committed_ro_serializable(),
            "ReadYourWrites": self.read_your_writes(),
            "MonotonicReads": self.monotonic_reads(),
            "RoLinearizable": self.ro_linearizable(),
        }
        if not (out["ResponseFollowsRequest"] and out["UniqueRequests"] and out["UniqueTxIds"]):
            for name in ("CommittedRwRealTime", "ReadYourWrites", "MonotonicReads", "RoLinearizable"):
                out[name] = None
        return out
