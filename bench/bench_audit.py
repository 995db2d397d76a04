"""The offline auditor against CCF's own ``read_ledger`` on the same ledgers, in one run.

    .venv/bin/python bench/bench_audit.py [--txs 100000] [--small 10000] [--repeat 3]

Ledgers: CCF's two shared ledgers (both tools with ``--uncommitted``) and a pyccf ledger of ``--txs``
transactions written once into a temporary folder by ServiceWriter (one 100-byte public write each, a
signature every 100). The auditor is ``tracecheck.audit.ledger.audit_ledger`` called in this process (its
signature checks on its default thread pool, one thread per core; also timed verifying in line); the
anchor is ``python -m ccf.read_ledger DIR --verification-level FULL -q`` in the oracle's interpreter
(tests/oracle.py), timed as a subprocess, with its start-up (the same interpreter importing
``ccf.read_ledger`` and reading nothing) measured in the same run and subtracted. Each time is the best of
``--repeat`` runs (the machine is shared). On CCF's small ledgers both tools take milliseconds, so
their ratio there is mostly noise around the subtracted start-up; the long ledger is the measure. Peak
memory of the auditor is measured in a child process (tracemalloc peak and the peak resident set, VmHWM)
for ``--small`` and ``--txs`` transactions: it must not grow with the ledger's length.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pyccf.kv.store import Transaction  # noqa: E402
from pyccf.ledger.secrets import LedgerSecret  # noqa: E402
from pyccf.service.identity import derive_key, node_identity, service_identity  # noqa: E402
from pyccf.service.writer import ServiceWriter  # noqa: E402
from tests.oracle import oracle_python  # noqa: E402
from tests.paths import CCF_LEDGERS  # noqa: E402
from tracecheck.audit.ledger import audit_ledger, load_service_cert  # noqa: E402

CLOCK = datetime(2025, 1, 1, tzinfo=UTC)
VALUE = bytes(range(100))
MAP = "public:bench.kv"
SHARED = CCF_LEDGERS  # ../shared/ccf_ledgers, or $PYCCF_SHARED/ccf_ledgers
SHARED_LEDGERS = ("acme_containing_service", "cose_flipflop_service")

MEMORY_CHILD = """
import json, resource, sys, tracemalloc
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from tracecheck.audit.ledger import audit_ledger
tracemalloc.start()
summary = audit_ledger(Path(sys.argv[2]), uncommitted=True)
peak = tracemalloc.get_traced_memory()[1]
# VmHWM is this address space's own peak; ru_maxrss survives exec, so counts the parent's at fork
status = Path("/proc/self/status")
lines = status.read_text().splitlines() if status.exists() else []
hwm = [line.split()[1] for line in lines if line.startswith("VmHWM:")]
rss = int(hwm[0]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"transactions": summary.transactions, "tracemalloc_peak": peak, "maxrss_kib": rss}))
"""


def write_ledger(folder: Path, txs: int) -> Path:
    """A one-node pyccf service's ledger: ``txs`` transactions (genesis and signatures included)."""
    validity = timedelta(days=365)
    service = service_identity(derive_key(b"bench service", "service"), not_before=CLOCK, validity=validity)
    node = node_identity(derive_key(b"bench node", "node"), service, not_before=CLOCK, validity=validity)
    writer = ServiceWriter(
        folder, service, node, LedgerSecret.from_seed(b"bench"), CLOCK, signature_every=100
    )
    writer.genesis(encryption_pub_key=node.public_key_pem)
    i = 0
    while writer.seqno < txs - 1:

        def body(tx: Transaction, i: int = i) -> None:
            tx.put(MAP, b"key%05d" % (i % 1000), VALUE)

        writer.execute(body)
        i += 1
    if writer.last_signature != writer.seqno:
        writer.sign()
    writer.commit()
    return folder


def best(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def oracle_run(python: Path, *args: str) -> None:
    done = subprocess.run([str(python), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"oracle failed on {args}:\n{done.stdout}{done.stderr}")


def compare(name: str, folder: Path, python: Path, startup: float, repeat: int) -> dict[str, object]:
    count = audit_ledger(folder, uncommitted=True).transactions
    ours = best(lambda: audit_ledger(folder, uncommitted=True), repeat)
    inline = best(lambda: audit_ledger(folder, uncommitted=True, workers=1), repeat)  # no verify threads
    read = ["-m", "ccf.read_ledger", str(folder), "--verification-level", "FULL", "-q", "--uncommitted"]
    theirs = best(lambda: oracle_run(python, *read), repeat)
    net = max(theirs - startup, 1e-9)
    row = {
        "ledger": name,
        "transactions": count,
        "auditor_s": round(ours, 4),
        "oracle_s": round(theirs, 4),
        "oracle_net_s": round(net, 4),
        "auditor_tx_per_s": round(count / ours),
        "oracle_tx_per_s": round(count / net),
        "ratio": round(net / ours, 2),
        "auditor_1_thread_tx_per_s": round(count / inline),
        "ratio_1_thread": round(net / inline, 2),
    }
    print(
        f"{name:28} {count:>7} tx  auditor {count / ours:>9.0f} tx/s  oracle {count / net:>9.0f} tx/s "
        f"(net of start-up)  ratio {net / ours:5.2f}x  (verifying in line: {count / inline:.0f} tx/s, "
        f"{net / inline:.2f}x)",
        flush=True,
    )
    return row


def memory(folder: Path) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD, str(REPO), str(folder)], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"memory child failed:\n{done.stderr}")
    result: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--txs", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    python = oracle_python()
    startup = best(lambda: oracle_run(python, "-c", "import ccf.read_ledger"), args.repeat)
    print(f"oracle interpreter start-up (import ccf.read_ledger): {startup:.3f} s", flush=True)
    rows = []
    for name in SHARED_LEDGERS:
        load_service_cert(SHARED / name / "common" / "service_cert.pem")  # the shared data is present
        rows.append(compare(name, SHARED / name / "ledger", python, startup, args.repeat))
    with tempfile.TemporaryDirectory() as tmp:
        sizes = {}
        for txs in (args.small, args.txs):
            start = time.perf_counter()
            folder = write_ledger(Path(tmp) / f"pyccf-{txs}", txs)
            print(
                f"wrote a {txs}-transaction pyccf ledger in {time.perf_counter() - start:.1f} s", flush=True
            )
            sizes[txs] = memory(folder)
            peak, rss = sizes[txs]["tracemalloc_peak"] / 1e6, sizes[txs]["maxrss_kib"] / 1024
            print(
                f"auditor peak memory at {txs:>7} tx: tracemalloc {peak:.2f} MB, peak RSS {rss:.1f} MiB",
                flush=True,
            )
        rows.append(
            compare(f"pyccf {args.txs}", Path(tmp) / f"pyccf-{args.txs}", python, startup, args.repeat)
        )
    growth = sizes[args.txs]["tracemalloc_peak"] / sizes[args.small]["tracemalloc_peak"]
    print(f"memory growth {args.small} -> {args.txs} tx: {growth:.2f}x (tracemalloc peak)")
    print(json.dumps({"oracle_startup_s": round(startup, 4), "rows": rows, "memory": sizes}))


if __name__ == "__main__":
    main()
