"""Overhead of tracecheck's TLC wrapper against plain ``java -jar tla2tools.jar`` on the same spec.

Runs, alternating to share the machine's noise: plain ``java -XX:+UseParallelGC -jar tla2tools.jar``
(the same JVM options tracecheck uses), the exact ``java ... tlc2.TLC -tool ...`` command ``run_tlc``
starts (to separate TLC's ``-tool`` mode from the wrapper), ``run_tlc`` in-process, and the
``tracecheck check`` command (a new Python process each time). Prints the median wall time of each and
the ratio to plain Java, for a spec that runs some seconds and for a tiny one (start-up dominated).

    .venv/bin/python bench/bench_tlc_overhead.py [--repeat 5] [--size 28]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tracecheck.tla.tlc import DEFAULT_JVM_OPTS, run_tlc
from tracecheck.tla.tools import find_jar, find_java, tlc_version

SPEC = """---- MODULE Counters4 ----
EXTENDS Naturals
CONSTANT Size
VARIABLES a, b, c, d
Init == a = 0 /\\ b = 0 /\\ c = 0 /\\ d = 0
Next == \\/ a' = (a + 1) % Size /\\ UNCHANGED <<b, c, d>>
        \\/ b' = (b + 1) % Size /\\ UNCHANGED <<a, c, d>>
        \\/ c' = (c + 1) % Size /\\ UNCHANGED <<a, b, d>>
        \\/ d' = (d + 1) % Size /\\ UNCHANGED <<a, b, c>>
TypeOK == a < Size /\\ b < Size /\\ c < Size /\\ d < Size
====
"""


def write_spec(folder: Path, size: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / "Counters4.tla"
    spec.write_text(SPEC)
    (folder / "Counters4.cfg").write_text(f"CONSTANT Size = {size}\nINIT Init\nNEXT Next\nINVARIANT TypeOK\n")
    return spec


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[[], None]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (this process plus its waited-for children) of one call."""
    wall, cpu = time.perf_counter(), _cpu()
    fn()
    return time.perf_counter() - wall, _cpu() - cpu


def bench(spec: Path, repeat: int) -> dict[str, list[tuple[float, float]]]:
    java, jar = str(find_java()), str(find_jar())
    tracecheck = str(Path(sys.executable).with_name("tracecheck"))

    def plain() -> None:
        meta = tempfile.mkdtemp()
        try:
            subprocess.run(
                [java, *DEFAULT_JVM_OPTS, "-jar", jar, "-workers", "1", "-metadir", meta, spec.stem],
                cwd=spec.parent, check=True, capture_output=True,
            )  # fmt: skip
        finally:
            shutil.rmtree(meta, ignore_errors=True)

    def tool_mode() -> None:
        """The exact command run_tlc starts, run bare: separates -tool mode from the wrapper's cost."""
        meta = tempfile.mkdtemp()
        try:
            subprocess.run(
                [java, *DEFAULT_JVM_OPTS, "-cp", jar, "tlc2.TLC", "-tool", "-workers", "1", "-metadir", meta,
                 "-config", f"{spec.stem}.cfg", spec.stem],
                cwd=spec.parent, check=True, capture_output=True,
            )  # fmt: skip
        finally:
            shutil.rmtree(meta, ignore_errors=True)

    def library() -> None:
        assert run_tlc(spec, timeout=600).status == "ok"

    def command() -> None:
        subprocess.run([tracecheck, "check", str(spec)], check=True, capture_output=True)

    runs: dict[str, list[tuple[float, float]]] = {
        "java -jar": [], "java ... -tool": [], "run_tlc": [], "tracecheck check": [],
    }  # fmt: skip
    plain()  # warm the file cache
    for _ in range(repeat):
        runs["java -jar"].append(timed(plain))
        runs["java ... -tool"].append(timed(tool_mode))
        runs["run_tlc"].append(timed(library))
        runs["tracecheck check"].append(timed(command))
    return runs


def report(title: str, runs: dict[str, list[tuple[float, float]]]) -> None:
    """Medians of wall and CPU time; CPU time is the steadier figure on a shared machine."""
    base_wall = statistics.median(w for w, _ in runs["java -jar"])
    base_cpu = statistics.median(c for _, c in runs["java -jar"])
    print(f"\n{title}")
    for name, times in runs.items():
        wall = statistics.median(w for w, _ in times)
        cpu = statistics.median(c for _, c in times)
        lo, hi = min(w for w, _ in times), max(w for w, _ in times)
        print(f"  {name:17s} wall {wall:7.3f} s (min {lo:.3f}, max {hi:.3f}) ratio {wall / base_wall:5.3f}"
              f" | cpu {cpu:7.3f} s ratio {cpu / base_cpu:5.3f} ({cpu - base_cpu:+.3f} s)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--size", type=int, default=28, help="values per counter (Size^4 states)")
    args = parser.parse_args()
    print(f"TLC {tlc_version()}, java {find_java()}, {args.repeat} runs each")
    with tempfile.TemporaryDirectory() as tmp:
        big = write_spec(Path(tmp) / "big", args.size)
        report(f"Counters4, Size = {args.size} ({args.size**4:,} states)", bench(big, args.repeat))
        small = write_spec(Path(tmp) / "small", 2)
        report("Counters4, Size = 2 (16 states: start-up only)", bench(small, args.repeat))


if __name__ == "__main__":
    main()
