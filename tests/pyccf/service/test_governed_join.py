"""Node join on a governed service: attestation against the store's allowlists, Pending on an Open service
until a proposal trusts it, the nodes.info write as the consensus reconfiguration, remove_node retiring."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pyccf.formats.ledger import Table
from pyccf.formats.raft_trace import EntryType
from pyccf.governance.script import ScriptError
from pyccf.service.governed_run import GovernedRun, live_state, run_governed
from tests.oracle import read_ledger
from tests.paths import CCF_CONSTITUTIONS, REPO
from tests.pyccf.governance.helpers import needs_constitutions
from tracecheck.audit.governance import replay_governance
from tracecheck.cli import main as tracecheck_main

pytestmark = needs_constitutions
EXAMPLES = REPO / "tests" / "data" / "governance"


def governed(out: Path, script: Path) -> GovernedRun:
    return run_governed(out, script, constitutions=CCF_CONSTITUTIONS)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> GovernedRun:
    result = governed(tmp_path_factory.mktemp("join") / "out", EXAMPLES / "join_and_retire.governance")
    assert result.failure is None
    return result


def node_writes(run: GovernedRun) -> list[tuple[int, dict[str, str]]]:
    """(seqno, {scenario node: status}) of every entry of node 0's ledger that writes nodes.info."""
    by_id = {n.node_id: sid for sid, n in run.ledgers.keys.nodes.items()}
    out = []
    for entry in run.ledgers.ledger("0").entries():
        m = entry.public.get(Table.NODES_INFO)
        if m is not None:
            out.append(
                (entry.seqno, {by_id[k.decode()]: json.loads(v)["status"] for k, v in m.writes.items()})
            )
    return out


def test_on_an_open_service_the_joiner_waits_pending_and_the_configuration_is_unchanged(
    run: GovernedRun,
) -> None:
    log = run.driver.nodes["0"].log
    writes = node_writes(run)
    pending = [s for s, w in writes if w.get("3") == "Pending"]
    trusted = [s for s, w in writes if w.get("3") == "Trusted"]
    assert len(pending) == 1 and len(trusted) == 1 and pending[0] < trusted[0]
    assert log[pending[0] - 1].kind is EntryType.RAW  # no reconfiguration
    configs = [(e.index, set(e.nodes)) for e in log if e.kind is EntryType.RECONFIGURATION]
    before = [c for i, c in configs if i < trusted[0]]
    assert before[-1] == {"0", "1", "2"}
    # the transaction accepting transition_node_to_trusted is the reconfiguration adding node 3
    assert log[trusted[0] - 1].kind is EntryType.RECONFIGURATION
    assert set(log[trusted[0] - 1].nodes) == {"0", "1", "2", "3"}
    accepting = run.ledgers.ledger("0").files.read(trusted[0])
    assert "public:ccf.gov.proposals_info" in accepting.public
    assert Table.NODES_ENDORSED_CERTIFICATES in accepting.public  # the CSR the joiner sent, endorsed


def test_remove_node_retires_and_reconfigures(run: GovernedRun) -> None:
    log = run.driver.nodes["0"].log
    retired = [s for s, w in node_writes(run) if w.get("2") == "Retired"]
    assert len(retired) == 2  # the retirement, then retired_committed
    assert log[retired[0] - 1].kind is EntryType.RECONFIGURATION
    assert set(log[retired[0] - 1].nodes) == {"0", "1", "3"}
    assert sorted(live_state(run)["nodes"].values()) == ["Retired", "Trusted", "Trusted", "Trusted"]
    # once the retirement is committed, the node is marked retired_committed (the core's cleanup_nodes)
    cleanup = [e for e in log if e.kind is EntryType.RETIRED_COMMITTED]
    assert [(e.index, e.nodes) for e in cleanup] == [(retired[1], ("2",))]
    gov = replay_governance(run.out / "ledgers" / "0", uncommitted=True)
    assert gov.nodes[run.ledgers.keys.node("2").node_id].retired_committed
    assert not gov.nodes[run.ledgers.keys.node("0").node_id].retired_committed


@pytest.mark.parametrize("node", ["0", "1", "3"])
def test_ledgers_pass_read_ledger_and_the_auditor(run: GovernedRun, node: str) -> None:
    done = read_ledger(run.out / "ledgers" / node, "FULL")
    assert done.returncode == 0, done.stdout + done.stderr
    gov = replay_governance(run.out / "ledgers" / node, uncommitted=True)
    state = live_state(run)
    assert {n: x.status for n, x in gov.nodes.items()} == state["nodes"]
    assert {m: x.status for m, x in gov.members.items()} == state["members"]
    assert gov.service_status == state["service"]


@pytest.mark.tlc
def test_the_runs_raft_trace_is_accepted_by_the_consensus_spec(run: GovernedRun) -> None:
    done = CliRunner().invoke(tracecheck_main, ["validate", "-j", "1", str(run.out / "raft_trace.ndjson")])
    assert done.exit_code == 0, done.output


def refused_join(tmp_path: Path, options: str) -> str:
    script = tmp_path / "refused.governance"
    script.write_text(
        'propose m0 open transition_service_to_open {"next_service_identity": "$service.cert"}\n'
        "vote m0 open yes\nvote m1 open yes\n"
        f"join 3 {options}\n"
    )
    with pytest.raises(ScriptError) as caught:
        governed(tmp_path / "out", script)
    return str(caught.value)


def test_a_measurement_not_on_the_allowlist_is_refused_with_ccfs_code(tmp_path: Path) -> None:
    message = refused_join(tmp_path, '{"measurement": "unknown code"}')
    assert "refused.governance:4: join: refused: 401 InvalidQuote: FailedMeasurementNotFound" in message
    assert "Quote does not contain known enclave measurement" in message


def test_host_data_not_on_the_allowlist_is_refused(tmp_path: Path) -> None:
    message = refused_join(tmp_path, '{"host_data": "' + "ab" * 32 + '"}')
    assert "401 InvalidQuote: FailedInvalidHostData" in message


def test_another_nodes_quote_is_refused(tmp_path: Path) -> None:
    message = refused_join(tmp_path, '{"quoted_key_of": "1"}')
    assert "401 InvalidQuote: FailedInvalidQuotedPublicKey" in message


def test_a_measurement_is_accepted_after_the_proposal_that_adds_it(tmp_path: Path) -> None:
    result = governed(tmp_path / "out", EXAMPLES / "join_new_measurement.governance")
    assert result.failure is None
    statuses = {sid: s for _, w in node_writes(result) for sid, s in w.items()}
    assert statuses["3"] == "Trusted"
    raw = result.gov.store.get(Table.NODES_INFO, result.ledgers.keys.node("3").node_id.encode())
    assert raw is not None
    info = json.loads(raw)
    assert (
        json.loads(base64.b64decode(info["quote_info"]["quote"]))["measurement"]
        == "pyccf virtual measurement v2"
    )


def test_join_without_a_service_and_unknown_options_are_located_errors(tmp_path: Path) -> None:
    script = tmp_path / "opts.governance"
    script.write_text('join 3 {"colour": "blue"}\n')
    with pytest.raises(ScriptError, match=r"opts.governance:1: options: unknown \['colour'\]"):
        governed(tmp_path / "out", script)
