"""Throughput of random simulation: scenario steps per second and simulated (trace) events per second.

    .venv/bin/python bench/bench_simulate.py [--seeds 200] [--steps 100] [--nodes 3] [--json]
    .venv/bin/python bench/bench_simulate.py --hunt [--seeds 3000] [--steps 200]

With --hunt, instead: for every seeded bug in the registry (pyccf.formats.variants.BUGS), the first seed
whose scenario (with the bug switched on) violates commit safety, how many scenarios that took, and the
registry's search budget for it (a bug found outside its budget, or not found within it, is flagged).

Runs seeds 0..N-1 twice: once with tracing on (events are counted from the trace the run writes) and
once with tracing off (the driver gets no trace writer; events are the same run's count, since the
run is deterministic). Steps are executed scenario lines including the healing suffix, not counting
the implicit final loop_until_sync.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections import Counter

from pyccf.formats.variants import BUGS, SIM_LONG, SIM_QUICK
from pyccf.sim.simulate import simulate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    parser.add_argument("--hunt", action="store_true", help="find the first seed catching each seeded bug")
    args = parser.parse_args(argv)
    if args.hunt:
        return hunt(args.seeds, args.steps, args.nodes)

    steps = events = 0
    kinds: Counter[str] = Counter()
    t0 = time.perf_counter()
    for seed in range(args.seeds):
        result = simulate(seed, steps=args.steps, nodes=args.nodes)
        steps += result.run.lines_run
        events += result.run.events
        kinds[result.run.failure.kind if result.run.failure else "ok"] += 1
    traced = time.perf_counter() - t0

    t0 = time.perf_counter()
    for seed in range(args.seeds):
        simulate(seed, steps=args.steps, nodes=args.nodes, traced=False)
    untraced = time.perf_counter() - t0

    report = {
        "seeds": args.seeds,
        "steps_per_scenario": args.steps,
        "nodes": args.nodes,
        "outcomes": dict(sorted(kinds.items())),
        "scenario_steps": steps,
        "trace_events": events,
        "traced_seconds": round(traced, 2),
        "untraced_seconds": round(untraced, 2),
        "steps_per_second_traced": round(steps / traced),
        "events_per_second_traced": round(events / traced),
        "steps_per_second_untraced": round(steps / untraced),
        "events_per_second_untraced": round(events / untraced),
        "python": platform.python_version(),
    }
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:28} {value}")
    return 1 if set(kinds) - {"ok", "liveness"} else 0  # a safety failure or crash is not a benchmark


def hunt(seeds: int, steps: int, nodes: int) -> int:
    """Print, per seeded bug, the first seed that catches it by commit-safety checking; 1 if one
    contradicts the registry's budget."""
    contradicted = False
    for bug in sorted(BUGS):
        t0 = time.perf_counter()
        found = None
        for seed in range(seeds):
            failure = simulate(seed, steps=steps, nodes=nodes, bugs=[bug], traced=False).run.failure
            if failure is not None and failure.kind == "safety":
                found = (seed, failure)
                break
        took = time.perf_counter() - t0
        budget = BUGS[bug].simulation
        flag = " CONTRADICTS" if _contradicts(bug, seeds, steps, found[0] if found else None) else ""
        contradicted |= bool(flag)
        registered = f"registry: {budget[0]} seeds x {budget[1]} steps" if budget else "registry: not caught"
        if found is None:
            print(f"{bug:34} not caught in {seeds} seeds of {steps} steps ({took:.1f} s; {registered}){flag}")
        else:
            seed, failure = found
            where = f"line {failure.line} {failure.command}"
            print(f"{bug:34} seed {seed:5} (--steps {steps}): {where} ({took:.1f} s; {registered}){flag}")
    return 1 if contradicted else 0


def _contradicts(bug: str, seeds: int, steps: int, seed: int | None) -> bool:
    """Whether the first catching seed (None: none in ``seeds``) contradicts the registry's budget."""
    budget = BUGS[bug].simulation
    if budget is None:
        return seed is not None  # registered as not a safety bug
    if steps == budget[1] and seeds >= budget[0]:
        return seed is None or seed >= budget[0]  # must be caught within its budget
    if budget == SIM_LONG and steps == SIM_QUICK[1]:
        return seed is not None and seed < SIM_QUICK[0]  # then it belongs to the quick ones
    return False


if __name__ == "__main__":
    sys.exit(main())
