"""The client-consistency spec (specs/consistency): it parses, its model passes, its reachability and
read-only counterexample configs are violated, and every invariant is non-vacuous: a witness history on
which it is false and one on which it is true (constant-level ASSUMEs), and a spec mutant TLC catches.

State counts and counterexample lengths are the ones recorded in docs/consistency-spec.md.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from pyccf.formats.history import PROPERTIES
from tests.paths import SPECS
from tracecheck.tla.sany import sany_parse
from tracecheck.tla.tlc import run_tlc

pytestmark = pytest.mark.tlc

FOLDER = SPECS / "consistency"
MC = FOLDER / "MCConsistency.tla"
TIMEOUT = 600
INVARIANTS = [p.spec_invariant for p in PROPERTIES.values()]
#: Every module but the trace spec, which EXTENDS a generated TraceData.
MODULES = sorted(p.stem for p in FOLDER.glob("*.tla") if not p.stem.startswith("Trace"))
WITNESSES = sorted(p.stem for p in FOLDER.glob("Witness*.tla"))

#: Reachability configs: (cfg, the Debug invariant that must be violated).
REACHABILITY = [
    ("MCReachCommit.cfg", "DebugNoCommitInv"),
    ("MCReachInvalid.cfg", "DebugNoInvalidInv"),
    ("MCReachCommits.cfg", "DebugAtMostOneCommitInv"),
    ("MCReachSeqnoReuse.cfg", "DebugNoSeqnoReuseInv"),
]

#: Spec mutants: invariant -> (what the mutant breaks, [(old, new) edits of Consistency.tla], bounds).
MUTANTS: dict[str, tuple[str, list[tuple[str, str]], str]] = {
    "ResponseFollowsRequestInv": (
        "a response names another request id",
        [("Ev(RwResp, f.tx, c, f.at,", "Ev(RwResp, f.tx + 1, c, f.at,")],
        "HistoryLimit = 2\n    MaxViews = 1\n    MaxSeq = 1",
    ),
    "UniqueRequestsInv": (
        "request ids counted per kind of request",
        [
            ("Requested == RequestedIn(history)", "Requested == {}"),
            (
                "NextTx == Cardinality({i \\in Idx : IsRequest(i)})",
                "NextTx == Cardinality({i \\in Idx : history[i].type = RwReq})",
            ),
        ],
        "HistoryLimit = 2\n    MaxViews = 1\n    MaxSeq = 1",
    ),
    "UniqueTxIdsInv": (
        "a transaction executes and is answered again (a retry)",
        [
            (
                'f.at[2])), ""))\n       /\\ inflight\' = [inflight EXCEPT ![c] = Idle]',
                'f.at[2])), ""))\n       /\\ inflight\' = [inflight EXCEPT ![c].at = NoTxId]',
            )
        ],
        "HistoryLimit = 3\n    MaxViews = 1\n    MaxSeq = 2",
    ),
    "UniqueTxsInv": (
        "every transaction is told seqno 1",
        [("![c].at = <<v, Len(branches[v]) + 1>>]", "![c].at = <<v, 1>>]")],
        "HistoryLimit = 4\n    MaxViews = 1\n    MaxSeq = 2",
    ),
    "StatusLatticeInv": (
        "Committed from the seqno alone (a rolled-back write reported Committed)",
        [
            (
                "CommittedNow(id) == id[2] <= commitSeq /\\ Latest[id[2]].view = id[1]",
                "CommittedNow(id) == id[2] <= commitSeq",
            )
        ],
        "HistoryLimit = 6\n    MaxViews = 2\n    MaxSeq = 2",
    ),
    "OnlyObserveRequestedInv": (
        "a write appended twice",
        [
            (
                "Append(@, [view |-> v, tx |-> f.tx])]",
                "Append(Append(@, [view |-> v, tx |-> f.tx]), [view |-> v, tx |-> f.tx])]",
            )
        ],
        "HistoryLimit = 4\n    MaxViews = 1\n    MaxSeq = 2",
    ),
    "InvalidNotObservedByCommittedInv": (
        "CCF's defect 2: the newest view's uncommitted TxIDs declared Invalid",
        [
            (
                "    \\/ id[2] <= commitSeq /\\ Latest[id[2]].view /= id[1]\n",
                "    \\/ id[2] <= commitSeq /\\ Latest[id[2]].view /= id[1]\n"
                "    \\/ id[1] = Len(branches) /\\ id[2] > commitSeq\n",
            )
        ],
        "HistoryLimit = 6\n    MaxViews = 1\n    MaxSeq = 3",
    ),
    "CommittedRwSerializableInv": (
        "a write's response misses its own write",
        [
            (
                "TxsOf(SubSeq(branches[f.at[1]], 1, f.at[2]))",
                "TxsOf(SubSeq(branches[f.at[1]], 1, f.at[2] - 1))",
            )
        ],
        "HistoryLimit = 3\n    MaxViews = 1\n    MaxSeq = 2",
    ),
    "CommittedRwRealTimeInv": (
        "a leader puts each new write before its uncommitted ones",
        [
            (
                "branches' = [branches EXCEPT ![v] = Append(@, [view |-> v, tx |-> f.tx])]",
                "branches' = [branches EXCEPT ![v] = SubSeq(@, 1, commitSeq)"
                " \\o <<[view |-> v, tx |-> f.tx]>> \\o SubSeq(@, commitSeq + 1, Len(@))]",
            ),
            ("![c].at = <<v, Len(branches[v]) + 1>>]", "![c].at = <<v, commitSeq + 1>>]"),
        ],
        "HistoryLimit = 5\n    MaxViews = 1\n    MaxSeq = 3",
    ),
    "CommittedRoSerializableInv": (
        "a read is told the TxID of the branch's first entry",
        [("<<b[Len(b)].view, Len(b)>>", "<<b[1].view, 1>>")],
        "HistoryLimit = 6\n    MaxViews = 1\n    MaxSeq = 3",
    ),
    "ReadYourWritesInv": (
        "a read served by any branch, not the session's",
        [
            (
                "RoTxResponse(c) ==\n    LET b == branches[session[c]]",
                "RoTxResponse(c) ==\n    \\E v \\in DOMAIN branches : LET b == branches[v]",
            )
        ],
        "HistoryLimit = 5\n    MaxViews = 2\n    MaxSeq = 2",
    ),
    "MonotonicReadsInv": (
        "a read served by any branch, not the session's (a backup that misses the session's write)",
        [
            (
                "RoTxResponse(c) ==\n    LET b == branches[session[c]]",
                "RoTxResponse(c) ==\n    \\E v \\in DOMAIN branches : LET b == branches[v]",
            )
        ],
        "HistoryLimit = 5\n    MaxViews = 2\n    MaxSeq = 2",
    ),
}

CFG = """CONSTANTS
    c1 = c1
    c2 = c2
    Clients = {{c1, c2}}
    ReportUncertain = FALSE
    Readers = {{}}
    {bounds}
    AppendSignature <- MCAppendSignature
