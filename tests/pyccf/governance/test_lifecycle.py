"""Proposal lifecycle under CCF's default and veto constitutions, run unchanged."""

from __future__ import annotations

import pytest

from pyccf.formats.governance import GovTable, ProposalState
from pyccf.formats.ledger import ServiceStatus
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
    from pyccf.governance.requests import RequestRefused

    with pytest.raises(RequestRefused, match="Signer is not an active member"):
        svc.propose("m1", open_service(svc.service_cert))


def test_withdraw_by_proposer_only() -> None:
    from pyccf.governance.requests import RequestRefused

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
    from pyccf.governance.requests import RequestRefused

    svc = new_service(3)
    before = svc.store.state()
    with pytest.raises(RequestRefused, match="ProposalFailedToValidate"):
        svc.propose("m0", proposal(("no_such_action", {})))
    with pytest.raises(RequestRefused, match="ProposalFailedToValidate"):
        svc.propose("m0", proposal(("set_user", {"cert": "not a certificate"})))
    assert svc.store.state() == before
    assert GovTable.PROPOSALS not in svc.store.state()
