"""The class-data-sharing archive of model checking: made once, reused, and never fatal when broken."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.paths import EXAMPLES
from tracecheck.tla import cds
from tracecheck.tla.tlc import run_tlc

pytestmark = pytest.mark.tlc  # every test runs a JVM (a fake one too: the tier guard sees tlc2.TLC)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache folder, and no archive options remembered from another test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(cds.CDS_ENV, raising=False)
    cds._archive_opts.cache_clear()
    yield cds.cache_folder()
    cds._archive_opts.cache_clear()


def archive_of(opts: list[str]) -> Path:
    (flag,) = [o for o in opts if o.startswith("-XX:SharedArchiveFile=")]
    return Path(flag.split("=", 1)[1])


def check_counters():
    spec = EXAMPLES / "Counters.tla"
    return run_tlc(spec, timeout=120)


def test_archive_made_on_first_use_and_used_by_model_checking(cache: Path) -> None:
    opts = cds.cds_jvm_opts()
    archive = archive_of(opts)
    assert archive.parent == cache and archive.stat().st_size > 1_000_000
    stamp = archive.stat().st_mtime_ns
    cds._archive_opts.cache_clear()
    assert cds.cds_jvm_opts() == opts and archive.stat().st_mtime_ns == stamp  # reused, not rebuilt
    result = check_counters()
    assert result.status == "ok" and not result.errors and result.distinct_states == 125
    assert f"-XX:SharedArchiveFile={archive}" in result.command
    simulated = run_tlc(EXAMPLES / "Counters.tla", simulate=True, num=2, depth=3, timeout=120)
    assert not any(o.startswith("-XX:SharedArchiveFile") for o in simulated.command)


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_broken_archive_is_replaced_not_fatal(
    cache: Path, damage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A truncated archive crashes the JVM that maps it (checked: SIGABRT): it must never reach TLC, and
    the probing JVM's crash report is left in no one's working folder."""
    monkeypatch.chdir(tmp_path)
    archive = archive_of(cds.cds_jvm_opts())
    data = archive.read_bytes()
    archive.chmod(0o644)
    archive.write_bytes(data[:100_000] if damage == "truncated" else b"garbage\n")
    cds._archive_opts.cache_clear()
    assert not cds._maps(cds.find_java(), cds.find_jar(), archive)  # the damage is real
    rebuilt = archive_of(cds.cds_jvm_opts())
    assert rebuilt == archive and cds._maps(cds.find_java(), cds.find_jar(), rebuilt)
    result = check_counters()
    assert result.status == "ok" and result.distinct_states == 125
    assert not list(tmp_path.glob("hs_err_pid*.log"))


def test_no_archive_when_turned_off_or_when_the_jvm_cannot_make_one(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cds.CDS_ENV, "0")
    assert cds.cds_jvm_opts() == []
    monkeypatch.delenv(cds.CDS_ENV)
    broken = tmp_path / "java"
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setattr(cds, "find_java", lambda: broken)
    assert cds.cds_jvm_opts() == []
    assert not list(cache.glob("*.jsa"))
    unwritable = tmp_path / "ro"
    unwritable.write_text("a file where the cache folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(unwritable))
    cds._archive_opts.cache_clear()
    assert cds.cds_jvm_opts() == []
