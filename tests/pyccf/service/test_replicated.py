"""CCF's scenarios with the service on: every node's ledger is written from the bytes the consensus core
carries, CCF's package validates each committed ledger with the exact counts, committed prefixes agree
byte for byte across nodes, rollbacks truncate, and the raft traces are those of a run without ledgers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pyccf.cli import main
from pyccf.consensus.log import Entry as LogEntry
from pyccf.formats.ledger import CHUNK_NAME, ZERO_DIGEST, Table
from pyccf.formats.raft_trace import EntryType
from pyccf.ledger.entry import EntryInput, MapChanges, serialise_entry
from pyccf.ledger.merkle import MerkleTree, entry_leaf
from pyccf.service.replicated import LedgerSyncError, NodeLedger, ReplicatedLedgers
from pyccf.sim.driver import load_scenario, read_scenario, run_commands
from tests.oracle import oracle_json, read_ledger
from tests.paths import CCF_TRACES, SCENARIOS
from tests.pyccf.service.test_writer import verified
from tracecheck.validation.raft.diff import diff_files

NAMES = [
    "election",
    "reconfiguration",
    "suffix_collision.1",
    "bad_network",
    "check_quorum",
    "retire_one",
    "reconfig_0_1",
    "multi_election",
    "fancy_election.1",
    "candidate_viability",
]


def run(name: str, root: Path, trace: Path | None = None) -> ReplicatedLedgers:
    path = SCENARIOS / name
    ledgers = ReplicatedLedgers(root, seed=7)
    result = run_commands(load_scenario(read_scenario(path), name), name, trace_path=trace, payloads=ledgers)
    assert result.ok, result.failure
    return ledgers


@pytest.fixture(scope="module")
def runs(shared: Path, tmp_path_factory) -> dict[str, ReplicatedLedgers]:
    root = tmp_path_factory.mktemp("scenarios")
    return {name: run(name, root / name) for name in NAMES}


def expected(ledger: NodeLedger, upto: int) -> tuple[int, int, str]:
    signatures = [s for s in ledger.signatures if s <= upto]
    return upto, len(signatures), f"{ledger.terms[signatures[-1] - 1]}.{signatures[-1]}"


def test_every_committed_ledger_passes_full_with_exact_counts(runs, tmp_path: Path) -> None:
    for name, ledgers in runs.items():
        for nid, ledger in ledgers.ledgers.items():
            upto = ledger.export_committed(tmp_path / name / nid)
            assert upto >= 2, (name, nid)
            assert verified(tmp_path / name / nid) == expected(ledger, upto), (name, nid)


def test_each_node_folder_passes_full_up_to_its_last_closed_chunk(runs) -> None:
    """CCF's reader takes a node's closed chunks (committed or not) and skips the open one."""
    for name, ledgers in runs.items():
        for nid, ledger in ledgers.ledgers.items():
            ends = [
                int(m["end"]) for m in map(CHUNK_NAME.match, ledger.files.chunk_names()) if m and m["end"]
            ]
            assert ends, (name, nid)
            assert verified(ledger.folder) == expected(ledger, ends[-1]), (name, nid)


def test_committed_prefixes_are_byte_identical(runs) -> None:
    for name, ledgers in runs.items():
        committed = {
            nid: [e.data for e in ledger.entries()][: ledger.files.committed_seqno]
            for nid, ledger in ledgers.ledgers.items()
        }
        longest = max(committed.values(), key=len)
        for nid, entries in committed.items():
            assert entries == longest[: len(entries)], (name, nid)
            assert len(entries) > 2


def test_seqno_and_view_of_every_entry_are_the_consensus_entrys(runs) -> None:
    for ledgers in runs.values():
        for ledger in ledgers.ledgers.values():
            assert [(e.view, e.seqno) for e in ledger.entries()] == [
                (t, i + 1) for i, t in enumerate(ledger.terms)
            ]
            assert ledger.terms[0] == 2  # seqno 1: the genesis, in CCF's starting view


def test_rollbacks_truncate_ledgers(runs) -> None:
    truncated = [n for n, ls in runs.items() if any(x.truncations for x in ls.ledgers.values())]
    assert {"suffix_collision.1", "multi_election", "fancy_election.1"} <= set(truncated)
    assert all(max(ls.ledgers["0"].terms) > 2 for n, ls in runs.items() if n in truncated)  # elections


def node_statuses(ledgers: ReplicatedLedgers, nid: str) -> dict[str, tuple[str, bool]]:
    """(status, retired_committed) of every node in ``nid``'s store, by scenario node id."""
    store = ledgers.ledger(nid).store
    out = {}
    for n, node in ledgers.keys.nodes.items():
        raw = store.get(Table.NODES_INFO, node.node_id.encode())
        if raw is not None:
            info = json.loads(raw)
            out[n] = (info["status"], info.get("retired_committed", False))
    return out


