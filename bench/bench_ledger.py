"""Ledger append throughput and receipt rates, side by side with this machine's limits, all in one run.

    .venv/bin/python bench/bench_ledger.py [--txs 20000] [--receipts 2000] [--repeat 3] [--profile]

Limits (the anchors): SHA-256 per second on 32/64/100-byte inputs, AES-256-GCM per second on 100 bytes,
P-384 sign (RFC 6979, prehashed root) and verify per second. Append: a ServiceWriter writing chunk files
(no fsync) with one 100-byte public write per transaction and a signature every 100 or 1,000
transactions. Receipts: JSON and COSE issue rates, and verify rates with the verifier below, written from
cryptography primitives as ``ccf.receipt`` does (leaf, root, ECDSA verify, endorsement check cached per
certificate), so it judges pyccf's receipts independently of pyccf's own code. Each rate is the best of
``--repeat`` runs (the machine is shared); each ratio is against an anchor measured in the same run.
With ``--profile``, the append run's hot functions (cProfile, by own time) are printed too.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import gc
import hashlib
import io
import json
import platform
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import cbor2  # noqa: E402
import cryptography  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.backends.openssl.backend import backend  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, utils  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402

from pyccf.kv.store import Store, Transaction  # noqa: E402
from pyccf.ledger.entry import serialise_entry  # noqa: E402
from pyccf.ledger.files import LedgerFiles  # noqa: E402
from pyccf.ledger.merkle import MerkleTree, entry_leaf  # noqa: E402
from pyccf.ledger.secrets import LedgerSecret  # noqa: E402
from pyccf.service.identity import Identity, NodeIdentity, derive_key, node_identity, service_identity  # noqa: E402
from pyccf.service.signing import signature_transaction  # noqa: E402
from pyccf.service.writer import START_VIEW, ServiceWriter, entry_input  # noqa: E402

CLOCK = datetime(2025, 1, 1, tzinfo=UTC)
VALUE = bytes(range(100))  # each transaction writes one 100-byte value
MAP = "public:bench.kv"
KEYS = [b"key%05d" % i for i in range(1000)]


def best_rate(work: Callable[[], int], repeat: int) -> float:
    """The best of ``repeat`` runs of ``work`` (which returns how many operations it did), per second."""
    rates = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        n = work()
        rates.append(n / (time.perf_counter() - start))
    return max(rates)


# ---------------------------------------------------------------- the machine's limits


def limits(repeat: int) -> dict[str, float]:
    n = 200_000
    out: dict[str, float] = {}
    for size in (32, 64, 100):
        data = bytes(size)

        def sha(data: bytes = data) -> int:
            sha256 = hashlib.sha256
            for _ in range(n):
                sha256(data).digest()
            return n

        out[f"SHA-256 {size} B"] = best_rate(sha, repeat)
    aead, nonce, plain = AESGCM(bytes(32)), bytes(12), bytes(100)

    def gcm() -> int:
        for _ in range(n // 2):
            aead.encrypt(nonce, plain, b"")
        return n // 2

    out["AES-GCM 100 B"] = best_rate(gcm, repeat)
    key, root = derive_key(b"bench", "limits"), hashlib.sha256(b"root").digest()
    algorithm = ec.ECDSA(utils.Prehashed(hashes.SHA256()), deterministic_signing=True)
    signature, public = key.sign(root, algorithm), key.public_key()

    def sign() -> int:
        for _ in range(500):
            key.sign(root, algorithm)
        return 500

    def verify() -> int:
        for _ in range(500):
            public.verify(signature, root, algorithm)
        return 500

    out["P-384 sign"] = best_rate(sign, repeat)
    out["P-384 verify"] = best_rate(verify, repeat)
    return out


# ---------------------------------------------------------------- append


def identities() -> tuple[Identity, NodeIdentity]:
    validity = timedelta(days=365 * 200)
    service = service_identity(derive_key(b"bench service", "service"), not_before=CLOCK, validity=validity)
    node = node_identity(derive_key(b"bench node", "node"), service, not_before=CLOCK, validity=validity)
    return service, node


def put(i: int) -> Callable[[Transaction], None]:
    key = KEYS[i % len(KEYS)]

    def body(tx: Transaction) -> None:
        tx.put(MAP, key, VALUE)

    return body


def new_writer(folder: Path, service: Identity, node: NodeIdentity, every: int) -> ServiceWriter:
    writer = ServiceWriter(
        folder, service, node, LedgerSecret.from_seed(b"bench"), CLOCK, signature_every=every
    )
    writer.genesis(encryption_pub_key=node.public_key_pem)
    return writer


def append_run(
    parent: Path, service: Identity, node: NodeIdentity, txs: int, every: int
) -> tuple[int, ServiceWriter]:
    """Append ``txs`` transactions to a fresh ledger, sign and commit; the ledger stays on disk."""
    folder = Path(tempfile.mkdtemp(prefix="ledger-", dir=parent))
    writer = new_writer(folder, service, node, every)
    bodies = [put(i) for i in range(txs)]  # built outside the timed loop: they are the client's work
    gc.collect()
    start = time.perf_counter()
    for body in bodies:
        writer.execute(body)
    writer.sign()
    writer.commit()
    elapsed = time.perf_counter() - start
    writer.files.close()
    return round(txs / elapsed), writer


def ledger_bytes(writer: ServiceWriter) -> tuple[int, int]:
    """(all chunk bytes, bytes of serialised trees in signature transactions)."""
    total = sum((writer.folder / n).stat().st_size for n in writer.files.chunk_names())
    trees = sum(
        len(w.entry.public["public:ccf.internal.tree"].writes[bytes(8)])
        for w in writer.written.values()
        if w.is_signature
    )
    return total, trees


def profile_append(parent: Path, service: Identity, node: NodeIdentity, txs: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    append_run(parent, service, node, txs, 100)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(18)
    return out.getvalue()


def stages(parent: Path, service: Identity, node: NodeIdentity, txs: int, every: int) -> dict[str, float]:
    """Microseconds per transaction of each stage of ``ServiceWriter._append``, run on its own over the
    same transactions (the store's commit, the ledger's view of the write set, serialisation with its
    HMAC and AES-GCM, digest and Merkle append, the file append), and of signing every ``every``."""
    out: dict[str, float] = {}
    secret, view, bodies = LedgerSecret.from_seed(b"bench"), START_VIEW, [put(i) for i in range(txs)]

    def timed(name: str, work: Callable[[], list[Any]]) -> list[Any]:
        gc.collect()
        start = time.perf_counter()
        result = work()
        out[name] = (time.perf_counter() - start) * 1e6 / txs
        return result

    def commit_all() -> list[Any]:
        store, sets = Store(), []
        for seqno, body in enumerate(bodies, 1):
            tx = store.begin()
            body(tx)
            if not tx.write_set().empty:
                sets.append(tx.commit(seqno))
        return sets

    sets = timed("store: begin, body, write set, commit", commit_all)
    inputs = timed(
        "entry_input (maps by name)", lambda: [entry_input(view, i, ws) for i, ws in enumerate(sets, 1)]
    )
    entries = timed(
        "serialise_entry (HMAC evidence, AES-GCM)", lambda: [serialise_entry(e, secret)[0] for e in inputs]
    )
    tree = MerkleTree()

    def merkle() -> list[Any]:
        for e in entries:
            tree.append(entry_leaf(e.write_set_digest, e.commit_evidence_digest, e.claims_digest))
        return []

    timed("write-set digest, leaf, Merkle append", merkle)
    files = LedgerFiles(parent / f"stages-{every}")

    def append() -> list[Any]:
        for e in entries:
            files.append(e)
        return []

    timed("LedgerFiles.append (pwrite, no fsync)", append)
    files.close()

    def sign() -> list[Any]:
        for seqno in range(every, txs + 1, every):
            signature_transaction(tree, view, seqno, node, service, iat=0)
        return []

    timed(f"signature writes every {every} (2 ECDSA, tree)", sign)
    return out


# ---------------------------------------------------------------- an independent receipt verifier


class Verifier:
    """Receipt verification as ``ccf.receipt`` does it, from cryptography primitives only.

    Certificates are parsed, and a node certificate's endorsement by the service checked, once per
    certificate: a client verifying many receipts from one service pays one ECDSA verify per receipt.
    """

    def __init__(self, service_cert_pem: str, *, cache: bool = True) -> None:
        self.cache = cache  # False: parse and check the node certificate for every receipt
        self.service = x509.load_pem_x509_certificate(service_cert_pem.encode())
        key = self.service.public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey)
        self.service_key: ec.EllipticCurvePublicKey = key
        spki = self.service_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = hashlib.sha256(spki).hexdigest().encode()
        self._endorsed: dict[str, ec.EllipticCurvePublicKey] = {}

    def node_key(self, cert_pem: str) -> ec.EllipticCurvePublicKey:
        key = self._endorsed.get(cert_pem) if self.cache else None
        if key is None:
            cert = x509.load_pem_x509_certificate(cert_pem.encode())
            algorithm = cert.signature_hash_algorithm
            assert isinstance(algorithm, hashes.HashAlgorithm)
            self.service_key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(algorithm))
            public = cert.public_key()
            assert isinstance(public, ec.EllipticCurvePublicKey)
            key = self._endorsed[cert_pem] = public
        return key

    def json(self, text: str) -> None:
        """Raises (InvalidSignature, ValueError, KeyError) unless the JSON receipt verifies."""
        receipt = json.loads(text)
        components = receipt["leaf_components"]
        sha256 = hashlib.sha256
        current = sha256(
            bytes.fromhex(components["write_set_digest"])
            + sha256(components["commit_evidence"].encode()).digest()
            + bytes.fromhex(components["claims_digest"])
        ).digest()
        for step in receipt["proof"]:
            if "left" in step:
                current = sha256(bytes.fromhex(step["left"]) + current).digest()
            else:
                current = sha256(current + bytes.fromhex(step["right"])).digest()
        self.node_key(receipt["cert"]).verify(
            base64.b64decode(receipt["signature"]), current, ec.ECDSA(utils.Prehashed(hashes.SHA256()))
        )

    def cose(self, receipt: bytes, claims_digest: bytes) -> None:
        """Raises unless the COSE receipt verifies under the service key (``ccf.receipt.verify_cose``)."""
        message = cbor2.loads(receipt)
        protected_bytes, unprotected, _, signature = message.value
        protected = cbor2.loads(protected_bytes)
        if protected[4] != self.kid or protected[395] != 2:
            raise ValueError("kid or vds")
        proof = cbor2.loads(unprotected[396][-1][0])
        wsd, evidence, claims = proof[1]
        if claims != claims_digest:
            raise ValueError("claims digest")
        sha256 = hashlib.sha256
        current = sha256(wsd + sha256(evidence.encode()).digest() + claims).digest()
        for is_left, sibling in proof[2]:
            current = sha256(sibling + current if is_left else current + sibling).digest()
        to_sign = cbor2.dumps(["Signature1", protected_bytes, b"", current])
        r, s = int.from_bytes(signature[:48], "big"), int.from_bytes(signature[48:], "big")
        self.service_key.verify(utils.encode_dss_signature(r, s), to_sign, ec.ECDSA(hashes.SHA384()))


def receipts(writer: ServiceWriter, service: Identity, count: int, repeat: int) -> dict[str, float]:
    seqnos = [s for s, w in writer.written.items() if not w.is_signature and s <= writer.last_signature]
    seqnos = seqnos[:: max(1, len(seqnos) // count)][:count]
    out: dict[str, float] = {}
    issued: list[str] = []
    cosed: list[tuple[bytes, bytes]] = []

    def issue_json() -> int:
        issued[:] = [json.dumps(writer.receipt(s)) for s in seqnos]
        return len(seqnos)

    def issue_cose() -> int:
        cosed[:] = [(writer.cose_receipt(s), writer.components(s).claims_digest) for s in seqnos]
        return len(seqnos)

    out["JSON issue"] = best_rate(issue_json, repeat)
    out["COSE issue"] = best_rate(issue_cose, repeat)
    verifier = Verifier(service.cert_pem)
    check_verifier(verifier, issued[0], cosed[0])

    def verify_json() -> int:
        for text in issued:
            verifier.json(text)
        return len(issued)

    def verify_cose() -> int:
        for receipt, claims in cosed:
            verifier.cose(receipt, claims)
        return len(cosed)

    out["JSON verify"] = best_rate(verify_json, repeat)
    out["COSE verify"] = best_rate(verify_cose, repeat)
    uncached = Verifier(service.cert_pem, cache=False)
    check_verifier(uncached, issued[0], cosed[0])

    def verify_json_uncached() -> int:
        for text in issued:
            uncached.json(text)
        return len(issued)

    out["JSON verify, endorsement checked each time"] = best_rate(verify_json_uncached, repeat)
    return out


def check_verifier(verifier: Verifier, text: str, cose: tuple[bytes, bytes]) -> None:
    """The bench's verifier must catch a forged receipt, or its rates would mean nothing."""
    verifier.json(text)
    verifier.cose(*cose)
    forged = json.loads(text)
    wsd = forged["leaf_components"]["write_set_digest"]
    forged["leaf_components"]["write_set_digest"] = ("0" if wsd[0] != "0" else "1") + wsd[1:]
    for bad in (lambda: verifier.json(json.dumps(forged)), lambda: verifier.cose(cose[0], bytes(31) + b"x")):
        try:
            bad()
        except (InvalidSignature, ValueError):
            continue
        raise AssertionError("the bench's receipt verifier accepted a forged receipt")


