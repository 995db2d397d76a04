"""The value grammar and printer, in Python: every form TLC prints, equality, errors, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracecheck.errors import BadInput
from tracecheck.tla.values import Function, ModelValue, Record, parse_value, to_tla

# ---- strategies (also used by test_values_tlc.py): typed, so sets never mix kinds TLC cannot compare

MODEL_VALUES = ("mv_a", "mv_b", "mv_c")
FIELDS = ("a", "b", "c1", "val", "x_y", "IF", "TRUE")
# SANY rejects a backtick inside a string; TLC's integers are 32-bit.
STRING_CHARS = st.characters(min_codepoint=32, max_codepoint=126, blacklist_characters="`") | st.sampled_from(
    "\n\t"
)
TLC_INT = st.integers(min_value=-(2**31 - 1), max_value=2**31 - 1)

LEAVES = st.sampled_from(["int", "str", "bool", "mv"])


def _types(leaf):
    fields = st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3, unique=True)
    return st.one_of(
        st.tuples(st.just("seq"), leaf),
        st.tuples(st.just("set"), leaf),
        st.tuples(st.just("tuple"), st.lists(leaf, min_size=1, max_size=3).map(tuple)),
        st.tuples(
            st.just("record"),
            fields.flatmap(
                lambda fs: st.tuples(*[leaf for _ in fs]).map(lambda ts: tuple(zip(fs, ts, strict=True)))
            ),
        ),
        st.tuples(st.just("fn"), LEAVES, leaf),
    )


TYPES = st.recursive(LEAVES, _types, max_leaves=6)


def values_of(typ) -> st.SearchStrategy:
    """Values of one TLA+ 'type' (as drawn from TYPES)."""
    if typ == "int":
        return TLC_INT
    if typ == "str":
        return st.text(STRING_CHARS, max_size=8)
    if typ == "bool":
        return st.booleans()
    if typ == "mv":
        return st.sampled_from(MODEL_VALUES).map(ModelValue)
    kind = typ[0]
    if kind == "seq":
        return st.lists(values_of(typ[1]), max_size=4).map(tuple)
    if kind == "set":
        return st.frozensets(values_of(typ[1]), max_size=4)
    if kind == "tuple":
        return st.tuples(*[values_of(t) for t in typ[1]])
    if kind == "record":
        names = [f for f, _ in typ[1]]
        return st.tuples(*[values_of(t) for _, t in typ[1]]).map(
            lambda vs: Record(zip(names, vs, strict=True))
        )
    if kind == "fn":
        return st.dictionaries(values_of(typ[1]), values_of(typ[2]), max_size=4).map(Function)
    raise AssertionError(typ)


TLA_VALUES = TYPES.flatmap(values_of)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        ("-7", -7),
        ('"a\\"b\\\\c\\nd\\te"', 'a"b\\c\nd\te'),
        ("TRUE", True),
        ("FALSE", False),
        ("n1", ModelValue("n1")),
        ("TRUEish", ModelValue("TRUEish")),
        ("<<>>", ()),
        ("{}", frozenset()),
        ("1..3", frozenset({1, 2, 3})),
        ('<< <<1, "x">>, {}>>', ((1, "x"), frozenset())),
        ("{<<1, 2>>, <<3>>}", frozenset({(1, 2), (3,)})),
        ("[a |-> 1, b |-> {TRUE}]", Record({"a": 1, "b": frozenset({True})})),
        ("[IF |-> 1, TRUE |-> 2]", Record({"IF": 1, "TRUE": 2})),
        ("[7ZFF |-> 1]", Record({"7ZFF": 1})),  # TLA+ identifiers may start with digits
        ("<<<<>>>>", ((),)),  # TLC writes nested empty sequences without spaces
        ("(1 :> 1 @@ 3 :> 3)", Function({1: 1, 3: 3})),
        (
            "(n1 :> {<<n1, {}>>} @@ n2 :> {})",
            Function(
                {
                    ModelValue("n1"): frozenset({(ModelValue("n1"), frozenset())}),
                    ModelValue("n2"): frozenset(),
                }
            ),
        ),
        ("(<<1, 2>> :> [a |-> 1])", Function({(1, 2): Record({"a": 1})})),
        # TLC wraps long values over several lines with indentation
        (
            '<< <<"abcdefgh", 1, {1}>>,\n   <<"abcdefgh", 2, {2}>> >>',
            (("abcdefgh", 1, frozenset({1})), ("abcdefgh", 2, frozenset({2}))),
        ),
    ],
)
def test_parse_every_form_tlc_prints(text, expected):
    value = parse_value(text)
    assert value == expected
    assert type(value) is type(expected) or isinstance(value, type(expected))
    assert hash(value) == hash(expected)


def test_tla_equality_records_and_sequences_are_functions():
    assert Record({"a": 1}) == Function({"a": 1})
    assert Function({1: "x", 2: "y"}) == ("x", "y") and Function({1: "x", 2: "y"}) == ("x", "y")
    assert hash(Function({1: "x", 2: "y"})) == hash(("x", "y"))
    assert Function({}) == () and hash(Function({})) == hash(())
    assert Function({2: "x"}) != ("x",)
    assert frozenset({Function({1: 5}), (5,)}) == frozenset({(5,)})
    assert ModelValue("a") != "a" and ModelValue("a") != "a"
    assert ModelValue("a") == ModelValue("a") and hash(ModelValue("a")) == hash(ModelValue("a"))


def test_values_are_immutable_and_hashable():
    rec = Record({"a": frozenset({Function({1: 2})})})
    assert {rec: 1}[Record({"a": frozenset({(2,)})})] == 1
    with pytest.raises(TypeError):
        rec["a"] = 3  # type: ignore[index]


@pytest.mark.parametrize("text", ["", "<<1,", "[a |-> ]", "{1 2}", "(1 :> )", '"open', "1..", "@"])
def test_malformed_values_raise_bad_input_with_position(text):
    with pytest.raises(BadInput) as info:
        parse_value(text)
    assert "not a TLA+ value" in str(info.value)


def test_malformed_value_reports_line_and_column():
    with pytest.raises(BadInput) as info:
        parse_value("<<1,\n  2 3>>")
    assert (info.value.line, info.value.col) == (2, 5)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "TRUE"),
        (-3, "-3"),
        ('say "hi"\n', '"say \\"hi\\"\\n"'),
        (ModelValue("n1"), "n1"),
        ((), "<<>>"),
        (((1,),), "<< <<1>> >>"),
        (frozenset({3, 1, 2}), "{1, 2, 3}"),
        (Record({"a": 1, "b": "x"}), '[a |-> 1, b |-> "x"]'),
        (Function({1: "a", 2: "b"}), '<<"a", "b">>'),
        (Function({2: "a"}), '(2 :> "a")'),
        (Function({"IF": 1}), '("IF" :> 1)'),
        (Function({}), "<<>>"),
        ({"k": [1, 2]}, "[k |-> <<1, 2>>]"),
    ],
)
def test_to_tla(value, text):
    assert to_tla(value) == text


def test_to_tla_rejects_what_tla_cannot_hold():
    with pytest.raises(BadInput):
        to_tla(1.5)


@settings(max_examples=300)
@given(TLA_VALUES)
def test_round_trip_in_python(value):
    assert parse_value(to_tla(value)) == value
