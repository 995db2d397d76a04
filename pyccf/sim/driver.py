"""The scenario driver: runs CCF's raft_driver scenario files against pyccf's nodes.

Each command does what CCF's ``src/consensus/aft/test/driver.h`` does, in the same order (node creation,
connections, which node is visited first), so the traces line up with CCF's. After every state-changing
command, commit safety is checked on every node; at the end of a file, ``loop_until_sync`` runs.
"""

from __future__ import annotations

import json
import random
import zlib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

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
from pyccf.consensus.quorum import majority
from pyccf.errors import CommitSafetyViolation, ScenarioAssertionFailed, ScenarioSyntaxError
from pyccf.formats.raft_trace import EntryType, Event
from pyccf.sim.network import Network
from pyccf.sim.tracing import TraceWriter

# Commands after which invariants are not re-checked (they do not change state).
_SKIP_INVARIANTS = frozenset(
    {"state_one", "state_all", "summarise_log", "summarise_logs_all", "assert_state_sync",
     "assert_commit_idx", ""}
)
_MAX_SYNC_ITERATIONS = 20
_SHORT_NAMES = {RequestVote: "RV", RequestVoteResponse: "RVR", ProposeRequestVote: "PRV"}
# Older scenario files assert roles with these commands.
_ROLE_ASSERTIONS = {"assert_is_primary": "Leader", "assert_is_backup": "Follower",
                    "assert_is_candidate": "Candidate"}


@dataclass(frozen=True)
class ScenarioResult:
    ok: bool
    failure: ScenarioAssertionFailed | None = None


class _Fail(Exception):
    """Raised inside a command; turned into ScenarioAssertionFailed with the line's context."""

    def __init__(self, expected: str, actual: str, message: str) -> None:
        super().__init__(message)
        self.expected, self.actual, self.message = expected, actual, message


class _Unsafe(_Fail):
    """The commit-safety check failed; surfaces as :class:`CommitSafetyViolation`."""


class _Syntax(Exception):
    pass


from pyccf.formats import variants  # noqa: E402  (the CCF profiles: pyccf.formats.variants.CCF_PROFILES)

#: The later CCF fixes each CCF version includes (the registry's profiles, by version).
CCF_PROFILES: dict[str, frozenset[str]] = {v: p.fixes for v, p in variants.CCF_PROFILES.items()}
CCF_VERSIONS = variants.CCF_VERSIONS
CCF_VERSION_DEFAULT = variants.CCF_VERSION_DEFAULT


