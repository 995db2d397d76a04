"""Benchmark the cost of checking the spec's invariants in every state of long traces.

    .venv/bin/python bench/bench_invariants.py [--sizes 500 2000 10000] [--sample 600]

For each size N, one pyccf steady-state trace cut to N events (bench_validate's) is validated alone
three ways in the same run: without invariants, with every state checked (the ledger-wide invariants
per step), and with the ledger-wide invariants sampled in about ``--sample`` states. It prints JVM CPU
seconds (the machine is shared: wall time is not comparable), CPU per event net of a 3-event trace's
start-up, and the two ratios the issue asks for: cost per event at N against the smallest N (flat within
1.5x), and all invariants against none at each N (within 2x).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_validate import CCF_TRACES, child_cpu, cut, long_trace  # noqa: E402

from tracecheck.validation.engine import validate  # noqa: E402
from tracecheck.validation.raft.adapter import RaftAdapter  # noqa: E402
from tracecheck.validation.raft.trace import load_trace  # noqa: E402

MODES = {
    "none": (False, None),
    "every state": (True, None),
    "sampled": (True, "sample"),
}


def cpu_of(trace, invariants: bool, sample: int | None) -> tuple[float, str, int | None]:
    adapter = RaftAdapter(invariant_sample=sample)
    cpu = child_cpu()
    v = validate([trace], adapter=adapter, jobs=1, invariants=invariants, diagnose=False)[0]
    return child_cpu() - cpu, v.status, v.distinct_states


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[500, 2000, 10000])
    ap.add_argument("--sample", type=int, default=600)
    args = ap.parse_args()
    startup_trace = load_trace(CCF_TRACES / "startup.ndjson")
    startup = min(cpu_of(startup_trace, True, None)[0] for _ in range(2))
    print(f"start-up (3-event trace, JVM + parsing): {startup:.1f} CPU s")
    print("\n| events | ledger | invariants | status | JVM CPU s | net ms/event | vs none |")
    print("|---|---|---|---|---|---|---|")
    per_event: dict[str, dict[int, float]] = {m: {} for m in MODES}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = long_trace(max(args.sizes), folder)
        for n in args.sizes:
            trace = load_trace(cut(base, n, folder))
            ledger = max(e.state["last_idx"] for e in trace.events)
            none = 0.0
            for mode, (invariants, sample) in MODES.items():
                cpu, status, _ = cpu_of(trace, invariants, args.sample if sample else None)
                net = max(cpu - startup, 1e-9)
                per_event[mode][n] = net / n
                none = none or net
                row = f"| {n} | {ledger} | {mode} | {status} | {cpu:.1f}"
                print(f"{row} | {1000 * net / n:.2f} | {net / none:.2f} |")
    lo, hi = min(args.sizes), max(args.sizes)
    print()
    for mode in MODES:
        ratio = per_event[mode][hi] / per_event[mode][lo]
        print(f"{mode}: net cost per event at {hi} / at {lo} = {ratio:.2f}")
    print(f"every state / none at {hi}: {per_event['every state'][hi] / per_event['none'][hi]:.2f}")


if __name__ == "__main__":
    main()
