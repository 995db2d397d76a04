"""The SNP-shaped platform: AMD's report layout, the simulated chain, and CCF's SNP checks at join."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from pyccf.formats.attestation import (
    CODE_STATUS_ALLOWED,
    SNP_FIELDS,
    SNP_REPORT_SIZE,
    SNP_SIGNED_SIZE,
    AllowlistTable,
    QuoteFormat,
    QuoteVerificationResult,
    SnpFlagBits,
    SnpPolicyBit,
    SnpProduct,
)
from pyccf.tee import QuoteInfo, SnpPlatform, TcbVersion, genesis_writes, verify_join, verify_quote
from pyccf.tee.amd import ark, ask, pinned_roots, vcek
from pyccf.tee.platform import endorsement_bundle
from pyccf.tee.snp import SnpReport, build_report, cpuid_hex, sign_report
from tests.pyccf.tee.conftest import allowlists, node_key

R = QuoteVerificationResult
POLICY_DIGEST = hashlib.sha256(b"allow all").digest()
PLATFORM = SnpPlatform(b"chip 0", POLICY_DIGEST)
KEY = node_key("n0")
GENESIS = genesis_writes(verify_quote(PLATFORM.quote(node_key("genesis"))), security_policy="allow all")
ALLOW = allowlists(GENESIS)


def resign(platform: SnpPlatform, report: bytes, **fields: int | bytes) -> QuoteInfo:
    """``report`` with ``fields`` changed, signed again by the platform's VCEK: a genuine chip's report."""
    raw = build_report({})
    raw[:] = report
    patched = build_report(fields)
    for name in fields:
        f = SNP_FIELDS[name]
        raw[f.offset : f.offset + f.size] = patched[f.offset : f.offset + f.size]
    return QuoteInfo(
        QuoteFormat.SNP, sign_report(raw, platform.chain[0].key), endorsement_bundle(*platform.chain)
    )


def test_the_report_has_amds_layout_and_the_vcek_signs_its_first_0x2a0_bytes():
    quote = PLATFORM.quote(KEY)
    raw = quote.quote
    assert len(raw) == SNP_REPORT_SIZE == 1184
    assert int.from_bytes(raw[0:4], "little") == 3  # version
    assert int.from_bytes(raw[0x34:0x38], "little") == 1  # ECDSA P-384 with SHA-384
    assert raw[0x50:0x70] == hashlib.sha256(KEY).digest() and raw[0x70:0x90] == bytes(32)
    assert raw[0x90:0xC0] == PLATFORM.measurement and raw[0xC0:0xE0] == POLICY_DIGEST
    assert raw[0x188:0x18B] == bytes([0x19, 0x01, 0x01])  # Milan
    assert raw[0x1A0:0x1E0] == PLATFORM.chip_id
    policy = int.from_bytes(raw[8:16], "little")
    assert not policy >> 19 & 1 and not policy >> 18 & 1  # no debug, no migration agent
    r, s = int.from_bytes(raw[0x2A0:0x2E8], "little"), int.from_bytes(raw[0x2E8:0x330], "little")
    chip_key = vcek(PLATFORM.amd_seed, SnpProduct.MILAN, PLATFORM.chip_seed, PLATFORM.tcb).cert.public_key()
    assert isinstance(chip_key, ec.EllipticCurvePublicKey)
    chip_key.verify(encode_dss_signature(r, s), raw[:SNP_SIGNED_SIZE], ec.ECDSA(hashes.SHA384()))
    assert raw[0x330:] == bytes(SNP_REPORT_SIZE - 0x330)  # the signature's reserved tail


def test_quotes_and_chains_replay_from_their_seeds():
    again = SnpPlatform(b"chip 0", POLICY_DIGEST)
    assert again.quote(KEY) == PLATFORM.quote(KEY)
    other = dataclasses.replace(PLATFORM, chip_seed=b"chip 1")
    assert other.chip_id != PLATFORM.chip_id
    assert other.quote(KEY).endorsements != PLATFORM.quote(KEY).endorsements
    assert other.chain[1:] == PLATFORM.chain[1:]  # one ASK and ARK per product


def test_tcb_hex_and_cpuids_are_ccfs():
    assert TcbVersion(boot_loader=4, snp=0x15, microcode=0xD3).hex(SnpProduct.MILAN) == "d315000000000004"
    turin = TcbVersion(fmc=1, boot_loader=2, tee=3, snp=4, microcode=5)
    assert turin.to_bytes(SnpProduct.TURIN) == bytes([1, 2, 3, 4, 0, 0, 0, 5])
    assert TcbVersion.from_bytes(turin.to_bytes(SnpProduct.TURIN), SnpProduct.TURIN) == turin
    assert [cpuid_hex(0x19, 0x01, 1), cpuid_hex(0x19, 0x11, 1), cpuid_hex(0x1A, 0x01, 1)] == [
        "00a00f11",
        "00a10f11",
        "00b00f11",
    ]


@pytest.mark.parametrize("product", list(SnpProduct))
def test_each_product_joins_under_its_own_genesis(product):
    platform = dataclasses.replace(PLATFORM, product=product)
    genesis = genesis_writes(verify_quote(platform.quote(node_key("genesis"))))
    assert verify_join(platform.quote(KEY), KEY, allowlists(genesis)).ok


def test_genesis_writes_measurement_host_data_with_policy_and_minimum_tcb():
    expected = {
        AllowlistTable.SNP_MEASUREMENTS: {PLATFORM.measurement.hex().encode(): b'"AllowedToJoin"'},
        AllowlistTable.SNP_HOST_DATA: {POLICY_DIGEST.hex().encode(): b'"allow all"'},
        AllowlistTable.SNP_TCB_VERSIONS: {
            b"00a00f11": b'{"boot_loader":4,"hexstring":"d315000000000004","microcode":211,"snp":21,"tee":0}'
        },
    }
    assert expected == GENESIS
    assert verify_join(PLATFORM.quote(KEY), KEY, ALLOW).ok


def test_measurement_and_host_data_off_the_allowlist_are_refused_until_added():
    measurement = hashlib.sha384(b"version 2").digest()
    host_data = hashlib.sha256(b"policy 2").digest()
    v2 = dataclasses.replace(PLATFORM, measurement=measurement)
    assert verify_join(v2.quote(KEY), KEY, ALLOW).result is R.FAILED_MEASUREMENT_NOT_FOUND
    add_measurement = {AllowlistTable.SNP_MEASUREMENTS: {measurement.hex().encode(): b'"AllowedToJoin"'}}
    assert verify_join(v2.quote(KEY), KEY, allowlists(GENESIS, add_measurement)).ok
    p2 = dataclasses.replace(PLATFORM, host_data=host_data)
    assert verify_join(p2.quote(KEY), KEY, ALLOW).result is R.FAILED_INVALID_HOST_DATA
    add_host_data = {AllowlistTable.SNP_HOST_DATA: {host_data.hex().encode(): b'""'}}
    assert verify_join(p2.quote(KEY), KEY, allowlists(GENESIS, add_host_data)).ok
    assert CODE_STATUS_ALLOWED == "AllowedToJoin"


def test_a_cpuid_without_minimum_tcb_and_a_tcb_below_it_are_refused_with_500():
    genoa = dataclasses.replace(PLATFORM, product=SnpProduct.GENOA)
    verdict = verify_join(genoa.quote(KEY), KEY, ALLOW)
    assert verdict.result is R.FAILED_INVALID_CPUID
    assert verdict.refusal == (500, "Unknown quote verification error")
    old = dataclasses.replace(PLATFORM, tcb=dataclasses.replace(PLATFORM.tcb, microcode=0xD2))
    verdict = verify_join(old.quote(KEY), KEY, ALLOW)
    assert verdict.result is R.FAILED_INVALID_TCB_VERSION and "microcode" in verdict.detail
    assert verdict.refusal == (500, "Unknown quote verification error")
    lower = {
        AllowlistTable.SNP_TCB_VERSIONS: {
            b"00a00f11": TcbVersion(4, 0, 0x15, 0xD2).policy_json(SnpProduct.MILAN)
        }
    }
    assert verify_join(old.quote(KEY), KEY, allowlists(GENESIS, lower)).ok


def test_a_genuine_quote_replayed_by_another_node_over_its_own_key_is_refused():
    genuine = PLATFORM.quote(KEY)
    verdict = verify_join(genuine, node_key("n1"), ALLOW)
    assert verdict.result is R.FAILED_INVALID_QUOTED_PUBLIC_KEY


def test_every_single_bit_flipped_in_the_signed_report_or_its_signature_is_refused():
    """All 5376 bits of the signed part and all 1152 of r and s (a P-384 verify is well under 1 ms)."""
    genuine = PLATFORM.quote(KEY)
    assert verify_join(genuine, KEY, ALLOW).ok
    accepted = []
    for bit in range(0x330 * 8):
        raw = bytearray(genuine.quote)
        raw[bit // 8] ^= 1 << (bit % 8)
        verdict = verify_join(dataclasses.replace(genuine, quote=bytes(raw)), KEY, ALLOW)
        if verdict.result is not R.FAILED:
            accepted.append((bit, verdict.result))
    assert accepted == []


def test_a_chain_whose_root_is_not_the_pinned_one_is_refused():
    forged = dataclasses.replace(PLATFORM, amd_seed=b"not AMD")
    verdict = verify_join(forged.quote(KEY), KEY, ALLOW)
    assert verdict.result is R.FAILED
    assert "The root of trust public key for this attestation was not the expected one" in verdict.detail
    # the same chain verifies where its own root is pinned: only the pin refuses it
    assert verify_join(forged.quote(KEY), KEY, ALLOW, pinned=pinned_roots(b"not AMD")).ok


def test_a_product_without_a_pinned_root_is_refused():
    """As CCF, which ships Turin's root commented out."""
    turin = dataclasses.replace(PLATFORM, product=SnpProduct.TURIN)
    genesis = genesis_writes(verify_quote(turin.quote(node_key("genesis"))))
    pinned = {p: root for p, root in pinned_roots().items() if p is not SnpProduct.TURIN}
    verdict = verify_join(turin.quote(KEY), KEY, allowlists(genesis), pinned=pinned)
    assert (
        verdict.result is R.FAILED
        and verdict.detail == "endorsements.ARK: no root of trust is pinned for Turin"
    )


