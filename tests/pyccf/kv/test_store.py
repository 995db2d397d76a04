"""The store: transactions, conflicts, versions, backups applying write sets, rollback and compaction."""

from __future__ import annotations

import pytest

from pyccf.kv.errors import (
    ConflictError,
    KvError,
    StaleTransactionError,
    TransactionClosedError,
    VersionError,
    WriteSetError,
)
from pyccf.kv.store import NO_VERSION, Read, Store
from pyccf.kv.writeset import MapWrites, WriteSet

PUB = "public:records"
PRIV = "records"


def committed(store: Store, changes: dict[bytes, bytes | None], map_name: str = PRIV) -> WriteSet:
    tx = store.begin()
    for k, v in changes.items():
        if v is None:
            tx.remove(map_name, k)
        else:
            tx.put(map_name, k, v)
    return tx.commit()


def test_commit_versions_keys_and_splits_domains() -> None:
    s = Store()
    tx = s.begin()
    tx.put(PUB, b"k", b"v")
    tx.put(PRIV, b"k", b"secret")
    assert tx.get(PUB, b"k") == b"v"  # own write
    assert s.get(PUB, b"k") is None  # not before commit
    ws = tx.commit()
    assert ws.public == (MapWrites(PUB, ((b"k", b"v"),)),)
    assert ws.private == (MapWrites(PRIV, ((b"k", b"secret"),)),)
    assert s.version == 1 and s.version_of(PUB, b"k") == 1 and s.version_of(PUB, b"nope") == NO_VERSION
    tx = s.begin()
    tx.put(PUB, b"k", b"w")
    tx.commit(5)  # seqnos that other entries took leave gaps
    assert s.version == 5 and s.version_of(PUB, b"k") == 5 and s.version_of(PRIV, b"k") == 1
    assert s.state() == {PUB: {b"k": b"w"}, PRIV: {b"k": b"secret"}}


def test_read_set_records_versions_read() -> None:
    s = Store()
    committed(s, {b"a": b"1"})
    committed(s, {b"b": b"2"})
    tx = s.begin()
    assert tx.get(PRIV, b"a") == b"1"
    assert tx.get(PRIV, b"zz") is None
    tx.put(PRIV, b"c", b"3")
    assert tx.get(PRIV, b"c") == b"3"  # own write: no read
    assert tx.remove(PRIV, b"b") is True
    assert tx.reads() == (Read(PRIV, b"a", 1), Read(PRIV, b"b", 2), Read(PRIV, b"zz", NO_VERSION))
    assert tx.write_set() == WriteSet(private=(MapWrites(PRIV, ((b"c", b"3"),), (b"b",)),))


def test_the_write_set_follows_every_change_after_it_was_asked_for() -> None:
    """The write set is built once per change; a put or remove after asking must still show up."""
    s = Store()
    committed(s, {b"a": b"1"})
    tx = s.begin()
    tx.put(PRIV, b"b", b"2")
    assert tx.write_set() == WriteSet(private=(MapWrites(PRIV, ((b"b", b"2"),)),))
    tx.put(PRIV, b"b", b"3")
    assert tx.write_set() == WriteSet(private=(MapWrites(PRIV, ((b"b", b"3"),)),))
    tx.remove(PRIV, b"a")
    assert tx.write_set() == WriteSet(private=(MapWrites(PRIV, ((b"b", b"3"),), (b"a",)),))
    assert tx.commit() == tx.write_set()
    assert s.get(PRIV, b"a") is None and s.get(PRIV, b"b") == b"3"


def test_a_key_read_then_written_by_another_conflicts() -> None:
    s = Store()
    committed(s, {b"a": b"1"})
    tx = s.begin()
    assert tx.get(PRIV, b"a") == b"1"
    tx.put(PRIV, b"out", b"x")
    committed(s, {b"a": b"2"})
    assert tx.get(PRIV, b"a") == b"1"  # reads repeat
    with pytest.raises(ConflictError) as info:
        tx.commit()
    assert (info.value.map_name, info.value.key, info.value.read, info.value.now) == (PRIV, b"a", 1, 2)
    assert "records[b'a'] was read at version 1 but is now at 2" in str(info.value)
    assert s.get(PRIV, b"out") is None and s.version == 2  # nothing of it happened
    with pytest.raises(TransactionClosedError):
        tx.commit()
    with pytest.raises(TransactionClosedError):
        tx.get(PRIV, b"a")


def test_reading_an_absent_key_conflicts_with_its_creation_and_removal_counts_as_a_write() -> None:
    s = Store()
    tx = s.begin()
    assert tx.get(PRIV, b"a") is None
    committed(s, {b"a": b"1"})
    with pytest.raises(ConflictError):
        tx.commit()
    tx = s.begin()
    assert tx.get(PRIV, b"a") == b"1"
    committed(s, {b"a": None})  # removed: a new version, so it conflicts too
    assert s.version_of(PRIV, b"a") == 2 and s.get(PRIV, b"a") is None
    with pytest.raises(ConflictError):
        tx.commit()


