"""Signed governance requests: forged, tampered, replayed and mistyped requests are refused."""

from __future__ import annotations

import json

import cbor2
import pytest

from pyccf.formats.governance import HEADER_MSG_TYPE, GovTable, MsgType, ProposalState
from pyccf.governance.requests import (
    RequestRefused,
    member_from_seed,
    proposal_id,
    sign_request,
    verify_request,
)
from tests.pyccf.governance.helpers import NO, ROOT, SEED, YES, needs_constitutions, new_service, proposal

pytestmark = needs_constitutions

BODY = proposal(("set_recovery_threshold", {"recovery_threshold": 1}))


def test_signatures_are_deterministic_and_verify() -> None:
    m = member_from_seed(SEED, "m0")
    again = member_from_seed(SEED, "m0")
    assert m.id == again.id and len(m.id) == 64
    raw = m.sign(MsgType.PROPOSAL, BODY, created_at=5)
    assert raw == again.sign(MsgType.PROPOSAL, BODY, created_at=5)
    req = verify_request(raw, {m.id: m.cert_pem}.get, MsgType.PROPOSAL)
    assert (req.member_id, req.created_at, req.payload) == (m.id, 5, BODY)
    assert proposal_id(ROOT, req) != proposal_id(bytes(32), req)  # bound to the state read


def test_key_not_in_members_certs_is_refused() -> None:
    svc = new_service(3)
    outsider = member_from_seed(b"another consortium", "m0")
    with pytest.raises(RequestRefused, match="Signer is not a known member"):
        svc.gov.propose(outsider.sign(MsgType.PROPOSAL, BODY, created_at=svc.tick()))


def test_kid_of_a_member_signed_by_another_key_is_refused() -> None:
    svc = new_service(3)
    outsider = member_from_seed(b"another consortium", "m0")
    forged = sign_request(outsider.key, svc.members["m0"].id, MsgType.PROPOSAL, BODY, created_at=svc.tick())
    with pytest.raises(RequestRefused, match="Failed to validate COSE Sign1"):
        svc.gov.propose(forged)


def test_tampered_payload_is_refused() -> None:
    svc = new_service(3)
    raw = svc.members["m0"].sign(MsgType.PROPOSAL, BODY, created_at=svc.tick())
    tag = cbor2.loads(raw)
    protected, unprotected, _, signature = tag.value
    other = proposal(("set_recovery_threshold", {"recovery_threshold": 2}))
    tampered = cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, other, signature]))
    with pytest.raises(RequestRefused, match="Failed to validate COSE Sign1"):
        svc.gov.propose(tampered)
    assert svc.gov.propose(raw).state == ProposalState.OPEN  # the genuine one passes


def test_wrong_message_type_is_refused() -> None:
    svc = new_service(3)
    raw = svc.members["m0"].sign(MsgType.BALLOT, BODY, created_at=svc.tick(), proposal_id="ab" * 32)
    with pytest.raises(RequestRefused, match=f"{HEADER_MSG_TYPE} set to ballot, expected proposal"):
        svc.gov.propose(raw)


def test_not_cose_is_refused() -> None:
    svc = new_service(3)
    for raw in (b"", b"\xff\x00", cbor2.dumps([1, 2, 3]), cbor2.dumps(cbor2.CBORTag(18, [1, 2]))):
        with pytest.raises(RequestRefused, match="Failed to decode COSE Sign1"):
            svc.gov.propose(raw)


def test_replayed_proposal_is_refused_and_writes_nothing() -> None:
    svc = new_service(3)
    raw = svc.members["m0"].sign(MsgType.PROPOSAL, BODY, created_at=svc.tick())
    first = svc.gov.propose(raw)
    assert first.state == ProposalState.OPEN
    before = svc.store.state()
    with pytest.raises(RequestRefused, match="ProposalReplay"):
        svc.gov.propose(raw)
    assert svc.store.state() == before
    # same body, same created_at, even re-signed by another member: still a replay
    again = svc.members["m1"].sign(MsgType.PROPOSAL, BODY, created_at=svc.clock)
    with pytest.raises(RequestRefused, match="ProposalReplay"):
        svc.gov.propose(again)
    # a new created_at is a new proposal
    assert svc.propose("m0", BODY).proposal_id != first.proposal_id


def test_proposal_older_than_the_full_window_is_refused() -> None:
    svc = new_service(3)
    config_key = next(iter(svc.store.state()["public:ccf.gov.service.config"]))
    config = json.loads(svc.store.get("public:ccf.gov.service.config", config_key) or b"{}")
    config["recent_cose_proposals_window_size"] = 4
    tx = svc.store.begin()
    tx.put("public:ccf.gov.service.config", config_key, json.dumps(config).encode())
    tx.commit()
    for i in range(4):
        svc.propose(
            "m0", proposal(("set_recovery_threshold", {"recovery_threshold": 1 + i})), created_at=100 + i
        )
    late = proposal(("set_recovery_threshold", {"recovery_threshold": 9}))
    with pytest.raises(RequestRefused, match="ProposalCreatedTooLongAgo"):
        svc.propose("m0", late, created_at=101)
    svc.propose("m0", late, created_at=200)
    assert len(svc.store.state()[GovTable.COSE_RECENT_PROPOSALS]) == 4  # the oldest left the window


def test_changed_ballot_is_refused_same_ballot_is_idempotent() -> None:
    svc = new_service(3)
    pid = svc.propose("m0", BODY).proposal_id
    svc.vote("m0", pid, YES)
    before = svc.info(pid)
    assert svc.vote("m0", pid, YES).state == ProposalState.OPEN
    assert svc.info(pid) == before
    with pytest.raises(RequestRefused, match="VoteAlreadyExists"):
        svc.vote("m0", pid, NO)
    assert svc.info(pid) == before


def test_ballot_signed_for_another_proposal_is_refused() -> None:
    svc = new_service(3)
    pid = svc.propose("m0", BODY).proposal_id
    m = svc.members["m1"]
    body = json.dumps({"ballot": YES}).encode()
    raw = m.sign(MsgType.BALLOT, body, created_at=svc.tick(), proposal_id="cd" * 32)
    with pytest.raises(RequestRefused, match="does not match URL"):
        svc.gov.ballot(pid, m.id, raw)
    raw = m.sign(MsgType.BALLOT, body, created_at=svc.tick(), proposal_id=pid)
    with pytest.raises(RequestRefused, match="member id does not match URL"):
        svc.gov.ballot(pid, svc.members["m2"].id, raw)


def test_ack_of_another_digest_is_refused() -> None:
    svc = new_service(2, active=False)
    m = svc.members["m0"]
    digest = svc.gov.update_state_digest(m.id, m.sign(MsgType.STATE_DIGEST, b"", created_at=svc.tick()))
    assert digest == ROOT.hex()
    wrong = json.dumps({"stateDigest": "00" * 32}).encode()
    with pytest.raises(RequestRefused, match="StateDigestMismatch"):
        svc.gov.ack(m.id, m.sign(MsgType.ACK, wrong, created_at=svc.tick()))
    assert svc.member_info(m) == {"status": "Accepted"}
    right = json.dumps({"stateDigest": digest}).encode()
    svc.gov.ack(m.id, m.sign(MsgType.ACK, right, created_at=svc.tick()))
    assert svc.member_info(m) == {"status": "Active"}
    ack = json.loads(svc.store.get(GovTable.MEMBERS_ACKS, m.id.encode()) or b"{}")
    assert ack["state_digest"] == digest and "cose_sign1_req" in ack
