"""Compact builders of history events for hand-written witnesses."""

from __future__ import annotations

from typing import Any


def rw(tx: int, c: str = "a") -> dict[str, Any]:
    return {"type": "RwTxRequest", "tx": tx, "client": c}


def ro(tx: int, c: str = "a") -> dict[str, Any]:
    return {"type": "RoTxRequest", "tx": tx, "client": c}


def rw_ok(tx: int, v: int, s: int, observed: Any, c: str = "a") -> dict[str, Any]:
    return {"type": "RwTxResponse", "tx": tx, "tx_id": [v, s], "client": c, "observed": observed}


def ro_ok(tx: int, v: int, s: int, observed: Any, c: str = "a") -> dict[str, Any]:
    return {"type": "RoTxResponse", "tx": tx, "tx_id": [v, s], "client": c, "observed": observed}


def committed(v: int, s: int, c: str = "a") -> dict[str, Any]:
    return {"type": "TxStatusReceived", "tx_id": [v, s], "status": "CommittedStatus", "client": c}


def invalid(v: int, s: int, c: str = "a") -> dict[str, Any]:
    return {"type": "TxStatusReceived", "tx_id": [v, s], "status": "InvalidStatus", "client": c}
