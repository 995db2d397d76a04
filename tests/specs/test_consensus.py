"""The TLA+ spec of CCF's consensus (specs/consensus): it parses, its CI models pass, every
reachability ("debug") property is violated, and every re-introduced bug is caught.

Each TLC run goes through :func:`tracecheck.tla.tlc.run_tlc` with the model's own cfg file, so the same
checks can be repeated by hand with ``tracecheck check specs/consensus/MCConsensus.tla --config
specs/consensus/<cfg> [--expect-violation NAME]``. Counterexample lengths are asserted against the
figures recorded in docs/consensus-spec.md, so a change that makes a bug harder to find shows up.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from pyccf.formats.variants import BUGS as SEEDED_BUGS
from tests.paths import SPECS
from tracecheck.tla.sany import sany_parse
from tracecheck.tla.tlc import run_tlc

pytestmark = pytest.mark.tlc

CONSENSUS = SPECS / "consensus"
MC = CONSENSUS / "MCConsensus.tla"
SIM = CONSENSUS / "SIMConsensus.tla"
MODULES = ["Network", "Consensus", "ConsensusProperties", "MCConsensus", "SIMConsensus", "SIMHeal"]

#: The CI model-checking set: (cfg, minimum distinct states, so a bound cannot make it vacuous).
CI_MODELS = [
    ("MCConsensus2.cfg", 5_000),
    ("MCConsensus.cfg", 2_000),
    ("MCConsensusSwap.cfg", 2_000),
    ("MCConsensusSwap3.cfg", 2_000),
]

#: The CI models stage (.ci/run, ``pytest -m "slow and ci_models"``): each explores >= 100,000 distinct
#: states (figures in docs/consensus-spec.md); the normal suite runs CI_MODELS only.
CI_BIG_MODELS = [
    ("MCConsensus2Big.cfg", 100_000),
    ("MCConsensusSwapElections.cfg", 100_000),
]
BIG_TIMEOUT = 1800

#: Longer exhaustive models, run only with -m slow (figures in docs/consensus-spec.md).
SLOW_MODELS = [
    ("MCConsensusRetire.cfg", 50_000),
]

#: Bigger models not yet seen to finish on this machine (more than 400,000 and 210,000 distinct states
#: when cut off): run by hand (docs/consensus-spec.md), in neither the normal suite nor the CI stage.
UNFINISHED_MODELS = ["MCConsensusBig.cfg", "MCConsensusSwap3Big.cfg"]

#: Reachability models: (cfg, the debug property that must be violated).
REACHABILITY = [
    ("MCReachCheckQuorum.cfg", "DebugNoCheckQuorumProp"),
    ("MCReachPreVoteWin.cfg", "DebugNoPreVoteWinProp"),
    ("MCReachNewLeader.cfg", "DebugNoNewLeaderInv"),
    ("MCReachDrop.cfg", "DebugNoDropProp"),
    ("MCReachCommit.cfg", "DebugNoCommitInv"),
    ("MCReachSentIndexRollback.cfg", "DebugNoSentIndexRollbackProp"),
    ("MCReachConflictRollback.cfg", "DebugNoConflictRollbackProp"),
    ("MCReachReconfigurationCommitted.cfg", "DebugNoReconfigurationCommittedInv"),
    ("MCReachRetirementCompleted.cfg", "DebugNoRetirementCompletedInv"),
    ("MCReachRetiredCommitted.cfg", "DebugNoRetiredCommittedInv"),
    ("MCReachProposeVote.cfg", "DebugNoProposeVoteInv"),
]

#: Re-introduced bugs: (cfg, the property that catches it, counterexample length in states), from the
#: registry's spec models of pyccf's seeded bugs.
BUGS = [(b.spec.cfg, b.spec.caught_by, b.spec.length) for b in SEEDED_BUGS.values() if b.spec is not None]

TIMEOUT = 400


def _bugs_of(cfg: Path) -> str:
    match = re.search(r"^\s*Bugs\s*=\s*(\{.*\})", cfg.read_text(), re.M)
    assert match, f"{cfg.name} sets no Bugs constant"
    return match.group(1)


MC_CFGS = sorted(p.name for p in CONSENSUS.glob("MC*.cfg"))
#: The definition overrides every model applies to Consensus's own Spec (see MCConsensus.tla).
OVERRIDES = (
    "Init <- MCInit",
    "SendAppendEntries <- MCSendAppendEntries",
    "InBounds <- StateConstraint",
    "MayRaiseTerm <- MCMayRaiseTerm",
    "MayAppend <- MCMayAppend",
    "MaySend <- MCMaySend",
)


def _variant(tmp_path: Path, cfg: str, old: str, new: str) -> Path:
    """A copy of the spec folder whose `cfg` has `old` replaced by `new`."""
    folder = tmp_path / "consensus"
    shutil.copytree(CONSENSUS, folder)
    path = folder / cfg
    text = path.read_text()
    assert old in text, (cfg, old)
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize("cfg", MC_CFGS)
def test_models_check_the_protocols_own_spec(cfg: str) -> None:
    """Every model checks Consensus.tla's Spec (so its real Next), changed only by definition overrides."""
    lines = {line.strip() for line in (CONSENSUS / cfg).read_text().splitlines()}
    assert "SPECIFICATION Spec" in lines
    assert set(OVERRIDES) <= lines
    assert not re.search(r"^\w*(Next|Spec)\s*==", MC.read_text(), re.M), "MCConsensus.tla has its own Next"


