"""Fork proofs: two signed statements of different roots for one TxID, checkable on their own.

An honest service signs one root per signature TxID. Two statements that each verify and name the same
TxID with different roots prove the service (or a node's key) equivocated. A statement is either

* ``{"kind": "cose", "cose_sign1": <base64>, "root": <hex>}``: the service's COSE_Sign1 (a signature
  transaction's, or a COSE receipt, whose path gives the root); the TxID is in its protected header. A
  statement signed by a previous service identity adds its ``cert`` and the ``service_endorsements``
  chaining it to the current one; or
* ``{"kind": "receipt", "receipt": {...}}``: a JSON receipt, signed by a node; two of them whose commit
  evidence names the same transaction with different leaves prove that transaction has two contents.

A node's raw signature of a signature transaction (``{"kind": "raw", "txid", "root", "signature", "cert",
"service_endorsements"}``) is verified as a statement but is no half of a proof: it signs the root only,
so its TxID is a claim. A node signs a new root at every signature transaction; any of them, claimed for
another TxID, would otherwise make a false fork.

The proof file: ``{"txid": "<view>.<seqno>", "statements": [a, b]}``; it is checked against the current
service certificate (the trust anchor), which the proof does not carry.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509

from pyccf.formats.ledger import COSE_CCF_HEADER, DIGEST_SIZE
from tracecheck.audit.crypto import check_endorsed, key_id, verify_root_signature
from tracecheck.audit.receipts import (
    ReceiptInvalid,
    Verified,
    check_sign1,
    decode_sign1,
    ec_key,
    load_cert,
    parse_txid,
    verify_cose,
    verify_json,
)
from tracecheck.errors import BadInput

PROOF_KINDS = ("cose", "raw", "receipt")


@dataclass(frozen=True)
class Statement:
    """One verified statement: ``root`` (or, for a receipt, ``leaf``) signed for ``txid``."""

    kind: str
    txid: tuple[int, int]
    root: bytes
    leaf: bytes | None  # a receipt's leaf: the transaction's content the statement vouches for
    binds_txid: bool  # the signature covers the TxID (COSE header, or a receipt's commit evidence)


def _b64(value: object, where: str, field: str) -> bytes:
    try:
        return base64.b64decode(value if isinstance(value, str) else "", validate=True)
    except binascii.Error:
        raise BadInput("not base64", file=where, field=field) from None


def _root(value: object, where: str) -> bytes:
    try:
        root = bytes.fromhex(value) if isinstance(value, str) else b""
    except ValueError:
        root = b""
    if len(root) != DIGEST_SIZE:
        raise BadInput(f"not {DIGEST_SIZE} bytes of hex", file=where, field="root")
    return root


def _endorsed_signer(doc: dict[str, Any], service_cert: x509.Certificate, where: str) -> x509.Certificate:
    """The statement's ``cert``: the service certificate itself, or one it endorses (directly or
    through the statement's ``service_endorsements`` of previous service identities)."""
    pem = doc.get("cert")
    cert = load_cert(pem if isinstance(pem, str) else b"", where, "cert")
    endorsements = doc.get("service_endorsements", [])
    if not isinstance(endorsements, list) or not all(isinstance(e, str) for e in endorsements):
        raise BadInput("not a list of PEM strings", file=where, field="service_endorsements")
    previous = [load_cert(e, where, f"service_endorsements[{i}]") for i, e in enumerate(endorsements)]
    if cert != service_cert and not check_endorsed(cert, service_cert, previous):
        raise ReceiptInvalid("the certificate is not endorsed by the service", file=where, field="cert")
    return cert


def check_statement(doc: object, service_cert: x509.Certificate, where: str) -> Statement:
    """Verify one statement; BadInput if malformed, ReceiptInvalid if a signature does not verify."""
    if not isinstance(doc, dict) or doc.get("kind") not in PROOF_KINDS:
        raise BadInput(f"a statement is an object with kind one of {PROOF_KINDS}", file=where, field="kind")
    kind = doc["kind"]
    if kind == "receipt":
        verified = verify_json(doc.get("receipt"), service_cert, where)
        if verified.txid is None:
            raise BadInput("a receipt statement needs leaf_components", file=where, field="receipt")
        return Statement(kind, verified.txid, verified.root, verified.leaf, True)
    if kind == "cose":
        data = _b64(doc.get("cose_sign1"), where, "cose_sign1")
        sign1 = decode_sign1(data, where)
        signer = _endorsed_signer(doc, service_cert, where) if "cert" in doc else service_cert
        if sign1.unprotected:
            receipt: Verified = verify_cose(data, signer, where)
            root = receipt.root
        else:
            root = _root(doc.get("root"), where)
            check_sign1(sign1, root, ec_key(signer, where, "cert"), where)
        if "root" in doc and _root(doc["root"], where) != root:
            raise ReceiptInvalid("the statement's root is not the signed one", file=where, field="root")
        txid = sign1.txid
        if txid is None:
            raise BadInput(f"protected header has no {COSE_CCF_HEADER} txid", file=where, field="txid")
        return Statement(kind, txid, root, None, True)
    root = _root(doc.get("root"), where)
    cert = _endorsed_signer(doc, service_cert, where)
    key = ec_key(cert, where, "cert")
    if not verify_root_signature(key, root, _b64(doc.get("signature"), where, "signature")):
        raise ReceiptInvalid(
            f"the signature does not verify over root {root.hex()} with node {key_id(key)}",
            file=where,
            field="signature",
        )
    return Statement(kind, parse_txid(doc.get("txid"), where, "txid"), root, None, False)


