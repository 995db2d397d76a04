"""A committed chunk spliced from another pyccf ledger of the same shape (same chunk names, other seeds) is
rejected by ``audit ledger`` at the first signature that covers a spliced entry: every entry before it
still folds into a root that ledger's own signature vouched for."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from pyccf.formats.ledger import Table
from pyccf.kv.store import Transaction
from pyccf.ledger.files import ChunkPolicy
from pyccf.ledger.secrets import LedgerSecret
from pyccf.service.writer import ServiceWriter
from tests.tracecheck.audit.test_ledger import NODE, SERVICE, START, endorsed_node, identity, make_writer
from tracecheck.audit.errors import AuditFailure
from tracecheck.audit.ledger import audit_ledger
from tracecheck.audit.reader import Entry, list_chunks, read_chunk
from tracecheck.cli import main

OTHER_SERVICE = identity(b"splice other service")


def same_keys_other_data(folder: Path) -> Path:
    """make_writer's shape, service and node, another ledger secret and other values: only roots differ."""
    writer = ServiceWriter(
        folder,
        SERVICE,
        NODE,
        LedgerSecret.from_seed(b"splice other secret"),
        START,
        signature_every=5,
        chunk_policy=ChunkPolicy(max_entries=4),
    )
    writer.genesis(encryption_pub_key=NODE.public_key_pem)
    for i in range(16):

        def body(tx: Transaction, i: int = i) -> None:
            tx.put("public:app.counters", b"c%d" % (i % 3), b"other %d" % i)
            tx.put("app.secrets", b"s%d" % i, b"private %d" % i)

        writer.execute(body)
    writer.sign()
    writer.commit()
    return writer.folder


OTHERS: dict[str, Callable[[Path], Path]] = {
    "another ledger of the same service and node": same_keys_other_data,
    "another node of the same service": lambda folder: (
        make_writer(folder, SERVICE, endorsed_node(b"splice other node", SERVICE)).folder
    ),
    "another service": lambda folder: (
        make_writer(folder, OTHER_SERVICE, endorsed_node(b"splice other node", OTHER_SERVICE)).folder
    ),
}


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_writer(tmp_path_factory.mktemp("splice") / "mine", SERVICE, NODE).folder


def committed(folder: Path) -> list[Path]:
    return [chunk.path for chunk in list_chunks(folder, uncommitted=False)]


def entries(path: Path) -> list[Entry]:
    return next(list(read_chunk(c)) for c in list_chunks(path.parent, uncommitted=False) if c.path == path)


def expected_failure(mine: Path, theirs: Path) -> int:
    """The first signature at or after the first entry of the spliced chunk that differs from mine."""
    ours, spliced = entries(mine), entries(theirs)
    assert [e.seqno for e in ours] == [e.seqno for e in spliced]
    first = next(t.seqno for o, t in zip(ours, spliced, strict=True) if o.raw != t.raw)
    return next(e.seqno for e in spliced if e.seqno >= first and Table.SIGNATURES in e.writes)


@pytest.mark.parametrize("other", sorted(OTHERS))
def test_a_spliced_chunk_is_rejected_at_the_right_seqno(ledger: Path, tmp_path: Path, other: str) -> None:
    donor = OTHERS[other](tmp_path / "donor")
    assert [p.name for p in committed(donor)] == [p.name for p in committed(ledger)]  # the same shape
    audit_ledger(ledger, service_cert=SERVICE.cert)
    for index in range(1, len(committed(ledger))):  # every chunk after the genesis one
        spliced = tmp_path / f"spliced{index}"
        shutil.copytree(ledger, spliced)
        target = committed(spliced)[index]
        shutil.copyfile(committed(donor)[index], target)
        seqno = expected_failure(committed(ledger)[index], target)
        with pytest.raises(AuditFailure) as caught:
            audit_ledger(spliced, service_cert=SERVICE.cert)
        assert caught.value.seqno == seqno, (index, str(caught.value))
        assert caught.value.file == str(target)
        assert other != "another ledger of the same service and node" or "signed root" in str(caught.value)
        result = CliRunner().invoke(main, ["audit", "ledger", str(spliced)])
        assert result.exit_code == 1, result.output
        assert f"seqno {seqno}" in result.output and target.name in result.output
