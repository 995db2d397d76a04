"""Governance scripts: strict parsing with file:line errors, and runs against a governed store."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyccf.formats.governance import GovTable
from pyccf.governance.script import Runner, ScriptError, load, parse
from tests.paths import DATA
from tests.pyccf.governance.helpers import SEED, needs_constitutions, new_service

OPEN_AND_GROW = DATA / "governance" / "open_and_grow.governance"


@needs_constitutions
def test_script_opens_and_grows_the_service() -> None:
    svc = new_service(3)
    runner = Runner(svc.gov, SEED, {"service.cert": svc.service_cert})
    seen: list[str] = []
    runner.on_outcome = lambda cmd, _: seen.append(cmd.name)
    runner.run(load(OPEN_AND_GROW))
    assert svc.service_status() == "Open"
    assert svc.store.get(GovTable.USERS_CERTS, runner.principal("u0").id.encode()) is not None
    assert seen.count("vote") == 4 and seen[-1] == "expect"


@needs_constitutions
def test_failed_expectation_and_refusal_name_the_line() -> None:
    svc = new_service(3)
    runner = Runner(svc.gov, SEED, {"service.cert": svc.service_cert})
    script = (
        'propose m0 p set_recovery_threshold {"recovery_threshold": 1}\nvote m1 p yes\nexpect p Accepted\n'
    )
    with pytest.raises(ScriptError, match=r"^s.gov:3: expect: expected Accepted, actual Open$"):
        runner.run(parse(script, "s.gov"))
    with pytest.raises(ScriptError, match=r"^t.gov:1: vote: refused: 400 VoteAlreadyExists"):
        runner.run(parse("vote m1 p no\n", "t.gov", labels={"p"}))
    with pytest.raises(ScriptError, match=r"^u.gov:1: propose: refused: 401 .*not a known member"):
        runner.run(parse("propose stranger q trigger_snapshot\n", "u.gov"))
    with pytest.raises(ScriptError, match=r"^v.gov:1: args: unknown substitution '\$nope'"):
        runner.run(parse('propose m0 r set_user {"cert": "$nope"}\n', "v.gov"))


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("frobnicate m0\n", "x.gov:1: command: unknown command 'frobnicate'"),
        ("\n# c\npropose m0 p\n", "x.gov:3: arguments: propose <member> <label> <action>"),
        ("propose m0 p set_user {bad json}\n", "x.gov:1: args: not JSON"),
        ("propose m0 p set_user [1, 2]\n", "x.gov:1: args: must be a JSON object"),
        ('propose m0 p [{"nom": 1}]\n', "x.gov:1: actions[0]: must be"),
        ("propose m0 p []\n", "x.gov:1: actions: a non-empty JSON list"),
        (
            "propose m0 p trigger_snapshot\npropose m0 p trigger_snapshot\n",
            "x.gov:2: label: proposal label 'p'",
        ),
        ("vote m0 p yes\n", "x.gov:1: label: no proposal labelled 'p'"),
        ("propose m0 p trigger_snapshot\nvote m0 p maybe\n", "x.gov:2: ballot: must be yes or no"),
        ("propose m0 p trigger_snapshot\nvote m0 p\n", "x.gov:2: arguments: vote takes 3"),
        ("propose m0 p trigger_snapshot\nexpect p Done\n", "x.gov:2: state: unknown state 'Done'"),
        ("expect_member m0 Sleeping\n", "x.gov:1: status: unknown status 'Sleeping'"),
        ("expect_service Closed\n", "x.gov:1: status: unknown status 'Closed'"),
    ],
)
def test_parse_errors_name_file_line_and_field(text: str, where: str) -> None:
    with pytest.raises(ScriptError) as error:
        parse(text, "x.gov")
    assert str(error.value).startswith(where)


def test_load_reads_a_file_and_names_it(tmp_path: Path) -> None:
    script = tmp_path / "open.governance"
    script.write_text("# nothing but\nexpect_service Open\n")
    (cmd,) = load(script)
    assert (cmd.file, cmd.line, cmd.name) == (str(script), 2, "expect_service")
    with pytest.raises(ScriptError, match=r"missing.governance:0: file: cannot read the script"):
        load(tmp_path / "missing.governance")
    (tmp_path / "bad.governance").write_bytes(b"\xff\xfe")
    with pytest.raises(ScriptError, match=r"bad.governance:0: file:"):
        load(tmp_path / "bad.governance")
