"""Disaster recovery of a governed service, after CCF's share manager and recovery flow.

A new service starts from the old ledger: its create transaction holds the old public domain as replayed
to the old ledger's last signature (governance, the recovery shares the old service issued, public
application maps), every old node ``Retired``, its own node ``Trusted``, and ``service.info``
``Recovering`` with the new identity, the old identity in ``service.previous_service_identity``. Members
open it (``transition_service_to_open`` with both identities: ``WaitingForRecoveryShares``) and submit
their decrypted shares; each is kept encrypted under the new ledger secret. At the threshold the shares
are combined and the old ledger secret unwrapped; the transaction that does so writes the old private
domain (decrypted, replayed to the same signature), the new identity's endorsement of the previous one,
fresh recovery shares of the new secret, and ``Open``.

Differences from CCF, on purpose: the new service's ledger starts at seqno 1 and carries the replayed
state in its first transaction (as a snapshot would) instead of continuing the old files; and a share
that makes the combination fail is refused alone, keeping the good ones (CCF clears them all).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pyccf.formats.governance import GovTable
from pyccf.formats.ledger import PUBLIC_PREFIX, SINGLETON_KEY, NodeStatus, ServiceStatus, Table
from pyccf.governance.requests import RequestRefused
from pyccf.kv.store import Store
from pyccf.ledger.files import LedgerFiles
from pyccf.ledger.secrets import LedgerSecret
from pyccf.ledger.sharing import (
    RecoveryShares,
    Share,
    ShareError,
    deal,
    recover_ledger_secret,
)
from pyccf.service.identity import Identity, endorse_previous_service
from pyccf.service.signing import Writes, json_bytes

#: Where the previous identity is kept (CCF's ``service.previous_service_identity``: raw PEM).
PREVIOUS_SERVICE_IDENTITY = Table.PREVIOUS_SERVICE_IDENTITY
#: Each submitted share, encrypted under the new ledger secret (member id -> nonce | ciphertext).
SUBMITTED_SHARES = Table.ENCRYPTED_SUBMITTED_SHARES
#: The new identity's endorsement of the previous one (PEM); receipts of the old service carry it as
#: ``service_endorsements``.
PREVIOUS_IDENTITY_ENDORSEMENT = Table.PREVIOUS_IDENTITY_ENDORSEMENT
#: Old public tables a recovered service does not take over: the old ledger's own signatures and tree,
#: and the members' signed requests and the proposals they decided (their evidence, the signed requests,
#: is in the old ledger, where an auditor checks them; a proposal left open is not carried over).
NOT_REPLAYED = (
    "public:ccf.internal.signatures",
    "public:ccf.internal.cose_signatures",
    Table.TREE,
    GovTable.COSE_HISTORY,
    GovTable.MEMBERS_ACKS,
    GovTable.PROPOSALS,
    GovTable.PROPOSALS_INFO,
)
_MR_ROUNDS = 40


def _probable_prime(n: int, rng: random.Random) -> bool:
    if n < 2 or n % 2 == 0:
        return n == 2
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(_MR_ROUNDS):
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(rng: random.Random, bits: int) -> int:
    while True:
        candidate = rng.getrandbits(bits) | (3 << (bits - 2)) | 1  # top two bits: n has full size
        small = all(candidate % p for p in (3, 5, 7, 11, 13, 17, 19, 23))
        if small and candidate % 65537 != 1 and _probable_prime(candidate, rng):
            return candidate


@functools.lru_cache(maxsize=64)
def rsa_key_from_seed(seed: bytes, name: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    """A member's RSA encryption key derived from ``seed`` and ``name`` (the library cannot derive one,
    so the primes are searched from a seeded generator): runs replay byte for byte."""
    rng = random.Random(hashlib.sha256(b"pyccf rsa\0" + seed + b"\0" + name.encode()).digest())
    e = 65537
    p, q = _prime(rng, bits // 2), _prime(rng, bits // 2)
    while p == q:
        q = _prime(rng, bits // 2)
    n, phi = p * q, (p - 1) * (q - 1)
    d = pow(e, -1, phi)
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, n)
    )
    return numbers.private_key()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def state_at_last_signature(folder: Path, secret: LedgerSecret | None = None) -> tuple[dict[str, Any], int]:
    """The tables of the ledger in ``folder`` replayed to its last signature (public ones only without
    ``secret``), and that signature's seqno. Only what a recovering node can read: ``.committed`` chunks
    and the open one, as written."""
    files = LedgerFiles(folder, secret=secret)
    last = 0
    for entry in files.entries():
        if Table.SIGNATURES in entry.public:
            last = entry.seqno
    state: dict[str, dict[bytes, bytes]] = {}
    for entry in files.entries():
        if entry.seqno > last:
            break
        domains = [entry.public, *([entry.private] if secret is not None and entry.private else [])]
        for maps in domains:
            for name, m in maps.items():
                table = state.setdefault(name, {})
                table.update(m.writes)
                for k in m.removals:
                    table.pop(k, None)
    return state, last


def recovery_create_writes(old_public: Mapping[str, Mapping[bytes, bytes]], new: Identity) -> Writes:
    """The recovering service's governance part of its create transaction: the replayed public domain,
    old nodes retired, ``Recovering`` under the new identity, the old identity kept."""
    writes: Writes = {
        name: dict(kvs)
        for name, kvs in old_public.items()
        if name.startswith(PUBLIC_PREFIX) and name not in NOT_REPLAYED
    }
    old_info = json.loads(old_public[Table.SERVICE_INFO][SINGLETON_KEY])
    writes[Table.NODES_INFO] = {
        k: json_bytes({**json.loads(v), "status": str(NodeStatus.RETIRED)})
        for k, v in old_public.get(Table.NODES_INFO, {}).items()
    }
    writes[Table.SERVICE_INFO] = {
        SINGLETON_KEY: json_bytes(
            {
                "cert": new.cert_pem,
                "recovery_count": int(old_info.get("recovery_count", 0)) + 1,
                "status": str(ServiceStatus.RECOVERING),
            }
        )
    }
    writes[PREVIOUS_SERVICE_IDENTITY] = {SINGLETON_KEY: str(old_info["cert"]).encode()}
    writes.pop(SUBMITTED_SHARES, None)
    return writes


def issue_shares(store: Store, secret: LedgerSecret, seed: bytes) -> Writes:
    """``recovery_shares`` of ``secret`` for the recovery members in ``store``, at its threshold (none
    without recovery members)."""
    keys = {
        k.decode(): serialization.load_pem_public_key(v)
        for k, v in store.state().get(Table.MEMBERS_ENCRYPTION_PUBLIC_KEYS, {}).items()
    }
    if not keys:
        return {}
    config = json.loads(store.get(Table.SERVICE_CONFIG, SINGLETON_KEY) or b"{}")
    rsa_keys = {mid: k for mid, k in keys.items() if isinstance(k, rsa.RSAPublicKey)}
    record = deal(secret.key, rsa_keys, int(config.get("recovery_threshold", 1)), seed)
    return {Table.RECOVERY_SHARES: {SINGLETON_KEY: json_bytes(record.to_json())}}


@dataclass
class Recovery:
    """What the recovering service needs to finish: the old ledger and the new service's keys."""

    old_ledger: Path
    new_service: Identity
    new_secret: LedgerSecret
    seed: bytes
    recovered: bytes | None = field(default=None, repr=False)  # the old ledger secret, once recovered

    def _seal(self, member_id: str, share: bytes) -> bytes:
        nonce = hashlib.sha256(b"pyccf submitted share\0" + member_id.encode() + share).digest()[:12]
        return nonce + AESGCM(self.new_secret.key).encrypt(nonce, share, member_id.encode())

    def _unseal(self, member_id: str, sealed: bytes) -> bytes:
        return AESGCM(self.new_secret.key).decrypt(sealed[:12], sealed[12:], member_id.encode())

    def submit(self, store: Store, member_id: str, share_b64: Any) -> tuple[Writes, dict[str, Any]]:
        """The writes of one member's ``recovery_share`` request and CCF's response body; RequestRefused
        (nothing written) for a share that cannot be one, or that makes the combination fail."""
        status = json.loads(store.get(Table.SERVICE_INFO, SINGLETON_KEY) or b"{}").get("status")
        if status != ServiceStatus.WAITING_FOR_RECOVERY_SHARES:
            raise RequestRefused(403, "ServiceNotWaitingForRecoveryShares", f"Service is {status}")
        try:
            raw = base64.b64decode(share_b64, validate=True) if isinstance(share_b64, str) else b""
            Share.from_bytes(raw, f"share of {member_id}")
        except (ShareError, ValueError) as error:
            raise RequestRefused(400, "InvalidInput", f"Error submitting recovery shares: {error}") from None
        submitted = {
            k.decode(): self._unseal(k.decode(), v)
            for k, v in store.state().get(SUBMITTED_SHARES, {}).items()
        }
        submitted[member_id] = raw
        config = json.loads(store.get(Table.SERVICE_CONFIG, SINGLETON_KEY) or b"{}")
        threshold = int(config.get("recovery_threshold", 1))
        writes: Writes = {SUBMITTED_SHARES: {member_id.encode(): self._seal(member_id, raw)}}
        body = {"submittedCount": len(submitted), "recoveryThreshold": threshold, "fullKeySubmitted": False}
        if len(submitted) < threshold:
            return writes, {
                **body,
                "message": f"{len(submitted)}/{threshold} recovery shares successfully submitted.",
            }
        record = RecoveryShares.from_json(
            json.loads(store.get(Table.RECOVERY_SHARES, SINGLETON_KEY) or b"{}")
        )
        try:
            shares = [Share.from_bytes(s, mid) for mid, s in sorted(submitted.items())]
            secret = recover_ledger_secret(shares, threshold, record.wrapped_latest_ledger_secret)
        except ShareError as error:
            raise RequestRefused(
                500, "InternalError", f"Failed to initiate private recovery: {error}"
            ) from None
        self.recovered = secret
        return {**writes, **self.private_recovery(store)}, {
            **body,
            "message": f"{len(submitted)}/{threshold} recovery shares successfully submitted. "
            "End of recovery procedure initiated.",
        }

    def private_recovery(self, store: Store) -> Writes:
        """With the old secret: the old private domain, the endorsement of the previous identity, new
        shares, ``Open`` (the submitted shares stay, unusable: they wrapped the old secret)."""
        assert self.recovered is not None
        state, _ = state_at_last_signature(self.old_ledger, LedgerSecret(self.recovered))
        writes: Writes = {
            name: dict(kvs) for name, kvs in state.items() if not name.startswith(PUBLIC_PREFIX)
        }
        previous = x509.load_pem_x509_certificate(store.get(PREVIOUS_SERVICE_IDENTITY, SINGLETON_KEY) or b"")
        cert = self.new_service.cert  # the endorsement is valid as long as the new identity
        endorsement = endorse_previous_service(
            previous,
            self.new_service,
            not_before=cert.not_valid_before_utc,
            validity=cert.not_valid_after_utc - cert.not_valid_before_utc,
        )
        writes[PREVIOUS_IDENTITY_ENDORSEMENT] = {
            SINGLETON_KEY: endorsement.public_bytes(serialization.Encoding.PEM)
        }
        info = json.loads(store.get(Table.SERVICE_INFO, SINGLETON_KEY) or b"{}")
        writes[Table.SERVICE_INFO] = {SINGLETON_KEY: json_bytes({**info, "status": str(ServiceStatus.OPEN)})}
        writes.update(issue_shares(store, self.new_secret, self.seed))
        return writes
