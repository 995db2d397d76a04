"""A class-data-sharing (AppCDS) archive of ``tla2tools.jar`` for model checking: less JVM start-up CPU.

A JVM maps the classes of a dynamic archive (``-XX:SharedArchiveFile``) instead of loading, verifying
and linking them from the jar, which saves about a quarter of a second of CPU per TLC run. The archive
is made once per jar and Java build, on first use, under ``$XDG_CACHE_HOME/pyccf/cds`` (default
``~/.cache/pyccf/cds``), by running TLC on a tiny model with ``-XX:ArchiveClassesAtExit``.

A JVM given a truncated archive crashes instead of falling back (measured on OpenJDK 17), so an archive
is used only once a JVM has mapped it with ``-Xshare:on`` and checked its checksums; that check is
recorded beside it (``.ok``: the archive's size and modification time) so that it runs once per archive,
not once per run. Anything that fails (no cache folder, a JVM without AppCDS, a broken archive) means
no archive: TLC then runs as without this module. ``TRACECHECK_CDS=0`` turns it off.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from tracecheck.tla.tools import find_jar, find_java

#: The environment variable that turns the archive off when set to ``0``.
CDS_ENV = "TRACECHECK_CDS"
#: JVM options that keep the JVM's own CDS messages (such as a rejected archive) out of TLC's output.
_QUIET = ("-Xlog:cds=off", "-Xlog:cds+dynamic=off")
_TIMEOUT_S = 120

#: The model run to record the archive's classes: parsing, the standard modules and the value kinds
#: (records, sequences, functions, sets) that specs use, an invariant, an action property and a view.
_TINY_TLA = """---- MODULE CdsTiny ----
EXTENDS Naturals, Sequences, FiniteSets, TLC
VARIABLES x, log
Init == x = [n \\in {"a", "b"} |-> 0] /\\ log = <<>>
Next == \\E n \\in DOMAIN x : /\\ x[n] < 2 /\\ x' = [x EXCEPT ![n] = @ + 1]
                             /\\ log' = Append(log, [who |-> n, set |-> {x[n]} \\cup {}])
TypeOK == \\A n \\in DOMAIN x : x[n] \\in 0..2 /\\ Len(log) <= 4 /\\ Cardinality({x[n]}) = 1
Grows == [][\\A n \\in DOMAIN x : x'[n] >= x[n]]_<<x, log>>
View == <<x, log>>
Spec == Init /\\ [][Next]_<<x, log>>
====
"""
_TINY_CFG = "SPECIFICATION Spec\nINVARIANT TypeOK\nPROPERTY Grows\nVIEW View\n"


def cache_folder() -> Path:
    """Where the archives are kept."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pyccf" / "cds"


@cache
def _archive_name(java: Path, jar: Path) -> str:
    """The archive's file name: a hash of the jar (content, path, time: the JVM rejects an archive whose
    jar was touched) and of the Java build (``java -version``)."""
    digest = hashlib.sha256(jar.read_bytes())
    stat = jar.stat()
    digest.update(f"{jar.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    version = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30, check=False)
    digest.update(f"{Path(java).resolve()}|{version.stderr}{version.stdout}".encode())
    return f"tla2tools-{digest.hexdigest()[:24]}.jsa"


def _stamp(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size} {stat.st_mtime_ns}"


def _maps(java: Path, jar: Path, archive: Path) -> bool:
    """Whether a JVM maps ``archive`` with the jar on its class path and finds its checksums right.

    A broken archive can crash this JVM: its crash report goes to a scratch folder, not the caller's.
    """
    with tempfile.TemporaryDirectory(prefix="tracecheck-cds-") as scratch:
        argv = [str(java), "-Xshare:on", "-XX:+VerifySharedSpaces", f"-XX:SharedArchiveFile={archive}"]
        argv += ["-XX:-CreateCoredumpOnCrash", f"-XX:ErrorFile={scratch}/hs_err_%p.log"]
        proc = subprocess.run([*argv, "-cp", str(jar), "-version"], cwd=scratch, capture_output=True,
                              timeout=_TIMEOUT_S, check=False)  # fmt: skip
    return proc.returncode == 0


def _record_ok(archive: Path) -> None:
    ok = archive.with_name(archive.name + ".ok")
    tmp = ok.with_name(f"{ok.name}.{os.getpid()}.tmp")
    tmp.write_text(_stamp(archive))
    os.replace(tmp, ok)


def _build(java: Path, jar: Path, archive: Path) -> None:
    """Make ``archive`` (atomically: a JVM killed while it writes leaves no archive behind)."""
    with tempfile.TemporaryDirectory(dir=archive.parent, prefix="build-") as tmp:
        work = Path(tmp)
        (work / "CdsTiny.tla").write_text(_TINY_TLA)
        (work / "CdsTiny.cfg").write_text(_TINY_CFG)
        dumped = work / "dumped.jsa"
        argv = [str(java), "-XX:+UseSerialGC", f"-XX:ArchiveClassesAtExit={dumped}"]
        argv += [f"-Djava.io.tmpdir={work}", "-cp", str(jar), "tlc2.TLC", "-workers", "1"]
        argv += ["-metadir", str(work / "meta"), "-deadlock", "CdsTiny"]
        proc = subprocess.run(argv, cwd=work, capture_output=True, timeout=_TIMEOUT_S, check=False)
        if proc.returncode == 0 and dumped.is_file() and _maps(java, jar, dumped):
            os.replace(dumped, archive)
            _record_ok(archive)


def _usable(java: Path, jar: Path, archive: Path) -> bool:
    ok = archive.with_name(archive.name + ".ok")
    if not archive.is_file():
        return False
    if ok.is_file() and ok.read_text() == _stamp(archive):
        return True
    if _maps(java, jar, archive):
        _record_ok(archive)
        return True
    archive.unlink(missing_ok=True)
    ok.unlink(missing_ok=True)
    return False


@cache
def _archive_opts(java: Path, jar: Path, folder: Path) -> tuple[str, ...]:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        archive = folder / _archive_name(java, jar)
        if not _usable(java, jar, archive):
            _build(java, jar, archive)
        if not _usable(java, jar, archive):
            return ()
    except (OSError, subprocess.SubprocessError):
        return ()
    return (f"-XX:SharedArchiveFile={archive}", *_QUIET)


def cds_jvm_opts() -> list[str]:
    """The JVM options that map the archive (made now if there is none), or none if it is off or unusable.

    Checked once per process and archive (cached): call ``_archive_opts.cache_clear()`` after changing
    the cache folder's content behind its back.
    """
    if os.environ.get(CDS_ENV, "").strip() == "0":
        return []
    try:
        folder = cache_folder()
    except RuntimeError:  # no home folder to find
        return []
    return list(_archive_opts(find_java(), find_jar(), folder))


def clear_cache_folder() -> None:
    """Remove every archive (for tests and for a changed Java installation)."""
    shutil.rmtree(cache_folder(), ignore_errors=True)
    _archive_opts.cache_clear()