def test_loss_override_removes_loss(tmp_path: Path) -> None:
    """A lossy model with the no-loss override added explores fewer states and still passes: TLC applies
    the override (a cfg that forgot it would silently check a lossy network)."""
    lossy = run_tlc(MC, CONSENSUS / "MCConsensus2.cfg", deadlock_check=False, timeout=TIMEOUT)
    no_loss = "Init <- MCInit\n    DropMessage <- MCNoLoss\n"
    cfg = _variant(tmp_path, "MCConsensus2.cfg", "Init <- MCInit\n", no_loss)
    lossless = run_tlc(cfg.with_name("MCConsensus.tla"), cfg, deadlock_check=False, timeout=TIMEOUT)
    assert lossy.status == lossless.status == "ok", (lossless.status, lossless.violated, lossless.errors)
    assert lossy.distinct_states and lossless.distinct_states
    assert lossless.distinct_states < lossy.distinct_states


def test_bound_tests_keep_the_model(tmp_path: Path) -> None:
    """The early bound tests (MayRaiseTerm, MayAppend, MaySend: MCConsensus's term, ledger and in-flight
    bounds before a step raises a term, appends an entry or sends) only skip successors beyond the
    bounds: without them the model has the same states (a test stricter than its bound would lose some,
    as `<=` for `<` would)."""
    cfg = "MCConsensusSwap.cfg"
    tested = run_tlc(MC, CONSENSUS / cfg, deadlock_check=False, timeout=TIMEOUT)
    tests = "    MayRaiseTerm <- MCMayRaiseTerm\n    MayAppend <- MCMayAppend\n    MaySend <- MCMaySend\n"
    untested = _variant(tmp_path, cfg, tests, "")
    plain = run_tlc(untested.with_name("MCConsensus.tla"), untested, deadlock_check=False, timeout=TIMEOUT)
    assert tested.status == plain.status == "ok", (plain.status, plain.violated, plain.errors)
    assert tested.distinct_states == plain.distinct_states == 11_277
    assert (tested.states_generated, tested.depth) == (plain.states_generated, plain.depth)


def test_start_outside_the_protocols_init_is_refused(tmp_path: Path) -> None:
    """A model whose start is not one of Consensus's initial states (PreVote on a node that cannot do
    PreVote) fails MCConsensus's assumption instead of checking a start the protocol never has."""
    cfg = _variant(tmp_path, "MCConsensus2.cfg", "PreVoteCapable = {n1, n2}", "PreVoteCapable = {n1}")
    result = run_tlc(cfg.with_name("MCConsensus.tla"), cfg, deadlock_check=False, timeout=TIMEOUT)
    assert result.status == "assumption_failed", (result.status, result.errors)


@pytest.mark.parametrize("module", MODULES)
def test_module_parses(module: str) -> None:
    result = sany_parse(CONSENSUS / f"{module}.tla")
    assert result.ok, result.errors


@pytest.mark.parametrize(("cfg", "min_states"), CI_MODELS)
def test_model_checking_finds_no_violation(cfg: str, min_states: int) -> None:
    assert _bugs_of(CONSENSUS / cfg) == "{}"
    result = run_tlc(MC, CONSENSUS / cfg, deadlock_check=False, timeout=TIMEOUT)
    assert result.status == "ok", (result.status, result.violated, result.errors)
    assert result.distinct_states is not None and result.distinct_states >= min_states


@pytest.mark.slow
@pytest.mark.ci_models
@pytest.mark.parametrize(("cfg", "min_states"), CI_BIG_MODELS)
def test_ci_model_checking_at_scale_finds_no_violation(cfg: str, min_states: int) -> None:
    assert _bugs_of(CONSENSUS / cfg) == "{}"
    result = run_tlc(MC, CONSENSUS / cfg, deadlock_check=False, timeout=BIG_TIMEOUT)
    assert result.status == "ok", (result.status, result.violated, result.errors)
    assert result.distinct_states is not None and result.distinct_states >= min_states


