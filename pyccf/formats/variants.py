"""The one registry of variants: pyccf's seeded bugs, the CCF fixes pyccf can follow, the CCF versions
(profiles) that include them, and the names the spec gives each (``BugNames``/``FixNames`` in
specs/consensus/Consensus.tla).

A vocabulary, not behaviour: pyccf's core switches on these names, its CLIs take their choices and help
from here, tracecheck picks the spec constants for a trace written with ``--ccf-version``, the tests are
parametrised from these tables and docs/bugs.md is generated from them (``bench/bench_bugs.py``). The
facts about each bug (where a scenario and trace validation catch it) are measured, and the tests pin them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

# ---------------------------------------------------------------- CCF fixes and profiles


@dataclass(frozen=True)
class CcfFix:
    """A later CCF change pyccf can follow, by CCF pull request, with the spec ``Fixes`` name modelling it."""

    pr: str
    summary: str
    spec_fix: str | None  # None: the spec needs no switch (the trace spec accepts both behaviours)


@dataclass(frozen=True)
class CcfProfile:
    """A CCF behaviour, by date of CCF main: the fixes it includes and whether PreVote is on by default."""

    version: str
    fixes: frozenset[str]
    pre_vote_default: bool
    note: str


FIXES: dict[str, CcfFix] = {
    f.pr: f
    for f in (
        CcfFix(
            "7620",
            "no rollback of the unsigned suffix on becoming follower; CheckQuorum fed by valid responses",
            "KeepSuffixOnFollow",
        ),
        CcfFix("8172", "a follower commits at most min(leader commit, end of the AppendEntries)", None),
    )
}

CCF_PROFILES: dict[str, CcfProfile] = {
    p.version: p
    for p in (
        CcfProfile("2025-11", frozenset(), False, "microsoft/CCF f157da85, the CCF of the shared traces"),
        CcfProfile("2026-01", frozenset({"7620"}), True, "PreVote on by default as of CCF#7462; CCF#7620"),
        CcfProfile("2026-08", frozenset({"7620", "8172"}), True, "also CCF#8172"),
    )
}
CCF_VERSIONS = tuple(CCF_PROFILES)
CCF_VERSION_DEFAULT = "2025-11"


def spec_fixes(ccf_version: str) -> frozenset[str]:
    """The spec's ``Fixes`` constant for traces of this CCF version; ValueError naming the known ones."""
    if ccf_version not in CCF_PROFILES:
        raise ValueError(f"unknown CCF version '{ccf_version}' (known: {', '.join(CCF_VERSIONS)})")
    names = (FIXES[pr].spec_fix for pr in CCF_PROFILES[ccf_version].fixes)
    return frozenset(n for n in names if n is not None)


def validate_fixes(fixes: Collection[str]) -> frozenset[str]:
    """The fixes as a set; ValueError naming any that pyccf does not know."""
    unknown = set(fixes) - set(FIXES)
    if unknown:
        raise ValueError(f"unknown CCF fix(es): {', '.join(sorted(unknown))}")
    return frozenset(fixes)


def spec_fix_names() -> frozenset[str]:
    """Every spec ``Fixes`` name the registry uses: the spec's ``FixNames`` must be exactly these."""
    return frozenset(f.spec_fix for f in FIXES.values() if f.spec_fix is not None)


# ---------------------------------------------------------------- seeded bugs


@dataclass(frozen=True)
class Catch:
    """Where a check first fails on a run with the bug: a scenario and its line, and what is reported.

    ``scenario`` is the name of one of CCF's scenario files or, ending in ``.scn``, of one of pyccf's
    bug-specific scenarios (tests/data/bug_scenarios). For a scenario assertion ``line`` is the scenario
    line and ``what`` words of the failure message; for trace validation ``line`` is the first rejected
    line of the trace and ``what`` its event's function.
    """

    scenario: str
    line: int
    what: str

    @property
    def ccf_scenario(self) -> bool:
        """Whether ``scenario`` is one of CCF's scenario files (else one of pyccf's bug scenarios)."""
        return not self.scenario.endswith(".scn")


