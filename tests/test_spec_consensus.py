"""The TLA+ spec of CCF's consensus (specs/consensus): it parses, its CI models pass, every
reachability ("debug") property is violated, and every re-introduced bug is caught.

Each TLC run goes through :func:`tracecheck.tlc.run_tlc` with the model's own cfg file, so the same
checks can be repeated by hand with ``tracecheck check specs/consensus/MCConsensus.tla --config
specs/consensus/<cfg> [--expect-violation NAME]``. Counterexample lengths are asserted against the
figures recorded in docs/consensus-spec.md, so a change that makes a bug harder to find shows up.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tracecheck.sany import sany_parse
from tracecheck.tlc import run_tlc

SPECS = Path(__file__).resolve().parents[1] / "specs" / "consensus"
MC = SPECS / "MCConsensus.tla"
SIM = SPECS / "SIMConsensus.tla"
MODULES = ["Network", "Consensus", "ConsensusProperties", "MCConsensus", "SIMConsensus"]

#: The CI model-checking set: (cfg, minimum distinct states, so a bound cannot make it vacuous).
CI_MODELS = [
    ("MCConsensus2.cfg", 5_000),
    ("MCConsensus.cfg", 2_000),
    ("MCConsensusSwap.cfg", 2_000),
    ("MCConsensusSwap3.cfg", 2_000),
]

#: Longer exhaustive models, run only with PYCCF_SLOW=1 (figures in docs/consensus-spec.md).
SLOW_MODELS = [
    ("MCConsensusRetire.cfg", 50_000),
    ("MCConsensusSwapElections.cfg", 50_000),
]

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

#: Re-introduced bugs: (cfg, the property that catches it, counterexample length in states).
BUGS = [
    ("MCBugElectionUnionQuorum.cfg", "MoreThanOneLeaderInv", 14),
    ("MCBugCommitPrevTerm.cfg", "NoCommitByCountingOldTermProp", 14),
    ("MCBugCommitOnNack.cfg", "MonotonicMatchIndexProp", 10),
    ("MCBugAckPastEnd.cfg", "QuorumLogInv", 11),
    ("MCBugTruncateCommitted.cfg", "CommitIndexInv", 10),
]

TIMEOUT = 400


def _bugs_of(cfg: Path) -> str:
    match = re.search(r"^\s*Bugs\s*=\s*(\{.*\})", cfg.read_text(), re.M)
    assert match, f"{cfg.name} sets no Bugs constant"
    return match.group(1)


@pytest.mark.parametrize("module", MODULES)
def test_module_parses(module: str) -> None:
    result = sany_parse(SPECS / f"{module}.tla")
    assert result.ok, result.errors


@pytest.mark.parametrize(("cfg", "min_states"), CI_MODELS)
def test_model_checking_finds_no_violation(cfg: str, min_states: int) -> None:
    assert _bugs_of(SPECS / cfg) == "{}"
    result = run_tlc(MC, SPECS / cfg, deadlock_check=False, timeout=TIMEOUT)
    assert result.status == "ok", (result.status, result.violated, result.errors)
    assert result.distinct_states is not None and result.distinct_states >= min_states


@pytest.mark.slow
@pytest.mark.parametrize(("cfg", "min_states"), SLOW_MODELS)
def test_long_model_checking_finds_no_violation(cfg: str, min_states: int) -> None:
    test_model_checking_finds_no_violation(cfg, min_states)


@pytest.mark.parametrize(("cfg", "debug_property"), REACHABILITY)
def test_reachability_property_is_violated(cfg: str, debug_property: str) -> None:
    """Each debug property states that some behaviour never happens: it must be reachable."""
    assert _bugs_of(SPECS / cfg) == "{}"
    result = run_tlc(MC, SPECS / cfg, deadlock_check=False, timeout=TIMEOUT)
    assert result.violation and result.violated == debug_property, (
        result.status,
        result.violated,
        result.errors,
    )


@pytest.mark.parametrize(("cfg", "caught_by", "length"), BUGS)
def test_reintroduced_bug_is_caught(cfg: str, caught_by: str, length: int) -> None:
    assert _bugs_of(SPECS / cfg) != "{}"
    result = run_tlc(MC, SPECS / cfg, deadlock_check=False, timeout=TIMEOUT)
    assert result.violation and result.violated == caught_by, (result.status, result.violated, result.errors)
    # Breadth-first search: the counterexample is a shortest one, its length is stable.
    assert len(result.trace) == length


def test_simulation_five_nodes_finds_no_violation() -> None:
    """Seeded random walks over five nodes with reconfiguration, checking every invariant and
    action property (TLC checks them on each behaviour)."""
    result = run_tlc(
        SIM,
        SPECS / "SIMConsensus.cfg",
        simulate=True,
        depth=60,
        num=40,
        seed=1,
        deadlock_check=False,
        timeout=TIMEOUT,
    )
    assert result.status == "ok", (result.status, result.violated, result.errors)
