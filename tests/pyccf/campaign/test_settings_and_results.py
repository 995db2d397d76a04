"""Campaign bookkeeping without a cluster: seeds, settings, the results file and its resumption."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pyccf.campaign.report import junit, summary_text
from pyccf.campaign.results import ResultsFile, summarise
from pyccf.campaign.runner import CampaignError, batches, prepare
from pyccf.campaign.settings import SeedsError, SeedSettings, one_core_per_worker, parse_seeds
from pyccf.cli import main


def test_seed_ranges() -> None:
    assert parse_seeds("0-4") == [0, 1, 2, 3, 4]
    assert parse_seeds("7") == [7]
    assert parse_seeds("0-2, 10-11,1") == [0, 1, 2, 10, 11]


@pytest.mark.parametrize("bad", ["", "a-b", "5-1", "1-", "-3", "1-2-3", "0-99999999"])
def test_bad_seed_ranges_name_the_part(bad: str) -> None:
    with pytest.raises(SeedsError, match="--seeds"):
        parse_seeds(bad)


def test_batches_cover_every_seed_once() -> None:
    assert batches([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]


def record(seed: int, verdict: str = "ok", seconds: float = 1.0) -> dict[str, object]:
    return {"seed": seed, "verdict": verdict, "kind": "" if verdict == "ok" else "k", "where": "w",
            "message": "m", "replay": "r", "seconds": seconds, "trace": {"validated": True}}  # fmt: skip


def test_a_torn_last_line_is_not_a_finished_seed_and_is_cut_off(tmp_path: Path) -> None:
    results = ResultsFile(tmp_path)
    results.append([record(0), record(1)])
    with results.path.open("a") as f:
        f.write('{"seed": 2, "verd')  # the write an interruption cut short
    assert sorted(results.done()) == [0, 1]
    results.append([record(2)])
    assert sorted(results.done()) == [0, 1, 2]
    assert all(line.endswith("}") for line in results.path.read_text().splitlines())


def test_a_seed_reported_twice_counts_once(tmp_path: Path) -> None:
    results = ResultsFile(tmp_path)
    results.append([record(0), record(0, "safety")])
    assert results.done()[0]["verdict"] == "ok"


def test_another_campaigns_folder_needs_resume_with_the_same_settings(tmp_path: Path) -> None:
    assert prepare(tmp_path, SeedSettings(), resume=False) == {}
    with pytest.raises(CampaignError, match="--resume"):
        prepare(tmp_path, SeedSettings(), resume=False)
    with pytest.raises(CampaignError, match="other settings"):
        prepare(tmp_path, SeedSettings(steps=7), resume=True)
    ResultsFile(tmp_path).append([record(3)])
    assert list(prepare(tmp_path, SeedSettings(), resume=True)) == [3]


def test_results_without_settings_are_not_a_campaign(tmp_path: Path) -> None:
    ResultsFile(tmp_path).append([record(0)])
    with pytest.raises(CampaignError, match="not a campaign folder"):
        prepare(tmp_path, SeedSettings(), resume=True)


def test_settings_round_trip_and_refuse_unknown_bugs() -> None:
    s = SeedSettings(steps=5, bugs=("commit_unsigned",), ccf_version="2026-01")
    assert SeedSettings.from_dict(json.loads(json.dumps(s.as_dict()))) == s
    assert s.flags() == " --bug commit_unsigned --ccf-version 2026-01"
    with pytest.raises(ValueError, match="unknown bug"):
        SeedSettings(bugs=("no_such_bug",))


def test_summary_counts_verdicts_kinds_and_the_slowest() -> None:
    records = {0: record(0, seconds=3), 1: record(1, "safety", 9), 2: record(2, "liveness", 1)}
    summary = summarise(records, ran=2, wall_seconds=2.0, workers=2, traces_validated=3)  # type: ignore[arg-type]
    assert not summary.ok and summary.verdicts == {"liveness": 1, "ok": 1, "safety": 1}
    assert summary.kinds == {"liveness: k": 1, "safety: k": 1} and summary.slowest[0] == (1, 9.0)
    assert summary.as_dict()["resumed"] == 1 and summary.traces_per_s == 1.5
    assert "seed 1: safety" in summary_text(summary) and "replay: r" in summary_text(summary)
    xml = junit(summary, records)  # type: ignore[arg-type]
    assert xml.count("<testcase") == 3 and xml.count("<failure") == 2
    assert summarise({0: record(0)}, 1, 1.0, 1, 1).ok  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seeds", "x", "--out", "{tmp}"], "is not N or A-B"),
        (["--seeds", "0-1", "--out", "{tmp}", "--bug", "nope"], "--bug"),
        (["--seeds", "0-1"], "--out"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["campaign", *[a.replace("{tmp}", str(tmp_path / "o")) for a in args]])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_refuses_another_campaigns_folder(tmp_path: Path) -> None:
    prepare(tmp_path, SeedSettings(steps=3), resume=False)
    result = CliRunner().invoke(main, ["campaign", "--seeds", "0", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--resume" in result.output


def test_a_shrink_line_completes_its_seed_once(tmp_path: Path) -> None:
    results = ResultsFile(tmp_path)
    pending = {**record(4, "safety"), "record": "seed", "shrink": "pending", "shrunk": None}
    results.append([pending, record(5)])
    assert results.done()[4]["shrink"] == "pending"
    shrink = {"record": "shrink", "seed": 4, "shrunk": "min\n", "shrink_runs": 2}
    results.append([shrink, {**shrink, "shrunk": "other\n"}, {**shrink, "seed": 5}, {**shrink, "seed": 9}])
    done = results.done()
    assert sorted(done) == [4, 5]  # a shrink line is not a seed
    assert done[4]["shrink"] == "done" and done[4]["shrunk"] == "min\n" and done[4]["verdict"] == "safety"
    assert "shrunk" not in done[5]  # a seed that needed no shrink is left alone
    summary = summarise(done, 2, 1.0, 1, 0)
    assert summary.verdicts == {"ok": 1, "safety": 1}


def test_a_batchs_traces_are_one_tlc_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker's batch is one TLC run (one JVM start), even past the engine's default of 4,000 events per
    run, which would split a batch of 8 seeds of 100 steps in two (stand-in runs: no TLC time)."""
    import tracecheck.validation.engine as engine
    from pyccf.campaign.work import validate_traces
    from pyccf.formats.variants import CCF_VERSION_DEFAULT
    from pyccf.sim.simulate import simulate

    runs: list[int] = []

    def one_run(run: Any, traces: list[Any]) -> list[Any]:
        runs.append(len(traces))
        return [engine.Verdict(t, "accepted", matched=len(t.events)) for t in traces]

    monkeypatch.setattr(engine, "_run_batch", one_run)
    paths = {}
    for seed in range(8):
        paths[seed] = tmp_path / f"seed_{seed}.ndjson"
        paths[seed].write_text(simulate(seed, steps=100, name=f"seed_{seed}").run.trace, encoding="utf-8")
    events = sum(len(p.read_text().splitlines()) for p in paths.values())
    assert events > engine.MAX_BATCH_EVENTS  # the engine's default would make two runs of these
    found = validate_traces(paths, CCF_VERSION_DEFAULT)
    assert runs == [8] and sorted(found) == list(range(8))
    assert all(v.status == "accepted" for v, _ in found.values())


def test_one_core_per_worker_is_scoped_to_its_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker function run in the caller's process (Dask's synchronous scheduler) sets the JVMs'
    processor count for its own call only, nested calls included, and leaves a value the caller set."""
    from tracecheck.tla.tlc import JVM_CPUS_ENV

    monkeypatch.delenv(JVM_CPUS_ENV, raising=False)

    @one_core_per_worker()
    def task() -> str | None:
        with one_core_per_worker():
            pass
        return os.environ.get(JVM_CPUS_ENV)  # still set after the nested call ended

    assert task() == "1"
    assert JVM_CPUS_ENV not in os.environ
    monkeypatch.setenv(JVM_CPUS_ENV, "2")
    assert task() == "2"
    assert os.environ[JVM_CPUS_ENV] == "2"
