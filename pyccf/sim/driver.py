"""The scenario driver: runs CCF's raft_driver scenario files against pyccf's nodes.

Each command does what CCF's ``src/consensus/aft/test/driver.h`` does, in the same order (node creation,
connections, which node is visited first), so the traces line up with CCF's. A line is parsed once into a
typed command (:mod:`pyccf.sim.commands`) and dispatched on its type to a handler of its family
(:mod:`pyccf.sim.handlers`). After every state-changing command, commit safety is checked on every node;
at the end of a file, ``loop_until_sync`` runs.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from pyccf.consensus.log import Entry, ViewHistoryError
from pyccf.consensus.messages import (
    AppendEntries,
    AppendEntriesResponse,
    Message,
    ProposeRequestVote,
    RequestVote,
    RequestVoteResponse,
)
from pyccf.consensus.node import InternalError, Node, validate_fixes
from pyccf.errors import (
    CommitSafetyViolation,
    FailureKind,
    ScenarioAssertionFailed,
    ScenarioInputError,
    ScenarioSyntaxError,
)
from pyccf.formats.raft_trace import EntryType, Event
from pyccf.sim.commands import Blank, Command, End, Term
from pyccf.sim.handlers import HANDLERS
from pyccf.sim.handlers.assertions import commit_safety_all, loop_until_sync
from pyccf.sim.handlers.base import BadLine
from pyccf.sim.handlers.base import StepFailed as _Fail
from pyccf.sim.network import Network
from pyccf.sim.parsing import parse_line, parse_text
from pyccf.sim.tracing import TraceWriter

_SHORT_NAMES = {RequestVote: "RV", RequestVoteResponse: "RVR", ProposeRequestVote: "PRV"}


class EntryPayloads(Protocol):
    """An optional service layer: serialises each new entry for its leader and keeps every node's ledger in
    step with the node's log (the driver never looks inside the bytes)."""

    def payload(
        self, leader: Node, kind: EntryType, data: str, nodes: tuple[str, ...]
    ) -> bytes: ...  # the entry at ``leader.last_idx + 1`` in ``leader.current_view``

    def observe(self, nodes: dict[str, Node]) -> None: ...  # after every command


@dataclass(frozen=True)
class ScenarioResult:
    ok: bool
    failure: ScenarioAssertionFailed | None = None


from pyccf.formats import variants  # noqa: E402  (the CCF profiles: pyccf.formats.variants.CCF_PROFILES)

#: The later CCF fixes each CCF version includes (the registry's profiles, by version).
CCF_PROFILES: dict[str, frozenset[str]] = {v: p.fixes for v, p in variants.CCF_PROFILES.items()}
CCF_VERSIONS = variants.CCF_VERSIONS
CCF_VERSION_DEFAULT = variants.CCF_VERSION_DEFAULT