@pytest.mark.slow
@pytest.mark.parametrize(("cfg", "min_states"), SLOW_MODELS)
def test_long_model_checking_finds_no_violation(cfg: str, min_states: int) -> None:
    test_model_checking_finds_no_violation(cfg, min_states)


@pytest.mark.parametrize(("cfg", "debug_property"), REACHABILITY)
def test_reachability_property_is_violated(cfg: str, debug_property: str) -> None:
    """Each debug property states that some behaviour never happens: it must be reachable."""
    assert _bugs_of(CONSENSUS / cfg) == "{}"
    result = run_tlc(MC, CONSENSUS / cfg, deadlock_check=False, timeout=TIMEOUT)
    assert result.violation and result.violated == debug_property, (
        result.status,
        result.violated,
        result.errors,
    )


@pytest.mark.parametrize(("cfg", "caught_by", "length"), BUGS)
def test_reintroduced_bug_is_caught(cfg: str, caught_by: str, length: int) -> None:
    assert _bugs_of(CONSENSUS / cfg) != "{}"
    result = run_tlc(MC, CONSENSUS / cfg, deadlock_check=False, timeout=TIMEOUT)
    assert result.violation and result.violated == caught_by, (result.status, result.violated, result.errors)
    # Breadth-first search: the counterexample is a shortest one, its length is stable.
    assert len(result.trace) == length


def test_ccf_pre_vote_double_leader_is_reached() -> None:
    """CCF of Nov 2025 (Bugs = {}) lets two nodes lead one term with PreVote: a PreVoteCandidate hearing
    its term's leader clears voted_for, times out again (clearing leader_id) and grants a delayed vote
    request of the same term. The spec models it faithfully; MoreThanOneLeaderInv finds it."""
    cfg = CONSENSUS / "MCPreVoteDoubleLeader.cfg"
    assert _bugs_of(cfg) == "{}"
    result = run_tlc(MC, cfg, deadlock_check=False, timeout=TIMEOUT)
    assert result.violated == "MoreThanOneLeaderInv", (result.status, result.violated, result.errors)
    assert len(result.trace) == 18
    last = result.trace[-1].state
    leaders = [i for i, role in last["leadershipState"].items() if role == "Leader"]
    assert len(leaders) == 2 and len({last["currentTerm"][i] for i in leaders}) == 1


def test_simulation_five_nodes_finds_no_violation() -> None:
    """Seeded random walks over five nodes with reconfiguration, checking every invariant and
    action property (TLC checks them on each behaviour)."""
    result = run_tlc(
        SIM,
        CONSENSUS / "SIMConsensus.cfg",
        simulate=True,
        depth=60,
        num=40,
        seed=1,
        deadlock_check=False,
        timeout=TIMEOUT,
    )
    assert result.status == "ok", (result.status, result.violated, result.errors)


# ---------------------------------------------------------------- bounded liveness (SIMHeal)

HEAL = CONSENSUS / "SIMHeal.tla"


def _heal(cfg: str, num: int):
    return run_tlc(HEAL, CONSENSUS / cfg, simulate=True, depth=301, num=num, seed=1, deadlock_check=False,
                   timeout=TIMEOUT)  # fmt: skip


def test_bounded_liveness_walks_reach_the_healed_level() -> None:
    """The liveness checks below are evaluated from TLC level 300 on: walks must get there (non-vacuity).
    (TLC's level also counts the walk's stuttering steps, which its trace does not print.)"""
    result = _heal("SIMHealReach.cfg", 2)
    assert result.violated == "DebugNeverHealedInv", (result.status, result.errors)
    assert 40 < len(result.trace) <= 300


def test_bounded_liveness_eventually_a_leader() -> None:
    """After faults stop at level 40, every walk has a leader by level 300 (EventuallyLeader)."""
    result = _heal("SIMHealLeader.cfg", 5)
    assert result.status == "ok", (result.status, result.violated, result.errors)


def test_bounded_liveness_finds_ccf_stuck_follower() -> None:
    """EventuallyLogsMatch fails on CCF of Nov 2025's known liveness bug (fixed by CCF #7620, see
    docs/simulation.md): a follower acked an unsigned entry, rolled it back on become_follower, and the
    leader's match_idx for it now lies beyond its ledger, so every AppendEntries it sends that follower is
    NACKed (sent_idx cannot go below match_idx) and the follower never catches up."""
    result = _heal("SIMHeal.cfg", 20)
    assert result.violated == "HealedLogsInv", (result.status, result.violated, result.errors)
    last = result.trace[-1].state
    leaders = [i for i, role in last["leadershipState"].items() if role == "Leader"]
    stuck = [
        (i, j)
        for i in leaders
        for j, match in last["matchIndex"][i].items()
        if j != i and match > len(last["log"][j])
    ]
    assert stuck, "a leader's match index beyond a follower's ledger"


