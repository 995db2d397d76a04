"""The governance vocabulary agrees with what the auditor reads and with CCF's encodings."""

from __future__ import annotations

import pytest

from pyccf.formats.governance import GOV_PREFIX, MAX_CREATED_AT, GovTable, recent_proposal_key
from tracecheck.audit import governance as audit


def test_auditor_reads_the_tables_the_engine_writes() -> None:
    assert audit.MEMBERS_CERTS == GovTable.MEMBERS_CERTS
    assert audit.MEMBERS_INFO == GovTable.MEMBERS_INFO
    assert audit.MEMBERS_ACKS == GovTable.MEMBERS_ACKS
    assert audit.USERS_CERTS == GovTable.USERS_CERTS
    assert audit.CONSTITUTION == GovTable.CONSTITUTION
    assert audit.PROPOSALS == GovTable.PROPOSALS
    assert audit.PROPOSALS_INFO == GovTable.PROPOSALS_INFO
    assert all(t.startswith(GOV_PREFIX) for t in GovTable)


@pytest.mark.parametrize(("created_at", "key"), [(0, "0000000000:ab"), (1_700_000_000, "1700000000:ab")])
def test_recent_proposal_keys_sort_by_time(created_at: int, key: str) -> None:
    assert recent_proposal_key(created_at, "ab") == key
    assert recent_proposal_key(9, "ff") < recent_proposal_key(10, "00")  # zero-padded: text order = time
    assert len(recent_proposal_key(MAX_CREATED_AT, "")) == 11
