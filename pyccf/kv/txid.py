"""Transaction IDs: ``view.seqno``, CCF's name for a write transaction's place in the ledger."""

from __future__ import annotations

from dataclasses import dataclass

MAX_U64 = 2**64 - 1  # CCF's views and seqnos are u64


def _check(field: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"TxID {field} must be an int, not {type(value).__name__}")
    if not 0 <= value <= MAX_U64:
        raise ValueError(f"TxID {field} {value} is outside 0..2**64-1")
    return value


def _number(text: str, field: str, part: str) -> int:
    if not part:
        raise ValueError(f"TxID {text!r}: {field} is empty")
    if not (part.isascii() and part.isdigit()):
        raise ValueError(f"TxID {text!r}: {field} {part!r} is not a decimal number")
    if len(part) > 1 and part[0] == "0":
        raise ValueError(f"TxID {text!r}: {field} {part!r} has a leading zero")
    value = int(part)
    if value > MAX_U64:
        raise ValueError(f"TxID {text!r}: {field} {part} is larger than 2**64-1")
    return value


@dataclass(frozen=True, order=True, slots=True)
class TxID:
    """Ordered by (view, seqno), which is execution order among committed transactions."""

    view: int
    seqno: int

    def __post_init__(self) -> None:
        _check("view", self.view)
        _check("seqno", self.seqno)

    def __str__(self) -> str:
        return f"{self.view}.{self.seqno}"

    @staticmethod
    def parse(text: str) -> TxID:
        """Read the canonical ``view.seqno`` form, as ``str()`` writes it; anything else is a ValueError
        whose one-line message quotes the text (``repr``) and names the part that is wrong."""
        if not isinstance(text, str):
            raise ValueError(f"TxID must be text, not {type(text).__name__}")
        view, dot, seqno = text.partition(".")
        if not dot:
            raise ValueError(f"TxID {text!r}: no '.' between view and seqno")
        if "." in seqno:
            raise ValueError(f"TxID {text!r}: more than one '.'")
        return TxID(_number(text, "view", view), _number(text, "seqno", seqno))
