"""Campaign scaling: the same seeds on a LocalCluster of 1 worker and of W workers, in one run.

    .venv/bin/python bench/bench_campaign.py [--seeds 0-199] [--workers 2] [--steps 100] [--batch 8]
                                             [--bug NAME] [--json]

Each run is a full ``pyccf campaign`` (every seed simulated, its trace validated by TLC, failures shrunk)
into a fresh temporary folder, timed from submission to the last result (the cluster's start-up is
outside the timing: the cluster is started first and given by address). The anchor is the 1-worker run;
the figure of merit is the W-worker run's seeds/s and traces/s over W times the anchor's (ideal scaling
= 100%). The machine must have W free cores for the ratio to mean anything. With ``--bug NAME`` (a seeded
bug, docs/bugs.md) most seeds fail and are shrunk, so the figures include the shrink tasks; each run also
reports its failing seeds' shrink candidates, TLC rounds and shrink time.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pyccf.campaign.results import ResultsFile  # noqa: E402
from pyccf.campaign.runner import run_campaign  # noqa: E402
from pyccf.campaign.settings import SeedSettings, parse_seeds  # noqa: E402
from pyccf.consensus.bugs import BUGS  # noqa: E402


def timed(seeds: list[int], settings: SeedSettings, workers: int, batch: int) -> dict[str, Any]:
    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=workers, threads_per_worker=1, dashboard_address=None, silence_logs=40
    ) as cluster:
        with Client(cluster) as client:
            client.wait_for_workers(workers)
        with tempfile.TemporaryDirectory() as tmp:
            summary = run_campaign(
                seeds, settings, Path(tmp), scheduler=cluster.scheduler_address, batch=batch
            )
            failing = [r for r in ResultsFile(Path(tmp)).done().values() if r["verdict"] != "ok"]
    return {
        "workers": workers,
        "seeds": summary.seeds,
        "seconds": round(summary.wall_seconds, 2),
        "seeds_per_s": round(summary.seeds_per_s, 3),
        "traces_per_s": round(summary.traces_per_s, 3),
        "verdicts": summary.verdicts,
        "shrinks": {
            "seeds": len(failing),
            "candidates": sum(int(r.get("shrink_runs") or 0) for r in failing),
            "tlc_rounds": sum(int(r.get("shrink_rounds") or 0) for r in failing),
            "seconds": round(sum(float(r.get("shrink_seconds") or 0) for r in failing), 2),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", default="0-199")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--bug", action="append", default=[], choices=sorted(BUGS), metavar="NAME",
                        help="a seeded bug (repeatable)")  # fmt: skip
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    seeds = parse_seeds(args.seeds)
    settings = SeedSettings(steps=args.steps, bugs=tuple(sorted(set(args.bug))))
    one = timed(seeds, settings, 1, args.batch)
    many = timed(seeds, settings, args.workers, args.batch)
    scaling = {k: round(many[k] / (args.workers * one[k]), 3) for k in ("seeds_per_s", "traces_per_s")}
    if args.json:
        print(json.dumps({"one": one, "many": many, "scaling_vs_ideal": scaling}))
        return 0
    for row in (one, many):
        print(f"{row['workers']} worker(s): {row['seeds']} seeds in {row['seconds']} s: "
              f"{row['seeds_per_s']} seeds/s, {row['traces_per_s']} traces/s  {row['verdicts']}")  # fmt: skip
        sh = row["shrinks"]
        if sh["seeds"]:
            print(f"  shrinks: {sh['seeds']} seeds, {sh['candidates']} candidates, "
                  f"{sh['tlc_rounds']} TLC rounds, {sh['seconds']} s of shrinking")  # fmt: skip
    print(f"scaling vs ideal ({args.workers} x 1 worker): seeds/s {scaling['seeds_per_s']:.0%}, "
          f"traces/s {scaling['traces_per_s']:.0%}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