def test_an_ask_not_issued_by_the_ark_or_a_vcek_not_issued_by_the_ask_is_refused():
    forged = dataclasses.replace(PLATFORM, amd_seed=b"not AMD")
    genuine_ark = ark(PLATFORM.amd_seed, SnpProduct.MILAN)
    quote = forged.quote(KEY)
    bundle = endorsement_bundle(forged.chain[0], forged.chain[1], genuine_ark)
    verdict = verify_join(dataclasses.replace(quote, endorsements=bundle), KEY, ALLOW)
    assert verdict.result is R.FAILED and verdict.detail == "endorsements.ASK: not issued by the ARK"
    bundle = endorsement_bundle(forged.chain[0], ask(PLATFORM.amd_seed, SnpProduct.MILAN), genuine_ark)
    verdict = verify_join(dataclasses.replace(quote, endorsements=bundle), KEY, ALLOW)
    assert verdict.result is R.FAILED and verdict.detail == "endorsements.VCEK: not issued by the ASK"


def test_endorsements_must_be_exactly_vcek_ask_ark():
    quote = PLATFORM.quote(KEY)
    vcek_, ask_, ark_ = PLATFORM.chain
    for chain in [(vcek_, ask_), (ark_, ask_, vcek_), (vcek_, ask_, ark_, ark_)]:
        verdict = verify_join(dataclasses.replace(quote, endorsements=endorsement_bundle(*chain)), KEY, ALLOW)
        assert verdict.result is R.FAILED and verdict.detail.startswith("endorsements"), verdict.detail


