"""TxID: order, text form, and one clear error per malformed text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyccf.kv.txid import MAX_U64, TxID

u64 = st.integers(min_value=0, max_value=MAX_U64)


def test_text_form() -> None:
    assert str(TxID(2, 15)) == "2.15"
    assert TxID.parse("2.15") == TxID(2, 15)
    assert TxID.parse("0.0") == TxID(0, 0)


def test_order_is_view_then_seqno() -> None:
    # after an election seqnos are reused: 3.16 comes after 2.18
    assert TxID(2, 18) < TxID(3, 16) < TxID(3, 17)
    assert sorted([TxID(3, 1), TxID(2, 9), TxID(2, 10)]) == [TxID(2, 9), TxID(2, 10), TxID(3, 1)]
    assert TxID(2, 10) != TxID(2, 9)


@given(u64, u64, u64, u64)
def test_order_matches_tuples(a: int, b: int, c: int, d: int) -> None:
    assert (TxID(a, b) < TxID(c, d)) == ((a, b) < (c, d))


@given(u64, u64)
def test_round_trip(view: int, seqno: int) -> None:
    assert TxID.parse(str(TxID(view, seqno))) == TxID(view, seqno)


def test_frozen() -> None:
    t = TxID(2, 3)
    with pytest.raises(AttributeError):
        t.view = 4  # type: ignore[misc]
    assert hash(t) == hash(TxID(2, 3))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "no '.'"),
        ("215", "no '.'"),
        ("2.1.5", "more than one '.'"),
        (".5", "view is empty"),
        ("2.", "seqno is empty"),
        ("x.5", "view 'x' is not a decimal number"),
        ("2.-5", "seqno '-5' is not a decimal number"),
        ("+2.5", "view '+2' is not a decimal number"),
        (" 2.5", "view ' 2' is not a decimal number"),
        ("2.5\n", "seqno '5\\n' is not a decimal number"),
        ("2.٣", "is not a decimal number"),  # a non-ASCII digit
        ("02.5", "view '02' has a leading zero"),
        (f"2.{MAX_U64 + 1}", "seqno 18446744073709551616 is larger than 2**64-1"),
    ],
)
def test_parse_errors_name_the_part(text: str, says: str) -> None:
    with pytest.raises(ValueError) as info:
        TxID.parse(text)
    message = str(info.value)
    assert says in message
    assert "\n" not in message  # one line: the text is quoted with repr
    assert repr(text) in message


def test_constructor_checks_fields() -> None:
    with pytest.raises(ValueError, match="seqno -1 is outside"):
        TxID(2, -1)
    with pytest.raises(ValueError, match="view must be an int, not bool"):
        TxID(True, 1)
    with pytest.raises(ValueError, match="view must be an int, not str"):
        TxID("2", 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must be text"):
        TxID.parse(2.5)  # type: ignore[arg-type]