class ScenarioDriver:
    """Runs scenario commands one at a time against a set of pyccf nodes and a simulated network."""

    def __init__(
        self,
        *,
        seed: int = 0,
        trace: TraceWriter | None = None,
        bugs: Collection[str] = (),
        out: TextIO | None = None,
        pre_vote_default: bool = False,
        ccf_version: str = CCF_VERSION_DEFAULT,
        fixes: Collection[str] | None = None,
        payloads: EntryPayloads | None = None,
        joiners_tick: bool = True,
    ) -> None:
        """``pre_vote_default``: PreVote for nodes created before any ``pre_vote_enabled`` line (off in
        the CCF version of the shared traces; later CCF versions switched it on). ``ccf_version``: one of
        :data:`CCF_VERSIONS`, the CCF behaviour to follow (later ones imply ``pre_vote_default``).
        ``fixes``: instead of the profile's, exactly these later CCF fixes
        (:data:`pyccf.consensus.node.FIXES`), e.g. ``{"7620"}`` alone, without the PreVote default.
        ``payloads``: a service layer that writes ledgers (off by default; it never changes the trace).
        ``joiners_tick``: CCF's raft_driver starts every node's election timer when it creates it; a
        service's joining node starts it only once it holds a committable entry under a configuration
        naming it (raft.h's start_ticking_if_necessary), so a node whose join was rolled back before
        that never campaigns (False: as a service; its ledger's signers are always trusted nodes)."""
        from pyccf.consensus.bugs import validate

        self.seed = seed
        self.trace = trace
        self.bugs = validate(bugs)
        self.out = out
        self.payloads = payloads
        self.joiners_tick = joiners_tick
        self.nodes: dict[str, Node] = {}
        self.network = Network(self.nodes, self._on_drop)
        if ccf_version not in CCF_VERSIONS:
            raise ValueError(f"unknown CCF version '{ccf_version}' (known: {', '.join(CCF_VERSIONS)})")
        self.ccf_version = ccf_version
        self.fixes = CCF_PROFILES[ccf_version] if fixes is None else validate_fixes(fixes)
        self.pre_vote_enabled = pre_vote_default or ccf_version != CCF_VERSION_DEFAULT
        self.file = "<scenario>"
        self.lineno = 0

    # ------------------------------------------------------------------ running commands

    def run_line(self, text: str, lineno: int, file: str = "<scenario>") -> bool:
        """Parse and run one scenario line. Returns False if the line ends the scenario (``====``)."""
        return self.run(parse_line(text, file, lineno), lineno, file)

    def run(self, command: Command, lineno: int, file: str = "<scenario>") -> bool:
        """Run one command. Returns False if it ends the scenario (``====``)."""
        self.file, self.lineno = file, lineno
        if isinstance(command, End):
            return False
        line = command.text
        if line and self.trace is not None:
            self.trace.command(line, command.verb)
        if not isinstance(command, Blank):
            handler = HANDLERS[type(command)]
            self._guarded(line, lambda: handler(self, command))
        if command.safety_checked_after:
            self._guarded(line, lambda: commit_safety_all(self))
        if self.payloads is not None:
            self.payloads.observe(self.nodes)
        return True

    def finish(self) -> None:
        """The implicit final ``loop_until_sync`` (CCF checks every scenario ends in a live state)."""
        self.lineno += 1
        self._guarded("loop_until_sync (implicit, end of file)", lambda: loop_until_sync(self))
        if self.payloads is not None:
            self.payloads.observe(self.nodes)

    def _guarded(self, line: str, action: Callable[[], Any]) -> None:
        try:
            action()
        except _Fail as f:
            if f.kind is FailureKind.COMMIT_SAFETY:
                raise CommitSafetyViolation(
                    self.file, self.lineno, line, f.expected, f.actual, f.message
                ) from None
            raise ScenarioAssertionFailed(
                self.file, self.lineno, line, f.expected, f.actual, f.message, f.kind
            ) from None
        except BadLine as s:
            raise ScenarioSyntaxError(self.file, self.lineno, s.message, s.field) from None
        except (InternalError, ViewHistoryError) as e:
            # CCF would throw out of its driver here; report it against the line instead.
            raise ScenarioAssertionFailed(
                self.file,
                self.lineno,
                line,
                "no internal error",
                str(e),
                f"internal consistency check failed: {e}",
                FailureKind.INTERNAL,
            ) from None

    def known(self, node_id: str, field: str = "node") -> str:
        """``node_id``, if such a node exists (what ``field`` of the line names)."""
        if node_id not in self.nodes:
            raise BadLine(f"unknown node '{node_id}'", field)
        return node_id

    def print(self, text: str) -> None:
        """Output of ``state_*``/``summarise_*`` lines (only with ``out``)."""
        if self.out is not None:
            self.out.write(text + "\n")

    # ------------------------------------------------------------------ nodes

    def add_node(self, node_id: str, field: str = "node") -> Node:
        """A new node (``field``: the part of the line naming it, for the error if it exists already)."""
        if node_id in self.nodes:
            raise BadLine(f"node {node_id} already exists", field)
        tracer = self.trace.event if self.trace is not None else None
        node = Node(
            node_id,
            pre_vote_enabled=self.pre_vote_enabled,
            rng=random.Random(self.seed * 1_000_003 + zlib.crc32(node_id.encode())),
            bugs=self.bugs,
            tracer=tracer,
            fixes=self.fixes,
        )
        if self.joiners_tick or not self.nodes:  # a service's first node starts the network: it ticks
            node.start_ticking()
        self.nodes[node_id] = node
        # Keep iteration in CCF's std::map order (node ids sorted as strings).
        for k in sorted(self.nodes):
            self.nodes[k] = self.nodes.pop(k)
        return node

    def _shuffle(self, node_id: str) -> None:
        self.network.shuffle(node_id, random.Random(f"{self.seed}/shuffle/{self.lineno}/{node_id}"))

    # ------------------------------------------------------------------ leaders and replication

    def leaders(self) -> list[tuple[int, str]]:
        return [(n.current_view, nid) for nid, n in self.nodes.items() if n.is_leader]

    def latest_term(self) -> int | None:
        """Highest term that currently has a leader (None if there is no leader)."""
        primaries = self.leaders()
        return max(primaries)[0] if primaries else None

    def leader_of(self, term: str | int) -> str | None:
        """The leader of ``term`` (a number, or ``latest`` for the highest term with a leader), or None."""
        primaries = self.leaders()
        if term == "latest":
            return max(primaries)[1] if primaries else None
        wanted = int(term)
        for view, nid in primaries:
            if view == wanted:
                return nid
        return None

    def replicate_entry(
        self,
        term: Term,
        kind: EntryType,
        *,
        data: str = "",
        nodes: tuple[str, ...] = (),
        committable: bool = False,
    ) -> None:
        """Have the leader of ``term`` append an entry (with ``latest`` and no leader at all, nothing: the
        step is skipped, as in CCF)."""
        leader_id = self.leader_of(term)
        if leader_id is None:
            if term == "latest":
                return
            raise _Fail(
                f"a leader in term {term}",
                f"leaders {sorted(self.leaders()) or 'none'}",
                f"found no primary in term {term}",
                FailureKind.NO_LEADER,
            )
        leader = self.nodes[leader_id]
        payload = b"" if self.payloads is None else self.payloads.payload(leader, kind, data, nodes)
        entry = Entry.make(leader.current_view, leader.last_idx + 1, kind, committable, data, nodes, payload)
        leader.replicate(entry, leader.current_view if term == "latest" else int(term))

    def _on_drop(self, src: str, dst: str, msg: Message) -> None:
        if self.trace is not None:
            self.trace.event(
                Event.DROP_PENDING_TO.value,
                self.nodes[src].trace_state(committable=False),
                {"from_node_id": src, "to_node_id": dst, "packet": msg.to_json()},
            )

    # ------------------------------------------------------------------ printing and state

    def _messages_line(self, src: str, dst: str) -> str:
        reps = []
        for target, msg in self.network.queued(src):
            if target != dst:
                continue
            if isinstance(msg, AppendEntries):
                reps.append(f"AE(t{msg.term}, ({msg.prev_term}.{msg.prev_idx}, {msg.term_of_idx}.{msg.idx}])")
            elif isinstance(msg, AppendEntriesResponse):
                reps.append(
                    f"AER({'ACK' if msg.success.value == 'OK' else 'NACK'}, t{msg.term}, i{msg.last_log_idx})"
                )
            else:
                reps.append(_SHORT_NAMES[type(msg)])
        return f"{src}: {len(reps)} message(s) to {dst} = [{', '.join(reps)}]"

    def state_sync_discrepancies(self, nodes: list[str]) -> list[str]:
        """What differs between the first of ``nodes`` and the others (term, log, commit)."""
        if not nodes:
            return []
        target = self.nodes[nodes[0]]
        out = []
        for nid in nodes[1:]:
            n = self.nodes[nid]
            if n.current_view != target.current_view:
                out.append(f"{nid}: term {n.current_view} != {target.current_view} on {nodes[0]}")
            if n.last_idx != target.last_idx:
                out.append(f"{nid}: last index {n.last_idx} != {target.last_idx} on {nodes[0]}")
            else:
                for i in range(1, target.last_idx + 1):
                    a, b = target.entry(i), n.entry(i)
                    if a is None or b is None or a != b:
                        out.append(f"{nid}: entry at {i} differs from {nodes[0]}")
                        break
            if n.commit_idx != target.commit_idx:
                out.append(f"{nid}: commit index {n.commit_idx} != {target.commit_idx} on {nodes[0]}")
        return out