def test_a_report_signed_by_another_chips_vcek_is_refused():
    other = dataclasses.replace(PLATFORM, chip_seed=b"chip 1")
    quote = dataclasses.replace(PLATFORM.quote(KEY), endorsements=endorsement_bundle(*other.chain))
    verdict = verify_join(quote, KEY, ALLOW)
    assert verdict.result is R.FAILED and "did not sign" in verdict.detail


def test_a_vcek_for_another_chip_id_or_a_higher_tcb_than_reported_is_refused():
    report = PLATFORM.quote(KEY).quote
    other_chip = resign(PLATFORM, report, chip_id=bytes(64))
    verdict = verify_join(other_chip, KEY, ALLOW)
    assert verdict.result is R.FAILED and "chip id" in verdict.detail
    lower = TcbVersion(4, 0, 0x14, 0xD3).to_bytes(SnpProduct.MILAN)
    verdict = verify_join(resign(PLATFORM, report, reported_tcb=lower), KEY, ALLOW)
    assert verdict.result is R.FAILED and verdict.detail.startswith("quote.reported_tcb.snp")
    assert verify_join(resign(PLATFORM, report), KEY, ALLOW).ok  # re-signing alone changes nothing


POLICY_VIOLATIONS = {
    "debug": ({"policy": PLATFORM.policy | 1 << SnpPolicyBit.DEBUG}, "quote.policy.debug"),
    "migration agent": (
        {"policy": PLATFORM.policy | 1 << SnpPolicyBit.MIGRATE_MA},
        "quote.policy.migrate_ma",
    ),
    "vmpl 4": ({"vmpl": 4}, "quote.vmpl"),
    "masked chip key": ({"flags": 1 << SnpFlagBits.MASK_CHIP_KEY}, "quote.flags.mask_chip_key"),
    "vlek signing key": ({"flags": 1 << SnpFlagBits.SIGNING_KEY}, "quote.flags.signing_key"),
}


