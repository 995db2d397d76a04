"""tracecheck's pytest plugin: validate the traces your own tests write, in your own test suite.

- ``tracecheck_validator`` (session fixture): ``.validate(paths)`` validates a list of traces in one
  engine call (one TLC run per batch, not one per trace) and returns a :class:`tracecheck.api.Validation`;
  ``.check(paths)`` fails the test with the report ``tracecheck validate`` prints. A trace already
  validated in the session (same path, same bytes) is not validated again.
- ``@pytest.mark.tracecheck``: every ``*.ndjson`` the test writes into its ``tracecheck_dir`` fixture is
  validated, all at once, when the test body has passed (the test need not name the fixture); a rejected
  trace fails the test with the report.
- ``--tracecheck-batch``: the marked tests' traces are validated together when the session ends, in one
  engine call (one TLC run per batch for the whole run, not one per test); a rejected trace fails the
  session, and the summary names the test that wrote it beside the CLI's report.
- Options: ``--tracecheck-spec`` (default ``consensus``), ``--tracecheck-ccf-version``,
  ``--tracecheck-timeout``.

Enabled by the ``pytest11`` entry point of the package (or ``-p tracecheck.pytest_plugin``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tracecheck.api import Validation, validate
from tracecheck.validation.engine import Verdict

MARKER = "tracecheck"
VALIDATOR = pytest.StashKey["Validator"]()
SUMMARY = pytest.StashKey[str]()


class Validator:
    """One per session: the spec and options of the run, and the verdicts it has reached so far."""

    def __init__(self, spec: str, ccf_version: str | None, timeout: float | None) -> None:
        self.spec, self.ccf_version, self.timeout = spec, ccf_version, timeout
        self._seen: dict[tuple[Path, str], Verdict] = {}
        self.queued: list[tuple[str, list[Path]]] = []  # --tracecheck-batch: (test id, its traces)
        self.engine_calls = (
            0  # how many times the engine (TLC) was started: one per validate() with new traces
        )

    @staticmethod
    def _key(path: Path) -> tuple[Path, str]:
        return path.resolve(), hashlib.sha256(path.read_bytes()).hexdigest()

    def validate(self, paths: Sequence[Path | str]) -> Validation:
        keys = [self._key(Path(p)) for p in paths]
        new = list(dict.fromkeys(k for k in keys if k not in self._seen))
        if new:
            self.engine_calls += 1
            found = validate(
                [k[0] for k in new], spec=self.spec, ccf_version=self.ccf_version, timeout=self.timeout
            )
            self._seen.update(zip(new, found.verdicts, strict=True))
        return Validation(tuple(self._seen[k] for k in keys))

    def check(self, paths: Sequence[Path | str]) -> Validation:
        """Validate and fail the calling test with the CLI's report unless every trace is accepted."""
        result = self.validate(paths)
        if not result.ok:
            pytest.fail(result.text, pytrace=False)
        return result


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tracecheck", "trace validation against TLA+ specs")
    group.addoption("--tracecheck-spec", default="consensus", help="spec folder (or Trace*.tla) for traces")
    group.addoption("--tracecheck-ccf-version", default=None, help="CCF behaviour the traces follow")
    group.addoption("--tracecheck-timeout", type=float, default=None, help="seconds per TLC run")
    group.addoption(
        "--tracecheck-batch",
        action="store_true",
        help="validate the marked tests' traces together at the end of the session (one engine call)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}: validate every *.ndjson trace the test writes into tracecheck_dir"
    )


@pytest.fixture(scope="session")
def tracecheck_validator(request: pytest.FixtureRequest) -> Validator:
    opt = request.config.getoption
    validator = Validator(
        opt("--tracecheck-spec"), opt("--tracecheck-ccf-version"), opt("--tracecheck-timeout")
    )
    request.config.stash[VALIDATOR] = validator  # for the batch at the session's end
    return validator


@pytest.fixture
def tracecheck_dir(tmp_path: Path) -> Path:
    """The folder a ``@pytest.mark.tracecheck`` test writes its traces into."""
    folder = tmp_path / "tracecheck"
    folder.mkdir()
    return folder


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A marked test gets its folder and the session's validator without naming them."""
    for item in items:
        names = getattr(item, "fixturenames", None)
        if item.get_closest_marker(MARKER) is not None and names is not None:
            names.extend(n for n in ("tracecheck_dir", "tracecheck_validator") if n not in names)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    """After a marked test's body passed, its traces are validated; a rejection fails the test."""
    result = yield
    if item.get_closest_marker(MARKER) is None:
        return result
    funcargs: dict[str, Any] = getattr(item, "funcargs", {})
    folder, validator = funcargs["tracecheck_dir"], funcargs["tracecheck_validator"]
    traces = sorted(Path(folder).glob("*.ndjson"))
    if not traces:
        pytest.fail(f"@pytest.mark.{MARKER}: the test wrote no *.ndjson trace into {folder}", pytrace=False)
    if item.config.getoption("--tracecheck-batch"):
        validator.queued.append((item.nodeid, traces))
    else:
        validator.check(traces)
    return result


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """``--tracecheck-batch``: every queued trace in one engine call; a rejection fails the session."""
    validator = session.config.stash.get(VALIDATOR, None)
    if validator is None or not validator.queued:
        return
    paths = [p for _, traces in validator.queued for p in traces]
    result = validator.validate(paths)
    writers = {p.resolve(): test for test, traces in validator.queued for p in traces}
    rejected = [v for v in result.verdicts if not v.accepted]
    lines = [
        f"tracecheck: {len(paths)} trace(s) of {len(validator.queued)} test(s) validated in one engine call"
    ]
    lines += [
        f"  {writers.get(Path(v.trace.path).resolve(), '?')} wrote {v.trace.path}: {v.status}"
        for v in rejected
    ]
    if rejected:
        lines.append(result.text)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    session.config.stash[SUMMARY] = "\n".join(lines)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    summary = terminalreporter.config.stash.get(SUMMARY, None)
    if summary:
        terminalreporter.section("tracecheck (batched)")
        terminalreporter.write_line(summary)
