"""Client histories in the report: strict reading, transactions and statuses, evidence hooks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.tracecheck.report.dom import elements
from tracecheck.errors import BadInput
from tracecheck.report import history_html, is_history, write_history_report
from tracecheck.report.history import load_history, parse_history

DATA = Path(__file__).parent / "data"
HISTORY = DATA / "history.ndjson"


def _lines() -> list[str]:
    return HISTORY.read_text().splitlines()


def test_transactions_have_their_txid_and_final_status() -> None:
    h = load_history(HISTORY)
    assert h.clients == ("c0", "c1", "c2")
    by_tx = {t.tx: t for t in h.transactions}
    assert by_tx[0].tx_id == (2, 3) and by_tx[0].final_status == "CommittedStatus"  # Pending, then Committed
    assert by_tx[1].final_status == "InvalidStatus"
    assert by_tx[2].read_only and by_tx[2].final_status == "CommittedStatus"
    assert by_tx[3].tx_id == (3, 5)


def test_a_final_status_is_not_undone_by_a_later_pending() -> None:
    lines = _lines()[:3] + [
        json.dumps(
            {"type": "TxStatusReceived", "tx_id": [2, 3], "status": "CommittedStatus", "client": "c0"}
        ),
        json.dumps({"type": "TxStatusReceived", "tx_id": [2, 3], "status": "PendingStatus", "client": "c0"}),
    ]
    h = parse_history(Path("h.ndjson"), lines)
    assert h.transactions[0].final_status == "CommittedStatus"


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ('{"type": "Nope", "tx": 9, "client": "c0"}', "type", "unknown event type"),
        ('{"type": "RwTxRequest", "tx": -1, "client": "c0"}', "tx", "natural number"),
        ('{"type": "RwTxRequest", "tx": 9}', "client", "session"),
        (
            '{"type": "RwTxResponse", "tx": 9, "tx_id": [2, 9], "observed": [9], "client": "c0"}',
            "tx",
            "no open request",
        ),
        (
            '{"type": "RwTxResponse", "tx": 0, "tx_id": [2], "observed": [0], "client": "c0"}',
            "tx_id",
            "[view, seqno]",
        ),
        (
            '{"type": "TxStatusReceived", "tx_id": [2, 3], "status": "Done", "client": "c0"}',
            "status",
            "unknown status",
        ),
        (
            '{"type": "RoTxResponse", "tx": 0, "tx_id": [2, 3], "observed": "x", "client": "c0"}',
            "observed",
            "list of tx",
        ),
        ("[1, 2]", None, "JSON object"),
        ("{nope", None, "malformed JSON"),
        ('{"type": "RwTxRequest", "tx": 9, "client": "c0", "node": {}}', "node", "node id"),
        ('{"type": "TxStatusReceived", "tx_id": [2, 3], "status": "PendingStatus"}', "client", "session"),
    ],
)
def test_a_malformed_line_is_one_error_naming_file_line_and_field(
    tmp_path: Path, line: str, field: str | None, words: str
) -> None:
    bad = tmp_path / "bad.ndjson"
    bad.write_text(_lines()[0] + "\n" + line + "\n")
    with pytest.raises(BadInput) as exc:
        load_history(bad)
    assert exc.value.file == str(bad) and exc.value.line == 2 and exc.value.field == field
    assert words in str(exc.value)


def test_a_response_to_a_request_of_the_other_kind_is_an_error() -> None:
    lines = [
        _lines()[0],
        '{"type": "RoTxResponse", "tx": 0, "tx_id": [2, 3], "observed": [], "client": "c0"}',
    ]
    with pytest.raises(BadInput, match="no open request"):
        parse_history(Path("h.ndjson"), lines)


def test_an_empty_history_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "e.ndjson").write_text("\n")
    with pytest.raises(BadInput, match="empty history"):
        load_history(tmp_path / "e.ndjson")


def test_histories_are_told_from_raft_traces(tmp_path: Path) -> None:
    from tests.paths import CCF_TRACES

    assert is_history(HISTORY)
    if (CCF_TRACES / "election.ndjson").is_file():
        assert not is_history(CCF_TRACES / "election.ndjson")


def test_the_page_has_a_lane_per_session_and_marks_the_evidence() -> None:
    page = history_html(HISTORY, [("StatusLattice", [10, 11])])
    assert [e["data-lane"] for e in elements(page, "data-lane", "li")] == ["c0", "c1", "c2"]
    marked = [e for e in elements(page, "data-line", "tr") if "evidence" in e.get("class", "")]
    assert [int(e["data-line"]) for e in marked] == [10, 11]
    assert all(e["data-property"] == "StatusLattice" for e in marked)
    assert [e["data-status"] for e in elements(page, "data-tx", "tr")] == [
        "CommittedStatus",
        "InvalidStatus",
        "CommittedStatus",
        "CommittedStatus",
    ]
    assert "<script>" in page and "cdn" not in page.split("<body>")[1].lower()  # plotly inline, no CDN


def test_without_evidence_nothing_is_marked() -> None:
    page = history_html(HISTORY)
    assert not [e for e in elements(page, "data-line", "tr") if "evidence" in e.get("class", "")]


@pytest.mark.parametrize(
    ("evidence", "words"),
    [([("NoSuchProperty", [1])], "unknown property"), ([("StatusLattice", [99])], "line 99")],
)
def test_bad_evidence_is_an_error(tmp_path: Path, evidence: list, words: str) -> None:
    with pytest.raises(BadInput, match=words):
        write_history_report(HISTORY, evidence, tmp_path / "h.html")
    assert not (tmp_path / "h.html").exists()


def test_a_long_history_folds_its_events_but_shows_the_evidence(tmp_path: Path) -> None:
    from tracecheck.report.page import EVENTS_OPEN

    lines = []
    for tx in range(EVENTS_OPEN):
        lines.append(json.dumps({"type": "RwTxRequest", "tx": tx, "client": f"c{tx % 3}"}))
        lines.append(
            json.dumps(
                {
                    "type": "RwTxResponse",
                    "tx": tx,
                    "tx_id": [2, tx + 3],
                    "observed": [tx],
                    "client": f"c{tx % 3}",
                }
            )
        )
    long = tmp_path / "long.ndjson"
    long.write_text("\n".join(lines) + "\n")
    page = history_html(long, [("UniqueTxs", [7])])
    assert f"<summary>all {2 * EVENTS_OPEN} events</summary>" in page
    near, folded = page.split("<details", 1)
    assert [e["data-line"] for e in elements(near, "data-property", "tr")] == ["7"]
    assert len(elements(folded, "data-line", "tr")) == 2 * EVENTS_OPEN
    assert "<details" not in history_html(HISTORY)  # a short one is open
