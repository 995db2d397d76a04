"""Seeded mutations of client histories (a field changed; events swapped, dropped or duplicated).

Each mutation is named by its kind, so a comparison can say which kinds the two checkers judge
differently. Most keep every field well-typed (the history stays readable and is judged per property);
the ``bad-`` kinds break the input format, which both readers must refuse.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

from pyccf.formats.history import REQUESTS, RESPONSES, EventType, Field, HistoryStatus

Event = dict[str, Any]
History = list[Event]

_RW = {EventType.RW_REQUEST.value, EventType.RW_RESPONSE.value}
_REQ = {t.value for t in REQUESTS}
_RESP = {t.value for t in RESPONSES}
_FLIP = {
    EventType.RW_REQUEST.value: EventType.RO_REQUEST.value,
    EventType.RO_REQUEST.value: EventType.RW_REQUEST.value,
    EventType.RW_RESPONSE.value: EventType.RO_RESPONSE.value,
    EventType.RO_RESPONSE.value: EventType.RW_RESPONSE.value,
}


def _pick(rng: random.Random, h: History, pred: Callable[[Event], bool]) -> Event | None:
    found = [e for e in h if pred(e)]
    return rng.choice(found) if found else None


def _txs(h: History) -> list[int]:
    return sorted({e[Field.TX.value] for e in h if Field.TX.value in e}) or [0]


def _tx(rng: random.Random, h: History) -> bool:
    e = _pick(rng, h, lambda e: Field.TX.value in e)
    if e is None:
        return False
    e[Field.TX.value] = rng.choice([x for x in [*_txs(h), max(_txs(h)) + 1] if x != e[Field.TX.value]] or [0])
    return True


def _tx_id(rng: random.Random, h: History) -> bool:
    e = _pick(rng, h, lambda e: Field.TX_ID.value in e)
    if e is None:
        return False
    view, seqno = e[Field.TX_ID.value]
    if rng.random() < 0.5:
        view = max(1, view + rng.choice((-1, 1)))
    else:
        seqno = max(1, seqno + rng.choice((-2, -1, 1, 2)))
    changed = [view, seqno] != e[Field.TX_ID.value]
    e[Field.TX_ID.value] = [view, seqno]
    return changed


def _status(rng: random.Random, h: History) -> bool:
    e = _pick(rng, h, lambda e: e[Field.TYPE.value] == EventType.STATUS.value)
    if e is None:
        return False
    e[Field.STATUS.value] = rng.choice([s.value for s in HistoryStatus if s.value != e[Field.STATUS.value]])
    return True


def _client(rng: random.Random, h: History) -> bool:
    clients = sorted({e[Field.CLIENT.value] for e in h})
    e = rng.choice(h)
    others = [c for c in clients if c != e[Field.CLIENT.value]]
    if not others:
        return False
    e[Field.CLIENT.value] = rng.choice(others)
    return True


def _observed(rng: random.Random, h: History) -> bool:
    e = _pick(rng, h, lambda e: e[Field.TYPE.value] in _RESP)
    if e is None:
        return False
    obs = list(e[Field.OBSERVED.value])
    how = rng.randrange(6)
    if how == 0 and obs:
        del obs[rng.randrange(len(obs))]
    elif how == 1:
        obs.insert(rng.randrange(len(obs) + 1), rng.choice([*_txs(h), max(_txs(h)) + 1]))
    elif how == 2 and len(obs) >= 2:
        i, j = rng.sample(range(len(obs)), 2)
        obs[i], obs[j] = obs[j], obs[i]
    elif how == 3 and obs:
        k = rng.randrange(len(obs))
        obs.insert(k, obs[k])
    elif how == 4 and obs:
        obs = obs[: rng.randrange(len(obs))]
    elif how == 5 and obs:
        obs[rng.randrange(len(obs))] = rng.choice(_txs(h))
    changed = obs != e[Field.OBSERVED.value]
    e[Field.OBSERVED.value] = obs
    return changed


def _kind(rng: random.Random, h: History) -> bool:
    """Read-write <-> read-only, keeping the other fields (a response may then lack its request)."""
    e = _pick(rng, h, lambda e: e[Field.TYPE.value] in _FLIP)
    if e is None:
        return False
    e[Field.TYPE.value] = _FLIP[e[Field.TYPE.value]]
    return True


def _swap_adjacent(rng: random.Random, h: History) -> bool:
    if len(h) < 2:
        return False
    i = rng.randrange(len(h) - 1)
    h[i], h[i + 1] = h[i + 1], h[i]
    return h[i] != h[i + 1]


def _swap(rng: random.Random, h: History) -> bool:
    if len(h) < 2:
        return False
    i, j = rng.sample(range(len(h)), 2)
    h[i], h[j] = h[j], h[i]
    return h[i] != h[j]


def _drop(rng: random.Random, h: History) -> bool:
    if len(h) < 2:
        return False
    del h[rng.randrange(len(h))]
    return True


def _duplicate(rng: random.Random, h: History) -> bool:
    i = rng.randrange(len(h))
    h.insert(rng.randrange(i, len(h) + 1) + 1 if rng.random() < 0.5 else i + 1, copy.deepcopy(h[i]))
    return True


# Input-format breakers: both readers must refuse these.
def _bad_type(rng: random.Random, h: History) -> bool:
    rng.choice(h)[Field.TYPE.value] = "TxExecuted"
    return True


def _bad_status(rng: random.Random, h: History) -> bool:
    e = _pick(rng, h, lambda e: e[Field.TYPE.value] == EventType.STATUS.value)
    if e is None:
        return False
    e[Field.STATUS.value] = "Committed"
    return True


def _bad_tx_id(rng: random.Random, h: History) -> bool:
    e = _pick(rng, h, lambda e: Field.TX_ID.value in e)
    if e is None:
        return False
    e[Field.TX_ID.value] = rng.choice([e[Field.TX_ID.value][:1], "2.3", [2, -1], [2, 3, 4]])
    return True


def _bad_observed(rng: random.Random, h: History) -> bool:
    e = _pick(rng, h, lambda e: e[Field.TYPE.value] in _RESP)
    if e is None:
        return False
    e[Field.OBSERVED.value] = rng.choice([None, "0,1", [0, "1"], [-1]])
    return True


def _bad_missing(rng: random.Random, h: History) -> bool:
    """A required field removed (a request's or response's client, tx, tx_id, observed; a status's status)."""
    e = rng.choice(h)
    kind = e[Field.TYPE.value]
    if kind == EventType.STATUS.value:
        fields = [Field.TX_ID.value, Field.STATUS.value]
    elif kind in _REQ:
        fields = [Field.TX.value, Field.CLIENT.value]
    else:
        fields = [Field.TX.value, Field.CLIENT.value, Field.TX_ID.value, Field.OBSERVED.value]
    del e[rng.choice(fields)]
    return True


def _zero_tx_id(rng: random.Random, h: History) -> bool:
    """A TxID with view or seqno 0 (well-typed naturals; CCF numbers both from 1)."""
    e = _pick(rng, h, lambda e: Field.TX_ID.value in e)
    if e is None:
        return False
    e[Field.TX_ID.value] = rng.choice([[0, e[Field.TX_ID.value][1]], [e[Field.TX_ID.value][0], 0]])
    return True


def _status_without_client(rng: random.Random, h: History) -> bool:
    """A status event without ``client`` (CCF's own traces have none)."""
    e = _pick(rng, h, lambda e: e[Field.TYPE.value] == EventType.STATUS.value)
    if e is None:
        return False
    del e[Field.CLIENT.value]
    return True


#: Kind -> (mutation, weight). The weights favour the readable kinds: they are what is compared.
MUTATIONS: dict[str, tuple[Callable[[random.Random, History], bool], int]] = {
    "field-tx": (_tx, 10),
    "field-tx_id": (_tx_id, 14),
    "field-status": (_status, 12),
    "field-client": (_client, 8),
    "field-observed": (_observed, 16),
    "field-type": (_kind, 6),
    "swap-adjacent": (_swap_adjacent, 10),
    "swap": (_swap, 6),
    "drop": (_drop, 8),
    "duplicate": (_duplicate, 6),
    "bad-type": (_bad_type, 1),
    "bad-status": (_bad_status, 1),
    "bad-tx_id": (_bad_tx_id, 1),
    "bad-observed": (_bad_observed, 1),
    "bad-missing": (_bad_missing, 1),
    "zero-tx_id": (_zero_tx_id, 1),
    "status-without-client": (_status_without_client, 1),
}
#: Kinds whose result the two readers are known to judge differently as input (see docs/consistency-spec.md):
#: the Python checker accepts TxIDs with a 0 and status events without a client; the spec's reader does not.
READER_DIFFERENCES = frozenset({"zero-tx_id", "status-without-client"})


def mutate(history: History, rng: random.Random) -> tuple[History, str]:
    """A copy of ``history`` with one mutation that changed it, and the mutation's kind."""
    kinds = list(MUTATIONS)
    weights = [MUTATIONS[k][1] for k in kinds]
    while True:
        kind = rng.choices(kinds, weights)[0]
        out = copy.deepcopy(history)
        if MUTATIONS[kind][0](rng, out) and out != history:
            return out, kind


def mutants(histories: list[History], count: int, seed: int) -> list[tuple[History, str]]:
    """``count`` mutants, round robin over ``histories`` (one or two mutations each, seeded)."""
    rng = random.Random(seed)
    out = []
    for k in range(count):
        mutant, kind = mutate(histories[k % len(histories)], rng)
        if rng.random() < 0.25 and not kind.startswith("bad-") and kind not in READER_DIFFERENCES:
            again, second = mutate(mutant, rng)
            if not second.startswith("bad-") and second not in READER_DIFFERENCES:
                mutant, kind = again, f"{kind}+{second}" if second != kind else kind
        out.append((mutant, kind))
    return out
