"""Reading histories for the consistency spec: every defect is one error naming file, line and field."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from tracecheck.errors import BadInput
from tracecheck.validation.consistency.history import NO_TX, NO_TX_ID, load_history
from tracecheck.validation.consistency.module import data_module, told_ids

GOOD = [
    {"type": "RwTxRequest", "tx": 0, "client": "a"},
    {"type": "RwTxResponse", "tx": 0, "client": "a", "tx_id": [2, 1], "observed": [0]},
    {"type": "TxStatusReceived", "client": 7, "tx_id": [2, 1], "status": "CommittedStatus"},
]


def _write(tmp_path: Path, events: Sequence[object]) -> Path:
    path = tmp_path / "h.ndjson"
    path.write_text("".join((e if isinstance(e, str) else json.dumps(e)) + "\n" for e in events))
    return path


def test_events_become_the_spec_records(tmp_path: Path) -> None:
    history = load_history(_write(tmp_path, GOOD))
    request, response, status = (e.record() for e in history.events)
    assert request == {"type": "RwTxRequest", "tx": 0, "client": "a", "tx_id": NO_TX_ID, "observed": (),
                       "status": ""}  # fmt: skip
    assert response["tx_id"] == (2, 1) and response["observed"] == (0,)
    assert status["tx"] == NO_TX and status["client"] == "7" and status["status"] == "CommittedStatus"
    assert told_ids(history) == ((2, 1),)
    text = data_module([history])
    assert "TraceFirstView == << 2 >>" in text and "TraceMaxSeq == << 1 >>" in text


@pytest.mark.parametrize(
    ("line", "field", "needle"),
    [
        ("{not json", None, "not JSON"),
        ({"type": "RwTxCommit", "tx": 1, "client": "a"}, "type", "unknown event type"),
        ({"type": "RwTxRequest", "tx": -1, "client": "a"}, "tx", "natural number"),
        ({"type": "RwTxRequest", "tx": 1}, "client", "client name"),
        (
            {"type": "RwTxResponse", "tx": 0, "client": "a", "tx_id": [2], "observed": []},
            "tx_id",
            "[view, seqno]",
        ),
        (
            {"type": "RwTxResponse", "tx": 0, "client": "a", "tx_id": [2, 2], "observed": {"k": [0]}},
            "observed",
            "multi-key history",
        ),
        (
            {"type": "RoTxResponse", "tx": 0, "client": "a", "tx_id": [2, 2], "observed": ["x"]},
            "observed",
            "list of request ids",
        ),
        (
            {"type": "TxStatusReceived", "client": "a", "tx_id": [2, 2], "status": "Done"},
            "status",
            "unknown status",
        ),
        # what only the spec asks, on the shared reader's columns
        ({"type": "TxStatusReceived", "tx_id": [2, 2], "status": "PendingStatus"}, "client", "client name"),
        (
            {"type": "TxStatusReceived", "client": "a", "tx_id": [0, 2], "status": "PendingStatus"},
            "tx_id",
            "positive integers",
        ),
        ({"type": "RwTxRequest", "tx": 1_000_001, "client": "a"}, "tx", "above"),
        (
            {"type": "RwTxResponse", "tx": 0, "client": "a", "tx_id": [2, 2], "observed": {"": [0]}},
            "observed",
            "multi-key history",
        ),
        # the shared reader's field checks hold here too
        ({"type": "RwTxRequest", "tx": 1, "client": "a", "node": [1]}, "node", "node id"),
    ],
)
def test_bad_line_is_one_error_naming_file_line_and_field(
    tmp_path: Path, line: object, field: str | None, needle: str
) -> None:
    path = _write(tmp_path, [GOOD[0], line])
    with pytest.raises(BadInput) as info:
        load_history(path)
    assert info.value.file == str(path) and info.value.line == 2 and info.value.field == field
    assert needle in str(info.value) and f"{path}:2" in str(info.value)


def test_empty_history_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="empty history"):
        load_history(_write(tmp_path, []))


def test_the_first_defect_in_line_order_is_the_error(tmp_path: Path) -> None:
    """A defect only the spec refuses (line 2) comes before a later one the shared reader refuses."""
    later_bad = {"type": "RwTxRequest", "tx": -1, "client": "a"}
    path = _write(tmp_path, [GOOD[0], {"type": "RwTxRequest", "tx": 1_000_001, "client": "a"}, later_bad])
    with pytest.raises(BadInput) as info:
        load_history(path)
    assert info.value.line == 2 and info.value.field == "tx" and "above" in str(info.value)
    path = _write(tmp_path, [GOOD[0], GOOD[0], later_bad])  # the spec leaves a repeated request to TLC
    with pytest.raises(BadInput) as info:
        load_history(path)
    assert info.value.line == 3 and "natural number" in str(info.value)
