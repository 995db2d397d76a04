"""Benchmark model checking of the consensus spec: distinct states per minute per worker.

    PYTHONPATH=. .venv/bin/python bench/bench_mc.py [--before REV] [--cfgs MCConsensus2.cfg ...] [--repeat N]

Runs each cfg with one TLC worker on the spec folder of git revision ``--before``, with that revision's
JVM options for model checking (read from its ``tracecheck/tla/tlc.py``), and on the working tree's spec
with ``tracecheck.tla.tlc``'s options now, each with its invariants and without
them, interleaved in one run so the load of the machine (shared with other sessions) is the same for
both. A cfg that ``--before`` does not have is derived from the working tree's for the old spec (its
bounds as a ``CONSTRAINT`` instead of the ``InBounds`` override). With ``--repeat N`` each run is
repeated N times (interleaved) and the least JVM CPU time is kept: load inflates CPU time, it never
deflates it. Prints distinct states, JVM CPU seconds, distinct states per CPU minute and per wall
minute, the 1-minute load average at the end of each row, and the speed-up of the working tree over
``--before`` (distinct states per CPU minute).
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

from tracecheck.tla.tlc import model_check_jvm_opts  # noqa: E402
from tracecheck.tla.tools import find_jar, find_java  # noqa: E402

CONSENSUS = REPO / "specs" / "consensus"
#: Where a revision's JVM options live, and how they are spelt there.
TLC_PY = "tracecheck/tla/tlc.py"
_OPTS = re.compile(r"^(?:DEFAULT|MODEL_CHECK)_JVM_OPTS = \(([^)]*)\)", re.M)
_DISTINCT = re.compile(r"([\d,]+) distinct states found, 0 states left on queue")


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


def jvm_opts_at(rev: str) -> list[str]:
    """The JVM options revision ``rev`` gave a model-checking run (its last ``*_JVM_OPTS`` tuple wins)."""
    text = subprocess.run(["git", "-C", str(REPO), "show", f"{rev}:{TLC_PY}"], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    found = _OPTS.findall(text)
    if not found:
        sys.exit(f"{rev}:{TLC_PY}: no DEFAULT_JVM_OPTS or MODEL_CHECK_JVM_OPTS tuple")
    return re.findall(r'"([^"]+)"', found[-1])


def old_style(folder: Path, cfg: str, source: Path) -> None:
    """``source`` (a working-tree cfg) written into ``folder`` for an older spec: overrides of operators
    that its Consensus.tla does not define (``InBounds``, ``MayAppend``, ...) dropped."""
    text = source.read_text()
    spec = (folder / "Consensus.tla").read_text()

    def known(m: re.Match[str]) -> str:
        return m.group(0) if re.search(rf"^{m.group(1)}\b.*==", spec, re.M) else ""

    text = re.sub(r"^\s*(\w+) <- \w+\n", known, text, flags=re.M)
    bounds = "SPECIFICATION Spec\nCONSTRAINT StateConstraint\n"
    text = re.sub(r"^SPECIFICATION Spec\n", bounds, text, flags=re.M)
    (folder / cfg).write_text(text)


def without_invariants(folder: Path, cfg: str) -> str:
    """A copy of ``cfg`` in ``folder`` with its INVARIANTS section removed; returns its name."""
    text = (folder / cfg).read_text()
    text = re.sub(r"^INVARIANTS\n(\s+\w+\n)+", "", text, flags=re.M)
    name = "NoInv" + cfg
    (folder / name).write_text(text)
    return name


def measure(folder: Path, cfg: str, opts: list[str], scratch: Path) -> tuple[int, float, float, str]:
    """Distinct states, JVM CPU seconds, wall seconds and status of one TLC run (one worker)."""
    run_dir = Path(tempfile.mkdtemp(dir=scratch))
    argv = [str(find_java()), *opts, f"-Djava.io.tmpdir={run_dir}", "-cp", str(find_jar()), "tlc2.TLC"]
    argv += ["-workers", "1", "-metadir", str(run_dir / "meta"), "-config", cfg, "-deadlock", "MCConsensus"]
    cpu, start = child_cpu(), time.monotonic()
    proc = subprocess.run(argv, cwd=folder, capture_output=True, text=True, timeout=3600)
    cpu, wall = child_cpu() - cpu, time.monotonic() - start
    shutil.rmtree(run_dir, ignore_errors=True)
    m = _DISTINCT.search(proc.stdout)
    status = "ok" if proc.returncode == 0 and m else f"rc {proc.returncode}"
    return (int(m.group(1).replace(",", "")) if m else 0), cpu, wall, status


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", default="56e8c64")
    ap.add_argument("--cfgs", nargs="*", default=["MCConsensusSwap.cfg", "MCConsensusSwap3.cfg"])
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        before = folder_at(args.before, Path(tmp) / "before")
        after = Path(shutil.copytree(CONSENSUS, Path(tmp) / "after"))
        runs = {f"before ({args.before})": (before, jvm_opts_at(args.before)),
                "after": (after, model_check_jvm_opts())}  # fmt: skip
        for label, (_, opts) in runs.items():
            print(f"JVM options {label}: {' '.join(opts)}")
        print("| cfg | spec | invariants | status | distinct states | JVM CPU s", end="")
        print(" | states/CPU min | states/wall min | load |")
        print("|---|---|---|---|---|---|---|---|---|")
        for cfg in args.cfgs:
            if not (before / cfg).exists():
                old_style(before, cfg, CONSENSUS / cfg)
            best: dict[tuple[str, str], tuple[int, float, float, str, float]] = {}
            for _ in range(args.repeat):
                for label, (folder, opts) in runs.items():
                    for inv, name in (("all", cfg), ("none", without_invariants(folder, cfg))):
                        run = (*measure(folder, name, opts, Path(tmp)), os.getloadavg()[0])
                        if (label, inv) not in best or run[1] < best[label, inv][1]:
                            best[label, inv] = run
            for (label, inv), (states, cpu, wall, status, load) in best.items():
                row = f"| {cfg} | {label} | {inv} | {status} | {states:,} | {cpu:.1f}"
                row += f" | {60 * states / cpu:,.0f} | {60 * states / wall:,.0f} | {load:.1f} |"
                print(row, flush=True)
            for inv in ("all", "none"):
                (_, old), (_, new) = ((k, v) for k, v in best.items() if k[1] == inv)
                ratio = (new[0] / new[1]) / (old[0] / old[1])
                print(f"| {cfg} | speed-up after/before | {inv} | | | | {ratio:.2f}x | | |", flush=True)


if __name__ == "__main__":
    main()
