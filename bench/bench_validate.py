"""Benchmark trace validation: all shared CCF traces at once, and cost versus trace length.

    .venv/bin/python bench/bench_validate.py [--jobs 2] [--sizes 500 2000 10000] [--no-invariants]

Prints a markdown table (copied into docs/trace-validation.md). Length scaling uses a pyccf trace of a
generated steady-state scenario (three nodes; replicate, sign, heartbeat and dispatch rounds), cut to
exactly N events: a prefix of a
behaviour is a behaviour, so every cut is accepted, and cost per event can be compared across sizes.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tracecheck.validation.engine import validate, validate_paths  # noqa: E402
from tracecheck.validation.raft.trace import load_trace  # noqa: E402

CCF_TRACES = REPO.parent / "shared" / "ccf_raft_traces"


def steady_scenario(rounds: int) -> str:
    lines = [
        "start_node,0",
        "emit_signature,2",
        "trust_node,2,1",
        "trust_node,2,2",
        "emit_signature,2",
        "dispatch_all",
        "periodic_all,10",
        "dispatch_all",
        "periodic_all,10",
        "dispatch_all",
    ]
    for r in range(rounds):
        lines += [
            f"replicate,latest,tx{r}",
            "emit_signature,latest",
            "periodic_all,10",
            "dispatch_all",
            "periodic_all,10",
            "dispatch_all",
        ]
    return "\n".join(lines) + "\n"


def long_trace(events: int, folder: Path) -> Path:
    """A pyccf trace with at least ``events`` events."""
    rounds = max(10, events // 20)
    while True:
        scenario = folder / f"steady_{rounds}"
        scenario.write_text(steady_scenario(rounds))
        subprocess.run(
            [sys.executable, "-m", "pyccf", "scenario", "run", "--trace-dir", str(folder), str(scenario)],
            check=True,
            capture_output=True,
        )
        trace = folder / f"steady_{rounds}.ndjson"
        if len(trace.read_text().splitlines()) >= events:
            return trace
        rounds *= 2


def cut(trace: Path, events: int, folder: Path) -> Path:
    out = folder / f"cut_{events}.ndjson"
    out.write_text("\n".join(trace.read_text().splitlines()[:events]) + "\n")
    return out


def child_cpu() -> float:
    """CPU seconds used by finished child processes (the JVMs): the machine is shared, wall time is not."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--sizes", type=int, nargs="*", default=[500, 2000, 10000])
    ap.add_argument("--no-invariants", action="store_true")
    ap.add_argument("--skip-ccf", action="store_true")
    ap.add_argument("--spec", default="consensus", help="spec folder (as for tracecheck validate --spec)")
    args = ap.parse_args()
    invariants = not args.no_invariants
    print(f"invariants checked: {invariants}, jobs: {args.jobs}")
    if not args.skip_ccf:
        paths = sorted(CCF_TRACES.glob("*.ndjson"))
        start, cpu = time.monotonic(), child_cpu()
        verdicts = validate_paths(paths, jobs=args.jobs, invariants=invariants, spec=args.spec)
        wall, cpu = time.monotonic() - start, child_cpu() - cpu
        events = sum(len(v.trace.events) for v in verdicts)
        accepted = sum(v.accepted for v in verdicts)
        print(f"\n| CCF traces | events | accepted | wall s (jobs={args.jobs}) | JVM CPU s |")
        print("|---|---|---|---|---|")
        print(f"| {len(paths)} | {events} | {accepted} | {wall:.1f} | {cpu:.1f} |")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = long_trace(max(args.sizes), folder)
        start = time.monotonic()
        validate([load_trace(CCF_TRACES / "startup.ndjson")], jobs=1, invariants=invariants, spec=args.spec)
        startup = time.monotonic() - start
        print(f"\nbaseline (3-event trace, JVM + parsing): {startup:.1f} s")
        print("\n| events | status | wall s | s minus baseline | events/s | JVM CPU s | distinct states |")
        print("|---|---|---|---|---|---|---|")
        for n in args.sizes:
            trace = load_trace(cut(base, n, folder))
            start, cpu = time.monotonic(), child_cpu()
            v = validate([trace], jobs=1, invariants=invariants, spec=args.spec)[0]
            wall, cpu = time.monotonic() - start, child_cpu() - cpu
            net = max(wall - startup, 1e-9)
            row = f"| {n} | {v.status} | {wall:.1f} | {net:.1f} | {n / net:,.0f} | {cpu:.1f}"
            print(f"{row} | {v.distinct_states} |")


if __name__ == "__main__":
    main()
