"""ITF export and the JSON value encoding --json shares with it."""

from __future__ import annotations

import collections
import json

import pytest
from hypothesis import given, settings

from tests.tracecheck.tla.test_values import TLA_VALUES  # the value strategies
from tracecheck.tla.itf import from_json_value, to_itf, to_json_value, write_itf
from tracecheck.tla.tlcresult import TlcResult, TraceStep
from tracecheck.tla.values import Function, ModelValue, Record


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (5, 5),
        (2**60, {"#bigint": str(2**60)}),
        ("s", "s"),
        (True, True),
        (ModelValue("n1"), "n1"),
        ((1, "a"), [1, "a"]),
        (frozenset({2, 1}), {"#set": [1, 2]}),
        (Record({"a": 1}), {"a": 1}),
        (Function({2: "x", 1: "y"}), ["y", "x"]),  # a function on 1..n is a sequence
        (Function({3: "x"}), {"#map": [[3, "x"]]}),
        (Function({ModelValue("n1"): 0}), {"#map": [["n1", 0]]}),
        (Function({(1, 2): frozenset()}), {"#map": [[[1, 2], {"#set": []}]]}),
        # Keys an ITF reader cannot turn into field names, and {tag, value} (read as a variant): #map.
        (Record({"7ZFF": 1}), {"#map": [["7ZFF", 1]]}),
        (Record({"class": 1}), {"#map": [["class", 1]]}),
        (Record({"tag": "A", "value": 1}), {"#map": [["tag", "A"], ["value", 1]]}),
        (Record({"tag": "A", "value": 1, "x": 2}), {"tag": "A", "value": 1, "x": 2}),
    ],
)
def test_value_encoding(value, encoded):
    assert to_json_value(value) == encoded


@settings(max_examples=200)
@given(TLA_VALUES)
def test_encoding_round_trip_up_to_model_values(value):
    encoded = json.loads(json.dumps(to_json_value(value)))
    assert from_json_value(encoded) == plain(value)


def _objects(encoded):
    if isinstance(encoded, list):
        for item in encoded:
            yield from _objects(item)
    elif isinstance(encoded, dict):
        tagged = [k for k in ("#set", "#map", "#tup") if k in encoded]
        if not tagged and "#bigint" not in encoded and "#unserializable" not in encoded:
            yield encoded
        for item in encoded.values():
            yield from _objects(item)


@settings(max_examples=200)
@given(TLA_VALUES)
def test_every_json_object_loads_as_an_itf_py_record(value):
    """itf-py reads a JSON object as ``namedtuple("Rec", keys)`` ({tag, value} as a variant)."""
    for obj in _objects(to_json_value(value)):
        collections.namedtuple("Rec", list(obj))  # raises ValueError for a key it cannot take
        assert set(obj) != {"tag", "value"}


def plain(value):
    """``value`` with model values as plain strings (ITF has no model values)."""
    if isinstance(value, ModelValue):
        return str(value)
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, frozenset):
        return frozenset(plain(v) for v in value)
    if isinstance(value, Function):
        return Function({plain(k): plain(v) for k, v in value.items()})
    return value


def lasso() -> TlcResult:
    states = [{"x": 0, "s": frozenset()}, {"x": 1, "s": frozenset({ModelValue("n")})}]
    return TlcResult(
        status="property_violated",
        violated="Live",
        trace=[TraceStep(i + 1, None if i == 0 else "Next", None, st) for i, st in enumerate(states)],
        back_to_state=1,
        tlc_version="2.15",
    )


def test_itf_trace_with_loop(tmp_path):
    itf = to_itf(lasso())
    assert itf["vars"] == ["x", "s"] and itf["loop"] == 0
    assert itf["states"][1] == {"#meta": {"index": 1, "action": "Next"}, "x": 1, "s": {"#set": ["n"]}}
    assert itf["#meta"]["format"] == "ITF" and itf["#meta"]["violated"] == "Live"
    path = write_itf(lasso(), tmp_path / "t.itf.json")
    assert json.loads(path.read_text()) == itf


def test_itf_without_counterexample():
    assert to_itf(TlcResult(status="ok"))["states"] == []
