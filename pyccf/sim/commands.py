"""CCF's raft_driver scenario language as typed commands: a line is parsed once, then only fields are read.

:func:`parse_line` turns one line into a :class:`Command` (a frozen dataclass per command, grouped by
family: membership, network, replication, output, assertions) or raises :class:`ScenarioSyntaxError`
naming the file, line and offending field. ``Command.text`` gives the line back (the source as written,
or, for a command built in code such as the random generator's, its canonical rendering), so a written
scenario and the command that produced it are one fact. Whether a node id exists depends on the run,
so that is checked when the command runs, not here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import ClassVar, Literal

from pyccf.errors import ScenarioSyntaxError

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


# ---------------------------------------------------------------------- parsing


class _Args:
    """A line's arguments, read by position; every error names the field it is about."""

    def __init__(self, verb: str, items: list[str], file: str, lineno: int) -> None:
        self.verb, self.items, self.file, self.lineno = verb, items, file, lineno

    def error(self, field_name: str, message: str) -> ScenarioSyntaxError:
        return ScenarioSyntaxError(self.file, self.lineno, message, f"{self.verb}: {field_name}")

    def text(self, i: int) -> str:
        return self.items[i]

    def rest(self, i: int) -> tuple[str, ...]:
        return tuple(self.items[i:])

    def number(self, i: int, name: str) -> int:
        text = self.items[i]
        try:
            return int(text)
        except ValueError:
            raise self.error(name, f"expected an integer, got '{text}'") from None

    def term(self, i: int) -> Term:
        return "latest" if self.items[i] == "latest" else self.number(i, "term")

    def flag(self, i: int, name: str) -> bool:
        if self.items[i] not in ("true", "false"):
            raise self.error(name, f"{self.verb} takes true or false, got '{self.items[i]}'")
        return self.items[i] == "true"


def _swap_nodes(a: _Args) -> SwapNodes:
    if a.items[1] not in ("in", "out"):
        raise a.error("group", "swap_nodes: expected 'in' or 'out' after the term")
    groups: list[tuple[Literal["in", "out"], list[str]]] = []
    for item in a.items[1:]:
        if item == "in":
            groups.append(("in", []))
        elif item == "out":
            groups.append(("out", []))
        else:
            groups[-1][1].append(item)
    return SwapNodes(a.term(0), tuple((g, tuple(ids)) for g, ids in groups), verb=a.verb)


def _detail_shorthand(a: _Args) -> AssertDetail:
    key, value, equal = DETAIL_SHORTHANDS[a.verb]
    return AssertDetail(a.text(0), key, value, equal, verb=a.verb)