def read_scenario(path: Path) -> str:
    """The text of a scenario file; anything that stops it being read raises :class:`ScenarioInputError`."""
    try:
        return path.read_text()
    except FileNotFoundError:
        raise ScenarioInputError(str(path), "no such file") from None
    except IsADirectoryError:
        raise ScenarioInputError(str(path), "is a directory") from None
    except UnicodeDecodeError as e:
        raise ScenarioInputError(str(path), f"not a text file ({e.reason})") from None
    except OSError as e:
        raise ScenarioInputError(str(path), e.strerror or str(e)) from None


def load_scenario(text: str, name: str) -> list[tuple[int, Command]]:
    """The commands of a whole scenario, each with its line; bad input raises before anything runs:
    :class:`ScenarioSyntaxError` for a malformed line, :class:`ScenarioInputError` for no commands."""
    commands = parse_text(text, name)
    if not any(not isinstance(c, Blank | End) for _, c in commands):
        raise ScenarioInputError(name, "no scenario commands (empty file)")
    return commands


def run_commands(
    commands: list[tuple[int, Command]],
    name: str,
    *,
    trace_path: Path | None = None,
    seed: int = 0,
    bugs: Collection[str] = (),
    out: TextIO | None = None,
    pre_vote_default: bool = False,
    ccf_version: str = CCF_VERSION_DEFAULT,
    payloads: EntryPayloads | None = None,
) -> ScenarioResult:
    """Run parsed commands (then the implicit ``loop_until_sync``). A line that names a node that does
    not exist raises :class:`ScenarioSyntaxError`, and then no trace file is left behind."""

    def run(trace: TraceWriter | None) -> ScenarioResult:
        driver = ScenarioDriver(
            seed=seed,
            trace=trace,
            bugs=bugs,
            out=out,
            pre_vote_default=pre_vote_default,
            ccf_version=ccf_version,
            payloads=payloads,
        )
        driver.file = name
        return _run(driver, commands, name)

    if trace_path is None:
        return run(None)
    with open(trace_path, "w") as trace_file:
        try:
            return run(TraceWriter(trace_file))
        except ScenarioSyntaxError:
            trace_file.close()
            trace_path.unlink(missing_ok=True)
            raise