def check_proof(doc: object, service_cert: x509.Certificate, where: str = "proof") -> tuple[int, int]:
    """Check a fork proof; returns the forked TxID. ReceiptInvalid names what does not hold."""
    if not isinstance(doc, dict):
        raise BadInput("a fork proof is a JSON object", file=where)
    txid = parse_txid(doc.get("txid"), where, "txid")
    statements = doc.get("statements")
    if not isinstance(statements, list) or len(statements) != 2:
        raise BadInput("a fork proof has exactly two statements", file=where, field="statements")
    a, b = (check_statement(s, service_cert, f"{where}: statements[{i}]") for i, s in enumerate(statements))
    for i, s in enumerate((a, b)):
        if s.txid != txid:
            raise ReceiptInvalid(
                f"statement {i} is for {s.txid[0]}.{s.txid[1]}, not {txid[0]}.{txid[1]}",
                file=where,
                field=f"statements[{i}].txid",
            )
    for i, s in enumerate((a, b)):
        if not s.binds_txid:
            raise ReceiptInvalid(
                "a raw signature signs the root only, not the TxID it is claimed for",
                file=where,
                field=f"statements[{i}]",
            )
    if a.kind == "receipt" and b.kind == "receipt":
        if a.leaf == b.leaf:
            raise ReceiptInvalid("both receipts vouch for the same leaf", file=where, field="statements")
    elif a.kind == "receipt" or b.kind == "receipt":
        raise BadInput("a receipt statement pairs with another receipt only", file=where, field="statements")
    elif a.root == b.root:
        raise ReceiptInvalid("both statements sign the same root", file=where, field="statements")
    return txid


def cose_statement(
    cose_sign1: bytes,
    root: bytes | None = None,
    cert: str | None = None,
    service_endorsements: list[str] | None = None,
) -> dict[str, Any]:
    """A COSE statement: a signature transaction's COSE_Sign1 with its root, or a COSE receipt.
    ``cert``: the signing service identity's PEM if it is a previous one (see ``service_endorsements``)."""
    doc: dict[str, Any] = {"kind": "cose", "cose_sign1": base64.b64encode(cose_sign1).decode("ascii")}
    if root is not None:
        doc["root"] = root.hex()
    if cert is not None:
        doc["cert"], doc["service_endorsements"] = cert, list(service_endorsements or [])
    return doc


def raw_statement(
    txid: str, root: bytes, signature: str, cert: str, service_endorsements: list[str] | None = None
) -> dict[str, Any]:
    """A raw statement: a node's base64 DER signature over ``root``, claimed for ``txid``."""
    return {
        "kind": "raw",
        "txid": txid,
        "root": root.hex(),
        "signature": signature,
        "cert": cert,
        "service_endorsements": list(service_endorsements or []),
    }


def receipt_statement(receipt: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "receipt", "receipt": receipt}


def build_proof(
    a: dict[str, Any], b: dict[str, Any], service_cert: x509.Certificate, where: str = "proof"
) -> dict[str, Any]:
    """A fork proof from two statements, checked before it is returned (a non-fork raises)."""
    txid = check_statement(a, service_cert, f"{where}: statements[0]").txid
    proof = {"txid": f"{txid[0]}.{txid[1]}", "statements": [a, b]}
    check_proof(proof, service_cert, where)
    return proof


def check_proof_file(path: Path, service_cert: x509.Certificate) -> tuple[int, int]:
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise BadInput(f"cannot read ({error})", file=path) from None
    try:
        doc = json.loads(text)
    except ValueError as error:
        raise BadInput(f"not JSON ({error})", file=path) from None
    return check_proof(doc, service_cert, str(path))
