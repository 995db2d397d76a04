"""What CCF writes in a signature transaction and in the genesis transaction, as the ledger stores it.

Each function returns table writes, ``{table name: {key bytes: value bytes}}``, with the exact value bytes
CCF's KV serialises: compact JSON with sorted keys (nlohmann's object order), raw PEM for endorsed
certificates, raw bytes for the tree. The signature transaction at ``view.seqno`` signs the Merkle root
over leaves ``0..seqno-1``; its own leaf is covered by the next signature.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

from pyccf.formats.ledger import (
    COSE_ALG,
    COSE_ALG_ES384,
    COSE_CCF_HEADER,
    COSE_CWT_CLAIMS,
    COSE_KID,
    COSE_SIGN1_TAG,
    COSE_VDS,
    COSE_VDS_CCF_LEDGER_SHA256,
    CWT_IAT,
    CWT_ISS,
    CWT_SUB,
    DIGEST_SIZE,
    SINGLETON_KEY,
    NodeStatus,
    ServiceStatus,
    Table,
)
from pyccf.ledger.merkle import MerkleTree
from pyccf.service.identity import Identity, NodeIdentity

Writes = dict[str, dict[bytes, bytes]]

#: CCF's defaults for the COSE signature's CWT issuer and subject (its test services use these).
DEFAULT_ISSUER = "service.example.com"
DEFAULT_SUBJECT = "ledger.signature"
#: The measurement of CCF's virtual (insecure) enclave platform.
VIRTUAL_MEASUREMENT = "Insecure hard-coded virtual measurement v1"
_P384_COORDINATE = 48


def json_bytes(value: Any) -> bytes:
    """A JSON value as CCF's KV stores it: compact, keys sorted, non-ASCII as UTF-8 (not ``\\u`` escapes)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def _check_root(root: bytes) -> None:
    if len(root) != DIGEST_SIZE:
        raise ValueError(f"a Merkle root is {DIGEST_SIZE} bytes, got {len(root)}")


def root_signature(node: NodeIdentity, root: bytes) -> bytes:
    """The node's DER ECDSA signature over the root, taken as a SHA-256 prehash (RFC 6979)."""
    _check_root(root)
    return node.key.sign(root, ec.ECDSA(utils.Prehashed(hashes.SHA256()), deterministic_signing=True))


def signatures_value(node: NodeIdentity, view: int, seqno: int, root: bytes) -> bytes:
    """The ``public:ccf.internal.signatures`` value."""
    return json_bytes(
        {
            "cert": node.cert_pem,
            "commit_seqno": 0,
            "commit_view": 0,
            "hashed_nonce": "0" * (2 * DIGEST_SIZE),
            "node": node.node_id,
            "root": root.hex(),
            "seqno": seqno,
            "sig": base64.b64encode(root_signature(node, root)).decode("ascii"),
            "view": view,
        }
    )


def cose_protected_header(kid: str, view: int, seqno: int, *, iat: int, iss: str, sub: str) -> bytes:
    """The encoded protected header, in CCF's label order; ``kid``: the service key's hex digest."""
    return cbor2.dumps(
        {
            COSE_ALG: COSE_ALG_ES384,
            COSE_KID: kid.encode("ascii"),
            COSE_VDS: COSE_VDS_CCF_LEDGER_SHA256,
            COSE_CWT_CLAIMS: {CWT_IAT: iat, CWT_ISS: iss, CWT_SUB: sub},
            COSE_CCF_HEADER: {"txid": f"{view}.{seqno}"},
        }
    )


def cose_sign1(
    service: Identity,
    view: int,
    seqno: int,
    root: bytes,
    *,
    iat: int,
    iss: str = DEFAULT_ISSUER,
    sub: str = DEFAULT_SUBJECT,
) -> bytes:
    """The service's COSE_Sign1 over the root as a detached payload (ES384, signature raw r || s)."""
    _check_root(root)
    protected = cose_protected_header(service.key_id, view, seqno, iat=iat, iss=iss, sub=sub)
    to_sign = cbor2.dumps(["Signature1", protected, b"", root])
    der = service.key.sign(to_sign, ec.ECDSA(hashes.SHA384(), deterministic_signing=True))
    r, s = utils.decode_dss_signature(der)
    signature = r.to_bytes(_P384_COORDINATE, "big") + s.to_bytes(_P384_COORDINATE, "big")
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, None, signature]))


