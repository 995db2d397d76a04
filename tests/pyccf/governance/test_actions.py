"""CCF's default actions applied through the engine: members, users, constitution, failing apply."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from pyccf.formats.governance import GovTable, ProposalState
from pyccf.formats.ledger import Table
from pyccf.governance.requests import RequestRefused, member_from_seed
from tests.pyccf.governance.helpers import (
    NO,
    SEED,
    Service,
    constitution,
    encryption_key,
    needs_constitutions,
    new_service,
    proposal,
)

pytestmark = needs_constitutions

THROWING = "export function vote (proposal, proposerId) { throw new Error('ballot broke') }"


def accept(svc: Service, body: bytes, voters: tuple[str, ...] = ("m0", "m1")) -> str:
    pid = svc.propose(voters[0], body).proposal_id
    for name in voters:
        out = svc.vote(name, pid)
    assert out.state == ProposalState.ACCEPTED, svc.info(pid)
    return pid


def test_set_member_then_ack_activates_and_counts() -> None:
    svc = new_service(3)
    newcomer = member_from_seed(SEED, "m3")
    accept(svc, proposal(("set_member", {"cert": newcomer.cert_pem, "member_data": {"role": "x"}})))
    assert svc.member_info(newcomer) == {"member_data": {"role": "x"}, "status": "Accepted"}
    assert svc.store.get(GovTable.MEMBERS_CERTS, newcomer.id.encode()) == newcomer.cert_pem.encode()
    assert json.loads(svc.store.get(GovTable.MEMBERS_ACKS, newcomer.id.encode()) or b"") == {
        "state_digest": svc.gov.root(svc.store.begin()).hex()
    }
    svc.members["m3"] = newcomer
    with pytest.raises(RequestRefused, match="not an active member"):
        svc.propose("m3", proposal(("set_recovery_threshold", {"recovery_threshold": 1})))
    svc.activate("m3")
    assert svc.member_info(newcomer) == {"member_data": {"role": "x"}, "status": "Active"}
    # four active members: two yes votes are no longer a majority
    pid = svc.propose("m0", proposal(("set_recovery_threshold", {"recovery_threshold": 1}))).proposal_id
    svc.vote("m0", pid)
    assert svc.vote("m3", pid).state == ProposalState.OPEN
    assert svc.vote("m1", pid).state == ProposalState.ACCEPTED


def test_remove_member() -> None:
    svc = new_service(3)
    m2 = svc.members["m2"]
    accept(svc, proposal(("remove_member", {"member_id": m2.id})))
    assert svc.member_info(m2) is None
    assert svc.store.get(GovTable.MEMBERS_CERTS, m2.id.encode()) is None
    with pytest.raises(RequestRefused, match="not a known member"):
        svc.propose("m2", proposal(("set_recovery_threshold", {"recovery_threshold": 1})))


def test_set_user_and_remove_user() -> None:
    svc = new_service(3)
    user = member_from_seed(SEED, "user0")
    accept(svc, proposal(("set_user", {"cert": user.cert_pem, "user_data": {"n": 1}})))
    assert svc.store.get(GovTable.USERS_CERTS, user.id.encode()) == user.cert_pem.encode()
    assert json.loads(svc.store.get(GovTable.USERS_INFO, user.id.encode()) or b"") == {"user_data": {"n": 1}}
    accept(svc, proposal(("remove_user", {"user_id": user.id})))
    assert svc.store.get(GovTable.USERS_CERTS, user.id.encode()) is None
    assert svc.store.get(GovTable.USERS_INFO, user.id.encode()) is None


def test_throwing_apply_leaves_no_write() -> None:
    svc = new_service(3)
    user = member_from_seed(SEED, "user0")
    body = proposal(
        ("set_user", {"cert": user.cert_pem}),  # writes users.certs first...
        ("set_member_data", {"member_id": "ab" * 32, "member_data": {}}),  # ...then throws: no such member
    )
    pid = svc.propose("m0", body).proposal_id
    svc.vote("m0", pid)
    out = svc.vote("m1", pid)
    assert out.state == ProposalState.FAILED
    assert out.failure is not None and "Failed to apply()" in out.failure and "does not exist" in out.failure
    assert svc.store.get(GovTable.USERS_CERTS, user.id.encode()) is None
    assert all(m.name != GovTable.USERS_CERTS for m in out.write_set.maps())
    assert svc.info(pid)["state"] == "Failed"  # the engine's own write stays


def test_accepting_set_constitution_drops_other_open_proposals_and_governs_next() -> None:
    svc = new_service(3)
    other = svc.propose("m2", proposal(("set_recovery_threshold", {"recovery_threshold": 1}))).proposal_id
    pid = accept(svc, proposal(("set_constitution", {"constitution": constitution(veto=True)})))
    assert svc.info(other)["state"] == "Dropped"
    assert svc.info(pid)["state"] == "Accepted"
    with pytest.raises(RequestRefused, match="ProposalNotOpen"):
        svc.vote("m0", other)
    # the veto constitution is now in force: one no rejects
    late = svc.propose("m0", proposal(("set_recovery_threshold", {"recovery_threshold": 1}))).proposal_id
    assert svc.vote("m1", late, NO).state == ProposalState.REJECTED
    # closing a proposal deletes the other closed ones from the KV
    assert svc.store.get(GovTable.PROPOSALS_INFO, other.encode()) is None
    assert svc.store.get(GovTable.PROPOSALS, pid.encode()) is None


def test_set_constitution_with_a_broken_module_fails_validation() -> None:
    svc = new_service(3)
    for broken in ("export function validate() {}", "this is not javascript"):
        with pytest.raises(RequestRefused, match="ProposalFailedToValidate"):
            svc.propose("m0", proposal(("set_constitution", {"constitution": broken})))


def test_throwing_ballot_does_not_count() -> None:
    svc = new_service(3)
    pid = svc.propose("m0", proposal(("set_recovery_threshold", {"recovery_threshold": 1}))).proposal_id
    svc.vote("m0", pid, THROWING)
    assert svc.vote("m1", pid).state == ProposalState.OPEN
    assert svc.vote("m2", pid).state == ProposalState.ACCEPTED
    info = svc.info(pid)
    assert set(info["vote_failures"]) == {svc.members["m0"].id}
    assert "ballot broke" in info["vote_failures"][svc.members["m0"].id]["reason"]
    assert svc.members["m0"].id not in info["final_votes"]


def test_ballots_rerun_against_the_current_state() -> None:
    """A ballot that votes yes only while no user exists counts until a user is added."""
    svc = new_service(3)
    conditional = (
        "export function vote (proposal, proposerId) {"
        ' let n = 0; ccf.kv["public:ccf.gov.users.certs"].forEach(() => n++); return n === 0 }'
    )
    user = member_from_seed(SEED, "user0")
    pending = svc.propose("m0", proposal(("set_recovery_threshold", {"recovery_threshold": 1}))).proposal_id
    svc.vote("m0", pending, conditional)
    accept(svc, proposal(("set_user", {"cert": user.cert_pem})), ("m1", "m2"))
    # m0's stored ballot now says no: m1's yes alone is not a majority of three
    assert svc.vote("m1", pending).state == ProposalState.OPEN
    assert svc.info(pending)["ballots"][svc.members["m0"].id] == conditional


def test_transition_service_to_open_needs_the_current_identity() -> None:
    svc = new_service(3)
    other = member_from_seed(SEED, "not the service").cert_pem
    pid = svc.propose("m0", proposal(("transition_service_to_open", {"next_service_identity": other})))
    svc.vote("m0", pid.proposal_id)
    out = svc.vote("m1", pid.proposal_id)
    assert out.state == ProposalState.FAILED and out.failure is not None
    assert "next service identity" in out.failure
    assert svc.service_status() == "Opening"


def test_recorded_node_effects() -> None:
    svc = new_service(3)
    pid = svc.propose("m0", proposal(("trigger_ledger_rekey", None))).proposal_id
    svc.vote("m0", pid)
    out = svc.vote("m1", pid)
    assert out.state == ProposalState.ACCEPTED
    assert out.effects == (("triggerLedgerRekey", ()),)


def test_virtual_measurement_action_and_signed_history() -> None:
    svc = new_service(3)
    accept(
        svc,
        proposal(("add_virtual_measurement", {"measurement": "Insecure hard-coded virtual measurement v1"})),
    )
    table = "public:ccf.gov.nodes.virtual.measurements"
    assert svc.store.get(table, b"Insecure hard-coded virtual measurement v1") == b'"AllowedToJoin"'
    history = svc.store.state()[GovTable.COSE_HISTORY]
    assert set(history) == {svc.members[n].id.encode() for n in ("m0", "m1")}  # proposer and voters
    for value in history.values():  # CCF's encoding: a JSON string of the base64 COSE_Sign1 (tag 18)
        assert base64.b64decode(json.loads(value))[:1] == b"\xd2"
    assert Table.SERVICE_INFO in svc.store.state()


def test_remove_member_keeps_enough_recovery_members() -> None:
    svc = new_service(3, recovery=2, threshold=2)
    m0, m2 = svc.members["m0"], svc.members["m2"]
    assert svc.member_info(m0) == {"recovery_role": "Participant", "status": "Active"}
    assert svc.store.get(Table.MEMBERS_ENCRYPTION_PUBLIC_KEYS, m0.id.encode()) is not None
    # removing an active recovery member would leave 1 < threshold 2: apply throws, nothing removed
    pid = svc.propose("m1", proposal(("remove_member", {"member_id": m0.id}))).proposal_id
    svc.vote("m1", pid)
    out = svc.vote("m2", pid)
    assert out.state == ProposalState.FAILED and out.failure is not None
    assert "less than recovery threshold" in out.failure
    assert svc.member_info(m0) is not None
    # a member without an encryption key can go, and no rekey is asked for
    pid = svc.propose("m0", proposal(("remove_member", {"member_id": m2.id}))).proposal_id
    svc.vote("m0", pid)
    out = svc.vote("m1", pid)
    assert out.state == ProposalState.ACCEPTED and out.effects == ()
    assert svc.member_info(m2) is None


def test_removing_a_recovery_member_above_the_threshold_rekeys() -> None:
    svc = new_service(3, recovery=3, threshold=2)
    m2 = svc.members["m2"]
    pid = svc.propose("m0", proposal(("remove_member", {"member_id": m2.id}))).proposal_id
    svc.vote("m0", pid)
    out = svc.vote("m1", pid)
    assert out.state == ProposalState.ACCEPTED
    assert out.effects == (("triggerLedgerRekey", ()),)
    assert svc.store.get(Table.MEMBERS_ENCRYPTION_PUBLIC_KEYS, m2.id.encode()) is None


def test_set_member_with_encryption_key_and_role() -> None:
    svc = new_service(3)
    newcomer = member_from_seed(SEED, "m3", encryption_pub_key=encryption_key("m3"))
    args = {
        "cert": newcomer.cert_pem,
        "encryption_pub_key": newcomer.encryption_pub_key,
        "recovery_role": "Owner",
    }
    accept(svc, proposal(("set_member", args)))
    assert svc.member_info(newcomer) == {"recovery_role": "Owner", "status": "Accepted"}
    key = svc.store.get(Table.MEMBERS_ENCRYPTION_PUBLIC_KEYS, newcomer.id.encode())
    assert key == encryption_key("m3").encode()
    with pytest.raises(RequestRefused, match="recovery_role value when encryption_pub_key is not specified"):
        svc.propose("m0", proposal(("set_member", {"cert": newcomer.cert_pem, "recovery_role": "Owner"})))


def test_virtual_allowlist_adds_drop_open_proposals_removes_do_not() -> None:
    svc = new_service(3)
    table = "public:ccf.gov.nodes.virtual.host_data"
    host_data = "ab" * 32
    waiting = svc.propose("m2", proposal(("set_recovery_threshold", {"recovery_threshold": 1}))).proposal_id
    accept(svc, proposal(("add_virtual_host_data", {"host_data": host_data})))
    assert svc.store.get(table, host_data.encode()) == bytes(8)  # a set: the 8-byte zero sentinel
    assert svc.info(waiting)["state"] == "Dropped"
    still = svc.propose("m2", proposal(("set_recovery_threshold", {"recovery_threshold": 1}))).proposal_id
    accept(svc, proposal(("remove_virtual_host_data", {"host_data": host_data})))
    assert svc.store.get(table, host_data.encode()) is None
    assert svc.info(still)["state"] == "Open"


POLICY = "a security policy"
POLICY_DIGEST = hashlib.sha256(POLICY.encode()).hexdigest()


@pytest.mark.parametrize(
    ("action", "args", "table", "key", "value"),
    [
        (
            "add_snp_measurement",
            {"measurement": "ab" * 48},
            "nodes.snp.measurements",
            "ab" * 48,
            '"AllowedToJoin"',
        ),
        (
            "add_snp_host_data",
            {"host_data": POLICY_DIGEST, "security_policy": POLICY},
            "nodes.snp.host_data",
            POLICY_DIGEST,
            json.dumps(POLICY),
        ),
        (
            "add_snp_uvm_endorsement",
            {"did": "did:x509:0:sha256:abc", "feed": "ContainerPlat-AMD-UVM", "svn": "101"},
            "nodes.snp.uvm_endorsements",
            "did:x509:0:sha256:abc",
            '{"ContainerPlat-AMD-UVM":{"svn":"101"}}',
        ),
        (
            "set_service_configuration",
            {"recent_cose_proposals_window_size": 50},
            "service.config",
            None,
            None,
        ),
        ("trigger_snapshot", None, None, None, None),
        ("trigger_ledger_chunk", None, None, None, None),
    ],
)
def test_more_default_actions(
    action: str, args: dict[str, object] | None, table: str | None, key: str | None, value: str | None
) -> None:
    svc = new_service(3)
    accept(svc, proposal((action, args)))
    if table is not None and key is not None:
        assert svc.store.get(f"public:ccf.gov.{table}", key.encode()) == (value or "").encode()
    if action == "set_service_configuration":
        config = json.loads(next(iter(svc.store.state()[Table.SERVICE_CONFIG].values())))
        assert config["recent_cose_proposals_window_size"] == 50 and config["recovery_threshold"] == 1


def test_snp_host_data_must_match_its_policy() -> None:
    svc = new_service(3)
    with pytest.raises(RequestRefused, match="does not match digest"):
        svc.propose(
            "m0", proposal(("add_snp_host_data", {"host_data": "00" * 32, "security_policy": POLICY}))
        )


def test_assert_service_identity_reads_the_kv_in_validate() -> None:
    svc = new_service(3)
    accept(svc, proposal(("assert_service_identity", {"service_identity": svc.service_cert})))
    other = member_from_seed(SEED, "not the service").cert_pem
    with pytest.raises(RequestRefused, match="Service identity certificate mismatch"):
        svc.propose("m0", proposal(("assert_service_identity", {"service_identity": other})))
