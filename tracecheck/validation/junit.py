"""JUnit XML for CI: one testcase per trace; a rejected trace is a failure, a tool error an error."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from tracecheck.validation.engine import Verdict
from tracecheck.validation.report import report_text


def junit_xml(verdicts: Sequence[Verdict], suite: str = "tracecheck.validation.engine") -> str:
    root = ET.Element(
        "testsuite",
        name=suite,
        tests=str(len(verdicts)),
        failures=str(sum(v.status == "rejected" for v in verdicts)),
        errors=str(sum(v.status == "error" for v in verdicts)),
        time=f"{sum(v.seconds for v in verdicts):.3f}",
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
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(verdicts: Sequence[Verdict], path: Path) -> None:
    path.write_text(junit_xml(verdicts), encoding="utf-8")
