"""The ledger secret: AES-256-GCM encryption of private domains, and commit evidence derived from it.

As CCF (``src/node/encryptor.h``, ``src/node/ledger_secret.h``): the IV is the entry's TxID (u64 LE seqno,
u32 LE view), the public domain is the additional authenticated data, so the GCM tag authenticates the
public domain even when there is no private domain. The commit secret is HKDF-SHA256 of the ledger
secret (no salt, info ``COMMIT_SECRET_LABEL``); a transaction's commit-evidence nonce is
HMAC-SHA256(commit secret, ``"<view>.<seqno>"``), so the evidence can be revealed only by a holder of the
ledger secret, i.e. once the transaction is committed.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import cached_property

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from pyccf.formats.ledger import COMMIT_EVIDENCE_PREFIX, GCM_IV_SIZE, GCM_TAG_SIZE

LEDGER_SECRET_SIZE = 32  # AES-256
COMMIT_SECRET_LABEL = b"Commit secret label"  # HKDF info of the commit secret
SEED_LABEL = b"pyccf ledger secret"  # HKDF info of a ledger secret derived from a seed
MAX_VIEW = 2**31 - 1  # the IV's view has 31 bits; the top bit marks a snapshot


def gcm_iv(view: int, seqno: int) -> bytes:
    """The entry's 12-byte IV: u64 LE seqno, u32 LE view (snapshot bit clear)."""
    if not 0 <= view <= MAX_VIEW or not 0 <= seqno < 2**64:
        raise ValueError(f"TxID {view}.{seqno} does not fit an IV")
    iv = seqno.to_bytes(8, "little") + view.to_bytes(4, "little")
    assert len(iv) == GCM_IV_SIZE
    return iv


def commit_evidence_string(view: int, seqno: int, nonce: bytes) -> str:
    return f"{COMMIT_EVIDENCE_PREFIX}:{view}.{seqno}:{nonce.hex()}"


def commit_evidence_digest(evidence: str) -> bytes:
    """What the entry holds: SHA-256 of the evidence string's UTF-8 bytes."""
    return hashlib.sha256(evidence.encode()).digest()


@dataclass(frozen=True)
class LedgerSecret:
    """A 32-byte AES-256-GCM key; every nonce and tag derives from it and the TxID (deterministic)."""

    key: bytes

    def __post_init__(self) -> None:
        if len(self.key) != LEDGER_SECRET_SIZE:
            raise ValueError(f"a ledger secret has {LEDGER_SECRET_SIZE} bytes, not {len(self.key)}")

    @classmethod
    def from_seed(cls, seed: bytes) -> LedgerSecret:
        """A ledger secret derived from key material of any length (HKDF-SHA256, info ``SEED_LABEL``)."""
        return cls(_hkdf(seed, SEED_LABEL))

    @cached_property
    def commit_secret(self) -> bytes:
        return _hkdf(self.key, COMMIT_SECRET_LABEL)

    @cached_property
    def _aead(self) -> AESGCM:
        """The key schedule, expanded once (an entry per transaction makes it a hot path)."""
        return AESGCM(self.key)

    def commit_nonce(self, view: int, seqno: int) -> bytes:
        return hmac.digest(self.commit_secret, f"{view}.{seqno}".encode(), "sha256")

    def commit_evidence(self, view: int, seqno: int) -> str:
        """``ce:<view>.<seqno>:<hex nonce>``; reveal only for committed transactions."""
        return commit_evidence_string(view, seqno, self.commit_nonce(view, seqno))

    def encrypt(self, view: int, seqno: int, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
        """(ciphertext, tag) of the private domain, authenticating the public domain ``aad``."""
        sealed = self._aead.encrypt(gcm_iv(view, seqno), plaintext, aad)
        return sealed[:-GCM_TAG_SIZE], sealed[-GCM_TAG_SIZE:]

    def decrypt(self, view: int, seqno: int, ciphertext: bytes, tag: bytes, aad: bytes) -> bytes:
        """The private domain's plaintext; ``ValueError`` if the tag does not authenticate it and ``aad``."""
        try:
            return self._aead.decrypt(gcm_iv(view, seqno), ciphertext + tag, aad)
        except InvalidTag:
            raise ValueError(f"GCM tag of {view}.{seqno} does not authenticate the entry") from None


def _hkdf(material: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=LEDGER_SECRET_SIZE, salt=None, info=info).derive(material)
