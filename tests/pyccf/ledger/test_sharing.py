"""CCF's recovery secret sharing: k of n reconstruct, k - 1 reveal nothing, what corruption is detected."""

from __future__ import annotations

import itertools
import json
from collections import Counter

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given
from hypothesis import strategies as st

from pyccf.ledger import sharing
from pyccf.ledger.sharing import (
    LIMBS,
    PRIME,
    SHARE_SIZE,
    RecoveryShares,
    Share,
    ShareError,
    combine,
    deal,
    decrypt_share,
    interpolate_at_zero,
    random_secret,
    recover_ledger_secret,
    split,
    split_limb,
)
from tracecheck.audit import recovery as auditor

LEDGER_SECRET = bytes(range(32))
MEMBERS = [f"m{i}" for i in range(4)]


@pytest.fixture(scope="module")
def keys() -> dict[str, rsa.RSAPrivateKey]:
    return {mid: rsa.generate_private_key(public_exponent=65537, key_size=2048) for mid in MEMBERS}


@st.composite
def dealt(draw):
    count = draw(st.integers(1, 8))
    threshold = draw(st.integers(1, count))
    seed = draw(st.binary(max_size=8))
    secret = random_secret(seed)
    return secret, threshold, split(secret, count, threshold, seed)


@given(dealt(), st.randoms(use_true_random=False))
def test_any_k_of_n_shares_in_any_order_reconstruct(case, rng):
    secret, threshold, shares = case
    chosen = rng.sample(shares, rng.randint(threshold, len(shares)))
    assert combine(chosen, threshold) == secret


@given(dealt(), st.randoms(use_true_random=False))
def test_k_minus_1_shares_are_refused_and_would_interpolate_another_secret(case, rng):
    secret, threshold, shares = case
    if threshold == 1:
        return
    chosen = rng.sample(shares, threshold - 1)
    with pytest.raises(ShareError, match="recovery threshold"):
        combine(chosen, threshold)
    # forced through the interpolation anyway, they give a different secret
    guess = [interpolate_at_zero([(s.x, s.y[limb]) for s in chosen], PRIME) for limb in range(LIMBS)]
    assert tuple(guess) != secret.y


@pytest.mark.parametrize("threshold", [2, 3])
def test_k_minus_1_shares_leave_every_candidate_secret_equally_likely_in_a_small_field(threshold):
    """Over GF(11): for any k - 1 share values, each secret has exactly one polynomial producing them."""
    prime = 11
    xs = list(range(1, threshold))
    consistent: Counter[tuple[tuple[int, ...], int]] = Counter()
    for secret in range(prime):
        for coefficients in itertools.product(range(prime), repeat=threshold - 1):
            ys = tuple(split_limb(secret, xs, threshold, iter(coefficients), prime))
            consistent[ys, secret] += 1
    views = {ys for ys, _ in consistent}
    assert len(views) == prime ** (threshold - 1)  # every view occurs
    assert set(consistent.values()) == {1}  # once for every secret
    assert len(consistent) == len(views) * prime


@given(dealt())
def test_a_duplicate_share_is_refused_even_with_a_different_y(case):
    _, threshold, shares = case
    twin = Share(shares[0].x, tuple((v + 1) % PRIME for v in shares[0].y))
    for duplicate in (shares[0], twin):
        with pytest.raises(ShareError, match="two shares with x"):
            combine([*shares, duplicate], threshold)


def test_the_share_encoding_is_ccfs_and_checks_what_it_can():
    share = split(random_secret(b"s"), 3, 2, b"s")[1]
    raw = share.to_bytes()
    assert len(raw) == SHARE_SIZE == 44 and raw[:4] == (2).to_bytes(4, "little")
    assert Share.from_bytes(raw) == share
    with pytest.raises(ShareError, match="43 bytes"):
        Share.from_bytes(raw[:-1], "m1")
    with pytest.raises(ShareError, match=r"m1.y\[3\]"):
        Share.from_bytes(raw[:16] + PRIME.to_bytes(4, "little") + raw[20:], "m1")


