"""The JavaScript half of the ``ccf`` global: thin wrappers over one Python callable, ``__pyccf_host``.

Buffers cross the boundary as hex strings and everything else as JSON, because quickjs's callables
take and return only scalars; a Python failure comes back as ``{"error": ...}`` and is thrown here, so
constitution code can catch it as it would catch CCF's own exceptions.
"""

from __future__ import annotations

HOST_CALLABLE = "__pyccf_host"
INVOKE = "__pyccf_invoke"
EXPORTS = "__pyccf_exports"

PRELUDE = r"""
(function () {
  const host = globalThis.__pyccf_host;
  function call(name, ...args) {
    const reply = JSON.parse(host(name, JSON.stringify(args)));
    if ("error" in reply) {
      throw new Error(reply.error);
    }
    return reply.ok;
  }
  function hex(buf, what) {
    if (!(buf instanceof ArrayBuffer)) {
      throw new TypeError(`${what} must be an ArrayBuffer`);
    }
    const bytes = new Uint8Array(buf);
    let out = "";
    for (let i = 0; i < bytes.length; i++) {
      out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    }
    return out;
  }
  function unhex(text) {
    const bytes = new Uint8Array(text.length / 2);
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = parseInt(text.substr(2 * i, 2), 16);
    }
    return bytes.buffer;
  }
  class KvMap {
    constructor(name) {
      this.name = name;
    }
    get(key) {
      const value = call("kv.get", this.name, hex(key, "key"));
      return value === null ? undefined : unhex(value);
    }
    has(key) {
      return call("kv.has", this.name, hex(key, "key"));
    }
    set(key, value) {
      call("kv.set", this.name, hex(key, "key"), hex(value, "value"));
      return this;
    }
    delete(key) {
      return call("kv.delete", this.name, hex(key, "key"));
    }
    clear() {
      call("kv.clear", this.name);
    }
    forEach(callback) {
      for (const [key, value] of call("kv.entries", this.name)) {
        callback(unhex(value), unhex(key), this);
      }
    }
    get size() {
      return call("kv.entries", this.name).length;
    }
  }
  const strToBuf = (text) => unhex(call("strToBuf", String(text)));
  const bufToStr = (buf) => call("bufToStr", hex(buf, "buffer"));
  const optionalHex = (buf, what) => (buf === undefined ? null : hex(buf, what));
  const asJson = (a) => (a instanceof ArrayBuffer ? { buf: hex(a, "argument") } : a);
  const effect = (name) => (...args) => call("effect", name, args.map(asJson));
  globalThis.ccf = {
    kv: new Proxy({}, { get: (_, name) => (typeof name === "string" ? new KvMap(name) : undefined) }),
    strToBuf,
    bufToStr,
    jsonCompatibleToBuf: (value) => {
      const text = JSON.stringify(value);
      if (text === undefined) {
        throw new TypeError("value is not JSON-compatible");
      }
      return strToBuf(text);
    },
    bufToJsonCompatible: (buf) => JSON.parse(bufToStr(buf)),
    pemToId: (pem) => call("pemToId", pem),
    crypto: {
      isValidX509CertBundle: (pem) => call("isValidX509CertBundle", pem),
      digest: (algorithm, buf) => unhex(call("digest", algorithm, hex(buf, "data"))),
    },
    gov: {
      validateConstitution: (source) => call("validateConstitution", source),
    },
    node: {
      triggerLedgerRekey: effect("triggerLedgerRekey"),
      triggerRecoverySharesRefresh: effect("triggerRecoverySharesRefresh"),
      triggerSnapshot: effect("triggerSnapshot"),
      triggerLedgerChunk: effect("triggerLedgerChunk"),
      transitionServiceToOpen: (previous, next) =>
        call("effect", "transitionServiceToOpen", [
          optionalHex(previous, "previous identity"),
          hex(next, "next identity"),
        ]),
    },
    network: {
      getLatestLedgerSecretSeqno: () => call("getLatestLedgerSecretSeqno"),
      generateEndorsedCertificate: effect("generateEndorsedCertificate"),
      generateNetworkCertificate: effect("generateNetworkCertificate"),
    },
    tcbHexToPolicy: effect("tcbHexToPolicy"),
    refreshAppBytecodeCache: effect("refreshAppBytecodeCache"),
    setJwtPublicSigningKeys: effect("setJwtPublicSigningKeys"),
    removeJwtPublicSigningKeys: effect("removeJwtPublicSigningKeys"),
  };
  globalThis.__pyccf_invoke = function (name, argsJson) {
    try {
      const result = globalThis.__pyccf_exports[name](...JSON.parse(argsJson));
      return JSON.stringify({ ok: result === undefined ? null : result });
    } catch (e) {
      return JSON.stringify({ error: String(e), stack: e && e.stack ? String(e.stack) : "" });
    }
  };
})();
"""
