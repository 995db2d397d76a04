"""The two consistency checkers agree: TLC's evaluation of the spec's invariants and the Python history
checker, per property, on a small sample of runs A (simulated) and B (mutants); a broken property on
either side is caught. bench/agree_consistency.py runs the same code at full size."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from pyccf.formats.history import PROPERTIES
from tracecheck.errors import BadInput
from tracecheck.history.check import CHECKS
from tracecheck.tla.specs import spec_folder
from tracecheck.validation.consistency.agree import (
    KNOWN,
    Agreement,
    compare,
    from_ccf_history,
    python_verdict,
)
from tracecheck.validation.consistency.agreement_runs import Walks, features, simulated
from tracecheck.validation.consistency.evaluate import evaluate, module_text, spec_history
from tracecheck.validation.consistency.mutate import MUTATIONS, READER_DIFFERENCES, mutants

pytestmark = pytest.mark.tlc

SAMPLE = (Walks(400, 60, 10), Walks(300, 100, 16))
MUTANTS = 700


def rw(tx: int, c: str = "a") -> dict:
    return {"type": "RwTxRequest", "client": c, "tx": tx}


def rw_r(tx: int, txid: list[int], obs: list[int], c: str = "a") -> dict:
    return {"type": "RwTxResponse", "client": c, "tx": tx, "tx_id": txid, "observed": obs}


def st(txid: list[int], status: str, c: str = "a") -> dict:
    return {"type": "TxStatusReceived", "client": c, "tx_id": txid, "status": status + "Status"}


@pytest.fixture(scope="module")
def sample() -> dict:
    histories = simulated(80, seed=11, shapes=SAMPLE)
    a = compare(histories)
    batch = mutants([histories[k] for k in a.accepted], MUTANTS, seed=5)
    events, kinds = [m for m, _ in batch], [k for _, k in batch]
    spec = evaluate(events)
    return {"histories": histories, "a": a, "events": events, "kinds": kinds, "spec": spec,
            "b": compare(events, kinds, spec_verdicts=spec)}  # fmt: skip


def test_tlc_evaluates_each_history_on_its_own() -> None:
    """One run, several histories, each with its own verdict (a reused request id, a real-time
    inversion between two committed writes, a correct history)."""
    dup = [rw(0), rw(0)]
    inverted = [rw(0), rw_r(0, [1, 2], [1, 0]), rw(1, "b"), rw_r(1, [1, 1], [1], "b"),
                st([1, 2], "Committed"), st([1, 1], "Committed")]  # fmt: skip
    good = [rw(0), rw_r(0, [1, 1], [0]), st([1, 1], "Committed")]
    v = evaluate([dup, inverted, good])
    assert (
        not isinstance(v[0], BadInput) and not isinstance(v[1], BadInput) and not isinstance(v[2], BadInput)
    )
    assert {p for p, ok in v[0].items() if not ok} == {"UniqueRequests"}
    assert not v[1]["CommittedRwRealTime"] and v[1]["UniqueRequests"]
    assert all(v[2].values())
    for history, verdict in zip((dup, inverted, good), v, strict=True):
        assert python_verdict(history) == verdict


def test_the_generated_module_names_every_invariant() -> None:
    text = module_text([spec_history([rw(0)])])
    for prop in PROPERTIES.values():
        assert f"P(h)!{prop.spec_invariant}" in text


def test_bad_input_is_refused_naming_the_event_and_field() -> None:
    [verdict] = evaluate(
        [[rw(0), {"type": "RwTxResponse", "client": "a", "tx": 0, "tx_id": [1], "observed": []}]]
    )
    assert isinstance(verdict, BadInput)
    assert (verdict.line, verdict.field) == (2, "tx_id")
    assert isinstance(python_verdict([{"type": "Nope"}]), BadInput)


def test_run_a_the_checker_accepts_every_simulated_history(sample: dict) -> None:
    a: Agreement = sample["a"]
    assert a.histories >= 80 and a.compared == a.histories
    assert a.disagreed == 0, [d.describe() for d in a.examples]
    assert {p for p, n in a.python_violated.items() if n} <= {"RoLinearizable"}
    seen = features(sample["histories"])
    for situation in (
        "pending or unknown",
        "invalid (rolled back)",
        "seqno reused",
        "served by a deposed leader",
    ):
        assert seen[situation] > 0, situation


def test_run_b_verdicts_agree_per_property_but_for_known_checker_bugs(sample: dict) -> None:
    b: Agreement = sample["b"]
    assert b.histories == MUTANTS and b.compared >= MUTANTS * 3 // 4
    unexplained = {k: n for k, n in b.by_property.items() if k not in KNOWN}
    assert not unexplained, [d.describe() for d in b.examples if (d.property, d.side) not in KNOWN]
    # Both readers refuse what breaks the format, a 0 in a TxID and a status without client too.
    assert not b.one_refused, b.one_refused
    refused = set(b.both_refused)
    breaking = {k for k in MUTATIONS if k.startswith("bad-")}
    assert READER_DIFFERENCES <= refused <= breaking | READER_DIFFERENCES
    assert sum(b.both_refused.values()) > 0
    # The mutants exercise the properties: most are found violated by both on some mutant.
    assert sum(1 for n in b.violated.values() if n) >= 8, b.violated


def test_run_b_no_disagreement_at_all(sample: dict) -> None:
    assert sample["b"].disagreed == 0, [d.describe() for d in sample["b"].examples]


def test_checker_accepts_an_impossible_txid_reported_invalid() -> None:
    """The spec's StatusLattice True witness: 2.1 Invalid (below view 2's first entry 2.2) and 2.3
    Committed. The spec accepts it; the checker reports StatusLattice and InvalidNotObservedByCommitted."""
    history = [rw(0), rw_r(0, [2, 2], [0]), rw(1), rw_r(1, [2, 3], [0, 1]), st([2, 3], "Committed"),
               st([2, 1], "Invalid")]  # fmt: skip
    [spec] = evaluate([history])
    assert not isinstance(spec, BadInput) and all(spec.values())
    assert python_verdict(history) == spec


@pytest.mark.parametrize("prop", ["OnlyObserveRequested", "UniqueRequests", "UniqueTxIds"])
def test_a_broken_python_property_is_caught(sample: dict, monkeypatch: pytest.MonkeyPatch, prop: str) -> None:
    monkeypatch.setitem(CHECKS, prop, lambda a: [])
    b = compare(sample["events"], sample["kinds"], spec_verdicts=sample["spec"])
    assert b.by_property[(prop, "spec")] > 0


def test_a_broken_spec_invariant_is_caught(sample: dict, tmp_path: Path) -> None:
    """OnlyObserveRequestedInv without its at-most-once conjunct: mutants that observe an id twice."""
    folder = tmp_path / "consistency"
    shutil.copytree(spec_folder("consistency"), folder)
    path = folder / "ConsistencyProperties.tla"
    text = path.read_text()
    conjunct = "/\\ \\A k2 \\in DOMAIN H(i).observed : H(i).observed[k2] = H(i).observed[k] => k2 = k"
    assert conjunct in text
    path.write_text(text.replace(conjunct, "/\\ TRUE"))
    picked = [k for k, kind in enumerate(sample["kinds"]) if "observed" in kind or "duplicate" in kind]
    events, kinds = [sample["events"][k] for k in picked], [sample["kinds"][k] for k in picked]
    b = compare(events, kinds, folder=folder)
    assert b.by_property[("OnlyObserveRequested", "python")] > 0


def test_histories_of_ccfs_own_spec_are_compared_the_same_way() -> None:
    """CCF's ExternalHistory records (no sessions): a correct one (with a trace-validation
    RwTxExecute line, dropped), and its defect 1 witness (committed
    1.2 observes tx 0, whose 1.1 was reported Invalid), judged alike by both."""
    good: list[dict[str, Any]] = [
        {"type": "RwTxExecute", "tx": 0, "tx_id": (1, 1)},
        {"type": "RwTxRequest", "tx": 0},
        {"type": "RwTxResponse", "tx": 0, "tx_id": (1, 1), "observed": (0,)},
        {"type": "TxStatusReceived", "tx_id": (1, 1), "status": "CommittedStatus"},
        {"type": "RoTxRequest", "tx": 1},
        {"type": "RoTxResponse", "tx": 1, "tx_id": (1, 1), "observed": (0,)},
    ]
    bad: list[dict[str, Any]] = [
        {"type": "RwTxRequest", "tx": 0},
        {"type": "RwTxResponse", "tx": 0, "tx_id": (1, 1), "observed": (0,)},
        {"type": "TxStatusReceived", "tx_id": (1, 1), "status": "InvalidStatus"},
        {"type": "RwTxRequest", "tx": 1},
        {"type": "RwTxResponse", "tx": 1, "tx_id": (1, 2), "observed": (0, 1)},
        {"type": "TxStatusReceived", "tx_id": (1, 2), "status": "CommittedStatus"},
    ]
    a = compare([from_ccf_history(good), from_ccf_history(bad)])
    assert (a.compared, a.disagreed) == (2, 0)
    assert a.accepted == [0]
    assert a.violated["InvalidNotObservedByCommitted"] == 1


AGREEMENT_CASES = Path(__file__).parent / "agreement"


def _saved(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (AGREEMENT_CASES / f"{name}.ndjson").read_text().splitlines()]


@pytest.mark.parametrize("name", ["same_txid_observed", "same_txid_observed_2"])
def test_two_committed_writes_at_one_txid_one_observing_the_other(name: str) -> None:
    """Mutants of the full-size run where the spec's CommittedRwSerializableInv held (it compared only
    TxID-ordered pairs) and the checker reported the observed write out of TxID order: the spec now says
    an observed committed write precedes its observer (WitnessCommittedRwSerializable's False3)."""
    history = _saved(name)
    a = compare([history])
    assert (a.compared, a.disagreed) == (1, 0), [d.describe() for d in a.examples]
    verdict = python_verdict(history)
    assert not isinstance(verdict, BadInput) and not verdict["CommittedRwSerializable"]


#: A write whose only request comes after its response, and after another write's response with a
#: larger TxID: the late request answers nothing, so real time says nothing about the pair.
LATE_WRITE = [
    {"type": "RwTxRequest", "client": "c0", "tx": 0},
    {"type": "RwTxResponse", "client": "c1", "tx": 1, "tx_id": [2, 1], "observed": [1]},
    {"type": "RwTxResponse", "client": "c0", "tx": 0, "tx_id": [2, 2], "observed": [1, 0]},
    {"type": "RwTxRequest", "client": "c1", "tx": 1},
    {"type": "TxStatusReceived", "client": "c0", "tx_id": [2, 2], "status": "CommittedStatus"},
]


@pytest.mark.parametrize(
    ("name", "broken"),
    [
        ("request_after_response_mr", "UniqueRequests"),
        ("request_after_response_ryw", "ResponseFollowsRequest"),
        ("late_write", "ResponseFollowsRequest"),
    ],
)
def test_a_request_after_its_response_answers_nothing(name: str, broken: str) -> None:
    """Mutants of the full-size run with a read's request repeated after its response (mr) or moved
    after it (ryw), and a write requested only after its response: for both checkers a response
    answers the latest request of its id before it, so the session and real-time properties hold
    (before, the spec took any later request and the checker did not: the run's 2 disagreements)."""
    history = LATE_WRITE if name == "late_write" else _saved(name)
    a = compare([history])
    assert (a.compared, a.disagreed) == (1, 0), [d.describe() for d in a.examples]
    verdict = python_verdict(history)
    assert not isinstance(verdict, BadInput)
    assert not verdict[broken]
    assert verdict["ReadYourWrites"] and verdict["MonotonicReads"] and verdict["CommittedRwRealTime"]
