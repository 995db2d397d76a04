"""Parsing a spec with SANY, and reading SANY's report into structured ``file:line:col`` errors.

SANY exits 0 on semantic errors, so success is decided from its report, not its exit code. The same
report reader serves TLC, which prints SANY's report (unframed) before failing with message 3002.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tracecheck.tla.proc import run_streaming, scratch_folder
from tracecheck.tla.tools import find_jar, find_java, private_tmpdir, spec_file


@dataclass(frozen=True)
class SanyError:
    """One error SANY reported; ``file`` is None when SANY gave no location."""

    file: str | None
    line: int | None
    col: int | None
    message: str

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line, self.col) if p is not None)
        return f"{where}: {self.message}" if where else self.message


@dataclass
class SanyResult:
    ok: bool
    errors: list[SanyError] = field(default_factory=list)
    kind: str | None = None  # "parse" or "semantic" when not ok
    returncode: int | None = None
    output: str = ""


_PARSING = re.compile(r"^Parsing file (.+)$", re.M)
_PARSE_AT = re.compile(r"Encountered .*? at line (\d+), column (\d+)")
_LEXICAL = re.compile(r"Lexical error at line (\d+), column (\d+)\.\s*(.*)")
_LEXICAL_EOF = re.compile(r"Lexical \{?error: (.*?around line (\d+).*)")
_SEMANTIC_LOC = re.compile(r"^line (\d+), col (\d+) to line \d+, col \d+ of module (\w+)\s*$")
_SECTION = re.compile(r"^\*\*\* (Errors|Warnings|Abort messages): \d+\s*$", re.M)
_IMPORTED_IN = re.compile(r"imported in module (\w+)")


def _module_files(report: str, cwd: Path | None) -> dict[str, str]:
    files: dict[str, str] = {}
    for path in _PARSING.findall(report):
        p = Path(path.strip())
        if cwd is not None and not p.is_absolute():
            p = cwd / p
        files.setdefault(p.stem, str(p))
    return files


def _blocks(section: str) -> list[str]:
    return [b.strip() for b in re.split(r"\n\s*\n", section) if b.strip()]


def parse_sany_report(report: str, *, cwd: Path | None = None) -> tuple[str | None, list[SanyError]]:
    """``(kind, errors)`` from SANY's text: kind is ``"parse"``, ``"semantic"`` or None (no error)."""
    files = _module_files(report, cwd)
    parsing = [Path(p.strip()) for p in _PARSING.findall(report)]
    current = str(parsing[-1]) if parsing else None
    errors: list[SanyError] = []
    kind: str | None = None

    if "***Parse Error***" in report:
        kind = "parse"
        text = report.split("***Parse Error***", 1)[1]
        at = _PARSE_AT.search(text)
        detail = " ".join(line.strip() for line in text.strip().splitlines()[:2] if line.strip())
        errors.append(
            SanyError(current, int(at.group(1)) if at else None, int(at.group(2)) if at else None, detail)
        )
    for lex in _LEXICAL.finditer(report):
        kind = "parse"
        errors.append(
            SanyError(current, int(lex.group(1)), int(lex.group(2)), f"lexical error: {lex.group(3).strip()}")
        )

    for lex in _LEXICAL_EOF.finditer(report):
        kind = "parse"
        errors.append(SanyError(current, int(lex.group(2)), None, f"lexical error: {lex.group(1).strip()}"))

    # "*** Errors: N" / "*** Abort messages: N" sections: blocks of "location" then "message".
    headers = list(_SECTION.finditer(report))
    for i, header in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(report)
        name = header.group(1)
        if name == "Warnings":
            continue
        blocks = _blocks(report[header.end() : end])
        j = 0
        while j < len(blocks):
            head = blocks[j].splitlines()[0]
            loc = _SEMANTIC_LOC.match(head)
            message = blocks[j + 1] if j + 1 < len(blocks) else ""
            if loc:
                line, col, module = int(loc.group(1)), int(loc.group(2)), loc.group(3)
                where = files.get(module, f"{module}.tla")
                errors.append(SanyError(where, line, col, " ".join(message.split())))
                kind = kind or ("semantic" if name == "Errors" else "parse")
                j += 2
            elif head.startswith("Unknown location"):
                importer = _IMPORTED_IN.search(message)
                importer_file = files.get(importer.group(1), current) if importer else current
                errors.append(SanyError(importer_file, None, None, " ".join(message.split())))
                kind = kind or "parse"
                j += 2
            elif head.startswith("In module") and kind == "parse":
                j += 2  # the abort summary of a parse error already reported with its position
            else:
                j += 1
        if name == "Errors" and kind is None:
            kind = "semantic"

    if kind is None and "Fatal errors while parsing" in report:
        kind = "parse"
        errors.append(SanyError(current, None, None, "fatal errors while parsing"))
    if kind is None and "Semantic errors:" in report:
        kind = "semantic"
    unique: list[SanyError] = []
    for err in errors:
        if err not in unique:
            unique.append(err)
    return kind, unique


def library_property(library_paths: Iterable[str | Path]) -> list[str]:
    """The JVM option that adds module search paths (empty when there are none)."""
    paths = [str(Path(p).resolve()) for p in library_paths]
    return [f"-DTLA-Library={':'.join(paths)}"] if paths else []


def sany_parse(
    spec: str | Path, *, library_paths: Iterable[str | Path] = (), timeout: float | None = 120
) -> SanyResult:
    """Parse and semantically check ``spec`` with SANY; errors come back with file, line and column."""
    spec = spec_file(spec)
    with scratch_folder("sany") as tmp:
        argv = [str(find_java()), *private_tmpdir(Path(tmp)), *library_property(library_paths),
                "-cp", str(find_jar()), "tla2sany.SANY"]  # fmt: skip
        proc = run_streaming([*argv, spec.name], cwd=spec.parent, timeout=timeout)
    output = proc.stdout + proc.stderr
    if proc.timed_out:
        return SanyResult(
            False,
            [SanyError(str(spec), None, None, f"SANY timed out after {timeout} s")],
            "timeout",
            None,
            output,
        )
    kind, errors = parse_sany_report(output, cwd=spec.parent)
    if kind is None and proc.returncode != 0:
        kind, errors = "parse", [SanyError(str(spec), None, None, f"SANY failed (exit {proc.returncode})")]
    return SanyResult(kind is None, errors, kind, proc.returncode, output)
