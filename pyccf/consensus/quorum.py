"""CCF's quorum rule, in one place: a majority of *each* active configuration.

CCF keeps several configurations active while a reconfiguration is being committed. Commit and elections
both need a majority in every one of them (not in their union - that mistake is a classic bug, and
``pyccf.consensus.bugs`` can switch it on deliberately). These are small pure functions over plain data
so they can be tested on their own; :class:`Configuration` is what they are applied to.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Configuration:
    """An active configuration, identified (as in CCF) by the index of the entry that introduced it."""

    idx: int
    nodes: frozenset[str]

    def to_json(self) -> dict[str, Any]:
        return {"idx": self.idx, "nodes": {n: {"address": ":"} for n in sorted(self.nodes)}, "rid": self.idx}


def majority(size: int) -> int:
    """Smallest number of members that forms a quorum of a configuration of ``size`` nodes."""
    return size // 2 + 1


def agreement_index(configs: Iterable[Collection[str]], match_of: Callable[[str], int]) -> int | None:
    """Highest index known to be held by a majority of every configuration (None without configurations).

    For each configuration the median-from-above of its members' match indices is what a majority holds;
    the answer is the lowest of those over all configurations.
    """
    result: int | None = None
    for nodes in configs:
        matches = sorted(match_of(n) for n in nodes)
        confirmed = matches[(len(matches) - 1) // 2]
        if result is None or confirmed < result:
            result = confirmed
    return result


def has_quorum(nodes: Collection[str], granted: Collection[str]) -> bool:
    """Do the ``granted`` nodes include a majority of ``nodes``?"""
    return sum(1 for n in nodes if n in granted) >= majority(len(nodes))


def every_config_has_quorum(configs: Iterable[Collection[str]], alive: Callable[[str], bool]) -> bool:
    """CheckQuorum: does every configuration have a majority of nodes for which ``alive`` holds?"""
    return all(sum(1 for n in nodes if alive(n)) >= majority(len(nodes)) for nodes in configs)


def votes_won(tallies: Mapping[int, tuple[Collection[str], int]]) -> bool:
    """Election rule: each tracked configuration's vote set has reached its quorum size."""
    return all(len(votes) >= quorum for votes, quorum in tallies.values())
