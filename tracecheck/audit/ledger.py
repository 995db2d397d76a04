"""Audit a CCF ledger: seqnos and views, the Merkle root at every signature, both signatures, the
serialised tree, node endorsements and the service identity, streaming one chunk at a time.

A ledger verifies only if it ends on a signature: bytes no signature covers prove nothing.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from pyccf.formats.ledger import SINGLETON_KEY, ZERO_DIGEST, NodeStatus, Table
from tracecheck.audit.checks import OrderedChecks
from tracecheck.audit.errors import AuditFailure, MalformedLedger
from tracecheck.audit.merkle import CompactTree, serialised_tree
from tracecheck.audit.reader import Chunk, Entry, list_chunks, read_chunk
from tracecheck.audit.signatures import Defer, SignatureError, parse_raw, verify_cose, verify_raw

__all__ = ["AuditFailure", "AuditSummary", "audit_ledger", "load_service_cert"]


@dataclass
class AuditSummary:
    transactions: int = 0
    signatures: int = 0
    last_signed: str = ""
    chunks: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "transactions": self.transactions,
            "signatures": self.signatures,
            "last_signed": self.last_signed,
            "chunks": self.chunks,
        }


def load_service_cert(path: Path) -> x509.Certificate:
    try:
        return _load_cert(path.read_bytes())
    except OSError as exc:
        raise MalformedLedger(f"cannot read: {exc.strerror}", file=path, field="--service-cert") from None
    except ValueError:
        raise MalformedLedger("not a PEM certificate", file=path, field="--service-cert") from None


@functools.lru_cache(maxsize=64)  # the same few certificates come back with every signature
def _spki(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


@functools.lru_cache(maxsize=64)  # failures raise and are not cached
def _load_cert(pem: bytes) -> x509.Certificate:
    """A PEM certificate whose key parses too (cryptography parses keys lazily); ValueError otherwise."""
    try:
        cert = x509.load_pem_x509_certificate(pem)
        _spki(cert)
    except (UnsupportedAlgorithm, x509.InvalidVersion) as exc:
        raise ValueError(str(exc)) from None
    return cert


def leaf(entry: Entry) -> bytes:
    """The entry's Merkle leaf: SHA-256(write-set digest || commit-evidence digest || claims digest)."""
    wsd = hashlib.sha256(entry.raw).digest()
    return hashlib.sha256(wsd + entry.commit_evidence_digest + entry.claims_digest).digest()


#: The tables whose writes the auditor follows (read by _governance) and those of a signature transaction.
_GOVERNANCE_TABLES = frozenset(
    str(t) for t in (Table.SERVICE_INFO, Table.NODES_INFO, Table.NODES_ENDORSED_CERTIFICATES)
)
_SIGNATURE_TABLES = frozenset((str(Table.SIGNATURES), str(Table.COSE_SIGNATURES)))


