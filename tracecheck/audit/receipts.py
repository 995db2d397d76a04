"""An independent verifier of CCF receipts, JSON and COSE, against a service certificate.

A receipt proves a transaction's leaf lies under a root that the service signed. The JSON form carries the
signing node's certificate, which must chain to the service certificate (directly or through the
``service_endorsements`` of previous service identities), and the node id, which must name that
certificate's key: CCF's own ``ccf.receipt`` does not check the latter. The COSE form is signed by the
service key itself. Malformed input raises :class:`~tracecheck.errors.BadInput`; a receipt that is
well-formed but does not verify raises :class:`ReceiptInvalid`, naming the field that failed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from pyccf.formats.ledger import (
    COMMIT_EVIDENCE_PREFIX,
    COSE_ALG,
    COSE_ALG_ES384,
    COSE_CCF_HEADER,
    COSE_INCLUSION_PROOFS,
    COSE_KID,
    COSE_PROOF_LEAF,
    COSE_PROOF_PATH,
    COSE_SIGN1_TAG,
    COSE_VDP,
    COSE_VDS,
    COSE_VDS_CCF_LEDGER_SHA256,
    DIGEST_SIZE,
    SINGLETON_KEY,
    ZERO_DIGEST,
    Table,
)
from tracecheck.audit.crypto import (
    check_endorsed,
    fold,
    key_id,
    leaf_of,
    verify_root_signature,
    verify_sign1,
)
from tracecheck.audit.ledger import audit_ledger, leaf
from tracecheck.audit.ledger import load_service_cert as ledger_service_cert
from tracecheck.audit.merkle import CompactTree
from tracecheck.audit.reader import list_chunks, read_chunk
from tracecheck.audit.signatures import parse_raw
from tracecheck.errors import BadInput, TracecheckError

_TXID = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_COMMIT_EVIDENCE = re.compile(rf"^{COMMIT_EVIDENCE_PREFIX}:(0|[1-9][0-9]*)\.(0|[1-9][0-9]*):[0-9a-f]+$")


class ReceiptInvalid(TracecheckError):
    """A well-formed receipt (or fork proof) that does not verify; ``field`` names what failed."""


@dataclass(frozen=True)
class Verified:
    """What a verified receipt proves: ``leaf`` is under ``root``, signed by ``signer``."""

    kind: str  # "json", "json-signature" (a signature transaction's own receipt) or "cose"
    leaf: bytes
    root: bytes
    signer: str  # the node id (JSON) or the service key id (COSE)
    txid: tuple[int, int] | None  # the transaction's (view, seqno), from its commit evidence
    signature_txid: tuple[int, int] | None  # the signature's (view, seqno), signed in COSE only
    signature: bytes = b""  # the signature bytes over ``root``, to compare with the ledger's
    write_set_digest: bytes = b""  # from the leaf components (empty for a signature's own receipt)

    def to_json(self) -> dict[str, Any]:
        def tx(t: tuple[int, int] | None) -> str | None:
            return None if t is None else f"{t[0]}.{t[1]}"

        return {
            "kind": self.kind,
            "leaf": self.leaf.hex(),
            "root": self.root.hex(),
            "signer": self.signer,
            "txid": tx(self.txid),
            "signature_txid": tx(self.signature_txid),
        }


# ---------------------------------------------------------------------------------------- primitives


def load_cert(pem: str | bytes, where: str, field: str | None = None) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.encode() if isinstance(pem, str) else pem)
    except ValueError as error:
        raise BadInput(f"not a PEM certificate ({error})", file=where, field=field) from None


def ec_key(cert: x509.Certificate, where: str, field: str) -> ec.EllipticCurvePublicKey:
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ReceiptInvalid("the certificate's key is not an EC key", file=where, field=field)
    return key


def parse_txid(text: object, where: str, field: str) -> tuple[int, int]:
    match = _TXID.match(text) if isinstance(text, str) else None
    if match is None:
        raise BadInput(f"not a TxID <view>.<seqno>: {text!r}", file=where, field=field)
    return int(match[1]), int(match[2])


def _commit_evidence_txid(evidence: str, where: str) -> tuple[int, int]:
    match = _COMMIT_EVIDENCE.match(evidence)
    if match is None:
        raise BadInput(f"not ce:<view>.<seqno>:<hex>: {evidence!r}", file=where, field="commit_evidence")
    return int(match[1]), int(match[2])


# ---------------------------------------------------------------------------------------- JSON


def _hex_digest(value: object, where: str, field: str) -> bytes:
    try:
        digest = bytes.fromhex(value) if isinstance(value, str) else b""
    except ValueError:
        digest = b""
    if len(digest) != DIGEST_SIZE:
        raise BadInput(f"not {DIGEST_SIZE} bytes of hex", file=where, field=field)
    return digest


def _json_path(proof: object, where: str) -> list[tuple[bool, bytes]]:
    if not isinstance(proof, list):
        raise BadInput("not a list", file=where, field="proof")
    path = []
    for i, step in enumerate(proof):
        if not isinstance(step, dict) or len(step) != 1 or next(iter(step)) not in ("left", "right"):
            raise BadInput('not {"left": hex} or {"right": hex}', file=where, field=f"proof[{i}]")
        side, value = next(iter(step.items()))
        path.append((side == "left", _hex_digest(value, where, f"proof[{i}].{side}")))
    return path


def _str(doc: dict[str, Any], name: str, where: str) -> str:
    value = doc.get(name)
    if not isinstance(value, str):
        raise BadInput("missing or not a string", file=where, field=name)
    return value


def verify_json(doc: object, service_cert: x509.Certificate, where: str = "receipt") -> Verified:
    """Verify a JSON receipt (a transaction's, or a signature transaction's own) against the service."""
    if not isinstance(doc, dict):
        raise BadInput("a JSON receipt is an object", file=where)
    txid = None
    if "leaf" in doc:
        kind, leaf = "json-signature", _hex_digest(doc["leaf"], where, "leaf")
        if doc.get("proof") != []:
            raise BadInput("a signature transaction's receipt has an empty proof", file=where, field="proof")
        path: list[tuple[bool, bytes]] = []
        wsd = b""
    else:
        components = doc.get("leaf_components")
        if not isinstance(components, dict):
            raise BadInput("missing or not an object", file=where, field="leaf_components")
        evidence = _str(components, "commit_evidence", where)
        txid = _commit_evidence_txid(evidence, where)
        wsd = _hex_digest(components.get("write_set_digest"), where, "write_set_digest")
        claims = _hex_digest(components.get("claims_digest"), where, "claims_digest")
        kind, leaf, path = "json", leaf_of(wsd, evidence, claims), _json_path(doc.get("proof"), where)
    node_id = _str(doc, "node_id", where)
    node_cert = load_cert(_str(doc, "cert", where), where, "cert")
    endorsements = doc.get("service_endorsements", [])
    if not isinstance(endorsements, list) or not all(isinstance(e, str) for e in endorsements):
        raise BadInput("not a list of PEM strings", file=where, field="service_endorsements")
    try:
        signature = base64.b64decode(_str(doc, "signature", where), validate=True)
    except binascii.Error:
        raise BadInput("not base64", file=where, field="signature") from None
    root = fold(leaf, path)
    key = ec_key(node_cert, where, "cert")
    if not verify_root_signature(key, root, signature):
        raise ReceiptInvalid(
            f"the signature does not verify over root {root.hex()} with the node's key",
            file=where,
            field="signature",
        )
    previous = [load_cert(e, where, f"service_endorsements[{i}]") for i, e in enumerate(endorsements)]
    if not check_endorsed(node_cert, service_cert, previous):
        raise ReceiptInvalid("the node certificate is not endorsed by the service", file=where, field="cert")
    if node_id != key_id(key):
        raise ReceiptInvalid(
            f"node_id {node_id} is not the certificate's key id {key_id(key)}", file=where, field="node_id"
        )
    return Verified(kind, leaf, root, node_id, txid, None, signature, wsd)


# ---------------------------------------------------------------------------------------- COSE


@dataclass(frozen=True)
class Sign1:
    """A decoded COSE_Sign1 as CCF writes it (payload detached)."""

    protected: bytes
    header: Mapping[Any, Any]
    unprotected: Mapping[Any, Any]  # cbor2 decodes a tag's content immutably: frozendict, tuple
    signature: bytes

    @property
    def txid(self) -> tuple[int, int] | None:
        ccf = self.header.get(COSE_CCF_HEADER)
        if not isinstance(ccf, Mapping) or not isinstance(ccf.get("txid"), str):
            return None
        match = _TXID.match(ccf["txid"])
        return None if match is None else (int(match[1]), int(match[2]))


def decode_sign1(data: bytes, where: str) -> Sign1:
    try:
        message = cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, TypeError, EOFError) as error:
        raise BadInput(f"not CBOR ({error})", file=where) from None
    if not isinstance(message, cbor2.CBORTag) or message.tag != COSE_SIGN1_TAG:
        raise BadInput(f"not a COSE_Sign1 (CBOR tag {COSE_SIGN1_TAG})", file=where)
    value = message.value
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        raise BadInput("a COSE_Sign1 is an array of 4", file=where)
    protected, unprotected, payload, signature = value
    if not (
        isinstance(protected, bytes) and isinstance(unprotected, Mapping) and isinstance(signature, bytes)
    ):
        raise BadInput("COSE_Sign1 fields of the wrong types", file=where)
    if payload is not None:
        raise BadInput("CCF's COSE_Sign1 has a detached (nil) payload", file=where, field="payload")
    try:
        header = cbor2.loads(protected) if protected else {}
    except (cbor2.CBORDecodeError, ValueError, TypeError, EOFError) as error:
        raise BadInput(f"protected header not CBOR ({error})", file=where, field="protected") from None
    if not isinstance(header, Mapping):
        raise BadInput("protected header is not a map", file=where, field="protected")
    return Sign1(protected, header, unprotected, signature)


def check_sign1(sign1: Sign1, root: bytes, service_key: ec.EllipticCurvePublicKey, where: str) -> None:
    """The protected header's alg, kid and vds, and the service's signature over ``root``."""
    if sign1.header.get(COSE_ALG) != COSE_ALG_ES384:
        raise ReceiptInvalid(f"alg is not ES384 ({COSE_ALG_ES384})", file=where, field="alg")
    if sign1.header.get(COSE_KID) != key_id(service_key).encode("ascii"):
        raise ReceiptInvalid("kid is not the service key's id", file=where, field="kid")
    if sign1.header.get(COSE_VDS) != COSE_VDS_CCF_LEDGER_SHA256:
        raise ReceiptInvalid(f"vds is not {COSE_VDS_CCF_LEDGER_SHA256}", file=where, field="vds")
    if not verify_sign1(service_key, sign1.protected, root, sign1.signature):
        raise ReceiptInvalid(
            f"the signature does not verify over root {root.hex()} with the service key",
            file=where,
            field="signature",
        )


def _cose_proof(sign1: Sign1, where: str) -> tuple[bytes, str, list[tuple[bool, bytes]], bytes]:
    """The one inclusion proof's leaf, commit evidence, path and write-set digest."""
    vdp = sign1.unprotected.get(COSE_VDP)
    proofs = vdp.get(COSE_INCLUSION_PROOFS) if isinstance(vdp, Mapping) else None
    if not isinstance(proofs, (list, tuple)) or len(proofs) != 1 or not isinstance(proofs[0], bytes):
        raise BadInput(f"header {COSE_VDP} is not {{-1: [bstr]}}", file=where, field="vdp")
    try:
        proof = cbor2.loads(proofs[0])
    except (cbor2.CBORDecodeError, ValueError, TypeError, EOFError) as error:
        raise BadInput(f"inclusion proof not CBOR ({error})", file=where, field="vdp") from None
    leaf_parts = proof.get(COSE_PROOF_LEAF) if isinstance(proof, Mapping) else None
    path_parts = proof.get(COSE_PROOF_PATH) if isinstance(proof, Mapping) else None
    if not (
        isinstance(leaf_parts, (list, tuple))
        and len(leaf_parts) == 3
        and isinstance(leaf_parts[0], bytes)
        and isinstance(leaf_parts[1], str)
        and isinstance(leaf_parts[2], bytes)
        and all(len(leaf_parts[i]) == DIGEST_SIZE for i in (0, 2))
    ):
        raise BadInput("leaf is not [bstr .size 32, tstr, bstr .size 32]", file=where, field="leaf")
    if not isinstance(path_parts, (list, tuple)) or not all(
        isinstance(s, (list, tuple))
        and len(s) == 2
        and isinstance(s[0], bool)
        and isinstance(s[1], bytes)
        and len(s[1]) == DIGEST_SIZE
        for s in path_parts
    ):
        raise BadInput("path is not [[bool, bstr .size 32], ...]", file=where, field="path")
    wsd, evidence, claims = leaf_parts
    return leaf_of(wsd, evidence, claims), evidence, [(s[0], s[1]) for s in path_parts], wsd