_Builder = Callable[[_Args], Command]
# verb -> (fewest arguments, most arguments or None for no limit, builder)
_GRAMMAR: dict[str, tuple[int, int | None, _Builder]] = {
    "start_node": (1, 1, lambda a: StartNode(a.text(0))),
    "trust_node": (2, 2, lambda a: TrustNodes(a.term(0), a.rest(1), verb=a.verb)),
    "trust_nodes": (2, None, lambda a: TrustNodes(a.term(0), a.rest(1), verb=a.verb)),
    "swap_node": (3, 3, lambda a: SwapNode(a.term(0), a.text(1), a.text(2))),
    "swap_nodes": (3, None, _swap_nodes),
    "cleanup_nodes": (2, None, lambda a: CleanupNodes(a.term(0), a.rest(1))),
    "nodes": (1, None, lambda a: CreateNodes(a.rest(0))),
    "create_new_node": (1, 1, lambda a: CreateNewNode(a.text(0))),
    "replicate_new_configuration": (2, None, lambda a: ReplicateNewConfiguration(a.term(0), a.rest(1))),
    "pre_vote_enabled": (1, 1, lambda a: PreVoteEnabled(a.flag(0, "enabled"))),
    "connect": (2, 2, lambda a: Link(a.text(0), a.text(1), verb=a.verb)),
    "reconnect": (2, 2, lambda a: Link(a.text(0), a.text(1), verb=a.verb)),
    "disconnect": (2, 2, lambda a: Link(a.text(0), a.text(1), verb=a.verb)),
    "disconnect_node": (1, 1, lambda a: NodeLinks(a.text(0), verb=a.verb)),
    "reconnect_node": (1, 1, lambda a: NodeLinks(a.text(0), verb=a.verb)),
    "periodic_one": (2, 2, lambda a: Periodic(a.text(0), a.number(1, "ms"), verb=a.verb)),
    "periodic_all": (1, 1, lambda a: Periodic(None, a.number(0, "ms"), verb=a.verb)),
    "dispatch_one": (1, 1, lambda a: DispatchOne(a.text(0))),
    "dispatch_all": (0, 0, lambda a: DispatchAll(verb=a.verb)),
    "dispatch_all_once": (0, 0, lambda a: DispatchAll(verb=a.verb)),
    "dispatch_single": (2, 2, lambda a: DispatchSingle(a.text(0), a.text(1))),
    "drop_pending": (1, 1, lambda a: DropPending(a.text(0))),
    "drop_pending_to": (2, 2, lambda a: DropPendingTo(a.text(0), a.text(1))),
    "shuffle_one": (1, 1, lambda a: Shuffle(a.text(0), verb=a.verb)),
    "shuffle_all": (0, 0, lambda a: Shuffle(None, verb=a.verb)),
    "replicate": (2, 2, lambda a: Replicate(a.term(0), a.text(1))),
    "emit_signature": (1, 1, lambda a: EmitSignature(a.term(0))),
    "nominate_successor": (1, 1, lambda a: NominateSuccessor(a.text(0))),
    "state_one": (1, 1, lambda a: State(a.text(0), verb=a.verb)),
    "state_all": (0, 0, lambda a: State(None, verb=a.verb)),
    "summarise_log": (1, 1, lambda a: SummariseLog(a.text(0), verb=a.verb)),
    "summarise_logs_all": (0, 0, lambda a: SummariseLog(None, verb=a.verb)),
    "summarise_messages": (2, 2, lambda a: SummariseMessages(a.text(0), a.text(1))),
    "assert_detail": (3, 3, lambda a: AssertDetail(a.text(0), a.text(1), a.text(2), True, verb=a.verb)),
    "assert_!detail": (3, 3, lambda a: AssertDetail(a.text(0), a.text(1), a.text(2), False, verb=a.verb)),
    "assert_commit_idx": (2, 2, lambda a: AssertCommitIdx(a.text(0), a.number(1, "idx"))),
    "assert_commit_safety": (1, 1, lambda a: AssertCommitSafety(a.text(0))),
    "assert_state_sync": (0, 0, lambda a: AssertStateSync()),
    "assert_config": (2, None, lambda a: AssertConfig(a.text(0), a.number(1, "idx"), a.rest(2))),
    "assert_absent_config": (2, 2, lambda a: AssertAbsentConfig(a.text(0), a.number(1, "idx"), verb=a.verb)),
    "assert_missing_config": (2, 2, lambda a: AssertAbsentConfig(a.text(0), a.number(1, "idx"), verb=a.verb)),
    "assert_last_txid": (2, 2, lambda a: AssertLastTxid(a.text(0), a.text(1))),
    "loop_until_sync": (0, 0, lambda a: LoopUntilSync()),
    **{verb: (1, 1, _detail_shorthand) for verb in DETAIL_SHORTHANDS},
}
VERBS = frozenset(_GRAMMAR)


def strip(text: str) -> str:
    """The line without its comment and trailing blanks (what CCF's driver reads, and what traces show)."""
    return text.split("#", 1)[0].rstrip(" \t\n\r\f\v")


def parse_line(text: str, file: str = "<scenario>", lineno: int = 0) -> Command:
    """One scenario line as a command; :class:`ScenarioSyntaxError` names file, line and field if it is
    not one."""
    line = strip(text)
    if not line:
        return Blank()
    verb, *items = line.split(",")
    if verb.startswith("===="):
        return End(source=line)
    spec = _GRAMMAR.get(verb)
    if spec is None:
        raise ScenarioSyntaxError(file, lineno, f"unknown command '{verb}'", "command")
    lo, hi, build = spec
    if len(items) < lo or (hi is not None and len(items) > hi):
        want = str(lo) if hi == lo else (f"at least {lo}" if hi is None else f"{lo}..{hi}")
        raise ScenarioSyntaxError(
            file, lineno, f"'{verb}' takes {want} argument(s), got {len(items)}", f"{verb}: arguments"
        )
    return replace(build(_Args(verb, items, file, lineno)), source=line)


def parse_text(text: str, file: str = "<scenario>") -> list[tuple[int, Command]]:
    """Every line up to the first ``====`` (included), with its line number; the first syntax error
    raises before anything runs."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    parsed = []
    for lineno, line in enumerate(lines, start=1):
        command = parse_line(line, file, lineno)
        parsed.append((lineno, command))
        if isinstance(command, End):
            break
    return parsed
