"""Write sets: public and private domains apart, maps in name order, keys in byte order, shape checked."""

from __future__ import annotations

import pytest

from pyccf.formats.ledger import PUBLIC_PREFIX, Table
from pyccf.kv.errors import WriteSetError
from pyccf.kv.writeset import MapWrites, WriteSet, is_public


def test_of_splits_domains_and_orders_maps_and_keys() -> None:
    ws = WriteSet.of(
        {
            "zeta": {b"b": b"2", b"a": b"1"},
            Table.SIGNATURES: {b"\x00": b"s"},
            "public:app": {b"k": None, b"\xff": b"x", b"j": b"y"},
            "alpha": {},
        }
    )
    assert [m.name for m in ws.public] == ["public:app", "public:ccf.internal.signatures"]
    assert [m.name for m in ws.private] == ["zeta"]  # the empty map is left out
    app = ws.public[0]
    assert app.writes == ((b"j", b"y"), (b"\xff", b"x"))
    assert app.removes == (b"k",)
    assert list(app.changes()) == [(b"j", b"y"), (b"k", None), (b"\xff", b"x")]
    assert ws.private[0].writes == ((b"a", b"1"), (b"b", b"2"))
    assert [m.name for m in ws.maps()] == ["public:app", "public:ccf.internal.signatures", "zeta"]
    assert not ws.empty and WriteSet.of({}).empty


def test_equal_changes_give_equal_write_sets() -> None:
    a = WriteSet.of({"m": {b"1": b"x", b"2": None}, "public:p": {b"k": b"v"}})
    b = WriteSet.of({"public:p": {b"k": b"v"}, "m": {b"2": None, b"1": b"x"}})
    assert a == b and hash(a) == hash(b)


def test_domain_is_the_prefix() -> None:
    assert is_public(PUBLIC_PREFIX + "x") and not is_public("publicx") and not is_public("x:public:")


@pytest.mark.parametrize(
    ("build", "says"),
    [
        (
            lambda: WriteSet(private=(MapWrites("public:leak", ((b"k", b"v"),)),)),
            "private domain: map public:leak",
        ),
        (
            lambda: WriteSet(public=(MapWrites("secret", ((b"k", b"v"),)),)),
            "public domain: map secret belongs",
        ),
        (
            lambda: WriteSet(private=(MapWrites("b", removes=(b"k",)), MapWrites("a", removes=(b"k",)))),
            "maps not in strictly increasing name order (b, a)",
        ),
        (
            lambda: MapWrites("m", ((b"b", b"1"), (b"a", b"2"))),
            "map m: writes: keys not in strictly increasing",
        ),
        (
            lambda: MapWrites("m", ((b"a", b"1"), (b"a", b"2"))),
            "map m: writes: keys not in strictly increasing",
        ),
        (lambda: MapWrites("m", removes=(b"z", b"a")), "map m: removes: keys not in strictly"),
        (lambda: MapWrites("m", ((b"a", b"1"),), (b"a",)), "key b'a' both written and removed"),
        (lambda: MapWrites("m"), "map m: no changes"),
        (lambda: MapWrites("", removes=(b"a",)), "map name: must be a non-empty string"),
        (lambda: MapWrites("m", (("a", b"1"),)), "map m: writes: key and value must be bytes"),  # type: ignore[arg-type]
        (lambda: MapWrites("m", removes=("a",)), "map m: removes: key must be bytes"),  # type: ignore[arg-type]
    ],
)
def test_a_malformed_write_set_cannot_be_built(build: object, says: str) -> None:
    with pytest.raises(WriteSetError) as info:
        build()  # type: ignore[operator]
    assert says in str(info.value)
