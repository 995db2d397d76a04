"""Tampering with a ServiceWriter ledger, judged by CCF's own validator in one oracle process.

A byte flipped anywhere but inside the last signature transaction must fail FULL validation (that one's
unsigned bytes are tamper-evident only once a later signature covers them, so flips there are counted and
reported, not failed); dropped, swapped, duplicated and truncated entries, with the chunk rewritten so its
positions table and the file names stay consistent, must fail too. Torn writes: the last entry cut at every
byte, reopening recovers every committed transaction.
"""

from __future__ import annotations

import random
import struct
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pyccf.formats.ledger import CHUNK_HEADER_SIZE, ENTRY_HEADER_SIZE, chunk_name
from pyccf.ledger.files import LedgerFiles
from pyccf.service.identity import Identity, NodeIdentity
from pyccf.service.writer import ServiceWriter
from tests.oracle import oracle_json
from tests.pyccf.service.test_writer import client_tx, write_service

# The oracle side: one ``ccf`` process judges every variant of a test.
# ``SWEEP`` runs in the oracle's interpreter and reads one JSON document on stdin:
# ``{"chunks": [chunk paths, in seqno order], "flips": [[chunk index, offset], ...], "folders": [dirs],
# "expect": [signatures, view, seqno]}``. A variant is accepted only if FULL validation raises nothing and
# still reports ``expect``. Single-byte flips (xor 0x01) reuse the validator's state after the untouched
# chunks before the flipped one (a deep copy), so each costs only the chunks from the flip on; folders
# (structural variants) are read whole by ``ccf.ledger.Ledger``. Prints ``{"baseline", "flips", "folders"}``
# with "accepted" or the rejecting exception's class name per variant.
SWEEP = r"""
import copy, json, os, sys, tempfile
import ccf.ledger as L

job = json.load(sys.stdin)
FULL = L.VerificationLevel.FULL
expect = tuple(job["expect"])


def new_validator():
    return L.LedgerValidator(accept_deprecated_entry_types=False, verification_level=FULL)


def outcome(validator):
    txid = validator.last_verified_txid()
    return (validator.signature_count, txid.view, txid.seqno)


def run(validator, chunks):
    try:
        for chunk in chunks:
            for tx in chunk:
                validator.add_transaction(tx)
    except Exception as e:  # any failure is a rejection; its class says which check caught it
        return type(e).__name__
    return "accepted" if outcome(validator) == expect else "counts %s" % (outcome(validator),)


paths = job["chunks"]
parsed = [L.LedgerChunk(p, FULL) for p in paths]
before = [new_validator()]  # before[k]: the state after chunks 0..k-1
for chunk in parsed:
    state = copy.deepcopy(before[-1])
    for tx in chunk:
        state.add_transaction(tx)  # the untouched ledger must pass: any failure here fails the job
    before.append(state)
baseline = run(new_validator(), parsed)

originals = [open(p, "rb").read() for p in paths]
flips = []
with tempfile.TemporaryDirectory() as tmp:
    for index, offset in job["flips"]:
        data = bytearray(originals[index])
        data[offset] ^= 0x01
        variant = os.path.join(tmp, os.path.basename(paths[index]))
        with open(variant, "wb") as f:
            f.write(data)
        try:
            chunk = L.LedgerChunk(variant, FULL)
        except Exception as e:
            flips.append(type(e).__name__)
            continue
        flips.append(run(copy.deepcopy(before[index]), [chunk, *parsed[index + 1 :]]))

folders = []
for folder in job["folders"]:
    try:
        ledger = L.Ledger([folder], committed_only=True, verification_level=FULL)
    except Exception as e:
        folders.append(type(e).__name__)
        continue
    folders.append(run(new_validator(), ledger))
print(json.dumps({"baseline": baseline, "flips": flips, "folders": folders}))
"""


def judge(
    chunks: list[Path],
    expect: tuple[int, int, int],
    flips: Sequence[tuple[int, int]] = (),
    folders: Sequence[Path] = (),
) -> dict[str, Any]:
    """The oracle's verdicts on ``flips`` of ``chunks`` and on whole ``folders`` (see ``SWEEP``)."""
    job = {
        "chunks": [str(c) for c in chunks],
        "flips": [list(f) for f in flips],
        "folders": [str(f) for f in folders],
        "expect": list(expect),
    }
    result: dict[str, Any] = oracle_json(SWEEP, stdin=job)
    return result


FLIPS = 2_400  # offsets sampled before the last signature transaction
LAST_FLIPS = 300  # offsets sampled inside it (reported)


