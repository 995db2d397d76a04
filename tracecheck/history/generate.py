"""A seeded generator of valid CCF-like client histories, for the checker's tests and benchmark.

A small model of CCF as its clients see it: one primary per view appending read-write transactions
(list-append on its keys) and signatures (the seqno gaps) to its ledger branch; commit advancing to a
signature; elections keeping a signed prefix at or past the commit point, so the rest is rolled back and
its seqnos are reused in the new view; the deposed primary serving reads from its old branch for a while
(to sessions that have seen nothing newer, as a node serves a session only if its log holds the session's
last TxID);
sequential clients, concurrent with each other, whose responses arrive late (or never); status polling
answered from the true state (Pending or Unknown while a lagging node cannot say). Everything a client
records is what CCF guarantees, so a correct checker accepts every history this makes.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyccf.formats.history import SINGLE_KEY, EventType, Field, HistoryStatus

_RW_REQ, _RW_RESP = EventType.RW_REQUEST.value, EventType.RW_RESPONSE.value
_RO_REQ, _RO_RESP = EventType.RO_REQUEST.value, EventType.RO_RESPONSE.value
_STATUS = EventType.STATUS.value
_T, _TX, _TXID, _ST, _C, _OBS = (f.value for f in (Field.TYPE, Field.TX, Field.TX_ID, Field.STATUS,
                                                   Field.CLIENT, Field.OBSERVED))  # fmt: skip


@dataclass
class GenConfig:
    events: int = 200
    clients: int = 4
    keys: int = 1  # 1: one key, ``observed`` as a plain list (CCF's model)
    #: Retire a key once it holds this many appends, a fresh one taking its place (0: never). As in
    #: Elle's list-append workloads, it keeps lists short, so a history's size grows linearly.
    key_appends: int = 0
    elections: int = 2
    signature_every: int = 3  # about one signature per this many transactions
    ro_share: float = 0.4
    status_share: float = 0.3
    deposed_reads: int = 12  # reads the deposed primary may serve after an election
    lose_response: float = 0.05


@dataclass
class _Client:
    name: str
    busy: int | None = None  # the outstanding request id
    last: tuple[int, int] = (0, 0)  # the largest TxID the session has seen: only a node holding it serves it
    unsettled: list[tuple[int, int]] = field(default_factory=list)  # own TxIDs not yet Committed/Invalid


class _Model:
    """The true state: the primary's branch, per-key lists, the commit point, a deposed primary."""

    def __init__(self, cfg: GenConfig, rng: random.Random) -> None:
        self.cfg, self.rng = cfg, rng
        self.view = 2
        self.ledger: list[tuple[int, int, int | None, tuple[str, ...]]] = []  # (view, seqno, tx, keys)
        self.lists: dict[str, list[int]] = {}
        self.commit = 0  # ledger positions 1..commit are committed
        self.since_sig = 0
        self.deposed: tuple[tuple[int, int], dict[str, list[int]], int] | None = (
            None  # txid, lists, reads left
        )
        self.history: dict[tuple[int, int], bool] = {}  # every TxID ever assigned -> still on the branch
        self.sign()  # the service's genesis entry, committed: no TxID has seqno 0, not even a first read's
        self.commit = 1

    def last_txid(self) -> tuple[int, int]:
        return self.ledger[-1][:2] if self.ledger else (self.view, 0)

    def append(self, tx: int | None, keys: tuple[str, ...]) -> tuple[int, int]:
        t = (self.view, len(self.ledger) + 1)
        self.ledger.append((t[0], t[1], tx, keys))
        self.history[t] = True
        if tx is not None:
            for k in keys:
                self.lists.setdefault(k, []).append(tx)
        return t

    def execute(self, tx: int, keys: tuple[str, ...]) -> tuple[int, int]:
        t = self.append(tx, keys)
        self.since_sig += 1
        if self.since_sig >= self.cfg.signature_every and self.rng.random() < 0.7:
            self.sign()
        return t

    def sign(self) -> None:
        self.append(None, ())
        self.since_sig = 0

    def advance_commit(self) -> None:
        sigs = [i for i in range(self.commit, len(self.ledger)) if self.ledger[i][2] is None]
        if sigs:
            self.commit = self.rng.choice(sigs) + 1

    def elect(self) -> None:
        """A new view keeps a signed prefix at or past the commit point; the rest is rolled back."""
        if self.rng.random() < 0.5:  # the old primary signed its tip, which the new view keeps (CCF's
            self.sign()  # documented stale read then answers with a TxID that commits)
            p = len(self.ledger)
        else:
            keep = [self.commit]
            keep += [i + 1 for i in range(self.commit, len(self.ledger)) if self.ledger[i][2] is None]
            p = self.rng.choice(keep)
        old = {k: list(v) for k, v in self.lists.items()}
        self.deposed = (self.last_txid(), old, self.cfg.deposed_reads)
        for v, s, tx, keys in reversed(self.ledger[p:]):
            self.history[(v, s)] = False
            for k in keys:
                popped = self.lists[k].pop()
                assert popped == tx
        del self.ledger[p:]
        self.view += 1
        self.since_sig = 0
        self.sign()  # the new primary's first entry

    def status(self, t: tuple[int, int]) -> str:
        """CCF's decision table on the true state; a lagging node may not know yet."""
        v, s = t
        on_branch = s <= len(self.ledger) and self.ledger[s - 1][:2] == t
        if on_branch and s <= self.commit:
            final = HistoryStatus.COMMITTED.value
        elif on_branch:
            return HistoryStatus.PENDING.value
        elif s <= self.commit or (self.commit and self.ledger[self.commit - 1][0] > v):
            final = HistoryStatus.INVALID.value
        else:
            return HistoryStatus.UNKNOWN.value
        if self.rng.random() < 0.2:
            return HistoryStatus.PENDING.value if on_branch else HistoryStatus.UNKNOWN.value
        return final