SPECIFICATION Spec
CONSTRAINT StateConstraint
SYMMETRY Symmetry
INVARIANTS
    {invariant}
"""


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "consistency"
    shutil.copytree(FOLDER, folder)
    return folder


@pytest.mark.parametrize("module", MODULES)
def test_module_parses(module: str) -> None:
    """(TraceConsistency needs a generated TraceData: the trace validation tests parse and run it.)"""
    result = sany_parse(FOLDER / f"{module}.tla")
    assert result.ok, result.errors


def test_every_property_has_invariant_witnesses_and_a_mutant() -> None:
    """The registry's spec invariants are the spec's, each with its witness module and its mutant (the
    read-only linearizability invariant is violated by the spec itself: MCRoNotLinearizable)."""
    text = (FOLDER / "ConsistencyProperties.tla").read_text()
    for prop in PROPERTIES.values():
        assert re.search(rf"^{prop.spec_invariant} ==", text, re.M), prop.spec_invariant
        witness = (FOLDER / f"Witness{prop.name}.tla").read_text()
        assert re.search(rf"ASSUME ~False!{prop.spec_invariant}$", witness, re.M), prop.name
        assert re.search(rf"ASSUME True!{prop.spec_invariant}$", witness, re.M), prop.name
        assert prop.spec_invariant in MUTANTS or not prop.fails, prop.name
    passing = (FOLDER / "MCConsistency.cfg").read_text()
    for prop in PROPERTIES.values():
        assert (prop.spec_invariant in passing) == prop.fails, prop.name


@pytest.mark.parametrize("module", WITNESSES)
def test_witness_histories_give_the_invariant_both_values(module: str) -> None:
    result = run_tlc(FOLDER / f"{module}.tla", FOLDER / "Witness.cfg", deadlock_check=False, timeout=TIMEOUT)
    assert result.status == "ok", (result.status, result.errors)


@pytest.mark.parametrize("flip", [("ASSUME True!", "ASSUME ~True!"), ("ASSUME ~False!", "ASSUME False!")])
def test_witness_assumptions_are_evaluated(tmp_path: Path, flip: tuple[str, str]) -> None:
    """A witness whose expected value is flipped fails: TLC evaluates the ASSUMEs (not vacuous)."""
    folder = _copy(tmp_path)
    path = folder / "WitnessInvalidNotObservedByCommitted.tla"
    path.write_text(path.read_text().replace(*flip))
    result = run_tlc(path, folder / "Witness.cfg", deadlock_check=False, timeout=TIMEOUT)
    assert result.status == "assumption_failed", (result.status, result.errors)


def test_model_checking_finds_no_violation() -> None:
    result = run_tlc(MC, FOLDER / "MCConsistency.cfg", deadlock_check=False, timeout=TIMEOUT)
    assert result.status == "ok", (result.status, result.violated, result.errors)
    assert result.distinct_states is not None and result.distinct_states >= 50_000


@pytest.mark.parametrize(("cfg", "debug_invariant"), REACHABILITY)
def test_reachability_invariant_is_violated(cfg: str, debug_invariant: str) -> None:
    result = run_tlc(MC, FOLDER / cfg, deadlock_check=False, timeout=TIMEOUT)
    assert result.violation and result.violated == debug_invariant, (result.status, result.errors)


def test_read_only_transactions_are_not_linearizable() -> None:
    """The shortest counterexample: c1's read, sent after c2's write responded, is served by a node
    that lags (a prefix of view 1's branch without the write) and told a TxID that is itself
    committed, as is the write. (CCF's documented one, a deposed leader's read, is longer.)"""
    result = run_tlc(MC, FOLDER / "MCRoNotLinearizable.cfg", deadlock_check=False, timeout=TIMEOUT)
    assert result.violation and result.violated == "RoLinearizableInv", (result.status, result.errors)
    assert len(result.trace) == 12  # docs/consistency-spec.md
    history = result.trace[-1].state["history"]
    k, read = [(k, e) for k, e in enumerate(history) if e["type"] == "RoTxResponse"][-1]
    sent = next(i for i, e in enumerate(history) if e["type"] == "RoTxRequest" and e["tx"] == read["tx"])
    before = [e["tx"] for e in history[:sent] if e["type"] == "RwTxResponse"]
    committed = [e["tx_id"] for e in history if e["status"] == "CommittedStatus"]
    view, seqno = read["tx_id"]
    assert view == 1 and any(v == view and seqno <= s for v, s in committed)  # at or below a Committed one
    assert set(before) - set(read["observed"]), history


@pytest.mark.parametrize("invariant", sorted(MUTANTS))
def test_spec_mutant_is_caught(tmp_path: Path, invariant: str) -> None:
    _, edits, bounds = MUTANTS[invariant]
    folder = _copy(tmp_path)
    spec = folder / "Consistency.tla"
    text = spec.read_text()
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    spec.write_text(text)
    cfg = folder / "MCMutant.cfg"
    cfg.write_text(CFG.format(bounds=bounds, invariant=invariant))
    result = run_tlc(folder / "MCConsistency.tla", cfg, deadlock_check=False, timeout=TIMEOUT)
    assert result.violation and result.violated == invariant, (result.status, result.errors)
    # The unmutated spec passes the same bounded model.
    shutil.copy(FOLDER / "Consistency.tla", spec)
    clean = run_tlc(folder / "MCConsistency.tla", cfg, deadlock_check=False, timeout=TIMEOUT)
    assert clean.status == "ok", (clean.status, clean.violated, clean.errors)
