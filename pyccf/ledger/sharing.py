"""CCF's recovery secret sharing: k-of-n Shamir shares of a wrapping key, each wrapped to a member.

As CCF (``src/crypto/sharing.{h,cpp}``, ``src/node/share_manager.h``): the secret is 10 independent limbs
of GF(2^31 - 1), one polynomial of degree k - 1 per limb with the limb as its constant term; a share is
``x`` (u32) then the 10 ``y`` limbs (u32), little-endian, 44 bytes; x = 0 is the full secret (what a
recovery Owner gets), members' shares have x = 1..n. The ledger secret is not split itself: it is
AES-256-GCM-wrapped (IV zero, the key used once) under ``HKDF-SHA256(ikm = y bytes, info = y bytes)`` of
the split secret. Each share is RSA-OAEP-SHA256-wrapped to its member's encryption key.

The scheme is unauthenticated, as CCF's: a share with the right size and limbs below p but a wrong value
combines into a wrong secret without notice; only unwrapping the ledger secret (the GCM tag) then shows
that some share was wrong, not which. Sizes, limbs out of the field, duplicate x and too few shares are
refused at once. Randomness comes from a seed (coefficients, OAEP seeds), so runs replay byte for byte.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from pyccf.errors import PyccfError
from pyccf.formats.ledger import GCM_IV_SIZE, GCM_TAG_SIZE
from pyccf.ledger.secrets import LEDGER_SECRET_SIZE

PRIME = 2**31 - 1  # the field of CCF's shares
LIMBS = 10
SHARE_SIZE = 4 + 4 * LIMBS  # 44 bytes
FULL_KEY_X = 0  # the x of the secret itself
MAX_THRESHOLD = 254  # set_recovery_threshold accepts 1..254
OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
_HASH_SIZE = 32


class ShareError(PyccfError):
    """A share or set of shares that cannot give the secret: names the share and what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Share:
    x: int
    y: tuple[int, ...]  # LIMBS field elements

    def to_bytes(self) -> bytes:
        return b"".join(v.to_bytes(4, "little") for v in (self.x, *self.y))

    @classmethod
    def from_bytes(cls, raw: bytes, field: str = "share") -> Share:
        """Decode and check what the encoding allows: the size, and every limb in the field."""
        if len(raw) != SHARE_SIZE:
            raise ShareError(field, f"{len(raw)} bytes, a share has {SHARE_SIZE}")
        values = [int.from_bytes(raw[i : i + 4], "little") for i in range(0, SHARE_SIZE, 4)]
        for limb, value in enumerate(values[1:]):
            if value >= PRIME:
                raise ShareError(f"{field}.y[{limb}]", f"{value} is not below the field's prime {PRIME}")
        return cls(values[0], tuple(values[1:]))


def field_elements(seed: bytes, label: str, prime: int = PRIME) -> Iterator[int]:
    """Uniform elements of GF(prime) from ``seed``: SHA-256 in counter mode, rejection sampled."""
    width = (prime.bit_length() + 7) // 8
    mask = (1 << prime.bit_length()) - 1
    counter = 0
    while True:
        block = hashlib.sha256(
            b"pyccf sharing\0" + label.encode() + b"\0" + counter.to_bytes(8, "big") + seed
        )
        digest = block.digest()
        for i in range(0, len(digest) - width + 1, width):
            value = int.from_bytes(digest[i : i + width], "little") & mask
            if value < prime:
                yield value
        counter += 1


def random_secret(seed: bytes) -> Share:
    """The secret to split (x = 0): 10 limbs drawn from the seed."""
    draw = field_elements(seed, "secret")
    return Share(FULL_KEY_X, tuple(next(draw) for _ in range(LIMBS)))


def split_limb(secret: int, xs: Sequence[int], threshold: int, draw: Iterator[int], prime: int) -> list[int]:
    """The shares' y at ``xs`` of a random polynomial of degree ``threshold - 1`` with ``p(0) = secret``."""
    coefficients = [secret] + [next(draw) for _ in range(threshold - 1)]
    return [sum(c * pow(x, i, prime) for i, c in enumerate(coefficients)) % prime for x in xs]


