"""A campaign's summary as people and CI read it: text, JSON and JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from pyccf.campaign.results import SeedVerdict, Summary


def summary_text(summary: Summary) -> str:
    lines = [
        f"{'ok' if summary.ok else 'FAIL'}: {summary.seeds} seeds ({summary.ran} run, "
        f"{summary.seeds - summary.ran} resumed) on {summary.workers} worker(s) "
        f"in {summary.wall_seconds:.1f} s: "
        f"{summary.seeds_per_s:.2f} seeds/s, {summary.traces_per_s:.2f} traces/s",
        "verdicts: " + ", ".join(f"{v} {n}" for v, n in summary.verdicts.items()),
    ]
    if summary.kinds:
        lines.append("failure kinds: " + ", ".join(f"{k} ({n})" for k, n in summary.kinds.items()))
    for f in summary.failures:
        lines.append(f"  seed {f['seed']}: {f['verdict']} at {f['where']}: {f['message']}")
        lines.append(f"    replay: {f['replay']}")
    if summary.slowest:
        lines.append("slowest: " + ", ".join(f"seed {s} {t:.1f} s" for s, t in summary.slowest))
    return "\n".join(lines)


def summary_json(summary: Summary) -> str:
    return json.dumps(summary.as_dict(), sort_keys=True)


def junit(summary: Summary, records: dict[int, dict[str, Any]]) -> str:
    """One test case per seed; a failing verdict is a JUnit failure with where, what and the replay."""
    root = ET.Element(
        "testsuite",
        name="pyccf.campaign",
        tests=str(len(records)),
        failures=str(sum(1 for r in records.values() if r["verdict"] != SeedVerdict.OK)),
        errors="0",
        time=f"{summary.wall_seconds:.3f}",
    )
    for seed, r in sorted(records.items()):
        case = ET.SubElement(root, "testcase", classname="pyccf.campaign", name=f"seed_{seed}",
                             time=f"{float(r['seconds']):.3f}")  # fmt: skip
        if r["verdict"] != SeedVerdict.OK:
            failure = ET.SubElement(
                case, "failure", message=f"{r['verdict']} at {r['where']}: {r['message']}"
            )
            failure.text = f"replay: {r['replay']}\n\n{r.get('shrunk') or ''}"
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
