"""Do the two checkers agree? The Python history checker's verdict per property next to TLC's
evaluation of the spec's invariant, on the same histories.

Each side reads a history with its own reader: the Python checker through its public API
(``from_events``, which keeps a response without its request and a reused request id as violations, as
the spec's invariants do), TLC through the trace reader and :mod:`.evaluate`. A history one side refuses
as bad input is not compared per property; it is counted, by mutation kind, as refused by both or by one.
"""

from __future__ import annotations

import builtins
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyccf.formats.history import PROPERTIES
from tracecheck.errors import BadInput
from tracecheck.history import check_history, from_events
from tracecheck.validation.consistency.evaluate import Events, Verdict, evaluate

#: How many disagreements are kept as examples.
EXAMPLES = 200

#: The disagreements understood, as (property, the side that finds it violated) -> why. Empty: the
#: checker and the spec state every property alike (docs/consistency-spec.md); any entry is new.
KNOWN: dict[tuple[str, str], str] = {}


def python_verdict(events: Events, source: str = "<history>") -> Verdict | BadInput:
    """``{property: holds}`` from the Python checker, or the BadInput its reader raises."""
    try:
        history = from_events(events, source)
    except BadInput as exc:
        return exc
    violated = check_history(history).violated()
    return {name: name not in violated for name in PROPERTIES}


@dataclass(frozen=True)
class Disagreement:
    index: int
    kind: str
    property: str
    python_holds: bool
    spec_holds: bool
    events: tuple[dict[str, Any], ...]

    @builtins.property
    def side(self) -> str:
        """The side that finds the property violated: ``python`` or ``spec``."""
        return "spec" if self.python_holds else "python"

    def describe(self) -> str:
        def word(ok: bool) -> str:
            return "holds" if ok else "violated"

        return (f"history {self.index} ({self.kind}): {self.property} {word(self.python_holds)} for the "
                f"Python checker, {word(self.spec_holds)} for the spec")  # fmt: skip


@dataclass
class Agreement:
    """The counts of one comparison run."""

    histories: int = 0
    #: Histories judged by both, on which every property got the same verdict.
    agreed: int = 0
    #: Histories judged by both with at least one property judged differently.
    disagreed: int = 0
    #: Histories both readers refused as bad input, by mutation kind.
    both_refused: Counter[str] = field(default_factory=Counter)
    #: Histories only one reader refused: (``python`` or ``spec``, kind) -> count.
    one_refused: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: (property, the side that finds it violated: ``python`` or ``spec``) -> histories.
    by_property: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: Property -> histories judged by both on which both found it violated (what the run exercised).
    violated: Counter[str] = field(default_factory=Counter)
    #: Property -> histories on which the Python checker found it violated.
    python_violated: Counter[str] = field(default_factory=Counter)
    #: Indices of the histories both accept (every guarantee holds; RoLinearizable may not).
    accepted: list[int] = field(default_factory=list)
    examples: list[Disagreement] = field(default_factory=list)

    @property
    def compared(self) -> int:
        return self.agreed + self.disagreed

    def add(
        self, index: int, kind: str, events: Events, py: Verdict | BadInput, spec: Verdict | BadInput
    ) -> None:
        self.histories += 1
        if isinstance(py, BadInput) or isinstance(spec, BadInput):
            if isinstance(py, BadInput) and isinstance(spec, BadInput):
                self.both_refused[kind] += 1
            else:
                self.one_refused[("python" if isinstance(py, BadInput) else "spec", kind)] += 1
            return
        differ = [p for p in PROPERTIES if py[p] != spec[p]]
        for p in PROPERTIES:
            self.violated[p] += not py[p] and not spec[p]
            self.python_violated[p] += not py[p]
        if all(py[p] and spec[p] for p, prop in PROPERTIES.items() if prop.fails):
            self.accepted.append(index)
        if not differ:
            self.agreed += 1
            return
        self.disagreed += 1
        for p in differ:
            self.by_property[(p, "spec" if py[p] else "python")] += 1
            if len(self.examples) < EXAMPLES:
                self.examples.append(Disagreement(index, kind, p, py[p], spec[p], tuple(events)))

    def lines(self) -> list[str]:
        """The counts as printable lines."""
        out = [f"histories {self.histories}: compared {self.compared}, agreed {self.agreed}, "
               f"disagreed {self.disagreed}"]  # fmt: skip
        if self.both_refused:
            kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.both_refused.items()))
            out.append(f"refused as bad input by both: {sum(self.both_refused.values())} ({kinds})")
        for (side, kind), n in sorted(self.one_refused.items()):
            out.append(f"refused by the {side} reader only: {kind} {n}")
        if +self.violated:
            out.append("violated for both: " + ", ".join(f"{p} {n}" for p, n in (+self.violated).items()))
        for (p, side), n in sorted(self.by_property.items()):
            out.append(f"DISAGREE {p} (violated for the {side} only): {n}")
        out += ["  " + d.describe() for d in self.examples[:5]]
        return out


def compare(
    histories: Sequence[Events],
    kinds: Sequence[str] | None = None,
    *,
    folder: Path | None = None,
    batch: int | None = None,
    spec_verdicts: Sequence[Verdict | BadInput] | None = None,
) -> Agreement:
    """Both checkers on every history (``kinds``: what each is, e.g. its mutation; ``folder``: the spec
    folder TLC reads ConsistencyProperties from; ``spec_verdicts``: TLC's, if already evaluated)."""
    kinds = kinds or ["simulated"] * len(histories)
    if spec_verdicts is None:
        spec_verdicts = evaluate(histories, folder=folder, **({"batch": batch} if batch else {}))
    out = Agreement()
    for k, (events, kind, tlc) in enumerate(zip(histories, kinds, spec_verdicts, strict=True)):
        out.add(k, kind, events, python_verdict(events, f"history {k}"), tlc)
    return out


#: The session a converted CCF history gives its status events.
CCF_STATUS_CLIENT = "status"


def from_ccf_history(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events of a history printed by CCF's own consistency spec (``ExternalHistory.tla``: records with
    the same ``type``, ``tx``, ``tx_id``, ``observed``, ``status`` names, but no sessions) in this form:
    each transaction becomes its own session (CCF's spec makes no per-session promise, so the session
    properties hold trivially) and status events one more; an RO response's missing ``observed`` is
    empty; ``RwTxExecute`` lines are dropped. Then :func:`compare` judges them like any other history."""
    out = []
    for r in records:
        if r.get("type") == "RwTxExecute":  # CCF's trace-validation logs: not a client event
            continue
        e = {k: (list(v) if isinstance(v, tuple) else v) for k, v in r.items() if k != "action"}
        e["client"] = f"tx{r['tx']}" if "tx" in r else CCF_STATUS_CLIENT
        if str(e.get("type", "")).endswith("Response"):
            e.setdefault("observed", [])
        out.append(e)
    return out
