"""CCF's virtual attestation: the quote's exact bytes and its join checks (allowlists, key binding)."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyccf.formats.attestation import (
    CODE_STATUS_ALLOWED,
    VIRTUAL_MEASUREMENT,
    AllowlistTable,
    QuoteFormat,
    QuoteVerificationResult,
)
from pyccf.formats.ledger import SINGLETON_KEY
from pyccf.service.identity import derive_key, key_digest
from pyccf.tee import (
    Allowlists,
    AttestationFormatError,
    QuoteInfo,
    VirtualPlatform,
    genesis_writes,
    verify_join,
    verify_quote,
)
from tests.pyccf.tee.conftest import allowlists, node_key

R = QuoteVerificationResult
PLATFORM = VirtualPlatform(b"pyccf node package 1")
KEY = node_key("n0")
GENESIS: dict[str, dict[bytes, bytes]] = genesis_writes(verify_quote(PLATFORM.quote(node_key("genesis"))))


def test_the_quote_is_ccfs_compact_json_binding_the_key_digest():
    quote = PLATFORM.quote(KEY)
    assert quote.format is QuoteFormat.VIRTUAL and quote.endorsements == b""
    digest = hashlib.sha256(KEY).digest()
    assert quote.quote == (
        b'{"host_data":"' + hashlib.sha256(b"pyccf node package 1").hexdigest().encode() + b'",'
        b'"measurement":"Insecure hard-coded virtual measurement v1",'
        b'"report_data":"' + base64.b64encode(digest) + b'"}'
    )
    # the report data is the node id's bytes: CCF's tests rely on it
    assert digest.hex() == key_digest(derive_key(b"n0", "node").public_key())


def test_the_envelope_is_stored_as_ccf_writes_it_and_reads_byte_arrays_too():
    quote = PLATFORM.quote(KEY)
    stored = quote.to_json()
    assert list(stored) == ["endorsements", "format", "quote"]
    assert stored["format"] == "Insecure_Virtual" and stored["endorsements"] == ""
    assert QuoteInfo.from_json(json.loads(json.dumps(stored))) == quote
    as_array = dict(stored, quote=list(quote.quote))
    assert QuoteInfo.from_json(as_array) == quote


def test_genesis_writes_its_own_measurement_and_host_data_as_the_constitution_does():
    expected = {
        AllowlistTable.VIRTUAL_MEASUREMENTS: {VIRTUAL_MEASUREMENT.encode(): b'"AllowedToJoin"'},
        AllowlistTable.VIRTUAL_HOST_DATA: {PLATFORM.host_data.encode(): SINGLETON_KEY},
    }
    assert expected == GENESIS
    verdict = verify_join(PLATFORM.quote(KEY), KEY, allowlists(GENESIS))
    assert verdict.ok and verdict.refusal is None


def test_host_data_not_on_the_allowlist_is_refused_with_ccfs_code_and_accepted_once_added():
    other = VirtualPlatform(b"another package")
    verdict = verify_join(other.quote(KEY), KEY, allowlists(GENESIS))
    assert verdict.result is R.FAILED_INVALID_HOST_DATA
    assert verdict.refusal == (401, "Quote host data is not authorised")
    # add_virtual_host_data's write
    added = {AllowlistTable.VIRTUAL_HOST_DATA: {other.host_data.encode(): SINGLETON_KEY}}
    assert verify_join(other.quote(KEY), KEY, allowlists(GENESIS, added)).ok


def test_a_measurement_not_on_the_allowlist_is_refused_and_accepted_once_added():
    other = VirtualPlatform(PLATFORM.package, measurement="Insecure hard-coded virtual measurement v2")
    verdict = verify_join(other.quote(KEY), KEY, allowlists(GENESIS))
    assert verdict.result is R.FAILED_MEASUREMENT_NOT_FOUND
    assert verdict.refusal == (401, "Quote does not contain known enclave measurement")
    added = {
        AllowlistTable.VIRTUAL_MEASUREMENTS: {
            other.measurement.encode(): json.dumps(CODE_STATUS_ALLOWED).encode()
        }
    }
    assert verify_join(other.quote(KEY), KEY, allowlists(GENESIS, added)).ok


def test_a_measurement_whose_status_is_not_allowed_to_join_does_not_count():
    revoked = {AllowlistTable.VIRTUAL_MEASUREMENTS: {VIRTUAL_MEASUREMENT.encode(): b'"Revoked"'}}
    verdict = verify_join(PLATFORM.quote(KEY), KEY, allowlists(GENESIS, revoked))
    assert verdict.result is R.FAILED_MEASUREMENT_NOT_FOUND


def test_host_data_is_checked_before_the_measurement():
    other = VirtualPlatform(b"another package", measurement="unknown")
    assert verify_join(other.quote(KEY), KEY, allowlists(GENESIS)).result is R.FAILED_INVALID_HOST_DATA


def test_a_quote_without_host_data_is_refused_as_ccf_does():
    body = json.loads(PLATFORM.quote(KEY).quote)
    del body["host_data"]
    quote = QuoteInfo(QuoteFormat.VIRTUAL, json.dumps(body).encode())
    verdict = verify_join(quote, KEY, allowlists(GENESIS))
    assert verdict.result is R.FAILED_HOST_DATA_DIGEST_NOT_FOUND
    assert verdict.refusal == (401, "Quote does not contain trusted host data")


def test_a_genuine_quote_replayed_by_another_node_over_its_own_key_is_refused():
    genuine = PLATFORM.quote(KEY)
    thief = node_key("n1")
    verdict = verify_join(genuine, thief, allowlists(GENESIS))
    assert verdict.result is R.FAILED_INVALID_QUOTED_PUBLIC_KEY
    assert verdict.refusal == (401, "Quote report data does not contain node's public key hash")
    assert verify_join(genuine, KEY, allowlists(GENESIS)).ok


GOOD = PLATFORM.quote(KEY).to_json()
GARBAGE = {
    "not an object": ([1, 2], "quote_info"),
    "no format": ({"quote": ""}, "quote_info.format"),
    "unknown format": (dict(GOOD, format="TDX"), "quote_info.format"),
    "quote not base64": (dict(GOOD, quote="***"), "quote_info.quote"),
    "quote missing": ({"format": "Insecure_Virtual"}, "quote_info.quote"),
    "byte array out of range": (dict(GOOD, quote=[1, 256]), "quote_info.quote"),
    "quote not json": (dict(GOOD, quote=base64.b64encode(b"\xff{").decode()), "quote"),
    "quote not an object": (dict(GOOD, quote=base64.b64encode(b"[]").decode()), "quote"),
    "measurement not a string": (
        dict(GOOD, quote=base64.b64encode(b'{"measurement":1}').decode()),
        "quote.measurement",
    ),
    "report data too short": (
        dict(GOOD, quote=base64.b64encode(b'{"measurement":"m","report_data":"AAAA"}').decode()),
        "quote.report_data",
    ),
    "sgx": (dict(GOOD, format="OE_SGX_v1"), "quote_info.format"),
    "snp garbage": (dict(GOOD, format="AMD_SEV_SNP_v1"), "quote"),
    "endorsed tcb not a string": (dict(GOOD, endorsed_tcb=5), "quote_info.endorsed_tcb"),
}


@pytest.mark.parametrize("name", list(GARBAGE))
def test_garbage_quotes_are_one_clear_failure_naming_the_field(name):
    value, field = GARBAGE[name]
    verdict = verify_join(value, KEY, allowlists(GENESIS))
    assert verdict.result is R.FAILED
    assert verdict.refusal == (401, "Quote could not be verified")
    assert verdict.detail.startswith(field + ":"), verdict.detail


def test_allowlists_read_from_a_store_refuse_a_malformed_minimum_tcb_naming_table_and_key():
    T = AllowlistTable
    for value, field in [(b"{", "]"), (b'{"snp": 300}', "].snp"), (b"[]", "]")]:
        with pytest.raises(AttestationFormatError) as caught:
            allowlists({T.SNP_TCB_VERSIONS: {b"00a00f11": value}})
        assert caught.value.field.startswith(f"{T.SNP_TCB_VERSIONS}[b'00a00f11'")
        assert caught.value.field.endswith(field)
    with pytest.raises(AttestationFormatError, match="not UTF-8"):
        Allowlists.from_tables({T.VIRTUAL_HOST_DATA: {b"\xff": SINGLETON_KEY}})


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@given(
    st.fixed_dictionaries(
        {"format": st.sampled_from([*QuoteFormat, "x"]) | JSON},
        optional={
            "quote": st.binary().map(lambda b: base64.b64encode(b).decode()) | JSON,
            "endorsements": JSON,
        },
    )
    | JSON
)
def test_arbitrary_json_envelopes_never_raise_and_never_join(value):
    verdict = verify_join(value, KEY, allowlists(GENESIS))
    assert verdict.result is R.FAILED and verdict.detail


@given(st.binary() | JSON.map(lambda v: json.dumps(v).encode()))
def test_arbitrary_virtual_quote_bytes_never_raise_and_never_join(raw):
    verdict = verify_join(QuoteInfo(QuoteFormat.VIRTUAL, raw), KEY, allowlists(GENESIS))
    assert not verdict.ok and verdict.detail


def test_a_deeply_nested_quote_is_a_clear_failure():
    verdict = verify_join(QuoteInfo(QuoteFormat.VIRTUAL, b"[" * 100_000), KEY, allowlists(GENESIS))
    assert verdict.result is R.FAILED and verdict.detail.startswith("quote:")
