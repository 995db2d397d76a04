"""The ledger secret: deterministic keys, CCF's IV, AES-GCM with the public domain as AAD, commit evidence."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest

from pyccf.ledger.secrets import (
    COMMIT_SECRET_LABEL,
    LedgerSecret,
    commit_evidence_digest,
    gcm_iv,
)

KEY = bytes(range(32))


def hkdf_sha256(ikm: bytes, info: bytes) -> bytes:
    """RFC 5869 by hand (salt = zeros, one block), to check the library call independently."""
    prk = hmac.digest(bytes(32), ikm, "sha256")
    return hmac.digest(prk, info + b"\x01", "sha256")


def test_iv_is_seqno_then_view_little_endian():
    assert gcm_iv(2, 0x0102) == bytes.fromhex("020100000000000002000000")
    with pytest.raises(ValueError):
        gcm_iv(2**31, 1)  # the top bit is the snapshot flag


def test_key_size_is_enforced():
    with pytest.raises(ValueError, match="32 bytes"):
        LedgerSecret(bytes(16))


def test_from_seed_is_deterministic_and_seed_dependent():
    assert LedgerSecret.from_seed(b"a") == LedgerSecret.from_seed(b"a")
    assert LedgerSecret.from_seed(b"a") != LedgerSecret.from_seed(b"b")


def test_commit_secret_is_hkdf_of_the_ledger_secret_and_nonce_is_hmac_of_the_txid():
    secret = LedgerSecret(KEY)
    commit_secret = hkdf_sha256(KEY, COMMIT_SECRET_LABEL)
    assert secret.commit_secret == commit_secret
    assert secret.commit_nonce(3, 17) == hmac.digest(commit_secret, b"3.17", "sha256")


def test_commit_evidence_names_the_txid_and_differs_per_txid():
    secret = LedgerSecret(KEY)
    evidence = secret.commit_evidence(3, 17)
    assert re.fullmatch(r"ce:3\.17:[0-9a-f]{64}", evidence)
    assert evidence != secret.commit_evidence(3, 18) != secret.commit_evidence(4, 17)
    assert LedgerSecret(bytes(32)).commit_evidence(3, 17) != evidence
    assert commit_evidence_digest(evidence) == hashlib.sha256(evidence.encode()).digest()


def test_encryption_authenticates_the_public_domain():
    secret = LedgerSecret(KEY)
    ciphertext, tag = secret.encrypt(2, 5, b"private maps", b"public domain")
    assert len(tag) == 16 and ciphertext != b"private maps"
    assert secret.decrypt(2, 5, ciphertext, tag, b"public domain") == b"private maps"
    for broken in [
        lambda: secret.decrypt(2, 5, ciphertext, tag, b"public domaiN"),  # tampered AAD
        lambda: secret.decrypt(2, 6, ciphertext, tag, b"public domain"),  # another IV
        lambda: secret.decrypt(2, 5, bytes([ciphertext[0] ^ 1]) + ciphertext[1:], tag, b"public domain"),
        lambda: LedgerSecret(bytes(32)).decrypt(2, 5, ciphertext, tag, b"public domain"),
    ]:
        with pytest.raises(ValueError, match="GCM tag"):
            broken()


def test_empty_private_domain_still_has_a_tag_over_the_public_domain():
    ciphertext, tag = LedgerSecret(KEY).encrypt(1, 1, b"", b"public")
    assert ciphertext == b"" and tag != bytes(16)
