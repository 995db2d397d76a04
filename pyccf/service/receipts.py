"""Receipts for committed transactions, in CCF's JSON and COSE forms, from plain inputs.

A receipt proves a transaction's leaf is under the root a later signature transaction signed: the leaf's
components, its inclusion path under that root, and the signature. The inputs are the transaction's
write-set digest, commit evidence and claims digest, the Merkle tree, and the signature transaction's
writes (as :func:`pyccf.service.signing.signature_transaction` returns them or a ledger holds them).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cbor2

from pyccf.formats.ledger import (
    COSE_INCLUSION_PROOFS,
    COSE_PROOF_LEAF,
    COSE_PROOF_PATH,
    COSE_SIGN1_TAG,
    COSE_VDP,
    DIGEST_SIZE,
    SINGLETON_KEY,
    Table,
)
from pyccf.ledger.merkle import MerkleTree, PathStep, entry_leaf, path_cose, path_json


@dataclass(frozen=True)
class SignatureTx:
    """What a receipt takes from a signature transaction."""

    view: int
    seqno: int
    root: bytes
    signature: str  # base64 DER, the node's signature over the root
    node_id: str
    cert: str  # PEM of the signing node's service-endorsed certificate
    cose_sign1: bytes | None  # the service's COSE_Sign1 over the root, if the transaction has one

    @classmethod
    def from_writes(cls, writes: Mapping[str, Mapping[bytes, bytes]]) -> SignatureTx:
        """Read a signature transaction's table writes; a missing or malformed field is one ValueError."""
        raw = _singleton(writes, Table.SIGNATURES)
        if raw is None:
            raise ValueError(f"signature transaction: no {Table.SIGNATURES} write")
        where = f"signature transaction: {Table.SIGNATURES}"
        try:
            sig = json.loads(raw)
        except ValueError as error:
            raise ValueError(f"{where}: not JSON ({error})") from None
        if not isinstance(sig, dict):
            raise ValueError(f"{where}: not a JSON object")
        for name, kind in _SIGNATURE_FIELDS.items():
            if not isinstance(sig.get(name), kind) or isinstance(sig.get(name), bool):
                raise ValueError(f"{where}: field {name} missing or not of type {kind.__name__}")
        try:
            root = bytes.fromhex(sig["root"])
        except ValueError:
            root = b""
        if len(root) != DIGEST_SIZE:
            raise ValueError(f"{where}: field root is not {DIGEST_SIZE} bytes of hex")
        cose = _singleton(writes, Table.COSE_SIGNATURES)
        try:
            cose_sign1 = None if cose is None else base64.b64decode(json.loads(cose), validate=True)
        except (ValueError, TypeError) as error:
            raise ValueError(
                f"signature transaction: {Table.COSE_SIGNATURES}: malformed ({error!r})"
            ) from None
        return cls(sig["view"], sig["seqno"], root, sig["sig"], sig["node"], sig["cert"], cose_sign1)


#: The fields a receipt takes from the signatures table, and their JSON types.
_SIGNATURE_FIELDS: dict[str, type] = {
    "view": int,
    "seqno": int,
    "root": str,
    "sig": str,
    "node": str,
    "cert": str,
}


def _singleton(writes: Mapping[str, Mapping[bytes, bytes]], table: str) -> bytes | None:
    values = writes.get(table)
    return None if values is None else values.get(SINGLETON_KEY)


@dataclass(frozen=True)
class LeafComponents:
    """What a transaction's Merkle leaf is computed from."""

    write_set_digest: bytes
    commit_evidence: str  # "ce:<view>.<seqno>:<hex nonce>"
    claims_digest: bytes

    @property
    def leaf(self) -> bytes:
        ce_digest = hashlib.sha256(self.commit_evidence.encode()).digest()
        return entry_leaf(self.write_set_digest, ce_digest, self.claims_digest)


def _path(tree: MerkleTree, seqno: int, components: LeafComponents, signature: SignatureTx) -> list[PathStep]:
    """The leaf's path under the signed root, after checking the inputs agree with each other."""
    if not 0 < seqno < signature.seqno:
        raise ValueError(f"receipt: seqno {seqno} is not covered by the signature at seqno {signature.seqno}")
    if tree.root(signature.seqno) != signature.root:
        raise ValueError(f"receipt: the tree's root over {signature.seqno} leaves is not the signed root")
    if tree.leaf(seqno) != components.leaf:
        raise ValueError(f"receipt: the leaf components do not give the tree's leaf {seqno}")
    return tree.path(seqno, signature.seqno)


def json_receipt(
    tree: MerkleTree,
    seqno: int,
    components: LeafComponents,
    signature: SignatureTx,
    service_endorsements: Sequence[str] = (),
) -> dict[str, Any]:
    """CCF's JSON receipt for the transaction at ``seqno`` under ``signature``."""
    return {
        "cert": signature.cert,
        "leaf_components": {
            "claims_digest": components.claims_digest.hex(),
            "commit_evidence": components.commit_evidence,
            "write_set_digest": components.write_set_digest.hex(),
        },
        "node_id": signature.node_id,
        "proof": path_json(_path(tree, seqno, components, signature)),
        "service_endorsements": list(service_endorsements),
        "signature": signature.signature,
    }


def signature_json_receipt(signature: SignatureTx) -> dict[str, Any]:
    """CCF's JSON receipt for a signature transaction itself: its signed root as the leaf, no proof."""
    return {
        "cert": signature.cert,
        "leaf": signature.root.hex(),
        "node_id": signature.node_id,
        "proof": [],
        "signature": signature.signature,
    }


def cose_receipt(tree: MerkleTree, seqno: int, components: LeafComponents, signature: SignatureTx) -> bytes:
    """CCF's COSE receipt: the signature's COSE_Sign1 with the inclusion proof in unprotected header 396."""
    if signature.cose_sign1 is None:
        raise ValueError(
            f"receipt: the signature transaction at seqno {signature.seqno} has no COSE signature"
        )
    path = _path(tree, seqno, components, signature)
    try:
        message = cbor2.loads(signature.cose_sign1)
        protected, _, _, sig = message.value
    except (ValueError, TypeError, AttributeError, cbor2.CBORDecodeError) as error:
        raise ValueError(f"receipt: {Table.COSE_SIGNATURES}: not a COSE_Sign1 ({error!r})") from None
    if message.tag != COSE_SIGN1_TAG:
        raise ValueError(f"receipt: {Table.COSE_SIGNATURES}: CBOR tag {message.tag}, not COSE_Sign1")
    proof = cbor2.dumps(
        {
            COSE_PROOF_LEAF: [
                components.write_set_digest,
                components.commit_evidence,
                components.claims_digest,
            ],
            COSE_PROOF_PATH: path_cose(path),
        }
    )
    return cbor2.dumps(
        cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {COSE_VDP: {COSE_INCLUSION_PROOFS: [proof]}}, None, sig])
    )
