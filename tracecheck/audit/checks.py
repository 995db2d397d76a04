"""Signature checks on a thread pool, reported in ledger order.

About half of an audit's time is the two ECDSA P-384 verifications of each signature transaction. OpenSSL
releases the GIL while it verifies, so a few threads verify while the main thread reads and hashes the
entries that follow. Failures keep the sequential order: before any failure is raised, every earlier check
is resolved and the earliest failing one wins, so the report is the one a sequential audit gives. The
number of pending checks is bounded, so memory does not grow with the ledger.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from tracecheck.audit.errors import AuditFailure

WINDOW = 64  # pending checks at most: the main thread waits for the oldest beyond that


def default_workers() -> int:
    """Threads that verify: one per core this process may use, at most 4 (1: verify in line)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(4, cores))


class OrderedChecks:
    """Runs ``verifies`` callables (True if the signature verifies) and raises the earliest failure."""

    def __init__(self, workers: int | None = None) -> None:
        workers = default_workers() if workers is None else workers
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="audit-verify") if workers > 1 else None
        self._pending: deque[tuple[Future[bool], AuditFailure]] = deque()

    def submit(self, verifies: Callable[[], bool], failure: AuditFailure) -> None:
        if self._pool is None:
            if not verifies():
                raise failure
            return
        self._pending.append((self._pool.submit(verifies), failure))
        while len(self._pending) > WINDOW:
            self._resolve_oldest()

    def _resolve_oldest(self) -> None:
        future, failure = self._pending.popleft()
        if not future.result():
            self._pending.clear()
            raise failure

    def drain(self) -> None:
        """Resolve every pending check in order; raises the earliest failure."""
        while self._pending:
            self._resolve_oldest()

    def close(self) -> None:
        self._pending.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
