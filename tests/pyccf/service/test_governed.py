"""A governed multi-node service: the genesis creates governance, a script's requests are the primary's
transactions, every node's ledger passes CCF's read_ledger FULL, and the auditor's replay equals the live
state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pyccf.cli import main
from pyccf.formats.attestation import VIRTUAL_MEASUREMENT
from pyccf.formats.governance import GovTable
from pyccf.formats.ledger import SINGLETON_KEY, Table
from pyccf.governance.engine import Governance
from pyccf.governance.script import Runner, ScriptError, parse
from pyccf.kv.store import Store
from pyccf.service.governed_run import GovernedRun, live_state, run_governed
from tests.oracle import read_ledger
from tests.paths import CCF_CONSTITUTIONS, REPO
from tests.pyccf.governance.helpers import needs_constitutions
from tracecheck.audit.governance import replay_governance

pytestmark = needs_constitutions
EXAMPLE = REPO / "tests" / "data" / "governance" / "open_and_grow.governance"


def governed(out: Path, script: Path = EXAMPLE, **kwargs: object) -> GovernedRun:
    return run_governed(out, script, constitutions=CCF_CONSTITUTIONS, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> GovernedRun:
    result = governed(tmp_path_factory.mktemp("governed") / "out")
    assert result.failure is None
    return result


def test_genesis_creates_governance_and_the_allowlists(run: GovernedRun) -> None:
    genesis = run.ledgers.ledger("0").files.read(1)
    public = {name: dict(m.writes) for name, m in genesis.public.items()}
    assert json.loads(public[Table.SERVICE_INFO][SINGLETON_KEY])["status"] == "Opening"
    assert "export function apply" in json.loads(public[GovTable.CONSTITUTION][SINGLETON_KEY])
    members = {json.loads(v)["status"] for v in public[GovTable.MEMBERS_INFO].values()}
    assert len(public[GovTable.MEMBERS_INFO]) == 3 and members == {"Accepted"}
    assert public["public:ccf.gov.nodes.virtual.measurements"] == {
        VIRTUAL_MEASUREMENT.encode(): b'"AllowedToJoin"'
    }
    assert len(public["public:ccf.gov.nodes.virtual.host_data"]) == 1
    assert [json.loads(v)["status"] for v in public[Table.NODES_INFO].values()] == ["Trusted"]


def test_the_script_ran_and_opened_the_service(run: GovernedRun) -> None:
    state = live_state(run)
    assert state["service"] == "Open"
    assert sorted(state["members"].values()) == ["Active"] * 4
    assert sorted(state["proposals"].values()) == ["Accepted", "Withdrawn"]
    assert json.loads((run.out / "governance.json").read_text()) == {**state, "seed": 0}
    # each request was an entry of the primary, replicated to every node
    seqnos = {n: ledger.seqno for n, ledger in run.ledgers.ledgers.items()}
    assert set(seqnos) == {"0", "1", "2"} and len(set(seqnos.values())) == 1
    assert run.requests == 2 + 3 * 2 + 10  # nodes 1, 2 join; each member: state digest, ack; the script


@pytest.mark.parametrize("node", ["0", "1", "2"])
def test_ccf_read_ledger_verifies_every_node(run: GovernedRun, node: str) -> None:
    done = read_ledger(run.out / "ledgers" / node, "FULL")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Verified FULL" in done.stdout


def test_auditor_replay_equals_the_live_state(run: GovernedRun) -> None:
    for node in run.ledgers.ledgers:
        gov = replay_governance(run.out / "ledgers" / node, uncommitted=True)
        state = live_state(run)
        assert {m: x.status for m, x in gov.members.items()} == state["members"]
        assert {n: x.status for n, x in gov.nodes.items()} == state["nodes"]
        assert gov.service_status == state["service"] == "Open"
        live = {pid: s for pid, s in state["proposals"].items()}
        assert {pid: gov.proposals[pid].state for pid in live} == live
        for key, raw in run.gov.store.state()[GovTable.PROPOSALS_INFO].items():  # and their ballots
            info = json.loads(raw)
            assert gov.proposals[key.decode()].final_votes == info.get("final_votes")
            assert set(gov.proposals[key.decode()].ballots) == set(info["ballots"])
        assert gov.service_cert == run.ledgers.keys.service.cert_pem


def test_a_governed_run_replays_byte_for_byte(run: GovernedRun, tmp_path: Path) -> None:
    again = governed(tmp_path / "out")
    for node in ("0", "1", "2"):
        names = sorted(p.name for p in (run.out / "ledgers" / node).iterdir())
        assert names == sorted(p.name for p in (again.out / "ledgers" / node).iterdir())
        for name in names:
            a = (run.out / "ledgers" / node / name).read_bytes()
            assert a == (again.out / "ledgers" / node / name).read_bytes()
    assert (run.out / "raft_trace.ndjson").read_bytes() == (again.out / "raft_trace.ndjson").read_bytes()


def test_a_failing_expectation_names_the_line(tmp_path: Path) -> None:
    script = tmp_path / "bad.governance"
    script.write_text(
        'propose m0 open transition_service_to_open {"next_service_identity": "$service.cert"}\n'
        "vote m0 open yes\n"
        "expect_service Open\n"  # one vote of three: still Opening
    )
    with pytest.raises(ScriptError, match=r"bad.governance:3: expect_service: expected Open, actual Opening"):
        governed(tmp_path / "out", script)


def test_cli_runs_a_governance_script(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["service", "run", "--governance", str(EXAMPLE), "--constitutions", str(CCF_CONSTITUTIONS)]
    done = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "18 governance transactions" in done.output
    assert json.loads((out / "governance.json").read_text())["service"] == "Open"
    bad = tmp_path / "bad.governance"
    bad.write_text("vote m0 nowhere yes\n")
    done = CliRunner().invoke(
        main, ["service", "run", "--governance", str(bad), "--out", str(tmp_path / "o2")]
    )
    assert done.exit_code == 2
    assert "bad.governance:1: label: no proposal labelled 'nowhere'" in done.output
    assert "Traceback" not in done.output


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("share m0 gently", "arguments"),
        ("share", "arguments"),
        ("expect_node 3 Busy", "status"),
        ("join", "arguments"),
        ("join 3 [1]", "options"),
        ("join 3 {nope", "options"),
    ],
)
def test_service_commands_parse_strictly(line: str, field: str) -> None:
    with pytest.raises(ScriptError, match=rf"s.governance:1: {field}: "):
        parse(line + "\n", "s.governance")


def test_service_commands_need_a_service() -> None:
    runner = Runner(Governance(Store()), b"seed")
    with pytest.raises(ScriptError, match=r"s:1: join: needs a service"):
        runner.run(parse("join 3\n", "s"))
