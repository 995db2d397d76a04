"""``tracecheck report`` without TLC (--no-validate): inputs, campaign folders, errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.paths import CCF_TRACES
from tests.tracecheck.report.dom import elements
from tracecheck.cli import main
from tracecheck.report import PLOTLY_JS

HISTORY = Path(__file__).parent / "data" / "history.ndjson"


def _shared(name: str) -> Path:
    path = CCF_TRACES / name
    if not path.is_file():
        pytest.skip(f"shared reference data not found: {path}")
    return path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["report", *args])
    return result.exit_code, result.output


def test_traces_and_a_history_make_one_page(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    code, text = _run(
        str(_shared("election.ndjson")),
        str(HISTORY),
        "--html",
        str(out),
        "--no-validate",
        "--evidence",
        "StatusLattice=10,11",
    )
    assert code == 0, text
    page = out.read_text()
    assert [s["id"] for s in elements(page, "id", "section")] == ["election-ndjson", "history-ndjson"]
    assert page.count("<script>") >= 1 and 'src="http' not in page  # self-contained
    assert [e["data-line"] for e in elements(page, "data-property", "tr")] == ["10", "11"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["nope.ndjson"], "no such file"),
        ([str(HISTORY), "--evidence", "StatusLattice"], "PROPERTY=LINE"),
        ([str(HISTORY), "--evidence", "StatusLattice=a"], "PROPERTY=LINE"),
        ([str(HISTORY), "--evidence", "Nope=1"], "unknown property"),
    ],
)
def test_bad_input_is_one_message_and_exit_2(tmp_path: Path, args: list[str], words: str) -> None:
    code, text = _run(*args, "--html", str(tmp_path / "r.html"), "--no-validate")
    assert code == 2 and words in text and "Traceback" not in text
    assert not (tmp_path / "r.html").exists()


def test_evidence_needs_exactly_one_history(tmp_path: Path) -> None:
    code, text = _run(
        str(_shared("election.ndjson")),
        "--html",
        str(tmp_path / "r.html"),
        "--no-validate",
        "--evidence",
        "StatusLattice=1",
    )
    assert code == 2 and "exactly one history" in text


def test_a_malformed_trace_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ndjson"
    bad.write_text(_shared("election.ndjson").read_text().splitlines()[0] + "\n{oops\n")
    code, text = _run(str(bad), "--html", str(tmp_path / "r.html"), "--no-validate")
    assert code == 2 and f"{bad}:2" in text and "malformed JSON" in text


def _campaign(tmp_path: Path) -> Path:
    folder = tmp_path / "campaign"
    folder.mkdir()
    shutil.copy(_shared("election.ndjson"), folder / "seed-1.ndjson")
    shutil.copy(_shared("replicate.ndjson"), folder / "seed-2.ndjson")
    runs = [
        {"seed": 2, "trace": "seed-2.ndjson", "status": "rejected", "message": "line 9: no behaviour"},
        {"seed": 1, "trace": "seed-1.ndjson", "status": "accepted"},
    ]
    (folder / "verdicts.json").write_text(json.dumps({"runs": runs}))
    return folder


def test_a_campaign_folder_gets_an_index_linking_a_report_per_seed(tmp_path: Path) -> None:
    folder = _campaign(tmp_path)
    out = tmp_path / "out" / "index.html"
    out.parent.mkdir()
    code, text = _run(str(folder), "--html", str(out), "--no-validate")
    assert code == 0, text
    page = out.read_text()
    assert [(r["data-seed"], r["data-status"]) for r in elements(page, "data-seed", "tr")] == [
        ("1", "accepted"),
        ("2", "rejected"),
    ]
    links = [a["href"] for a in elements(page, "href", "a")]
    assert links == ["index-seed-1.html", "index-seed-2.html"]
    for link in links:
        seed_page = (out.parent / link).read_text()
        assert f'src="{PLOTLY_JS}"' in seed_page and elements(seed_page, "data-lane", "li")
    assert (out.parent / PLOTLY_JS).stat().st_size > 1_000_000  # the one shared copy of plotly.js


@pytest.mark.parametrize(
    ("verdicts", "field"),
    [
        ({"runs": [{"seed": "x", "trace": "seed-1.ndjson", "status": "accepted"}]}, "runs[0].seed"),
        ({"runs": [{"seed": 1, "trace": "nope.ndjson", "status": "accepted"}]}, "runs[0].trace"),
        ({"runs": [{"seed": 1, "trace": "seed-1.ndjson", "status": "fine"}]}, "runs[0].status"),
        ({"seeds": []}, "runs"),
    ],
)
def test_a_bad_verdicts_file_names_its_field(tmp_path: Path, verdicts: dict, field: str) -> None:
    folder = _campaign(tmp_path)
    (folder / "verdicts.json").write_text(json.dumps(verdicts))
    code, text = _run(str(folder), "--html", str(tmp_path / "i.html"), "--no-validate")
    assert code == 2 and f"field '{field}'" in text and "verdicts.json" in text


def test_a_campaign_folder_is_reported_alone(tmp_path: Path) -> None:
    code, text = _run(str(_campaign(tmp_path)), str(HISTORY), "--html", str(tmp_path / "i.html"))
    assert code == 2 and "on its own" in text


@pytest.mark.parametrize("command", ["report", "validate"])
def test_an_unwritable_html_path_is_bad_input_before_any_run(command: str) -> None:
    result = CliRunner().invoke(
        main, [command, str(_shared("startup.ndjson")), "--html", "/nonexistent/x.html"]
    )
    assert result.exit_code == 2 and "--html" in result.output and "/nonexistent" in result.output
    assert "ACCEPTED" not in result.output  # nothing was run
