"""Governance scripts: one request a line, run against a governed store (docs/governance.md).

    # comments and blank lines are skipped
    propose m0 open transition_service_to_open {"next_service_identity": "$service.cert"}
    vote m1 open yes
    propose m0 both [{"name": "set_user", "args": {"cert": "$user.u0.cert"}}, {"name": "trigger_snapshot"}]
    ack m3
    expect open Accepted

Members and users are named; their keys derive from the runner's seed and the name, so a script replays
byte for byte. Proposals are named by a label at ``propose`` (ids derive from the state). Parsing is
strict: every error names the file, the line and the field; running stops at the first refused request
or failed expectation with the same location.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pyccf.errors import LineError
from pyccf.formats.governance import GovTable, MemberStatus, MsgType, ProposalState
from pyccf.formats.ledger import SINGLETON_KEY, NodeStatus, ServiceStatus, Table
from pyccf.governance.engine import Governance
from pyccf.governance.requests import Member, RequestRefused, member_from_seed

#: The ballots ``vote ... yes|no`` submits: CCF's documented constant ballots.
BALLOTS = {
    "yes": "export function vote (proposal, proposerId) { return true }",
    "no": "export function vote (proposal, proposerId) { return false }",
}
#: Each command and its arguments' names (``JSON``: the rest of the line; ``[...]``: optional).
COMMANDS: dict[str, tuple[str, ...]] = {
    "propose": ("member", "label", "action", "[args]"),
    "vote": ("member", "label", "ballot"),
    "withdraw": ("member", "label"),
    "ack": ("member",),
    "expect": ("label", "state"),
    "expect_member": ("member", "status"),
    "expect_service": ("status",),
    "join": ("node", "[options]"),
    "expect_node": ("node", "status"),
    "share": ("member", "[how]"),
}
#: Commands only a service runs (``Runner.hooks``): a node joining, a node's status, a member's
#: recovery share (``share <member> [corrupt]``).
SERVICE_COMMANDS = ("join", "expect_node", "share")

#: The expectations and the vocabulary their last argument must come from.
_CHECKED: dict[str, tuple[str, type[StrEnum]]] = {
    "expect": ("state", ProposalState),
    "expect_member": ("status", MemberStatus),
    "expect_service": ("status", ServiceStatus),
    "expect_node": ("status", NodeStatus),
}


class ScriptError(LineError):
    """A script line that does not parse, or a request it makes that is refused or not as expected."""


@dataclass(frozen=True)
class Command:
    file: str
    line: int
    name: str
    args: tuple[str, ...]
    actions: tuple[dict[str, Any], ...] = ()  # propose only

    def error(self, field: str, message: str) -> ScriptError:
        return ScriptError(self.file, self.line, field, message)


def _json(file: str, line: int, text: str, field: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        raise ScriptError(file, line, field, f"not JSON: {error}") from None


def _actions(file: str, line: int, rest: str) -> tuple[dict[str, Any], ...]:
    if rest.startswith("["):
        actions = _json(file, line, rest, "actions")
        if not isinstance(actions, list) or not actions:
            raise ScriptError(file, line, "actions", "a non-empty JSON list of {name, args?} is needed")
        for i, a in enumerate(actions):
            if not isinstance(a, dict) or not isinstance(a.get("name"), str) or set(a) - {"name", "args"}:
                raise ScriptError(file, line, f"actions[{i}]", 'must be {"name": "<action>", "args": ...}')
        return tuple(actions)
    name, _, args_text = rest.partition(" ")
    action: dict[str, Any] = {"name": name}
    if args_text.strip():
        args = _json(file, line, args_text.strip(), "args")
        if not isinstance(args, dict):
            raise ScriptError(file, line, "args", "must be a JSON object")
        action["args"] = args
    return (action,)


def parse(text: str, file: str = "<script>", *, labels: Iterable[str] = ()) -> list[Command]:
    """The commands of a script; ScriptError at the first malformed line. ``labels``: proposal labels
    defined by scripts run before this one."""
    commands = []
    known = set(labels)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, rest = line.partition(" ")
        rest = rest.strip()
        if name not in COMMANDS:
            raise ScriptError(
                file, number, "command", f"unknown command {name!r} (known: {', '.join(COMMANDS)})"
            )
        if name == "propose":
            parts = rest.split(None, 2)
            if len(parts) < 3:
                raise ScriptError(
                    file, number, "arguments", "propose <member> <label> <action> [<JSON args>]"
                )
            member, label, tail = parts
            if label in known:
                raise ScriptError(file, number, "label", f"proposal label {label!r} is already used")
            known.add(label)
            commands.append(Command(file, number, name, (member, label), _actions(file, number, tail)))
            continue
        if name == "join":
            node, _, options = rest.partition(" ")
            if not node:
                raise ScriptError(file, number, "arguments", "join <node> [<JSON options>]")
            opts = _json(file, number, options.strip(), "options") if options.strip() else {}
            if not isinstance(opts, dict):
                raise ScriptError(file, number, "options", "must be a JSON object")
            commands.append(Command(file, number, name, (node,), (opts,)))
            continue
        args = tuple(rest.split())
        if name == "share":
            if len(args) not in (1, 2) or args[1:] not in ((), ("corrupt",)):
                raise ScriptError(file, number, "arguments", "share <member> [corrupt]")
            commands.append(Command(file, number, name, args))
            continue
        expected = COMMANDS[name]
        if len(args) != len(expected):
            usage = " ".join(f"<{a}>" for a in expected)
            raise ScriptError(file, number, "arguments", f"{name} takes {len(expected)}: {name} {usage}")
        fields = dict(zip(expected, args, strict=True))
        if "label" in fields and fields["label"] not in known:
            raise ScriptError(
                file, number, "label", f"no proposal labelled {fields['label']!r} before this line"
            )
        if name == "vote" and fields["ballot"] not in BALLOTS:
            raise ScriptError(file, number, "ballot", f"must be yes or no, not {fields['ballot']!r}")
        if name in _CHECKED:
            key, enum = _CHECKED[name]
            if fields[key] not in {str(v) for v in enum}:
                names = ", ".join(str(v) for v in enum)
                raise ScriptError(file, number, key, f"unknown {key} {fields[key]!r} (known: {names})")
        commands.append(Command(file, number, name, args))
    return commands


def load(path: Path, *, labels: Iterable[str] = ()) -> list[Command]:
    """The commands of the script file at ``path``; ScriptError (line 0) if it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScriptError(str(path), 0, "file", f"cannot read the script: {error}") from None
    return parse(text, str(path), labels=labels)


