"""The raft adapter: CCF's raft_trace ndjson explained by specs/consensus/TraceConsensus.tla."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyccf.formats.variants import CCF_VERSION_DEFAULT, spec_fixes
from tracecheck.errors import BadInput
from tracecheck.tla.values import to_tla
from tracecheck.validation.adapter import Comparison
from tracecheck.validation.raft.compare import compare
from tracecheck.validation.raft.module import DATA_MODULE, INVARIANT_SAMPLE_DEFAULT, data_module
from tracecheck.validation.raft.trace import Trace, TraceEvent, load_trace


@dataclass(frozen=True)
class RaftAdapter:
    """``ccf_version``: the CCF behaviour the traces were written with (it picks the spec's ``Fixes``).

    ``invariant_sample``: None checks the invariants in every state (the ledger-wide ones per step); N
    checks the ledger-wide ones in full in about N states per trace only.
    """

    ccf_version: str = CCF_VERSION_DEFAULT
    invariant_sample: int | None = INVARIANT_SAMPLE_DEFAULT
    default_spec: str = "consensus"
    data_module_name: str = DATA_MODULE

    def __post_init__(self) -> None:
        try:
            spec_fixes(self.ccf_version)
        except ValueError as exc:
            raise BadInput(str(exc), field="--ccf-version") from None
        if self.invariant_sample is not None and self.invariant_sample < 1:
            raise BadInput(f"must be at least 1, not {self.invariant_sample}", field="--invariant-sample")

    def load(self, path: Path) -> Trace:
        return load_trace(path)

    def data_module(self, traces: Sequence[Any], prefix_lengths: Sequence[int | None] | None) -> str:
        return data_module(traces, prefix_lengths, self.invariant_sample)

    def constants(self) -> Mapping[str, str]:
        return {"Fixes": to_tla(frozenset(spec_fixes(self.ccf_version)))}

    def compare(self, event: TraceEvent, observed: dict[str, Any]) -> list[Comparison]:
        return compare(event, observed)

    def no_initial_state(self, trace: Trace) -> str:
        first = trace.events[0]
        return (
            f"line {first.line}: no initial state of the spec matches the bootstrap event (the spec starts "
            "the service with InitFrom: a 2-entry start ledger in term 2, one configuration; the event logs "
            f"view={first.state['current_view']} last_idx={first.state['last_idx']} "
            f"configurations={[c['idx'] for c in first.msg.get('configurations', [])]})"
        )
