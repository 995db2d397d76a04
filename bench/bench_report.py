"""Benchmark the HTML report in headless Chromium: does a 10,000-event trace's report render in < 5 s?

    .venv/bin/python bench/bench_report.py [--events 10000] [--repeat 3] [--chromium /usr/bin/chromium]

Builds a pyccf trace of the steady-state scenario of bench_validate (cut to exactly N events), writes its
report, and opens it in headless Chromium with ``--dump-dom`` (which returns once the page has loaded and
its scripts ran). Prints a markdown table (copied into docs/report.md): the page's size, the seconds to
write it, the render time the page itself records (``data-render-ms``: page start to chart drawn) and the
wall time of the whole browser run, and of the same run on an empty page (the browser's start-up and
shut-down). The load average is printed with the table: on a shared machine wall times follow it.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_validate import cut, long_trace  # noqa: E402

from tracecheck.report import traces_html  # noqa: E402
from tracecheck.validation.raft.trace import load_trace  # noqa: E402


def browser_wall(chromium: str, page: Path) -> tuple[float, str]:
    start = time.monotonic()
    dom = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    return time.monotonic() - start, dom


def render(chromium: str, page: Path) -> tuple[float, int]:
    """(wall seconds of the browser run, the page's own data-render-ms)."""
    wall, dom = browser_wall(chromium, page)
    found = re.search(r'data-render-ms="(\d+)"', dom)
    if found is None:
        raise SystemExit("the chart did not render (no data-render-ms in the DOM)")
    return wall, int(found.group(1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, nargs="*", default=[1000, 10000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    print("| events | page MB | write s | render ms (page) | browser wall s | of which start-up s |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = long_trace(max(args.events), folder)
        for n in args.events:
            trace = load_trace(cut(base, n, folder))
            page = folder / f"report_{n}.html"
            start = time.monotonic()
            page.write_text(traces_html([trace]), encoding="utf-8")
            write = time.monotonic() - start
            runs = [render(args.chromium, page) for _ in range(args.repeat)]
            wall = statistics.median(r[0] for r in runs)
            ms = statistics.median(r[1] for r in runs)
            empty = folder / "empty.html"
            empty.write_text("<!DOCTYPE html><title>empty</title>")
            startup = statistics.median(browser_wall(args.chromium, empty)[0] for _ in range(args.repeat))
            mb = page.stat().st_size / 1e6
            print(
                f"| {len(trace.events):,} | {mb:.1f} | {write:.1f} | {ms:.0f} | {wall:.1f} | {startup:.1f} |"
            )


if __name__ == "__main__":
    main()