def test_bounded_liveness_logs_match_with_ccf_fix_7620() -> None:
    """The same walks with CCF #7620 (become_follower keeps its unsigned suffix) all heal: leader and
    replicas hold the same ledger by level 300 (EventuallyLogsMatch), so the failure above is that bug."""
    result = _heal("SIMHealFixed.cfg", 20)
    assert result.status == "ok", (result.status, result.violated, result.errors)


# ---------------------------------------------------------------- ledger invariants per step

#: Models on which the per-step forms of the ledger invariants (ConsensusProperties' XStep, which trace
#: validation checks instead of X in every state) are checked against the invariants themselves: correct
#: models with entries, elections and reconfigurations, explored in full (the reconfiguration one, ~40-75 s
#: under load, only with -m slow).
STEP_EQUIVALENCE_MODELS = [pytest.param("MCConsensusSwap.cfg", marks=pytest.mark.slow), "MCConsensus2.cfg"]


def _with_property(tmp_path: Path, cfg: str, prop: str, *, keep: bool) -> Path:
    """A copy of the spec folder whose `cfg` also checks `prop`; with keep=False only `prop` (the cfg's own
    invariants and properties dropped)."""
    folder = tmp_path / "consensus"
    shutil.copytree(CONSENSUS, folder)
    path = folder / cfg
    text = path.read_text()
    if keep:
        assert "\nPROPERTIES\n" in text, cfg
        path.write_text(text.replace("\nPROPERTIES\n", f"\nPROPERTIES\n    {prop}\n", 1))
    else:
        cut = min(text.index(k) for k in ("\nINVARIANTS", "\nPROPERTIES") if k in text)
        path.write_text(text[:cut] + f"\nPROPERTIES\n    {prop}\n")
    return path


@pytest.mark.parametrize("cfg", STEP_EQUIVALENCE_MODELS)
def test_ledger_invariants_per_step_equal_the_invariants(tmp_path: Path, cfg: str) -> None:
    """From every reachable state that satisfies SafetyInv, on every step that only extends ledgers, each
    XStep holds iff X holds after the step (StepInvEquivalentProp)."""
    path = _with_property(tmp_path, cfg, "StepInvEquivalentProp", keep=False)
    result = run_tlc(path.with_name("MCConsensus.tla"), path, deadlock_check=False, timeout=TIMEOUT)
    assert result.status == "ok", (result.status, result.violated, result.errors)
    assert result.distinct_states is not None and result.distinct_states >= 5_000


@pytest.mark.slow
@pytest.mark.parametrize(("cfg", "caught_by", "length"), BUGS)
def test_ledger_invariants_per_step_agree_up_to_a_seeded_bug(
    tmp_path: Path, cfg: str, caught_by: str, length: int
) -> None:
    """With StepInvEquivalentProp added, each seeded-bug model still stops at its own violation with the same
    shortest counterexample: the per-step forms agreed on every step checked before it."""
    path = _with_property(tmp_path, cfg, "StepInvEquivalentProp", keep=True)
    result = run_tlc(path.with_name("MCConsensus.tla"), path, deadlock_check=False, timeout=TIMEOUT)
    assert result.violation and result.violated == caught_by, (result.status, result.violated, result.errors)
    assert len(result.trace) == length


def test_a_ledger_invariant_per_step_catches_its_violation(tmp_path: Path) -> None:
    """A seeded bug that breaks QuorumLogInv (a follower acknowledging past its ledger's end) is caught by
    the per-step form alone, checked only from states where every invariant held."""
    prop = "StepCatches"
    path = _with_property(tmp_path, "MCBugAckPastEnd.cfg", prop, keep=False)
    props = path.with_name("ConsensusProperties.tla")
    text = props.read_text()
    end = text.rindex("\n====") + 1
    props.write_text(
        text[:end] + f'{prop} == [][SafetyInv => StepLedgerInv("QuorumLogInv")]_vars\n' + text[end:]
    )
    result = run_tlc(path.with_name("MCConsensus.tla"), path, deadlock_check=False, timeout=TIMEOUT)
    assert result.violation and result.violated == prop, (result.status, result.violated, result.errors)
    # the same shortest counterexample as QuorumLogInv's (docs/consensus-spec.md)
    assert len(result.trace) == 11
