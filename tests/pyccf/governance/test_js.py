"""The quickjs runtime: the module transformation, the ccf global, CCF's KV access rules."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest

from pyccf.formats.governance import GovTable
from pyccf.governance.js import BALLOT_EXPORTS, CONSTITUTION_EXPORTS, Host, JsError, Module, pem_to_id
from pyccf.governance.kvview import Access, KvView
from pyccf.governance.requests import member_from_seed
from pyccf.kv.store import Store
from tests.pyccf.governance.helpers import SEED, constitution, needs_constitutions

LIB = "export function validate(p) { return 1 }\nexport function resolve() {}\nexport function apply() {}\n"


def run(body: str, access: Access = Access.APPLY, store: Store | None = None) -> tuple[Any, KvView]:
    """Run ``body`` as the body of an exported function ``validate`` under a view of ``store``."""
    source = f"export function validate() {{ {body} }}\n" + LIB.split("\n", 1)[1]
    view = KvView((store or Store()).begin(), access)
    return Module.load(source, CONSTITUTION_EXPORTS, Host()).call("validate", view), view


def test_module_exports_are_captured_and_missing_ones_named() -> None:
    assert Module.load(LIB, CONSTITUTION_EXPORTS, Host()).call("validate", None, "{}") == 1
    with pytest.raises(JsError, match="vote"):
        Module.load(LIB, BALLOT_EXPORTS, Host())
    with pytest.raises(JsError, match="does not load"):
        Module.load("export function vote( {", BALLOT_EXPORTS, Host())
    with pytest.raises(JsError, match="not a function"):
        Module.load("export const vote = 3;", BALLOT_EXPORTS, Host())


def test_contexts_are_fresh() -> None:
    a = Module.load("globalThis.leak = 1; export function vote() { return 1 }", BALLOT_EXPORTS, Host())
    b = Module.load("export function vote() { return typeof leak }", BALLOT_EXPORTS, Host())
    assert a.call("vote", None) == 1 and b.call("vote", None) == "undefined"


def test_buffer_and_json_conversions() -> None:
    out, _ = run('return ccf.bufToStr(ccf.strToBuf("h\\u00e9llo \\u2603"))')
    assert out == "h\u00e9llo \u2603"
    out, _ = run("return ccf.strToBuf('\\u00e9').byteLength")
    assert out == 2  # UTF-8
    out, _ = run("return ccf.bufToJsonCompatible(ccf.jsonCompatibleToBuf({a: [1, 'x'], b: null}))")
    assert out == {"a": [1, "x"], "b": None}
    with pytest.raises(JsError, match="JSON-compatible"):
        run("return ccf.jsonCompatibleToBuf(undefined)")
    out, _ = run(
        'const d = new Uint8Array(ccf.crypto.digest("SHA-256", ccf.strToBuf("abc"))); return Array.from(d)'
    )
    assert bytes(out) == hashlib.sha256(b"abc").digest()


def test_certificate_helpers() -> None:
    m = member_from_seed(SEED, "m0")
    assert pem_to_id(m.cert_pem) == m.id
    out, _ = run(f"return [ccf.pemToId({m.cert_pem!r}), ccf.crypto.isValidX509CertBundle({m.cert_pem!r})]")
    assert out == [m.id, True]
    out, _ = run('return ccf.crypto.isValidX509CertBundle("-----BEGIN CERTIFICATE-----\\nAAAA\\n")')
    assert out is False


def test_kv_map_methods_see_the_transaction_and_stage_writes() -> None:
    store = Store()
    tx = store.begin()
    tx.put(GovTable.USERS_INFO, b"b", b"2")
    tx.put(GovTable.USERS_INFO, b"a", b"1")
    tx.commit()
    body = """
      const m = ccf.kv["public:ccf.gov.users.info"];
      m.set(ccf.strToBuf("c"), ccf.strToBuf("3"));
      m.delete(ccf.strToBuf("a"));
      const seen = [];
      m.forEach((v, k) => seen.push(ccf.bufToStr(k) + "=" + ccf.bufToStr(v)));
      return [seen, m.has(ccf.strToBuf("a")), m.get(ccf.strToBuf("zz")) === undefined, m.size];
    """
    out, view = run(body, store=store)
    assert out == [["b=2", "c=3"], False, True, 2]
    assert store.get(GovTable.USERS_INFO, b"a") == b"1"  # staged only
    view.merge()
    assert view.tx.get(GovTable.USERS_INFO, b"a") is None and view.tx.get(GovTable.USERS_INFO, b"c") == b"3"


@pytest.mark.parametrize(
    ("access", "body", "refusal"),
    [
        (
            Access.READ,
            'ccf.kv["public:ccf.gov.users.info"].set(new ArrayBuffer(1), new ArrayBuffer(1))',
            "may not write",
        ),
        (Access.READ, 'ccf.kv["public:app"].get(new ArrayBuffer(1))', "may not read"),
        (Access.APPLY, 'ccf.kv["private.table"].get(new ArrayBuffer(1))', "private table"),
        (
            Access.APPLY,
            'ccf.kv["public:ccf.internal.signatures"].set(new ArrayBuffer(8), new ArrayBuffer(1))',
            "may not write",
        ),
        (Access.APPLY, 'ccf.kv["public:app"].get(new ArrayBuffer(1))', "may not read"),
        (Access.READ, "ccf.node.triggerLedgerRekey()", "only be called from apply"),
        (Access.APPLY, 'ccf.kv["public:ccf.gov.users.info"].get("not a buffer")', "ArrayBuffer"),
        (Access.APPLY, "ccf.network.generateNetworkCertificate()", "not provided by pyccf"),
    ],
)
def test_access_rules(access: Access, body: str, refusal: str) -> None:
    with pytest.raises(JsError, match=refusal):
        run(body, access)


def test_allowed_accesses() -> None:
    run('ccf.kv["public:ccf.internal.signatures"].get(new ArrayBuffer(8))', Access.READ)
    run('ccf.kv["public:app"].set(new ArrayBuffer(1), new ArrayBuffer(1))', Access.APPLY)
    out, _ = run('return ccf.kv["public:app"].delete(new ArrayBuffer(1))', Access.APPLY)  # write-only
    assert out is False


@needs_constitutions
def test_every_ccf_api_the_constitution_calls_exists() -> None:
    source = constitution()
    called = sorted(set(re.findall(r"\bccf\.((?:\w+\.)*\w+)\(", source)))
    assert "crypto.isValidX509CertBundle" in called and "jsonCompatibleToBuf" in called
    checks = ", ".join(f"typeof ccf.{name}" for name in called)
    out, _ = run(f"return [{checks}]", Access.READ)
    missing = [name for name, kind in zip(called, out, strict=True) if kind != "function"]
    assert missing == []
