"""``audit ledger --member-keys``: the members' shares recover CCF's ledger secret, every entry's GCM tag
verifies under it, and a flipped private-domain or tag byte (which CCF's FULL check misses) is caught at
its seqno; too few keys or a bad key file is one line of bad input. ``--ledger-secret`` does the same
with a secret given directly, for pyccf's ledgers (which have no recovery shares)."""

from __future__ import annotations

import base64
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pyccf.formats.ledger import Table
from pyccf.kv.store import Transaction
from pyccf.ledger.secrets import LedgerSecret
from tests.oracle import read_ledger
from tests.paths import CCF_LEDGERS, needs_ccf_ledgers
from tests.tracecheck.audit.test_ledger import audit_cli, make_writer
from tracecheck.audit.errors import AuditFailure
from tracecheck.audit.reader import Entry, list_chunks, read_chunk
from tracecheck.audit.recovery import (
    PRIME,
    _chain,
    _in_force,
    _Public,
    combine,
    recover_ledger,
    unseal,
    wrapping_key,
)
from tracecheck.errors import BadInput

CCF = CCF_LEDGERS
FLIPFLOP = CCF / "cose_flipflop_service"
ACME = CCF / "acme_containing_service"
PUBLIC_DOMAIN_AT = 8 + 16 + 12 + 8


def entries(folder: Path) -> list[Entry]:
    return [e for c in list_chunks(folder, uncommitted=False) for e in read_chunk(c)]


def private_at(entry: Entry) -> int:
    """Offset in the entry of its private domain."""
    return PUBLIC_DOMAIN_AT + int.from_bytes(entry.raw[PUBLIC_DOMAIN_AT - 8 : PUBLIC_DOMAIN_AT], "little")


def keys_dir(tmp_path: Path, *files: Path) -> Path:
    folder = tmp_path / "keys"
    folder.mkdir()
    for f in files:
        shutil.copy(f, folder / f.name)
    return folder


@needs_ccf_ledgers
def test_every_private_domain_of_the_flipflop_ledger_decrypts() -> None:
    summary = recover_ledger(FLIPFLOP / "ledger", member_keys=FLIPFLOP / "common")
    with_private = [e.seqno for e in entries(FLIPFLOP / "ledger") if len(e.raw) > private_at(e)]
    assert len(with_private) == 13
    assert (summary.entries, summary.private_domains, summary.secrets) == (46, 13, 1)
    assert len(summary.members) == 1
    code, out, _ = audit_cli(str(FLIPFLOP / "ledger"), "--member-keys", str(FLIPFLOP / "common"))
    assert code == 0
    assert "46 GCM tags verified, 13 private domains" in out


@needs_ccf_ledgers
def test_acme_has_no_private_domains_and_needs_all_three_shares(tmp_path: Path) -> None:
    code, out, _ = audit_cli(str(ACME / "ledger"), "--member-keys", str(ACME / "common"))
    assert code == 0, out
    assert "0 private domains" in out
    assert len(recover_ledger(ACME / "ledger", member_keys=ACME / "common").members) == 3
    two = keys_dir(tmp_path, *(ACME / "common" / f"member{i}_enc_privk.pem" for i in (0, 1)))
    code, out, err = audit_cli(str(ACME / "ledger"), "--member-keys", str(two))
    assert code == 2
    assert "recovery threshold is 3: 1 missing" in err
    assert len(err.strip().splitlines()) == 1


@needs_ccf_ledgers
@pytest.mark.parametrize("what", ["private domain", "gcm tag"])
def test_a_flipped_private_byte_is_caught_at_its_own_seqno(tmp_path: Path, what: str) -> None:
    """The Merkle root (FULL's check and the auditor's) fails only at the next signature; the tag names
    the entry itself."""
    copy = tmp_path / "ledger"
    shutil.copytree(FLIPFLOP / "ledger", copy)
    victim = [e for e in entries(copy) if len(e.raw) > private_at(e)][5]
    at = victim.offset + (private_at(victim) + 3 if what == "private domain" else 8 + 5)
    path = copy / victim.file.name
    data = bytearray(path.read_bytes())
    data[at] ^= 0x10
    path.write_bytes(data)
    code, _, err = audit_cli(str(copy), "--member-keys", str(FLIPFLOP / "common"))
    assert code == 1 and "verification failed" in err
    with pytest.raises(AuditFailure) as caught:
        recover_ledger(copy, member_keys=FLIPFLOP / "common")
    assert caught.value.seqno == victim.seqno and caught.value.offset == victim.offset
    assert "GCM tag does not authenticate the entry (private domain)" in str(caught.value)


