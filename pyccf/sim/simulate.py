"""Seeded random scenarios: generate one line at a time, run it, and shrink any failure.

``simulate(seed, ...)`` drives a fresh :class:`~pyccf.sim.driver.ScenarioDriver` with lines from
:class:`~pyccf.sim.generator.ScenarioGenerator`; the driver checks commit safety after every line. The
scenario is written as a file ``pyccf scenario run`` replays byte for byte (the driver always runs with
seed 0, so the file alone determines the run), with its CCF-format trace beside it. A failure is shrunk
by delta debugging over the generated lines to a 1-minimal scenario that fails the same way.
"""

from __future__ import annotations

import io
import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from pyccf.errors import FailureKind, PyccfError, ScenarioAssertionFailed, ScenarioSyntaxError
from pyccf.sim.commands import Command, LoopUntilSync
from pyccf.sim.driver import CCF_VERSION_DEFAULT, ScenarioDriver
from pyccf.sim.generator import GeneratorConfig, ScenarioGenerator
from pyccf.sim.parsing import parse_line
from pyccf.sim.rules import LineRules
from pyccf.sim.shrink import ddmin
from pyccf.sim.tracing import TraceWriter

DRIVER_SEED = 0  # the driver's own RNG (election timeouts); fixed so a scenario file replays alone


class GeneratorError(PyccfError):
    """The generator emitted a line the driver rejects: a bug in pyccf's generator, not a finding."""

    def __init__(self, seed: int, line: int, text: str, reason: str) -> None:
        super().__init__(f"seed {seed}: line {line}: generated line '{text}' is invalid: {reason}")


class Verdict(StrEnum):
    """What a failed run means for the simulator.

    ``safety``: the driver's commit-safety check. ``liveness``: a ``loop_until_sync`` found no leader or
    could not bring the active nodes in sync. ``assertion``: any other failed check. ``crash``: the core
    raised something other than a scenario error. ``invalid``: the line is not valid for the state (no
    leader in its term, an unknown node, a rule of :mod:`pyccf.sim.rules`), which shrinking treats as
    "does not fail".
    """

    SAFETY = "safety"
    LIVENESS = "liveness"
    ASSERTION = "assertion"
    CRASH = "crash"
    INVALID = "invalid"


VERDICTS: dict[FailureKind, Verdict] = {
    FailureKind.COMMIT_SAFETY: Verdict.SAFETY,
    FailureKind.NO_PRIMARY: Verdict.LIVENESS,
    FailureKind.NOT_IN_SYNC: Verdict.LIVENESS,
    FailureKind.ASSERTION: Verdict.ASSERTION,
    FailureKind.INTERNAL: Verdict.ASSERTION,
    FailureKind.NO_LEADER: Verdict.INVALID,
    FailureKind.SYNTAX: Verdict.INVALID,
}


@dataclass(frozen=True)
class Failure:
    """How a run failed: the verdict, where, and (but for crashes) the driver's :class:`FailureKind`.

    ``what``: the failing line's command verb, or for a crash the exception type.
    """

    kind: Verdict
    line: int
    command: str
    message: str
    cause: FailureKind | None = None
    what: str = ""

    @property
    def signature(self) -> tuple[str, ...]:
        """What "fails the same way" means while shrinking: the same kind, and for assertions and
        crashes the same command or exception type, wherever in the scenario it now happens."""
        if self.kind in (Verdict.ASSERTION, Verdict.CRASH):
            return (self.kind, self.what)
        if self.kind is Verdict.LIVENESS and self.cause is not None:  # no leader, or not in sync
            return (self.kind, self.cause)
        return (self.kind,)

    def describe(self) -> str:
        return f"{self.kind} failure at line {self.line} ({self.command}): {self.message}"


@dataclass
class Run:
    """One execution of scenario lines: its failure (if any) and its trace."""

    failure: Failure | None
    trace: str
    events: int
    lines_run: int


@dataclass
class SimulationResult:
    seed: int
    text: str  # the scenario file's full text
    run: Run
    generated: list[str] = field(default_factory=list)  # the scenario's command lines, without header
    shrunk_text: str | None = None
    shrink_tests: int = 0
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.run.failure is None


def replay_flags(bugs: Collection[str], ccf_version: str) -> str:
    """The command-line flags a replay needs (the core's configuration is not in the scenario)."""
    flags = "".join(f" --bug {b}" for b in sorted(bugs))
    return flags + (f" --ccf-version {ccf_version}" if ccf_version != CCF_VERSION_DEFAULT else "")


