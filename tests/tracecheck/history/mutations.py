"""Single-field mutations of a history: a field changed, two events swapped, or one event dropped."""

from __future__ import annotations

import copy
import random
from typing import Any

from pyccf.formats.history import EventType, HistoryStatus

TYPES = [t.value for t in EventType]
STATUSES = [s.value for s in HistoryStatus]


OPS = ["tx", "tx_id", "status", "client", "type", "observed", "observed", "swap", "swap_far", "drop"]


def _ids(events: list[dict[str, Any]]) -> list[int]:
    return sorted({e["tx"] for e in events if "tx" in e}) or [0]


def mutate(events: list[dict[str, Any]], rng: random.Random) -> tuple[list[dict[str, Any]], str]:
    """One random mutation of ``events`` (a new list) and what it did (never a no-op if one is found)."""
    for _ in range(20):
        ev, what = _mutate(events, rng)
        if what != "noop":
            return ev, what
    return ev, what


def _mutate(events: list[dict[str, Any]], rng: random.Random) -> tuple[list[dict[str, Any]], str]:
    ev = list(events)
    n = len(ev)
    i = rng.randrange(n)
    e = ev[i] = copy.deepcopy(ev[i])  # only the event a field of which may change
    op = rng.choice(OPS)
    if op == "swap" and n > 1:
        j = i + 1 if i + 1 < n else i - 1
        ev[i], ev[j] = ev[j], ev[i]
        return ev, f"swap {min(i, j) + 1}<->{max(i, j) + 1}"
    if op == "swap_far" and n > 1:
        j = rng.randrange(n)
        ev[i], ev[j] = ev[j], ev[i]
        return ev, f"swap_far {i + 1}<->{j + 1}"
    if op == "drop":
        del ev[i]
        return ev, f"drop {i + 1} ({e['type']})"
    if op == "tx" and "tx" in e:
        e["tx"] = rng.choice(_ids(events) + [max(_ids(events)) + 1])
        return ev, f"tx {i + 1}"
    if op == "tx_id" and "tx_id" in e:
        v, s = e["tx_id"]
        e["tx_id"] = rng.choice([[v, s + 1], [v, max(0, s - 1)], [v + 1, s], [max(0, v - 1), s], [v, s + 2]])
        return ev, f"tx_id {i + 1}"
    if op == "status" and "status" in e:
        e["status"] = rng.choice([s for s in STATUSES if s != e["status"]])
        return ev, f"status {i + 1} {e['status']}"
    if op == "client" and "client" in e:
        e["client"] = e["client"] + "x" if rng.random() < 0.5 else "c0"
        return ev, f"client {i + 1}"
    if op == "type":
        e["type"] = rng.choice([t for t in TYPES if t != e["type"]])
        return ev, f"type {i + 1} {e['type']}"
    if op == "observed" and "observed" in e:
        o = e["observed"]
        key = None
        if isinstance(o, dict):
            if not o:
                return ev, "noop"
            key = rng.choice(sorted(o))
            lst = o[key]
        else:
            lst = o
        how = rng.choice(["drop", "dup", "swap", "add", "truncate"])
        if how == "drop" and lst:
            del lst[rng.randrange(len(lst))]
        elif how == "dup" and lst:
            lst.insert(rng.randrange(len(lst) + 1), rng.choice(lst))
        elif how == "swap" and len(lst) > 1:
            j = rng.randrange(len(lst) - 1)
            lst[j], lst[j + 1] = lst[j + 1], lst[j]
        elif how == "add":
            lst.insert(rng.randrange(len(lst) + 1), rng.choice(_ids(events)))
        elif how == "truncate" and lst:
            del lst[rng.randrange(len(lst)) :]
        else:
            return ev, "noop"
        return ev, f"observed {how} {i + 1}" + (f" {key}" if key is not None else "")
    return ev, "noop"