class _Auditor:
    def __init__(self, expected_service: x509.Certificate | None, checks: OrderedChecks) -> None:
        self.expected = expected_service
        self.checks = checks
        self.tree = CompactTree()
        self.tree.append(ZERO_DIGEST)
        self.service: x509.Certificate | None = None
        self.certs: dict[str, x509.Certificate] = {}
        self.endorsed: set[tuple[x509.Certificate, x509.Certificate]] = set()  # verified pairs
        self.status: dict[str, str] = {}
        self.summary = AuditSummary()
        self.view = 0
        self.last_signature = 0

    def fail(self, entry: Entry, message: str, field: str | None = None) -> AuditFailure:
        name = str(field) if field else None
        return AuditFailure(message, file=entry.file, offset=entry.offset, seqno=entry.seqno, field=name)

    def add(self, entry: Entry, expected_seqno: int) -> None:
        if entry.seqno != expected_seqno:  # named by its position: the IV's seqno is what is wrong
            raise AuditFailure(
                f"the IV says seqno {entry.seqno}, expected {expected_seqno}",
                file=entry.file,
                offset=entry.offset,
                seqno=expected_seqno,
                field="iv seqno",
            )
        if entry.version != entry.seqno:
            raise self.fail(entry, f"the public domain says version {entry.version}", "version")
        if entry.view < self.view:
            raise self.fail(entry, f"view {entry.view} after view {self.view}", "iv view")
        self.view = entry.view
        if not _GOVERNANCE_TABLES.isdisjoint(entry.writes):  # most entries touch none: one set test
            self._governance(entry)
        if not _SIGNATURE_TABLES.isdisjoint(entry.writes):
            self._signature(entry)
        self.tree.append(leaf(entry))
        self.summary.transactions += 1

    def _governance(self, entry: Entry) -> None:
        info = entry.writes.get(Table.SERVICE_INFO, {}).get(SINGLETON_KEY)
        if info is not None:
            try:
                self.service = _load_cert(json.loads(info)["cert"].encode())
            except (ValueError, KeyError, TypeError, AttributeError):
                raise self.fail(entry, "no certificate in the service info", Table.SERVICE_INFO) from None
            if self.expected is not None and _spki(self.service) != _spki(self.expected):
                raise self.fail(
                    entry,
                    "the service certificate is not the expected one (--service-cert)",
                    Table.SERVICE_INFO,
                )
        for key, value in entry.writes.get(Table.NODES_INFO, {}).items():
            node = key.decode(errors="replace")
            if value is None:
                self.status.pop(node, None)
                continue
            try:
                self.status[node] = str(json.loads(value)["status"])
            except (ValueError, KeyError, TypeError):
                raise self.fail(entry, f"node {node}: no status in its node info", Table.NODES_INFO) from None
        for key, value in entry.writes.get(Table.NODES_ENDORSED_CERTIFICATES, {}).items():
            node = key.decode(errors="replace")
            if value is None:
                self.certs.pop(node, None)
                continue
            try:
                self.certs[node] = _load_cert(value)
            except ValueError:
                raise self.fail(
                    entry, f"node {node}: not a PEM certificate", Table.NODES_ENDORSED_CERTIFICATES
                ) from None

    def _defer(self, entry: Entry) -> Defer:
        """Where this entry's signature checks go: the ordered pool, failing as this entry."""

        def defer(verifies: Callable[[], bool], error: SignatureError) -> None:
            self.checks.submit(verifies, self.fail(entry, str(error), error.field))

        return defer

    def _signature(self, entry: Entry) -> None:
        root = self.tree.root()
        txid = (entry.view, entry.seqno)
        try:
            raw = entry.writes.get(Table.SIGNATURES, {}).get(SINGLETON_KEY)
            if raw is not None:
                self._raw(entry, raw, root)
            cose = entry.writes.get(Table.COSE_SIGNATURES, {}).get(SINGLETON_KEY)
            if cose is not None:
                if self.service is None:
                    raise self.fail(entry, "a COSE signature before any service cert", Table.COSE_SIGNATURES)
                signed = verify_cose(cose, self.service, root, self._defer(entry))
                if signed != txid:
                    raise self.fail(
                        entry, f"the COSE signature signs {signed[0]}.{signed[1]}", Table.COSE_SIGNATURES
                    )
            if raw is None and cose is None:
                raise self.fail(entry, "a signature table without its singleton value", Table.SIGNATURES)
        except SignatureError as exc:
            raise self.fail(entry, str(exc), exc.field) from None
        tree = entry.writes.get(Table.TREE, {}).get(SINGLETON_KEY)
        if tree is None:
            raise self.fail(entry, "a signature transaction without the serialised tree", Table.TREE)
        try:
            serialised = serialised_tree(tree)
        except ValueError as exc:
            raise self.fail(entry, f"malformed serialised tree: {exc}", Table.TREE) from None
        if serialised.size != self.tree.size or serialised.root() != root:
            raise self.fail(
                entry,
                f"the serialised tree ({serialised.size} leaves) is not the ledger's "
                f"({self.tree.size} leaves)",
                Table.TREE,
            )
        self.summary.signatures += 1
        self.summary.last_signed = f"{entry.view}.{entry.seqno}"
        self.last_signature = entry.seqno

    def _raw(self, entry: Entry, value: bytes, root: bytes) -> None:
        sig = parse_raw(value)
        if (sig.view, sig.seqno) != (entry.view, entry.seqno):
            raise self.fail(entry, f"the node signature signs {sig.view}.{sig.seqno}", Table.SIGNATURES)
        cert = self.certs.get(sig.node)
        status = self.status.get(sig.node)
        if cert is None or status is None:
            raise self.fail(entry, f"node {sig.node} has no endorsed cert and info", Table.SIGNATURES)
        if status == NodeStatus.PENDING:
            raise self.fail(entry, f"node {sig.node} is still Pending", Table.SIGNATURES)
        if sig.cert is not None:
            try:
                embedded = _load_cert(sig.cert)
            except ValueError:
                raise self.fail(entry, "the embedded node certificate is not PEM", Table.SIGNATURES) from None
            if _spki(embedded) != _spki(cert):
                raise self.fail(entry, f"the embedded certificate is not node {sig.node}'s", Table.SIGNATURES)
        if self.service is None:
            raise self.fail(entry, "a node signature before any service certificate", Table.SERVICE_INFO)
        if (cert, self.service) not in self.endorsed:  # one check per pair, not one per signature
            try:
                cert.verify_directly_issued_by(self.service)
            except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm) as exc:
                raise self.fail(
                    entry,
                    f"node {sig.node}'s certificate is not endorsed by the service: {exc}",
                    Table.NODES_ENDORSED_CERTIFICATES,
                ) from None
            self.endorsed.add((cert, self.service))
        if sig.root != root:  # checked after the signer: an unknown signer is the clearer report
            raise self.fail(entry, f"signed root {sig.root.hex()}, recomputed {root.hex()}", Table.SIGNATURES)
        verify_raw(sig, cert, root, self._defer(entry))


