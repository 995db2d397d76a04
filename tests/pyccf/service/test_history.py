"""Histories of ``pyccf service run --history``: 50 seeded fault runs with elections, rollbacks with seqno
reuse, Invalid statuses and concurrent clients, each checked by the small independent checks of
``history_checks`` against the run's final ledger; the CLI's options."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from pyccf.cli import main
from pyccf.formats.history import EventType, Field, HistoryStatus
from pyccf.service.app import ListAppend
from pyccf.service.run import ServiceRun, run_service
from tests.pyccf.service import history_checks as checks
from tests.pyccf.service.history_checks import History
from tracecheck.history import check_file
from tracecheck.history.check import check_history
from tracecheck.history.events import from_events

SEEDS = range(50)
SLOW_SEEDS = range(50, 250)


def history_run(out: Path, seed: int, keys: int = 1, bug: str | None = None, txs: int = 25) -> ServiceRun:
    return run_service(
        out / "run",
        nodes=3,
        clients=3,
        txs=txs,
        seed=seed,
        faults=0.3,
        history=out / "h.ndjson",
        keys=keys,
        bug=bug,
    )


def load(run: ServiceRun) -> History:
    final = run.longest
    return History.load(run.out.parent / "h.ndjson", final.terms, final.files.committed_seqno)


def keys_of(seed: int) -> int:
    return 1 if seed % 5 else 4  # every fifth run has several keys


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> list[tuple[ServiceRun, History]]:
    root = tmp_path_factory.mktemp("histories")
    out = []
    for seed in SEEDS:
        run = history_run(root / str(seed), seed, keys_of(seed))
        out.append((run, load(run)))
    return out


def test_every_history_meets_ccf_s_guarantees(runs) -> None:
    """Every check but read-only linearizability, which CCF documents as not guaranteed."""
    for run, h in runs:
        found = checks.violations(h)
        found.pop("ro_linearizable", None)
        assert not found, (run.out, found)


def test_the_runs_have_elections_rollbacks_with_seqno_reuse_invalids_and_concurrency(runs) -> None:
    reuse = invalid = concurrent = elections = 0
    for _, h in runs:
        txids = {tuple(e[Field.TX_ID]) for e in h.events if Field.TX_ID in e}
        views_at: dict[int, set[int]] = {}
        for view, seqno in txids:
            views_at.setdefault(seqno, set()).add(view)
        rw = {tuple(r[Field.TX_ID]) for r in h.rw(committed=False)}
        reuse += any(len({v for v, s in rw if s == seqno}) > 1 for _, seqno in rw)
        invalid += any(e.get(Field.STATUS) == HistoryStatus.INVALID for e in h.events)
        elections += len({v for v, _ in txids}) > 1
        open_requests: set[int] = set()
        for e in h.events:
            if e[Field.TYPE] in (EventType.RW_REQUEST, EventType.RO_REQUEST):
                concurrent += any(c != e[Field.CLIENT] for c in open_requests)
                open_requests.add(e[Field.CLIENT])
            elif e[Field.TYPE] in (EventType.RW_RESPONSE, EventType.RO_RESPONSE):
                open_requests.discard(e[Field.CLIENT])
    assert elections == len(runs)
    assert reuse >= len(runs) // 2  # two write TxIDs of different views with one seqno
    assert invalid >= len(runs) // 2
    assert concurrent >= len(runs)  # requests sent while another client's is open


def test_committed_writes_in_txid_order_form_the_final_lists(runs) -> None:
    for run, h in runs:
        store = run.longest.store
        assert run.longest.files.committed_seqno == run.longest.seqno or run.failure is not None
        if run.failure is not None:
            continue
        for key in h.keys:
            chain = [r[Field.TX] for r in h.rw() if key in h.lists(r)]
            assert ListAppend().read("final", store, key) == chain, (run.out, key)


def test_each_transaction_has_one_txid_and_one_response(runs) -> None:
    for _, h in runs:
        responses = [e for e in h.events if e[Field.TYPE] in (EventType.RW_RESPONSE, EventType.RO_RESPONSE)]
        assert len(responses) == len({e[Field.TX] for e in responses})
        assert not checks.unique_rw_txids(h)
        assert all(len(e[Field.TX_ID]) == 2 and e[Field.TX_ID][1] > 0 for e in h.events if Field.TX_ID in e)


def test_every_polled_txid_ends_committed_or_invalid(runs) -> None:
    """Sessions poll until a final status; the runs end healed, so every response's TxID gets one."""
    for run, h in runs:
        if run.failure is not None:
            continue
        final = {tx for tx, s in h.statuses().items() if s & {HistoryStatus.COMMITTED, HistoryStatus.INVALID}}
        assert {tuple(r[Field.TX_ID]) for r in h.responses.values()} <= final, run.out


