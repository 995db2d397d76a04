"""CCF's ledger vocabulary: entry types, header flags and sizes, the tables a ledger holds, statuses.

Shared by pyccf's writer and tracecheck's auditor, which read and write the bytes with their own codecs.
The byte layouts are CCF's (``src/kv/serialised_entry_format.h``, ``doc/architecture/ledger.rst``).
"""

from __future__ import annotations

import re
from enum import IntEnum, IntFlag, StrEnum


class EntryType(IntEnum):
    """The first byte of a public domain. Current CCF writes only the last one."""

    WRITE_SET = 0
    SNAPSHOT = 1
    WRITE_SET_WITH_CLAIMS = 2
    WRITE_SET_WITH_COMMIT_EVIDENCE = 3
    WRITE_SET_WITH_COMMIT_EVIDENCE_AND_CLAIMS = 4


class EntryFlags(IntFlag):
    """The flags byte of an entry header; any other bit is malformed."""

    NONE = 0
    FORCE_LEDGER_CHUNK_AFTER = 0x01
    FORCE_LEDGER_CHUNK_BEFORE = 0x02


ENTRY_FORMAT_VERSION = 1  # entry_format_v1
ENTRY_HEADER_SIZE = 8  # u8 version, u8 flags, 48-bit LE size of what follows
GCM_TAG_SIZE = 16
GCM_IV_SIZE = 12  # u64 LE seqno, u32 LE view (31 bits; the top bit marks a snapshot)
PUBLIC_DOMAIN_SIZE_FIELD = 8  # u64 LE length of the public domain
MIN_ENTRY_SIZE = GCM_TAG_SIZE + GCM_IV_SIZE + PUBLIC_DOMAIN_SIZE_FIELD  # what follows the header, at least
DIGEST_SIZE = 32  # SHA-256: claims, commit evidence, write set, Merkle nodes
ZERO_DIGEST = bytes(DIGEST_SIZE)  # the claims digest of an entry without claims; Merkle leaf 0
CHUNK_HEADER_SIZE = 8  # u64 LE offset of the positions table (0 while the chunk is open)
POSITION_SIZE = 4  # u32 LE absolute file offset of each entry, in the table at the end of a chunk
MAX_ENTRY_SIZE = 2**48 - 1  # the header's 48-bit size field
SNAPSHOT_IV_BIT = 0x80  # the top bit of the IV's last byte (the view's 32nd bit): set only in snapshots
#: The flags byte's known bits as a plain int (``~`` of an IntFlag complements only within its members).
KNOWN_ENTRY_FLAGS = int(EntryFlags.FORCE_LEDGER_CHUNK_AFTER | EntryFlags.FORCE_LEDGER_CHUNK_BEFORE)

PUBLIC_PREFIX = "public:"  # maps whose writes are plaintext in the ledger; all others are encrypted
SINGLETON_KEY = bytes(8)  # the key of a singleton table's one value

NO_VERSION = 0  # CCF's kv::NoVersion: the seqno before the first transaction, a key never written
UNKNOWN_VIEW = 0  # CCF's VIEW_UNKNOWN / ViewHistory::InvalidView: a seqno not in the local log

COMMIT_EVIDENCE_PREFIX = "ce"  # commit evidence: "ce:<view>.<seqno>:<hex nonce>", SHA-256 of it in the entry


class Table(StrEnum):
    """The tables whose contents CCF's ledger readers interpret."""

    SIGNATURES = "public:ccf.internal.signatures"  # JSON signed by the node key
    COSE_SIGNATURES = "public:ccf.internal.cose_signatures"  # JSON string: base64 COSE_Sign1 by the service
    TREE = "public:ccf.internal.tree"  # the serialised Merkle tree (raw bytes)
    NODES_INFO = "public:ccf.gov.nodes.info"  # node id -> JSON NodeInfo
    NODES_ENDORSED_CERTIFICATES = "public:ccf.gov.nodes.endorsed_certificates"  # node id -> raw PEM
    SERVICE_INFO = "public:ccf.gov.service.info"  # singleton JSON {cert, status}
    SERVICE_CONFIG = "public:ccf.gov.service.config"  # singleton JSON, e.g. {recovery_threshold}
    MEMBERS_ENCRYPTION_PUBLIC_KEYS = "public:ccf.gov.members.encryption_public_keys"  # member id -> RSA PEM
    RECOVERY_SHARES = "public:ccf.internal.recovery_shares"  # singleton JSON: wrapped secret, shares
    HISTORICAL_LEDGER_SECRET = "public:ccf.internal.historical_encrypted_ledger_secret"  # the rekey chain
    PREVIOUS_SERVICE_IDENTITY = "public:ccf.gov.service.previous_service_identity"  # singleton raw PEM
    ENCRYPTED_SUBMITTED_SHARES = "public:ccf.internal.encrypted_submitted_shares"  # member id -> sealed share
    #: The new identity's endorsement of the previous one (PEM): pyccf's name, not CCF's.
    PREVIOUS_IDENTITY_ENDORSEMENT = "public:ccf.internal.previous_service_identity_endorsement"


class NodeStatus(StrEnum):
    PENDING = "Pending"
    TRUSTED = "Trusted"
    RETIRED = "Retired"


class ServiceStatus(StrEnum):
    OPENING = "Opening"
    OPEN = "Open"
    WAITING_FOR_RECOVERY_SHARES = "WaitingForRecoveryShares"
    RECOVERING = "Recovering"


class TxStatus(StrEnum):
    """A transaction's status as a node reports it (CCF's ``GET /tx``)."""

    UNKNOWN = "Unknown"
    PENDING = "Pending"
    COMMITTED = "Committed"
    INVALID = "Invalid"


#: Chunk file names: ``ledger_<start>-<end>.committed`` (closed, committed), ``ledger_<start>-<end>`` and
#: ``ledger_<start>`` (uncommitted; the newest is open). Other suffixes (``.recovery``, ``.ignored``) are not
#: part of the ledger.
CHUNK_NAME = re.compile(
    r"^ledger_(?P<start>[1-9][0-9]*)(?:-(?P<end>[1-9][0-9]*))?(?P<committed>\.committed)?$"
)


def chunk_name(start: int, end: int | None = None, *, committed: bool = False) -> str:
    """The file name of a chunk holding seqnos ``start`` to ``end`` (open-ended without ``end``)."""
    name = f"ledger_{start}" if end is None else f"ledger_{start}-{end}"
    return name + ".committed" if committed else name


#: COSE labels and values of CCF's COSE_Sign1 signatures and receipts (RFC 9052, RFC 8392,
#: draft-ietf-cose-merkle-tree-proofs, draft-birkholz-cose-receipts-ccf-profile).
COSE_SIGN1_TAG = 18
COSE_ALG = 1
COSE_KID = 4
COSE_CWT_CLAIMS = 15
COSE_VDS = 395  # verifiable data structure
COSE_VDP = 396  # verifiable data proofs, in the unprotected header of a receipt
COSE_ALG_ES384 = -35
COSE_VDS_CCF_LEDGER_SHA256 = 2
COSE_INCLUSION_PROOFS = -1  # in the VDP map: a list of bstr-wrapped CBOR proofs
COSE_PROOF_LEAF = 1  # in a proof: [write-set digest, commit evidence, claims digest]
COSE_PROOF_PATH = 2  # in a proof: [[sibling is left, sibling hash], ...]
CWT_ISS = 1
CWT_SUB = 2
CWT_IAT = 6
COSE_CCF_HEADER = "ccf.v1"  # protected header map holding {"txid": "<view>.<seqno>"}