@dataclass(frozen=True)
class SpecBug:
    """The spec's model of a seeded bug: its ``BugNames`` name, switched on by ``MCBug<name>.cfg``, the
    property that model checking finds violated, and the length (states) of the shortest counterexample."""

    name: str
    caught_by: str
    length: int

    @property
    def cfg(self) -> str:
        return f"MCBug{self.name}.cfg"


#: Search budgets of random simulation (seeds, steps per scenario) within which commit-safety checking
#: catches a bug; the first seeds found are in docs/simulation.md (``bench/bench_simulate.py --hunt``).
SIM_QUICK = (300, 100)
SIM_LONG = (3000, 200)


@dataclass(frozen=True)
class SeededBug:
    """A deliberate protocol mistake pyccf's core can switch on (``--bug NAME``), and what catches it.

    ``trace`` is None when trace validation cannot catch it (``why_not`` says why); ``simulation`` is the
    smallest budget (:data:`SIM_QUICK` or :data:`SIM_LONG`) in which random simulation catches it, None if
    commit-safety checking cannot. ``shared_rejected``: of CCF's 20 scenarios, how many yield a trace that
    validation rejects with the bug on. ``differs`` explains the rejection report for docs/bugs.md.
    """

    name: str
    summary: str
    scenario: Catch
    trace: Catch | None
    shared_rejected: int
    simulation: tuple[int, int] | None
    spec: SpecBug | None = None
    paper_bug: int | None = None  # its number in the CCF smart-casual-verification paper
    differs: str = ""
    why_not: str = ""


