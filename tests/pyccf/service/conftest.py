"""Deterministic identities for the service tests: one service, a node it endorses, and a foreign service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pyccf.service.identity import Identity, NodeIdentity, derive_key, node_identity, service_identity

#: The fixed clock of every test certificate; long-lived because the oracle validates paths at the real time.
START = datetime(2025, 1, 1, tzinfo=UTC)
VALIDITY = timedelta(days=365 * 200)


@pytest.fixture(scope="session")
def service() -> Identity:
    return service_identity(derive_key(b"service seed", "service"), not_before=START, validity=VALIDITY)


@pytest.fixture(scope="session")
def node(service: Identity) -> NodeIdentity:
    return node_identity(derive_key(b"node seed", "node"), service, not_before=START, validity=VALIDITY)


@pytest.fixture(scope="session")
def foreign_service() -> Identity:
    return service_identity(derive_key(b"another seed", "service"), not_before=START, validity=VALIDITY)
