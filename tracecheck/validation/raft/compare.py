"""Field-by-field comparison of a failing event with a spec state reachable just before it.

The trace spec prints, for each such state, what the failing event's node looks like in the trace
vocabulary (``TraceObservation`` in the trace spec): ``state`` (the ``msg.state`` fields), ``peer``
(the leader's ``sent_idx``/``match_idx`` for the event's peer) and ``messages`` (packets in flight from
the peer to the node, for receive events; to the peer, for send events).
"""

from __future__ import annotations

from typing import Any

from pyccf.formats.raft_trace import Event
from tracecheck.validation.adapter import Comparison
from tracecheck.validation.raft.trace import TraceEvent

# Events whose msg.state is logged after the node's step rather than before it (so a difference in a
# field the step changes is expected, not a divergence).
POST_STATE_EVENTS = frozenset(
    {
        Event.BOOTSTRAP,
        Event.BECOME_FOLLOWER,
        Event.BECOME_CANDIDATE,
        Event.BECOME_PRE_VOTE_CANDIDATE,
        Event.BECOME_LEADER,
        Event.SEND_APPEND_ENTRIES_RESPONSE,
    }
)
_RECEIVE_EVENTS = frozenset(
    {
        Event.RECV_APPEND_ENTRIES,
        Event.RECV_APPEND_ENTRIES_RESPONSE,
        Event.RECV_REQUEST_VOTE,
        Event.RECV_REQUEST_VOTE_RESPONSE,
        Event.RECV_PROPOSE_REQUEST_VOTE,
        Event.DROP_PENDING_TO,
    }
)

# Events by which a node shows that it counts the other node among its peers.
_PEER_EVENTS = frozenset({Event.SEND_APPEND_ENTRIES, Event.RECV_APPEND_ENTRIES_RESPONSE})


def compare(event: TraceEvent, observed: dict[str, Any]) -> list[Comparison]:
    out: list[Comparison] = []
    after = " (logged after the step)" if event.function in POST_STATE_EVENTS else ""
    for key, spec_value in observed.get("state", {}).items():
        if key in event.state:
            out.append(Comparison(f"state.{key}", event.state[key], spec_value, after.strip()))
    peer = observed.get("peer", {})
    for key in ("sent_idx", "match_idx"):
        if key in event.msg and key in peer:
            out.append(Comparison(key, event.msg[key], peer[key]))
    if event.function in _PEER_EVENTS and "is_peer" in peer:
        # the implementation talks to this node, so it counts it among its peers (all_other_nodes)
        out.append(Comparison("peer in all_other_nodes", True, peer["is_peer"], f"node {event.peer}"))
    if event.function in _RECEIVE_EVENTS and "head_send_logged" in peer:
        logged = peer["head_send_logged"]
        out.append(Comparison("send of the next message from the peer logged", True, logged))
    derived = observed.get("derived", {})
    if "commit_to" in derived and "args" in event.msg:
        out.append(
            Comparison("commit index", event.msg["args"]["idx"], derived["commit_to"], derived["rule"])
        )
    if "election_quorum" in derived and event.function is Event.BECOME_LEADER:
        note = f"votes {_fmt_set(derived['votes'])} in {', '.join(map(_fmt_set, derived['configurations']))}"
        out.append(
            Comparison("quorum of votes in each configuration", True, derived["election_quorum"], note)
        )
    packet = event.msg.get("packet")
    if packet is not None and "messages" in observed:
        out.extend(_compare_packet(event, packet, observed["messages"]))
    return out


def _fmt_set(values: Any) -> str:
    return "{" + ", ".join(str(v) for v in values) + "}"


def _compare_packet(
    event: TraceEvent, packet: dict[str, Any], messages: list[dict[str, Any]]
) -> list[Comparison]:
    direction = "from" if event.function in _RECEIVE_EVENTS else "to"
    if not messages:
        return [
            Comparison(
                "packet", packet.get("msg"), None, f"no message in flight {direction} node {event.peer}"
            )
        ]
    # the in-flight message closest to the logged packet explains the divergence best
    best = min(messages, key=lambda m: sum(packet.get(k) != v for k, v in m.items() if k in packet))
    note = f"closest of {len(messages)} message(s) in flight {direction} node {event.peer}"
    return [Comparison(f"packet.{k}", packet[k], best[k], note) for k in sorted(best) if k in packet]
