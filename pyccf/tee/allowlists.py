"""The join allowlists as read from the store, and what the genesis transaction writes to them.

Keys are the allowlisted strings' bytes and values JSON, as CCF's constitution writes them
(``ccf.strToBuf(...)``, ``ccf.jsonCompatibleToBuf(...)``), so entries written by governance proposals and
by the genesis transaction read alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from pyccf.formats.attestation import CODE_STATUS_ALLOWED, AllowlistTable, QuoteFormat
from pyccf.formats.ledger import SINGLETON_KEY
from pyccf.tee.errors import AttestationFormatError
from pyccf.tee.evidence import Evidence
from pyccf.tee.tcb import TcbVersion

Tables = Mapping[str, Mapping[bytes, bytes]]  # table name -> key -> value, e.g. ``Store.state()``
_ALLOWED = json.dumps(CODE_STATUS_ALLOWED).encode()


@dataclass(frozen=True)
class Allowlists:
    virtual_measurements: frozenset[str] = frozenset()
    virtual_host_data: frozenset[str] = frozenset()
    snp_measurements: frozenset[str] = frozenset()
    snp_host_data: frozenset[str] = frozenset()
    snp_tcb_versions: Mapping[str, TcbVersion] = field(default_factory=dict)  # CPUID hex -> minimum

    @classmethod
    def from_tables(cls, tables: Tables) -> Allowlists:
        """Read the allowlist tables (absent ones are empty); measurements count if ``AllowedToJoin``."""

        def keys(table: AllowlistTable) -> frozenset[str]:
            return frozenset(_text(key, table) for key in tables.get(table, {}))

        def allowed(table: AllowlistTable) -> frozenset[str]:
            rows = tables.get(table, {})
            return frozenset(
                _text(key, table) for key, value in rows.items() if _status(value) == CODE_STATUS_ALLOWED
            )

        tcbs = {
            _text(key, AllowlistTable.SNP_TCB_VERSIONS): TcbVersion.from_policy_json(
                value, f"{AllowlistTable.SNP_TCB_VERSIONS}[{key!r}]"
            )
            for key, value in tables.get(AllowlistTable.SNP_TCB_VERSIONS, {}).items()
        }
        return cls(
            virtual_measurements=allowed(AllowlistTable.VIRTUAL_MEASUREMENTS),
            virtual_host_data=keys(AllowlistTable.VIRTUAL_HOST_DATA),
            snp_measurements=allowed(AllowlistTable.SNP_MEASUREMENTS),
            snp_host_data=keys(AllowlistTable.SNP_HOST_DATA),
            snp_tcb_versions=tcbs,
        )


def genesis_writes(evidence: Evidence, security_policy: str = "") -> dict[str, dict[bytes, bytes]]:
    """What the service-creating transaction writes so that its first node satisfies the allowlists.

    As CCF's ``/create``: the node's own measurement and host data; on SNP also its CPUID's minimum TCB,
    the node's reported TCB, and the raw security policy beside its host data.
    """
    if evidence.format is QuoteFormat.VIRTUAL:
        writes = {AllowlistTable.VIRTUAL_MEASUREMENTS.value: {evidence.measurement.encode(): _ALLOWED}}
        if evidence.host_data is not None:
            writes[AllowlistTable.VIRTUAL_HOST_DATA.value] = {evidence.host_data.encode(): SINGLETON_KEY}
        return writes
    snp = evidence.snp
    assert evidence.host_data is not None and snp is not None
    return {
        AllowlistTable.SNP_MEASUREMENTS.value: {evidence.measurement.encode(): _ALLOWED},
        AllowlistTable.SNP_HOST_DATA.value: {
            evidence.host_data.encode(): json.dumps(security_policy).encode()
        },
        AllowlistTable.SNP_TCB_VERSIONS.value: {
            snp.cpuid.encode(): snp.reported_tcb.policy_json(snp.product)
        },
    }


def _text(key: bytes, table: str) -> str:
    try:
        return key.decode()
    except UnicodeDecodeError:
        raise AttestationFormatError(f"{table}[{key!r}]", "the key is not UTF-8") from None


def _status(value: bytes) -> object:
    try:
        return json.loads(value)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
