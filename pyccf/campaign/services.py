"""Service runs as campaign work: each seed is ``pyccf service run --history`` (the consensus core carrying
the list-append clients, with faults), and every artefact of the run is judged by its independent
checker: the raft trace by TLC against the consensus spec (the batch's traces in one TLC run), every
node's ledger and every receipt by the offline auditor, the clients' history by the consistency checker.

A service run is one seed, not a scenario file: a failure is replayed by its seed (the record's
``replay`` command), not shrunk.
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pyccf.campaign.results import SEED, SeedVerdict
from pyccf.campaign.settings import one_core_per_worker
from pyccf.campaign.shrinking import SIM_VERDICTS
from pyccf.campaign.work import validate_traces
from pyccf.formats.history import CONSISTENCY_BUGS
from pyccf.formats.variants import CCF_VERSION_DEFAULT
from pyccf.sim.simulate import VERDICTS

_ORDER = list(SeedVerdict)
HISTORY = "history.ndjson"
TRACE = "raft_trace.ndjson"


@dataclass(frozen=True)
class ServiceSettings:
    """How every seed's service run is made (``pyccf service run``'s options) and which checks run."""

    nodes: int = 3
    clients: int = 4
    txs: int = 40
    keys: int = 1
    faults: float = 0.3
    bug: str | None = None  # a seeded consistency bug (pyccf.formats.history.CONSISTENCY_BUGS)
    validate: bool = True  # validate each raft trace with TLC against the consensus spec

    def __post_init__(self) -> None:
        if self.bug is not None and self.bug not in CONSISTENCY_BUGS:
            raise ValueError(f"unknown consistency bug {self.bug!r} (known: {', '.join(CONSISTENCY_BUGS)})")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def replay(self, seed: int, verdict: SeedVerdict, where: str) -> str:
        """The commands that make the seed's run again (into ``run_SEED/``) and repeat the failed check."""
        bug = f" --bug {self.bug}" if self.bug else ""
        run = (f"mkdir -p run_{seed} && pyccf service run --seed {seed} --nodes {self.nodes} "
               f"--clients {self.clients} --txs {self.txs} --keys {self.keys} --faults {self.faults}{bug} "
               f"--history run_{seed}/{HISTORY} --out run_{seed}")  # fmt: skip
        path = where.rsplit(":", 1)[0]
        cert = f"--service-cert run_{seed}/service_cert.pem"
        check = {
            SeedVerdict.CONSISTENCY: f"tracecheck history check {path}",
            SeedVerdict.AUDIT: (f"tracecheck audit receipt {path} {cert}" if "/receipts/" in path
                                else f"tracecheck audit ledger {path} {cert}"),
            SeedVerdict.REJECTED: f"tracecheck validate {path}",
            SeedVerdict.ERROR: f"tracecheck validate {path}",
        }.get(verdict)  # fmt: skip
        return run if check is None else f"{run} ; {check}"


@dataclass
class _Run:
    seed: int
    out: Path
    seconds: float
    failure: Any  # the run's ScenarioAssertionFailed, or None
    events: int
    checks: list[tuple[SeedVerdict, str, str, str]]  # verdict, kind, where, message


