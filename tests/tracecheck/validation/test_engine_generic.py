"""The engine knows nothing of raft: a toy adapter (a counter that adds Step or doubles, one value a line)
with its own trace spec goes through batching, verdicts, diagnosis, constants, report and JUnit."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tracecheck.errors import BadInput
from tracecheck.validation.adapter import Adapter, Comparison
from tracecheck.validation.engine import validate_paths
from tracecheck.validation.junit import junit_xml
from tracecheck.validation.report import report_dict, report_text

TRACE_SPEC = r"""---- MODULE TraceToy ----
EXTENDS Naturals, Sequences, TLC, ToyData
CONSTANT Step
VARIABLES t, l, x
TraceLog == TraceLogs[t]
TraceInit ==
    /\ t \in DOMAIN TraceLogs
    /\ \A k \in DOMAIN TraceLogs : TLCSet(k, 0)
    /\ x = 0 /\ TraceLog[1] = 0 /\ l = 2
TraceNext ==
    /\ l <= Len(TraceLog)
    /\ x' \in {x + Step, 2 * x}
    /\ x' = TraceLog[l]
    /\ l' = l + 1
    /\ UNCHANGED t
TraceReach == IF TLCGet(t) < l THEN TLCSet(t, l) /\ PrintT(<<"tv-reach", t, l>>) ELSE TRUE
TraceFrontier == (TraceDiagnose /\ l = Len(TraceLog)) => PrintT(<<"tv-frontier", t, [x |-> x]>>)
====
"""
# Step = 5 here; the adapter's constants() makes it 1, so only its runs accept 0, 1, 2, 4.
TRACE_CFG = (
    "CONSTANTS\n    Step = 5\nINIT TraceInit\nNEXT TraceNext\n"
    "CONSTRAINT TraceReach\nCONSTRAINT TraceFrontier\n"
)


@dataclass(frozen=True)
class ToyEvent:
    line: int
    text: str
    value: int
    cmd: str = ""

    def summary(self) -> str:
        return f"x = {self.value}"

    def fields(self) -> dict[str, Any]:
        return {"value": self.value}


@dataclass(frozen=True)
class ToyTrace:
    path: Path
    events: tuple[ToyEvent, ...]


@dataclass(frozen=True)
class ToyAdapter:
    folder: Path
    step: int = 1
    data_module_name: str = "ToyData"

    @property
    def default_spec(self) -> str:
        return str(self.folder)

    def load(self, path: Path) -> ToyTrace:
        events = []
        for n, raw in enumerate(path.read_text().splitlines(), start=1):
            if not raw.strip().isdigit():
                raise BadInput("expected a natural number", file=path, line=n, field="value")
            events.append(ToyEvent(n, raw, int(raw)))
        return ToyTrace(path, tuple(events))

    def data_module(self, traces: Sequence[Any], prefix_lengths: Sequence[int | None] | None) -> str:
        logs = []
        for k, trace in enumerate(traces):
            cut = prefix_lengths[k] if prefix_lengths else None
            logs.append("<<" + ", ".join(str(e.value) for e in trace.events[:cut]) + ">>")
        return f"---- MODULE ToyData ----\nTraceLogs == << {', '.join(logs)} >>\n====\n"

    def constants(self) -> Mapping[str, str]:
        return {"Step": str(self.step)}

    def compare(self, event: ToyEvent, observed: dict[str, Any]) -> list[Comparison]:
        return [Comparison("x + Step or 2 * x", event.value, [observed["x"] + self.step, 2 * observed["x"]])]

    def no_initial_state(self, trace: ToyTrace) -> str:
        return f"line 1: the counter starts at 0, not {trace.events[0].value}"


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> tuple[ToyAdapter, dict[str, Path]]:
    root = tmp_path_factory.mktemp("toy")
    spec = root / "toy"
    spec.mkdir()
    (spec / "TraceToy.tla").write_text(TRACE_SPEC)
    (spec / "TraceToy.cfg").write_text(TRACE_CFG)
    traces = {"good": "0\n1\n2\n4\n5\n", "bad": "0\n1\n3\n", "start": "5\n6\n", "stepped": "0\n5\n"}
    paths = {}
    for name, text in traces.items():
        paths[name] = root / f"{name}.txt"
        paths[name].write_text(text)
    return ToyAdapter(spec), paths


def test_an_adapter_is_a_protocol_the_toy_meets(toy):
    adapter: Adapter = toy[0]  # mypy checks this assignment against the Protocol
    assert adapter.constants() == {"Step": "1"}


@pytest.mark.tlc
def test_toy_traces_validated_by_the_generic_engine(toy):
    adapter, paths = toy
    names = ["good", "bad", "start", "stepped"]
    verdicts = dict(zip(names, validate_paths([paths[n] for n in names], adapter=adapter, jobs=2,
                                              timeout=300), strict=True))  # fmt: skip
    assert verdicts["good"].status == "accepted" and verdicts["good"].matched == 5
    bad = verdicts["bad"]
    assert bad.status == "rejected" and bad.failing.line == 3 and bad.matched == 2
    assert "line 3: no behaviour of the spec matches this logged event" in bad.message
    assert [c.observed for c in bad.candidates] == [{"x": 1}]
    assert [(m.logged, m.spec) for m in bad.candidates[0].mismatches] == [(3, [2, 2])]
    start = verdicts["start"]
    assert start.status == "rejected" and start.message == "line 1: the counter starts at 0, not 5"
    # Step = 5 in the cfg would accept 0, 5: the adapter's constant reached TLC
    assert verdicts["stepped"].status == "rejected" and verdicts["stepped"].failing.line == 2
    step5 = ToyAdapter(adapter.folder, step=5)
    with5 = validate_paths([paths["stepped"]], adapter=step5, jobs=1, timeout=300)
    assert with5[0].status == "accepted"

    text = report_text(list(verdicts.values()))
    assert "line 3" in text and "x = 3" in text
    assert report_dict([bad])["traces"][0]["failing_event"]["value"] == 3
    root = ET.fromstring(junit_xml(list(verdicts.values()), 1.0))
    assert (root.get("tests"), root.get("failures")) == ("4", "3")


def test_toy_bad_input_names_file_and_line(toy):
    adapter, paths = toy
    junk = paths["good"].with_name("junk.txt")
    junk.write_text("0\nx\n")
    with pytest.raises(BadInput, match=r"junk.txt:2: field 'value': expected a natural number"):
        validate_paths([junk], adapter=adapter)