def generate(seed: int, cfg: GenConfig | None = None) -> list[dict[str, Any]]:
    """A valid history of about ``cfg.events`` events (decoded), the same for the same seed."""
    return generate_with_truth(seed, cfg)[0]


def generate_with_truth(
    seed: int, cfg: GenConfig | None = None
) -> tuple[list[dict[str, Any]], dict[tuple[int, int], str]]:
    """The history and, for every TxID assigned, its fate at the end: ``committed``, ``invalid`` (rolled
    back: it can never commit) or ``undecided`` (on the branch, not committed yet)."""
    cfg = cfg or GenConfig()
    rng = random.Random(seed)
    m = _Model(cfg, rng)
    keys = [SINGLE_KEY] if cfg.keys == 1 else [f"k{i}" for i in range(cfg.keys)]
    slot = {k: i for i, k in enumerate(keys)}
    fresh = len(keys)
    clients = [_Client(f"c{i}") for i in range(cfg.clients)]
    out: list[dict[str, Any]] = []
    # A request in flight: request id -> (client, kind, TxID or None, observed or None, keys)
    flight: dict[int, list[Any]] = {}
    lo = cfg.events // 10
    elect_at = sorted(rng.sample(range(lo, max(cfg.events, lo + cfg.elections + 1)), cfg.elections))
    next_tx = 0

    def observed(lists: dict[str, list[int]], ks: tuple[str, ...]) -> Any:
        if cfg.keys == 1:
            return list(lists.get(SINGLE_KEY, ()))
        return {k: list(lists.get(k, ())) for k in ks}

    while len(out) < cfg.events:
        if elect_at and len(out) >= elect_at[0]:
            elect_at.pop(0)
            m.elect()
        r = rng.random()
        if r < 0.1:
            m.advance_commit()
            continue
        c = rng.choice(clients)
        if c.busy is not None:
            f = flight[c.busy]
            tx = c.busy
            if f[1] == _RW_REQ and f[2] is None:  # the primary executes it
                f[2] = m.execute(tx, f[4])
                for k in f[4] if cfg.key_appends and cfg.keys > 1 else ():
                    if len(m.lists[k]) >= cfg.key_appends and k in slot:
                        keys[slot[k]] = new = f"k{fresh}"
                        slot[new] = slot.pop(k)
                        fresh += 1
                f[3] = observed(m.lists, f[4])
                continue
            c.busy = None
            del flight[tx]
            if rng.random() < cfg.lose_response:
                continue  # the response is lost: the client gives up on it
            if f[1] == _RW_REQ:
                out.append({_T: _RW_RESP, _TX: tx, _TXID: list(f[2]), _C: c.name, _OBS: f[3]})
                c.unsettled.append(f[2])
                c.last = max(c.last, f[2])
            else:
                d = m.deposed
                # the deposed primary answers a session it can serve (its log holds what the session saw)
                if d is not None and d[2] > 0 and d[0] >= c.last and rng.random() < 0.9:
                    m.deposed = (d[0], d[1], d[2] - 1)
                    t, obs = d[0], observed(d[1], f[4])
                else:
                    t, obs = m.last_txid(), observed(m.lists, f[4])
                out.append({_T: _RO_RESP, _TX: tx, _TXID: list(t), _C: c.name, _OBS: obs})
                c.last = max(c.last, t)
                if t[1] > 1 and rng.random() < 0.3:  # a read of more than the genesis entry
                    c.unsettled.append(t)
            continue
        if c.unsettled and rng.random() < cfg.status_share:
            t = rng.choice(c.unsettled)
            st = m.status(t)
            out.append({_T: _STATUS, _TXID: list(t), _ST: st, _C: c.name})
            if st in (HistoryStatus.COMMITTED.value, HistoryStatus.INVALID.value):
                c.unsettled.remove(t)
            continue
        tx, next_tx = next_tx, next_tx + 1
        ks = tuple(rng.sample(keys, min(len(keys), rng.choice((1, 1, 2)))))
        kind = _RO_REQ if rng.random() < cfg.ro_share else _RW_REQ
        out.append({_T: kind, _TX: tx, _C: c.name})
        flight[tx] = [c.name, kind, None, None, ks]
        c.busy = tx
    truth = {}
    for t, alive in m.history.items():
        on = alive and t[1] <= len(m.ledger) and m.ledger[t[1] - 1][:2] == t
        truth[t] = ("committed" if t[1] <= m.commit else "undecided") if on else "invalid"
    return out, truth


def write_history(path: str | Path, events: list[dict[str, Any]]) -> None:
    with Path(path).open("w", encoding="utf-8") as f:
        for e in events:
            f.write(json.dumps(e, separators=(",", ":")))
            f.write("\n")