def header(seed: int, steps: int, nodes: int, bugs: Collection[str], ccf_version: str) -> list[str]:
    """Comment lines naming how the scenario was made (the driver skips them; line numbers stay true)."""
    flags = replay_flags(bugs, ccf_version)
    return [
        f"# pyccf simulate --seed {seed} --steps {steps} --nodes {nodes}{flags}",
        f"# replay: pyccf scenario run <this file>{flags}",
    ]


def classify(exc: BaseException, line: int, command: str, verb: str = "") -> Failure:
    """Turn what the driver raised into a :class:`Failure`, by the failure's kind alone. ``verb``:
    the failing command's (the final sync's when empty)."""
    if isinstance(exc, ScenarioAssertionFailed):
        message = f"{exc.message} (expected {exc.expected}, actual {exc.actual})"
        verdict = VERDICTS[exc.kind]
        return Failure(verdict, exc.line, exc.command, message, exc.kind, verb or "loop_until_sync")
    name = type(exc).__name__
    return Failure(Verdict.CRASH, line, name, f"{command}: {name}: {exc}", None, name)


class _Session:
    """A driver plus the lines it has run; records the first failure instead of raising it.

    With ``rules``, a line that is not valid in CCF's sense for the current state is not run: it is
    recorded as an ``invalid`` failure (the shrinker's candidates must stay valid scenarios), as is a
    line the driver rejects as malformed.
    """

    def __init__(
        self,
        bugs: Collection[str],
        traced: bool,
        name: str,
        first_line: int = 1,
        rules: LineRules | None = None,
        ccf_version: str = CCF_VERSION_DEFAULT,
    ) -> None:
        self.sink = io.StringIO() if traced else None
        trace = TraceWriter(self.sink) if self.sink is not None else None
        self.driver = ScenarioDriver(seed=DRIVER_SEED, trace=trace, bugs=bugs, ccf_version=ccf_version)
        self.name = name
        self.lineno = first_line - 1
        self.rules = rules
        self.failure: Failure | None = None

    def run(self, item: Command | str) -> bool:
        """Run one command (a line is parsed first); False once something failed. Syntax errors
        propagate unless rules are checked."""
        self.lineno += 1
        try:
            command = parse_line(item, self.name, self.lineno) if isinstance(item, str) else item
            if self.rules is not None:
                reason = self.rules.violation(self.driver, command)
                if reason is not None:
                    self.failure = Failure(Verdict.INVALID, self.lineno, command.text, reason)
                    return False
            self.driver.run(command, self.lineno, self.name)
        except ScenarioSyntaxError as exc:
            if self.rules is None:
                raise
            text = item if isinstance(item, str) else item.text
            self.failure = Failure(Verdict.INVALID, self.lineno, text, exc.message, exc.kind)
        except Exception as exc:  # noqa: BLE001 - any other exception on a valid line is a finding
            self.failure = classify(exc, self.lineno, command.text, command.verb)
        if self.rules is not None and self.failure is None:
            self.rules.observe(self.driver, command)
        return self.failure is None

    def finish(self) -> None:
        if self.failure is None:
            try:
                self.driver.finish()
            except Exception as exc:  # noqa: BLE001
                self.failure = classify(exc, self.lineno + 1, "loop_until_sync (implicit, end of file)")

    def result(self, lines_run: int) -> Run:
        trace = self.sink.getvalue() if self.sink is not None else ""
        return Run(self.failure, trace, trace.count("\n"), lines_run)


def simulate(
    seed: int,
    *,
    steps: int = 100,
    nodes: int = 3,
    bugs: Collection[str] = (),
    name: str = "scenario",
    traced: bool = True,
    ccf_version: str = CCF_VERSION_DEFAULT,
) -> SimulationResult:
    """Generate and run one random scenario, line by line, each line chosen for the live state.

    The scenario ends with a healing suffix and an explicit ``loop_until_sync`` (so the final sync is
    commit-safety checked like any line), then the driver's implicit one, as a replay would run it.
    """
    gen = ScenarioGenerator(random.Random(seed), GeneratorConfig(nodes=nodes))
    head = header(seed, steps, nodes, bugs, ccf_version)
    session = _Session(bugs, traced, name, len(head) + 1, gen.rules, ccf_version)
    generated: list[str] = []

    def run(command: Command) -> bool:
        generated.append(command.text)
        ok = session.run(command)
        if not ok and session.failure is not None and session.failure.kind is Verdict.INVALID:
            raise GeneratorError(seed, session.lineno, command.text, session.failure.message)
        return ok

    if all(run(t) for t in gen.opening()):
        for _ in range(steps):
            if not run(gen.next_line(session.driver)):
                break
    if session.failure is None:
        for command in gen.healing(session.driver):
            if not run(command):
                break
    if session.failure is None:
        run(LoopUntilSync())
    session.finish()
    text = "\n".join(head + generated) + "\n"
    return SimulationResult(seed, text, session.result(len(generated)), generated)


