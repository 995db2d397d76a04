"""Node join on a governed service, as CCF's ``POST /node/join`` and its configuration-change hook.

A joiner presents a quote over its key; the primary verifies it against the allowlists in its store
(``pyccf.tee.verify_join``, CCF's checks and result codes). While the service is ``Opening`` or
``Recovering`` a valid joiner is written ``Trusted`` at once; once ``Open`` it is written ``Pending``
with its certificate signing request, and a ``transition_node_to_trusted`` proposal trusts it later.
The ``nodes.info`` write is what changes the consensus configuration: :func:`configuration_after` gives
the trusted nodes after a write set, and a transaction that changes them is replicated as the core's
reconfiguration entry (``Pending`` nodes are not in it; ``Retired`` ones leave).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from pyccf.formats.attestation import VIRTUAL_MEASUREMENT
from pyccf.formats.ledger import DIGEST_SIZE, SINGLETON_KEY, NodeStatus, ServiceStatus, Table
from pyccf.governance.requests import RequestRefused
from pyccf.kv.store import Store
from pyccf.kv.writeset import WriteSet
from pyccf.service.identity import NodeIdentity, spki_der
from pyccf.service.signing import json_bytes
from pyccf.tee import Allowlists, QuoteInfo, verify_join

#: The status CCF writes for a valid joiner, by service status (anything else refuses joins).
JOIN_STATUS = {
    ServiceStatus.OPENING: NodeStatus.TRUSTED,
    ServiceStatus.RECOVERING: NodeStatus.TRUSTED,
    ServiceStatus.OPEN: NodeStatus.PENDING,
}
#: The error code of every refused quote (the result says which check failed), as CCF's node frontend.
INVALID_QUOTE = "InvalidQuote"
#: What a join's options may set: the quoted measurement and host data, or another node's key bound in
#: the report data (a genuine quote replayed by a node over its own key).
JOIN_OPTIONS = ("measurement", "host_data", "quoted_key_of")


def virtual_quote(
    public_key_der: bytes, *, measurement: str = VIRTUAL_MEASUREMENT, host_data: str = ""
) -> QuoteInfo:
    """CCF's virtual quote binding ``public_key_der`` (host data: the hex digest given, by default the
    zero digest pyccf's virtual nodes carry)."""
    body = {
        "host_data": host_data or "0" * (2 * DIGEST_SIZE),
        "measurement": measurement,
        "report_data": base64.b64encode(hashlib.sha256(public_key_der).digest()).decode("ascii"),
    }
    return QuoteInfo.from_json(
        {
            "format": "Insecure_Virtual",
            "quote": base64.b64encode(
                json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
            ).decode(),
            "endorsements": "",
        }
    )


def node_csr(node: NodeIdentity) -> str:
    """The joiner's certificate signing request over its own key (deterministic signature)."""
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CCF Node")]))
        .sign(node.key, hashes.SHA384(), ecdsa_deterministic=True)
    )
    return request.public_bytes(serialization.Encoding.PEM).decode("ascii")


def service_status(store: Store) -> str | None:
    raw = store.get(Table.SERVICE_INFO, SINGLETON_KEY)
    return None if raw is None else str(json.loads(raw)["status"])


def check_join(store: Store, quote: QuoteInfo, node: NodeIdentity) -> NodeStatus:
    """The status a joiner gets, or RequestRefused with CCF's status, code and message (the failed
    check's result named, e.g. ``FailedMeasurementNotFound``)."""
    status = service_status(store)
    if status not in JOIN_STATUS:
        raise RequestRefused(400, "InternalError", f"Node cannot join a service in status {status}")
    if store.get(Table.NODES_INFO, node.node_id.encode()) is not None:
        raise RequestRefused(400, "NodeAlreadyExists", f"Node {node.node_id} already exists")
    verdict = verify_join(quote, spki_der(node.key.public_key()), Allowlists.from_tables(store.state()))
    if verdict.refusal is not None:
        http, message = verdict.refusal
        detail = f" ({verdict.detail})" if verdict.detail else ""
        raise RequestRefused(http, INVALID_QUOTE, f"{verdict.result}: {message}{detail}")
    return JOIN_STATUS[ServiceStatus(status)]


def join_writes(
    info: dict[str, Any], node: NodeIdentity, status: NodeStatus
) -> dict[str, dict[bytes, bytes]]:
    """``nodes.info`` of the joiner with the quote it presented; a trusted one also gets its endorsed
    certificate, a pending one keeps its CSR for ``transition_node_to_trusted``."""
    key = node.node_id.encode()
    info = {**info, "status": str(status)}
    if status is NodeStatus.PENDING:
        info["certificate_signing_request"] = node_csr(node)
        return {Table.NODES_INFO: {key: json_bytes(info)}}
    return {
        Table.NODES_INFO: {key: json_bytes(info)},
        Table.NODES_ENDORSED_CERTIFICATES: {key: node.cert_pem.encode()},
    }


def trusted_after(store: Store, ws: WriteSet, scenario_ids: Mapping[str, str]) -> set[str]:
    """The scenario ids of the nodes ``Trusted`` once ``ws`` is applied over ``store`` (``scenario_ids``:
    node id -> scenario id): CCF's configuration-change hook."""
    infos = {k: v for k, v in store.state().get(Table.NODES_INFO, {}).items()}
    for m in ws.public:
        if m.name == Table.NODES_INFO:
            infos.update(m.writes)
            for k in m.removes:
                infos.pop(k, None)
    trusted = set()
    for key, raw in infos.items():
        if json.loads(raw).get("status") == NodeStatus.TRUSTED and key.decode() in scenario_ids:
            trusted.add(scenario_ids[key.decode()])
    return trusted