def test_the_history_uses_ccf_s_names_and_shapes(runs) -> None:
    names = {f.value for f in Field}
    for run, h in runs:
        for e in h.events:
            assert set(e) <= names and EventType(e[Field.TYPE])
            if Field.OBSERVED in e:
                assert isinstance(e[Field.OBSERVED], list if len(h.keys) == 1 else dict)
        assert (run.out.parent / "h.ndjson").read_text().count("\n") == len(run.history)


def test_the_same_seed_gives_the_same_history(tmp_path: Path) -> None:
    a = history_run(tmp_path / "a", 3, txs=10)
    b = history_run(tmp_path / "b", 3, txs=10)
    assert (tmp_path / "a/h.ndjson").read_bytes() == (tmp_path / "b/h.ndjson").read_bytes()
    assert a.history == b.history


# ---------------------------------------------------------------- the checks catch broken histories


def _first(h: History, kind: EventType, committed: bool = True) -> dict:
    return next(
        r
        for r in h.responses.values()
        if r[Field.TYPE] == kind and (not committed or h.committed(tuple(r[Field.TX_ID])))
    )


def test_the_checks_catch_mutated_histories(runs) -> None:
    """Each check finds a single-field change of an accepted history (so they are not vacuous)."""
    run, h = next((r, h) for r, h in runs if len(h.keys) == 1 and len(h.rw()) > 2)

    def mutated(change) -> History:
        events = json.loads(json.dumps(h.events))
        change(events)
        path = run.out.parent / "mutated.ndjson"
        path.write_text("".join(json.dumps(e) + "\n" for e in events))
        return History.load(path, h.terms, h.committed_seqno)

    second = h.rw()[1][Field.TX]
    line = h.position[second]

    def drop_observed(events):
        events[line][Field.OBSERVED] = events[line][Field.OBSERVED][1:]

    def same_txid(events):
        events[line][Field.TX_ID] = h.rw()[0][Field.TX_ID]

    def twice(events):
        events[line][Field.OBSERVED] = [*events[line][Field.OBSERVED], second]

    def unrequested(events):
        events[line][Field.OBSERVED] = [*events[line][Field.OBSERVED][:-1], 10_000, second]

    def wrong_status(events):
        txid = list(h.rw()[0][Field.TX_ID])
        for e in events:
            if e[Field.TYPE] == EventType.STATUS and e[Field.TX_ID] == txid:
                e[Field.STATUS] = HistoryStatus.INVALID.value

    def orphan(events):
        events.insert(0, dict(events[line]))

    assert checks.committed_writes_chain(mutated(drop_observed))
    assert checks.unique_rw_txids(mutated(same_txid))
    assert checks.observed_once_and_requested(mutated(twice))
    assert checks.observed_once_and_requested(mutated(unrequested))
    assert checks.statuses_match_ledger(mutated(wrong_status))
    assert checks.response_follows_request(mutated(orphan))
    assert not checks.violations(h).keys() - {"ro_linearizable"}


# ---------------------------------------------------------------- the command line


def test_cli_writes_the_history(tmp_path: Path) -> None:
    path = tmp_path / "h.ndjson"
    args = ["service", "run", "--txs", "8", "--clients", "3", "--keys", "3", "--out", str(tmp_path / "o")]
    done = CliRunner().invoke(main, [*args, "--history", str(path)])
    assert done.exit_code == 0, done.output
    events = [json.loads(line) for line in path.read_text().splitlines()]
    assert {e[Field.TYPE] for e in events} >= {EventType.RW_REQUEST, EventType.RW_RESPONSE, EventType.STATUS}
    assert all(isinstance(e[Field.OBSERVED], dict) for e in events if Field.OBSERVED in e)
    assert f"{len(events)} history events" in done.output


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--keys", "3"], "need --history"),
        (["--bug", "LostUpdate"], "need --history"),
        (["--history", "/no/such/folder/h.ndjson"], "no folder"),
        (["--history", "H", "--bug", "NoSuchBug"], "--bug"),
        (["--history", "H", "--keys", "0"], "--keys"),
    ],
)
def test_cli_bad_options_exit_2_with_one_line(tmp_path: Path, extra: list[str], message: str) -> None:
    extra = [str(tmp_path / "h.ndjson") if x == "H" else x for x in extra]
    done = CliRunner().invoke(main, ["service", "run", "--txs", "4", "--out", str(tmp_path / "o"), *extra])
    assert done.exit_code == 2
    lines = [line for line in done.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], done.output
    assert "Traceback" not in done.output