#: Called after each chunk with (chunks done, chunks in all, transactions so far): the CLI's progress line.
ChunkProgress = Callable[[int, int, int], None]


def audit_ledger(
    folder: Path,
    *,
    service_cert: x509.Certificate | None = None,
    uncommitted: bool = False,
    progress: ChunkProgress | None = None,
    workers: int | None = None,
    observe: Callable[[Entry], None] | None = None,
) -> AuditSummary:
    """Verify the ledger in ``folder``; AuditFailure or MalformedLedger on the first problem.

    ``workers`` threads verify signatures (default: one per core, at most 4; 1 verifies in line); the
    first problem reported is the same for any number. ``observe`` sees every entry once it is checked
    (e.g. the governance replay), so a second check of the ledger does not read it again."""
    checks = OrderedChecks(workers)
    try:
        try:
            return _audit(folder, _Auditor(service_cert, checks), uncommitted, progress, observe)
        except (AuditFailure, MalformedLedger):
            checks.drain()  # an earlier signature that fails is the first problem
            raise
    finally:
        checks.close()


def _audit(
    folder: Path,
    auditor: _Auditor,
    uncommitted: bool,
    progress: ChunkProgress | None,
    observe: Callable[[Entry], None] | None,
) -> AuditSummary:
    seqno = 1
    last: Entry | None = None
    chunks = list_chunks(folder, uncommitted=uncommitted)
    for done, chunk in enumerate(chunks, 1):
        auditor.summary.chunks.append(chunk.path.name)
        for entry in read_chunk(chunk):
            auditor.add(entry, seqno)
            if observe is not None:
                observe(entry)
            seqno, last = seqno + 1, entry
        _chunk_end(chunk, auditor, last)
        if progress is not None:
            progress(done, len(chunks), seqno - 1)
    auditor.checks.drain()
    assert last is not None  # list_chunks and read_chunk never yield an empty ledger
    if auditor.summary.signatures == 0:
        raise AuditFailure("no signature transaction: nothing is verified", file=folder, seqno=last.seqno)
    if auditor.last_signature != last.seqno:
        raise AuditFailure(
            f"{last.seqno - auditor.last_signature} transactions after the last signature "
            f"({auditor.summary.last_signed}) are not signed",
            file=last.file,
            offset=last.offset,
            seqno=last.seqno,
        )
    return auditor.summary


def _chunk_end(chunk: Chunk, auditor: _Auditor, last: Entry | None) -> None:
    if chunk.committed and last is not None and auditor.last_signature != last.seqno:
        raise AuditFailure(
            "a committed chunk that does not end on a signature",
            file=chunk.path,
            offset=last.offset,
            seqno=last.seqno,
        )