@pytest.fixture(scope="module")
def written(tmp_path_factory, service: Identity, node: NodeIdentity) -> ServiceWriter:
    writer = write_service(tmp_path_factory.mktemp("ledger"), service, node)
    writer.files.close()
    return writer


def chunks_of(writer: ServiceWriter) -> list[Path]:
    names = writer.files.chunk_names()
    assert len(names) >= 3 and all(n.endswith(".committed") for n in names), names
    return [writer.folder / n for n in names]


def expected(writer: ServiceWriter) -> tuple[int, int, int]:
    signatures = sum(1 for w in writer.written.values() if w.is_signature)
    return signatures, writer.view, writer.last_signature


def entries(chunk: bytes) -> list[bytes]:
    """A closed chunk's entries, by its positions table."""
    (table,) = struct.unpack_from("<Q", chunk)
    offsets = [o for (o,) in struct.iter_unpack("<I", chunk[table:])] + [table]
    return [chunk[a:b] for a, b in zip(offsets, offsets[1:], strict=False)]


def chunk_bytes(items: list[bytes]) -> bytes:
    """A closed chunk holding ``items``, its header and positions table consistent with them."""
    offsets, pos = [], CHUNK_HEADER_SIZE
    for item in items:
        offsets.append(pos)
        pos += len(item)
    return struct.pack("<Q", pos) + b"".join(items) + b"".join(struct.pack("<I", o) for o in offsets)


def last_signature_span(writer: ServiceWriter, chunks: list[Path]) -> tuple[int, int]:
    """Where the last signature transaction lies in the last chunk."""
    data, last = chunks[-1].read_bytes(), writer.written[writer.last_signature].entry.data
    start = data.rfind(last)
    assert start > 0 and data.count(last) == 1
    return start, start + len(last)


def test_every_flip_before_the_last_signature_is_rejected(written: ServiceWriter) -> None:
    chunks = chunks_of(written)
    sizes = [c.stat().st_size for c in chunks]
    start, end = last_signature_span(written, chunks)
    last = len(chunks) - 1
    before = [
        (i, off)
        for i, size in enumerate(sizes)
        for off in range(size)
        if not (i == last and start <= off < end)
    ]
    rng = random.Random(7)
    flips = rng.sample(before, FLIPS)
    inside = rng.sample([(last, off) for off in range(start, end)], min(LAST_FLIPS, end - start))
    verdicts = judge(chunks, expected(written), flips + inside)
    assert verdicts["baseline"] == "accepted"
    accepted = [f for f, v in zip(flips, verdicts["flips"][:FLIPS], strict=True) if v == "accepted"]
    assert accepted == [], accepted
    assert len({i for i, _ in flips}) == len(chunks)  # every chunk was hit
    # Reported, not failed: flips inside the last signature transaction that nothing later signs.
    unnoticed = [
        off - start for (_, off), v in zip(inside, verdicts["flips"][FLIPS:], strict=True) if v == "accepted"
    ]
    print(f"\n{len(unnoticed)} of {len(inside)} flips inside the last signature transaction went unnoticed")
    print("rejections by check:", Counter(verdicts["flips"][:FLIPS]).most_common())


def test_the_sweep_catches_an_unsigned_ledger_change(written: ServiceWriter) -> None:
    """The sweep's own control: flips in the last signature's GCM tag (covered by nothing) are accepted,
    so an "all rejected" verdict above is the validator's, not a broken harness rejecting everything."""
    chunks = chunks_of(written)
    start, _ = last_signature_span(written, chunks)
    tag = [(len(chunks) - 1, start + ENTRY_HEADER_SIZE + i) for i in range(4)]
    verdicts = judge(chunks, expected(written), tag)
    assert verdicts["flips"] == ["accepted"] * len(tag)


def rewritten(written: ServiceWriter, tmp: Path, label: str, index: int, edit) -> Path:
    """A copy of the ledger whose chunk ``index`` holds ``edit(entries)``; the chunk and every later one are
    renamed so the names stay contiguous and agree with the entry counts."""
    chunks = chunks_of(written)
    folder = tmp / label
    folder.mkdir()
    start = 1
    for i, path in enumerate(chunks):
        data = path.read_bytes()
        if i == index:
            data = chunk_bytes(edit(entries(data)))
        count = len(entries(data))
        (folder / chunk_name(start, start + count - 1, committed=True)).write_bytes(data)
        start += count
    return folder