def test_retirement_and_cleanup_are_nodes_info_writes(runs) -> None:
    assert node_statuses(runs["retire_one"], "0") == {"0": ("Trusted", False), "1": ("Retired", True)}
    assert node_statuses(runs["reconfig_0_1"], "1") == {"0": ("Retired", True), "1": ("Trusted", False)}
    assert node_statuses(runs["reconfiguration"], "3") == {n: ("Trusted", False) for n in "0123"}


CHECK_CHAIN = """
import json, sys, ccf.receipt
from cryptography.x509 import load_pem_x509_certificate as load
doc = json.load(sys.stdin)
service = load(doc["service"].encode())
out = []
for pem in doc["nodes"]:
    try:
        ccf.receipt.check_cert_chain(load(pem.encode()), service, [])
        out.append("ok")
    except Exception as e:
        out.append(type(e).__name__)
print(json.dumps(out))
"""


def test_node_certificates_chain_to_the_service_certificate(runs) -> None:
    ledgers = runs["reconfiguration"]
    nodes = [n.cert_pem for n in ledgers.keys.nodes.values()]
    assert len(nodes) == 4
    doc = {"service": ledgers.keys.service.cert_pem, "nodes": nodes}
    assert oracle_json(CHECK_CHAIN, stdin=doc) == ["ok"] * 4
    foreign = ReplicatedLedgers(Path("unused"), seed=8).keys.service.cert_pem
    assert oracle_json(CHECK_CHAIN, stdin={"service": foreign, "nodes": nodes[:1]}) != ["ok"]


def test_a_flipped_byte_in_a_committed_ledger_is_rejected(runs, tmp_path: Path) -> None:
    ledger = runs["election"].ledgers["1"]
    folder = tmp_path / "bad"
    ledger.export_committed(folder)
    chunk = sorted(folder.iterdir())[0]
    data = bytearray(chunk.read_bytes())
    data[len(data) // 2] ^= 0x01
    chunk.write_bytes(bytes(data))
    done = read_ledger(folder)
    assert done.returncode != 0 or f"until {expected(ledger, 6)[2]}" not in done.stdout + done.stderr


SHARED_SCENARIOS = sorted(p.name for p in SCENARIOS.glob("*") if p.is_file() and p.suffix != ".md")


@pytest.mark.parametrize("name", SHARED_SCENARIOS)
def test_traces_are_those_of_a_run_without_ledgers(shared: Path, name: str, tmp_path: Path) -> None:
    """Byte for byte against a run without the service, and event for event against CCF's own trace."""
    plain, with_ledger = tmp_path / f"{name}.plain", tmp_path / f"{name}.ledger"
    path = SCENARIOS / name
    assert run_commands(load_scenario(read_scenario(path), name), name, trace_path=plain).ok
    ledgers = run(name, tmp_path / name, trace=with_ledger)
    assert plain.read_text() == with_ledger.read_text()
    assert diff_files(CCF_TRACES / f"{name}.ndjson", with_ledger) is None
    assert all(ledger.seqno > 0 for ledger in ledgers.ledgers.values())


def test_an_entry_whose_payload_is_another_entrys_is_refused(runs, tmp_path: Path) -> None:
    source = runs["election"].ledgers["0"]
    first = next(iter(source.entries()))
    ledger = NodeLedger(tmp_path / "n", source.secret, source.policy)
    wrong = LogEntry.make(2, 2, EntryType.RAW, False, "x", payload=first.data)  # seqno 1's bytes at 2
    ledger.sync([LogEntry.make(2, 1, EntryType.RECONFIGURATION, False, nodes=("0",), payload=first.data)], 0)
    with pytest.raises(LedgerSyncError, match="ledger entry is 2.1, the log's 2.2"):
        ledger.sync([ledger_entry(first.data), wrong], 0)
    with pytest.raises(LedgerSyncError, match="carries no ledger entry"):
        ledger.sync([ledger_entry(first.data), LogEntry.make(2, 2, EntryType.RAW, False, "x")], 0)


def ledger_entry(data: bytes) -> LogEntry:
    return LogEntry.make(2, 1, EntryType.RECONFIGURATION, False, nodes=("0",), payload=data)


def test_merkle_truncation_equals_the_shorter_tree() -> None:
    leaves = [bytes([i]) * 32 for i in range(1, 40)]
    for n in (1, 2, 5, 8, 17, 33):
        tree = MerkleTree()
        for leaf in leaves:
            tree.append(leaf)
        tree.truncate(n)
        fresh = MerkleTree()
        for leaf in leaves[: n - 1]:
            fresh.append(leaf)
        assert tree.root() == fresh.root() and len(tree) == n
        tree.append(b"\x99" * 32)
        fresh.append(b"\x99" * 32)
        assert tree.root() == fresh.root() and tree.serialise() == fresh.serialise()
    with pytest.raises(ValueError):
        MerkleTree().truncate(2)


def test_cli_writes_a_ledger_folder_per_node_and_refuses_a_used_one(shared: Path, tmp_path: Path) -> None:
    out = tmp_path / "ledgers"
    args = ["scenario", "run", str(SCENARIOS / "election"), "--ledger-dir", str(out)]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in (out / "election").iterdir()) == ["0", "1", "2"]
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 2 and "not empty" in again.output
    assert any(p.name.endswith(".committed") for p in (out / "election" / "0").iterdir())


