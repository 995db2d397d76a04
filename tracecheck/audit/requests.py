"""Members' signed governance requests in the ledger, checked against the members in office.

CCF keeps each member's last COSE_Sign1 request in ``public:ccf.gov.cose_history`` (proposals, ballots,
withdrawals; the ledger keeps them all) and an acknowledgement's in ``members.acks``. So the ledger carries
the evidence that every proposal and ballot was made by a member whose certificate was in
``members.certs`` at that seqno: a service that forges governance must forge a member's signature. CCF's
reader checks none of it; the replay checks each request's signature, signer, type and that it says what
the transaction did (the proposal it wrote, the ballot it recorded, the digest acknowledged), and that
every new ballot is backed by its member's signed ballot.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

from pyccf.formats.governance import (
    HEADER_CREATED_AT,
    HEADER_MSG_TYPE,
    HEADER_PROPOSAL_ID,
    GovTable,
    MsgType,
    ProposalState,
)
from pyccf.formats.ledger import COSE_ALG, COSE_KID, COSE_SIGN1_TAG
from tracecheck.audit.errors import AuditFailure
from tracecheck.audit.reader import Entry

#: COSE algorithms CCF accepts for members' requests (ECDSA only), by the hash each signs with.
_HASHES: dict[int, type[hashes.HashAlgorithm]] = {-7: hashes.SHA256, -35: hashes.SHA384, -36: hashes.SHA512}


@dataclass(frozen=True)
class SignedRequest:
    """A verified request: who signed it, its ``ccf.gov.msg.type``, payload and proposal id (ballots)."""

    member: str
    kind: str
    payload: bytes
    proposal_id: str | None
    created_at: int | None


def _fail(entry: Entry, table: str, message: str) -> AuditFailure:
    return AuditFailure(message, file=entry.file, offset=entry.offset, seqno=entry.seqno, field=table)


def verify_request(
    entry: Entry, table: str, member: str, encoded: str, certs: Mapping[str, str]
) -> SignedRequest:
    """The base64 COSE_Sign1 ``encoded``, recorded for ``member``: signed by that member's certificate as
    ``certs`` (members.certs before this transaction) holds it; AuditFailure otherwise."""
    try:
        message = cbor2.loads(base64.b64decode(encoded, validate=True))
        if not isinstance(message, cbor2.CBORTag) or message.tag != COSE_SIGN1_TAG:
            raise ValueError("not a tagged COSE_Sign1")
        protected_raw, _unprotected, payload, signature = message.value
        protected = cbor2.loads(protected_raw)
        if (
            not isinstance(protected, dict)
            or not isinstance(payload, bytes)
            or not isinstance(signature, bytes)
        ):
            raise ValueError("not a COSE_Sign1 with an embedded payload")
    except (ValueError, TypeError, binascii.Error, cbor2.CBORDecodeError) as exc:
        raise _fail(entry, table, f"member {member}: the signed request does not parse ({exc})") from None
    kid = protected.get(COSE_KID)
    kid_text = kid.decode(errors="replace") if isinstance(kid, bytes) else str(kid)
    if kid_text != member:
        raise _fail(entry, table, f"member {member}: the request is signed with kid {kid_text}")
    pem = certs.get(member)
    if pem is None:
        raise _fail(entry, table, f"member {member}: the request's signer is not a member in office")
    alg = protected.get(COSE_ALG)
    if alg not in _HASHES:
        raise _fail(entry, table, f"member {member}: COSE algorithm {alg} is not one CCF accepts")
    key = x509.load_pem_x509_certificate(pem.encode()).public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or not _verified(
        key, alg, protected_raw, payload, signature
    ):
        raise _fail(entry, table, f"member {member}: the request's signature does not verify")
    proposal_id = protected.get(HEADER_PROPOSAL_ID)
    created_at = protected.get(HEADER_CREATED_AT)
    return SignedRequest(
        member,
        str(protected.get(HEADER_MSG_TYPE)),
        payload,
        str(proposal_id) if proposal_id is not None else None,
        created_at if isinstance(created_at, int) else None,
    )


def _verified(key: ec.EllipticCurvePublicKey, alg: int, protected: bytes, payload: bytes, sig: bytes) -> bool:
    half = len(sig) // 2
    if len(sig) % 2 or half == 0:
        return False
    der = utils.encode_dss_signature(int.from_bytes(sig[:half], "big"), int.from_bytes(sig[half:], "big"))
    try:
        key.verify(der, cbor2.dumps(["Signature1", protected, b"", payload]), ec.ECDSA(_HASHES[alg]()))
    except InvalidSignature:
        return False
    return True


def _json(raw: bytes | None) -> Any:
    try:
        return json.loads(raw) if raw is not None else None
    except (ValueError, UnicodeDecodeError):
        return None


def check_requests(entry: Entry, certs: Mapping[str, str]) -> dict[tuple[str, str], SignedRequest]:
    """Check every signed request this transaction records; returns its ballots by (proposal, member)."""
    writes = entry.writes
    proposals = {k.decode(errors="replace"): v for k, v in writes.get(GovTable.PROPOSALS, {}).items()}
    infos = {k.decode(errors="replace"): _json(v) for k, v in writes.get(GovTable.PROPOSALS_INFO, {}).items()}
    ballots: dict[tuple[str, str], SignedRequest] = {}
    for key, value in writes.get(GovTable.COSE_HISTORY, {}).items():
        if value is None:
            continue
        member = key.decode(errors="replace")
        encoded = _json(value)
        if not isinstance(encoded, str):
            raise _fail(entry, GovTable.COSE_HISTORY, f"member {member}: not a JSON string of a COSE_Sign1")
        req = verify_request(entry, GovTable.COSE_HISTORY, member, encoded, certs)
        problem = _recorded(req, proposals, infos)
        if problem:
            raise _fail(entry, GovTable.COSE_HISTORY, f"member {member}: {problem}")
        if req.kind == MsgType.BALLOT:
            ballots[(req.proposal_id or "", member)] = req
    for key, value in writes.get(GovTable.MEMBERS_ACKS, {}).items():
        ack = _json(value)
        if not isinstance(ack, dict) or not ack.get("cose_sign1_req"):
            continue
        member = key.decode(errors="replace")
        req = verify_request(entry, GovTable.MEMBERS_ACKS, member, str(ack["cose_sign1_req"]), certs)
        body = _json(req.payload)
        if (
            req.kind != MsgType.ACK
            or not isinstance(body, dict)
            or body.get("stateDigest") != ack.get("state_digest")
        ):
            raise _fail(
                entry, GovTable.MEMBERS_ACKS, f"member {member}: the signed ack is not the recorded one"
            )
    return ballots


def _recorded(req: SignedRequest, proposals: Mapping[str, bytes | None], infos: Mapping[str, Any]) -> str:
    """Why the transaction does not do what ``req`` asked ("" if it does)."""
    found = infos.get(req.proposal_id or "")
    info: dict[str, Any] = found if isinstance(found, dict) else {}
    if req.kind == MsgType.PROPOSAL:
        mine = [p for p, body in proposals.items() if body == req.payload]
        proposers = {infos[p].get("proposer_id") for p in mine if isinstance(infos.get(p), dict)}
        if req.member not in proposers:
            return "signed a proposal this transaction did not record"
    elif req.kind == MsgType.BALLOT:
        body = _json(req.payload)
        recorded = info.get("ballots", {}).get(req.member)
        if not isinstance(body, dict) or recorded is None or recorded != body.get("ballot"):
            return f"signed ballot on {req.proposal_id} is not the one recorded"
    elif req.kind == MsgType.WITHDRAWAL and (info.get("state"), info.get("proposer_id")) != (
        ProposalState.WITHDRAWN,
        req.member,
    ):
        return f"signed withdrawal of {req.proposal_id} is not recorded"
    return ""