def verify_cose(data: bytes, service_cert: x509.Certificate, where: str = "receipt") -> Verified:
    """Verify a COSE receipt: fold its inclusion path, check the service's signature over the result."""
    sign1 = decode_sign1(data, where)
    leaf, evidence, path, wsd = _cose_proof(sign1, where)
    txid = _commit_evidence_txid(evidence, where)
    root = fold(leaf, path)
    service_key = ec_key(service_cert, "service certificate", "key")
    check_sign1(sign1, root, service_key, where)
    signed = sign1.txid
    if signed is None:
        raise BadInput(f"protected header has no {COSE_CCF_HEADER} txid", file=where, field="txid")
    if not txid[1] < signed[1]:
        raise ReceiptInvalid(
            f"transaction {txid[0]}.{txid[1]} is not before the signature {signed[0]}.{signed[1]}",
            file=where,
            field="txid",
        )
    return Verified("cose", leaf, root, key_id(service_key), txid, signed, sign1.signature, wsd)


# ---------------------------------------------------------------------------------------- files


def verify_file(path: Path, service_cert: x509.Certificate) -> Verified:
    """A receipt file: JSON if named ``*.json`` or holding a JSON object, COSE bytes otherwise."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BadInput(f"cannot read ({error.strerror})", file=path) from None
    if path.suffix == ".json" or data.lstrip()[:1] == b"{":
        try:
            doc = json.loads(data)
        except ValueError as error:
            raise BadInput(f"not JSON ({error})", file=path) from None
        return verify_json(doc, service_cert, str(path))
    return verify_cose(data, service_cert, str(path))


def load_service_cert(path: Path) -> x509.Certificate:
    """The ``--service-cert`` of ``audit ledger``, whose key must also be an EC key to check receipts."""
    cert = ledger_service_cert(path)
    if not isinstance(cert.public_key(), ec.EllipticCurvePublicKey):
        raise BadInput("the service certificate's key is not an EC key", file=path)
    return cert


# ---------------------------------------------------------------------------------------- against a ledger


@dataclass(frozen=True)
class LedgerSignature:
    """A signature transaction: its TxID, the root it signs and both signatures' bytes (empty if absent)."""

    view: int
    seqno: int
    root: bytes
    node_sig: bytes
    cose_sig: bytes


