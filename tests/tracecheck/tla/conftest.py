"""Every test here starts with the signal handlers the session started with, whatever an earlier test did.

``tracecheck``'s CLI installs a SIGTERM handler when invoked (in-process under ``CliRunner`` too) and never
restores it; tests of Ctrl-C and kill behaviour must not depend on which tests ran before them.
"""

from __future__ import annotations

import signal

import pytest

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@pytest.fixture(autouse=True)
def _restore_signal_handlers():
    before = {s: signal.getsignal(s) for s in _SIGNALS}
    yield
    for sig, handler in before.items():
        if handler is not None:
            signal.signal(sig, handler)
