"""ITF, the JSON trace format of Apalache and Quint, and the JSON value encoding ``--json`` shares.

Values (ADR-015 of Apalache): integers as JSON numbers (``{"#bigint": "..."}`` beyond 2^53), strings
and booleans as themselves, sets as ``{"#set": [...]}``, functions as ``{"#map": [[k, v], ...]}``,
records as objects (unless a key could not be a field name for ITF readers, e.g. ``7ZFF`` or ``class``:
then ``#map``), sequences as lists (TLC prints tuples and sequences alike, so a tuple is never
known to be one and ``#tup`` is not used), model values as strings, and text the value grammar could not
read as ``{"#unserializable": text}``.
"""

from __future__ import annotations

import json
import keyword
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracecheck.errors import BadInput
from tracecheck.tla.tlcresult import TlcResult
from tracecheck.tla.values import Function, ModelValue, Record, Unparsed

ITF_FORMAT_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"
_SAFE_INT = 2**53 - 1


def _sort_key(encoded: Any) -> str:
    return json.dumps(encoded, sort_keys=True)


def _object_keys(fn: Function) -> bool:
    """Whether a record can be a JSON object that ITF readers load: itf-py makes a namedtuple of it,
    so every key must be a Python identifier that is not a keyword and has no leading underscore, and
    ``{tag, value}`` alone would read as a variant. Any other function is written as ``#map``."""
    keys = list(fn)
    return all(
        type(k) is str and k.isidentifier() and not keyword.iskeyword(k) and not k.startswith("_")
        for k in keys
    ) and set(keys) != {"tag", "value"}


def to_json_value(value: Any) -> Any:
    """A Python TLA+ value (see :mod:`tracecheck.tla.values`) in ITF's JSON encoding."""
    if isinstance(value, Unparsed):
        return {"#unserializable": str(value)}
    if isinstance(value, bool | str):
        return str(value) if isinstance(value, ModelValue) else value
    if isinstance(value, int):
        return value if abs(value) <= _SAFE_INT else {"#bigint": str(value)}
    if isinstance(value, tuple | list):
        return [to_json_value(v) for v in value]
    if isinstance(value, frozenset | set):
        return {"#set": sorted((to_json_value(v) for v in value), key=_sort_key)}
    if isinstance(value, Mapping):
        fn = value if isinstance(value, Function) else Function(value)
        seq = fn.as_sequence()
        if seq is not None:
            return to_json_value(seq)
        if _object_keys(fn):
            return {str(k): to_json_value(v) for k, v in fn.items()}
        pairs = [[to_json_value(k), to_json_value(v)] for k, v in fn.items()]
        return {"#map": sorted(pairs, key=_sort_key)}
    raise BadInput(f"cannot encode a {type(value).__name__} as an ITF value: {value!r}")


def from_json_value(data: Any) -> Any:
    """The inverse of :func:`to_json_value` (model values come back as plain strings)."""
    if isinstance(data, bool | str | int):
        return data
    if isinstance(data, list):
        return tuple(from_json_value(v) for v in data)
    if isinstance(data, dict):
        if "#bigint" in data:
            return int(data["#bigint"])
        if "#set" in data:
            return frozenset(from_json_value(v) for v in data["#set"])
        if "#tup" in data:
            return tuple(from_json_value(v) for v in data["#tup"])
        if "#unserializable" in data:
            return Unparsed(data["#unserializable"])
        if "#map" in data:
            return Function((from_json_value(k), from_json_value(v)) for k, v in data["#map"])
        return Record({k: from_json_value(v) for k, v in data.items()})
    raise BadInput(f"not an ITF value: {data!r}")


def to_itf(result: TlcResult) -> dict[str, Any]:
    """The counterexample of ``result`` as an ITF trace object (empty ``states`` if there is none)."""
    variables: list[str] = []
    for step in result.trace:
        variables.extend(v for v in step.state if v not in variables)
    meta: dict[str, Any] = {
        "format": "ITF",
        "format-description": ITF_FORMAT_DESCRIPTION,
        "source": str(result.spec) if result.spec else None,
        "description": f"TLC {result.tlc_version or '?'} via tracecheck: {result.status}"
        + (f" ({result.violated})" if result.violated else ""),
        "status": result.status,
        "violated": result.violated,
    }
    if result.stuttering:
        meta["stuttering"] = True  # the behaviour ends by stuttering forever in its last state
    states = []
    for i, step in enumerate(result.trace):
        state_meta: dict[str, Any] = {"index": i}
        if step.action is not None:
            state_meta["action"] = step.action
        states.append({"#meta": state_meta, **{k: to_json_value(v) for k, v in step.state.items()}})
    itf: dict[str, Any] = {"#meta": meta, "vars": variables, "states": states}
    if result.back_to_state is not None:
        itf["loop"] = result.back_to_state - 1  # ITF indexes states from 0, TLC from 1
    return itf


def write_itf(result: TlcResult, path: str | Path) -> Path:
    """Write :func:`to_itf` of ``result`` to ``path`` (conventionally ``*.itf.json``)."""
    path = Path(path)
    path.write_text(json.dumps(to_itf(result), indent=2) + "\n")
    return path


def result_to_json(result: TlcResult) -> dict[str, Any]:
    """The object ``tracecheck check --json`` prints."""
    return {
        "status": result.status,
        "violated": result.violated,
        "states_generated": result.states_generated,
        "distinct_states": result.distinct_states,
        "left_on_queue": result.left_on_queue,
        "depth": result.depth,
        "duration_s": round(result.duration_s, 3),
        "tlc_duration_s": result.tlc_duration_s,
        "trace": [
            {
                "action": step.action,
                "location": step.location,
                "state": {k: to_json_value(v) for k, v in step.state.items()},
            }
            for step in result.trace
        ],
        "back_to_state": result.back_to_state,
        "stuttering": result.stuttering,
        "errors": result.errors,
        "printed": result.printed,
        "tlc_version": result.tlc_version,
    }
