"""The one registry of variants: CCF versions pyccf can follow, the CCF fixes each includes, and the
spec ``Fixes`` that model them. (Seeded bugs join this table too.)

A vocabulary, not behaviour: pyccf's core switches on these names and tracecheck picks the spec constants
for a trace written with ``--ccf-version``; neither imports the other's code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CcfFix:
    """A later CCF change pyccf can follow, by CCF pull request, with the spec ``Fixes`` name that models it."""

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
        CcfProfile("2026-01", frozenset({"7620"}), True, "PreVote on by default (CCF#7462), CCF#7620"),
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