@pytest.mark.parametrize("name", list(POLICY_VIOLATIONS))
def test_each_snp_policy_violation_is_refused(name):
    change, field = POLICY_VIOLATIONS[name]
    platform = dataclasses.replace(PLATFORM, **change)
    verdict = verify_join(platform.quote(KEY), KEY, ALLOW)
    assert verdict.result is R.FAILED
    assert verdict.detail.startswith(field + ":"), verdict.detail
    offset = SNP_FIELDS[field.split(".")[1]].offset
    assert f": byte {offset:#x}: " in verdict.detail  # located in AMD's layout


def test_vmpl_3_is_the_highest_accepted():
    assert verify_join(dataclasses.replace(PLATFORM, vmpl=3).quote(KEY), KEY, ALLOW).ok


def test_old_report_versions_and_a_mismatched_endorsed_tcb_are_refused():
    report = PLATFORM.quote(KEY).quote
    verdict = verify_join(resign(PLATFORM, report, version=2), KEY, ALLOW)
    assert verdict.result is R.FAILED and verdict.detail.startswith("quote.version")
    quote = PLATFORM.quote(KEY)
    assert verify_join(dataclasses.replace(quote, endorsed_tcb="d315000000000004"), KEY, ALLOW).ok
    verdict = verify_join(dataclasses.replace(quote, endorsed_tcb="d315000000000005"), KEY, ALLOW)
    assert verdict.result is R.FAILED and verdict.detail.startswith("quote_info.endorsed_tcb")


def test_uvm_endorsements_are_not_simulated_and_refused_with_ccfs_code():
    quote = dataclasses.replace(PLATFORM.quote(KEY), uvm_endorsements=b"cose")
    assert verify_join(quote, KEY, ALLOW).result is R.FAILED_UVM_ENDORSEMENTS_NOT_FOUND


@pytest.mark.parametrize(
    ("quote", "endorsements", "field"),
    [
        (b"", None, "quote"),
        (b"\0" * 1183, None, "quote"),
        (None, b"not pem", "endorsements"),
        (None, b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "endorsements"),
        (bytes(1184), None, "quote.version"),
    ],
)
def test_garbage_snp_quotes_are_one_clear_failure(quote, endorsements, field):
    genuine = PLATFORM.quote(KEY)
    broken = dataclasses.replace(
        genuine,
        quote=genuine.quote if quote is None else quote,
        endorsements=genuine.endorsements if endorsements is None else endorsements,
    )
    verdict = verify_join(broken, KEY, ALLOW)
    assert verdict.result is R.FAILED and verdict.detail.startswith(field + ":"), verdict.detail


def test_the_reader_of_reports_reads_what_the_platform_writes():
    report = SnpReport.parse(PLATFORM.quote(KEY).quote)
    assert report.product is SnpProduct.MILAN and report.cpuid == "00a00f11"
    assert report.tcb("reported_tcb", SnpProduct.MILAN) == PLATFORM.tcb


@settings(max_examples=300)
@given(st.data())
def test_corrupted_endorsements_never_raise_and_are_refused_unless_the_certificates_are_unchanged(data):
    genuine = PLATFORM.quote(KEY)
    bundle = bytearray(genuine.endorsements)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(bundle) - 1))
        bundle[at] = data.draw(st.integers(0, 255))
    verdict = verify_join(dataclasses.replace(genuine, endorsements=bytes(bundle)), KEY, ALLOW)
    if verdict.ok:  # only a change the PEM decoder ignores (e.g. base64 padding bits)
        assert x509.load_pem_x509_certificates(bytes(bundle)) == x509.load_pem_x509_certificates(
            genuine.endorsements
        )
    else:
        assert verdict.result is R.FAILED and verdict.detail.startswith("endorsements")
