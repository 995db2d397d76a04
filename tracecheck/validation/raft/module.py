"""Turning checked traces into a generated TLA+ module that the trace spec EXTENDS.

Each event becomes a record with the same fields for every event kind (absent fields get a neutral
default), so the trace spec never touches a field an event lacks. The traces of a batch go into one
``<< ... >>`` sequence literal (TLC parses and evaluates these in linear time, unlike ``:>``/``@@``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tracecheck.tla.values import tla_string
from tracecheck.tla.values import to_tla as tla
from tracecheck.validation.raft.trace import Trace, TraceEvent

DATA_MODULE = "TraceData"
# With ``invariant_sample`` None the trace spec checks every state: the invariants of constant cost in full,
# the ledger-wide ones per step (TraceStepInvariants, at a cost in the size of each step's change). With a
# number N, the ledger-wide ones are checked in full in about N states per trace (plus the last) only.
INVARIANT_SAMPLE_DEFAULT: int | None = None


def invariant_stride(events: int, sample: int | None) -> int:
    """``TraceInvariantStride`` of a trace: 0 checks every state per step, n > 0 every n-th in full."""
    if sample is None:
        return 0
    return max(1, -(-events // sample))


_PACKET_DEFAULTS: dict[str, Any] = {
    "msg": "",
    "term": 0,
    "prev_idx": 0,
    "prev_term": 0,
    "idx": 0,
    "term_of_idx": 0,
    "leader_commit_idx": 0,
    "contains_new_view": False,
    "last_log_idx": 0,
    "success": "",
    "last_committable_idx": 0,
    "term_of_last_committable_idx": 0,
    "vote_granted": False,
    "election_type": "",
}
_STATE_DEFAULTS: dict[str, Any] = {
    "retirement_phase": "",
    "retirement_idx": 0,
    "retirement_committable_idx": 0,
    "retired_committed_idx": 0,
}


def _configuration(conf: dict[str, Any]) -> dict[str, Any]:
    return {"idx": conf["idx"], "nodes": frozenset(conf["nodes"])}


def cleanup_nodes(e: TraceEvent) -> frozenset[str]:
    """The nodes a ``replicate`` caused by ``cleanup_nodes,T,ids`` names in its retired_committed entry.

    The ids come only from the scenario line (``cmd``; CCF's Traceccfraft.tla reads ``cmd_prefix`` to tell
    this entry apart too); empty otherwise.
    """
    name, _, rest = e.cmd.partition(",")
    if e.function != "replicate" or name != "cleanup_nodes":
        return frozenset()
    return frozenset(rest.split(",")[1:])


def event_record(e: TraceEvent) -> dict[str, Any]:
    """The TLA+ view of one event: what the trace spec may pin (see Traceccfraft.tla)."""
    state = {k: v for k, v in e.state.items() if k != "node_id"}
    state["has_committable_indices"] = "committable_indices" in state
    state.setdefault("committable_indices", [])
    for key, default in _STATE_DEFAULTS.items():
        state.setdefault(key, default)
    packet = dict(_PACKET_DEFAULTS)
    packet.update(e.msg.get("packet", {}))
    args = e.msg.get("args", {})
    new_conf = args.get("configuration")
    return {
        "line": e.line,
        "ts": e.h_ts,
        "fn": str(e.function),
        "node": e.node,
        "peer": e.peer or "",
        "from": e.msg.get("from_node_id", ""),
        "to": e.msg.get("to_node_id", ""),
        "state": state,
        "packet": packet,
        "sent_idx": e.msg.get("sent_idx", 0),
        "match_idx": e.msg.get("match_idx", 0),
        "idx": args.get("idx", e.msg.get("seqno", 0)),
        "view": e.msg.get("view", 0),
        "globally_committable": e.msg.get("globally_committable", False),
        "configurations": [_configuration(c) for c in e.msg.get("configurations", [])],
        "new_configuration": _configuration(new_conf) if new_conf else {"idx": 0, "nodes": frozenset()},
        "cleanup_nodes": cleanup_nodes(e),
    }


def pre_vote_nodes(trace: Trace) -> frozenset[str]:
    """Nodes whose first logged state has PreVote enabled (the spec's initial pre_vote_enabled)."""
    first: dict[str, bool] = {}
    for e in trace.events:
        first.setdefault(e.node, bool(e.state["pre_vote_enabled"]))
    return frozenset(n for n, enabled in first.items() if enabled)


def data_module(
    traces: Sequence[Trace],
    prefix_lengths: Sequence[int | None] | None = None,
    invariant_sample: int | None = INVARIANT_SAMPLE_DEFAULT,
) -> str:
    """The ``TraceData`` module for a batch: ``TraceLogs[t]`` is the t-th trace's event sequence.

    ``prefix_lengths[t]`` (if given) cuts a trace short: the diagnosis run replays only up to the event
    that failed. ``invariant_sample``: see ``INVARIANT_SAMPLE_DEFAULT``.
    """
    logs = []
    for k, trace in enumerate(traces):
        events = trace.events
        if prefix_lengths and prefix_lengths[k] is not None:
            events = events[: prefix_lengths[k]]
        body = ",\n    ".join(tla(event_record(e)) for e in events)
        logs.append(f"  << \\* {trace.name}\n    {body} >>")
    names = ", ".join(tla_string(t.name) for t in traces)
    node_sets = ", ".join(tla(frozenset(t.nodes)) for t in traces)
    pre_vote = ", ".join(tla(pre_vote_nodes(t)) for t in traces)
    strides = ", ".join(str(invariant_stride(len(t.events), invariant_sample)) for t in traces)
    return (
        f"---- MODULE {DATA_MODULE} ----\n"
        "\\* Generated by tracecheck.validation.raft.module: one sequence of event records per trace.\n"
        f"TraceNames == << {names} >>\n"
        f"TraceNodeSets == << {node_sets} >>\n"
        f"TracePreVoteNodes == << {pre_vote} >>\n"
        f"TraceInvariantStride == << {strides} >>\n"
        "TraceLogs == <<\n" + ",\n".join(logs) + "\n  >>\n"
        "====\n"
    )
