"""The reports in headless Chromium: an accepted and a tampered CCF trace (validated by TLC) and a client
history. The DOM the browser built is asserted on (one lane per node as plotly drew it, the highlighted
event's line equals the text report's); screenshots are written for a person to look at."""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.paths import CCF_TRACES
from tests.tracecheck.report.dom import chromium, dump_dom, elements, screenshot
from tracecheck.cli import main
from tracecheck.validation.raft.trace import load_trace

pytestmark = pytest.mark.tlc

HISTORY = Path(__file__).parent / "data" / "history.ndjson"
TAMPERED_LINE = 41  # retire_one.ndjson: a leader's recv_append_entries_response, its commit_idx bumped


@dataclass
class Reports:
    folder: Path
    page: Path
    text: str
    code: int


def tamper(src: Path, dst: Path, line: int) -> Path:
    lines = src.read_text().splitlines()
    obj = json.loads(lines[line - 1])
    obj["msg"]["state"]["commit_idx"] += 1
    lines[line - 1] = json.dumps(obj)
    dst.write_text("\n".join(lines) + "\n")
    return dst


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Reports:
    accepted, original = CCF_TRACES / "election.ndjson", CCF_TRACES / "retire_one.ndjson"
    if not original.is_file():
        pytest.skip(f"shared reference data not found: {CCF_TRACES}")
    folder = tmp_path_factory.mktemp("report")
    rejected = tamper(original, folder / "retire_one_tampered.ndjson", TAMPERED_LINE)
    page = folder / "report.html"
    result = CliRunner().invoke(
        main, ["report", str(accepted), str(rejected), "--html", str(page), "-j", "1"]
    )
    return Reports(folder, page, result.output, result.exit_code)


def test_the_text_report_and_the_exit_code_are_validates(reports: Reports) -> None:
    assert reports.code == 1, reports.text  # one trace rejected
    assert "ACCEPTED" in reports.text and "REJECTED" in reports.text


def _sections(dom: str) -> list[str]:
    return re.split(r'<section class="report"', dom)[1:]


def test_the_browser_draws_one_lane_per_node_and_highlights_the_reported_line(reports: Reports) -> None:
    dom = dump_dom(chromium(), reports.page)
    accepted, rejected = _sections(dom)
    for section, name in ((accepted, "election.ndjson"), (rejected, "retire_one_tampered.ndjson")):
        nodes = list(load_trace(reports.folder / name if "tampered" in name else CCF_TRACES / name).nodes)
        chart = elements(section, "data-rendered-lanes", "div")
        assert [c["data-rendered-lanes"].split() for c in chart] == [nodes]  # what plotly drew
        assert [li["data-lane"] for li in elements(section, "data-lane", "li")] == nodes
    reported = re.search(r"first event no behaviour of the spec matches: line (\d+)", reports.text)
    assert reported is not None and int(reported.group(1)) == TAMPERED_LINE
    assert not [e for e in elements(accepted, "id") if e["id"] == "failing-event"]
    highlighted = [
        e["data-line"] for e in elements(rejected, "id") if e["id"] in ("failing-event", "divergence")
    ]
    assert highlighted == [reported.group(1)] * 2
    differing = [e["data-field"] for e in elements(rejected, "data-equal") if e["data-equal"] == "false"]
    assert differing == ["state.commit_idx"]  # the tampered field, and only it
    assert f"first unmatched event (line {TAMPERED_LINE})" in rejected  # the legend plotly rendered


def test_the_history_report_draws_a_lane_per_session_and_the_evidence(tmp_path: Path) -> None:
    page = tmp_path / "history.html"
    result = CliRunner().invoke(
        main, ["report", str(HISTORY), "--html", str(page), "--evidence", "StatusLattice=10,11"]
    )
    assert result.exit_code == 0, result.output
    dom = dump_dom(chromium(), page)
    assert [c["data-rendered-lanes"].split() for c in elements(dom, "data-rendered-lanes", "div")] == [
        ["c0", "c1", "c2"]
    ]
    assert [e["data-line"] for e in elements(dom, "data-property", "tr")] == ["10", "11"]
    assert "violation evidence" in dom


def _png_size(png: Path) -> tuple[int, int]:
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_screenshots_are_written(reports: Reports, tmp_path: Path) -> None:
    browser = chromium()
    shot = screenshot(browser, reports.page, tmp_path / "traces.png")
    assert _png_size(shot) == (1600, 2000) and shot.stat().st_size > 50_000  # not a blank page


def test_validate_html_writes_the_same_verdicts(reports: Reports, tmp_path: Path) -> None:
    page = tmp_path / "v.html"
    rejected = reports.folder / "retire_one_tampered.ndjson"
    result = CliRunner().invoke(main, ["validate", str(rejected), "--html", str(page), "-j", "1"])
    assert result.exit_code == 1, result.output
    html = page.read_text()
    assert [e["data-status"] for e in elements(html, "data-status", "p")] == ["rejected"]
    assert [e["data-line"] for e in elements(html, "id") if e["id"] == "failing-event"] == [
        str(TAMPERED_LINE)
    ]
