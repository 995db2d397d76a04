"""Benchmark model checking of the consensus spec: distinct states per minute per worker.

    PYTHONPATH=. .venv/bin/python bench/bench_mc.py [--before REV] [--cfgs MCConsensus2.cfg ...] [--repeat N]

Runs each cfg (one TLC worker, the same JVM flags: ``tracecheck.tla.tlc``'s defaults) on the spec folder
of git revision ``--before`` and on the working tree's, each with its invariants and without them,
interleaved in one run so the load of the machine (shared with other sessions) is the same for both.
With ``--repeat N`` each run is repeated N times (interleaved) and the least JVM CPU time is kept: load
inflates CPU time, it never deflates it. Prints distinct states, JVM CPU seconds, distinct states per
CPU minute and per wall minute, the 1-minute load average at the end of each row, and the speed-up of
the working tree over ``--before`` (distinct states per CPU minute).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tracecheck.tla.tlc import run_tlc  # noqa: E402

CONSENSUS = REPO / "specs" / "consensus"


def child_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def folder_at(rev: str, dest: Path) -> Path:
    """specs/consensus as of git revision ``rev``, extracted under ``dest``."""
    blob = subprocess.run(["git", "-C", str(REPO), "archive", rev, "specs/consensus"], check=True,
                          capture_output=True).stdout  # fmt: skip
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        tar.extractall(dest, filter="data")
    return dest / "specs" / "consensus"


def without_invariants(folder: Path, cfg: str) -> str:
    """A copy of ``cfg`` in ``folder`` with its INVARIANTS section removed; returns its name."""
    text = (folder / cfg).read_text()
    text = re.sub(r"^INVARIANTS\n(\s+\w+\n)+", "", text, flags=re.M)
    name = "NoInv" + cfg
    (folder / name).write_text(text)
    return name


def measure(folder: Path, cfg: str) -> tuple[int, float, float, str]:
    """Distinct states, JVM CPU seconds, wall seconds and status of one TLC run."""
    cpu, start = child_cpu(), time.monotonic()
    r = run_tlc(folder / "MCConsensus.tla", folder / cfg, deadlock_check=False, timeout=1800)
    return r.distinct_states or 0, child_cpu() - cpu, time.monotonic() - start, r.status


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", default="56e8c64")
    ap.add_argument("--cfgs", nargs="*", default=["MCConsensusSwap.cfg", "MCConsensusSwap3.cfg"])
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folders = {f"before ({args.before})": folder_at(args.before, Path(tmp) / "before"),
                   "after": Path(shutil.copytree(CONSENSUS, Path(tmp) / "after"))}  # fmt: skip
        print("| cfg | spec | invariants | status | distinct states | JVM CPU s", end="")
        print(" | states/CPU min | states/wall min | load |")
        print("|---|---|---|---|---|---|---|---|---|")
        for cfg in args.cfgs:
            best: dict[tuple[str, str], tuple[int, float, float, str, float]] = {}
            for _ in range(args.repeat):
                for label, folder in folders.items():
                    for inv, name in (("all", cfg), ("none", without_invariants(folder, cfg))):
                        run = (*measure(folder, name), os.getloadavg()[0])
                        if (label, inv) not in best or run[1] < best[label, inv][1]:
                            best[label, inv] = run
            for (label, inv), (states, cpu, wall, status, load) in best.items():
                row = f"| {cfg} | {label} | {inv} | {status} | {states:,} | {cpu:.1f}"
                row += f" | {60 * states / cpu:,.0f} | {60 * states / wall:,.0f} | {load:.1f} |"
                print(row, flush=True)
            for inv in ("all", "none"):
                (_, before), (_, after) = ((k, v) for k, v in best.items() if k[1] == inv)
                ratio = (after[0] / after[1]) / (before[0] / before[1])
                print(f"| {cfg} | speed-up after/before | {inv} | | | | {ratio:.2f}x | | |", flush=True)


if __name__ == "__main__":
    main()