BUGS: dict[str, SeededBug] = {
    b.name: b
    for b in (
        SeededBug(
            "commit_previous_term_by_count",
            "A leader commits an entry of a previous term once it counts a quorum of replicas of it, "
            "instead of waiting for an entry of its own term (Raft paper, figure 8): a later leader may "
            "overwrite it.",
            Catch("candidate_viability", 145, "not at expected commit idx"),
            Catch("check_quorum_0_012", 84, "commit"),
            9,
            SIM_LONG,
            SpecBug("CommitPrevTerm", "NoCommitByCountingOldTermProp", 14),
            paper_bug=2,
            differs="report: `commit index  logged 4  spec 2  [highest signature of its own term held by a "
            "quorum of each configuration]`",
        ),
        SeededBug(
            "commit_on_nack",
            "A NACK is treated as an acknowledgement of its index, so match_idx can move (even backwards) on "
            "a NACK and commit advances over entries the follower does not hold.",
            Catch("suffix_collision.1", 94, "states not in sync"),
            Catch("candidate_viability", 248, "send_append_entries"),
            4,
            SIM_LONG,
            SpecBug("CommitOnNack", "MonotonicMatchIndexProp", 10),
            paper_bug=3,
            differs="after the NACK at 247 the logged `sent_idx`/`match_idx` differ from the spec's",
        ),
        SeededBug(
            "truncate_on_early_append_entries",
            "A follower handles an early/stale AppendEntries (one whose entries it already holds, or one "
            "starting below its commit index) by cutting its log back to the end of that message, dropping "
            "matching and even committed entries the leader believes it holds.",
            Catch("truncate_on_early_append_entries.scn", 54, "unsafe commit idx 7"),
            Catch("truncate_on_early_append_entries.scn", 103, "send_append_entries_response"),
            0,
            SIM_QUICK,
            SpecBug("TruncateCommitted", "CommitIndexInv", 10),
            paper_bug=4,
            differs="follower's `last_idx`/`commit_idx` 6 where the spec keeps 7 (the early AppendEntries "
            "is ignored)",
        ),
        SeededBug(
            "inaccurate_ack",
            "A follower's ACK reports its whole log (last_idx) instead of the end of the AppendEntries it "
            "answers, vouching for a suffix the leader never checked.",
            Catch("inaccurate_ack.scn", 54, "unsafe commit idx 7"),
            Catch("inaccurate_ack.scn", 139, "send_append_entries_response"),
            0,
            SIM_QUICK,
            SpecBug("AckPastEnd", "QuorumLogInv", 11),
            paper_bug=5,
            differs="ACK `last_log_idx` 7, the spec's ACK says 4 (end of the AppendEntries)",
        ),
        SeededBug(
            "union_vote_quorum",
            "Votes are tallied as one majority of the union of the active configurations, instead of a "
            "majority in each: during a reconfiguration two leaders can be elected in one term.",
            Catch("check_quorum_0_012", 41, "leadership_state is not as expected"),
            Catch("check_quorum_0_012", 53, "become_leader"),
            2,
            SIM_LONG,
            SpecBug("ElectionUnionQuorum", "MoreThanOneLeaderInv", 14),
            paper_bug=1,
            differs="report: `quorum of votes in each configuration  logged true  spec false  "
            "[votes {1, 2} in {0, 1, 2}, {0}]`",
        ),
        SeededBug(
            "commit_unsigned",
            "Commit is not restricted to signature entries: a leader commits whatever index a quorum holds.",
            Catch("append", 13, "not at expected commit idx"),
            Catch("append", 1, "bootstrap"),
            20,
            SIM_QUICK,
            differs="no initial state of the spec matches: bootstrap logs a 1-entry start ledger "
            "(`last_idx` 1), the spec's has 2 (configuration and signature)",
        ),
        SeededBug(
            "vote_twice",
            "A node grants its vote in a term even though it already voted for another candidate in that "
            "term.",
            Catch("check_quorum_0_012", 49, "failed to reach state sync"),
            Catch("check_quorum_0_012", 73, "recv_request_vote_response"),
            1,
            SIM_QUICK,
            differs="`vote_granted` true where the spec's voter, having voted in term 4, answers false",
        ),
        SeededBug(
            "accept_stale_append_entries",
            "A follower processes AppendEntries from a leader of an older term instead of rejecting them.",
            Catch("candidate_viability", 116, "not at expected commit idx"),
            Catch("candidate_viability", 211, "execute_append_entries_sync"),
            4,
            SIM_LONG,
            differs="the spec's follower rejected the old-term AppendEntries, so it has no entry to append",
        ),
        SeededBug(
            "ignore_prev_term",
            "A follower appends entries without checking that its entry at prev_idx has term prev_term.",
            Catch("suffix_collision.1", 88, "unsafe commit idx"),
            Catch("candidate_viability", 452, "commit"),
            3,
            SIM_QUICK,
            differs="a follower commit to 9 that the spec's follower (which checked prev_term) cannot reach",
        ),
        SeededBug(
            "no_check_quorum",
            "A leader never steps down when it stops hearing from a quorum (CheckQuorum switched off).",
            Catch("check_quorum", 92, "leadership_state is not as expected"),
            None,
            0,
            None,
            why_not="leaving out CheckQuorum only omits an optional spec step; every remaining step is "
            "allowed",
        ),
    )
}


class UnknownBugError(ValueError):
    """A bug name the registry does not know; the message lists the known ones."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown bug '{name}' (known: {', '.join(sorted(BUGS))})")
        self.name = name


def validate_bugs(names: Collection[str]) -> frozenset[str]:
    """Check the names against :data:`BUGS`; returns them as a frozenset."""
    for n in names:
        if n not in BUGS:
            raise UnknownBugError(n)
    return frozenset(names)


def spec_bug_names() -> frozenset[str]:
    """Every spec ``Bugs`` name the registry uses: the spec's ``BugNames`` must be exactly these."""
    return frozenset(b.spec.name for b in BUGS.values() if b.spec is not None)


def profiles_help() -> str:
    """The CCF versions and the fixes they include, for CLI help."""
    versions = "; ".join(f"{p.version} ({p.note})" for p in CCF_PROFILES.values())
    return versions + ". " + "; ".join(f"CCF#{f.pr}: {f.summary}" for f in FIXES.values())