@dataclass
class Runner:
    """Runs parsed commands against ``gov``; ``seed`` derives members and users by name, ``values``
    are further ``$name`` substitutions (e.g. ``service.cert``), ``clock`` the first ``created_at``."""

    gov: Governance
    seed: bytes
    values: dict[str, str] = field(default_factory=dict)
    clock: int = 1_700_000_000
    members: dict[str, Member] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # label -> proposal id
    on_outcome: Callable[[Command, Any], None] | None = None
    hooks: dict[str, Callable[[Command], Any]] = field(default_factory=dict)  # SERVICE_COMMANDS

    def principal(self, name: str) -> Member:
        if name not in self.members:
            self.members[name] = member_from_seed(self.seed, name)
        return self.members[name]

    def _tick(self) -> int:
        self.clock += 1
        return self.clock

    def _substitute(self, cmd: Command, value: Any) -> Any:
        """``"$member.<name>.cert"``, ``"$member.<name>.id"`` (also ``$user.``), and ``values``."""
        if isinstance(value, dict):
            return {k: self._substitute(cmd, v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._substitute(cmd, v) for v in value]
        if not isinstance(value, str) or not value.startswith("$"):
            return value
        name = value[1:]
        if name in self.values:
            return self.values[name]
        parts = name.split(".")
        if len(parts) == 3 and parts[0] in ("member", "user") and parts[2] in ("cert", "id"):
            who = self.principal(parts[1])
            return who.cert_pem if parts[2] == "cert" else who.id
        known = ", ".join(sorted(self.values)) or "none"
        raise cmd.error("args", f"unknown substitution {value!r} (known: $member.<name>.cert|id, {known})")

    def run(self, commands: list[Command]) -> None:
        for cmd in commands:
            try:
                outcome = self._run(cmd)
            except RequestRefused as refused:
                raise cmd.error(cmd.name, f"refused: {refused}") from None
            if self.on_outcome is not None:
                self.on_outcome(cmd, outcome)

    def _state(self, cmd: Command, label: str) -> str:
        raw = self.gov.store.get(GovTable.PROPOSALS_INFO, self.labels[label].encode())
        if raw is None:
            raise cmd.error("label", f"proposal {label} is no longer in the KV (closed proposals are pruned)")
        return str(json.loads(raw)["state"])

    def _run(self, cmd: Command) -> Any:
        if cmd.name in SERVICE_COMMANDS:
            if cmd.name not in self.hooks:
                raise cmd.error(cmd.name, "needs a service (pyccf service run --governance SCRIPT)")
            return self.hooks[cmd.name](cmd)
        g, at = self.gov, self._tick()
        if cmd.name == "propose":
            member, label = cmd.args
            body = json.dumps({"actions": self._substitute(cmd, list(cmd.actions))}).encode()
            outcome = g.propose(self.principal(member).sign(MsgType.PROPOSAL, body, created_at=at))
            self.labels[label] = outcome.proposal_id
            return outcome
        if cmd.name == "vote":
            member, label, ballot = cmd.args
            m, pid = self.principal(member), self.labels[label]
            body = json.dumps({"ballot": BALLOTS[ballot]}).encode()
            return g.ballot(pid, m.id, m.sign(MsgType.BALLOT, body, created_at=at, proposal_id=pid))
        if cmd.name == "withdraw":
            member, label = cmd.args
            pid = self.labels[label]
            return g.withdraw(
                pid, self.principal(member).sign(MsgType.WITHDRAWAL, b"", created_at=at, proposal_id=pid)
            )
        if cmd.name == "ack":
            m = self.principal(cmd.args[0])
            digest = g.update_state_digest(m.id, m.sign(MsgType.STATE_DIGEST, b"", created_at=at))
            body = json.dumps({"stateDigest": digest}).encode()
            return g.ack(m.id, m.sign(MsgType.ACK, body, created_at=self._tick()))
        return self._expect(cmd)

    def _expect(self, cmd: Command) -> None:
        if cmd.name == "expect":
            label, want = cmd.args
            actual = self._state(cmd, label)
        elif cmd.name == "expect_member":
            name, want = cmd.args
            raw = self.gov.store.get(GovTable.MEMBERS_INFO, self.principal(name).id.encode())
            actual = "absent" if raw is None else str(json.loads(raw)["status"])
        else:
            (want,) = cmd.args
            raw = self.gov.store.get(Table.SERVICE_INFO, SINGLETON_KEY)
            actual = "absent" if raw is None else str(json.loads(raw)["status"])
        if actual != want:
            raise cmd.error(cmd.name, f"expected {want}, actual {actual}")