@dataclass(frozen=True)
class LedgerIndex:
    """What receipts are checked against: each seqno's (view, write-set digest, leaf); the signatures."""

    folder: Path
    entries: dict[int, tuple[int, bytes, bytes]]
    signatures: list[LedgerSignature]

    def covering(self, seqno: int) -> LedgerSignature | None:
        """The first signature after ``seqno``: the one a receipt for ``seqno`` is issued under."""
        return next((s for s in self.signatures if s.seqno > seqno), None)


def _cose_signature(value: bytes) -> bytes:
    """The signature bytes of a ledger's COSE signature (a JSON string of the base64 COSE_Sign1)."""
    message = cbor2.loads(base64.b64decode(json.loads(value), validate=True))
    return bytes(message.value[3])


def index_ledger(folder: Path, service_cert: x509.Certificate) -> LedgerIndex:
    """Audit the ledger's committed chunks (so every root below is verified), then index them."""
    audit_ledger(folder, service_cert=service_cert)
    tree = CompactTree()
    tree.append(ZERO_DIGEST)
    entries: dict[int, tuple[int, bytes, bytes]] = {}
    signatures = []
    for chunk in list_chunks(folder, uncommitted=False):
        for entry in read_chunk(chunk):
            entry_leaf = leaf(entry)
            entries[entry.seqno] = (entry.view, hashlib.sha256(entry.raw).digest(), entry_leaf)
            raw = entry.writes.get(Table.SIGNATURES, {}).get(SINGLETON_KEY)
            cose = entry.writes.get(Table.COSE_SIGNATURES, {}).get(SINGLETON_KEY)
            if raw is not None or cose is not None:  # the audit above has parsed and verified both
                node_sig = parse_raw(raw).sig if raw is not None else b""
                cose_sig = _cose_signature(cose) if cose is not None else b""
                signatures.append(LedgerSignature(entry.view, entry.seqno, tree.root(), node_sig, cose_sig))
            tree.append(entry_leaf)
    return LedgerIndex(folder, entries, signatures)