def test_a_corrupted_share_within_the_field_is_caught_only_by_the_ledger_secrets_tag(keys):
    public = {mid: key.public_key() for mid, key in keys.items()}
    record = deal(LEDGER_SECRET, public, 3, b"seed")
    shares = [decrypt_share(keys[m], record.encrypted_shares[m], m) for m in MEMBERS[:3]]
    assert recover_ledger_secret(shares, 3, record.wrapped_latest_ledger_secret) == LEDGER_SECRET
    bad = Share(shares[2].x, (shares[2].y[0] ^ 1, *shares[2].y[1:]))
    wrong = combine([*shares[:2], bad], 3)  # unauthenticated: a wrong secret, no error
    assert wrong != combine(shares, 3)
    with pytest.raises(ShareError, match="some share is wrong"):
        recover_ledger_secret([*shares[:2], bad], 3, record.wrapped_latest_ledger_secret)
    # the good shares are untouched: with another good one the secret comes back
    good = decrypt_share(keys["m3"], record.encrypted_shares["m3"], "m3")
    assert recover_ledger_secret([*shares[:2], good], 3, record.wrapped_latest_ledger_secret) == LEDGER_SECRET


def test_shares_are_wrapped_with_standard_rsa_oaep_sha256_and_replay_from_the_seed(keys):
    public = {mid: key.public_key() for mid, key in keys.items()}
    record = deal(LEDGER_SECRET, public, 2, b"seed")
    assert record == deal(LEDGER_SECRET, public, 2, b"seed")
    assert record != deal(LEDGER_SECRET, public, 2, b"other seed")
    for x, mid in enumerate(MEMBERS, start=1):  # x in member id order
        raw = keys[mid].decrypt(record.encrypted_shares[mid], sharing.OAEP)
        assert Share.from_bytes(raw).x == x
    assert decrypt_share(keys["m0"], record.encrypted_shares["m0"], "m0").x == 1
    with pytest.raises(ShareError, match="m1: does not decrypt"):
        decrypt_share(keys["m1"], record.encrypted_shares["m0"], "m1")


def test_an_owner_gets_the_full_key_and_recovers_alone(keys):
    public = {mid: key.public_key() for mid, key in keys.items()}
    record = deal(LEDGER_SECRET, public, 3, b"seed", owners={"m0"})
    owner = decrypt_share(keys["m0"], record.encrypted_shares["m0"], "m0")
    assert owner.x == 0
    assert recover_ledger_secret([owner], 3, record.wrapped_latest_ledger_secret) == LEDGER_SECRET
    participants = [decrypt_share(keys[m], record.encrypted_shares[m], m) for m in MEMBERS[1:]]
    assert [s.x for s in participants] == [1, 2, 3]
    assert recover_ledger_secret(participants, 3, record.wrapped_latest_ledger_secret) == LEDGER_SECRET


@pytest.mark.parametrize(("count", "threshold"), [(3, 0), (3, 4), (300, 255)])
def test_thresholds_outside_1_to_n_are_refused(count, threshold):
    with pytest.raises(ShareError, match="threshold"):
        split(random_secret(b""), count, threshold, b"")


def test_the_offline_auditors_combiner_recovers_pyccfs_shares(keys):
    public = {mid: key.public_key() for mid, key in keys.items()}
    record = deal(LEDGER_SECRET, public, 3, b"audit")
    shares = [keys[m].decrypt(record.encrypted_shares[m], auditor._OAEP) for m in ("m3", "m0", "m2")]
    y = auditor.combine(shares)
    assert y == combine([Share.from_bytes(s) for s in shares], 3).to_bytes()[4:]
    assert auditor.unseal(auditor.wrapping_key(y), record.wrapped_latest_ledger_secret) == LEDGER_SECRET
    as_json = record.to_json()
    assert sorted(as_json) == ["encrypted_shares", "wrapped_latest_ledger_secret"]
    assert sorted(as_json["encrypted_shares"]) == MEMBERS
    assert RecoveryShares.from_json(json.loads(json.dumps(as_json))) == record


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ([], "recovery_shares"),
        ({"wrapped_latest_ledger_secret": ""}, "recovery_shares.encrypted_shares"),
        (
            {"encrypted_shares": {}, "wrapped_latest_ledger_secret": 5},
            "recovery_shares.wrapped_latest_ledger_secret",
        ),
        (
            {"encrypted_shares": {"m0": "!"}, "wrapped_latest_ledger_secret": ""},
            "recovery_shares.encrypted_shares.m0",
        ),
    ],
)
def test_a_malformed_recovery_shares_record_is_one_error_naming_the_field(value, field):
    with pytest.raises(ShareError) as caught:
        RecoveryShares.from_json(value)
    assert caught.value.field == field
