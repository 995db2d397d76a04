"""A failing seed's shrink is its own task: its batch reports at once, a worker dying mid-shrink loses
nothing and duplicates nothing, and ``--resume`` runs only the shrinks still pending."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pyccf.campaign.results import ResultsFile
from pyccf.campaign.runner import Progress, run_campaign
from pyccf.campaign.settings import SeedSettings
from pyccf.campaign.shrinking import shrink_seed
from tests.pyccf.campaign import fakes


def lines_of(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "results.ndjson").read_text().splitlines()]


def test_a_shrink_holds_back_no_seed(tmp_path: Path) -> None:
    settings = fakes.FakeSettings(str(tmp_path), failing=(0,))
    out = tmp_path / "c"

    def open_gate(p: Progress) -> None:
        if p.done == p.total:  # every seed's line is written while seed 0's shrink still waits
            (tmp_path / "gate").touch()

    summary = run_campaign(list(range(4)), settings, out, work=fakes.work, shrink=fakes.shrink, workers=2,
                           batch=1, progress=open_gate)  # fmt: skip
    lines = lines_of(out)
    assert [line.get("record") for line in lines] == ["seed"] * 4 + ["shrink"]
    assert lines[-1]["gate_was_open"]  # the shrink finished only after every seed was reported
    assert summary.seeds == summary.ran == 4 and summary.verdicts == {"ok": 3, "safety": 1}
    record = ResultsFile(out).done()[0]
    assert record["shrink"] == "done" and record["shrunk"] == "min 0\n" and record["shrink_runs"] == 3
    assert (out / "failures" / "seed_0.min").read_text() == "min 0\n"


def test_a_worker_killed_mid_shrink_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    settings = fakes.FakeSettings(str(tmp_path), failing=(1, 2))
    out = tmp_path / "c"
    summary = run_campaign(list(range(4)), settings, out, work=fakes.work, shrink=fakes.shrink_dying_once,
                           workers=2, batch=2)  # fmt: skip
    lines = lines_of(out)
    assert (tmp_path / "died_1").exists() and (tmp_path / "died_2").exists()
    assert sorted(line["seed"] for line in lines if line["record"] == "seed") == [0, 1, 2, 3]
    assert sorted(line["seed"] for line in lines if line["record"] == "shrink") == [1, 2]
    assert summary.seeds == 4 and summary.verdicts == {"ok": 2, "safety": 2}
    assert all((out / "failures" / f"seed_{s}.min").exists() for s in (1, 2))


def test_resume_runs_only_the_pending_shrinks(tmp_path: Path) -> None:
    settings = fakes.FakeSettings(str(tmp_path), failing=(0, 2))
    (tmp_path / "gate").touch()
    out = tmp_path / "c"
    run_campaign(list(range(3)), settings, out, work=fakes.work, shrink=fakes.shrink, workers=1)
    results = ResultsFile(out)
    kept = [line for line in results.path.read_text().splitlines(keepends=True)
            if not (json.loads(line)["record"] == "shrink" and json.loads(line)["seed"] == 2)]  # fmt: skip
    results.path.write_text("".join(kept) + '{"record": "shrink", "seed": 2, "shr')  # cut short
    (out / "failures" / "seed_2.min").unlink()
    assert results.done()[2]["shrink"] == "pending" and results.done()[0]["shrink"] == "done"
    before = {p.name for p in tmp_path.iterdir() if p.name.startswith("shrunk_")}
    summary = run_campaign(list(range(3)), settings, out, work=fakes.never, shrink=fakes.shrink, workers=1,
                           resume=True)  # fmt: skip
    again = [p.name for p in tmp_path.iterdir() if p.name.startswith("shrunk_") and p.name not in before]
    assert [name.split("_")[1] for name in again] == ["2"]  # seed 2's shrink only, and no seed re-run
    assert summary.ran == 0 and summary.seeds == 3
    assert sorted(line["seed"] for line in lines_of(out) if line["record"] == "shrink") == [0, 2]
    assert (out / "failures" / "seed_2.min").read_text() == "min 2\n"


@pytest.mark.tlc
def test_a_rejected_trace_is_shrunk_in_batched_tlc_rounds() -> None:
    # commit_unsigned: every trace is rejected at its bootstrap, so one started node is 1-minimal
    settings = SeedSettings(steps=20, bugs=("commit_unsigned",))
    line = shrink_seed({"seed": 2, "verdict": "rejected", "kind": "bootstrap"}, settings)
    assert line["record"] == "shrink" and line["seed"] == 2
    body = [x for x in line["shrunk"].splitlines() if not x.startswith("#")]
    assert body == ["start_node,0"]
    assert 0 < line["shrink_rounds"] < line["shrink_runs"]  # several candidates per TLC round
    assert line["shrink_rounds"] <= settings.tlc_shrink_budget


@pytest.mark.tlc
def test_a_shrink_on_a_cluster_spreads_its_tlc_rounds_over_the_workers(tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    settings = SeedSettings(steps=20, bugs=("commit_unsigned",))
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=40) as cluster,
        Client(cluster) as client,
    ):
        client.wait_for_workers(2)
        pids = set(client.run(fakes.here).values())
        task = {"seed": 2, "verdict": "rejected", "kind": "bootstrap"}
        line = client.submit(shrink_seed, task, settings, pure=False).result()
    assert [x for x in line["shrunk"].splitlines() if not x.startswith("#")] == ["start_node,0"]
    assert set(line["shrink_validated_on"]) == pids  # both workers validated candidates
