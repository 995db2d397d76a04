"""Spread a campaign's seeds over a Dask cluster and collect finished seeds as they arrive.

Dask's ``distributed`` does the scheduling: a ``LocalCluster`` of worker processes by default, any
scheduler when given its address. A batch is one task, and so is each failing seed's shrink (submitted
when its batch lands, so a long shrink holds back no other seed); a worker that dies loses only the tasks
it was running, and the scheduler runs them again elsewhere (a task returns its lines only when it has
finished, and a seed or shrink already written is not written again). The client appends each finished
task's lines to the results file at once, so an interrupted campaign resumes from what is there: the
missing seeds, and the shrinks of written seeds that are still pending.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pyccf.campaign.results import PENDING, SETTINGS, ResultsFile, SeedVerdict, Summary, complete, summarise
from pyccf.campaign.shrinking import shrink_seed
from pyccf.campaign.work import run_batch


class CampaignError(ValueError):
    """A campaign that cannot start as asked (an output folder of another campaign, a bad scheduler)."""


@dataclass(frozen=True)
class Progress:
    """What the live display shows after each finished batch."""

    done: int
    total: int
    failures: int
    traces: int
    elapsed: float


def batches(seeds: Sequence[int], size: int) -> list[list[int]]:
    return [list(seeds[i : i + size]) for i in range(0, len(seeds), size)]


@contextmanager
def dask_client(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A client of the scheduler at ``scheduler``, or of a new LocalCluster of ``workers`` processes."""
    from distributed import Client

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise CampaignError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        try:
            try:
                client.wait_for_workers(1, timeout=120)
            except TimeoutError:
                raise CampaignError(f"--scheduler {scheduler}: no worker joined within 120 s") from None
            yield client
        finally:
            client.close()
        return
    with local_cluster(workers) as cluster, Client(cluster) as client:
        yield client


#: Worker settings of a campaign's LocalCluster: Dask's statistical profiler samples each worker's
#: threads every 10 ms, CPU taken from the seeds (a cluster given by address is configured by its owner).
QUIET_WORKERS = {"distributed.worker.profile.enabled": False}


@contextmanager
def local_cluster(workers: int) -> Iterator[Any]:
    """A LocalCluster of ``workers`` single-threaded worker processes, as a campaign runs on."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(QUIET_WORKERS):  # the nannies hand the config to their worker processes
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        )
    with cluster:
        yield cluster


class Settings(Protocol):
    """What every seed of a campaign runs with, and the function a worker runs on a batch of seeds."""

    def as_dict(self) -> dict[str, Any]: ...


def _stored(settings: Settings) -> dict[str, Any]:
    return {"kind": type(settings).__name__, **settings.as_dict()}


def prepare(out: Path, settings: Settings, resume: bool) -> dict[int, dict[str, Any]]:
    """Create or reopen the output folder; the seeds already finished (only with ``resume``)."""
    out.mkdir(parents=True, exist_ok=True)
    stored = out / SETTINGS
    results = ResultsFile(out)
    mine = _stored(settings)
    if stored.exists() and stored.read_text(encoding="utf-8").strip():
        try:
            before = json.loads(stored.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise CampaignError(f"{stored}: not a campaign's settings ({exc})") from None
        if not resume:
            raise CampaignError(f"{out} holds a campaign already: --resume it or choose another --out")
        if before != json.loads(json.dumps(mine)):
            raise CampaignError(f"{stored}: --resume with other settings than {before}")
    elif results.path.exists() and results.path.stat().st_size:
        raise CampaignError(f"{results.path} exists without {SETTINGS}: not a campaign folder")
    stored.write_text(json.dumps(mine, sort_keys=True) + "\n", encoding="utf-8")
    return results.done() if resume else {}


def run_campaign(
    seeds: Sequence[int],
    settings: Settings,
    out: Path,
    *,
    work: Callable[[list[int], Any], list[dict[str, Any]]] = run_batch,
    shrink: Callable[[dict[str, Any], Any], dict[str, Any]] = shrink_seed,
    scheduler: str | None = None,
    workers: int = 2,
    batch: int = 8,
    resume: bool = False,
    progress: Callable[[Progress], None] | None = None,
) -> Summary:
    """Run every seed not finished yet (``work(batch, settings)`` on the workers: by default a simulation
    and its trace validation per seed) and every pending shrink (``shrink(record, settings)``, one task
    per failing seed); returns the summary of all of ``seeds``."""
    from distributed import as_completed

    done = prepare(out, settings, resume)
    results = ResultsFile(out)
    wanted = set(seeds)
    todo = [s for s in seeds if s not in done]
    start = time.perf_counter()
    ran = traces = 0
    with dask_client(scheduler, workers) as client:
        shrinks: set[Any] = set()

        def submit_shrink(record: dict[str, Any]) -> Any:
            asked = {k: record[k] for k in ("seed", "verdict", "kind")}
            # ahead of the queued batches: a shrink started late would be the campaign's tail
            future = client.submit(shrink, asked, settings, pure=False, priority=1)
            shrinks.add(future)
            return future

        futures = [client.submit(work, b, settings, pure=False) for b in batches(todo, batch)]
        futures += [submit_shrink(r) for s, r in sorted(done.items()) if s in wanted and _pending(r)]
        running = as_completed(futures)
        try:
            for future in running:
                if future in shrinks:
                    line = future.result()
                    record = done[line["seed"]]
                    if complete(record, line):
                        results.append([line])
                        _write_failure(out, record)
                else:
                    records = [r for r in future.result() if r["seed"] not in done]
                    results.append(records)
                    for r in records:
                        done[r["seed"]] = r
                        _write_failure(out, r)
                        if _pending(r):
                            running.add(submit_shrink(r))
                    ran += len(records)
                    traces += sum(1 for r in records if r["trace"].get("validated"))
                if progress is not None:
                    progress(_progress(done, wanted, traces, time.perf_counter() - start))
        finally:
            client.cancel(futures + list(shrinks))
        used = len(client.scheduler_info().get("workers", {}))
    mine = {s: done[s] for s in seeds if s in done}
    return summarise(mine, ran, time.perf_counter() - start, used, traces)


def _pending(record: dict[str, Any]) -> bool:
    return record.get("shrink") == PENDING


def _progress(done: dict[int, dict[str, Any]], wanted: set[int], traces: int, elapsed: float) -> Progress:
    mine = [r for s, r in done.items() if s in wanted]
    failures = sum(1 for r in mine if r["verdict"] != SeedVerdict.OK)
    return Progress(len(mine), len(wanted), failures, traces, elapsed)


def _write_failure(out: Path, record: dict[str, Any]) -> None:
    """``failures/seed_N`` (the scenario) and ``failures/seed_N.min`` (shrunk), for the replay command."""
    if record["verdict"] == SeedVerdict.OK or record.get("scenario") is None:
        return
    folder = out / "failures"
    folder.mkdir(exist_ok=True)
    (folder / f"seed_{record['seed']}").write_text(record["scenario"], encoding="utf-8")
    if record.get("shrunk"):
        (folder / f"seed_{record['seed']}.min").write_text(record["shrunk"], encoding="utf-8")
