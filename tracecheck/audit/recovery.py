"""Recover a CCF ledger's secrets from its members' keys and check every entry's AES-GCM tag.

CCF seals each entry under the ledger secret in force at its seqno: the IV is the entry's (seqno, view),
the public domain the additional data, so the tag authenticates the public domain too and a private
domain decrypts only under the right key. The latest secret is wrapped in ``recovery_shares`` under a
key derived from the members' combined shares (each RSA-OAEP-SHA256-wrapped to the member's encryption
key); each rekey leaves the previous secret, sealed under its successor, in the historical chain.
Fewer keys than the recovery threshold is bad input (exit 2): the ledger is not at fault.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from pyccf.formats.ledger import (
    ENTRY_HEADER_SIZE,
    GCM_IV_SIZE,
    GCM_TAG_SIZE,
    MIN_ENTRY_SIZE,
    PUBLIC_DOMAIN_SIZE_FIELD,
    SINGLETON_KEY,
    Table,
)
from tracecheck.audit.errors import AuditFailure, MalformedLedger
from tracecheck.audit.reader import Entry, list_chunks, read_chunk
from tracecheck.errors import BadInput

PRIME = 2**31 - 1  # CCF's secret sharing field, GF(2^31 - 1)
LIMBS = 10  # a share is u32 x then 10 u32 limbs of y, little-endian
SHARE_SIZE = 4 + 4 * LIMBS
SECRET_SIZE = 32
MEMBER_KEY_GLOB = "*_enc_privk.pem"
_OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


@dataclass
class RecoverySummary:
    secrets: int = 0  # ledger secrets recovered (the latest and its predecessors)
    entries: int = 0  # entries whose tag verified
    private_domains: int = 0  # of them, those with a private domain (decrypted)
    members: list[str] = field(default_factory=list)  # whose shares were used

    def to_json(self) -> dict[str, Any]:
        return {
            "secrets": self.secrets,
            "entries": self.entries,
            "private_domains": self.private_domains,
            "members": self.members,
        }


def load_member_keys(folder: Path) -> list[tuple[Path, rsa.RSAPrivateKey]]:
    """The RSA encryption private keys ``*_enc_privk.pem`` in ``folder``."""
    if not folder.is_dir():
        raise BadInput("not a folder", file=folder, field="--member-keys")
    keys = []
    for path in sorted(folder.glob(MEMBER_KEY_GLOB)):
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise BadInput("not an unencrypted PEM private key", file=path, field="--member-keys") from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise BadInput(
                "not an RSA key (members' encryption keys are RSA)", file=path, field="--member-keys"
            )
        keys.append((path, key))
    if not keys:
        raise BadInput(f"no member encryption keys ({MEMBER_KEY_GLOB})", file=folder, field="--member-keys")
    return keys


def load_ledger_secret(path: Path) -> bytes:
    """A ledger secret given directly: a file holding its 32 bytes in hex."""
    try:
        key = bytes.fromhex(path.read_text().strip())
    except OSError as exc:
        raise BadInput(f"cannot read: {exc.strerror}", file=path, field="--ledger-secret") from None
    except ValueError:
        raise BadInput("not hex", file=path, field="--ledger-secret") from None
    if len(key) != SECRET_SIZE:
        raise BadInput(
            f"{len(key)} bytes, a ledger secret has {SECRET_SIZE}", file=path, field="--ledger-secret"
        )
    return key


def combine(shares: list[bytes]) -> bytes:
    """The secret's y limbs (40 bytes): Lagrange interpolation at 0 over GF(p), limb by limb."""
    points = [(int.from_bytes(s[:4], "little"), s[4:]) for s in shares]
    xs = [x for x, _ in points]
    if any(x == 0 for x in xs):  # a full key: its y is the secret
        return next(y for x, y in points if x == 0)
    if len(set(xs)) != len(xs):
        raise ValueError("two shares with the same x")
    out = b""
    for limb in range(LIMBS):
        total = 0
        for i, (xi, yi) in enumerate(points):
            num = den = 1
            for j, xj in enumerate(xs):
                if j != i:
                    num = num * (-xj) % PRIME
                    den = den * (xi - xj) % PRIME
            value = int.from_bytes(yi[4 * limb : 4 * limb + 4], "little")
            total = (total + value * num * pow(den, PRIME - 2, PRIME)) % PRIME
        out += total.to_bytes(4, "little")
    return out


def wrapping_key(y: bytes) -> bytes:
    """HKDF-SHA256 of the combined limbs, no salt, the limbs again as info (as CCF's share manager)."""
    return HKDF(algorithm=hashes.SHA256(), length=SECRET_SIZE, salt=None, info=y).derive(y)


