"""Log entries and the view history (which term each index belongs to), as CCF keeps them."""

from __future__ import annotations

import base64
import json
from bisect import bisect_right
from dataclasses import dataclass, field

from pyccf.formats.ledger import NO_VERSION, UNKNOWN_VIEW
from pyccf.formats.raft_trace import EntryType


class ViewHistoryError(ValueError):
    """The view history was asked to move backwards (CCF throws and drops the message being handled)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One ledger entry. Equality covers everything CCF's ledger bytes cover: term, index, kind, payload.

    ``nodes`` holds the configuration of a reconfiguration entry, or the node ids of a
    ``retired_committed`` entry; ``data`` the transaction payload of a raw entry. ``payload``: the
    serialised ledger entry a service layer attached (opaque here, empty without one); it is not
    compared, so the protocol behaves the same with or without it.
    """

    term: int
    index: int
    kind: EntryType
    committable: bool = False
    data: str = ""
    nodes: tuple[str, ...] = ()
    size: int = field(default=0, compare=False)
    payload: bytes = field(default=b"", compare=False, repr=False)

    @staticmethod
    def make(
        term: int,
        index: int,
        kind: EntryType,
        committable: bool,
        data: str = "",
        nodes: tuple[str, ...] = (),
        payload: bytes = b"",
    ) -> Entry:
        """Build an entry, recording the size CCF's driver would serialise it to (used for batching)."""
        if kind in (EntryType.RECONFIGURATION, EntryType.RETIRED_COMMITTED):
            raw = json.dumps({n: {"address": ":"} for n in sorted(nodes)}, separators=(",", ":"))
        else:
            raw = data
        blob = base64.b64encode(raw.encode()).decode()
        type_name = "raw" if kind is EntryType.SIGNATURE else kind.value
        size = len(json.dumps({"data": blob, "type": type_name}, separators=(",", ":")))
        return Entry(term, index, kind, committable, data, tuple(sorted(nodes)), size, payload)


class ViewHistory:
    """First index of every view: ``starts[v - 1]`` is the first index of view ``v``.

    Views that contain no entries share their start with the next view, as in CCF's ``ViewHistory``.
    """

    __slots__ = ("starts",)

    def __init__(self) -> None:
        self.starts: list[int] = []

    def update(self, idx: int, view: int) -> None:
        """Record that ``view`` (and any unseen view below it) starts at ``idx``."""
        if self.starts and idx < self.starts[-1]:
            raise ViewHistoryError(f"version must not move backwards ({idx} < {self.starts[-1]})")
        while len(self.starts) < view:
            self.starts.append(idx)

    def view_at(self, idx: int) -> int:
        """The view of index ``idx`` (UNKNOWN_VIEW before the first known view)."""
        return bisect_right(self.starts, idx)

    def start_of_view(self, view: int) -> int:
        if view > len(self.starts) or view == UNKNOWN_VIEW:
            return NO_VERSION
        tentative = self.starts[view - 1]
        if view < len(self.starts) and self.starts[view] == tentative:
            return NO_VERSION
        return tentative

    def end_of_view(self, view: int) -> int:
        if self.start_of_view(view) == NO_VERSION or view >= len(self.starts) or view == UNKNOWN_VIEW:
            return NO_VERSION
        return self.starts[view] - 1

    def rollback(self, idx: int) -> None:
        del self.starts[bisect_right(self.starts, idx) :]
