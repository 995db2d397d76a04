"""Both consistency checkers on pyccf's seeded fault runs, one history at a time: how many seeds TLC
accepts within a time limit, which it rejects (and where), how far the others got.

    PYTHONPATH=. .venv/bin/python bench/scan_service_histories.py [--seeds 0-49] [--timeout 25] [--out DIR]

The histories are the slow test's (tests/pyccf/service/test_history_tlc.py: 3 nodes, 3 clients, 15
requests, one key, faults 0.3), written to DIR once and reused. Each line: seed, events, the Python
checker's verdict, TLC's (accepted, rejected at a line, or not finished with the furthest event any
behaviour matched) and TLC's seconds; then the totals.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from pyccf.service.run import run_service
from tracecheck.history import check_file
from tracecheck.validation.consistency.adapter import ConsistencyAdapter
from tracecheck.validation.engine import validate_paths


def _seeds(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0-49", help="a range, e.g. 0-49")
    ap.add_argument("--timeout", type=float, default=25.0, help="seconds per history")
    ap.add_argument("--out", type=Path, default=Path("out/scan-service-histories"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    totals: dict[str, list[int]] = {}
    for seed in _seeds(args.seeds):
        path = args.out / f"clean-{seed}.ndjson"
        if not path.exists():
            run_service(args.out / f"run-{seed}", nodes=3, clients=3, txs=15, seed=seed, faults=0.3,
                        history=path, keys=1)  # fmt: skip
        events = len(path.read_text().splitlines())
        python_ok = check_file(path).ok
        reached = [0]

        def progress(_path: object, matched: int, _total: int, reached: list[int] = reached) -> None:
            reached[0] = max(reached[0], matched)

        start = time.perf_counter()
        v = validate_paths([path], adapter=ConsistencyAdapter(), jobs=1, timeout=args.timeout,
                           diagnose=False, progress=progress)[0]  # fmt: skip
        seconds = time.perf_counter() - start
        if v.status == "rejected" and v.failing is not None:
            tlc = f"rejected at line {v.failing.line}"
        elif v.status == "error":
            tlc = f"not finished ({reached[0]} of {events} events matched): {v.message[:80]}"
        else:
            tlc = v.status
        totals.setdefault(v.status, []).append(seed)
        print(f"seed {seed:3d}  {events:4d} events  python {'ok' if python_ok else 'REJECTS'}  tlc {tlc}"
              f"  {seconds:.1f} s", flush=True)  # fmt: skip
    for status, seeds in sorted(totals.items()):
        print(f"{status}: {len(seeds)} ({', '.join(map(str, seeds))})")


if __name__ == "__main__":
    main()
