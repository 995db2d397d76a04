"""Benchmark pyccf on CCF's 20 shared scenarios: simulated events per second, tracing off and on.

An "event" is one raft_trace event (what CCF would log). The number of events per scenario is taken from a
traced run; the untraced run does the same work without building any event. Usage:

    .venv/bin/python bench/bench_scenarios.py [--repeat N] [--scenarios DIR] [--json]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time
from pathlib import Path

from pyccf.sim.driver import ScenarioDriver, _lines
from pyccf.sim.tracing import TraceWriter

DEFAULT_SCENARIOS = Path(__file__).resolve().parents[1].parent / "shared" / "ccf_raft_scenarios"


def run(text: str, traced: bool) -> int:
    """Run one scenario; returns the number of trace events written (0 when untraced)."""
    writer = TraceWriter(io.StringIO()) if traced else None
    driver = ScenarioDriver(trace=writer)
    for lineno, line in enumerate(_lines(text), start=1):
        if not driver.run_line(line, lineno):
            break
    driver.finish()
    return writer.lines if writer is not None else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20, help="timed passes over all scenarios")
    ap.add_argument("--scenarios", type=Path, default=DEFAULT_SCENARIOS)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()

    texts = {
        p.name: p.read_text() for p in sorted(args.scenarios.iterdir()) if p.is_file() and p.suffix != ".md"
    }
    events = sum(run(t, traced=True) for t in texts.values())
    results = {}
    for traced in (False, True):
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            for t in texts.values():
                run(t, traced)
            times.append(time.perf_counter() - t0)
        best, median = min(times), statistics.median(times)
        results["traced" if traced else "untraced"] = {
            "seconds_per_pass_best": round(best, 4),
            "seconds_per_pass_median": round(median, 4),
            "events_per_second": round(events / median),
        }
    out = {"scenarios": len(texts), "events_per_pass": events, "repeat": args.repeat, **results}
    if args.json:
        print(json.dumps(out))
        return
    print(f"{len(texts)} scenarios, {events} trace events per pass, {args.repeat} passes")
    for k in ("untraced", "traced"):
        r = results[k]
        print(
            f"  {k:9s} {r['seconds_per_pass_median'] * 1000:8.1f} ms/pass (median)  "
            f"{r['events_per_second']:>9,} events/s"
        )


if __name__ == "__main__":
    main()