def test_cli_ledger_dir_that_is_a_file_is_one_error_line(shared: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    args = ["scenario", "run", str(SCENARIOS / "election"), "--ledger-dir", str(blocker)]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 2
    assert done.output.count("\n") == 1 and "error" in done.output and "Traceback" not in done.output


def test_a_log_that_diverged_in_the_same_term_is_truncated_to_its_new_entry(runs, tmp_path: Path) -> None:
    source = runs["election"].ledgers["0"]
    first, second = list(source.entries())[:2]
    ledger = NodeLedger(tmp_path / "n", source.secret, source.policy)
    ledger.sync([ledger_entry(first.data), raw_entry(second.data)], 0)
    ledger.sync([ledger_entry(first.data), raw_entry(bytes(second.data))], 0)  # equal bytes: the same
    assert ledger.truncations == 0
    tx = EntryInput(2, 2, public={"public:x": MapChanges({b"k": b"v"})})
    other, _ = serialise_entry(tx, source.secret)
    ledger.sync([ledger_entry(first.data), raw_entry(other.data)], 0)
    assert ledger.truncations == 1
    assert [e.data for e in ledger.entries()] == [first.data, other.data]
    assert ledger.tree.leaf(2) == entry_leaf(
        other.write_set_digest, other.commit_evidence_digest, ZERO_DIGEST
    )


def raw_entry(data: bytes) -> LogEntry:
    return LogEntry.make(2, 2, EntryType.RAW, False, "x", payload=data)


NODES_START = """nodes,0,1,2
connect,0,1
connect,1,2
connect,0,2
periodic_one,0,110
dispatch_all
dispatch_all
replicate,latest,hello
emit_signature,latest
dispatch_all
periodic_all,10
dispatch_all
"""


@pytest.mark.parametrize("first", ["replicate", "emit_signature"])
def test_a_service_without_a_genesis_entry_starts_with_its_first_entry(first: str, tmp_path: Path) -> None:
    """``nodes,...`` configures nodes without an entry: seqno 1, whatever it is, creates the service."""
    text = NODES_START if first == "replicate" else NODES_START.replace("replicate,latest,hello\n", "")
    ledgers = ReplicatedLedgers(tmp_path / "l", seed=3)
    assert run_commands(load_scenario(text, "nodes"), "nodes", payloads=ledgers).ok
    for nid, ledger in ledgers.ledgers.items():
        upto = ledger.export_committed(tmp_path / "c" / nid)
        assert upto == 2
        assert verified(tmp_path / "c" / nid) == expected(ledger, upto)
    assert node_statuses(ledgers, "1") == {n: ("Trusted", False) for n in "012"}