@needs_ccf_ledgers
def test_a_signed_entry_sealed_under_another_secret_passes_full_but_not_the_tag(tmp_path: Path) -> None:
    """A signer without the ledger secret (a stolen node key) can sign entries whose private domains are
    garbage: CCF's FULL check and the signature audit accept them, the GCM tag does not."""
    writer = make_writer(tmp_path / "l", txs=0, sign=False)
    honest, forged = writer.secret, None
    for i in range(12):
        writer.secret = LedgerSecret.from_seed(b"not the ledger secret") if i == 6 else honest

        def body(tx: Transaction, i: int = i) -> None:
            tx.put("app.secrets", b"s%d" % i, b"private %d" % i)

        txid = writer.execute(body)
        if i == 6:
            assert txid is not None
            forged = txid.seqno
    writer.secret = honest
    writer.sign()
    writer.commit()
    folder = writer.folder
    done = read_ledger(folder, "FULL", "--uncommitted")
    assert done.returncode == 0, done.stdout + done.stderr
    code, out, _ = audit_cli(str(folder), "--uncommitted")
    assert code == 0, out
    secret = tmp_path / "secret.hex"
    secret.write_text(honest.key.hex())
    code, _, err = audit_cli(str(folder), "--uncommitted", "--ledger-secret", str(secret))
    assert code == 1 and f"seqno {forged}:" in err and "(private domain)" in err


@needs_ccf_ledgers
def test_a_forged_wrapped_secret_is_a_verification_failure(tmp_path: Path) -> None:
    copy = tmp_path / "ledger"
    shutil.copytree(FLIPFLOP / "ledger", copy)
    entry = next(e for e in entries(copy) if Table.RECOVERY_SHARES in e.writes)
    path = copy / entry.file.name
    data = path.read_bytes()
    at = data.index(b'"wrapped_latest_ledger_secret":"', entry.offset) + 33
    swapped = b"B" if data[at : at + 1] != b"B" else b"C"  # another base64 digit: same length
    path.write_bytes(data[:at] + swapped + data[at + 1 :])
    with pytest.raises(AuditFailure) as caught:
        recover_ledger(copy, member_keys=FLIPFLOP / "common")
    assert caught.value.seqno == entry.seqno
    assert "do not unwrap the latest ledger secret" in str(caught.value)


@needs_ccf_ledgers
def test_a_wrong_member_key_is_one_clear_line(tmp_path: Path) -> None:
    other = keys_dir(tmp_path, ACME / "common" / "member0_enc_privk.pem")
    code, _, err = audit_cli(str(FLIPFLOP / "ledger"), "--member-keys", str(other))
    assert code == 2
    assert "0 of the given member keys hold a share, the recovery threshold is 1: 1 missing" in err
    assert len(err.strip().splitlines()) == 1
    (other / "member0_enc_privk.pem").write_text("not a key\n")
    code, _, err = audit_cli(str(FLIPFLOP / "ledger"), "--member-keys", str(other))
    assert code == 2
    assert "member0_enc_privk.pem" in err and "not an unencrypted PEM private key" in err
    assert len(err.strip().splitlines()) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(BadInput, match="no member encryption keys"):
        recover_ledger(FLIPFLOP / "ledger", member_keys=empty)


def test_combine_is_lagrange_at_zero_over_gf_p() -> None:
    rng = random.Random(3)
    secret = [rng.randrange(PRIME) for _ in range(10)]
    coeffs = [[s, rng.randrange(PRIME), rng.randrange(PRIME)] for s in secret]  # threshold 3
    shares = [
        x.to_bytes(4, "little")
        + b"".join((sum(c * x**k for k, c in enumerate(cs)) % PRIME).to_bytes(4, "little") for cs in coeffs)
        for x in range(1, 6)
    ]
    expected = b"".join(s.to_bytes(4, "little") for s in secret)
    assert combine([shares[0], shares[2], shares[4]]) == expected
    assert combine([shares[3], shares[1], shares[0]]) == expected
    assert combine(shares[:2]) != expected  # below the threshold: a wrong secret, caught by the GCM tag
    with pytest.raises(ValueError, match="same x"):
        combine([shares[0], shares[0], shares[1]])
    key = wrapping_key(expected)
    with pytest.raises(InvalidTag):
        unseal(key, bytes(60))


