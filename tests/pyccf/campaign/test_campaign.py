"""Campaigns on real Dask clusters: a LocalCluster, a scheduler and worker started as separate processes,
a worker killed mid-campaign, an interrupted campaign resumed, a seeded bug found, shrunk and replayed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pyccf.campaign.results import ResultsFile
from pyccf.campaign.runner import Progress, run_campaign
from pyccf.campaign.settings import SeedSettings
from tests.paths import REPO
from tests.procs import default_signals, eventually

PYCCF = [sys.executable, "-m", "pyccf"]


def lines_of(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "results.ndjson").read_text().splitlines()]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


@pytest.mark.tlc
def test_a_local_cluster_campaign_validates_every_trace(tmp_path: Path) -> None:
    summary = run_campaign(list(range(4)), SeedSettings(steps=30), tmp_path, workers=2, batch=2)
    records = lines_of(tmp_path)
    assert sorted(r["seed"] for r in records) == [0, 1, 2, 3] and summary.seeds == summary.ran == 4
    assert all(r["trace"]["status"] == "accepted" for r in records)
    assert summary.traces_validated == 4 and summary.workers == 2
    assert len({r["worker"] for r in records}) == 2  # both workers ran a batch


def _worker_setup() -> tuple[bool, list[str]]:
    """In a campaign worker: is Dask's profiler on, and the JVM command line a batch's TLC run gets."""
    import dask

    from pyccf.campaign.settings import one_core_per_worker
    from tracecheck.tla.tlc import tlc_command

    folder = REPO / "specs" / "consensus"
    with one_core_per_worker():
        argv = tlc_command(folder / "Spec.tla", folder / "Spec.cfg", Path("states"))
    return bool(dask.config.get("distributed.worker.profile.enabled")), argv


def test_a_campaigns_workers_run_without_the_profiler_and_with_one_processor_jvms() -> None:
    """The campaign's LocalCluster turns Dask's 10 ms profiler off in its workers, whose TLC JVMs see one
    processor with the serial collector and C1 alone (docs/campaign.md, Scaling)."""
    import dask
    from distributed import Client

    from pyccf.campaign.runner import local_cluster

    assert dask.config.get("distributed.worker.profile.enabled") is True  # Dask's default: on
    with local_cluster(1) as cluster, Client(cluster) as client:
        ((profiled, argv),) = client.run(_worker_setup).values()
    assert profiled is False
    assert {"-XX:ActiveProcessorCount=1", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"} <= set(argv)
    assert "-XX:+UseParallelGC" not in argv


@pytest.mark.tlc
def test_a_seeded_bug_is_reported_shrunk_and_replays(tmp_path: Path) -> None:
    out = tmp_path / "c"
    done = subprocess.run(
        [*PYCCF, "campaign", "--seeds", "0-1", "--bug", "commit_unsigned", "--out", str(out), "--json",
         "--junit", str(tmp_path / "j.xml"), "--workers", "1"],
        capture_output=True, text=True, env=env(), timeout=600,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    summary = json.loads(done.stdout)
    assert summary["verdicts"].get("ok", 0) < 2 and summary["failures"]
    failure = summary["failures"][0]
    shrunk = out / "failures" / f"seed_{failure['seed']}.min"
    assert shrunk.exists() and failure["replay"].startswith(f"pyccf scenario run failures/{shrunk.name}")
    body = [line for line in shrunk.read_text().splitlines() if not line.startswith("#")]
    original = [
        line for line in (shrunk.with_suffix("")).read_text().splitlines() if not line.startswith("#")
    ]
    assert 0 < len(body) < len(original)
    replay = failure["replay"].split()
    again = subprocess.run([*PYCCF, *replay[1:]], capture_output=True, text=True, env=env(), cwd=out)
    assert again.returncode == 1, again.stdout + again.stderr  # the shrunk scenario still fails
    assert "<failure" in (tmp_path / "j.xml").read_text()
    failing = [r for r in ResultsFile(out).done().values() if r["verdict"] != "ok"]
    assert failing and all(r.get("shrink", "done") == "done" and r["shrunk"] for r in failing)  # none left


@pytest.mark.tlc
def test_a_worker_killed_mid_campaign_loses_and_duplicates_no_seed(tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    killed: list[int] = []
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=40) as cluster:
        with Client(cluster) as client:
            pids = list(client.run(os.getpid).values())

        def kill_one(p: Progress) -> None:
            if not killed:  # after the first batch: the other worker is mid-batch
                killed.append(pids[0])
                os.kill(pids[0], signal.SIGKILL)

        address = cluster.scheduler_address
        summary = run_campaign(list(range(6)), SeedSettings(steps=30), tmp_path, scheduler=address, batch=1,
                               progress=kill_one)  # fmt: skip
    seeds = [r["seed"] for r in lines_of(tmp_path)]
    assert killed and sorted(seeds) == list(range(6))  # none lost, none twice
    assert summary.seeds == 6 and all(r["trace"]["status"] == "accepted" for r in lines_of(tmp_path))


def test_a_separate_scheduler_and_worker_by_address(tmp_path: Path) -> None:
    info = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    scheduler = subprocess.Popen([*dask, "--scheduler-file", str(info), "--port", "0", "--no-dashboard"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env())  # fmt: skip
    worker: subprocess.Popen[bytes] | None = None
    try:
        eventually(lambda: info.exists() and info.read_text().strip(), timeout=60)
        address = json.loads(info.read_text())["address"]
        worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "1",
             "--nthreads", "1", "--no-dashboard"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env(),
        )  # fmt: skip
        summary = run_campaign(
            range(5), SeedSettings(steps=20, validate=False), tmp_path / "o", scheduler=address
        )  # type: ignore[arg-type]
        records = lines_of(tmp_path / "o")
        assert sorted(r["seed"] for r in records) == list(range(5)) and summary.workers == 1
        assert {int(r["worker"].rsplit(":", 1)[1]) for r in records}.isdisjoint({os.getpid()})
    finally:
        for p in (worker, scheduler):
            if p is not None:
                p.terminate()
                p.wait(timeout=60)


def test_an_interrupted_campaign_resumes_only_the_remaining_seeds(tmp_path: Path) -> None:
    out = tmp_path / "c"
    settings = SeedSettings(steps=20, validate=False)
    run_campaign(list(range(3)), settings, out, workers=1)
    results = ResultsFile(out)
    kept = results.path.read_text().splitlines(keepends=True)[:2]
    results.path.write_text("".join(kept) + '{"seed": 2, "verdi')  # the third cut off by the interruption
    summary = run_campaign(list(range(6)), settings, out, workers=1, resume=True)
    assert summary.ran == 4 and summary.seeds == 6
    assert sorted(r["seed"] for r in lines_of(out)) == list(range(6))


@pytest.mark.tlc
def test_ctrl_c_keeps_the_finished_seeds_and_resume_finishes(tmp_path: Path) -> None:
    out = tmp_path / "c"
    args = [
        *PYCCF,
        "campaign",
        "--seeds",
        "0-5",
        "--steps",
        "30",
        "--batch",
        "1",
        "--workers",
        "1",
        "--out",
        str(out),
    ]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(),
                            preexec_fn=default_signals)  # fmt: skip
    try:
        eventually(
            lambda: (out / "results.ndjson").exists() and (out / "results.ndjson").read_text(), timeout=300
        )
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    before = {r["seed"] for r in lines_of(out)}
    assert 0 < len(before) < 6
    done = subprocess.run(
        [*args, "--resume", "--json"], capture_output=True, text=True, env=env(), timeout=600
    )
    summary = json.loads(done.stdout)
    assert summary["ran"] == 6 - len(before) and summary["seeds"] == 6
    assert sorted(r["seed"] for r in lines_of(out)) == list(range(6))


TOY = """---- MODULE Toy ----
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x' = x + 1 \\/ x' = x
Small == x < 3
====
"""


@pytest.mark.tlc
def test_spec_walks_are_campaign_work_and_a_violation_replays(tmp_path: Path) -> None:
    (tmp_path / "Toy.tla").write_text(TOY)
    (tmp_path / "Toy.cfg").write_text("INIT Init\nNEXT Next\nINVARIANT Small\n")
    out = tmp_path / "c"
    done = subprocess.run(
        [*PYCCF, "campaign", "--seeds", "0-3", "--spec-walks", str(tmp_path / "Toy.tla"), "--depth", "10",
         "--num", "5", "--out", str(out), "--json", "--workers", "1"],
        capture_output=True, text=True, env=env(), timeout=600,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    summary = json.loads(done.stdout)
    assert summary["verdicts"] == {"violated": 4} and summary["failure_kinds"] == {"violated: Small": 4}
    replay = summary["failures"][0]["replay"]
    assert replay.startswith("tracecheck check ") and "--seed 0" in replay
    again = subprocess.run([sys.executable, "-m", "tracecheck", *replay.split()[1:]], capture_output=True,
                           text=True, env=env(), timeout=300)  # fmt: skip
    assert again.returncode == 1 and "Small" in again.stdout + again.stderr
    (tmp_path / "Toy.cfg").write_text("INIT Init\nNEXT Next\n")
    ok = subprocess.run(
        [*PYCCF, "campaign", "--seeds", "0-1", "--spec-walks", str(tmp_path / "Toy.tla"), "--depth", "10",
         "--num", "5", "--out", str(tmp_path / "d"), "--json", "--workers", "1"],
        capture_output=True, text=True, env=env(), timeout=600,
    )  # fmt: skip
    assert ok.returncode == 0 and json.loads(ok.stdout)["verdicts"] == {"ok": 2}


def test_spec_walks_refuse_a_bug_and_a_missing_spec(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pyccf.cli import main

    for args, message in (
        (["--spec-walks", str(tmp_path / "No.tla")], "no such file"),
        (["--spec-walks", str(REPO / "specs/consensus/SIMHeal.tla"), "--bug", "commit_on_nack"], "--bug"),
    ):
        result = CliRunner().invoke(main, ["campaign", "--seeds", "0", "--out", str(tmp_path / "o"), *args])
        assert result.exit_code == 2 and message in result.output, result.output
