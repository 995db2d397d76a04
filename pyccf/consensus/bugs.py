"""A catalogue of deliberate bugs, all off by default, each a small switch at one place in the core.

They exist to show that the checks catch real protocol mistakes: every bug here is caught by a scenario
assertion or by the driver's commit-safety check (``tests/pyccf/sim/test_bugs.py``), and by trace validation
(tested by tracecheck). Switch one on with ``pyccf scenario run --bug NAME`` or ``bugs=[NAME]``.
"""

from __future__ import annotations

from collections.abc import Collection

BUGS: dict[str, str] = {
    "commit_previous_term_by_count": (
        "A leader commits an entry of a previous term once it counts a quorum of replicas of it, instead of "
        "waiting for an entry of its own term (Raft paper, figure 8): a later leader may overwrite it."
    ),
    "commit_on_nack": (
        "A NACK is treated as an acknowledgement of its index, so match_idx can move (even backwards) on a "
        "NACK and commit advances over entries the follower does not hold."
    ),
    "truncate_on_early_append_entries": (
        "A follower handles an early/stale AppendEntries (one whose entries it already holds, or one "
        "starting below its commit index) by cutting its log back to the end of that message, dropping "
        "matching and even committed entries the leader believes it holds."
    ),
    "inaccurate_ack": (
        "A follower's ACK reports its whole log (last_idx) instead of the end of the AppendEntries it "
        "answers, vouching for a suffix the leader never checked."
    ),
    "union_vote_quorum": (
        "Votes are tallied as one majority of the union of the active configurations, instead of a majority "
        "in each: during a reconfiguration two leaders can be elected in one term."
    ),
    "commit_unsigned": (
        "Commit is not restricted to signature entries: a leader commits whatever index a quorum holds."
    ),
    "vote_twice": (
        "A node grants its vote in a term even though it already voted for another candidate in that term."
    ),
    "accept_stale_append_entries": (
        "A follower processes AppendEntries from a leader of an older term instead of rejecting them."
    ),
    "ignore_prev_term": (
        "A follower appends entries without checking that its entry at prev_idx has term prev_term."
    ),
    "no_check_quorum": (
        "A leader never steps down when it stops hearing from a quorum (CheckQuorum switched off)."
    ),
}


class UnknownBugError(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown bug '{name}' (known: {', '.join(sorted(BUGS))})")
        self.name = name


def validate(names: Collection[str]) -> frozenset[str]:
    """Check the names against the catalogue; returns them as a frozenset."""
    for n in names:
        if n not in BUGS:
            raise UnknownBugError(n)
    return frozenset(names)
