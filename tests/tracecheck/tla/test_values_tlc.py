"""Value round trip THROUGH REAL TLC: Python -> to_tla -> TLC evaluates and prints -> parse_value.

Many values go into one generated spec per TLC run (its single state holds them all and violates an
invariant, so TLC prints that state), keeping the test to a few TLC runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from tests.tracecheck.tla.test_values import MODEL_VALUES, TLA_VALUES  # the value strategies
from tracecheck.tla.tlc import run_tlc
from tracecheck.tla.values import Function, ModelValue, Record, to_tla

pytestmark = pytest.mark.tlc

BATCH = 150


def tlc_reprint(folder: Path, values: list) -> tuple:
    """Have TLC evaluate ``<<v1, ..., vn>>`` and return what it printed, parsed."""
    folder.mkdir(parents=True, exist_ok=True)
    body = ",\n    ".join(to_tla(v) for v in values)
    (folder / "RoundTrip.tla").write_text(
        "---- MODULE RoundTrip ----\n"
        "EXTENDS Integers, TLC\n"
        f"CONSTANTS {', '.join(MODEL_VALUES)}\n"
        "VARIABLE v\n"
        f"Init == v = <<\n    {body}\n    >>\n"
        "Next == UNCHANGED v\n"
        "Printed == v = <<>>\n"
        "====\n"
    )
    consts = "\n".join(f"    {m} = {m}" for m in MODEL_VALUES)
    (folder / "RoundTrip.cfg").write_text(f"CONSTANTS\n{consts}\nINIT Init\nNEXT Next\nINVARIANT Printed\n")
    result = run_tlc(folder / "RoundTrip.tla", timeout=120, fast_start=True)
    assert result.status == "invariant_violated", result.errors
    assert result.errors == ["Invariant Printed is violated by the initial state:"], result.errors
    assert len(result.trace) == 1
    return result.trace[0].state["v"]


def test_hand_picked_values_through_tlc(tmp_path):
    values = [
        0, -2147483647, 2147483647, "", 'q"uote\\back\nnl\ttab', "café", True, False,
        ModelValue("mv_a"), (), frozenset(), (1, "a", (True,)), frozenset({frozenset(), frozenset({1})}),
        Record({"a": 1, "IF": frozenset({ModelValue("mv_b")})}), Function({2: "x", 5: "y"}),
        Function({"a b": 1, "": 2}), Function({1: "s", 2: "t"}), Function({}), Record({}),
        Function({(1, 2): Record({"x_y": ()})}), Function({"7ZFF": 1}), ((), ((),)),
        Function({ModelValue("mv_a"): 1, ModelValue("mv_c"): 2}),
    ]  # fmt: skip
    printed = tlc_reprint(tmp_path, values)
    assert len(printed) == len(values)
    for want, got in zip(values, printed, strict=True):
        assert got == want, f"{to_tla(want)} came back as {to_tla(got)}"


@settings(max_examples=3, phases=[Phase.explicit, Phase.generate])  # no shrinking: 1 TLC run per try
@given(st.lists(TLA_VALUES, min_size=BATCH, max_size=BATCH))
def test_round_trip_through_tlc(tmp_path_factory, values):
    printed = tlc_reprint(tmp_path_factory.mktemp("rt"), values)
    for want, got in zip(values, printed, strict=True):
        assert got == want, f"{to_tla(want)} came back as {to_tla(got)}"


@pytest.mark.slow
@settings(max_examples=40, phases=[Phase.explicit, Phase.generate])
@given(st.lists(TLA_VALUES, min_size=200, max_size=200))
def test_round_trip_through_tlc_long(tmp_path_factory, values):
    """The same property on 8,000 values (slow: run with -m slow)."""
    printed = tlc_reprint(tmp_path_factory.mktemp("rt"), values)
    for want, got in zip(values, printed, strict=True):
        assert got == want, f"{to_tla(want)} came back as {to_tla(got)}"
