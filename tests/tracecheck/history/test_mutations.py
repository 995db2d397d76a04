"""Generated histories pass; their single-field mutations are rejected or explained as equivalent.

An explanation says why a mutant is still a history CCF could produce; the list of them is small and
named, and every surviving mutant must match one (with the generator's ground truth where needed).
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from tests.tracecheck.history.mutations import mutate
from tracecheck.errors import BadInput
from tracecheck.history import check_history, from_events
from tracecheck.history.check import analyse
from tracecheck.history.generate import GenConfig, generate_with_truth

FINAL = {"CommittedStatus": "committed", "InvalidStatus": "invalid"}

#: Why a surviving mutant is equivalent: a history CCF could produce as well.
EXPLANATIONS = {
    "noop": "the mutation changed nothing (e.g. an empty list had nothing to drop)",
    "lost-response": "a dropped response: CCF promises no delivery, the client gave up",
    "dropped-status": "a dropped status event: the client did not poll",
    "unanswered-request": "a dropped request that has no response and whose write nobody observed",
    "uninformative-status": "Pending or Unknown constrain nothing; a status event's client is no session",
    "status-matches-truth": "a status changed to the TxID's true fate, or to one it may still have",
    "status-position": "a status event moved: what a TxID's status is does not depend on when it is asked",
    "concurrent-reorder": "two events of different sessions swapped without ordering a response before a "
    "committed request it did not precede, or after a committed request it preceded with a smaller TxID",
    "session-overlap": "a session's next request moved before its previous response (a pipelined client)",
    "status-unrefuted": "a Committed or Invalid the history holds no evidence against (no commit at or "
    "above an Invalid in its view; no Invalid below a Committed)",
    "txid-order-preserved": "a TxID moved (e.g. into a signature's seqno) without passing another "
    "committed transaction of the keys it touches, nor a read's place among them",
    "response-reassigned": "a read's response now answers another unanswered read of the session, "
    "sent earlier (a wider real-time window)",
    "txid-relabel-across-views": "a TxID moved to the same seqno of another view: the events show no "
    "transaction of that view on its keys to order it against (a residual the TxIDs cannot refute)",
    "uncommitted-response": "a speculative response whose TxID is not committed promises nothing more than "
    "its session's guarantees, which still hold",
    "uncommitted-write-dropped": "a write no committed response observes (its TxID not committed) dropped "
    "from a list: a session owes only committed writes it saw (MonotonicReads, set inclusion); what "
    "speculative responses show is promised nothing",
    "unseen-write": "an id whose write has no response (its TxID unknown) added or dropped where its "
    "TxID could be later",
}


def _txid(e: dict[str, Any]) -> tuple[int, int]:
    return (e["tx_id"][0], e["tx_id"][1])


def _flat(o: Any) -> list[int]:
    return o if isinstance(o, list) else [x for v in o.values() for x in v]


def _explain(orig: list[dict], mut: list[dict], what: str, truth: dict) -> str | None:
    op, *rest = what.split()
    if op == "noop" or orig == mut:
        return "noop"
    if op == "drop":
        e = orig[int(rest[0]) - 1]
        if e["type"] in ("RwTxResponse", "RoTxResponse"):
            return "lost-response"
        if e["type"] == "TxStatusReceived":
            return "dropped-status"
        return "unanswered-request" if _unanswered(orig, e["tx"]) else None
    if op in ("swap", "swap_far"):
        i, j = sorted(int(x) - 1 for x in rest[0].split("<->"))
        x, y = orig[i], orig[j]
        if "TxStatusReceived" in (x["type"], y["type"]):
            return "status-position"
        if x.get("client") != y.get("client"):
            return "concurrent-reorder"
        if y["type"].endswith("Request") and (x["type"].endswith("Response") or _no_response(orig, x["tx"])):
            return "session-overlap"
        return None
    i = int(rest[1] if op == "observed" else rest[0]) - 1
    e, m = orig[i], mut[i]
    if e["type"] == "TxStatusReceived" and op in ("status", "tx_id", "client"):
        if op == "client" or m["status"] in ("PendingStatus", "UnknownStatus"):
            return "uninformative-status"
        fate = truth.get(_txid(m), "undecided")
        if fate in (FINAL[m["status"]], "undecided"):
            return "status-matches-truth"
        if m["status"] == "InvalidStatus" and not _committed_at_or_above(mut, _txid(m)):
            return "status-unrefuted"
        if m["status"] == "CommittedStatus" and _unrefuted_commit(mut, _txid(m)):
            return "status-unrefuted"
        return None
    if op == "client" and e["type"].endswith("Request") and _no_response(orig, e["tx"]):
        return "unanswered-request"
    unanswered = e["type"].endswith("Request") and _unanswered(orig, e["tx"])
    if op in ("type", "tx") and unanswered and (op != "tx" or _unanswered(orig, m["tx"])):
        return "unanswered-request"
    if (
        op == "tx"
        and m["type"] == "RoTxResponse"
        and any(
            f["type"] == "RoTxRequest" and f["tx"] == m["tx"] and f["client"] == m["client"] for f in orig
        )
    ):
        return "response-reassigned"
    moved = bool(op == "tx_id" and _txid(e)[1] == _txid(m)[1] and _txid(e)[0] != _txid(m)[0])
    if op in ("tx", "tx_id", "observed") and "tx_id" in m:
        a = analyse(from_events(mut))
        if not a.committed(_txid(m)):
            return "uncommitted-response"
        if op == "tx_id" and _same_orders(orig, mut):
            return "txid-order-preserved"
        if op == "tx_id" and m["type"] == "RoTxResponse" and _state_at(a, _txid(m), m["observed"]):
            return "txid-order-preserved"
        if moved:
            return "txid-relabel-across-views"
        if op == "observed":
            answered = {f["tx"] for f in orig if f["type"] == "RwTxResponse"}
            diff = set(_flat(e["observed"])) ^ set(_flat(m["observed"]))
            if diff and not diff & answered:
                return "unseen-write"
            if diff and set(_flat(m["observed"])) < set(_flat(e["observed"])) and _uncommitted(mut, diff, a):
                return "uncommitted-write-dropped"
            key = rest[2] if len(rest) > 2 else None
            if key is not None:
                diff = set(e["observed"][key]) ^ set(m["observed"][key])
                if len(diff) == 1 and _write_unseen(orig, e, key, diff.pop(), a):
                    return "unseen-write"
    return None


def _uncommitted(events: list[dict], ids: set[int], a: Any) -> bool:
    """No id of ``ids`` has a committed TxID or is observed by a committed response."""
    if any(a.committed(a.txid_of.get(x)) for x in ids):
        return False
    return not any(
        "observed" in f and a.committed(_txid(f)) and ids & set(_flat(f["observed"])) for f in events
    )


def _no_response(events: list[dict], tx: int) -> bool:
    return not any(f.get("tx") == tx and "tx_id" in f for f in events)


def _write_unseen(events: list[dict], e: dict, key: str, x: int, a: Any) -> bool:
    """No committed response but ``e`` shows ``x`` on ``key``, and ``x``'s own response does not list
    ``key`` (what speculative responses show is promised nothing)."""
    for f in events:
        o = f.get("observed")
        if f is e or not isinstance(o, dict) or key not in o or not a.committed(_txid(f)):
            continue
        if x in o[key] or (f["tx"] == x and f["type"] == "RwTxResponse" and x != e["tx"]):
            return False
    return True


def _state_at(a: Any, t: tuple[int, int], observed: Any) -> bool:
    """``observed`` is exactly the committed lists at ``t`` (the read names the same state)."""
    obs = {"": observed} if isinstance(observed, list) else observed
    for key, lst in obs.items():
        below = [e for e in a.chains.get(key, []) if e.txid <= t]
        base = below[-1].lst if below else []
        if lst[: len(base)] != base or any(x in a.txid_of for x in lst[len(base) :]):
            return False  # not that state, or one plus writes of known TxIDs
        above = [e for e in a.chains.get(key, []) if e.txid > t]
        if above and above[0].lst[: len(lst)] != lst:
            return False
    return True


def _same_orders(orig: list[dict], mut: list[dict]) -> bool:
    """The same committed writes, and every key's committed chain (and the place in it of each read
    committed in both) in the same order: a TxID moved without passing another."""

    def orders(events: list[dict]) -> Any:
        a = analyse(from_events(events))
        chains = {k: [e.tx for e in c] for k, c in a.chains.items()}
        reads = {}
        for f in events:
            if f["type"] == "RoTxResponse" and a.committed(_txid(f)):
                t = _txid(f)
                keys = f["observed"] if isinstance(f["observed"], dict) else {"": 0}
                reads[f["tx"]] = {k: sum(e.txid <= t for e in a.chains.get(k, [])) for k in keys}
        return chains, reads

    (chains, reads), (mchains, mreads) = orders(orig), orders(mut)
    # a read that only one of them knows committed (the moved TxID committed its view further) has no
    # place to compare; the checker has judged it in the mutant
    both = reads.keys() & mreads.keys()
    return chains == mchains and all(reads[r] == mreads[r] for r in both)


def _unanswered(events: list[dict], tx: int) -> bool:
    answered = any(f.get("tx") == tx and "tx_id" in f for f in events)
    return not answered and not any(tx in _flat(f["observed"]) for f in events if "observed" in f)


def _committed_at_or_above(events: list[dict], t: tuple[int, int]) -> bool:
    a = analyse(from_events(events))
    return a.committed_upto.get(t[0], -1) >= t[1]


def _unrefuted_commit(events: list[dict], t: tuple[int, int]) -> bool:
    """No Invalid at or below ``t`` in its view."""
    return not any(
        f["type"] == "TxStatusReceived" and f["status"] == "InvalidStatus"
        and _txid(f)[0] == t[0] and _txid(f)[1] <= t[1]
        for f in events
    )  # fmt: skip


def _run(seeds: range, cfg_of: Any, per_history: int) -> tuple[int, Counter, list]:
    explained: Counter = Counter()
    unexplained = []
    count = 0
    for seed in seeds:
        cfg = cfg_of(seed)
        events, truth = generate_with_truth(seed, cfg)
        report = check_history(from_events(events))
        assert report.ok, (seed, [v.describe() for v in report.failing()])
        rng = random.Random(seed)
        for _ in range(per_history):
            mut, what = mutate(events, rng)
            count += 1
            try:
                ok = check_history(from_events(mut)).ok
            except BadInput:
                continue
            if not ok:
                continue
            why = _explain(events, mut, what, truth)
            if why is None:
                unexplained.append((seed, what))
            else:
                explained[why] += 1
    return count, explained, unexplained


@pytest.mark.parametrize("keys", [1, 4])
def test_mutations_are_rejected_or_explained(keys: int) -> None:
    def cfg(seed: int) -> GenConfig:
        r = random.Random(seed)
        return GenConfig(events=r.randint(30, 80), clients=r.choice((2, 3, 4)), keys=keys,
                         elections=r.choice((1, 2, 3)), signature_every=r.choice((1, 2, 3)))  # fmt: skip

    count, explained, unexplained = _run(range(100), cfg, 60)
    assert count >= 5000
    assert not unexplained, unexplained[:20]
    assert set(explained) <= set(EXPLANATIONS)
    # Most mutants are caught: the equivalent ones stay a minority.
    assert sum(explained.values()) < count * 0.6, explained
