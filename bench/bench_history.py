"""The Python history checker on long histories (events/s, peak memory, growth from 10^5 to 10^6) and,
side by side in the same run, TLC validating the first events of a history from the same generator.

    .venv/bin/python bench/bench_history.py [--sizes 10000 100000 1000000] [--seed 1] [--repeat 1]
        [--keep DIR] [--tlc-sizes 500 1000 2000] [--tlc-timeout 1800]
        [--tlc-source service|generator] [--tlc-seed 3]

Histories come from the seeded generator (tracecheck.history.generate): 16 clients, 1,000 keys live at
any time (each retired after 32 appends, a fresh one taking its place, as Elle's list-append workloads
do: without it the lists, and so the file, grow with the square of the length), at least 5 view
changes (one more per 100,000 events), signatures leaving seqno gaps, status polling, a deposed primary
serving reads. Each is written once to a file (``--keep`` keeps and reuses them);
``tracecheck.history.check_file`` then parses and checks it in a fresh child process (one core), which
reports its CPU and wall time and its peak resident set (VmHWM). Each figure is the best of
``--repeat`` runs by CPU time (the machine may be shared: wall time is printed too, with the load
average). Targets: 10^6 events in <= 10 s on one core with <= 2 GB, growth <= 12x.

TLC (``tracecheck validate --spec consistency``) replays one-key histories only (the spec models CCF's
one-key application). The generator's one-key histories are intractable for it (its elections with a
deposed primary still serving, its lagging status polls and its sessions leave so many behaviours open
that even 20 events ran for minutes: docs/history.md), so by default the TLC rows use a one-key history
of pyccf's simulated service (``pyccf service run --history FILE --keys 1``, 3 clients, seeded faults),
cut to its first 500, 1,000 and 2,000 events (a prefix of a history is a history); ``--tlc-source
generator`` takes the generator's instead. The Python checker is timed on the same cuts. Each TLC run is
a child process: wall time, the CPU of Python and the JVM together, and the larger peak RSS of the two;
a run past ``--tlc-timeout`` prints "> T s".
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tracecheck.history.generate import GenConfig, generate, write_history  # noqa: E402

KEY_APPENDS = 32  # a key is retired after this many appends (Elle's workloads do the same)

_CHILD = """
import json, sys, time
sys.path.insert(0, {repo!r})
from tracecheck.history import check_file
t, c = time.perf_counter(), time.process_time()
report = check_file({path!r})
wall, cpu = time.perf_counter() - t, time.process_time() - c
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
out = {{"wall": wall, "cpu": cpu, "hwm_kb": hwm, "ok": report.ok, "violations": len(report.violations)}}
print(json.dumps(out))
"""


def _config(events: int) -> GenConfig:
    return GenConfig(
        events=events, clients=16, keys=1000, key_appends=KEY_APPENDS, elections=max(5, events // 100_000 + 5)
    )


def _check(path: Path) -> dict:
    code = _CHILD.format(repo=str(REPO), path=str(path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _one_key(events: int, clients: int) -> GenConfig:
    """The TLC histories: the bench's generator with one key (the spec's application) and no lost
    responses (the spec's client sends one request at a time: a lost response would end its session)."""
    return GenConfig(events=events, clients=clients, keys=1, elections=5, lose_response=0.0)


# Runs a command and reports the CPU and peak RSS of it and its descendants (the JVM) alone: the bench's
# own RUSAGE_CHILDREN peak would be the largest child's so far (the 10^6 check's).
_RUSAGE = (
    "import resource, subprocess, sys; rc = subprocess.run(sys.argv[1:]).returncode; "
    "r = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(f'\\nRUSAGE {r.ru_utime + r.ru_stime} {r.ru_maxrss}', file=sys.stderr); sys.exit(rc)"
)


def _validate(path: Path, timeout: float) -> dict:
    """``tracecheck validate --spec consistency`` on one history, in a child process."""
    t = time.perf_counter()
    cmd = [sys.executable, "-c", _RUSAGE]
    cmd += [sys.executable, "-m", "tracecheck", "validate", "--spec", "consistency", "-j", "1", "--json"]
    cmd.append(str(path))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # Its own process group, so a timeout stops the JVM too (killing the Python parent alone leaves it).
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env,
                            start_new_session=True)  # fmt: skip
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"status": "timeout", "wall": None, "timeout": timeout}
    wall = time.perf_counter() - t
    usage = next((line.split() for line in reversed(stderr.splitlines()) if line.startswith("RUSAGE ")), None)
    cpu, rss = (float(usage[1]), int(usage[2])) if usage else (None, None)
    status, states = f"exit {proc.returncode}", None
    try:
        report = json.loads(stdout)
        verdict = report["traces"][0]
        status, states = verdict.get("status", status), verdict.get("distinct_states")
        if status == "rejected":
            status += f" at line {verdict.get('failing_event', {}).get('line', '?')}"
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        pass
    return {"status": status, "wall": wall, "cpu": cpu, "rss_kb": rss, "states": states}


