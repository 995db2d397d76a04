"""The strict reader: one clear error per bad line, naming file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracecheck.errors import BadInput
from tracecheck.history import from_events, read_file
from tracecheck.history.generate import GenConfig, generate, write_history

OK_RW = '{"type": "RwTxRequest", "tx": 0, "client": "a"}'

BAD_LINES = [
    ("{not json", None, "not JSON"),
    ("[1, 2]", None, "expected a JSON object"),
    ('{"tx": 1, "client": "a"}', "type", "missing"),
    ('{"type": "RwTxExecute", "tx": 1, "client": "a"}', "type", "unknown event type"),
    ('{"type": "RwTxRequest", "client": "a"}', "tx", "missing"),
    ('{"type": "RwTxRequest", "tx": -1, "client": "a"}', "tx", "natural"),
    ('{"type": "RwTxRequest", "tx": true, "client": "a"}', "tx", "natural"),
    ('{"type": "RwTxRequest", "tx": 5}', "client", "missing"),
    ('{"type": "RwTxRequest", "tx": 5, "client": [1]}', "client", "string or an integer"),
    ('{"type": "RwTxRequest", "tx": 5, "client": "a", "node": [1]}', "node", "node id"),
    ('{"type": "RwTxRequest", "tx": 5, "client": "a", "node": null}', "node", "node id"),
    ('{"type": "TxStatusReceived", "tx_id": [2, 1], "status": "Done"}', "status", "unknown status"),
    ('{"type": "TxStatusReceived", "tx_id": [2, 1]}', "status", "missing"),
    ('{"type": "TxStatusReceived", "tx_id": "2.1", "status": "CommittedStatus"}', "tx_id", "[view, seqno]"),
    ('{"type": "TxStatusReceived", "tx_id": [2], "status": "CommittedStatus"}', "tx_id", "[view, seqno]"),
    # CCF numbers views and seqnos from 1 (the spec's reader refuses a 0 too); every event has a session
    ('{"type": "TxStatusReceived", "tx_id": [2, 0], "status": "CommittedStatus", "client": "a"}', "tx_id",
     "positive integers"),
    ('{"type": "TxStatusReceived", "tx_id": [0, 1], "status": "CommittedStatus", "client": "a"}', "tx_id",
     "positive integers"),
    ('{"type": "RwTxResponse", "tx": 0, "tx_id": [2, 0], "client": "a", "observed": [0]}', "tx_id",
     "positive integers"),
    ('{"type": "TxStatusReceived", "tx_id": [2, 1], "status": "CommittedStatus"}', "client", "missing"),
    ('{"type": "RwTxResponse", "tx": 0, "client": "a", "observed": [0]}', "tx_id", "missing"),
    ('{"type": "RwTxResponse", "tx": 0, "tx_id": [2, 1], "client": "a"}', "observed", "missing"),
    ('{"type": "RwTxResponse", "tx": 0, "tx_id": [2, 1], "client": "a", "observed": [0, "x"]}', "observed",
     "transaction ids"),
    ('{"type": "RwTxResponse", "tx": 0, "tx_id": [2, 1], "client": "a", "observed": {"k": [0.5]}}',
     "observed.k", "transaction ids"),
    ('{"type": "RwTxResponse", "tx": 0, "tx_id": [2, 1], "client": "a", "observed": 3}', "observed",
     "a list or an object"),
    # structural: a response without its request (wrong kind or another client), a duplicate request id
    ('{"type": "RoTxResponse", "tx": 0, "tx_id": [2, 1], "client": "a", "observed": []}', "tx",
     "without an earlier RoTxRequest"),
    ('{"type": "RwTxResponse", "tx": 0, "tx_id": [2, 1], "client": "b", "observed": [0]}', "tx",
     "without an earlier RwTxRequest of client 'b'"),
    ('{"type": "RwTxResponse", "tx": 9, "tx_id": [2, 1], "client": "a", "observed": [9]}', "tx",
     "without an earlier"),
    ('{"type": "RoTxRequest", "tx": 0, "client": "a"}', "tx", "already requested at line 1"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "field", "message"), BAD_LINES)
def test_a_bad_line_is_one_located_error(tmp_path: Path, line: str, field: str | None, message: str) -> None:
    path = tmp_path / "h.ndjson"
    path.write_text(OK_RW + "\n\n" + line + "\n" + OK_RW.replace('"tx": 0', '"tx": 1') + "\n")
    with pytest.raises(BadInput) as exc:
        read_file(path)
    err = exc.value
    assert (err.file, err.line, err.field) == (str(path), 3, field)
    assert message in err.message
    assert str(err).startswith(f"{path}:3: ")


def test_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "h.ndjson"
    path.write_bytes(OK_RW.encode() + b"\n" + b'{"type": "\xff"}\n')
    with pytest.raises(BadInput) as exc:
        read_file(path)
    assert exc.value.line == 2 and "UTF-8" in exc.value.message


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="cannot read"):
        read_file(tmp_path / "none.ndjson")


def test_the_fast_path_reads_what_the_careful_one_does(tmp_path: Path) -> None:
    """The inlined reader and add_event (via from_events) give the same columns."""
    events = generate(7, GenConfig(events=400, clients=4, keys=3, elections=3))
    path = tmp_path / "h.ndjson"
    write_history(path, events)
    a, b = read_file(path), from_events(json.loads(line) for line in path.read_text().splitlines())
    for col in ("line", "kind", "tx", "txid", "status", "client", "observed", "request_at"):
        assert getattr(a, col) == getattr(b, col), col
    assert not a.structural


def test_structural_faults_are_violations_in_memory() -> None:
    h = from_events([json.loads(OK_RW), json.loads(OK_RW)])
    assert [s.property for s in h.structural] == ["UniqueRequests"]
    assert h.structural[0].lines == [1, 2]


@pytest.mark.parametrize(
    "line",
    [
        '{"type": ["RwTxRequest"], "tx": 1, "client": "a"}',
        '{"type": "TxStatusReceived", "tx_id": [2, 1], "status": ["CommittedStatus"]}',
        '{"type": "TxStatusReceived", "tx_id": [2, 1], "status": {"a": 1}}',
        '{"type": {"x": 1}}',
    ],
)
def test_unhashable_values_are_bad_input_not_a_crash(tmp_path: Path, line: str) -> None:
    path = tmp_path / "h.ndjson"
    path.write_text(line + "\n")
    with pytest.raises(BadInput) as exc:
        read_file(path)
    assert exc.value.line == 1 and exc.value.field in ("type", "status")


def test_a_good_node_id_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "h.ndjson"
    second = OK_RW.replace('"tx": 0', '"tx": 1')[:-1]
    path.write_text(OK_RW[:-1] + ', "node": "n1"}\n' + second + ', "node": 2}\n')
    assert len(read_file(path)) == 2


def test_an_object_observed_is_marked_even_with_the_single_key(tmp_path: Path) -> None:
    """The one-key readers refuse an object: the reader says where the first one is (the fast path and
    the careful one alike)."""
    resp = '{"type": "RwTxResponse", "tx": 0, "tx_id": [2, 1], "client": "a", "observed": {"": [0]}}'
    lines = [OK_RW, resp]
    assert read_file(_write(tmp_path, lines)).first_keyed == 1
    assert from_events(json.loads(x) for x in lines).first_keyed == 1
    plain = [OK_RW, '{"type": "RwTxResponse", "tx": 0, "tx_id": [2, 1], "client": "a", "observed": [0]}']
    assert read_file(_write(tmp_path, plain)).first_keyed == -1


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "h.ndjson"
    path.write_text("\n".join(lines) + "\n")
    return path


_RESP = '{"type": "RwTxResponse", "tx": 0, "tx_id": [2, 1], "client": "a", "observed": %s}'
_NOT_IDS = ["[true]", "[0, false]", "[NaN]", "[0, Infinity]", "[-Infinity]", "[1.0]", "[0, 1e3]", '["x"]',
            "[null]", "[[0]]", "[{}]", "[0, -1]", '[0, "true"]']  # fmt: skip


@pytest.mark.parametrize("ids", _NOT_IDS)
@pytest.mark.parametrize("keyed", [False, True])
def test_every_id_that_is_not_a_natural_is_refused(tmp_path: Path, ids: str, keyed: bool) -> None:
    """The fast path checks a list by its minimum (its scanner refuses floats, ``true``/``false`` send
    the line to the careful path): each other kind of value is still refused, by name."""
    obs = f'{{"k": {ids}}}' if keyed else ids
    with pytest.raises(BadInput) as exc:
        read_file(_write(tmp_path, [OK_RW, _RESP % obs]))
    assert (exc.value.line, exc.value.field) == (2, "observed.k" if keyed else "observed")
    with pytest.raises(BadInput):
        from_events([json.loads(OK_RW), json.loads(_RESP % obs)])


@pytest.mark.parametrize(
    "extra", ['"weight": 1.5', '"note": "true"', '"flag": false', '"x": NaN', '"true": [0]']
)
def test_a_float_or_a_boolean_elsewhere_in_a_good_line_is_accepted(tmp_path: Path, extra: str) -> None:
    """Lines the fast path leaves to the careful one read the same."""
    line = (_RESP % '{"true": [0], "k": [0]}')[:-1] + ", " + extra + "}"
    h = read_file(_write(tmp_path, [OK_RW, line]))
    assert h.observed[1] == {"true": [0], "k": [0]} and h.first_keyed == 1 and h.line == [1, 2]
