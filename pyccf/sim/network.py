"""The simulated network: one FIFO queue of outgoing messages per sender, and a set of live links.

The nodes only hand over what they sent (:meth:`pyccf.consensus.node.Node.take_messages`); the queues are
the network's, and so are delivery, reordering and dropping. Every operation first moves what the nodes
have sent onto their queues, so a queue always reads as if the node had appended to it directly.
As in CCF's test driver, messages are queued unconditionally when sent and the link is checked only when
they are delivered; an AppendEntries picks up its entries from the sender's ledger at delivery time (and
is dropped if the sender no longer holds them).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Iterable

from pyccf.consensus.log import Entry
from pyccf.consensus.messages import AppendEntries, Message
from pyccf.consensus.node import Node

# (sender, receiver, message) -> None, told about every dropped message.
DropListener = Callable[[str, str, Message], None]


class Network:
    def __init__(self, nodes: dict[str, Node], on_drop: DropListener | None = None) -> None:
        self.nodes = nodes
        self.links: set[tuple[str, str]] = set()
        self.on_drop = on_drop
        self.delivered = 0
        self._queues: dict[str, deque[tuple[str, Message]]] = {}

    def connect(self, a: str, b: str) -> None:
        self.links.add((a, b))
        self.links.add((b, a))

    def disconnect(self, a: str, b: str) -> bool:
        """Take the link down; returns whether it was up."""
        was_up = (a, b) in self.links or (b, a) in self.links
        self.links.discard((a, b))
        self.links.discard((b, a))
        return was_up

    def connected(self, a: str, b: str) -> bool:
        return (a, b) in self.links

    # ------------------------------------------------------------------ queues

    def _collect(self) -> None:
        """Append what each node has sent since the last collection to its queue, in sending order."""
        for nid, node in self.nodes.items():
            sent = node.take_messages()
            if sent:
                self._queues.setdefault(nid, deque()).extend(sent)

    def _queue(self, src: str) -> deque[tuple[str, Message]]:
        self._collect()
        return self._queues.setdefault(src, deque())

    def queued(self, src: str) -> list[tuple[str, Message]]:
        """The ``(to, message)`` pairs waiting to leave ``src``, oldest first."""
        return list(self._queue(src))

    def pending(self, src: str) -> int:
        return len(self._queue(src))

    def total_pending(self) -> int:
        self._collect()
        return sum(len(self._queues.get(nid, ())) for nid in self.nodes)

    def shuffle(self, src: str, rng: random.Random) -> None:
        """Reorder the messages waiting to leave ``src`` (a permutation drawn from ``rng``)."""
        queue = self._queue(src)
        items = list(queue)
        rng.shuffle(items)
        queue.clear()
        queue.extend(items)

    # ------------------------------------------------------------------ delivery

    def _payload(self, src: str, ae: AppendEntries) -> list[Entry] | None:
        sender = self.nodes[src]
        entries = []
        for i in range(ae.prev_idx + 1, ae.idx + 1):
            e = sender.entry(i)
            if e is None:
                return None
            entries.append(e)
        return entries

    def deliver(self, src: str, dst: str, msg: Message) -> bool:
        """Deliver one message now if the link is up (and its entries still exist); else drop it."""
        if (src, dst) in self.links:
            entries = None
            if isinstance(msg, AppendEntries):
                entries = self._payload(src, msg)
            if entries is not None or not isinstance(msg, AppendEntries):
                self.delivered += 1
                self.nodes[dst].step(src, msg, entries)
                return True
        self._drop(src, dst, msg)
        return False

    def _drop(self, src: str, dst: str, msg: Message) -> None:
        if self.on_drop is not None:
            self.on_drop(src, dst, msg)

    def dispatch_one(self, src: str, max_count: int | None = None) -> int:
        """Deliver queued messages from ``src`` in order (at most ``max_count`` successful deliveries)."""
        count = 0
        while (queue := self._queue(src)) and (max_count is None or count < max_count):
            dst, msg = queue.popleft()
            if self.deliver(src, dst, msg):
                count += 1
        return count

    def dispatch_all_once(self) -> None:
        self._collect()
        initial = {nid: len(self._queues.get(nid, ())) for nid in self.nodes}
        for nid in list(self.nodes):
            self.dispatch_one(nid, initial.get(nid, 0))

    def dispatch_all(self) -> None:
        rounds = 0
        while self.total_pending() and rounds < 5:
            rounds += 1
            self.dispatch_all_once()

    def dispatch_single(self, src: str, dst: str) -> None:
        queue = self._queue(src)
        for k, (target, msg) in enumerate(queue):
            if target == dst:
                del queue[k]
                self.deliver(src, dst, msg)
                return

    def drop_pending_to(self, src: str, dst: str) -> None:
        queue = self._queue(src)
        keep: list[tuple[str, Message]] = []
        dropped: list[tuple[str, Message]] = []
        for target, msg in queue:
            (dropped if target == dst else keep).append((target, msg))
        queue.clear()
        queue.extend(keep)
        for target, msg in dropped:
            self._drop(src, target, msg)

    def drop_pending(self, src: str, targets: Iterable[str]) -> None:
        for dst in targets:
            self.drop_pending_to(src, dst)
