"""The two signatures of a CCF signature transaction, checked with nothing but cryptography and cbor2.

The node's raw signature is ECDSA over the 32-byte root as a SHA-256 prehash; the service's COSE_Sign1
(ES384, detached payload = the root) carries the signed TxID in its ``ccf.v1`` protected header.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from pyccf.formats.ledger import COSE_ALG, COSE_ALG_ES384, COSE_CCF_HEADER, COSE_KID, COSE_SIGN1_TAG
from tracecheck.audit.crypto import key_id, verify_root_signature, verify_sign1


class SignatureError(ValueError):
    """A signature that does not parse or verify; ``field`` names the part."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class RawSignature:
    node: str
    view: int
    seqno: int
    root: bytes
    sig: bytes
    cert: bytes | None


def parse_raw(value: bytes) -> RawSignature:
    """The node signature's JSON (``public:ccf.internal.signatures``)."""
    try:
        doc = json.loads(value)
        return RawSignature(
            node=str(doc["node"]),
            view=int(doc["view"]),
            seqno=int(doc["seqno"]),
            root=bytes.fromhex(doc["root"]),
            sig=base64.b64decode(doc["sig"], validate=True),
            cert=doc["cert"].encode() if doc.get("cert") else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise SignatureError(f"not a node signature: {exc}", "signatures") from None


@functools.lru_cache(maxsize=64)
def _key(cert: x509.Certificate) -> tuple[object, bytes]:
    """A certificate's public key and its CCF key id, computed once per certificate (the hot loop)."""
    key = cert.public_key()
    kid = key_id(key).encode() if isinstance(key, ec.EllipticCurvePublicKey) else b""
    return key, kid


#: Takes a signature check (True if it verifies) and the error it means if it does not, to run it later
#: (the auditor verifies on a thread pool, in order of failure); None runs it at once.
Defer = Callable[[Callable[[], bool], SignatureError], None]


def _check(verifies: Callable[[], bool], error: SignatureError, defer: Defer | None) -> None:
    if defer is not None:
        defer(verifies, error)
    elif not verifies():
        raise error


def verify_raw(sig: RawSignature, cert: x509.Certificate, root: bytes, defer: Defer | None = None) -> None:
    key, _ = _key(cert)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise SignatureError("the node certificate's key is not an EC key", "sig")
    error = SignatureError("the node signature does not verify over the root", "sig")
    _check(functools.partial(verify_root_signature, key, root, sig.sig), error, defer)


def verify_cose(
    value: bytes, service: x509.Certificate, root: bytes, defer: Defer | None = None
) -> tuple[int, int]:
    """Verify the service's COSE_Sign1 over ``root``; returns its signed (view, seqno)."""
    try:
        blob = base64.b64decode(json.loads(value), validate=True)
        msg = cbor2.loads(blob)
        if not isinstance(msg, cbor2.CBORTag) or msg.tag != COSE_SIGN1_TAG or len(msg.value) != 4:
            raise ValueError("not a tagged COSE_Sign1")
        protected, _unprotected, payload, signature = msg.value
        if payload is not None:
            raise ValueError("the payload is not detached")
        header: dict[Any, Any] = cbor2.loads(protected)
        alg, kid = header[COSE_ALG], header[COSE_KID]
        view_s, seqno_s = str(header[COSE_CCF_HEADER]["txid"]).split(".")
        txid = int(view_s), int(seqno_s)
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error, cbor2.CBORDecodeError) as exc:
        raise SignatureError(f"not a COSE_Sign1 signature: {exc}", "cose_signatures") from None
    key, kid_expected = _key(service)
    if alg != COSE_ALG_ES384 or not isinstance(key, ec.EllipticCurvePublicKey) or len(signature) % 2:
        raise SignatureError(f"algorithm {alg}, expected ES384 ({COSE_ALG_ES384})", "cose_signatures")
    if kid != kid_expected:
        raise SignatureError("the key id is not the service key's", "cose_signatures")
    error = SignatureError("the COSE signature does not verify", "cose_signatures")
    _check(functools.partial(verify_sign1, key, protected, root, signature), error, defer)
    return txid
