"""The built-in end-to-end example behind ``tracecheck demo``: the toolkit's main job in one command.

1. pyccf runs a three-node scenario written in CCF's scenario language and writes its CCF-format trace;
2. TLC validates that trace against ``specs/consensus`` (accepted);
3. the same scenario runs with a seeded bug (``commit_on_nack``): every scenario assertion still holds,
   yet trace validation rejects the trace and points at the first divergent event;
4. TLC model-checks the small example specs (one passes, one has the expected counterexample).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from pyccf.sim.driver import run_scenario
from tracecheck.tla.tlc import run_tlc
from tracecheck.tla.tlcresult import TlcResult
from tracecheck.tla.tools import find_java, tlc_version
from tracecheck.validation.engine import Verdict, validate
from tracecheck.validation.raft.trace import load_trace
from tracecheck.validation.report import report_text

EXAMPLES = Path(__file__).resolve().parent / "examples"
SCENARIO = EXAMPLES / "three_nodes.scn"
DEMO_BUG = "commit_on_nack"


@dataclass
class DemoOutcome:
    clean: Verdict
    buggy: Verdict
    buggy_assertions_held: bool
    passing: TlcResult
    failing: TlcResult

    def problems(self) -> list[str]:
        """What differs from the expected verdicts (empty when the demo worked)."""
        out = []
        if not self.clean.accepted:
            out.append(f"the clean trace was {self.clean.status}, not accepted: {self.clean.message}")
        if self.buggy.status != "rejected":
            out.append(f"the buggy trace was {self.buggy.status}, not rejected: {self.buggy.message}")
        if self.passing.status != "ok":
            out.append(f"Counters.tla: {self.passing.status} ({'; '.join(self.passing.errors)}), expected ok")
        if (self.failing.status, self.failing.violated) != ("invariant_violated", "SumBelowLimit"):
            out.append(
                f"Bounded.tla: {self.failing.status} {self.failing.violated} "
                f"({'; '.join(self.failing.errors)}), expected SumBelowLimit violated"
            )
        return out

    @property
    def ok(self) -> bool:
        return not self.problems()


def _trace_of(workdir: Path, bugs: tuple[str, ...]) -> tuple[Path, bool]:
    out = workdir / ("buggy" if bugs else "clean")
    out.mkdir()
    trace = out / f"{SCENARIO.stem}.ndjson"
    result = run_scenario(SCENARIO, trace_path=trace, bugs=bugs)
    return trace, result.ok


def run_demo(console: Console, timeout: float = 300) -> DemoOutcome:
    console.print(
        f"[bold]tracecheck demo[/]: TLC {escape(tlc_version())}, Java {escape(str(find_java()))}\n"
        f"scenario {escape(str(SCENARIO))}"
    )
    with tempfile.TemporaryDirectory(prefix="tracecheck-demo-") as tmp:
        workdir = Path(tmp)
        clean_path, clean_ok = _trace_of(workdir, ())
        if not clean_ok:
            raise RuntimeError(f"{SCENARIO}: the demo scenario failed its own assertions")
        buggy_path, buggy_ok = _trace_of(workdir, (DEMO_BUG,))
        clean, buggy = validate([load_trace(clean_path), load_trace(buggy_path)], jobs=2, timeout=timeout)
        console.print(
            f"\n[bold]1. pyccf trace of the scenario[/] ({len(load_trace(clean_path).events)} events) "
            "against specs/consensus:"
        )
        console.print(report_text([clean]), markup=False, highlight=False)
        console.print(
            f"\n[bold]2. the same scenario with seeded bug {DEMO_BUG}[/] "
            f"(scenario assertions {'all hold' if buggy_ok else 'fail'}); trace validation says:"
        )
        console.print(report_text([buggy]), markup=False, highlight=False)
    console.print("\n[bold]3. model checking the example specs[/]")
    passing = run_tlc(EXAMPLES / "Counters.tla", timeout=timeout)
    console.print(
        f"Counters.tla: {passing.status}, {passing.distinct_states} distinct states "
        "(invariant TypeOK, liveness BackToZero)"
    )
    failing = run_tlc(EXAMPLES / "Bounded.tla", timeout=timeout)
    console.print(
        f"Bounded.tla: {failing.status} {failing.violated} "
        f"(expected), counterexample of {len(failing.trace)} states"
    )
    return DemoOutcome(clean, buggy, buggy_ok, passing, failing)
