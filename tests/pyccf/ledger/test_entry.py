"""Entries: CCF's byte layout, checked field by field, and the strict reader's rejections."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping

import pytest

from pyccf.formats.ledger import EntryFlags
from pyccf.ledger.entry import EntryInput, EntryTruncated, MapChanges, read_entry, serialise_entry
from pyccf.ledger.errors import LedgerFormatError
from pyccf.ledger.secrets import LedgerSecret
from tests.pyccf.ledger.builders import SECRET, entry, tx


def maps_bytes(maps: Mapping[str, MapChanges]) -> bytes:
    def blob(b: bytes) -> bytes:
        return struct.pack("<Q", len(b)) + b

    out = b""
    for name, ch in maps.items():
        out += blob(name.encode()) + struct.pack("<qQQ", 0, 0, len(ch.writes))
        out += b"".join(blob(k) + blob(v) for k, v in ch.writes.items())
        out += struct.pack("<Q", len(ch.removals)) + b"".join(blob(k) for k in ch.removals)
    return out


def test_layout_is_ccf_s():
    t = tx(5, 3, flags=EntryFlags.FORCE_LEDGER_CHUNK_AFTER)
    e, evidence = serialise_entry(t, SECRET)
    d = e.data
    assert d[0] == 1 and d[1] == 0x01 and int.from_bytes(d[2:8], "little") == len(d) - 8
    tag, iv = d[8:24], d[24:36]
    assert iv == (5).to_bytes(8, "little") + (3).to_bytes(4, "little")
    (public_size,) = struct.unpack_from("<Q", d, 36)
    public = d[44 : 44 + public_size]
    ce_digest = hashlib.sha256(evidence.encode()).digest()
    assert public == (
        bytes([4])
        + struct.pack("<q", 5)
        + bytes(32)
        + ce_digest
        + struct.pack("<q", 0)
        + maps_bytes(t.public)
    )
    assert evidence == SECRET.commit_evidence(3, 5)
    private = d[44 + public_size :]
    assert SECRET.decrypt(3, 5, private, tag, public) == maps_bytes(t.private)
    assert e.write_set_digest == hashlib.sha256(d).digest()
    assert e.commit_evidence_digest == ce_digest


def test_serialisation_is_deterministic():
    assert entry(4).data == entry(4).data
    assert entry(4).data != entry(4, view=3).data


def test_round_trip_with_and_without_the_secret():
    e = entry(7)
    padded = b"x" * 10 + e.data + b"trailing"
    back = read_entry(padded, 10, "f", SECRET)
    assert (back.view, back.seqno, back.flags, back.data) == (e.view, e.seqno, e.flags, e.data)
    assert back.public == {k: MapChanges(dict(v.writes), tuple(v.removals)) for k, v in e.public.items()}
    assert back.private == {"app.secret": MapChanges({b"s": b"hidden 7"}, ())}
    assert read_entry(e.data, 0, "f").private is None


@pytest.mark.parametrize(
    "bad",
    [
        EntryInput(1, 1, public={"app.x": MapChanges()}),
        EntryInput(1, 1, private={"public:x": MapChanges()}),
        EntryInput(1, 1, claims_digest=b"short"),
        EntryInput(1, 1, flags=EntryFlags(4)),
        EntryInput(2**31, 1),
        EntryInput(1, 0),
        EntryInput(1, 2**63),
    ],
)
def test_inputs_are_checked(bad):
    with pytest.raises(ValueError):
        serialise_entry(bad, SECRET)


def test_an_empty_transaction_serialises():
    e, _ = serialise_entry(EntryInput(1, 1), SECRET)
    assert read_entry(e.data, 0, "f", SECRET).public == {}


def at(data: bytes, offset: int, value: bytes) -> bytes:
    return data[:offset] + value + data[offset + len(value) :]


PUBLIC = 44  # where the public domain starts


@pytest.mark.parametrize(
    ("tamper", "field", "offset"),
    [
        (lambda d: at(d, 0, b"\x02"), "version", 0),
        (lambda d: at(d, 1, b"\x04"), "flags", 1),
        (lambda d: at(d, 2, (20).to_bytes(6, "little")), "size", 2),
        (lambda d: at(d, 35, b"\x80"), "gcm iv", 35),
        (lambda d: at(d, 36, struct.pack("<Q", 10**6)), "public domain size", 36),
        (lambda d: at(d, PUBLIC, b"\x03"), "entry type", PUBLIC),
        (lambda d: at(d, PUBLIC + 1, struct.pack("<q", 9)), "version", PUBLIC + 1),
        (lambda d: at(d, PUBLIC + 73, struct.pack("<q", 1)), "max conflict version", PUBLIC + 73),
        (lambda d: at(d, PUBLIC + 81 + 8, b"P"), "map name", PUBLIC + 81),  # "Public:..."
        (lambda d: at(d, PUBLIC + 81 + 8 + 18, b"\x01"), "public:app.counter read version", PUBLIC + 107),
        (lambda d: at(d, PUBLIC + 81 + 8 + 26, b"\x01"), "public:app.counter read count", PUBLIC + 115),
        (lambda d: at(d, PUBLIC + 81, struct.pack("<Q", 10**6)), "map name", PUBLIC + 89),
    ],
)
def test_reader_names_the_field_and_offset(tamper, field, offset):
    data = tamper(entry(7).data)
    with pytest.raises(LedgerFormatError) as caught:
        read_entry(data, 0, "ledger_1")
    assert caught.value.field == field
    assert caught.value.offset == offset
    assert caught.value.file == "ledger_1"
    assert str(caught.value).startswith(f"ledger_1: byte {offset}: {field}:")


def test_the_secret_catches_what_the_layout_cannot():
    e = entry(7)
    for i in (8, 30, len(e.data) - 1, PUBLIC + 100):  # tag, IV, private domain, a public value byte
        data = at(e.data, i, bytes([e.data[i] ^ 1]))
        with pytest.raises(LedgerFormatError) as caught:
            read_entry(data, 0, "f", SECRET)
        assert caught.value.field in {"gcm tag", "gcm iv", "version"}
    with pytest.raises(LedgerFormatError, match="gcm tag"):
        read_entry(e.data, 0, "f", LedgerSecret(bytes(32)))


@pytest.mark.parametrize("keep", [0, 1, 7, 8, 9, 44, -1])
def test_a_cut_entry_is_reported_as_truncated(keep):
    data = entry(7).data
    with pytest.raises(EntryTruncated):
        read_entry(data[:keep], 0, "f")


def test_a_malformed_private_domain_is_located_in_the_file():
    e, _ = serialise_entry(EntryInput(2, 1, private={"a": MapChanges({b"k": b"v"})}), SECRET)
    (public_size,) = struct.unpack_from("<Q", e.data, 36)
    private_at = PUBLIC + public_size
    public = e.data[PUBLIC:private_at]
    plain = SECRET.decrypt(2, 1, e.data[private_at:], e.data[8:24], public)
    bad = plain[:17] + struct.pack("<Q", 1) + plain[25:]  # name (8 + 1 bytes), read version, read count
    ciphertext, tag = SECRET.encrypt(2, 1, bad, public)
    data = e.data[:8] + tag + e.data[24:private_at] + ciphertext
    with pytest.raises(LedgerFormatError) as caught:
        read_entry(data, 0, "ledger_1", SECRET)
    assert (caught.value.field, caught.value.offset) == ("a read count", private_at + 17)


def test_claims_digest_and_flags_round_trip():
    claims = hashlib.sha256(b"claims").digest()
    flags = EntryFlags.FORCE_LEDGER_CHUNK_AFTER | EntryFlags.FORCE_LEDGER_CHUNK_BEFORE
    e, _ = serialise_entry(EntryInput(4, 9, claims_digest=claims, flags=flags), SECRET)
    assert e.data[PUBLIC + 9 : PUBLIC + 41] == claims
    back = read_entry(e.data, 0, "f", SECRET)
    assert (back.claims_digest, back.flags, back.commit_evidence_digest) == (
        claims,
        flags,
        e.commit_evidence_digest,
    )
