"""Proposal lifecycle under CCF's default and veto constitutions, run unchanged."""

from __future__ import annotations

import json

import pytest

from pyccf.formats.governance import GovTable, MsgType, ProposalState
from pyccf.formats.ledger import ServiceStatus
from pyccf.governance.requests import RequestRefused
from tests.pyccf.governance.helpers import NO, needs_constitutions, new_service, proposal

pytestmark = needs_constitutions


def open_service(cert: str) -> bytes:
    return proposal(("transition_service_to_open", {"next_service_identity": cert}))


def test_one_yes_of_three_changes_nothing_a_second_accepts() -> None:
    svc = new_service(3)
    created = svc.propose("m0", open_service(svc.service_cert))
    assert created.state == ProposalState.OPEN
    first = svc.vote("m0", created.proposal_id)
    assert first.state == ProposalState.OPEN
    assert svc.service_status() == ServiceStatus.OPENING
    second = svc.vote("m1", created.proposal_id)
    assert second.state == ProposalState.ACCEPTED
    assert svc.service_status() == ServiceStatus.OPEN
    info = svc.info(created.proposal_id)
    assert info["state"] == "Accepted"
    assert info["final_votes"] == {svc.members["m0"].id: True, svc.members["m1"].id: True}
    assert set(info["ballots"]) == {svc.members["m0"].id, svc.members["m1"].id}


def test_default_resolve_never_rejects_but_veto_does() -> None:
    svc = new_service(3)
    pid = svc.propose("m0", open_service(svc.service_cert)).proposal_id
    assert svc.vote("m1", pid, NO).state == ProposalState.OPEN
    veto = new_service(3, veto=True)
    pid = veto.propose("m0", open_service(veto.service_cert)).proposal_id
    assert veto.vote("m1", pid, NO).state == ProposalState.REJECTED
    assert veto.service_status() == ServiceStatus.OPENING
    assert veto.info(pid)["final_votes"] == {veto.members["m1"].id: False}


def test_accepted_members_are_not_counted_and_cannot_propose() -> None:
    svc = new_service(3, active=False)
    svc.activate("m0")
    # one active member: one yes is a majority of one
    pid = svc.propose("m0", open_service(svc.service_cert)).proposal_id
    assert svc.vote("m0", pid).state == ProposalState.ACCEPTED
    with pytest.raises(RequestRefused, match="Signer is not an active member"):
        svc.propose("m1", open_service(svc.service_cert))


def test_withdraw_by_proposer_only() -> None:
    svc = new_service(3)
    pid = svc.propose("m0", open_service(svc.service_cert)).proposal_id
    with pytest.raises(RequestRefused, match="only be withdrawn by its proposer"):
        svc.withdraw("m1", pid)
    out = svc.withdraw("m0", pid)
    assert out is not None and out.state == ProposalState.WITHDRAWN
    again = svc.withdraw("m0", pid)
    assert again is not None and again.state == ProposalState.WITHDRAWN
    with pytest.raises(RequestRefused, match="ProposalNotOpen"):
        svc.vote("m1", pid)
    assert svc.withdraw("m0", "ab" * 32) is None


def test_invalid_proposal_is_refused_and_writes_nothing() -> None:
    svc = new_service(3)
    before = svc.store.state()
    with pytest.raises(RequestRefused, match="ProposalFailedToValidate"):
        svc.propose("m0", proposal(("no_such_action", {})))
    with pytest.raises(RequestRefused, match="ProposalFailedToValidate"):
        svc.propose("m0", proposal(("set_user", {"cert": "not a certificate"})))
    assert svc.store.state() == before
    assert GovTable.PROPOSALS not in svc.store.state()


def custom(resolve_body: str) -> str:
    return (
        "export function validate(input) { return { valid: true, description: '' } }\n"
        f"export function resolve(proposal, proposerId, votes, proposalId) {{ {resolve_body} }}\n"
        "export function apply(proposal, proposalId) {"
        ' ccf.kv["public:ccf.gov.users.info"].set(ccf.strToBuf(proposalId), ccf.strToBuf("applied")) }\n'
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('throw new Error("resolve broke")', "Failed to resolve(): Error: resolve broke"),
        ('return "Maybe"', "resolve() returned invalid state 'Maybe'"),
    ],
)
def test_resolve_that_throws_or_returns_nonsense_fails_the_proposal(body: str, reason: str) -> None:
    svc = new_service(1, source=custom(body))
    out = svc.propose("m0", proposal(("anything", {})))
    assert out.state == ProposalState.FAILED
    assert out.failure is not None and reason in out.failure
    assert svc.info(out.proposal_id)["failure"]["reason"] == out.failure
    assert GovTable.USERS_INFO not in svc.store.state()


def test_resolve_may_accept_at_creation_and_apply_sees_the_proposal_id() -> None:
    svc = new_service(1, source=custom('return "Accepted"'))
    out = svc.propose("m0", proposal(("anything", {})))
    assert out.state == ProposalState.ACCEPTED
    assert svc.store.get(GovTable.USERS_INFO, out.proposal_id.encode()) == b"applied"


def test_malformed_bodies_fail_validation() -> None:
    svc = new_service(3)
    for body in (b"not json", b'{"no": "actions"}', b"\xff\xfe"):
        with pytest.raises(RequestRefused, match="ProposalFailedToValidate"):
            svc.propose("m0", body)


def test_ballot_on_unknown_proposal_and_malformed_ballot() -> None:
    svc = new_service(3)
    with pytest.raises(RequestRefused, match="404 ProposalNotFound"):
        svc.vote("m0", "ab" * 32)
    pid = svc.propose("m0", open_service(svc.service_cert)).proposal_id
    m = svc.members["m1"]
    for body in (b"{}", json.dumps({"ballot": 3}).encode(), b"nope"):
        raw = m.sign(MsgType.BALLOT, body, created_at=svc.tick(), proposal_id=pid)
        with pytest.raises(RequestRefused, match="InvalidInput"):
            svc.gov.ballot(pid, m.id, raw)


@pytest.mark.parametrize("source", ["export function validate() {}", "not javascript at all"])
def test_a_constitution_that_does_not_load_refuses_requests(source: str) -> None:
    svc = new_service(1, source=source)
    with pytest.raises(RequestRefused, match="500 InternalError: the constitution in force does not load"):
        svc.propose("m0", open_service(svc.service_cert))
