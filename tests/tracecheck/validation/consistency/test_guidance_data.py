"""The guidance tables TraceData precomputes from a history (what TraceConsistency reads in constant
time instead of searching the rest of the history), on a history small enough to work out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracecheck.validation.consistency.history import load_history
from tracecheck.validation.consistency.module import (
    ahead_views,
    data_module,
    first_seqnos,
    last_reads,
    last_responses,
    proof_views,
)


def _history(tmp_path: Path, status: str, last_read: list[int]) -> Path:
    """A write told 2.3, a final answer for it, then reads told 3.5 and ``last_read``."""
    events = [
        {"type": "RwTxRequest", "tx": 0, "client": "a"},
        {"type": "RwTxResponse", "tx": 0, "client": "a", "tx_id": [2, 3], "observed": [0]},
        {"type": "TxStatusReceived", "client": "a", "tx_id": [2, 3], "status": status},
        {"type": "RoTxRequest", "tx": 1, "client": "b"},
        {"type": "RoTxResponse", "tx": 1, "client": "b", "tx_id": [3, 5], "observed": []},
        {"type": "RoTxRequest", "tx": 2, "client": "b"},
        {"type": "RoTxResponse", "tx": 2, "client": "b", "tx_id": last_read, "observed": []},
    ]
    path = tmp_path / "h.ndjson"
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


@pytest.mark.parametrize(
    ("status", "last_read", "proof"),
    [
        # 4.2 cannot hold 2.3 (its seqno 2 is view 4's already): view 4 may prove 2.3 Invalid, though
        # view 3, the next record view, is named first.
        ("InvalidStatus", [4, 2], 4),
        ("CommittedStatus", [4, 2], 0),
        # 4.6 may hold 2.3 and commit it; it cannot prove it Invalid by that TxID.
        ("CommittedStatus", [4, 6], 4),
        ("InvalidStatus", [4, 6], 0),
        # View 3 is the next record view: it may start before the answer anyway.
        ("InvalidStatus", [3, 2], 0),
    ],
)
def test_a_final_answer_may_be_proved_by_a_view_past_the_next_record_view(
    tmp_path: Path, status: str, last_read: list[int], proof: int
) -> None:
    events = load_history(_history(tmp_path, status, last_read)).events
    ahead = ahead_views(events, 5)
    assert ahead[2] == 3
    assert proof_views(events, ahead) == (0, 0, proof, 0, 0, 0, 0)


def test_first_seqnos_and_last_responses_per_view(tmp_path: Path) -> None:
    history = load_history(_history(tmp_path, "InvalidStatus", [4, 2]))
    # View 1 and 5 are named by no TxID; view 2 only by the write at index 2 and its answer, views 3
    # and 4 by the reads at 5 and 7.
    assert first_seqnos(history.events, 5) == (0, 3, 5, 2, 0)
    assert last_responses(history.events, 5) == (0, 2, 5, 7, 0)
    # The reads at 5 and 7 are told 3.5 and 4.2; a dead branch holding either may be moved to until then.
    assert last_reads(history.events) == {(3, 5): 5, (4, 2): 7}
    text = data_module([history])
    assert "TraceFirstSeq == << <<0, 3, 5, 2, 0>> >>" in text
    assert "TraceLastResponse == << <<0, 2, 5, 7, 0>> >>" in text
    assert "TraceProofView == << <<0, 0, 4, 0, 0, 0, 0>> >>" in text
    assert "TraceLastRead == << (<<3, 5>> :> 5 @@ <<4, 2>> :> 7) >>" in text
