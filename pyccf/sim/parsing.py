"""Parsing CCF's raft_driver scenario text into typed commands (:mod:`pyccf.sim.commands`), once.

Every error is a :class:`ScenarioSyntaxError` naming the file, line and offending field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Literal

from pyccf.errors import ScenarioSyntaxError
from pyccf.sim.commands import (
    DETAIL_SHORTHANDS,
    AssertAbsentConfig,
    AssertCommitIdx,
    AssertCommitSafety,
    AssertConfig,
    AssertDetail,
    AssertLastTxid,
    AssertStateSync,
    Blank,
    CleanupNodes,
    Command,
    CreateNewNode,
    CreateNodes,
    DispatchAll,
    DispatchOne,
    DispatchSingle,
    DropPending,
    DropPendingTo,
    EmitSignature,
    End,
    Link,
    LoopUntilSync,
    NodeLinks,
    NominateSuccessor,
    Periodic,
    PreVoteEnabled,
    Replicate,
    ReplicateNewConfiguration,
    Shuffle,
    StartNode,
    State,
    SummariseLog,
    SummariseMessages,
    SwapNode,
    SwapNodes,
    Term,
    TrustNodes,
)


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