def cose_signatures_value(cose: bytes) -> bytes:
    """The ``public:ccf.internal.cose_signatures`` value: a JSON string of the base64 COSE_Sign1."""
    return json_bytes(base64.b64encode(cose).decode("ascii"))


def signature_transaction(
    tree: MerkleTree,
    view: int,
    seqno: int,
    node: NodeIdentity,
    service: Identity,
    *,
    iat: int,
    iss: str = DEFAULT_ISSUER,
    sub: str = DEFAULT_SUBJECT,
    flushed: int | None = None,
) -> Writes:
    """The writes of the signature transaction ``view.seqno``; ``tree`` holds at least leaves 0..seqno-1.
    ``flushed``: the serialised tree's flush point (CCF's commit point; default: the tree's own)."""
    root = tree.root(seqno)
    cose = cose_sign1(service, view, seqno, root, iat=iat, iss=iss, sub=sub)
    return {
        Table.COSE_SIGNATURES: {SINGLETON_KEY: cose_signatures_value(cose)},
        Table.SIGNATURES: {SINGLETON_KEY: signatures_value(node, view, seqno, root)},
        Table.TREE: {SINGLETON_KEY: tree.serialise(seqno, flushed=flushed)},
    }


def virtual_quote_info(node: NodeIdentity, host_data: str = "0" * (2 * DIGEST_SIZE)) -> dict[str, str]:
    """A virtual platform's quote: it binds the node's key digest as report data, as CCF's does."""
    quote = {
        "host_data": host_data,
        "measurement": VIRTUAL_MEASUREMENT,
        "report_data": base64.b64encode(bytes.fromhex(node.node_id)).decode("ascii"),
    }
    return {
        "endorsements": "",
        "format": "Insecure_Virtual",
        "quote": base64.b64encode(json_bytes(quote)).decode("ascii"),
    }


def node_info(
    node: NodeIdentity,
    *,
    encryption_pub_key: str,
    status: NodeStatus = NodeStatus.TRUSTED,
    node_address: str = "127.0.0.1:0",
    rpc_address: str = "127.0.0.1:0",
    host_data: str = "0" * (2 * DIGEST_SIZE),
) -> dict[str, Any]:
    """CCF's NodeInfo for a node on the virtual platform (``encryption_pub_key``: a PEM the caller owns)."""
    return {
        "code_digest": VIRTUAL_MEASUREMENT.encode().hex(),
        "encryption_pub_key": encryption_pub_key,
        "node_to_node_interface": {"bind_address": node_address, "published_address": node_address},
        "public_key": node.public_key_pem,
        "quote_info": virtual_quote_info(node, host_data),
        "rpc_interfaces": {
            "primary_rpc_interface": {
                "bind_address": rpc_address,
                "endorsement": {"authority": "Service"},
                "published_address": rpc_address,
            }
        },
        "status": str(status),
    }


def genesis_writes(
    service: Identity, view: int, seqno: int, nodes: Sequence[tuple[NodeIdentity, Mapping[str, Any]]]
) -> Writes:
    """The genesis transaction ``view.seqno``'s service and node writes; ``nodes``: (node, NodeInfo) pairs."""
    service_info = {
        "cert": service.cert_pem,
        "current_service_create_txid": f"{view}.{seqno}",
        "recovery_count": 0,
        "status": str(ServiceStatus.OPENING),
    }
    return {
        Table.NODES_ENDORSED_CERTIFICATES: {
            node.node_id.encode("ascii"): node.cert_pem.encode("ascii") for node, _ in nodes
        },
        Table.NODES_INFO: {node.node_id.encode("ascii"): json_bytes(dict(info)) for node, info in nodes},
        Table.SERVICE_INFO: {SINGLETON_KEY: json_bytes(service_info)},
    }