def interpolate_at_zero(points: Sequence[tuple[int, int]], prime: int) -> int:
    """Lagrange interpolation at 0 through ``points`` (distinct x) over GF(prime)."""
    total = 0
    for i, (xi, yi) in enumerate(points):
        num = den = 1
        for j, (xj, _) in enumerate(points):
            if j != i:
                num = num * -xj % prime
                den = den * (xi - xj) % prime
        total = (total + yi * num * pow(den, prime - 2, prime)) % prime
    return total


def split(secret: Share, count: int, threshold: int, seed: bytes) -> list[Share]:
    """``count`` shares (x = 1..count) of which any ``threshold`` give ``secret`` back."""
    if not 1 <= threshold <= min(count, MAX_THRESHOLD):
        raise ShareError("threshold", f"{threshold} is not in 1..{min(count, MAX_THRESHOLD)}")
    draw = field_elements(seed, "coefficients")
    xs = list(range(1, count + 1))
    limbs = [split_limb(value, xs, threshold, draw, PRIME) for value in secret.y]
    return [Share(x, tuple(limb[i] for limb in limbs)) for i, x in enumerate(xs)]


def combine(shares: Sequence[Share], threshold: int) -> Share:
    """The secret from at least ``threshold`` shares of distinct x, or from one full key (x = 0)."""
    for share in shares:
        if share.x == FULL_KEY_X:
            return share
    xs = [share.x for share in shares]
    duplicate = next((x for x in xs if xs.count(x) > 1), None)
    if duplicate is not None:
        raise ShareError("shares", f"two shares with x = {duplicate}")
    if len(shares) < threshold:
        raise ShareError("shares", f"{len(shares)} shares, the recovery threshold is {threshold}")
    y = tuple(interpolate_at_zero([(s.x, s.y[limb]) for s in shares], PRIME) for limb in range(LIMBS))
    return Share(FULL_KEY_X, y)


def wrapping_key(secret: Share) -> bytes:
    """The key that wraps the latest ledger secret: HKDF-SHA256 of the limbs, no salt, the limbs as info."""
    y = secret.to_bytes()[4:]
    return HKDF(algorithm=hashes.SHA256(), length=LEDGER_SECRET_SIZE, salt=None, info=y).derive(y)


def wrap_ledger_secret(key: bytes, ledger_secret: bytes) -> bytes:
    """CCF's serialised GCM cipher, tag | IV | ciphertext, IV zero (each wrapping key is used once)."""
    iv = bytes(GCM_IV_SIZE)
    sealed = AESGCM(key).encrypt(iv, ledger_secret, None)
    return sealed[-GCM_TAG_SIZE:] + iv + sealed[:-GCM_TAG_SIZE]


def unwrap_ledger_secret(key: bytes, wrapped: bytes) -> bytes:
    tag, iv = wrapped[:GCM_TAG_SIZE], wrapped[GCM_TAG_SIZE : GCM_TAG_SIZE + GCM_IV_SIZE]
    try:
        return AESGCM(key).decrypt(iv, wrapped[GCM_TAG_SIZE + GCM_IV_SIZE :] + tag, None)
    except (InvalidTag, ValueError):
        raise ShareError(
            "wrapped_latest_ledger_secret", "the combined shares do not unwrap it: some share is wrong"
        ) from None