def run_lines(
    lines: Sequence[Command | str],
    *,
    bugs: Collection[str] = (),
    name: str = "scenario",
    finish: bool = True,
    traced: bool = False,
    first_line: int = 1,
    check_rules: bool = False,
    ccf_version: str = CCF_VERSION_DEFAULT,
) -> Run:
    """Run scenario lines (or commands) on a fresh driver (then, with ``finish``, the implicit final sync).

    With ``check_rules``, stop at the first line that is not valid in CCF's sense (an ``invalid`` failure).
    """
    session = _Session(bugs, traced, name, first_line, LineRules() if check_rules else None, ccf_version)
    count = 0
    for count, text in enumerate(lines, 1):  # noqa: B007 - count is the number run
        if not session.run(text):
            break
    if finish:
        session.finish()
    return session.result(count)


def shrink(
    lines: Sequence[str],
    failure: Failure,
    *,
    bugs: Collection[str] = (),
    max_tests: int = 2000,
    ccf_version: str = CCF_VERSION_DEFAULT,
) -> tuple[list[str], int, bool]:
    """Delta-debug ``lines`` to a 1-minimal list that still fails with ``failure``'s signature.

    A candidate that stops being valid (a line names a term without a leader, or a node that no longer
    exists) fails differently or not at all, so it is rejected: the result is a valid scenario. Every
    candidate runs as a replay would, implicit final sync included. Returns (lines, runs, exhausted).
    """

    def fails(candidate: list[Command]) -> bool:
        got = run_lines(candidate, bugs=bugs, check_rules=True, ccf_version=ccf_version).failure
        return got is not None and got.signature == failure.signature

    commands = [parse_line(line) for line in lines]  # parsed once; candidates are subsets
    result = ddmin(commands, fails, max_tests=max_tests)
    return [c.text for c in result.items], result.tests, result.exhausted


def simulate_to_dir(
    seed: int,
    out: Path,
    *,
    steps: int = 100,
    nodes: int = 3,
    bugs: Collection[str] = (),
    shrink_budget: int = 2000,
    ccf_version: str = CCF_VERSION_DEFAULT,
) -> SimulationResult:
    """:func:`simulate`, then write ``seed_<N>`` and ``seed_<N>.ndjson`` into ``out``; on failure also the
    shrunk ``seed_<N>.min`` and its trace ``seed_<N>.min.ndjson``."""
    name = f"seed_{seed}"
    result = simulate(seed, steps=steps, nodes=nodes, bugs=bugs, name=name, ccf_version=ccf_version)
    generated = result.generated
    out.mkdir(parents=True, exist_ok=True)
    result.paths["scenario"] = _write(out / name, result.text)
    result.paths["trace"] = _write(out / f"{name}.ndjson", result.run.trace)
    failure = result.run.failure
    for stale in (out / f"{name}.min", out / f"{name}.min.ndjson"):
        stale.unlink(missing_ok=True)  # from an earlier run of this seed with other options
    if failure is not None:
        shrunk, tests, exhausted = shrink(
            generated, failure, bugs=bugs, max_tests=shrink_budget, ccf_version=ccf_version
        )
        note = " (shrink budget exhausted: may not be 1-minimal)" if exhausted else ""
        head = [
            f"# shrunk from {name} ({len(generated)} -> {len(shrunk)} lines){note}",
            f"# original failure: {failure.describe()}",
            f"# replay: pyccf scenario run <this file>{replay_flags(bugs, ccf_version)}",
        ]
        result.shrunk_text = "\n".join(head + shrunk) + "\n"
        result.shrink_tests = tests
        result.paths["shrunk"] = _write(out / f"{name}.min", result.shrunk_text)
        replay = run_lines(
            shrunk,
            bugs=bugs,
            name=f"{name}.min",
            traced=True,
            first_line=len(head) + 1,
            ccf_version=ccf_version,
        )
        result.paths["shrunk_trace"] = _write(out / f"{name}.min.ndjson", replay.trace)
    return result


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode())
    return path
