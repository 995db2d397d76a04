"""Any transaction's entry reads back as written, and any cut of it is reported as truncated."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pyccf.ledger.entry import EntryInput, EntryTruncated, MapChanges, read_entry, serialise_entry
from tests.pyccf.ledger.builders import SECRET

keys = st.binary(max_size=12)
changes = st.builds(
    MapChanges,
    st.dictionaries(keys, st.binary(max_size=20), max_size=4),
    st.lists(keys, max_size=3).map(tuple),
)
names = st.text(alphabet="abcxyz._é", min_size=1, max_size=8)
public_maps = st.dictionaries(names.map(lambda n: "public:" + n), changes, max_size=3)
private_maps = st.dictionaries(names.filter(lambda n: not n.startswith("public:")), changes, max_size=3)
inputs = st.builds(
    EntryInput,
    st.integers(0, 2**31 - 1),
    st.integers(1, 2**63 - 1),
    public_maps,
    private_maps,
    st.binary(min_size=32, max_size=32),
)


@given(inputs)
def test_round_trip(tx):
    e, _ = serialise_entry(tx, SECRET)
    back = read_entry(e.data, 0, "f", SECRET)
    assert (back.view, back.seqno, back.claims_digest, back.data) == (
        tx.view,
        tx.seqno,
        tx.claims_digest,
        e.data,
    )
    assert back.public == tx.public
    assert back.private == tx.private


@given(inputs, st.data())
def test_any_cut_is_truncated(tx, data):
    e, _ = serialise_entry(tx, SECRET)
    keep = data.draw(st.integers(0, len(e.data) - 1))
    try:
        read_entry(e.data[:keep], 0, "f")
    except EntryTruncated:
        return
    raise AssertionError(f"a cut at {keep} of {len(e.data)} bytes was not reported")