@pytest.mark.slow
@pytest.mark.parametrize("seed", SLOW_SEEDS)
def test_more_seeds_meet_ccf_s_guarantees(tmp_path: Path, seed: int) -> None:
    h = load(history_run(tmp_path, seed, keys_of(seed), txs=40))
    found = checks.violations(h)
    found.pop("ro_linearizable", None)
    assert not found, found


def test_cli_runs_a_seeded_bug(tmp_path: Path) -> None:
    path = tmp_path / "h.ndjson"
    args = [
        "service",
        "run",
        "--txs",
        "12",
        "--clients",
        "3",
        "--bug",
        "DuplicateTxId",
        "--history",
        str(path),
    ]
    done = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "o")])
    assert done.exit_code == 0, done.output
    responses = [
        e for e in map(json.loads, path.read_text().splitlines()) if e[Field.TYPE] == EventType.RW_RESPONSE
    ]
    assert len({tuple(e[Field.TX_ID]) for e in responses}) < len(responses)  # a TxID given twice


# ---------------------------------------------------------------- judged by tracecheck's history checker
# (independent of the service: it reads only the ndjson)


@pytest.fixture(scope="module")
def histories(runs: list[tuple[ServiceRun, History]]) -> list[Path]:
    return [run.out.parent / "h.ndjson" for run, _ in runs]


def test_every_service_history_is_accepted_by_the_checker(histories: list[Path]) -> None:
    documented = 0
    for path in histories:
        report = check_file(path)
        assert report.ok, (path, [v.describe() for v in report.failing()])
        documented += bool(report.documented())
    assert documented < len(histories)  # CCF's read-only case is reported apart, and not on every run


def _mutants(events: list[dict], rng: random.Random, n: int) -> list[tuple[str, list[dict]]]:
    """Single-field changes no correct service could have produced (mutants a checker may accept as
    equivalent, e.g. of speculative responses, are not made): a committed write's observed list losing an
    earlier committed write, and a Committed status made Invalid for a write a committed transaction
    observed."""
    committed = {tuple(e[Field.TX_ID]) for e in events if e.get(Field.STATUS) == HistoryStatus.COMMITTED}
    rw = {e[Field.TX]: e for e in events if e[Field.TYPE] == EventType.RW_RESPONSE}
    done = {tx for tx, e in rw.items() if tuple(e[Field.TX_ID]) in committed}

    def lists(e: dict) -> dict:
        obs = e[Field.OBSERVED]
        return {None: obs} if isinstance(obs, list) else obs

    out = []
    candidates = [
        i for i, e in enumerate(events) if e[Field.TYPE] == EventType.RW_RESPONSE and e[Field.TX] in done
    ]
    for i in rng.sample(candidates, min(n, len(candidates))):
        e = dict(events[i])
        for key, lst in lists(e).items():
            drop = next((x for x in lst[:-1] if x in done), None)
            if drop is None:
                continue
            shorter = [x for x in lst if x != drop]
            e[Field.OBSERVED] = shorter if key is None else {**e[Field.OBSERVED], key: shorter}
            out.append(
                (f"line {i + 1}: observed without committed {drop}", [*events[:i], e, *events[i + 1 :]])
            )
            break
    seen = {x for e in rw.values() if e[Field.TX] in done for lst in lists(e).values() for x in lst[:-1]}
    txid_of = {tuple(e[Field.TX_ID]): tx for tx, e in rw.items()}
    statuses = [
        i for i, e in enumerate(events)
        if e.get(Field.STATUS) == HistoryStatus.COMMITTED and txid_of.get(tuple(e[Field.TX_ID])) in seen
    ]  # fmt: skip
    for i in rng.sample(statuses, min(n, len(statuses))):
        e = {**events[i], Field.STATUS: HistoryStatus.INVALID.value}
        out.append((f"line {i + 1}: Committed made Invalid", [*events[:i], e, *events[i + 1 :]]))
    return out


def test_single_field_mutations_are_caught(histories: list[Path]) -> None:
    rng = random.Random(0)
    caught = total = 0
    survivors = []
    for path in histories:
        events = [json.loads(line) for line in path.read_text().splitlines()]
        for what, mutant in _mutants(events, rng, 4):
            total += 1
            if check_history(from_events(mutant)).ok:
                survivors.append((path.parent.name, what))
            else:
                caught += 1
    assert total >= 200 and not survivors, survivors[:10]