def test_blind_writes_and_reads_of_other_keys_do_not_conflict() -> None:
    s = Store()
    committed(s, {b"a": b"1", b"b": b"1"})
    tx = s.begin()
    tx.get(PRIV, b"a")
    tx.put(PRIV, b"b", b"mine")
    committed(s, {b"b": b"theirs"})
    tx.commit()
    assert s.get(PRIV, b"b") == b"mine"


def test_remove_semantics() -> None:
    s = Store()
    committed(s, {b"a": b"1"})
    tx = s.begin()
    assert tx.remove(PRIV, b"none") is False  # absent: no write
    tx.put(PRIV, b"new", b"x")
    assert tx.remove(PRIV, b"new") is True  # put then removed: nothing to write
    assert tx.remove(PRIV, b"new") is False
    tx.put(PRIV, b"a", b"2")
    assert tx.remove(PRIV, b"a") is True  # in the store: a removal
    assert tx.get(PRIV, b"a") is None
    assert tx.write_set() == WriteSet(private=(MapWrites(PRIV, removes=(b"a",)),))


def test_commit_versions_must_increase() -> None:
    s = Store()
    committed(s, {b"a": b"1"})
    tx = s.begin()
    with pytest.raises(VersionError, match="commit at version 1: must be after the store's version 1"):
        tx.commit(1)
    tx.commit(2)  # the failed attempt left it open
    with pytest.raises(VersionError, match="apply at version 0"):
        s.apply(WriteSet(), 0)
    with pytest.raises(WriteSetError, match="apply at version 9: not a WriteSet but dict"):
        s.apply({"m": {b"k": b"v"}}, 9)  # type: ignore[arg-type]


def test_backup_applies_write_sets_at_their_versions() -> None:
    primary, backup = Store(), Store()
    ledger: list[tuple[int, dict[bytes, bytes | None]]] = [
        (1, {b"a": b"1", b"b": b"1"}),
        (3, {b"a": None}),
        (4, {b"c": b"4"}),
    ]
    for version, changes in ledger:
        tx = primary.begin()
        for k, v in changes.items():
            if v is None:
                tx.remove(PRIV, k)
            else:
                tx.put(PRIV, k, v)
        backup.apply(tx.commit(version), version)
    assert backup.state() == primary.state() == {PRIV: {b"b": b"1", b"c": b"4"}}
    assert backup.versions() == primary.versions() == {PRIV: {b"a": 3, b"b": 1, b"c": 4}}
    assert backup.version == 4


def test_rollback_undoes_the_suffix_and_stales_open_transactions() -> None:
    s = Store()
    committed(s, {b"a": b"1"})  # 1
    committed(s, {b"a": b"2", b"b": b"2"}, PUB)  # 2
    committed(s, {b"a": None})  # 3
    before = s.begin()
    s.rollback(1)
    assert s.version == 1
    assert s.state() == {PRIV: {b"a": b"1"}}
    assert s.versions() == {PRIV: {b"a": 1}}  # the public map is gone with its only writes
    with pytest.raises(StaleTransactionError, match="rolled back"):
        before.commit()
    committed(s, {b"x": b"y"})
    assert s.version == 2


def test_a_rollback_between_read_and_commit_is_caught_even_at_the_same_version() -> None:
    """The case a version check alone misses: the key is rewritten at the version it was read at."""
    s = Store()
    committed(s, {b"a": b"old"})  # 1
    committed(s, {b"a": b"rolled back"})  # 2
    tx = s.begin()
    assert tx.get(PRIV, b"a") == b"rolled back"
    tx.put(PRIV, b"copy", b"rolled back")
    s.rollback(1)
    committed(s, {b"a": b"new"})  # 2 again
    assert s.version_of(PRIV, b"a") == 2
    with pytest.raises(StaleTransactionError):
        tx.commit()


def test_rollback_past_the_end_is_a_no_op_but_still_stales() -> None:
    s = Store()
    committed(s, {b"a": b"1"})
    tx = s.begin()
    s.rollback(7)
    assert s.version == 1 and s.state() == {PRIV: {b"a": b"1"}}
    with pytest.raises(StaleTransactionError):
        tx.commit()


def test_compaction_forgets_undo_history_up_to_the_commit_point() -> None:
    s = Store()
    for i in range(1, 6):
        committed(s, {b"k": str(i).encode()})
    assert s.undo_depth() == 5
    s.compact(3)
    assert s.undo_depth() == 2 and s.compacted == 3
    s.compact(2)  # the commit point never moves back: nothing to do
    assert s.compacted == 3
    with pytest.raises(VersionError, match="rollback to 2: below the compaction point 3"):
        s.rollback(2)
    s.rollback(3)
    assert s.get(PRIV, b"k") == b"3" and s.undo_depth() == 0
    with pytest.raises(VersionError, match="compact to 4: after the store's version 3"):
        s.compact(4)
    assert s.state() == {PRIV: {b"k": b"3"}}


def test_a_transaction_commits_only_in_its_own_store() -> None:
    a, b = Store(), Store()
    tx = a.begin()
    with pytest.raises(KvError, match="another store"):
        b.commit(tx)


def test_put_checks_types() -> None:
    tx = Store().begin()
    with pytest.raises(TypeError, match="put records: key and value must be bytes"):
        tx.put(PRIV, "k", b"v")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="remove records: key must be bytes"):
        tx.remove(PRIV, "k")  # type: ignore[arg-type]
