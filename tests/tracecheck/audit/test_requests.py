"""Members' signed requests in CCF's ledgers: checked against the members in office; each forgery caught."""

from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path

import cbor2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

from pyccf.formats.governance import HEADER_MSG_TYPE as MSG_TYPE
from pyccf.formats.governance import GovTable
from tests.paths import CCF_LEDGERS, needs_ccf_ledgers
from tracecheck.audit.errors import AuditFailure
from tracecheck.audit.governance import GovernanceReplay
from tracecheck.audit.reader import Entry, list_chunks, read_chunk

pytestmark = needs_ccf_ledgers

FLIPFLOP = CCF_LEDGERS / "cose_flipflop_service"


def entries(folder: Path) -> list[Entry]:
    return [e for c in list_chunks(folder / "ledger", uncommitted=True) for e in read_chunk(c)]


def replay(items: list[Entry]) -> GovernanceReplay:
    r = GovernanceReplay()
    for e in items:
        r.apply(e)
    return r


def request(entry: Entry, table: str = GovTable.COSE_HISTORY) -> tuple[bytes, list[object]]:
    """The member id and the decoded COSE_Sign1 of the first signed request ``entry`` records in ``table``."""
    key, value = next(iter(entry.writes[table].items()))
    assert value is not None
    encoded = json.loads(value) if table == GovTable.COSE_HISTORY else json.loads(value)["cose_sign1_req"]
    return key, cbor2.loads(base64.b64decode(encoded)).value


def sign(protected: dict[object, object], payload: bytes, key: ec.EllipticCurvePrivateKey) -> str:
    raw = cbor2.dumps(protected)
    der = key.sign(cbor2.dumps(["Signature1", raw, b"", payload]), ec.ECDSA(hashes.SHA384()))
    r, s = utils.decode_dss_signature(der)
    size = (key.curve.key_size + 7) // 8
    sig = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    return base64.b64encode(cbor2.dumps(cbor2.CBORTag(18, [raw, {}, payload, sig]))).decode()


def member_key() -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key((FLIPFLOP / "common" / "member0_privk.pem").read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def with_write(entry: Entry, table: str, key: bytes, value: bytes | None) -> Entry:
    writes = {t: dict(kv) for t, kv in entry.writes.items()}
    writes.setdefault(table, {})[key] = value
    return dataclasses.replace(entry, writes=writes)


def ballot_index(items: list[Entry]) -> int:
    for i, e in enumerate(items):
        if GovTable.COSE_HISTORY in e.writes and cbor2.loads(request(e)[1][0])[MSG_TYPE] == "ballot":  # type: ignore[arg-type]
            return i
    raise AssertionError("no ballot in the ledger")


def test_ccfs_requests_verify_and_back_every_ballot() -> None:
    items = entries(FLIPFLOP)
    gov = replay(items).gov
    assert gov.proposals and all(p.ballots for p in gov.proposals.values() if p.state == "Accepted")
    i = ballot_index(items)
    r = replay(items[:i])
    r.apply(items[i])
    assert r.signed_ballots  # the ballot transaction's signed ballot was checked and matched


def test_the_member_certificate_really_signs_the_ccf_requests() -> None:
    items = entries(FLIPFLOP)
    member, (protected, _, payload, _) = request(items[ballot_index(items)])
    cert = x509.load_pem_x509_certificate((FLIPFLOP / "common" / "member0_cert.pem").read_bytes())
    assert cert.public_key() == member_key().public_key()  # so a re-signed request is a genuine member's
    assert isinstance(protected, bytes) and isinstance(payload, bytes) and member


def test_a_ballot_signed_by_another_key_is_caught() -> None:
    items = entries(FLIPFLOP)
    i = ballot_index(items)
    member, (protected, _, payload, _) = request(items[i])
    forged = sign(cbor2.loads(protected), payload, ec.generate_private_key(ec.SECP384R1()))  # type: ignore[arg-type]
    items[i] = with_write(items[i], GovTable.COSE_HISTORY, member, json.dumps(forged).encode())
    with pytest.raises(AuditFailure, match="signature does not verify") as exc:
        replay(items)
    assert exc.value.seqno == items[i].seqno


def test_a_request_by_someone_not_in_office_is_caught() -> None:
    items = entries(FLIPFLOP)
    i = ballot_index(items)
    member, (protected, _, payload, _) = request(items[i])
    stranger = b"ab" * 32
    header = {**cbor2.loads(protected), 4: stranger}  # type: ignore[arg-type]
    forged = sign(header, payload, ec.generate_private_key(ec.SECP384R1()))
    items[i] = with_write(items[i], GovTable.COSE_HISTORY, stranger, json.dumps(forged).encode())
    with pytest.raises(AuditFailure, match="not a member in office"):
        replay(items)


def test_a_ballot_without_its_signed_request_is_caught() -> None:
    items = entries(FLIPFLOP)
    i = ballot_index(items)
    writes = {t: kv for t, kv in items[i].writes.items() if t != GovTable.COSE_HISTORY}
    items[i] = dataclasses.replace(items[i], writes=writes)
    with pytest.raises(AuditFailure, match="without that member's signed ballot"):
        replay(items)


def test_a_ballot_changed_after_it_was_signed_is_caught() -> None:
    """Re-signed by the genuine member over another ballot, the recorded one no longer matches."""
    items = entries(FLIPFLOP)
    i = ballot_index(items)
    member, (protected, _, _payload, _) = request(items[i])
    other = json.dumps({"ballot": "export function vote (proposal, proposerId) { return false }"}).encode()
    resigned = sign(cbor2.loads(protected), other, member_key())  # type: ignore[arg-type]
    items[i] = with_write(items[i], GovTable.COSE_HISTORY, member, json.dumps(resigned).encode())
    with pytest.raises(AuditFailure, match="is not the one recorded"):
        replay(items)


def test_an_ack_of_another_digest_is_caught() -> None:
    items = entries(FLIPFLOP)
    i = next(
        i
        for i, e in enumerate(items)
        if any(v and b"cose_sign1_req" in v for v in e.writes.get(GovTable.MEMBERS_ACKS, {}).values())
    )
    member, value = next(iter(items[i].writes[GovTable.MEMBERS_ACKS].items()))
    assert value is not None
    ack = {**json.loads(value), "state_digest": "00" * 32}
    items[i] = with_write(items[i], GovTable.MEMBERS_ACKS, member, json.dumps(ack).encode())
    with pytest.raises(AuditFailure, match="signed ack is not the recorded one"):
        replay(items)


def test_the_failure_names_the_table_plainly() -> None:
    items = entries(FLIPFLOP)
    i = ballot_index(items)
    writes = {t: kv for t, kv in items[i].writes.items() if t != GovTable.COSE_HISTORY}
    items[i] = dataclasses.replace(items[i], writes=writes)
    with pytest.raises(AuditFailure) as exc:
        replay(items)
    assert "field 'public:ccf.gov.proposals_info'" in str(exc.value) and "GovTable" not in str(exc.value)
    assert exc.value.to_json()["field"] == "public:ccf.gov.proposals_info"
