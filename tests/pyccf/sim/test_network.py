"""The network owns the send queues: nodes only hand over what they sent; order, shuffle and drops."""

from __future__ import annotations

import random

from pyccf.consensus.log import Entry
from pyccf.consensus.messages import Message
from pyccf.consensus.node import Node
from pyccf.formats.raft_trace import EntryType
from pyccf.sim.network import Network

Delivery = tuple[str, str, Message]


class _Recording(Node):
    def __init__(self, node_id: str, log: list[Delivery]) -> None:
        super().__init__(node_id)
        self._deliveries = log

    def step(self, sender: str, msg: Message, entries: list[Entry] | None = None) -> None:
        self._deliveries.append((sender, self.node_id, msg))
        super().step(sender, msg, entries)


def _cluster() -> tuple[dict[str, Node], Network, list[Delivery], list[Delivery]]:
    delivered: list[Delivery] = []
    dropped: list[Delivery] = []
    nodes: dict[str, Node] = {i: _Recording(i, delivered) for i in "012"}
    net = Network(nodes, on_drop=lambda s, d, m: dropped.append((s, d, m)))
    for a, b in (("0", "1"), ("0", "2"), ("1", "2")):
        net.connect(a, b)
    leader = nodes["0"]
    leader.start_ticking()
    leader.force_become_primary()
    leader.replicate(Entry.make(2, 1, EntryType.RECONFIGURATION, False, nodes=("0", "1", "2")), 2)
    for _ in range(3):
        leader.periodic(10)
    return nodes, net, delivered, dropped


def test_network_takes_what_nodes_send_and_delivers_it_in_order() -> None:
    nodes, net, delivered, _ = _cluster()
    queued = net.queued("0")
    assert len(queued) == net.pending("0") == net.total_pending() >= 6
    assert nodes["0"].take_messages() == []  # handed over: the node keeps no queue of its own
    assert net.dispatch_one("0") == len(queued)
    assert [(d, m) for s, d, m in delivered] == queued and all(s == "0" for s, _, _ in delivered)
    assert net.pending("0") == 0 and net.pending("1") > 0  # the followers' answers are queued


def test_dispatch_one_stops_after_max_count() -> None:
    _, net, delivered, _ = _cluster()
    queued = net.queued("0")
    assert net.dispatch_one("0", 2) == 2
    assert [(d, m) for _, d, m in delivered] == queued[:2] and net.queued("0") == queued[2:]


def test_shuffle_is_the_rng_permutation_of_the_queue() -> None:
    _, net, _, _ = _cluster()
    before = net.queued("0")
    expected = list(before)
    random.Random(7).shuffle(expected)
    assert expected != before
    net.shuffle("0", random.Random(7))
    assert net.queued("0") == expected


def test_drop_and_single_delivery_touch_only_the_named_receiver() -> None:
    _, net, delivered, dropped = _cluster()
    before = net.queued("0")
    to_1 = [m for d, m in before if d == "1"]
    net.drop_pending_to("0", "2")
    assert [(s, d) for s, d, _ in dropped] == [("0", "2")] * (len(before) - len(to_1))
    assert net.queued("0") == [("1", m) for m in to_1]
    net.dispatch_single("0", "1")
    assert delivered == [("0", "1", to_1[0])] and net.queued("0") == [("1", m) for m in to_1[1:]]


def test_messages_over_a_down_link_are_dropped_at_delivery() -> None:
    _, net, delivered, dropped = _cluster()
    net.disconnect("0", "1")
    count = len(net.queued("0"))
    net.dispatch_one("0")
    assert {d for _, d, _ in delivered} == {"2"} and {d for _, d, _ in dropped} == {"1"}
    assert len(delivered) + len(dropped) == count
