"""Run CCF's constitution and ballots, unchanged, in quickjs, with a ``ccf`` global backed by the store.

quickjs evaluates ES modules but gives no access to their exports, and CCF's constitution is a module
(``export function validate``/``resolve``/``apply``; ballots ``export function vote``). The one documented
transformation: the source is evaluated as a module with one line appended,
``globalThis.__pyccf_exports = {validate, resolve, apply};`` (for a ballot ``{vote}``), which reads the
module's own bindings; the source itself is never edited. Each load gets a fresh context, so nothing
leaks between a constitution and the ballots run under it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import quickjs  # type: ignore[import-untyped]
from cryptography import x509

from pyccf.governance.kvview import Access, KvAccessError, KvView
from pyccf.governance.prelude import EXPORTS, HOST_CALLABLE, INVOKE, PRELUDE

CONSTITUTION_EXPORTS = ("validate", "resolve", "apply")
BALLOT_EXPORTS = ("vote",)

#: A host effect (``ccf.node.*``, ``ccf.network.*``...): called with the view and the JS arguments.
Effect = Callable[[KvView, list[Any]], Any]


class JsError(Exception):
    """JavaScript threw (or could not be loaded): ``message`` is what it threw, ``stack`` where."""

    def __init__(self, message: str, stack: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.stack = stack


def pem_certs(pem: str) -> list[x509.Certificate]:
    """The certificates of a PEM bundle; ValueError if there is none or one does not parse."""
    certs = x509.load_pem_x509_certificates(pem.encode())
    if not certs:
        raise ValueError("no certificate")
    return certs


def pem_to_id(pem: str) -> str:
    """CCF's member and user id: hex SHA-256 of the DER certificate (``ccf.pemToId``)."""
    from cryptography.hazmat.primitives.serialization import Encoding

    return hashlib.sha256(pem_certs(pem)[0].public_bytes(Encoding.DER)).hexdigest()


def _is_valid_bundle(pem: object) -> bool:
    if not isinstance(pem, str):
        return False
    try:
        pem_certs(pem)
    except ValueError:
        return False
    return True


_DIGESTS = {"SHA-256": hashlib.sha256}


@dataclass
class Host:
    """The Python half of ``ccf``: one call per operation, bound to a view while JS runs."""

    effects: dict[str, Effect] = field(default_factory=dict)
    latest_ledger_secret_seqno: int = 0
    view: KvView | None = None
    recorded: list[tuple[str, list[Any]]] = field(default_factory=list)  # effects asked for, in order

    def dispatch(self, name: str, args_json: str) -> str:
        """Never raises: quickjs cannot carry a Python exception through JavaScript."""
        try:
            result = self._call(name, json.loads(args_json))
        except (KvAccessError, JsError, ValueError, TypeError, KeyError, UnicodeError) as error:
            return json.dumps({"error": str(error)})
        except Exception as error:  # noqa: BLE001 - any host failure must become a JS exception
            return json.dumps({"error": f"{type(error).__name__}: {error}"})
        return json.dumps({"ok": result})

    def _kv(self) -> KvView:
        if self.view is None:
            raise KvAccessError("no transaction: the KV is not available here")
        return self.view

    def _call(self, name: str, args: list[Any]) -> Any:
        if name.startswith("kv."):
            return self._kv_call(name[3:], args)
        if name == "strToBuf":
            return args[0].encode().hex()
        if name == "bufToStr":
            return bytes.fromhex(args[0]).decode(errors="replace")  # as JS strings from bytes: U+FFFD
        if name == "pemToId":
            return pem_to_id(args[0])
        if name == "isValidX509CertBundle":
            return _is_valid_bundle(args[0])
        if name == "digest":
            if args[0] not in _DIGESTS:
                raise ValueError(f"unsupported digest algorithm {args[0]!r}")
            return _DIGESTS[args[0]](bytes.fromhex(args[1])).hexdigest()
        if name == "validateConstitution":
            Module.load(args[0], CONSTITUTION_EXPORTS, Host())
            return None
        if name == "getLatestLedgerSecretSeqno":
            return self.latest_ledger_secret_seqno
        if name == "effect":
            return self._effect(args[0], args[1])
        raise ValueError(f"ccf API {name} is not provided by pyccf")

    def _kv_call(self, op: str, args: list[Any]) -> Any:
        kv, table = self._kv(), args[0]
        if op == "get":
            value = kv.get(table, bytes.fromhex(args[1]))
            return None if value is None else value.hex()
        if op == "has":
            return kv.get(table, bytes.fromhex(args[1])) is not None
        if op == "set":
            kv.set(table, bytes.fromhex(args[1]), bytes.fromhex(args[2]))
            return None
        if op == "delete":
            return kv.delete(table, bytes.fromhex(args[1]))
        if op == "clear":
            kv.clear(table)
            return None
        if op == "entries":
            return [[k.hex(), v.hex()] for k, v in kv.entries(table)]
        raise ValueError(f"ccf.kv map method {op} is not provided by pyccf")

    def _effect(self, name: str, args: list[Any]) -> Any:
        view = self._kv()
        if view.access is not Access.APPLY:
            raise KvAccessError(f"{name} may only be called from apply()")
        handler = self.effects.get(name)
        if handler is None:
            raise ValueError(f"ccf API {name} is not provided by pyccf")
        self.recorded.append((name, args))
        return handler(view, args)


class Module:
    """One loaded module (a constitution or a ballot) in its own quickjs context."""

    def __init__(self, context: quickjs.Context, host: Host) -> None:
        self.context = context
        self.host = host

    @classmethod
    def load(cls, source: str, exports: tuple[str, ...], host: Host) -> Module:
        """Evaluate ``source`` as a module and capture ``exports``; JsError if it does not load or lacks
        one of them."""
        if not isinstance(source, str):
            raise JsError("module source must be a string")
        context = quickjs.Context()
        context.add_callable(HOST_CALLABLE, host.dispatch)
        context.eval(PRELUDE)
        capture = f"\n;globalThis.{EXPORTS} = {{{', '.join(exports)}}};\n"
        try:
            context.module(source + capture)
        except quickjs.JSException as error:
            raise JsError(
                f"module does not load or lacks an export of {', '.join(exports)}: {error}"
            ) from None
        for name in exports:
            if context.eval(f"typeof globalThis.{EXPORTS}.{name}") != "function":
                raise JsError(f"module export {name} is not a function")
        return cls(context, host)

    def call(self, name: str, view: KvView | None, *args: Any) -> Any:
        """Call an export with JSON-compatible arguments under ``view``; JsError if it throws."""
        self.host.view = view
        try:
            reply = json.loads(self.context.get(INVOKE)(name, json.dumps(args)))
        except quickjs.JSException as error:
            raise JsError(str(error)) from None
        finally:
            self.host.view = None
        if "error" in reply:
            raise JsError(reply["error"], reply.get("stack", ""))
        return reply["ok"]


__all__ = ["Access", "Effect", "Host", "JsError", "KvView", "Module", "pem_to_id"]
