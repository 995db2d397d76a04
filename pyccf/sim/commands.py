"""CCF's raft_driver scenario language as typed commands: a line is parsed once, then only fields are read.

:mod:`pyccf.sim.parsing` turns one line into a :class:`Command` (a frozen dataclass per command, grouped
by family: membership, network, replication, output, assertions) or raises :class:`ScenarioSyntaxError`
naming the file, line and offending field. ``Command.text`` gives the line back (the source as written,
or, for a command built in code such as the random generator's, its canonical rendering), so a written
scenario and the command that produced it are one fact. Whether a node id exists depends on the run,
so that is checked when the command runs, not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import ClassVar, Literal

Term = int | Literal["latest"]  # a term number, or the highest term that currently has a leader


@dataclass(frozen=True)
class Command:
    """One scenario line. ``source``: the line as written (comment and trailing blanks stripped)."""

    family: ClassVar[str] = "structure"
    #: Whether the driver's commit-safety check runs after the command (not after a few read-only ones).
    safety_checked_after: ClassVar[bool] = True
    verb: str = field(default="", kw_only=True)
    source: str = field(default="", compare=False, repr=False, kw_only=True)

    def args(self) -> list[str]:
        """The arguments as written: every field but ``verb`` in order (a tuple spreads, a missing
        optional node is left out, a flag is ``true``/``false``)."""
        items: list[str] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("verb", "source") or value is None:
                continue
            if isinstance(value, tuple):
                items.extend(value)
            elif isinstance(value, bool):
                items.append("true" if value else "false")
            else:
                items.append(str(value))
        return items

    def render(self) -> str:
        return ",".join([self.verb, *self.args()])

    @property
    def text(self) -> str:
        return self.source or self.render()


# ---------------------------------------------------------------------- structure


@dataclass(frozen=True)
class Blank(Command):
    """An empty or comment-only line."""

    safety_checked_after: ClassVar[bool] = False

    def render(self) -> str:
        return ""


@dataclass(frozen=True)
class End(Command):
    """``====``: the scenario ends here; later lines are not read."""

    verb: str = field(default="====", kw_only=True)


# ---------------------------------------------------------------------- membership


@dataclass(frozen=True)
class MembershipCommand(Command):
    family: ClassVar[str] = "membership"


@dataclass(frozen=True)
class StartNode(MembershipCommand):
    node: str
    verb: str = field(default="start_node", kw_only=True)


@dataclass(frozen=True)
class CreateNodes(MembershipCommand):
    """``nodes,...``: create nodes that all start with the same initial configuration."""

    nodes: tuple[str, ...]
    verb: str = field(default="nodes", kw_only=True)


@dataclass(frozen=True)
class CreateNewNode(MembershipCommand):
    node: str
    verb: str = field(default="create_new_node", kw_only=True)


@dataclass(frozen=True)
class Reconfiguration(MembershipCommand):
    """A line asking the leader of ``term`` for a new configuration: every known node not ``out``."""

    term: Term

    @property
    def into(self) -> tuple[str, ...]:
        raise NotImplementedError

    @property
    def out(self) -> tuple[str, ...]:
        raise NotImplementedError


@dataclass(frozen=True)
class TrustNodes(Reconfiguration):
    """``trust_node,term,id`` and ``trust_nodes,term,id...``."""

    nodes: tuple[str, ...]
    verb: str = field(default="trust_nodes", kw_only=True)

    @property
    def into(self) -> tuple[str, ...]:
        return self.nodes

    @property
    def out(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class SwapNode(Reconfiguration):
    """``swap_node,term,out,in``."""

    leaving: str
    joining: str
    verb: str = field(default="swap_node", kw_only=True)

    @property
    def into(self) -> tuple[str, ...]:
        return (self.joining,)

    @property
    def out(self) -> tuple[str, ...]:
        return (self.leaving,)


@dataclass(frozen=True)
class SwapNodes(Reconfiguration):
    """``swap_nodes,term,(in|out),id...,(in|out),id...``: groups kept in the order written."""

    groups: tuple[tuple[Literal["in", "out"], tuple[str, ...]], ...]
    verb: str = field(default="swap_nodes", kw_only=True)

    def _group(self, which: str) -> tuple[str, ...]:
        return tuple(n for g, ids in self.groups if g == which for n in ids)

    @property
    def into(self) -> tuple[str, ...]:
        return self._group("in")

    @property
    def out(self) -> tuple[str, ...]:
        return self._group("out")

    def args(self) -> list[str]:
        return [str(self.term), *(x for g, ids in self.groups for x in (g, *ids))]


@dataclass(frozen=True)
class CleanupNodes(MembershipCommand):
    term: Term
    nodes: tuple[str, ...]
    verb: str = field(default="cleanup_nodes", kw_only=True)


@dataclass(frozen=True)
class ReplicateNewConfiguration(MembershipCommand):
    term: Term
    nodes: tuple[str, ...]
    verb: str = field(default="replicate_new_configuration", kw_only=True)


@dataclass(frozen=True)
class PreVoteEnabled(MembershipCommand):
    """PreVote for nodes created from here on."""

    enabled: bool
    verb: str = field(default="pre_vote_enabled", kw_only=True)


# ---------------------------------------------------------------------- network


@dataclass(frozen=True)
class NetworkCommand(Command):
    family: ClassVar[str] = "network"


@dataclass(frozen=True)
class Link(NetworkCommand):
    """``connect``/``reconnect`` (same action) and ``disconnect`` of the link between two nodes."""

    a: str
    b: str
    verb: str = field(default="connect", kw_only=True)

    @property
    def up(self) -> bool:
        return self.verb != "disconnect"


@dataclass(frozen=True)
class NodeLinks(NetworkCommand):
    """``disconnect_node``/``reconnect_node``: every link of one node."""

    node: str
    verb: str = field(default="disconnect_node", kw_only=True)

    @property
    def up(self) -> bool:
        return self.verb == "reconnect_node"


@dataclass(frozen=True)
class DispatchOne(NetworkCommand):
    node: str
    verb: str = field(default="dispatch_one", kw_only=True)


@dataclass(frozen=True)
class DispatchAll(NetworkCommand):
    """``dispatch_all`` (until no message is pending) and ``dispatch_all_once``."""

    verb: str = field(default="dispatch_all", kw_only=True)

    @property
    def once(self) -> bool:
        return self.verb == "dispatch_all_once"


@dataclass(frozen=True)
class DispatchSingle(NetworkCommand):
    src: str
    dst: str
    verb: str = field(default="dispatch_single", kw_only=True)


@dataclass(frozen=True)
class DropPending(NetworkCommand):
    node: str
    verb: str = field(default="drop_pending", kw_only=True)


@dataclass(frozen=True)
class DropPendingTo(NetworkCommand):
    src: str
    dst: str
    verb: str = field(default="drop_pending_to", kw_only=True)


@dataclass(frozen=True)
class Shuffle(NetworkCommand):
    """``shuffle_one,node`` (``node`` set) and ``shuffle_all``."""

    node: str | None = None
    verb: str = field(default="shuffle_all", kw_only=True)


# ---------------------------------------------------------------------- replication and time


@dataclass(frozen=True)
class ReplicationCommand(Command):
    family: ClassVar[str] = "replication"


@dataclass(frozen=True)
class Periodic(ReplicationCommand):
    """``periodic_one,node,ms`` (``node`` set) and ``periodic_all,ms``."""

    node: str | None
    ms: int
    verb: str = field(default="periodic_all", kw_only=True)


@dataclass(frozen=True)
class Replicate(ReplicationCommand):
    term: Term
    data: str
    verb: str = field(default="replicate", kw_only=True)


@dataclass(frozen=True)
class EmitSignature(ReplicationCommand):
    term: Term
    verb: str = field(default="emit_signature", kw_only=True)


@dataclass(frozen=True)
class NominateSuccessor(ReplicationCommand):
    node: str
    verb: str = field(default="nominate_successor", kw_only=True)


# ---------------------------------------------------------------------- output


@dataclass(frozen=True)
class OutputCommand(Command):
    family: ClassVar[str] = "output"


@dataclass(frozen=True)
class State(OutputCommand):
    """``state_one,node`` (``node`` set) and ``state_all``."""

    safety_checked_after: ClassVar[bool] = False
    node: str | None = None
    verb: str = field(default="state_all", kw_only=True)


@dataclass(frozen=True)
class SummariseLog(OutputCommand):
    """``summarise_log,node`` (``node`` set) and ``summarise_logs_all``."""

    safety_checked_after: ClassVar[bool] = False
    node: str | None = None
    verb: str = field(default="summarise_logs_all", kw_only=True)


@dataclass(frozen=True)
class SummariseMessages(OutputCommand):
    src: str
    dst: str
    verb: str = field(default="summarise_messages", kw_only=True)


# ---------------------------------------------------------------------- assertions


@dataclass(frozen=True)
class AssertionCommand(Command):
    family: ClassVar[str] = "assertions"


#: Shorthands for ``assert_detail`` (older scenario files): verb -> (detail, value, equal).
DETAIL_SHORTHANDS: dict[str, tuple[str, str, bool]] = {
    "assert_is_primary": ("leadership_state", "Leader", True),
    "assert_is_backup": ("leadership_state", "Follower", True),
    "assert_is_candidate": ("leadership_state", "Candidate", True),
    "assert_isnot_primary": ("leadership_state", "Leader", False),
    "assert_isnot_backup": ("leadership_state", "Follower", False),
    "assert_isnot_candidate": ("leadership_state", "Candidate", False),
    "assert_is_active": ("membership_state", "Active", True),
    # Older CCF drivers (2023): is_retired() is membership_state == Retired.
    "assert_is_retired": ("membership_state", "Retired", True),
}


@dataclass(frozen=True)
class AssertDetail(AssertionCommand):
    """``assert_detail`` / ``assert_!detail`` (``equal`` False), and the shorthands above."""

    node: str
    key: str
    value: str
    equal: bool = True
    verb: str = field(default="assert_detail", kw_only=True)

    def args(self) -> list[str]:
        return [self.node] if self.verb in DETAIL_SHORTHANDS else [self.node, self.key, self.value]


@dataclass(frozen=True)
class AssertCommitIdx(AssertionCommand):
    safety_checked_after: ClassVar[bool] = False
    node: str
    idx: int
    verb: str = field(default="assert_commit_idx", kw_only=True)


@dataclass(frozen=True)
class AssertCommitSafety(AssertionCommand):
    node: str
    verb: str = field(default="assert_commit_safety", kw_only=True)


@dataclass(frozen=True)
class AssertStateSync(AssertionCommand):
    safety_checked_after: ClassVar[bool] = False
    verb: str = field(default="assert_state_sync", kw_only=True)


@dataclass(frozen=True)
class AssertConfig(AssertionCommand):
    node: str
    idx: int
    nodes: tuple[str, ...]
    verb: str = field(default="assert_config", kw_only=True)


@dataclass(frozen=True)
class AssertAbsentConfig(AssertionCommand):
    """``assert_absent_config`` and its older name ``assert_missing_config``."""

    node: str
    idx: int
    verb: str = field(default="assert_absent_config", kw_only=True)


@dataclass(frozen=True)
class AssertLastTxid(AssertionCommand):
    node: str
    txid: str
    verb: str = field(default="assert_last_txid", kw_only=True)


@dataclass(frozen=True)
class LoopUntilSync(AssertionCommand):
    """Sign, reconnect the active nodes, and tick the leader until they are in sync (or fail)."""

    verb: str = field(default="loop_until_sync", kw_only=True)