def resized(entry: bytes, cut: int) -> bytes:
    """The entry without its last ``cut`` bytes, its header's size field saying so."""
    body = entry[ENTRY_HEADER_SIZE:-cut]
    return entry[:2] + len(body).to_bytes(6, "little") + body


def test_dropped_swapped_duplicated_and_truncated_entries_are_rejected(
    written: ServiceWriter, tmp_path: Path
) -> None:
    chunks = chunks_of(written)
    folders = []
    for index in range(len(chunks)):
        n = len(entries(chunks[index].read_bytes()))
        for i in sorted({0, 1, n // 2, n - 2, n - 1}):
            tag = f"{index}-{i}"
            folders.append(
                rewritten(written, tmp_path, f"drop-{tag}", index, lambda e, i=i: e[:i] + e[i + 1 :])
            )
            folders.append(
                rewritten(written, tmp_path, f"dup-{tag}", index, lambda e, i=i: e[: i + 1] + e[i:])
            )
            folders.append(
                rewritten(
                    written,
                    tmp_path,
                    f"cut-{tag}",
                    index,
                    lambda e, i=i: e[:i] + [resized(e[i], 1)] + e[i + 1 :],
                )
            )
            folders.append(
                rewritten(
                    written, tmp_path, f"torn-{tag}", index, lambda e, i=i: e[:i] + [e[i][:-1]] + e[i + 1 :]
                )
            )
            if i + 1 < n:
                folders.append(
                    rewritten(
                        written,
                        tmp_path,
                        f"swap-{tag}",
                        index,
                        lambda e, i=i: e[:i] + [e[i + 1], e[i]] + e[i + 2 :],
                    )
                )
    control = rewritten(written, tmp_path, "control", 1, lambda e: e)  # rewriting alone changes nothing
    verdicts = judge(chunks, expected(written), folders=[control, *folders])
    assert verdicts["folders"][0] == "accepted"
    by_name = dict(zip((f.name for f in folders), verdicts["folders"][1:], strict=True))
    # Dropping the final signature leaves a valid, shorter ledger (FULL cannot know what is missing): only
    # the expected counts catch it, so it reports the earlier signature it now ends on.
    signatures, view, _ = expected(written)
    previous = max(s for s, w in written.written.items() if w.is_signature and s < written.last_signature)
    last = len(entries(chunks[-1].read_bytes())) - 1
    assert by_name.pop(f"drop-{len(chunks) - 1}-{last}") == f"counts ({signatures - 1}, {view}, {previous})"
    accepted = [name for name, v in by_name.items() if v == "accepted" or v.startswith("counts")]
    assert accepted == [], accepted
    assert len(folders) >= 60
    kinds = Counter((f.name.split("-")[0], v) for f, v in zip(folders, verdicts["folders"][1:], strict=True))
    print("\nstructural variants, (kind, rejecting check): count:", sorted(kinds.items()))


@pytest.mark.parametrize("after", [1, 3])  # the torn entry alone in its chunk, or after two others
def test_a_torn_last_entry_leaves_every_committed_transaction(
    tmp_path: Path, service: Identity, node: NodeIdentity, after: int
) -> None:
    writer = write_service(tmp_path / "ledger", service, node)
    committed = writer.files.committed_seqno
    for i in range(after):  # uncommitted transactions after the commit point, in a new open chunk
        writer.execute(client_tx(100 + i))
    writer.files.close()
    last = writer.written[writer.seqno].entry.data
    open_chunk = writer.folder / writer.files.chunk_names()[-1]
    whole = open_chunk.read_bytes()
    assert whole.endswith(last) and not open_chunk.name.endswith(".committed")
    keep = {s: w.entry.data for s, w in writer.written.items() if s < writer.seqno}
    for cut in range(len(whole) - len(last), len(whole)):
        open_chunk.write_bytes(whole[:cut])
        files = LedgerFiles(writer.folder, secret=writer.secret)
        assert files.last_seqno == writer.seqno - 1, cut
        assert files.committed_seqno == committed
        assert files.torn_bytes == cut - (len(whole) - len(last))
        assert {e.seqno: e.data for e in files.entries()} == keep, cut
        files.close()
    open_chunk.write_bytes(whole)  # and uncut, everything is back
    files = LedgerFiles(writer.folder, secret=writer.secret)
    assert files.last_seqno == writer.seqno and files.torn_bytes == 0
    files.close()


def test_rewriting_helpers_round_trip(written: ServiceWriter) -> None:
    for path in chunks_of(written):
        data = path.read_bytes()
        assert chunk_bytes(entries(data)) == data