@one_core_per_worker()
def run_services(seeds: Sequence[int], settings: ServiceSettings) -> list[dict[str, Any]]:
    """The finished records of ``seeds``, in order. Runs in a worker process."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="pyccf-campaign-") as tmp:
        runs = [_run(seed, Path(tmp) / f"run_{seed}", settings) for seed in seeds]
        traces = (
            validate_traces({r.seed: r.out / TRACE for r in runs if r.events}, CCF_VERSION_DEFAULT)
            if settings.validate
            else {}
        )
        return [_record(r, traces.get(r.seed), settings, worker) for r in runs]


def _run(seed: int, out: Path, settings: ServiceSettings) -> _Run:
    from pyccf.service.run import run_service

    start = time.perf_counter()
    result = run_service(out, nodes=settings.nodes, clients=settings.clients, txs=settings.txs, seed=seed,
                         faults=settings.faults, history=out / HISTORY, keys=settings.keys,
                         bug=settings.bug)  # fmt: skip
    seconds = time.perf_counter() - start
    events = sum(1 for line in (out / TRACE).read_text(encoding="utf-8").splitlines() if line.strip())
    here = f"{out.parent}{os.sep}"  # messages name files as the replay does: under run_SEED/
    checks = [(v, k, w, m.replace(here, "")) for v, k, w, m in _audit(out, seed) + _history(out, seed)]
    return _Run(seed, out, seconds, result.failure, events, checks)


def _audit(out: Path, seed: int) -> list[tuple[SeedVerdict, str, str, str]]:
    """Every node's ledger and every receipt, by the offline auditor (the first problem of each)."""
    from tracecheck.audit.errors import AuditFailure, MalformedLedger
    from tracecheck.audit.ledger import audit_ledger, load_service_cert
    from tracecheck.audit.receipts import ReceiptInvalid, verify_file
    from tracecheck.errors import TracecheckError

    found: list[tuple[SeedVerdict, str, str, str]] = []
    cert = load_service_cert(out / "service_cert.pem")
    for folder in sorted((out / "ledgers").iterdir()):
        try:
            audit_ledger(folder, service_cert=cert, workers=1)
        except (AuditFailure, MalformedLedger) as exc:
            found.append((SeedVerdict.AUDIT, "ledger", f"run_{seed}/ledgers/{folder.name}", str(exc)))
    for path in sorted((out / "receipts").glob("*")):
        try:
            verify_file(path, cert)
        except (ReceiptInvalid, TracecheckError) as exc:
            found.append((SeedVerdict.AUDIT, "receipt", f"run_{seed}/receipts/{path.name}", str(exc)))
    return found[:1]


def _history(out: Path, seed: int) -> list[tuple[SeedVerdict, str, str, str]]:
    """The clients' history by the fast consistency checker (CCF's guarantees; read-only
    non-linearizability is CCF's documented behaviour and not a failure)."""
    from tracecheck.errors import TracecheckError
    from tracecheck.history import check_file

    path = out / HISTORY
    try:
        report = check_file(path)
    except TracecheckError as exc:  # the service wrote a history its checker cannot read
        return [(SeedVerdict.CONSISTENCY, "unreadable", f"run_{seed}/{HISTORY}", str(exc))]
    if report.ok:
        return []
    first = report.failing()[0]
    where = f"run_{seed}/{HISTORY}:{first.lines[0]}" if first.lines else f"run_{seed}/{HISTORY}"
    return [(SeedVerdict.CONSISTENCY, first.property, where, first.message)]


def _record(run: _Run, validated: Any, settings: ServiceSettings, worker: str) -> dict[str, Any]:
    candidates = list(run.checks)
    if run.failure is not None:
        # as the simulator judges a failed line (a final sync failing is CCF's stuck follower)
        failed = SIM_VERDICTS.get(VERDICTS[run.failure.kind], SeedVerdict.ASSERTION)
        candidates.append(
            (failed, run.failure.command, f"run_{run.seed}:{run.failure.line}", str(run.failure))
        )
    trace: dict[str, Any] = {"validated": validated is not None}
    tlc_seconds = 0.0
    if validated is not None:
        verdict, tlc_seconds = validated
        status = verdict.status
        trace.update(status=status, seconds=round(tlc_seconds, 3))
        where = f"run_{run.seed}/{TRACE}"
        if status == "rejected" and verdict.failing is not None:
            event = str(verdict.failing.fields().get("event", ""))
            trace.update(line=verdict.failing.line, event=event)
            line = verdict.failing.line
            candidates.append((SeedVerdict.REJECTED, event, f"{where}:{line}", verdict.message))
        elif status != "accepted":
            candidates.append((SeedVerdict.ERROR, "tlc", where, verdict.message))
    candidates.sort(key=lambda c: _ORDER.index(c[0]))
    verdict_name, kind, where, message = candidates[0] if candidates else (SeedVerdict.OK, "", "", "")
    found = verdict_name is not SeedVerdict.OK
    return {
        "record": SEED,
        "seed": run.seed,
        "verdict": str(verdict_name),
        "kind": kind,
        "where": where,
        "message": message,
        "lines": 0,
        "events": run.events,
        "sim_seconds": round(run.seconds, 3),
        "trace": trace,
        "seconds": round(run.seconds + tlc_seconds, 3),
        "worker": worker,
        "scenario": None,
        "shrunk": None,
        "replay": settings.replay(run.seed, verdict_name, where) if found else None,
    }