def _service_history(folder: Path, seed: int, events: int, clients: int) -> list[str]:
    """A one-key history of pyccf's simulated service with at least ``events`` events (more
    transactions until it has them), as its lines."""
    txs = max(20, events // 10)
    while True:
        path = folder / f"service-{clients}c-{txs}txs-seed{seed}.ndjson"
        if not path.exists():
            cmd = [sys.executable, "-m", "pyccf", "service", "run", "--history", str(path), "--keys", "1",
                   "--txs", str(txs), "--clients", str(clients), "--seed", str(seed),
                   "--out", str(folder / f"service-run-{txs}-{seed}")]  # fmt: skip
            env = {**os.environ, "PYTHONPATH": str(REPO)}
            subprocess.run(cmd, check=True, cwd=REPO, env=env, stdout=subprocess.DEVNULL)
        lines = path.read_text().splitlines()
        if len(lines) >= events:
            return lines
        txs *= 2


def _tlc_side_by_side(
    sizes: list[int], seed: int, folder: Path, timeout: float, clients: int, source: str
) -> None:
    if not sizes:
        return
    if source == "service":
        lines = _service_history(folder, seed, max(sizes), clients)
        print(
            "\nTLC side by side: a one-key history of pyccf's service (pyccf service run --history --keys 1, "
            f"{clients} clients, seed {seed}), the first N events. The spec replays one key only, and the "
            "generator's one-key histories are intractable for TLC (docs/history.md)."
        )
    else:
        lines = [json.dumps(e, separators=(",", ":")) for e in generate(seed, _one_key(max(sizes), clients))]
        print(
            f"\nTLC side by side: one-key histories (the same generator with keys=1, {clients} clients, 5 "
            f"elections, no lost responses, seed {seed}: the spec replays one key only), the first N events"
        )
    head = "| Events | TLC verdict | TLC wall | CPU (Python + JVM) | Peak RSS | Distinct states |"
    print(head + " Python checker CPU | Python verdict |")
    print("|---:|---|---:|---:|---:|---:|---:|---|")
    for n in sizes:
        path = folder / f"one-key-{source}-{n}-seed{seed}.ndjson"
        path.write_text("".join(line + "\n" for line in lines[:n]))
        py = _check(path)
        v = _validate(path, timeout)
        wall = f"> {v['timeout']:.0f} s" if v["wall"] is None else f"{v['wall']:.1f} s"
        cpu = f"{v['cpu']:.1f} s" if v.get("cpu") is not None else "-"
        rss = f"{v['rss_kb'] / 1024:,.0f} MB" if v.get("rss_kb") is not None else "-"
        states = f"{v['states']:,}" if v.get("states") is not None else "-"
        row = f"| {min(n, len(lines)):,} | {v['status']} | {wall} | {cpu} | {rss} | {states} |"
        verdict = "ok" if py["ok"] else f"{py['violations']} violations"
        print(f"{row} {py['cpu'] * 1000:.0f} ms | {verdict} |", flush=True)


ANCHORS = (
    "Published anchors: Elle (Jepsen's checker) 100-160k transactions/s on a JVM with a 60 GB heap; "
    "Porcupine (linearizability) exponential on hard histories."
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--keep", type=Path, help="Keep the histories in this folder (and reuse them).")
    ap.add_argument("--tlc-sizes", type=int, nargs="*", default=[500, 1000, 2000])
    ap.add_argument("--tlc-timeout", type=float, default=1800.0, help="Seconds per TLC run.")
    ap.add_argument("--tlc-clients", type=int, default=3, help="Sessions of the TLC histories.")
    ap.add_argument("--tlc-seed", type=int, default=3, help="Seed of the TLC history.")
    ap.add_argument("--tlc-source", choices=("service", "generator"), default="service",
                    help="Where the one-key TLC histories come from.")  # fmt: skip
    args = ap.parse_args()
    rows = {}
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for n in args.sizes:
            path = folder / f"history-{n}-seed{args.seed}.ndjson"
            t = time.perf_counter()
            if not path.exists():
                write_history(path, generate(args.seed, _config(n)))
            made = time.perf_counter() - t
            views = len({line.split('"tx_id":[', 1)[1].split(",", 1)[0]
                         for line in path.open() if '"tx_id":[' in line})  # fmt: skip
            runs = [_check(path) for _ in range(args.repeat)]
            best = min(runs, key=lambda r: r["cpu"])
            rows[n] = best
            size = path.stat().st_size / 1e6
            print(
                f"{n:>9,} events ({size:,.0f} MB, {views} views, made in {made:.1f} s): "
                f"CPU {best['cpu']:.2f} s, {n / best['cpu']:,.0f} events/s (wall {best['wall']:.2f} s), "
                f"peak RSS {best['hwm_kb'] / 1024:,.0f} MB, ok={best['ok']} ({best['violations']} reported)",
                flush=True,
            )
        if 100_000 in rows and 1_000_000 in rows:
            growth = rows[1_000_000]["cpu"] / rows[100_000]["cpu"]
            print(f"growth 10^5 -> 10^6 (CPU): {growth:.1f}x (target <= 12x)")
        print(f"load average after the Python checker: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        tlc = (args.tlc_timeout, args.tlc_clients, args.tlc_source)
        _tlc_side_by_side(args.tlc_sizes, args.tlc_seed, folder, *tlc)
    print(ANCHORS)
    print(f"load average after the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
