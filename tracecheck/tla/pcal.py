"""Translating PlusCal to TLA+ with ``pcal.trans``, without its litter.

``pcal.trans`` rewrites the file in place and leaves ``File.old`` and a ``File.cfg`` next to it. Here it
runs on a copy in a temporary folder; on success only the translated module is written back (and the
generated ``.cfg`` only if asked and none exists), so the user's config is never clobbered.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from tracecheck.tla.proc import run_streaming, scratch_folder
from tracecheck.tla.sany import SanyError
from tracecheck.tla.tools import find_jar, find_java, private_tmpdir, spec_file

_ERROR = re.compile(
    r"Unrecoverable error:\s*-- (.*?)(?:\s+line (\d+), column (\d+)\.)?\s*(?:\n\s*\n|\Z)", re.S
)


@dataclass
class PcalResult:
    ok: bool
    errors: list[SanyError] = field(default_factory=list)  # same shape as SANY's: file, line, col, message
    translated: str = ""  # the module text after translation (empty on failure)
    output: str = ""
    returncode: int | None = None


def pcal_translate(
    spec: str | Path, *, in_place: bool = True, write_cfg: bool = False, timeout: float | None = 120
) -> PcalResult:
    """Translate the PlusCal algorithm in ``spec``; with ``in_place`` write the result back to ``spec``."""
    spec = spec_file(spec)
    with scratch_folder("pcal") as tmp:
        work = Path(tmp) / spec.name
        shutil.copyfile(spec, work)
        argv = [str(find_java()), *private_tmpdir(Path(tmp)), "-cp", str(find_jar()), "pcal.trans", work.name]
        proc = run_streaming(argv, cwd=Path(tmp), timeout=timeout)
        output = proc.stdout + proc.stderr
        if proc.timed_out:
            return PcalResult(False, [SanyError(str(spec), None, None, f"timed out after {timeout} s")],
                              output=output)  # fmt: skip
        match = _ERROR.search(output)
        if proc.returncode != 0 or match:
            if match:
                line, col = (int(match.group(2)), int(match.group(3))) if match.group(2) else (None, None)
                message = re.sub(r"\s+at$", "", " ".join(match.group(1).split()))
                error = SanyError(str(spec), line, col, message)
            else:
                error = SanyError(str(spec), None, None, f"pcal.trans failed (exit {proc.returncode})")
            return PcalResult(False, [error], output=output, returncode=proc.returncode)
        translated = work.read_text()
        cfg = work.with_suffix(".cfg")
        if in_place:
            spec.write_text(translated)
            if write_cfg and cfg.is_file() and not spec.with_suffix(".cfg").exists():
                shutil.copyfile(cfg, spec.with_suffix(".cfg"))
    return PcalResult(True, [], translated, output, proc.returncode)
