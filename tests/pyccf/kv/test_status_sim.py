"""Statuses over random runs of the simulator: they move only along ALLOWED, and nodes never disagree.

Every step of a run is recorded as each node's log (views by index) and commit index; statuses are then
computed for every TxID of a grid (every view and seqno seen, and one more of each), so phantom TxIDs,
those of rolled-back entries and those of entries still to come are all asked about, on every node.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from pyccf.formats.ledger import TxStatus
from pyccf.kv.status import UNKNOWN_VIEW, LocalLog, StatusTransitionError, check_transition, tx_status
from pyccf.kv.txid import TxID
from pyccf.sim.commands import Command, LoopUntilSync
from pyccf.sim.driver import CCF_VERSION_DEFAULT, ScenarioDriver
from pyccf.sim.generator import GeneratorConfig, ScenarioGenerator
from pyccf.sim.simulate import header

StatusFn = Callable[[LocalLog, TxID], TxStatus]
SEEDS = (0, 1, 2, 3, 5, 6)  # seeds whose runs end in sync (simulate(4) ends in a liveness failure)
STEPS = 120


@dataclass(frozen=True)
class Log:
    views: tuple[int, ...]  # views[i - 1]: the view of index i
    commit_idx: int

    def term_of(self, idx: int) -> int:
        return self.views[idx - 1] if 0 < idx <= len(self.views) else UNKNOWN_VIEW


Step = dict[str, Log]  # node id -> its log after one line


def run(seed: int, steps: int = STEPS) -> list[Step]:
    """The random scenario ``pyccf.sim.simulate(seed)`` runs, line for line, with every node's log after
    each line."""
    gen = ScenarioGenerator(random.Random(seed), GeneratorConfig(nodes=3))
    driver = ScenarioDriver(seed=0)
    history: list[Step] = []

    def lines() -> Iterator[Command]:
        yield from gen.opening()
        for _ in range(steps):
            yield gen.next_line(driver)
        yield from gen.healing(driver)
        yield LoopUntilSync()

    first = len(header(seed, steps, 3, (), CCF_VERSION_DEFAULT)) + 1  # line numbers seed the network
    for lineno, command in enumerate(lines(), first):
        driver.run(command, lineno)
        gen.observe(driver, command)
        step = {}
        for nid, node in driver.nodes.items():
            log = Log(tuple(node.term_of(i) for i in range(1, node.last_idx + 1)), node.commit_idx)
            probe = TxID(max(1, node.current_view), max(1, node.commit_idx))
            assert tx_status(log, probe) is tx_status(node, probe)  # the snapshot reads like the node
            step[nid] = log
        history.append(step)
    return history


def grid(history: list[Step]) -> list[TxID]:
    views = max((v for step in history for log in step.values() for v in log.views), default=0)
    seqnos = max((len(log.views) for step in history for log in step.values()), default=0)
    return [TxID(v, s) for v in range(1, views + 2) for s in range(1, seqnos + 2)]


@dataclass
class Seen:
    transitions: set[tuple[TxStatus, TxStatus]]
    statuses: set[TxStatus]


def check(history: list[Step], status: StatusFn) -> Seen:
    """Raise (StatusTransitionError or AssertionError) if the property fails; return what was seen."""
    txids = grid(history)
    last: dict[tuple[str, TxID], TxStatus] = {}
    reported: dict[TxID, set[TxStatus]] = defaultdict(set)
    seen = Seen(set(), set())
    for n, step in enumerate(history):
        for nid, log in step.items():
            for t in txids:
                new = status(log, t)
                old = last.get((nid, t), TxStatus.UNKNOWN)
                check_transition(old, new, f"{t} on node {nid} at step {n}")
                if old != new:
                    seen.transitions.add((old, new))
                last[nid, t] = new
                reported[t].add(new)
                seen.statuses.add(new)
    for t, statuses in reported.items():
        assert not {TxStatus.COMMITTED, TxStatus.INVALID} <= statuses, f"{t} reported Committed and Invalid"
    committed: dict[int, set[int]] = defaultdict(set)
    for t, statuses in reported.items():
        if TxStatus.COMMITTED in statuses:
            committed[t.seqno].add(t.view)
    for seqno, views in committed.items():
        assert len(views) == 1, f"seqno {seqno} reported Committed in views {sorted(views)}"
    return seen


@pytest.fixture(scope="module")
def histories() -> list[list[Step]]:
    return [run(seed) for seed in SEEDS]


#: What the runs must show for the property to mean something: elections rolled entries back,
#: TxIDs were invalidated, every status was reported.
MUST_SEE = {
    (TxStatus.UNKNOWN, TxStatus.PENDING),
    (TxStatus.PENDING, TxStatus.COMMITTED),
    (TxStatus.PENDING, TxStatus.UNKNOWN),
    (TxStatus.UNKNOWN, TxStatus.INVALID),
}


def check_runs(histories: list[list[Step]], status: StatusFn) -> None:
    seen = Seen(set(), set())
    for history in histories:
        s = check(history, status)
        seen.transitions |= s.transitions
        seen.statuses |= s.statuses
    assert seen.statuses == set(TxStatus), f"runs never showed {set(TxStatus) - seen.statuses}"
    assert seen.transitions >= MUST_SEE, f"runs never showed {MUST_SEE - seen.transitions}"


def test_statuses_move_along_allowed_transitions(histories: list[list[Step]]) -> None:
    check_runs(histories, tx_status)


def ignores_the_view(log: LocalLog, t: TxID) -> TxStatus:
    """Broken: any entry at the seqno counts, whatever its view."""
    if log.commit_idx >= t.seqno:
        return TxStatus.COMMITTED
    return TxStatus.PENDING if log.term_of(t.seqno) != UNKNOWN_VIEW else TxStatus.UNKNOWN


def invalid_in_the_commit_view(log: LocalLog, t: TxID) -> TxStatus:
    """Broken: a TxID of the commit point's own view, not yet held, is taken to be impossible."""
    got = tx_status(log, t)
    if got is TxStatus.UNKNOWN and log.term_of(log.commit_idx) >= t.view:
        return TxStatus.INVALID
    return got


def never_invalid(log: LocalLog, t: TxID) -> TxStatus:
    """Broken: a seqno committed in another view leaves the TxID Pending rather than Invalid."""
    got = tx_status(log, t)
    return TxStatus.PENDING if got is TxStatus.INVALID else got


@pytest.mark.parametrize(
    ("broken", "says"),
    [
        (ignores_the_view, "reported Committed in views"),
        (invalid_in_the_commit_view, "status went from Invalid to"),
        (never_invalid, "runs never showed"),
    ],
)
def test_a_broken_status_function_fails_the_property(
    histories: list[list[Step]], broken: StatusFn, says: str
) -> None:
    with pytest.raises((StatusTransitionError, AssertionError), match=says):
        check_runs(histories, broken)
