"""Loading and checking CCF-format raft traces (ndjson), before anything reaches TLC.

Every defect is reported as one ``TraceFormatError`` naming file, line and field, so a malformed trace is
never mistaken for a rejected (or, worse, an accepted) one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from pyccf.formats.raft_trace import (
    EVENT_FIELDS,
    OPTIONAL_EVENT_FIELDS,
    OPTIONAL_PACKET_FIELDS,
    PACKET_FIELDS,
    STATE_FIELDS,
    TRACE_TAG,
    Event,
    LeadershipState,
    MembershipState,
    MessageType,
    RetirementPhase,
)
from tracecheck.errors import BadInput

# The test driver logs drop_pending_to without the node's committable indices.
_STATE_FIELDS_NOT_LOGGED = {Event.DROP_PENDING_TO: frozenset({"committable_indices"})}
# Events that carry a msg.packet, and whether the packet comes in (from_node_id) or goes out (to_node_id).
_EVENTS_WITH_PACKET = frozenset(e for e, f in EVENT_FIELDS.items() if "packet" in f)


class TraceFormatError(BadInput):
    """A trace line that is not a well-formed raft_trace event."""

    def __init__(self, path: Path | str, line: int | None, message: str, field: str | None = None):
        self.path = Path(path)
        super().__init__(message, file=self.path, line=line, field=field)


@dataclass(frozen=True)
class TraceEvent:
    """One raft_trace line: ``msg`` is the event's payload, ``state`` the logging node's state."""

    line: int
    text: str
    h_ts: int
    function: Event
    node: str
    state: dict[str, Any]
    msg: dict[str, Any]
    cmd: str

    @property
    def peer(self) -> str | None:
        return self.msg.get("to_node_id", self.msg.get("from_node_id"))

    def fields(self) -> dict[str, Any]:
        """The report's raft-specific fields of this event."""
        return {"h_ts": self.h_ts, "event": str(self.function), "node": self.node}

    def summary(self) -> str:
        """A short human description: ``node 1 recv_append_entries from 0 [idx=3 ...]``."""
        parts = [f"node {self.node}", str(self.function)]
        if "to_node_id" in self.msg:
            parts.append(f"to {self.msg['to_node_id']}")
        if "from_node_id" in self.msg:
            parts.append(f"from {self.msg['from_node_id']}")
        packet = self.msg.get("packet")
        if packet:
            body = " ".join(f"{k}={v}" for k, v in sorted(packet.items()) if k != "msg")
            parts.append(f"{packet.get('msg')} [{body}]")
        for key in ("sent_idx", "match_idx", "seqno", "globally_committable", "args"):
            if key in self.msg:
                parts.append(f"{key}={json.dumps(self.msg[key], separators=(',', ':'))}")
        s = self.state
        parts.append(
            f"| view={s['current_view']} last={s['last_idx']} commit={s['commit_idx']} "
            f"{s['leadership_state']}/{s['membership_state']}"
        )
        return " ".join(parts)


@dataclass(frozen=True)
class Trace:
    path: Path
    events: tuple[TraceEvent, ...]
    nodes: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.path.name


