"""The ``tracecheck`` command line: a thin click layer over the library; exit codes are decided here.

Exit codes: 0 as expected, 1 a violation (or an expected one not found), 2 bad input (missing file,
parse or semantic error, bad option), 3 the tool failed (crash, out of memory, timeout, no Java/jar).
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from tracecheck.cli.audit import audit
from tracecheck.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_TOOL,
    EXIT_VIOLATION,
    err_console,
    handle_errors,
    install_signal_handlers,
    out_console,
    output_path,
)
from tracecheck.cli.diff import diff
from tracecheck.cli.history import history
from tracecheck.cli.report import report
from tracecheck.cli.validate import validate
from tracecheck.errors import BadInput
from tracecheck.tla.itf import result_to_json, write_itf
from tracecheck.tla.pcal import pcal_translate
from tracecheck.tla.progress import tlc_progress
from tracecheck.tla.sany import sany_parse
from tracecheck.tla.tlc import TlcResult, run_tlc
from tracecheck.tla.values import to_tla

_STATUS_EXIT = {
    "ok": EXIT_OK,
    "invariant_violated": EXIT_VIOLATION,
    "property_violated": EXIT_VIOLATION,
    "deadlock": EXIT_VIOLATION,
    "assumption_failed": EXIT_VIOLATION,
    "parse_error": EXIT_BAD_INPUT,
    "semantic_error": EXIT_BAD_INPUT,
    "timeout": EXIT_TOOL,
    "tool_error": EXIT_TOOL,
}


def exit_code(result: TlcResult, expect_violation: str | None = None) -> int:
    """The CLI's exit code for ``result``; with ``expect_violation`` only that violation is success.

    ``expect_violation`` matches the violated invariant/property name, or ``deadlock`` /
    ``assumption`` for those statuses.
    """
    code = _STATUS_EXIT.get(result.status, EXIT_TOOL)
    if expect_violation is None or code in (EXIT_BAD_INPUT, EXIT_TOOL):
        return code
    if not result.violation:
        return EXIT_VIOLATION
    names = {result.violated, result.status, {"assumption_failed": "assumption"}.get(result.status)}
    return EXIT_OK if expect_violation in names else EXIT_VIOLATION


def _spec_path(spec: str) -> Path:
    path = Path(spec)
    if not path.is_file():
        raise BadInput("no such file", file=path)
    return path


@click.group()
@click.version_option(package_name="pyccf")
def main() -> None:
    """Drive the TLA+ tools (SANY, TLC) from Python: parse, model-check, simulate, validate traces."""
    # TLC runs in its own process group (so Ctrl-C reaches us first): SIGTERM becomes an exception too,
    # so the JVMs are killed on the way out instead of outliving us; the previous handler is back afterwards.
    click.get_current_context().call_on_close(install_signal_handlers())


@main.command()
@click.argument("spec")
@click.option("--lib", "library_paths", multiple=True, type=click.Path(), help="Extra module folder.")
@handle_errors
def parse(spec: str, library_paths: tuple[str, ...]) -> int:
    """Parse and semantically check SPEC.tla with SANY (errors as file:line:col: message)."""
    result = sany_parse(_spec_path(spec), library_paths=library_paths)
    if result.ok:
        out_console().print(f"[green]ok[/]: {escape(spec)} parses")
        return EXIT_OK
    for error in result.errors:
        err_console().print(f"{escape(str(error))}")
    kind = "timed out" if result.kind == "timeout" else f"{result.kind} error"
    err_console().print(f"[red]{escape(spec)}: {kind}[/]")
    return EXIT_TOOL if result.kind == "timeout" else EXIT_BAD_INPUT


@main.command()
@click.argument("spec")
@click.option("--write-cfg", is_flag=True, help="Also write the generated SPEC.cfg if there is none.")
@handle_errors
def translate(spec: str, write_cfg: bool) -> int:
    """Translate the PlusCal algorithm in SPEC.tla (in place; no .old file left behind)."""
    result = pcal_translate(_spec_path(spec), write_cfg=write_cfg)
    if result.ok:
        out_console().print(f"[green]ok[/]: translated the algorithm in {escape(spec)}")
        return EXIT_OK
    for error in result.errors:
        err_console().print(escape(str(error)))
    return EXIT_BAD_INPUT


def print_result(result: TlcResult, console: Console, *, show_trace: bool = True) -> None:
    """A human summary of a TLC run (and its counterexample)."""
    stats = []
    if result.states_generated is not None:
        stats.append(f"{result.states_generated:,} states generated")
    if result.distinct_states is not None:
        stats.append(f"{result.distinct_states:,} distinct")
    if result.depth is not None:
        stats.append(f"depth {result.depth}")
    stats.append(f"{result.duration_s:.1f} s")
    summary = ", ".join(stats)
    if result.ok:
        console.print(f"[green]No error found[/] ({summary})")
        return
    what = result.status.replace("_", " ")
    console.print(f"[red]{what}[/]{': ' + escape(result.violated) if result.violated else ''} ({summary})")
    if not result.violation:
        for error in result.errors:
            console.print(f"  {escape(error)}")
        return
    if show_trace:
        for step in result.trace:
            head = step.action or "initial state"
            where = f" [dim]({escape(step.location)})[/]" if step.location else ""
            console.print(f"[bold]State {step.index}[/]: {escape(head)}{where}")
            for var, value in step.state.items():
                console.print(f"  /\\ {escape(var)} = {escape(to_tla(value))}")
        if result.back_to_state is not None:
            console.print(f"[bold]Back to state {result.back_to_state}[/] (the behaviour loops forever)")
        if result.stuttering:
            console.print("[bold]Stuttering[/] (the behaviour stays in the last state forever)")


@main.command()
@click.argument("spec")
@click.option("--config", "-c", type=click.Path(), help="TLC config (default: SPEC.cfg).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--simulate", is_flag=True, help="Random simulation instead of exhaustive checking.")
@click.option("--depth", type=click.IntRange(min=1), help="Simulation: length of each behaviour.")
@click.option("--num", type=click.IntRange(min=1), help="Simulation: number of behaviours [100].")
@click.option("--seed", type=int, help="Random seed (same seed, same simulation).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), help="Seconds before TLC is killed.")
@click.option("--heap", help="JVM maximum heap, e.g. 4g.")
@click.option("--no-deadlock", is_flag=True, help="Do not report deadlocks.")
@click.option("--lib", "library_paths", multiple=True, type=click.Path(), help="Extra module folder.")
@click.option("--jvm-prop", "jvm_props", multiple=True, metavar="KEY=VALUE", help="Extra -D JVM property.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (values in ITF encoding).")
@click.option("--itf", "itf_path", type=click.Path(dir_okay=False), help="Write the counterexample as ITF.")
@click.option("--expect-violation", metavar="NAME", help="Succeed only if exactly NAME is violated.")
@handle_errors
def check(
    spec: str,
    config: str | None,
    workers: int,
    simulate: bool,
    depth: int | None,
    num: int | None,
    seed: int | None,
    timeout: float | None,
    heap: str | None,
    no_deadlock: bool,
    library_paths: tuple[str, ...],
    jvm_props: tuple[str, ...],
    as_json: bool,
    itf_path: str | None,
    expect_violation: str | None,
) -> int:
    """Model-check (or --simulate) SPEC.tla with TLC."""
    if not simulate and (depth is not None or num is not None):
        raise BadInput("--depth and --num need --simulate", field="--depth/--num")
    if simulate and num is None:
        num = 100
    props: dict[str, str] = {}
    for prop in jvm_props:
        key, sep, value = prop.partition("=")
        if not sep or not key:
            raise BadInput(f"expected KEY=VALUE, got {prop!r}", field="--jvm-prop")
        props[key] = value
    path = _spec_path(spec)
    itf = output_path(itf_path, "--itf")
    with tlc_progress(path.name, enabled=None) as progress:
        result = run_tlc(
            path, config, workers=workers, simulate=simulate, depth=depth, num=num, seed=seed,
            timeout=timeout, heap=heap, jvm_props=props, deadlock_check=not no_deadlock,
            library_paths=library_paths, progress=progress,
        )  # fmt: skip
    itf_note = None
    if itf is not None and result.trace:
        write_itf(result, itf)
    elif itf is not None:
        itf_note = f"no counterexample: {itf} not written"
    if as_json:
        out = result_to_json(result)
        if expect_violation is not None:
            met = exit_code(result, expect_violation) == EXIT_OK
            out["expected_violation"] = {"name": expect_violation, "met": met}
        if itf is not None:
            out["itf"] = str(itf) if itf_note is None else None
        click.echo(json.dumps(out))
        if itf_note:
            err_console().print(escape(itf_note))
    else:
        # Verdicts go to stdout; a spec or tool that could not be checked is a diagnostic (stderr).
        print_result(result, out_console() if result.ok or result.violation else err_console())
        if expect_violation is not None:
            code = exit_code(result, expect_violation)
            note = "found as expected" if code == EXIT_OK else "NOT found"
            out_console().print(f"expected violation {escape(expect_violation)}: {note}")
        if itf_note:
            out_console().print(escape(itf_note))
    return exit_code(result, expect_violation)


@main.command()
@handle_errors
def demo() -> int:
    """Run the built-in example end to end: a pyccf trace validated by TLC, a seeded bug caught."""
    from tracecheck.demo import run_demo  # imports pyccf; only the demo needs it

    console = out_console()
    outcome = run_demo(console)
    if outcome.ok:
        console.print(
            "[green]demo ok[/]: the clean trace is accepted, the buggy trace is rejected, "
            "and TLC gave the expected model-checking verdicts"
        )
        return EXIT_OK
    console.print("[red]demo failed[/]: the verdicts above are not the expected ones")
    for problem in outcome.problems():
        console.print(f"  {escape(problem)}", highlight=False)
    return EXIT_VIOLATION


main.add_command(validate)
main.add_command(diff)
main.add_command(audit)
main.add_command(report)
main.add_command(history)
