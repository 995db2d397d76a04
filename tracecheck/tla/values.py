"""TLA+ values as TLC prints them <-> hashable Python values.

Representation (nested to any depth, everything hashable so values can sit in sets and keys):

=====================  ===========================================
TLA+                   Python
=====================  ===========================================
``42``, ``-1``         ``int``
``"text"``             ``str``
``TRUE`` / ``FALSE``   ``bool``
model value ``n1``     :class:`ModelValue` (a ``str`` that is *not* equal to the plain string)
``<<a, b>>``           ``tuple`` (sequences and tuples alike; ``<<>>`` is ``()``)
``{a, b}``, ``1..3``   ``frozenset``
``[f |-> v]``          :class:`Record` (string keys)
``(k :> v @@ ...)``    :class:`Function` (any keys)
=====================  ===========================================

Equality follows TLA+, where records and sequences *are* functions: ``Record({"a": 1}) ==
Function({"a": 1})`` and ``Function({1: "x", 2: "y"}) == ("x", "y")`` (with equal hashes), because TLC
prints whichever form it likes for the same value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from lark import Lark, Transformer, UnexpectedInput, v_args

from tracecheck.errors import BadInput

__all__ = ["Function", "ModelValue", "Record", "Unparsed", "parse_value", "to_tla", "tla_string"]


class ModelValue(str):
    """A TLC model value (an uninterpreted constant): compares equal only to the same model value."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ModelValue) and str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(("ModelValue", str(self)))

    def __repr__(self) -> str:
        return f"ModelValue({str.__repr__(self)})"


class Unparsed(str):
    """Text TLC printed that the value grammar does not cover, kept verbatim instead of failing a run."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unparsed) and str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(("Unparsed", str(self)))

    def __repr__(self) -> str:
        return f"Unparsed({str.__repr__(self)})"


class Function(Mapping):
    """An immutable, hashable TLA+ function (finite domain) with TLA+ equality (see module doc)."""

    __slots__ = ("_map", "_hash")

    def __init__(self, items: Mapping[Any, Any] | Any = ()) -> None:
        self._map: dict[Any, Any] = dict(items)
        self._hash: int | None = None

    def __getitem__(self, key: Any) -> Any:
        return self._map[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._map)

    def __len__(self) -> int:
        return len(self._map)

    def as_sequence(self) -> tuple | None:
        """The values in order if the domain is exactly ``1..n`` (so this function is a sequence)."""
        n = len(self._map)
        if all(type(k) is int and 1 <= k <= n for k in self._map):
            return tuple(self._map[i] for i in range(1, n + 1))
        return None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Function):
            return self._map == other._map
        if isinstance(other, tuple):
            return self.as_sequence() == other
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        if self._hash is None:
            seq = self.as_sequence()
            self._hash = hash(seq) if seq is not None else hash(frozenset(self._map.items()))
        return self._hash

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._map!r})"


class Record(Function):
    """A TLA+ record: a function whose keys are field names (strings)."""

    __slots__ = ()


# ---------------------------------------------------------------- parsing

_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "f": "\f"}


def _unquote(token: str) -> str:
    body = token[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body, flags=re.S)


@v_args(inline=True)
class _ToPython(Transformer):
    def int(self, tok):  # noqa: A003 - rule names come from the grammar
        return int(tok)

    def string(self, tok):
        return _unquote(str(tok))

    def true(self, _tok):
        return True

    def false(self, _tok):
        return False

    def model_value(self, tok):
        return ModelValue(str(tok))

    def interval(self, lo, hi):
        return frozenset(range(int(lo), int(hi) + 1))

    def seq(self, *items):
        return tuple(i for i in items if i is not None) if items != (None,) else ()

    def set(self, *items):  # noqa: A003
        return frozenset(i for i in items if i is not None) if items != (None,) else frozenset()

    def field(self, name, value):
        return (str(name), value)

    def record(self, *fields):
        return Record(fields)

    def pair(self, key, value):
        return (key, value)

    def function(self, *pairs):
        return Function(pairs)


@cache
def _parser() -> Lark:
    grammar = (Path(__file__).with_name("values.lark")).read_text()
    return Lark(grammar, parser="lalr", transformer=_ToPython(), maybe_placeholders=True)


def parse_value(text: str) -> Any:
    """Parse one value as TLC prints it; raises :class:`BadInput` (with line/col) if it is not one."""
    try:
        return _parser().parse(text)
    except UnexpectedInput as exc:
        snippet = exc.get_context(text, span=30).splitlines()[0].strip()
        raise BadInput(
            f"not a TLA+ value TLC prints: unexpected input near {snippet!r}",
            line=exc.line if exc.line != -1 else None,
            col=exc.column if exc.column != -1 else None,
        ) from None


# ---------------------------------------------------------------- printing

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_KEYWORD_WORDS = (
    "ASSUME ASSUMPTION AXIOM CASE CHOOSE CONSTANT CONSTANTS DOMAIN ELSE ENABLED EXCEPT EXTENDS IF IN "
    "INSTANCE LET LOCAL MODULE OTHER SF_ SUBSET THEN THEOREM UNCHANGED UNION VARIABLE VARIABLES WF_ WITH "
    "TRUE FALSE"
)
_TLA_KEYWORDS = frozenset(_KEYWORD_WORDS.split())


def tla_string(text: str) -> str:
    """``text`` as a TLA+ string literal."""
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    out = out.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r").replace("\f", "\\f")
    return f'"{out}"'


def _is_field_name(key: Any) -> bool:
    return (
        type(key) is str and _IDENT.match(key) is not None and key not in _TLA_KEYWORDS and not key.isdigit()
    )


def to_tla(value: Any) -> str:
    """A TLA+ expression denoting ``value`` (for generated modules and configs).

    Sets are printed in a stable order. Functions use record syntax when every key is a field name,
    ``<<...>>`` when the domain is ``1..n``, and ``(k :> v @@ ...)`` otherwise; plain ``dict``/``list``/
    ``set`` are accepted as Function/sequence/set.
    """
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, ModelValue | Unparsed):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return tla_string(value)
    if isinstance(value, tuple | list):
        inner = ", ".join(to_tla(v) for v in value)
        return f"<< {inner} >>" if inner.startswith("<") or inner.endswith(">") else f"<<{inner}>>"
    if isinstance(value, frozenset | set):
        return "{" + ", ".join(sorted(to_tla(v) for v in value)) + "}"
    if isinstance(value, Mapping):
        fn = value if isinstance(value, Function) else Function(value)
        if len(fn) == 0:
            return "<<>>"
        seq = fn.as_sequence()
        if seq is not None:
            return to_tla(seq)
        if all(_is_field_name(k) for k in fn):
            return "[" + ", ".join(f"{k} |-> {to_tla(v)}" for k, v in fn.items()) + "]"
        return "(" + " @@ ".join(f"{to_tla(k)} :> {to_tla(v)}" for k, v in fn.items()) + ")"
    raise BadInput(f"cannot write a {type(value).__name__} as a TLA+ value: {value!r}")
