"""Small ledgers for the tests: deterministic entries with public and private maps."""

from __future__ import annotations

from pathlib import Path

from pyccf.formats.ledger import EntryFlags
from pyccf.ledger.entry import Entry, EntryInput, MapChanges, serialise_entry
from pyccf.ledger.files import ChunkPolicy, LedgerFiles
from pyccf.ledger.secrets import LedgerSecret

SECRET = LedgerSecret.from_seed(b"tests/pyccf/ledger")


def tx(seqno: int, view: int = 2, *, private: bool = True, flags: EntryFlags = EntryFlags.NONE) -> EntryInput:
    public = {
        "public:app.counter": MapChanges(
            {b"k%d" % seqno: b"v" * (seqno % 5)}, (b"gone",) if seqno % 3 else ()
        ),
        "public:app.log": MapChanges({seqno.to_bytes(8, "little"): b"entry %d" % seqno}),
    }
    priv = {"app.secret": MapChanges({b"s": b"hidden %d" % seqno})} if private and seqno % 2 else {}
    return EntryInput(view, seqno, public, priv, flags=flags)


def entry(seqno: int, view: int = 2, **kw: object) -> Entry:
    return serialise_entry(tx(seqno, view, **kw), SECRET)[0]  # type: ignore[arg-type]


def write_ledger(
    directory: Path, n: int, *, every: int = 3, commit: int | None = None, policy: ChunkPolicy | None = None
) -> LedgerFiles:
    """``n`` entries, a "signature" every ``every``-th seqno, committed up to ``commit`` (default: all)."""
    ledger = LedgerFiles(directory, policy or ChunkPolicy(max_entries=2), secret=SECRET)
    for s in range(1, n + 1):
        ledger.append(entry(s), is_signature=s % every == 0)
    ledger.commit(n if commit is None else commit)
    return ledger