def _run(driver: ScenarioDriver, commands: list[tuple[int, Command]], name: str) -> ScenarioResult:
    try:
        for lineno, command in commands:
            if not driver.run(command, lineno, name):
                break
        driver.finish()
    except ScenarioAssertionFailed as failure:
        return ScenarioResult(ok=False, failure=failure)
    return ScenarioResult(ok=True)


def run_scenario_text(
    text: str,
    name: str,
    *,
    trace_path: Path | None = None,
    seed: int = 0,
    bugs: Collection[str] = (),
    out: TextIO | None = None,
    pre_vote_default: bool = False,
    ccf_version: str = CCF_VERSION_DEFAULT,
) -> ScenarioResult:
    """Parse and run a whole scenario. Bad input raises (see :func:`load_scenario`); failures are
    returned."""
    return run_commands(
        load_scenario(text, name),
        name,
        trace_path=trace_path,
        seed=seed,
        bugs=bugs,
        out=out,
        pre_vote_default=pre_vote_default,
        ccf_version=ccf_version,
    )


def run_scenario(
    path: Path,
    *,
    trace_path: Path | None = None,
    seed: int = 0,
    bugs: Collection[str] = (),
    out: TextIO | None = None,
    pre_vote_default: bool = False,
    ccf_version: str = CCF_VERSION_DEFAULT,
) -> ScenarioResult:
    """:func:`run_scenario_text` on a file; an unreadable file raises :class:`ScenarioInputError`."""
    return run_scenario_text(
        read_scenario(Path(path)),
        str(path),
        trace_path=trace_path,
        seed=seed,
        bugs=bugs,
        out=out,
        pre_vote_default=pre_vote_default,
        ccf_version=ccf_version,
    )
