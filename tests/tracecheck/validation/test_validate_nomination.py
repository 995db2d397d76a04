"""Explicit successor nomination (raft.h's nominate_successor): pyccf logs it as CCF does, the trace spec
matches it with NominateSuccessor, and traces that get it wrong are rejected at the right line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import DATA
from tracecheck.validation.engine import validate_paths

pytestmark = pytest.mark.tlc

SCENARIO = DATA / "scenarios/nominate_successor.scn"


@pytest.fixture(scope="module")
def lines(tmp_path_factory) -> list[str]:
    out = tmp_path_factory.mktemp("nomination")
    subprocess.run(
        [sys.executable, "-m", "pyccf", "scenario", "run", "--trace-dir", str(out), str(SCENARIO)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return (out / f"{SCENARIO.stem}.ndjson").read_text().splitlines()  # x.scn -> x.ndjson


def _index(lines: list[str], function: str) -> int:
    return next(k for k, ln in enumerate(lines) if json.loads(ln)["msg"]["function"] == function)


def _with_successor(line: str, node: str) -> str:
    obj = json.loads(line)
    obj["msg"]["to_node_id"] = node
    return json.dumps(obj)


def test_nomination_traces(lines, tmp_path: Path):
    k = _index(lines, "step_down_and_nominate_successor")
    assert json.loads(lines[k + 1])["msg"]["function"] == "recv_propose_request_vote"
    variants = {
        "as_logged": lines,
        # later CCF versions also log the chosen successor
        "successor_logged": lines[:k] + [_with_successor(lines[k], "1")] + lines[k + 1 :],
        "wrong_successor": lines[:k] + [_with_successor(lines[k], "2")] + lines[k + 1 :],
        # without the nomination, node 1 receives a ProposeRequestVote nobody sent
        "nomination_removed": lines[:k] + lines[k + 1 :],
    }
    paths = []
    for name, ls in variants.items():
        path = tmp_path / f"{name}.ndjson"
        path.write_text("\n".join(ls) + "\n")
        paths.append(path)
    verdicts = dict(zip(variants, validate_paths(paths, jobs=2, timeout=300), strict=True))
    assert verdicts["as_logged"].status == "accepted", verdicts["as_logged"].message
    assert verdicts["successor_logged"].status == "accepted"
    for name, line, function in [
        ("wrong_successor", k + 1, "step_down_and_nominate_successor"),
        ("nomination_removed", k + 1, "recv_propose_request_vote"),
    ]:
        v = verdicts[name]
        assert v.status == "rejected", name
        assert v.failing is not None and (v.failing.line, str(v.failing.function)) == (line, function)