def unseal(key: bytes, sealed: bytes) -> bytes:
    """CCF's serialised GCM cipher: tag | IV | ciphertext, no additional data; ``InvalidTag`` if forged."""
    if len(sealed) < GCM_TAG_SIZE + GCM_IV_SIZE:
        raise InvalidTag
    tag, iv = sealed[:GCM_TAG_SIZE], sealed[GCM_TAG_SIZE : GCM_TAG_SIZE + GCM_IV_SIZE]
    return AESGCM(key).decrypt(iv, sealed[GCM_TAG_SIZE + GCM_IV_SIZE :] + tag, None)


@dataclass
class _Public:
    """What the public domains say about recovery, last write wins (the newest secret's)."""

    threshold: int | None = None
    enc_keys: dict[str, bytes] = field(default_factory=dict)
    shares: tuple[Entry, dict[str, Any]] | None = None
    shares_threshold: int | None = None  # the threshold in force when the newest shares were written
    history: list[tuple[Entry, dict[str, Any]]] = field(default_factory=list)


class _Where(TypedDict):
    file: Path
    offset: int
    seqno: int
    field: str


def _at(entry: Entry, field: str) -> _Where:
    return {"file": entry.file, "offset": entry.offset, "seqno": entry.seqno, "field": field}


def _json(entry: Entry, table: str, raw: bytes) -> dict[str, Any]:
    """A JSON object written to ``table``; anything else is a malformed ledger."""
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise MalformedLedger(
            "not a JSON object", file=entry.file, offset=entry.offset, seqno=entry.seqno, field=table
        )
    return value


def _b64(entry: Entry, table: str, text: Any) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise MalformedLedger(
            "not base64", file=entry.file, offset=entry.offset, seqno=entry.seqno, field=table
        ) from None


def _scan(entry: Entry, public: _Public) -> None:
    for mid, pem in entry.writes.get(Table.MEMBERS_ENCRYPTION_PUBLIC_KEYS, {}).items():
        if pem is None:
            public.enc_keys.pop(mid.decode(errors="replace"), None)
        else:
            public.enc_keys[mid.decode(errors="replace")] = pem
    config = entry.writes.get(Table.SERVICE_CONFIG, {}).get(SINGLETON_KEY)
    if config is not None:
        threshold = _json(entry, Table.SERVICE_CONFIG, config).get("recovery_threshold")
        public.threshold = threshold if isinstance(threshold, int) else public.threshold
    shares = entry.writes.get(Table.RECOVERY_SHARES, {}).get(SINGLETON_KEY)
    if shares is not None:
        public.shares = (entry, _json(entry, Table.RECOVERY_SHARES, shares))
        public.shares_threshold = public.threshold
    history = entry.writes.get(Table.HISTORICAL_LEDGER_SECRET, {}).get(SINGLETON_KEY)
    if history is not None:
        public.history.append((entry, _json(entry, Table.HISTORICAL_LEDGER_SECRET, history)))


def _spki(key: PublicKeyTypes) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _member_of(key: rsa.RSAPrivateKey, enc_keys: dict[str, bytes], encrypted: dict[str, Any]) -> str | None:
    """The member holding a share whose recorded encryption key is ``key``'s public half, if any."""
    mine = _spki(key.public_key())
    for mid, pem in enc_keys.items():
        try:
            theirs = _spki(serialization.load_pem_public_key(pem))
        except (ValueError, UnsupportedAlgorithm):
            continue  # not a key this auditor can match; its member's share stays unused
        if mid in encrypted and theirs == mine:
            return mid
    return None


def _latest_from_members(
    folder: Path, public: _Public, keys: list[tuple[Path, rsa.RSAPrivateKey]]
) -> tuple[bytes, list[str]]:
    if public.shares is None:
        raise BadInput("the ledger holds no recovery shares", file=folder, field=Table.RECOVERY_SHARES)
    entry, record = public.shares
    encrypted = record.get("encrypted_shares")
    if not isinstance(encrypted, dict) or "wrapped_latest_ledger_secret" not in record:
        raise MalformedLedger(
            "lacks encrypted_shares or wrapped_latest_ledger_secret", **_at(entry, Table.RECOVERY_SHARES)
        )
    shares, used = [], []
    for path, key in keys:
        mid = _member_of(key, public.enc_keys, encrypted)
        if mid is not None and mid not in used:
            try:
                share = key.decrypt(_b64(entry, Table.RECOVERY_SHARES, encrypted[mid]), _OAEP)
            except ValueError:
                raise AuditFailure(
                    f"member {mid}'s share does not decrypt with {path.name}",
                    **_at(entry, Table.RECOVERY_SHARES),
                ) from None
            if len(share) != SHARE_SIZE:
                raise AuditFailure(
                    f"member {mid}'s share has {len(share)} bytes, not {SHARE_SIZE}",
                    **_at(entry, Table.RECOVERY_SHARES),
                )
            shares.append(share)
            used.append(mid)
    threshold = public.shares_threshold or 1
    if len(shares) < threshold and not any(s[:4] == bytes(4) for s in shares):
        raise BadInput(
            f"{len(shares)} of the given member keys hold a share, the recovery threshold is {threshold}: "
            f"{threshold - len(shares)} missing",
            field="--member-keys",
        )
    try:
        y = combine(shares)
        latest = unseal(
            wrapping_key(y), _b64(entry, Table.RECOVERY_SHARES, record["wrapped_latest_ledger_secret"])
        )
    except (ValueError, InvalidTag):
        raise AuditFailure(
            "the combined shares do not unwrap the latest ledger secret", **_at(entry, Table.RECOVERY_SHARES)
        ) from None
    if len(latest) != SECRET_SIZE:
        raise AuditFailure(
            f"the latest ledger secret has {len(latest)} bytes", **_at(entry, Table.RECOVERY_SHARES)
        )
    return latest, used


