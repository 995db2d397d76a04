"""What a leader knows about one peer's log: CCF's per-node replication state."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Progress:
    """Per-peer replication progress, kept by every node for the peers in its active configurations.

    ``sent_idx`` is the highest index sent (optimistically), ``match_idx`` the highest index the peer has
    acknowledged as matching, ``last_ack_timeout`` the time since the peer last answered (CheckQuorum).
    Invariant kept by the leader: ``match_idx`` never decreases on an ACK.
    """

    sent_idx: int
    match_idx: int = 0
    last_ack_timeout: int = 0

    def on_ack(self, idx: int) -> None:
        """An ACK up to ``idx``: match only moves forward."""
        self.match_idx = max(self.match_idx, idx)

    def on_nack(self, estimated_match: int) -> None:
        """A NACK: resend from the estimated agreement point, never below what is known to match."""
        self.sent_idx = max(min(estimated_match, self.sent_idx), self.match_idx)