def check_in_ledger(verified: Verified, index: LedgerIndex, where: str) -> None:
    """The receipt's transaction is the ledger's at its seqno, under the signature that covers it."""

    def fail(message: str, field: str, seqno: int | None) -> ReceiptInvalid:
        at = "" if seqno is None else f" at seqno {seqno}"
        return ReceiptInvalid(f"{message}{at} in ledger {index.folder}", file=where, field=field)

    if verified.txid is None:  # a signature transaction's own receipt: it names no seqno, only a root
        found_sig = next((s for s in index.signatures if s.root == verified.root), None)
        if found_sig is None:
            raise fail(f"no signature transaction signs root {verified.root.hex()}", "root", None)
        signature = found_sig
    else:
        view, seqno = verified.txid
        found = index.entries.get(seqno)
        if found is None:
            last = max(index.entries)
            raise fail(f"the ledger's committed chunks end at seqno {last}", "commit_evidence", seqno)
        ledger_view, wsd, ledger_leaf = found
        if verified.write_set_digest and verified.write_set_digest != wsd:
            raise fail(
                f"write_set_digest {verified.write_set_digest.hex()} is not the entry's {wsd.hex()}",
                "write_set_digest",
                seqno,
            )
        if view != ledger_view:
            raise fail(f"view {view} is not the entry's view {ledger_view}", "commit_evidence", seqno)
        if verified.leaf != ledger_leaf:
            raise fail("the leaf (commit evidence or claims digest) is not the entry's", "leaf", seqno)
        covering = index.covering(seqno)
        if covering is None:
            raise fail("no signature transaction covers the entry", "signature", seqno)
        signature = covering
        if verified.root != signature.root:
            raise fail(
                f"root {verified.root.hex()} is not the root {signature.root.hex()} signed by "
                f"{signature.view}.{signature.seqno}",
                "root",
                seqno,
            )
    theirs = signature.cose_sig if verified.kind == "cose" else signature.node_sig
    if verified.signature != theirs:
        raise fail(f"the signature is not that of {signature.view}.{signature.seqno}", "signature", None)
    if verified.signature_txid is not None and verified.signature_txid != (signature.view, signature.seqno):
        txid = verified.signature_txid
        raise fail(f"signs {txid[0]}.{txid[1]}, not {signature.view}.{signature.seqno}", "txid", None)
