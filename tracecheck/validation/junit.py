"""JUnit XML for CI: one testcase per trace; a rejected trace is a failure, a tool error or a malformed
input an error, a trace left unvalidated (because another input was malformed) skipped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from tracecheck.validation.engine import Verdict
from tracecheck.validation.report import report_text

SUITE = "tracecheck.validation.engine"


def junit_xml(
    verdicts: Sequence[Verdict],
    wall_seconds: float,
    *,
    bad_inputs: Sequence[tuple[Path, str]] = (),
    not_run: Sequence[Path] = (),
    suite: str = SUITE,
) -> str:
    """``wall_seconds``: the run's wall time (batches run in parallel, so it is not the sum of the cases)."""
    root = ET.Element(
        "testsuite",
        name=suite,
        tests=str(len(verdicts) + len(bad_inputs) + len(not_run)),
        failures=str(sum(v.status == "rejected" for v in verdicts)),
        errors=str(sum(v.status == "error" for v in verdicts) + len(bad_inputs)),
        skipped=str(len(not_run)),
        time=f"{wall_seconds:.3f}",
    )
    for v in verdicts:
        case = ET.SubElement(
            root, "testcase", classname=suite, name=str(v.trace.path), time=f"{v.seconds:.3f}"
        )
        if v.status == "rejected":
            line = v.failing.line if v.failing else "?"
            failure = ET.SubElement(case, "failure", message=f"{v.trace.path}:{line}: {v.message}")
            failure.text = report_text([v])
        elif v.status == "error":
            error = ET.SubElement(case, "error", message=v.message)
            error.text = v.message
    for path, message in bad_inputs:
        case = ET.SubElement(root, "testcase", classname=suite, name=str(path), time="0.000")
        error = ET.SubElement(case, "error", message=message, type="bad input")
        error.text = message
    for path in not_run:
        case = ET.SubElement(root, "testcase", classname=suite, name=str(path), time="0.000")
        ET.SubElement(case, "skipped", message="not validated: another input is malformed")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
