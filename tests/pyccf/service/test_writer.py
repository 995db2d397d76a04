"""A one-node service's ledger, judged by CCF's own package: FULL validation with exact counts, MERKLE per
chunk, receipts of every committed transaction, and tampering anywhere before the last signature caught."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

from pyccf.formats.ledger import Table
from pyccf.kv.store import Transaction
from pyccf.ledger.files import ChunkPolicy
from pyccf.ledger.secrets import LedgerSecret
from pyccf.service.identity import Identity, NodeIdentity
from pyccf.service.writer import ServiceWriter
from tests.oracle import read_ledger
from tests.pyccf.service.conftest import START
from tests.pyccf.service.test_receipts import verify_cose, verify_json

TXS, EVERY = 40, 7
VERIFIED = re.compile(r"Verified (\w+) - (\d+) transactions, (\d+) signatures, until (\d+)\.(\d+)")


def client_tx(i: int):
    def body(tx: Transaction) -> None:
        tx.put("public:app.counters", b"c%d" % (i % 5), b"%d" % i)
        tx.put("app.secrets", b"s%d" % i, b"private %d" % i)  # encrypted in the ledger
        if i % 6 == 5:
            tx.remove("public:app.counters", b"c%d" % ((i + 1) % 5))

    return body


def write_service(folder: Path, service: Identity, node: NodeIdentity) -> ServiceWriter:
    writer = ServiceWriter(
        folder,
        service,
        node,
        LedgerSecret.from_seed(b"ledger secret seed"),
        START,
        signature_every=EVERY,
        chunk_policy=ChunkPolicy(max_entries=12),
    )
    writer.genesis(encryption_pub_key=node.public_key_pem)
    for i in range(TXS):
        writer.execute(client_tx(i))
    writer.sign()
    writer.commit()
    return writer


@pytest.fixture(scope="module")
def written(tmp_path_factory, service, node) -> ServiceWriter:
    return write_service(tmp_path_factory.mktemp("ledger"), service, node)


def verified(folder: Path, level: str = "FULL") -> tuple[int, int, str]:
    done = read_ledger(folder, level)
    assert done.returncode == 0, done.stdout + done.stderr
    m = VERIFIED.search(done.stdout + done.stderr)
    assert m, done.stdout + done.stderr
    return int(m[2]), int(m[3]), f"{m[4]}.{m[5]}"


def test_full_validation_counts_what_the_writer_wrote(written: ServiceWriter) -> None:
    signatures = sum(1 for w in written.written.values() if w.is_signature)
    assert signatures == TXS // EVERY + 1
    assert verified(written.folder) == (written.seqno, signatures, f"2.{written.last_signature}")
    assert len(written.files.chunk_names()) > 2  # several chunks, each ending on a signature


def test_each_committed_chunk_passes_merkle_on_its_own(written: ServiceWriter, tmp_path: Path) -> None:
    for name in written.files.chunk_names():
        if name.endswith(".committed"):
            alone = tmp_path / name
            alone.mkdir()
            shutil.copy(written.folder / name, alone / name)
            count, _, _ = verified(alone / name, "MERKLE")
            assert count > 0


def test_every_committed_transaction_has_receipts_that_verify(
    written: ServiceWriter, service: Identity
) -> None:
    seqnos = [s for s, w in written.written.items() if not w.is_signature]
    receipts = [written.receipt(s) for s in seqnos]
    assert verify_json(receipts, service) == ["ok"] * len(seqnos)
    cose = [(written.cose_receipt(s), written.components(s).claims_digest) for s in seqnos]
    signed_by = [f"2.{written.signature_covering(s).seqno}" for s in seqnos]  # the header names the signature
    assert verify_cose(cose, service) == signed_by


def test_receipts_are_refused_for_another_service(written: ServiceWriter, foreign_service: Identity) -> None:
    assert verify_json([written.receipt(3)], foreign_service) == ["InvalidSignature"]


def test_signatures_carry_the_tree_flushed_to_the_commit_point(written: ServiceWriter) -> None:
    """Each signature's tree holds only the leaves since the previous commit (CCF flushes at commit), so
    a ledger's size stays linear; a tree that keeps every leaf grows with the square of the ledger."""
    tree = written.written[written.last_signature].entry.public[Table.TREE].writes
    (value,) = tree.values()
    retained = int.from_bytes(value[:8], "big")
    assert retained <= EVERY + 2, retained  # the last signature's leaves and the one before, not all 40


def test_private_maps_are_not_in_plaintext(written: ServiceWriter) -> None:
    data = b"".join((written.folder / n).read_bytes() for n in written.files.chunk_names())
    assert b"private 3" not in data and b"app.counters" in data
    assert written.store.get("app.secrets", b"s3") == b"private 3"
    assert Table.SIGNATURES in written.written[written.last_signature].entry.public


def test_a_receipt_needs_commit(tmp_path: Path, service: Identity, node: NodeIdentity) -> None:
    writer = ServiceWriter(tmp_path, service, node, LedgerSecret.from_seed(b"x"), START, signature_every=3)
    writer.genesis(encryption_pub_key=node.public_key_pem)
    writer.execute(client_tx(0))
    with pytest.raises(ValueError, match="not committed"):
        writer.receipt(2)


def test_flipped_bytes_before_the_last_signature_are_rejected(written: ServiceWriter, tmp_path: Path) -> None:
    """A sample of single-byte flips in every committed chunk but the last signature transaction's own
    bytes (tamper-evident only once a later signature covers them): each must fail FULL validation."""
    chunks = [n for n in written.files.chunk_names() if n.endswith(".committed")]
    last = written.files.read(written.last_signature)
    rng = random.Random(1)
    sample = []
    for name in chunks:
        size = (written.folder / name).stat().st_size
        sample += [(name, off) for off in rng.sample(range(size), min(size, 12))]
    accepted = []
    for name, offset in sample:
        ledger = tmp_path / f"{name}-{offset}"
        shutil.copytree(written.folder, ledger)
        data = bytearray((ledger / name).read_bytes())
        data[offset] ^= 0x01
        (ledger / name).write_bytes(bytes(data))
        done = read_ledger(ledger, "FULL")
        if done.returncode == 0 and f"until 2.{written.last_signature}" in done.stdout + done.stderr:
            accepted.append((name, offset))
        shutil.rmtree(ledger)
    # Only flips inside the last signature transaction may go unnoticed (nothing later signs it).
    start = (written.folder / chunks[-1]).read_bytes().rfind(last.data)
    assert start > 0
    assert all(name == chunks[-1] and start <= off < start + len(last.data) for name, off in accepted), (
        accepted
    )
    assert len(sample) - len(accepted) >= 0.8 * len(sample)  # the sample was not mostly in that one entry