class ScenarioDriver:
    """Runs scenario lines one at a time against a set of pyccf nodes and a simulated network."""

    def __init__(self, *, seed: int = 0, trace: TraceWriter | None = None, bugs: Collection[str] = (),
                 out: TextIO | None = None, pre_vote_default: bool = False,
                 ccf_version: str = CCF_VERSION_DEFAULT, fixes: Collection[str] | None = None) -> None:
        """``pre_vote_default``: PreVote for nodes created before any ``pre_vote_enabled`` line (off in
        the CCF version of the shared traces; later CCF versions switched it on). ``ccf_version``: one of
        :data:`CCF_VERSIONS`, the CCF behaviour to follow (later ones imply ``pre_vote_default``).
        ``fixes``: instead of the profile's, exactly these later CCF fixes (:data:`pyccf.consensus.node.FIXES`),
        e.g. ``{"7620"}`` alone, without the PreVote default."""
        from pyccf.consensus.bugs import validate

        self.seed = seed
        self.trace = trace
        self.bugs = validate(bugs)
        self.out = out
        self.nodes: dict[str, Node] = {}
        self.network = Network(self.nodes, self._on_drop)
        if ccf_version not in CCF_VERSIONS:
            raise ValueError(f"unknown CCF version '{ccf_version}' (known: {', '.join(CCF_VERSIONS)})")
        self.ccf_version = ccf_version
        self.fixes = CCF_PROFILES[ccf_version] if fixes is None else validate_fixes(fixes)
        self.pre_vote_enabled = pre_vote_default or ccf_version != CCF_VERSION_DEFAULT
        self.file = "<scenario>"
        self.lineno = 0
        self._commands: dict[str, tuple[int, int | None, Callable[[list[str]], None]]] = {
            "start_node": (1, 1, lambda a: self.start_node(a[0])),
            "trust_node": (2, 2, lambda a: self.trust_nodes(a[0], a[1:])),
            "trust_nodes": (2, None, lambda a: self.trust_nodes(a[0], a[1:])),
            "swap_node": (3, 3, lambda a: self.swap_nodes(a[0], [a[1]], [a[2]])),
            "swap_nodes": (3, None, self._swap_nodes_cmd),
            "cleanup_nodes": (2, None, lambda a: self.cleanup_nodes(a[0], a[1:])),
            "nodes": (1, None, lambda a: self.create_new_nodes(a)),
            "create_new_node": (1, 1, lambda a: self._add_node(a[0])),
            "replicate_new_configuration": (2, None, self._replicate_new_configuration),
            "pre_vote_enabled": (1, 1, self._pre_vote_cmd),
            "connect": (2, 2, lambda a: self.network.connect(self._id(a[0]), self._id(a[1]))),
            "disconnect": (2, 2, lambda a: self.network.disconnect(self._id(a[0]), self._id(a[1]))),
            "reconnect": (2, 2, lambda a: self.network.connect(self._id(a[0]), self._id(a[1]))),
            "disconnect_node": (1, 1, lambda a: self.disconnect_node(self._id(a[0]))),
            "reconnect_node": (1, 1, lambda a: self.reconnect_node(self._id(a[0]))),
            "periodic_one": (2, 2, lambda a: self.nodes[self._id(a[0])].periodic(self._int(a[1]))),
            "periodic_all": (1, 1, lambda a: self.periodic_all(self._int(a[0]))),
            "dispatch_one": (1, 1, lambda a: self.network.dispatch_one(self._id(a[0]))),
            "dispatch_all": (0, 0, lambda a: self.network.dispatch_all()),
            "dispatch_all_once": (0, 0, lambda a: self.network.dispatch_all_once()),
            "dispatch_single": (2, 2, lambda a: self.network.dispatch_single(self._id(a[0]), self._id(a[1]))),
            "drop_pending": (1, 1, lambda a: self.network.drop_pending(self._id(a[0]), sorted(self.nodes))),
            "drop_pending_to": (2, 2, lambda a: self.network.drop_pending_to(self._id(a[0]), self._id(a[1]))),
            "shuffle_one": (1, 1, lambda a: self._shuffle(self._id(a[0]))),
            "shuffle_all": (0, 0, lambda a: [self._shuffle(n) for n in sorted(self.nodes)]),
            "replicate": (2, 2, lambda a: self.replicate(a[0], a[1])),
            "emit_signature": (1, 1, lambda a: self.emit_signature(a[0])),
            "nominate_successor": (1, 1, lambda a: self.nodes[self._id(a[0])].nominate_successor()),
            "state_one": (1, 1, lambda a: self._print(self._state_line(self._id(a[0])))),
            "state_all": (0, 0, lambda a: [self._print(self._state_line(n)) for n in sorted(self.nodes)]),
            "summarise_log": (1, 1, lambda a: self._print(self._log_line(self._id(a[0])))),
            "summarise_logs_all": (0, 0, lambda a: [self._print(self._log_line(n))
                                                    for n in sorted(self.nodes)]),
            "summarise_messages": (2, 2, lambda a: self._print(self._messages_line(self._id(a[0]),
                                                                                  self._id(a[1])))),
            "assert_detail": (3, 3, lambda a: self.assert_detail(self._id(a[0]), a[1], a[2], True)),
            "assert_!detail": (3, 3, lambda a: self.assert_detail(self._id(a[0]), a[1], a[2], False)),
            "assert_commit_idx": (2, 2, lambda a: self.assert_commit_idx(self._id(a[0]), self._int(a[1]))),
            "assert_commit_safety": (1, 1, lambda a: self.assert_commit_safety(self._id(a[0]))),
            "assert_state_sync": (0, 0, lambda a: self.assert_state_sync()),
            "assert_config": (2, None, lambda a: self.assert_config(self._id(a[0]), self._int(a[1]), a[2:])),
            "assert_absent_config": (2, 2, lambda a: self.assert_absent_config(self._id(a[0]),
                                                                                self._int(a[1]))),
            "assert_missing_config": (2, 2, lambda a: self.assert_absent_config(self._id(a[0]),
                                                                                 self._int(a[1]))),
            "assert_last_txid": (2, 2, lambda a: self.assert_last_txid(self._id(a[0]), a[1])),
            "loop_until_sync": (0, 0, lambda a: self.loop_until_sync()),
        }
        for name, role in _ROLE_ASSERTIONS.items():
            self._commands[name] = (1, 1, lambda a, role=role: self.assert_detail(
                self._id(a[0]), "leadership_state", role, True))
            negated = name.replace("assert_is_", "assert_isnot_")
            self._commands[negated] = (1, 1, lambda a, role=role: self.assert_detail(
                self._id(a[0]), "leadership_state", role, False))
        self._commands["assert_is_active"] = (1, 1, lambda a: self.assert_detail(
            self._id(a[0]), "membership_state", "Active", True))
        # Older CCF drivers (2023): is_retired() is membership_state == Retired.
        self._commands["assert_is_retired"] = (1, 1, lambda a: self.assert_detail(
            self._id(a[0]), "membership_state", "Retired", True))

    # ------------------------------------------------------------------ running lines

    def run_line(self, text: str, lineno: int, file: str = "<scenario>") -> bool:
        """Run one scenario line. Returns False if the line ends the scenario (``====``)."""
        self.file, self.lineno = file, lineno
        line = text.split("#", 1)[0].rstrip(" \t\n\r\f\v")
        items = line.split(",")
        name, args = items[0], items[1:]
        if name.startswith("===="):
            return False
        if line and self.trace is not None:
            self.trace.command(line)
        if name:
            spec = self._commands.get(name)
            if spec is None:
                raise ScenarioSyntaxError(file, lineno, f"unknown command '{name}'")
            lo, hi, fn = spec
            if len(args) < lo or (hi is not None and len(args) > hi):
                want = str(lo) if hi == lo else (f"at least {lo}" if hi is None else f"{lo}..{hi}")
                raise ScenarioSyntaxError(file, lineno, f"'{name}' takes {want} argument(s), got {len(args)}")
            self._guarded(line, lambda: fn(args))
        if name not in _SKIP_INVARIANTS:
            self._guarded(line, self.assert_commit_safety_all)
        return True

    def finish(self) -> None:
        """The implicit final ``loop_until_sync`` (CCF checks every scenario ends in a live state)."""
        self.lineno += 1
        self._guarded("loop_until_sync (implicit, end of file)", self.loop_until_sync)

    def _guarded(self, line: str, action: Callable[[], Any]) -> None:
        try:
            action()
        except _Unsafe as f:
            raise CommitSafetyViolation(self.file, self.lineno, line, f.expected, f.actual,
                                        f.message) from None
        except _Fail as f:
            raise ScenarioAssertionFailed(self.file, self.lineno, line, f.expected, f.actual,
                                          f.message) from None
        except _Syntax as s:
            raise ScenarioSyntaxError(self.file, self.lineno, str(s)) from None
        except (InternalError, ViewHistoryError) as e:
            # CCF would throw out of its driver here; report it against the line instead.
            raise ScenarioAssertionFailed(self.file, self.lineno, line, "no internal error", str(e),
                                          f"internal consistency check failed: {e}") from None

    def _id(self, node_id: str) -> str:
        if node_id not in self.nodes:
            raise _Syntax(f"unknown node '{node_id}'")
        return node_id

    @staticmethod
    def _int(text: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise _Syntax(f"expected an integer, got '{text}'") from None

    def _print(self, text: str) -> None:
        if self.out is not None:
            self.out.write(text + "\n")

    # ------------------------------------------------------------------ nodes and configurations

    def _add_node(self, node_id: str) -> Node:
        if node_id in self.nodes:
            raise _Syntax(f"node {node_id} already exists")
        tracer = self.trace.event if self.trace is not None else None
        node = Node(node_id, pre_vote_enabled=self.pre_vote_enabled,
                    rng=random.Random(self.seed * 1_000_003 + zlib.crc32(node_id.encode())), bugs=self.bugs,
                    tracer=tracer, fixes=self.fixes)
        node.start_ticking()
        self.nodes[node_id] = node
        # Keep iteration in CCF's std::map order (node ids sorted as strings).
        for k in sorted(self.nodes):
            self.nodes[k] = self.nodes.pop(k)
        return node

    def start_node(self, node_id: str) -> None:
        if self.nodes:
            raise _Syntax("start node already exists")
        node = self._add_node(node_id)
        node.force_become_primary()
        self._replicate("2", EntryType.RECONFIGURATION, nodes=(node_id,))

    def create_new_nodes(self, ids: list[str]) -> None:
        for n in ids:
            self._add_node(n)
        for node in self.nodes.values():
            node.add_configuration(0, frozenset(ids))

    def trust_nodes(self, term: str, ids: list[str]) -> None:
        for n in ids:
            self._add_node(n)
        config = tuple(self.nodes)
        for n in ids:
            for other in self.nodes:
                if other != n:
                    self.network.connect(other, n)
        self._replicate(term, EntryType.RECONFIGURATION, nodes=config)

    def swap_nodes(self, term: str, out: list[str], into: list[str]) -> None:
        for n in into:
            self._add_node(n)
        config = tuple(n for n in self.nodes if n not in set(out))
        for other in self.nodes:
            for n in into:
                if other != n:
                    self.network.connect(other, n)
        self._replicate(term, EntryType.RECONFIGURATION, nodes=config)

    def _swap_nodes_cmd(self, a: list[str]) -> None:
        term, rest = a[0], a[1:]
        if rest[0] not in ("in", "out"):
            raise _Syntax("swap_nodes: expected 'in' or 'out' after the term")
        groups: dict[str, list[str]] = {"in": [], "out": []}
        current = rest[0]
        for item in rest[1:]:
            if item in ("in", "out"):
                current = item
            else:
                groups[current].append(item)
        self.swap_nodes(term, groups["out"], groups["in"])

    def _replicate_new_configuration(self, a: list[str]) -> None:
        for n in a[1:]:
            if n not in self.nodes:
                self._add_node(n)
        self._replicate(a[0], EntryType.RECONFIGURATION, nodes=tuple(a[1:]))

    def cleanup_nodes(self, term: str, ids: list[str]) -> None:
        for n in ids:
            self._id(n)
        self._replicate(term, EntryType.RETIRED_COMMITTED, nodes=tuple(ids))

    def _pre_vote_cmd(self, a: list[str]) -> None:
        if a[0] not in ("true", "false"):
            raise _Syntax(f"pre_vote_enabled takes true or false, got '{a[0]}'")
        self.pre_vote_enabled = a[0] == "true"

    def disconnect_node(self, node_id: str) -> None:
        for other in self.nodes:
            if other != node_id:
                self.network.disconnect(node_id, other)

    def reconnect_node(self, node_id: str) -> None:
        for other in self.nodes:
            if other != node_id:
                self.network.connect(node_id, other)

    def periodic_all(self, ms: int) -> None:
        for node in list(self.nodes.values()):
            node.periodic(ms)

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
        wanted = self._int(term) if isinstance(term, str) else term
        for view, nid in primaries:
            if view == wanted:
                return nid
        return None

    def _replicate(self, term: str, kind: EntryType, *, data: str = "", nodes: tuple[str, ...] = (),
                   committable: bool = False) -> None:
        leader_id = self.leader_of(term)
        if leader_id is None:
            if term == "latest":  # having no leader at all is valid: the step is skipped, as in CCF
                return
            raise _Fail(f"a leader in term {term}", f"leaders {sorted(self.leaders()) or 'none'}",
                        f"found no primary in term {term}")
        leader = self.nodes[leader_id]
        idx = leader.last_idx + 1
        entry = Entry.make(leader.current_view, idx, kind, committable, data, nodes)
        leader.replicate(entry, leader.current_view if term == "latest" else self._int(term))

    def replicate(self, term: str, data: str) -> None:
        self._replicate(term, EntryType.RAW, data=data)

    def emit_signature(self, term: str) -> None:
        self._replicate(term, EntryType.SIGNATURE, data="signature", committable=True)

    def _on_drop(self, src: str, dst: str, msg: Message) -> None:
        if self.trace is not None:
            self.trace.event(Event.DROP_PENDING_TO.value, self.nodes[src].trace_state(committable=False),
                             {"from_node_id": src, "to_node_id": dst, "packet": msg.to_json()})

    # ------------------------------------------------------------------ printing

    def _state_line(self, nid: str) -> str:
        n = self.nodes[nid]
        role = {"Follower": "F", "Candidate": "C", "Leader": "P"}.get(n.leadership_state.value, "?")
        return (f"{nid}: leadership {role} membership {'A' if n.is_active else 'R'} "
                f"@{n.current_view}.{n.last_idx} (committed {n.commit_idx})")

    def _log_line(self, nid: str) -> str:
        n = self.nodes[nid]
        parts = []
        for i in range(1, n.last_idx + 1):
            s = f"{n.term_of(i)}.{i}"
            parts.append(f"[{s}]" if i == n.commit_idx else s)
        return f"{nid}: {', '.join(parts)}"

    def _messages_line(self, src: str, dst: str) -> str:
        reps = []
        for target, msg in self.network.queued(src):
            if target != dst:
                continue
            if isinstance(msg, AppendEntries):
                reps.append(f"AE(t{msg.term}, ({msg.prev_term}.{msg.prev_idx}, {msg.term_of_idx}.{msg.idx}])")
            elif isinstance(msg, AppendEntriesResponse):
                reps.append(f"AER({'ACK' if msg.success.value == 'OK' else 'NACK'}, t{msg.term}, "
                            f"i{msg.last_log_idx})")
            else:
                reps.append(_SHORT_NAMES[type(msg)])
        return f"{src}: {len(reps)} message(s) to {dst} = [{', '.join(reps)}]"

    # ------------------------------------------------------------------ assertions

    def assert_detail(self, nid: str, key: str, expected: str, equal: bool) -> None:
        details = self.nodes[nid].details()
        if key not in details:
            raise _Fail(f"detail {key}", "no such detail", f"node {nid} does not have detail {key}")
        value = details[key]
        actual = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        if (actual != expected) if equal else (actual == expected):
            op = "==" if equal else "!="
            raise _Fail(f"{key} {op} {expected}", actual, f"node {nid} detail {key} is not as expected")

    def assert_last_txid(self, nid: str, txid: str) -> None:
        n = self.nodes[nid]
        actual = f"{n.term_of(n.last_idx)}.{n.last_idx}"
        if actual != txid:
            raise _Fail(txid, actual, f"node {nid} last transaction id is not as expected")

    def assert_commit_idx(self, nid: str, idx: int) -> None:
        actual = self.nodes[nid].commit_idx
        if actual != idx:
            raise _Fail(str(idx), str(actual), f"node {nid} not at expected commit idx")

    def assert_config(self, nid: str, idx: int, expected_nodes: list[str]) -> None:
        for c in self.nodes[nid].configurations:
            if c.idx == idx:
                if set(expected_nodes) != set(c.nodes):
                    raise _Fail("{" + ", ".join(sorted(set(expected_nodes))) + "}",
                                "{" + ", ".join(sorted(c.nodes)) + "}",
                                f"node {nid} configuration at idx {idx} does not match")
                return
        raise _Fail(f"a configuration at {idx}", "none",
                    f"node {nid} does not have a configuration at idx {idx}")

    def assert_absent_config(self, nid: str, idx: int) -> None:
        for c in self.nodes[nid].configurations:
            if c.idx == idx:
                raise _Fail(f"no configuration at {idx}", "{" + ", ".join(sorted(c.nodes)) + "}",
                            f"node {nid} has unexpected configuration at idx {idx}")

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

    def assert_state_sync(self) -> None:
        d = self.state_sync_discrepancies(list(self.nodes))
        if d:
            raise _Fail("all nodes in sync", "; ".join(d), "states not in sync")

    def loop_until_sync(self) -> None:
        primaries = self.leaders()
        if not primaries:
            raise _Fail("a leader", "no leader", "can't loop until sync, no primary")
        term, primary = max(primaries)
        active = [nid for nid, n in self.nodes.items() if n.is_active]
        self.emit_signature(str(term))
        for nid in active:
            self.reconnect_node(nid)
        for _ in range(_MAX_SYNC_ITERATIONS):
            self.nodes[primary].periodic(10)
            self.network.dispatch_all()
            d = self.state_sync_discrepancies(active)
            if not d:
                return
        raise _Fail("all active nodes in sync", "; ".join(d),
                    f"failed to reach state sync after {_MAX_SYNC_ITERATIONS} iterations")

    def _prefix(self, nid: str, upto: int) -> list[Entry]:
        """Entries 1..upto of ``nid``'s ledger (fewer if it is shorter)."""
        return self.nodes[nid].log[:upto]

    def assert_commit_safety(self, nid: str) -> None:
        """The committed prefix of ``nid`` is on a majority of each of its configurations at or below it."""
        node = self.nodes[nid]
        committed = node.commit_idx
        prefix = self._prefix(nid, committed)
        present = {other: self._prefix(other, committed) == prefix for other in self.nodes}
        for c in node.configurations:
            if c.idx <= committed:
                count = sum(1 for n in c.nodes if present.get(n, False))
                if count < majority(len(c.nodes)):
                    need = majority(len(c.nodes))
                    raise _Unsafe(f"index {committed} on at least {need} of {sorted(c.nodes)}",
                                f"on {count}",
                                f"node {nid} at unsafe commit idx {committed} (configuration at {c.idx})")

    def assert_commit_safety_all(self) -> None:
        for nid in self.nodes:
            self.assert_commit_safety(nid)


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def run_scenario_text(text: str, name: str, *, trace_path: Path | None = None, seed: int = 0,
                      bugs: Collection[str] = (), out: TextIO | None = None,
                      pre_vote_default: bool = False,
                      ccf_version: str = CCF_VERSION_DEFAULT) -> ScenarioResult:
    """Run a whole scenario (then the implicit ``loop_until_sync``). Syntax errors raise."""
    trace_file = open(trace_path, "w") if trace_path is not None else None  # noqa: SIM115
    try:
        driver = ScenarioDriver(seed=seed, trace=TraceWriter(trace_file) if trace_file else None, bugs=bugs,
                                out=out, pre_vote_default=pre_vote_default, ccf_version=ccf_version)
        try:
            for lineno, line in enumerate(_lines(text), start=1):
                if not driver.run_line(line, lineno, name):
                    break
            driver.finish()
        except ScenarioAssertionFailed as failure:
            return ScenarioResult(ok=False, failure=failure)
        return ScenarioResult(ok=True)
    finally:
        if trace_file is not None:
            trace_file.close()


def run_scenario(path: Path, *, trace_path: Path | None = None, seed: int = 0, bugs: Collection[str] = (),
                 out: TextIO | None = None, pre_vote_default: bool = False,
                 ccf_version: str = CCF_VERSION_DEFAULT) -> ScenarioResult:
    return run_scenario_text(Path(path).read_text(), str(path), trace_path=trace_path, seed=seed, bugs=bugs,
                             out=out, pre_vote_default=pre_vote_default, ccf_version=ccf_version)
