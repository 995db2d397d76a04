"""``tracecheck history check``: exit codes 0/1/2/3, the text and JSON reports."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.tracecheck.history.builders import committed, ro, rw, rw_ok
from tests.tracecheck.history.test_check import BAD, GOOD
from tracecheck.cli import main


def _write(path: Path, events: list[dict]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


def _run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["history", "check", *args])
    return r.exit_code, r.stdout, r.stderr


def test_ok_history_exits_0(tmp_path: Path) -> None:
    code, out, _ = _run(str(_write(tmp_path / "good.ndjson", GOOD)))
    assert code == 0 and "ok" in out and "7 events" in out


def test_violation_exits_1_naming_property_and_lines(tmp_path: Path) -> None:
    code, out, _ = _run(str(_write(tmp_path / "good.ndjson", GOOD)),
                        str(_write(tmp_path / "bad.ndjson", BAD["CommittedRwSerializable"])))  # fmt: skip
    assert code == 1
    assert "CommittedRwSerializable (line 3,4)" in out and "-ww->" in out


def test_documented_read_violation_passes_unless_strict(tmp_path: Path) -> None:
    path = str(_write(tmp_path / "stale.ndjson", BAD["RoLinearizable"]))
    code, out, _ = _run(path)
    assert code == 0 and "documented RoLinearizable" in out
    assert _run("--strict-reads", path)[0] == 1


def test_json_report(tmp_path: Path) -> None:
    code, out, _ = _run("--json", str(_write(tmp_path / "stale.ndjson", BAD["RoLinearizable"])))
    doc = json.loads(out)
    assert code == 0 and doc["ok"] is True and doc["violations"] == []
    (d,) = doc["documented"]
    assert d["property"] == "RoLinearizable" and d["lines"] == [5, 7, 8]
    assert [e["kind"] for e in d["cycle"]] == ["real-time", "rw"]
    assert d["tx_ids"] == [[3, 2], [2, 1]]


def test_bad_input_exits_2_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.ndjson"
    path.write_text(json.dumps(rw(0)) + "\n" + json.dumps(rw_ok(3, 2, 1, [3])) + "\n")
    code, _, err = _run(str(path))
    assert code == 2
    assert f"{path}:2: field 'tx': response to request 3 without an earlier RwTxRequest" in err
    assert "Traceback" not in err


def test_missing_file_exits_2(tmp_path: Path) -> None:
    code, _, err = _run(str(tmp_path / "nope.ndjson"))
    assert code == 2 and "cannot read" in err


def test_internal_error_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli = sys.modules["tracecheck.cli.history"]  # the attribute of tracecheck.cli is the click group

    def broken(path: object, strict_reads: bool = False) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(cli, "check_file", broken)
    code, _, err = _run(str(_write(tmp_path / "good.ndjson", [rw(0), ro(1), committed(2, 1)])))
    assert code == 3 and "internal error: KeyError" in err


def test_html_report_highlights_the_violations_evidence(tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.ndjson", BAD["CommittedRwSerializable"])
    code, out, _ = _run(str(bad), "--html", str(tmp_path / "bad.html"))
    page = (tmp_path / "bad.html").read_text()
    assert code == 1 and "CommittedRwSerializable" in page
    assert 'class="evidence" data-property="CommittedRwSerializable"' in page and "<script" in page


def test_html_takes_one_history(tmp_path: Path) -> None:
    good = str(_write(tmp_path / "good.ndjson", GOOD))
    code, _, err = _run(good, good, "--html", str(tmp_path / "r.html"))
    assert code == 2 and "--html" in err and not (tmp_path / "r.html").exists()