def _chain(public: _Public, latest: bytes) -> list[tuple[int, bytes]]:
    """(first seqno, secret) of every ledger secret, oldest first, walking the rekey chain back."""
    if not public.history:
        return [(1, latest)]
    last = public.history[-1][1]
    start = last.get("next_version", 1)
    secrets = [(start if isinstance(start, int) else 1, latest)]
    for entry, record in reversed(public.history):
        previous = record.get("previous_ledger_secret")
        if previous is None:
            continue
        if not isinstance(previous, dict):
            raise MalformedLedger(
                "previous_ledger_secret is not an object",
                file=entry.file,
                offset=entry.offset,
                seqno=entry.seqno,
                field=Table.HISTORICAL_LEDGER_SECRET,
            )
        field_ = Table.HISTORICAL_LEDGER_SECRET
        try:
            secret = unseal(secrets[-1][1], _b64(entry, field_, previous.get("encrypted_data")))
        except InvalidTag:
            raise AuditFailure(
                "the previous ledger secret does not decrypt under its successor", **_at(entry, field_)
            ) from None
        version = previous.get("version")
        if not isinstance(version, int):
            raise MalformedLedger("previous_ledger_secret lacks its version", **_at(entry, field_))
        secrets.append((version, secret))
    return sorted(secrets)


def _in_force(secrets: list[tuple[int, bytes]], seqno: int) -> bytes:
    key = secrets[0][1]
    for start, secret in secrets:
        if start <= seqno:
            key = secret
    return key


def check_entry(entry: Entry, key: bytes) -> bool:
    """Verify the entry's GCM tag under ``key``; True if it has a private domain (now decrypted)."""
    raw = entry.raw
    tag_at = ENTRY_HEADER_SIZE
    iv_at = tag_at + GCM_TAG_SIZE
    pd_at = ENTRY_HEADER_SIZE + MIN_ENTRY_SIZE
    pd_len = int.from_bytes(raw[pd_at - PUBLIC_DOMAIN_SIZE_FIELD : pd_at], "little")
    private = raw[pd_at + pd_len :]
    try:
        AESGCM(key).decrypt(
            raw[iv_at : pd_at - PUBLIC_DOMAIN_SIZE_FIELD],
            private + raw[tag_at:iv_at],
            raw[pd_at : pd_at + pd_len],
        )
    except InvalidTag:
        what = "private domain" if private else "public domain"
        raise AuditFailure(
            f"the GCM tag does not authenticate the entry ({what}) under the ledger secret in force",
            file=entry.file,
            offset=entry.offset,
            seqno=entry.seqno,
            field="gcm tag",
        ) from None
    return bool(private)


def recover_ledger(
    folder: Path,
    *,
    member_keys: Path | None = None,
    ledger_secret: Path | None = None,
    uncommitted: bool = False,
) -> RecoverySummary:
    """Recover the ledger secrets (from members' keys, or one secret given) and check every entry's tag."""
    chunks = list_chunks(folder, uncommitted=uncommitted)
    summary = RecoverySummary()
    if ledger_secret is not None:
        secrets = [(1, load_ledger_secret(ledger_secret))]
    else:
        assert member_keys is not None
        keys = load_member_keys(member_keys)
        public = _Public()
        for chunk in chunks:
            for entry in read_chunk(chunk):
                _scan(entry, public)
        latest, summary.members = _latest_from_members(folder, public, keys)
        secrets = _chain(public, latest)
    summary.secrets = len(secrets)
    for chunk in chunks:
        for entry in read_chunk(chunk):
            summary.private_domains += check_entry(entry, _in_force(secrets, entry.seqno))
            summary.entries += 1
    return summary