def load_trace(path: Path | str) -> Trace:
    """Read and check an ndjson trace; raises ``TraceFormatError`` on the first defect."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TraceFormatError(path, None, f"cannot read trace: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise TraceFormatError(path, None, f"not UTF-8 text: {exc.reason}") from None
    return parse_trace(path, text.splitlines())


def parse_trace(path: Path, lines: Iterable[str]) -> Trace:
    events: list[TraceEvent] = []
    last_ts: int | None = None
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise TraceFormatError(path, number, f"malformed JSON: {exc.msg} (column {exc.colno})") from None
        if not isinstance(obj, dict):
            raise TraceFormatError(path, number, "a trace line must be a JSON object")
        if obj.get("tag", TRACE_TAG) != TRACE_TAG:
            continue  # CCF's preprocessing keeps only raft_trace lines; tolerate others like it does
        event = _check_line(path, number, raw, obj)
        if last_ts is not None and event.h_ts < last_ts:
            raise TraceFormatError(path, number, f"h_ts decreases ({event.h_ts} after {last_ts})", "h_ts")
        last_ts = event.h_ts
        events.append(event)
    if not events:
        raise TraceFormatError(path, None, "empty trace: no raft_trace events")
    if events[0].function is not Event.BOOTSTRAP:
        raise TraceFormatError(
            path,
            events[0].line,
            f"a trace must start with bootstrap, not {events[0].function}",
            "msg.function",
        )
    nodes: set[str] = set()
    for e in events:
        nodes.add(e.node)
        if e.peer is not None:
            nodes.add(e.peer)
        for conf in e.msg.get("configurations", ()):
            nodes.update(conf["nodes"])
        conf = e.msg.get("args", {}).get("configuration") if isinstance(e.msg.get("args"), dict) else None
        if conf:
            nodes.update(conf["nodes"])
    return Trace(path, tuple(events), tuple(sorted(nodes, key=_node_key)))


def _node_key(node: str) -> tuple[int, int | str]:
    return (0, int(node)) if node.isdigit() else (1, node)


class _Checker:
    """Field-level checks for one line; each failure names the JSON path of the field."""

    def __init__(self, path: Path, line: int):
        self.path, self.line = path, line

    def fail(self, field: str, message: str) -> TraceFormatError:
        return TraceFormatError(self.path, self.line, message, field)

    def get(self, obj: dict[str, Any], key: str, where: str, kind: type | tuple[type, ...]) -> Any:
        name = f"{where}.{key}" if where else key
        if key not in obj:
            raise self.fail(name, "missing field")
        value = obj[key]
        # bool is an int subclass: never accept true/false for a number
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            expected = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self.fail(name, f"expected {expected}, got {json.dumps(value)[:40]}")
        return value

    def nat(self, obj: dict[str, Any], key: str, where: str) -> int:
        value = self.get(obj, key, where, int)
        if value < 0:
            raise self.fail(f"{where}.{key}", f"expected a natural number, got {value}")
        return value

    def enum(self, obj: dict[str, Any], key: str, where: str, enum: type[Enum]) -> str:
        value = self.get(obj, key, where, str)
        allowed = [m.value for m in enum]
        if value not in allowed:
            raise self.fail(f"{where}.{key}", f"unknown value {value!r} (expected {'/'.join(allowed)})")
        return value

    def int_string(self, obj: dict[str, Any], key: str) -> int:
        value = self.get(obj, key, "", (str, int))
        try:
            return int(value)
        except ValueError:
            raise self.fail(key, f"expected an integer, got {value!r}") from None


def _check_line(path: Path, number: int, raw: str, obj: dict[str, Any]) -> TraceEvent:
    c = _Checker(path, number)
    h_ts = c.int_string(obj, "h_ts")
    msg = c.get(obj, "msg", "", dict)
    function = c.get(msg, "function", "msg", str)
    if function not in Event.__members__.values():
        raise c.fail("msg.function", f"unknown event {function!r}")
    event = Event(function)
    state = c.get(msg, "state", "msg", dict)
    _check_state(c, event, state)
    for key in EVENT_FIELDS[event]:
        if key not in msg:
            raise c.fail(f"msg.{key}", f"missing field (required by {event})")
    _check_event_fields(c, event, msg)
    cmd = obj.get("cmd", "")
    if not isinstance(cmd, str):
        raise c.fail("cmd", "expected str")
    return TraceEvent(number, raw.rstrip("\n"), h_ts, event, state["node_id"], state, msg, cmd)


def _check_state(c: _Checker, event: Event, state: dict[str, Any]) -> None:
    where = "msg.state"
    not_logged = _STATE_FIELDS_NOT_LOGGED.get(event, frozenset())
    for key in STATE_FIELDS:
        if key not in state and key not in not_logged:
            raise c.fail(f"{where}.{key}", "missing field")
    c.get(state, "node_id", where, str)
    for key in ("current_view", "last_idx", "commit_idx"):
        c.nat(state, key, where)
    c.enum(state, "leadership_state", where, LeadershipState)
    c.enum(state, "membership_state", where, MembershipState)
    c.get(state, "pre_vote_enabled", where, bool)
    if "committable_indices" in state:
        indices = c.get(state, "committable_indices", where, list)
        if any(not isinstance(i, int) or isinstance(i, bool) or i < 0 for i in indices):
            raise c.fail(f"{where}.committable_indices", "expected a list of natural numbers")
    if "retirement_phase" in state:
        c.enum(state, "retirement_phase", where, RetirementPhase)
    for key in ("retirement_idx", "retirement_committable_idx", "retired_committed_idx"):
        if key in state:
            c.nat(state, key, where)


def _check_configuration(c: _Checker, conf: Any, where: str) -> None:
    if not isinstance(conf, dict):
        raise c.fail(where, "expected a configuration object")
    c.nat(conf, "idx", where)
    nodes = c.get(conf, "nodes", where, dict)
    if not all(isinstance(n, str) for n in nodes):
        raise c.fail(f"{where}.nodes", "node ids must be strings")


def _check_event_fields(c: _Checker, event: Event, msg: dict[str, Any]) -> None:
    for key in ("to_node_id", "from_node_id"):
        if key in EVENT_FIELDS[event] or (key in OPTIONAL_EVENT_FIELDS.get(event, ()) and key in msg):
            c.get(msg, key, "msg", str)
    for key in ("sent_idx", "match_idx", "seqno", "view"):
        if key in EVENT_FIELDS[event]:
            c.nat(msg, key, "msg")
    if "globally_committable" in EVENT_FIELDS[event]:
        c.get(msg, "globally_committable", "msg", bool)
    if "configurations" in EVENT_FIELDS[event]:
        confs = c.get(msg, "configurations", "msg", list)
        for k, conf in enumerate(confs):
            _check_configuration(c, conf, f"msg.configurations[{k}]")
    if "args" in EVENT_FIELDS[event]:
        args = c.get(msg, "args", "msg", dict)
        if event is Event.ADD_CONFIGURATION:
            _check_configuration(c, c.get(args, "configuration", "msg.args", dict), "msg.args.configuration")
        else:
            c.nat(args, "idx", "msg.args")
    if event in _EVENTS_WITH_PACKET:
        _check_packet(c, c.get(msg, "packet", "msg", dict))


def _check_packet(c: _Checker, packet: dict[str, Any]) -> None:
    where = "msg.packet"
    kind = MessageType(c.enum(packet, "msg", where, MessageType))
    optional = OPTIONAL_PACKET_FIELDS.get(kind, ())
    for key in PACKET_FIELDS[kind]:
        if key == "msg":
            continue
        if key not in packet:
            raise c.fail(f"{where}.{key}", f"missing field (required by {kind})")
        value = packet[key]
        if key in ("contains_new_view", "vote_granted"):
            c.get(packet, key, where, bool)
        elif key == "success":
            if value not in ("OK", "FAIL"):
                raise c.fail(f"{where}.success", f'expected "OK" or "FAIL", got {json.dumps(value)}')
        else:
            c.nat(packet, key, where)
    for key in optional:
        if key in packet:
            c.get(packet, key, where, str)