def _mgf1(seed: bytes, length: int) -> bytes:
    out = b""
    for counter in range((length + _HASH_SIZE - 1) // _HASH_SIZE):
        out += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
    return out[:length]


def oaep_encrypt(key: rsa.RSAPublicKey, message: bytes, seed: bytes) -> bytes:
    """RSA-OAEP (SHA-256, MGF1-SHA-256, no label; RFC 8017 7.1.1) with its random seed from ``seed``.

    The library's OAEP draws its seed from the OS; this one is byte-for-byte reproducible, and any
    standard OAEP decryption reads it.
    """
    numbers = key.public_numbers()
    k = (numbers.n.bit_length() + 7) // 8
    if len(message) > k - 2 * _HASH_SIZE - 2:
        raise ValueError(f"{len(message)} bytes do not fit RSA-OAEP with a {k * 8}-bit key")
    label_hash = hashlib.sha256(b"").digest()
    db = label_hash + bytes(k - len(message) - 2 * _HASH_SIZE - 2) + b"\x01" + message
    oaep_seed = hashlib.sha256(b"pyccf oaep seed\0" + seed).digest()
    masked_db = bytes(a ^ b for a, b in zip(db, _mgf1(oaep_seed, len(db)), strict=True))
    masked_seed = bytes(a ^ b for a, b in zip(oaep_seed, _mgf1(masked_db, _HASH_SIZE), strict=True))
    encoded = int.from_bytes(b"\x00" + masked_seed + masked_db, "big")
    return pow(encoded, numbers.e, numbers.n).to_bytes(k, "big")


@dataclass(frozen=True)
class RecoveryShares:
    """``public:ccf.internal.recovery_shares``: the wrapped latest ledger secret and each member's share."""

    wrapped_latest_ledger_secret: bytes
    encrypted_shares: Mapping[str, bytes]  # member id -> RSA-OAEP-wrapped share

    def to_json(self) -> dict[str, Any]:
        def b64(data: bytes) -> str:
            return base64.b64encode(data).decode("ascii")

        return {
            "encrypted_shares": {mid: b64(share) for mid, share in sorted(self.encrypted_shares.items())},
            "wrapped_latest_ledger_secret": b64(self.wrapped_latest_ledger_secret),
        }

    @classmethod
    def from_json(cls, value: Any) -> RecoveryShares:
        """Read the table's value; anything malformed is one :class:`ShareError` naming the field."""
        if not isinstance(value, Mapping):
            raise ShareError("recovery_shares", "not a JSON object")
        shares = value.get("encrypted_shares")
        if not isinstance(shares, Mapping):
            raise ShareError("recovery_shares.encrypted_shares", "missing or not an object")
        return cls(
            _unb64(value.get("wrapped_latest_ledger_secret"), "recovery_shares.wrapped_latest_ledger_secret"),
            {str(mid): _unb64(raw, f"recovery_shares.encrypted_shares.{mid}") for mid, raw in shares.items()},
        )


def _unb64(text: Any, field: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise ShareError(field, "not base64") from None


def deal(
    ledger_secret: bytes,
    encryption_keys: Mapping[str, rsa.RSAPublicKey],
    threshold: int,
    seed: bytes,
    owners: Collection[str] = (),
) -> RecoveryShares:
    """Split a fresh wrapping key among the recovery members (x in member id order; Owners get x = 0)."""
    if len(ledger_secret) != LEDGER_SECRET_SIZE:
        raise ShareError("ledger_secret", f"{len(ledger_secret)} bytes, not {LEDGER_SECRET_SIZE}")
    unknown = sorted(set(owners) - set(encryption_keys))
    if unknown:
        raise ShareError("owners", f"{unknown[0]} has no encryption key")
    participants = sorted(mid for mid in encryption_keys if mid not in owners)
    secret = random_secret(seed)
    shares = split(secret, len(participants), threshold, seed) if participants else []
    plain = dict(zip(participants, shares, strict=True)) | {mid: secret for mid in owners}
    return RecoveryShares(
        wrap_ledger_secret(wrapping_key(secret), ledger_secret),
        {
            mid: oaep_encrypt(encryption_keys[mid], share.to_bytes(), seed + b"\0" + mid.encode())
            for mid, share in sorted(plain.items())
        },
    )


def decrypt_share(key: rsa.RSAPrivateKey, encrypted: bytes, member: str = "share") -> Share:
    """A member's share, unwrapped with its encryption private key."""
    try:
        raw = key.decrypt(encrypted, OAEP)
    except ValueError:
        raise ShareError(member, "does not decrypt with this member's key") from None
    return Share.from_bytes(raw, member)


def recover_ledger_secret(shares: Sequence[Share], threshold: int, wrapped: bytes) -> bytes:
    """The latest ledger secret from the members' shares; :class:`ShareError` if they cannot give it."""
    return unwrap_ledger_secret(wrapping_key(combine(shares, threshold)), wrapped)