@needs_ccf_ledgers
def test_pyccf_ledgers_decrypt_with_their_ledger_secret(tmp_path: Path) -> None:
    folder = make_writer(tmp_path / "l").folder
    good, bad = tmp_path / "good.hex", tmp_path / "bad.hex"
    good.write_text(LedgerSecret.from_seed(b"audit secret").key.hex() + "\n")
    bad.write_text(LedgerSecret.from_seed(b"another secret").key.hex())
    summary = recover_ledger(folder, ledger_secret=good, uncommitted=True)
    assert summary.private_domains >= 16  # every transaction wrote app.secrets
    assert summary.entries == len([e for c in list_chunks(folder, uncommitted=True) for e in read_chunk(c)])
    code, out, _ = audit_cli(str(folder), "--uncommitted", "--ledger-secret", str(good))
    assert code == 0, out
    code, _, err = audit_cli(str(folder), "--uncommitted", "--ledger-secret", str(bad))
    assert code == 1 and "seqno 1" in err
    bad.write_text("xyz")
    code, _, err = audit_cli(str(folder), "--uncommitted", "--ledger-secret", str(bad))
    assert code == 2 and "not hex" in err
    code, _, err = audit_cli(str(folder), "--ledger-secret", str(good), "--member-keys", str(tmp_path))
    assert code == 2 and "exclude each other" in err
    keys = keys_dir(tmp_path, FLIPFLOP / "common" / "member0_enc_privk.pem")
    code, _, err = audit_cli(str(folder), "--uncommitted", "--member-keys", str(keys))
    assert code == 2 and "holds no recovery shares" in err and str(folder) in err


@needs_ccf_ledgers
def test_the_members_share_is_the_ledgers_secret_material() -> None:
    """Guards the facts read from CCF: one RSA-OAEP-SHA256 share of 44 bytes, x = 1, base64 in the ledger."""
    entry = next(e for e in entries(FLIPFLOP / "ledger") if Table.RECOVERY_SHARES in e.writes)
    record = entry.writes[Table.RECOVERY_SHARES][bytes(8)]
    assert record is not None and b"encrypted_shares" in record
    wrapped = base64.b64decode(record.split(b'"wrapped_latest_ledger_secret":"')[1].split(b'"')[0])
    assert len(wrapped) == 16 + 12 + 32 and wrapped[16:28] == bytes(12)  # tag | zero IV | secret


@needs_ccf_ledgers
def test_one_members_key_given_twice_counts_once(tmp_path: Path) -> None:
    folder = keys_dir(tmp_path, *(ACME / "common" / f"member{i}_enc_privk.pem" for i in (0, 1)))
    shutil.copy(folder / "member0_enc_privk.pem", folder / "copy_enc_privk.pem")
    with pytest.raises(BadInput, match="2 of the given member keys hold a share.*1 missing"):
        recover_ledger(ACME / "ledger", member_keys=folder)
    shutil.copy(ACME / "common" / "member2_enc_privk.pem", folder)
    assert len(recover_ledger(ACME / "ledger", member_keys=folder).members) == 3


def _seal(key: bytes, plaintext: bytes, iv: bytes) -> bytes:
    sealed = AESGCM(key).encrypt(iv, plaintext, None)
    return sealed[-16:] + iv + sealed[:-16]


@needs_ccf_ledgers
def test_the_rekey_chain_is_walked_back_from_the_latest_secret() -> None:
    """No stored CCF ledger has a rekey: this pins the layout documented in docs/audit.md."""
    s1, s2, s3 = (bytes([i]) * 32 for i in (1, 2, 3))
    entry = entries(FLIPFLOP / "ledger")[0]

    def rekey(previous: bytes, version: int, successor: bytes, next_version: int) -> dict[str, Any]:
        data = base64.b64encode(_seal(successor, previous, bytes(12))).decode()
        previous_secret = {"encrypted_data": data, "version": version}
        return {"previous_ledger_secret": previous_secret, "next_version": next_version}

    history = [(entry, {"next_version": 1}), (entry, rekey(s1, 1, s2, 20)), (entry, rekey(s2, 20, s3, 35))]
    public = _Public(history=history)
    chain = _chain(public, s3)
    assert chain == [(1, s1), (20, s2), (35, s3)]
    assert [_in_force(chain, n) for n in (1, 19, 20, 34, 35, 99)] == [s1, s1, s2, s2, s3, s3]
    public.history[1] = (entry, rekey(s1, 1, s3, 20))  # sealed under the wrong successor
    with pytest.raises(AuditFailure, match="does not decrypt under its successor"):
        _chain(public, s3)
