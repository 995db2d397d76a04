"""Stateful property: the write sets of committed transactions, applied in order on a fresh store, give
the primary's state (values and versions), and every committed transaction read what the state held just
before it; a backup that applies each write set as it commits, and rolls back with the primary, agrees
with it too. Interleaved transactions, conflicts, gaps in versions, rollbacks and compaction included.

Broken stores (no conflict check, removals dropped from the write set, rollback that forgets to undo)
must make the property fail, so it cannot pass vacuously.
"""

from __future__ import annotations

import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from pyccf.kv.errors import ConflictError, StaleTransactionError
from pyccf.kv.store import Store, Transaction
from pyccf.kv.writeset import WriteSet

# few maps and keys, so transactions meet on them and conflict
MAPS = st.sampled_from(["public:app", "app"])
KEYS = st.sampled_from([b"", b"\xff"])
VALUES = st.sampled_from([b"", b"1", b"2"])
SLOT = st.integers(min_value=0, max_value=2)


class Open:
    """An open transaction and what the test saw of it: values it returned, keys it wrote, and the
    value of each key it read from the store (before writing it)."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.seen: dict[tuple[str, bytes], bytes | None] = {}
        self.wrote: set[tuple[str, bytes]] = set()
        self.read: dict[tuple[str, bytes], bytes | None] = {}


class Replay(RuleBasedStateMachine):
    """The primary runs up to three open transactions; ``committed`` is the ledger of (version, write set)."""

    store_class: type[Store] = Store
    outcomes: set[str] = set()  # across all runs of one machine class: what the runs exercised

    @initialize()
    def setup(self) -> None:
        self.primary = self.store_class()
        self.backup = self.store_class()  # applies each write set as it commits, rolls back with the primary
        self.committed: list[tuple[int, WriteSet]] = []
        self.open: dict[int, Open] = {}

    def replayed(self) -> Store:
        replica = Store()
        for version, ws in self.committed:
            replica.apply(ws, version)
        return replica

    @rule(slot=SLOT)
    def begin(self, slot: int) -> None:
        self.open[slot] = Open(self.primary.begin())

    @precondition(lambda self: self.open)
    @rule(data=st.data(), m=MAPS, k=KEYS)
    def get(self, data: st.DataObject, m: str, k: bytes) -> None:
        o = self.open[data.draw(st.sampled_from(sorted(self.open)))]
        got = o.tx.get(m, k)
        if (m, k) in o.seen:
            assert got == o.seen[m, k]  # repeatable, and own writes visible
        if (m, k) not in o.wrote:
            o.read.setdefault((m, k), got)
        o.seen[m, k] = got

    @precondition(lambda self: self.open)
    @rule(data=st.data(), m=MAPS, k=KEYS, v=VALUES)
    def put(self, data: st.DataObject, m: str, k: bytes, v: bytes) -> None:
        o = self.open[data.draw(st.sampled_from(sorted(self.open)))]
        o.tx.put(m, k, v)
        o.seen[m, k] = v
        o.wrote.add((m, k))

    @precondition(lambda self: self.open)
    @rule(data=st.data(), m=MAPS)
    def remove(self, data: st.DataObject, m: str) -> None:
        o = self.open[data.draw(st.sampled_from(sorted(self.open)))]
        present = sorted(self.primary.state().get(m, {}))
        k = data.draw(st.sampled_from(present) if present else KEYS)  # mostly keys that are there
        o.tx.remove(m, k)
        o.seen[m, k] = None
        o.wrote.add((m, k))

    @precondition(lambda self: self.open)
    @rule(data=st.data(), gap=st.integers(min_value=1, max_value=3))
    def commit(self, data: st.DataObject, gap: int) -> None:
        slot = data.draw(st.sampled_from(sorted(self.open)))
        o = self.open.pop(slot)
        tx = o.tx
        before = self.replayed()
        version = self.primary.version + gap
        try:
            ws = tx.commit(version)
        except ConflictError:
            self.outcomes.add("conflict")
            return
        except StaleTransactionError:
            self.outcomes.add("stale")
            return
        self.outcomes.add("committed")
        if any(m.removes for m in ws.maps()):
            self.outcomes.add("removal")
        for (m, k), value in o.read.items():  # serializable: it read what the state held just before it
            assert before.get(m, k) == value, f"{m}[{k!r}] read {value!r}, state held {before.get(m, k)!r}"
        for read in tx.reads():
            assert before.version_of(read.map_name, read.key) == read.version
        assert set(o.read) <= {(r.map_name, r.key) for r in tx.reads()}, "read set misses a read"
        self.committed.append((version, ws))
        self.backup.apply(ws, version)

    @precondition(lambda self: any(o.read for o in self.open.values()))
    @rule(data=st.data(), v=VALUES)
    def overwrite_a_read(self, data: st.DataObject, v: bytes) -> None:
        """Another transaction writes a key an open one read (so that one must conflict)."""
        o = data.draw(st.sampled_from([o for _, o in sorted(self.open.items()) if o.read]))
        m, k = data.draw(st.sampled_from(sorted(o.read)))
        tx = self.primary.begin()
        tx.put(m, k, v)
        version = self.primary.version + 1
        ws = tx.commit(version)
        self.committed.append((version, ws))
        self.backup.apply(ws, version)

    @precondition(lambda self: self.committed)
    @rule(data=st.data(), now=st.integers(min_value=0, max_value=2))
    def rollback(self, data: st.DataObject, now: int) -> None:
        if now:  # elections are rarer than transactions (every rollback makes open ones stale)
            return
        version = data.draw(st.integers(min_value=self.primary.compacted, max_value=self.primary.version + 1))
        self.primary.rollback(version)
        self.backup.rollback(version)
        self.committed = [(v, ws) for v, ws in self.committed if v <= version]
        self.outcomes.add("rollback")

    @rule(data=st.data())
    def compact(self, data: st.DataObject) -> None:
        version = data.draw(st.integers(min_value=0, max_value=self.primary.version))
        if version > self.primary.compacted:
            self.outcomes.add("compact")
        self.primary.compact(version)

    @invariant()
    def replay_gives_the_primary_state(self) -> None:
        if not hasattr(self, "primary"):
            return
        replica = self.replayed()
        assert replica.state() == self.primary.state(), "replay differs from the primary: state"
        assert replica.versions() == self.primary.versions(), "replay differs from the primary: versions"
        assert self.backup.state() == self.primary.state(), "backup differs from the primary: state"
        assert self.backup.versions() == self.primary.versions(), "backup differs from the primary: versions"
        assert self.primary.version >= (self.committed[-1][0] if self.committed else 0)


def run(store_class: type[Store], examples: int = 150, shrink: bool = True) -> set[str]:
    """Run the machine over ``store_class``; what the runs exercised."""
    outcomes: set[str] = set()
    machine: type[Replay] = type(
        f"Replay{store_class.__name__}", (Replay,), {"store_class": store_class, "outcomes": outcomes}
    )
    phases = list(Phase) if shrink else [Phase.generate]
    machine.TestCase.settings = settings(
        max_examples=examples,
        stateful_step_count=40,
        deadline=None,
        phases=phases,
        report_multiple_bugs=False,
    )
    machine.TestCase().runTest()
    return outcomes


def test_replaying_committed_write_sets_gives_the_primary_state() -> None:
    outcomes = run(Store)
    assert outcomes >= {"committed", "conflict", "stale", "rollback", "compact", "removal"}, outcomes


class NoConflictCheck(Store):
    def _first_conflict(self, tx: Transaction) -> ConflictError | None:
        return None


class ForgetsReads(Store):
    def commit(self, tx: Transaction, version: int | None = None) -> WriteSet:
        tx._reads.clear()  # an empty read set: nothing can conflict
        return super().commit(tx, version)


class DropsRemovals(Store):
    def commit(self, tx: Transaction, version: int | None = None) -> WriteSet:
        ws = super().commit(tx, version)
        changes = {m.name: dict(m.writes) for m in ws.maps() if m.writes}
        return WriteSet.of(changes)  # what a broken write set extraction would hand the ledger


class RollbackForgetsUndo(Store):
    def rollback(self, version: int) -> None:
        self._undo.clear()
        super().rollback(version)


@pytest.mark.parametrize(
    ("broken", "says"),
    [
        (NoConflictCheck, r"read .*, state held"),
        (ForgetsReads, "read set misses a read"),
        (DropsRemovals, "replay differs from the primary"),
        (RollbackForgetsUndo, "replay differs from the primary"),
    ],
)
def test_a_broken_store_fails_the_property(broken: type[Store], says: str) -> None:
    with pytest.raises(AssertionError, match=says):
        run(broken, shrink=False)  # the first failing run is enough
