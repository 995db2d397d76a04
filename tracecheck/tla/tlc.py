"""Running TLC (model checking or simulation) and returning a parsed :class:`TlcResult`.

Each run gets its own temporary ``-metadir`` (removed afterwards, so no ``states/`` litter and no clash
between runs started in the same second), runs with the spec's folder as working directory and the bare
module name (TLC mishandles ``-config`` next to an absolute spec path), and never outlives the call: on
timeout or Ctrl-C the JVM's whole process group is killed.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tracecheck.errors import BadInput
from tracecheck.tla.cds import cds_jvm_opts
from tracecheck.tla.proc import run_streaming, scratch_dir
from tracecheck.tla.sany import library_property
from tracecheck.tla.tlcresult import (
    CFG_KEYWORDS,
    STATUSES,
    TlcResult,
    TraceStep,
    cfg_properties,
    cfg_tokens,
    parse_tlc_output,
)
from tracecheck.tla.tools import find_jar, find_java, private_tmpdir, spec_file

__all__ = ["STATUSES", "Progress", "TlcResult", "TraceStep", "override_constants", "run_tlc", "tlc_command"]

#: JVM options passed by default: TLC asks for the throughput collector (message 2401 otherwise).
DEFAULT_JVM_OPTS = ("-XX:+UseParallelGC",)
#: JVM options of exhaustive model checking with one worker (``run_tlc``, ``workers=1``, no ``simulate``)
#: instead: the serial collector spends less CPU (system time) than the parallel one's GC
#: threads, on models of seconds and of minutes alike; C2 compilations cost a quarter to half of a
#: run's CPU, and thresholds three times the defaults leave lukewarm methods to C1 (bench/bench_mc.py,
#: docs/consensus-spec.md).
MODEL_CHECK_JVM_OPTS = (
    "-XX:+UseSerialGC",
    "-XX:Tier4InvocationThreshold=15000",
    "-XX:Tier4CompileThreshold=45000",
    "-XX:Tier4BackEdgeThreshold=120000",
)
#: Extra JVM options that cut start-up (~0.15 s) but slow long runs: for many short runs.
FAST_START_JVM_OPTS = ("-XX:TieredStopAtLevel=1",)
#: The environment variable capping the processors each TLC JVM sees, its GC and JIT threads included
#: (``-XX:ActiveProcessorCount``): a campaign worker is one core, and a JVM that also takes the other
#: cores slows the other workers.
JVM_CPUS_ENV = "TRACECHECK_JVM_CPUS"
#: A JVM held to one processor still runs a C2 compiler thread beside TLC's (``CICompilerCount`` stays 2)
#: and a parallel collector touching a heap of gigabytes: about 1.6 cores per campaign batch. The serial
#: collector and C1 alone cut its CPU by a third (docs/campaign.md), so a one-processor JVM uses them.
ONE_CPU_JVM_OPTS = ("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")


def model_check_jvm_opts() -> list[str]:
    """The JVM options of exhaustive model checking with one worker: :data:`MODEL_CHECK_JVM_OPTS` and
    the class-data-sharing archive of the jar (``tracecheck.tla.cds``), which cuts start-up CPU."""
    return [*MODEL_CHECK_JVM_OPTS, *cds_jvm_opts()]


def jvm_cpu_opts() -> list[str]:
    """``-XX:ActiveProcessorCount=N`` when :data:`JVM_CPUS_ENV` says N (BadInput if not a number >= 1),
    and :data:`ONE_CPU_JVM_OPTS` when N is 1."""
    raw = os.environ.get(JVM_CPUS_ENV, "").strip()
    if not raw:
        return []
    if not raw.isdigit() or int(raw) < 1:
        raise BadInput(f"{JVM_CPUS_ENV}={raw!r}: not a number of processors >= 1", field=JVM_CPUS_ENV)
    return [f"-XX:ActiveProcessorCount={int(raw)}", *(ONE_CPU_JVM_OPTS if int(raw) == 1 else ())]


_COLLECTOR = re.compile(r"-XX:\+Use\w+GC")


def _one_collector(opts: Sequence[str], chosen: Sequence[str]) -> list[str]:
    """``opts`` without its collector when ``chosen`` names one: the JVM refuses two collectors."""
    if not any(_COLLECTOR.fullmatch(o) for o in chosen):
        return list(opts)
    return [o for o in opts if not _COLLECTOR.fullmatch(o)]


@dataclass(frozen=True)
class Progress:
    """A progress report TLC printed (every minute, and at the end)."""

    states_generated: int | None
    distinct_states: int | None
    left_on_queue: int | None
    elapsed_s: float


_COUNTS = re.compile(
    r"(-?[\d,]+) states generated.*?, (-?[\d,]+) distinct states found.*?, (-?[\d,]+) states"
)


def _count(text: str) -> int | None:
    """A count TLC printed (``1,234``); TLC prints a negative one when it does not know it."""
    n = int(text.replace(",", ""))
    return n if n >= 0 else None


class _ProgressWatcher:
    """Feeds progress messages (2200, 2209) to a callback as TLC streams them."""

    def __init__(self, callback: Callable[[Progress], None]) -> None:
        self.callback = callback
        self.buffer: list[str] | None = None
        self.start = time.monotonic()

    def __call__(self, line: str) -> None:
        if "@!@!@STARTMSG 2200:" in line or "@!@!@STARTMSG 2209:" in line:
            self.buffer = []
        elif self.buffer is not None and "@!@!@ENDMSG" in line:
            if m := _COUNTS.search(" ".join(self.buffer)):
                generated, distinct, queue = (_count(g) for g in m.groups())
                self.callback(Progress(generated, distinct, queue, time.monotonic() - self.start))
            self.buffer = None
        elif self.buffer is not None:
            self.buffer.append(line)


_CHECK_DEADLOCK = re.compile(r"^[ \t]*CHECK_DEADLOCK[ \t]+(TRUE|FALSE)[ \t]*$", re.M)


def _compat_config(cfg: Path, scratch: Path, deadlock_check: bool) -> tuple[Path, bool]:
    """TLC 2.15 rejects the newer ``CHECK_DEADLOCK`` cfg keyword: drop it and use ``-deadlock`` instead.

    The flag means the same to every TLC version, so this is done whatever the version.
    """
    text = cfg.read_text(errors="replace")
    match = _CHECK_DEADLOCK.search(text)
    if match is None:
        return cfg, deadlock_check
    rewritten = scratch / cfg.name
    rewritten.write_text(_CHECK_DEADLOCK.sub("", text))
    return rewritten, deadlock_check and match.group(1) == "TRUE"


_UNDEFINED = re.compile(r"The (.+?) (\S+) specified in the configuration file is not defined in the spec")
_CFG_SYNTAX = re.compile(r"TLC found an error in the configuration file at line (\d+) (.*)")
#: The cfg sections behind each kind of name TLC reports undefined (a kind not here: any section).
_UNDEFINED_SECTIONS = {
    "initial predicate": {"INIT"}, "next state action": {"NEXT"}, "invariant": {"INVARIANT", "INVARIANTS"},
    "property": {"PROPERTY", "PROPERTIES"}, "constraint": {"CONSTRAINT", "CONSTRAINTS"},
    "action constraint": {"ACTION_CONSTRAINT", "ACTION_CONSTRAINTS"}, "name": {"SPECIFICATION"},
}  # fmt: skip


def _locate_cfg_error(error: str, cfg: Path, cfg_text: str) -> str:
    """A cfg error from TLC (which names neither the file nor, for an undefined name, the line) as
    ``file.cfg:LINE: ...``; any other error as it is."""
    if syntax := _CFG_SYNTAX.search(error):
        return f"{cfg}:{syntax.group(1)}: {syntax.group(2)}"
    match = _UNDEFINED.match(error)
    if match is None:
        return error
    kind, name = match.groups()
    sections = _UNDEFINED_SECTIONS.get(kind, CFG_KEYWORDS)
    section, lines = None, []
    for line, tok in cfg_tokens(cfg_text):
        if tok in CFG_KEYWORDS:
            section = tok
        elif tok == name:
            lines.append((section not in sections, line))  # its own section's first, then anywhere
    where = f"{cfg}:{min(lines)[1]}" if lines else str(cfg)
    return f"{where}: {kind} {name} is not defined in the specification"


def _resolve_config(spec: Path, config: str | Path | None) -> Path:
    if config is None:
        default = spec.with_suffix(".cfg")
        if not default.is_file():
            raise BadInput(f"no config given and no {default.name} next to the spec", file=spec)
        return default
    path = Path(config)
    if not path.is_file():
        raise BadInput("no such config file", file=path)
    return path.resolve()


def tlc_command(
    spec: Path,
    config: Path,
    metadir: Path,
    *,
    workers: int = 1,
    simulate: bool = False,
    depth: int | None = None,
    num: int | None = None,
    seed: int | None = None,
    heap: str | int | None = None,
    jvm_props: Mapping[str, str] | None = None,
    jvm_opts: Sequence[str] = (),
    fast_start: bool = False,
    deadlock_check: bool = True,
    extra_args: Sequence[str] = (),
    library_paths: Iterable[str | Path] = (),
    tmpdir_parent: Path | None = None,
    base_jvm_opts: Sequence[str] = DEFAULT_JVM_OPTS,
) -> list[str]:
    """The ``java ... tlc2.TLC ...`` command line, to be run with ``spec.parent`` as working directory.

    ``tmpdir_parent``: a scratch folder for the JVM's own ``java.io.tmpdir`` (see ``private_tmpdir``).
    ``base_jvm_opts``: the JVM options before ``jvm_opts`` (``run_tlc`` gives model checking its own).
    """
    cpus = jvm_cpu_opts()
    base = _one_collector(base_jvm_opts, cpus)
    jvm = [str(find_java()), *base, *(FAST_START_JVM_OPTS if fast_start else ()), *jvm_opts, *cpus]
    if tmpdir_parent is not None:
        jvm += private_tmpdir(tmpdir_parent)
    if heap is not None:
        jvm.append(f"-Xmx{heap}m" if isinstance(heap, int) else f"-Xmx{heap}")
    jvm += [f"-D{k}={v}" for k, v in (jvm_props or {}).items()]
    jvm += library_property(library_paths)
    args = ["-tool", "-workers", str(workers), "-metadir", str(metadir)]
    args += ["-config", os.path.relpath(config, spec.parent)]
    if not deadlock_check:
        args.append("-deadlock")  # TLC's flag turns the deadlock check *off*
    if simulate:
        args += ["-simulate", f"num={num}"] if num is not None else ["-simulate"]
        if depth is not None:
            args += ["-depth", str(depth)]
    if seed is not None:
        args += ["-seed", str(seed)]
    return [*jvm, "-cp", str(find_jar()), "tlc2.TLC", *args, *extra_args, spec.stem]


def run_tlc(
    spec: str | Path,
    config: str | Path | None = None,
    *,
    workers: int = 1,
    simulate: bool = False,
    depth: int | None = None,
    num: int | None = None,
    seed: int | None = None,
    timeout: float | None = None,
    heap: str | int | None = None,
    jvm_props: Mapping[str, str] | None = None,
    jvm_opts: Sequence[str] = (),
    fast_start: bool = False,
    deadlock_check: bool = True,
    extra_args: Sequence[str] = (),
    library_paths: Iterable[str | Path] = (),
    progress: Callable[[Progress], None] | None = None,
) -> TlcResult:
    """Model-check (or with ``simulate=True``, simulate) ``spec`` with TLC and parse what it reports.

    ``config`` defaults to the ``.cfg`` next to the spec. ``heap`` is ``-Xmx`` (int = MB, or "4g");
    ``jvm_props`` become ``-Dkey=value``; ``jvm_opts`` are raw JVM options; ``fast_start`` trades
    throughput for ~0.15 s less start-up (for many tiny runs). Simulation never stops on its own, so
    it needs ``num`` (behaviours) or ``timeout``. ``depth``/``num`` apply to simulation only.
    Raises :class:`BadInput` for a missing spec/config or contradictory options and
    :class:`ToolsNotFound` without Java or the jar; every TLC outcome is a status in the result.
    """
    spec = spec_file(spec)
    cfg = _resolve_config(spec, config)
    if workers < 1:
        raise BadInput(f"workers must be at least 1, not {workers}", field="workers")
    if not simulate and (depth is not None or num is not None):
        raise BadInput("depth and num apply to simulation only (simulate=True)", field="depth/num")
    if simulate and num is None and timeout is None:
        raise BadInput("simulation never stops on its own: give num or timeout", field="num")
    for name, val in (("depth", depth), ("num", num)):
        if val is not None and val < 1:
            raise BadInput(f"{name} must be at least 1, not {val}", field=name)
    if heap is not None and not re.fullmatch(r"[1-9]\d*[kKmMgGtT]?", str(heap)):
        raise BadInput(f"heap must be a size such as 4g or 512m (int: MB), not {heap!r}", field="heap")
    if timeout is not None and timeout <= 0:
        raise BadInput(f"timeout must be positive, not {timeout}", field="timeout")

    scratch = scratch_dir("tlc")
    metadir = scratch / "meta"
    try:
        run_cfg, deadlock_check = _compat_config(cfg, scratch, deadlock_check)
        base = model_check_jvm_opts() if workers == 1 and not simulate else DEFAULT_JVM_OPTS
        argv = tlc_command(
            spec, run_cfg, metadir, workers=workers, simulate=simulate, depth=depth, num=num, seed=seed,
            heap=heap, jvm_props=jvm_props, jvm_opts=jvm_opts, fast_start=fast_start,
            deadlock_check=deadlock_check, extra_args=extra_args, library_paths=library_paths,
            tmpdir_parent=scratch, base_jvm_opts=base,
        )  # fmt: skip
        watcher = _ProgressWatcher(progress) if progress is not None else None
        proc = run_streaming(argv, cwd=spec.parent, timeout=timeout, on_line=watcher)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    cfg_text = cfg.read_text(errors="replace")
    result = parse_tlc_output(
        proc.stdout,
        returncode=proc.returncode,
        stderr=proc.stderr,
        timed_out=proc.timed_out,
        simulate=simulate,
        properties=cfg_properties(cfg_text),
        cwd=spec.parent,
    )
    result.errors = [_locate_cfg_error(e, cfg, cfg_text) for e in result.errors]
    if proc.timed_out:
        result.errors.append(f"TLC was stopped after the {timeout} s timeout")
    result.duration_s = proc.duration_s
    result.spec, result.config, result.command = spec, cfg, argv
    return result


def override_constants(cfg_text: str, values: Mapping[str, str]) -> str:
    """``cfg_text`` with each constant in ``values`` set to its TLA+ value (name -> value text).

    A one-line ``Name = ...`` or ``Name <- ...`` assignment is replaced in place; a constant the config does
    not assign is appended in a ``CONSTANTS`` section of its own.
    """
    text = cfg_text if cfg_text.endswith("\n") or not cfg_text else cfg_text + "\n"
    for name, value in values.items():
        pattern = re.compile(rf"^([ \t]*(?:CONSTANTS?[ \t]+)?){re.escape(name)}[ \t]*(?:=|<-).*$", re.M)
        assignment = f"{name} = {value}"

        def replace(m: re.Match[str], assignment: str = assignment) -> str:
            return m.group(1) + assignment

        text, found = pattern.subn(replace, text, count=1)
        if not found:
            text += f"CONSTANTS\n    {name} = {value}\n"
    return text