# ---------------------------------------------------------------- report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--txs", type=int, default=20_000, help="transactions per append run")
    parser.add_argument("--receipts", type=int, default=2_000, help="receipts issued and verified")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the best is kept)")
    parser.add_argument("--profile", action="store_true", help="print the append run's hot functions")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as tmp:
        return run(args, Path(tmp))


def run(args: argparse.Namespace, parent: Path) -> int:

    print(
        f"Python {platform.python_version()}, cryptography {cryptography.__version__}, "
        f"{backend.openssl_version_text()}, {platform.machine()}, one thread"
    )
    limit = limits(args.repeat)
    service, node = identities()
    # Each section keeps only its figures: a live ledger from an earlier one would slow the next down
    # (the garbage collector traverses every live object).
    appends: dict[int, tuple[int, int, int]] = {}  # rate, ledger bytes, tree bytes
    for every in (100, 1000):
        for _ in range(args.repeat):
            rate, writer = append_run(parent, service, node, args.txs, every)
            if rate > appends.get(every, (0, 0, 0))[0]:
                appends[every] = (rate, *ledger_bytes(writer))
            del writer
    costs = {every: stages(parent, service, node, args.txs, every) for every in (100, 1000)}
    rates = receipts(append_run(parent, service, node, args.txs, 100)[1], service, args.receipts, args.repeat)

    print("\n| Machine limit | per second |\n| --- | ---: |")
    for name, limit_rate in limit.items():
        print(f"| {name} | {limit_rate:,.0f} |")
    print(
        "\n| Append (ServiceWriter, 100-byte write sets) | tx/s | vs 20,000 | µs/tx | ledger MB | trees MB |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for every, (rate, total, trees) in appends.items():
        print(
            f"| {args.txs:,} tx, a signature every {every:,} | {rate:,} | {rate / 20_000:.2f} | "
            f"{1e6 / rate:.1f} | {total / 1e6:.1f} | {trees / 1e6:.1f} |"
        )
    print("\n| Stage (run alone over the same transactions) | µs/tx, signing every 100 | every 1,000 |")
    print("| --- | ---: | ---: |")
    for name in costs[100]:
        other = name.replace("100", "1000") if name not in costs[1000] else name
        print(f"| {name.replace(' every 100', '')} | {costs[100][name]:.1f} | {costs[1000][other]:.1f} |")
    print(f"| sum | {sum(costs[100].values()):.1f} | {sum(costs[1000].values()):.1f} |")
    sha100, verify = limit["SHA-256 100 B"], limit["P-384 verify"]
    print(
        f"(one tx costs as much as {sha100 / appends[100][0]:.0f} SHA-256s of 100 bytes, "
        f"{limit['AES-GCM 100 B'] / appends[100][0]:.0f} AES-GCM encryptions of 100 bytes)"
    )
    print("\n| Receipts | per second | vs one P-384 verify |\n| --- | ---: | ---: |")
    for name, receipt_rate in rates.items():
        print(f"| {name} | {receipt_rate:,.0f} | {receipt_rate / verify:.2f} |")
    print(f"(target: JSON verify >= 0.90 of one P-384 verify; measured {rates['JSON verify'] / verify:.2f})")
    if args.profile:
        print("\nAppend run, a signature every 100, by own time:\n")
        print(profile_append(parent, service, node, min(args.txs, 10_000)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
