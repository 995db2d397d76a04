"""run_tlc on tiny specs written to temp folders: every status, the counterexample values, statistics,
liveness lassos, simulation, Print output, and process hygiene (timeout kills the JVM, no litter)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from tests.paths import EXAMPLES
from tests.procs import live_processes
from tracecheck.errors import BadInput
from tracecheck.tla.tlc import run_tlc
from tracecheck.tla.values import Function, ModelValue, Record, Unparsed

pytestmark = pytest.mark.tlc


def write_spec(folder: Path, name: str, body: str, cfg: str) -> Path:
    spec = folder / f"{name}.tla"
    spec.write_text(f"---- MODULE {name} ----\n{body.strip()}\n====\n")
    (folder / f"{name}.cfg").write_text(cfg.strip() + "\n")
    return spec


def run(spec: Path, config: Path | None = None, **kw):
    kw.setdefault("timeout", 120)
    kw.setdefault("fast_start", True)
    return run_tlc(spec, config, **kw)


RICH = """
EXTENDS Integers, Sequences, TLC
CONSTANTS n1, n2
VARIABLES i, log, store, owner
Init == /\\ i = 0
        /\\ log = <<>>
        /\\ store = [k \\in {"a", "b"} |-> {}]
        /\\ owner = (n1 :> 0 @@ n2 :> -1)
Step == /\\ i' = i + 1
        /\\ log' = Append(log, [term |-> i, who |-> IF i % 2 = 0 THEN n1 ELSE n2])
        /\\ store' = [store EXCEPT !["a"] = @ \\cup {<<i, "v">>}]
        /\\ owner' = [owner EXCEPT ![n1] = i + 1]
Next == Step
Small == i < 2
"""
RICH_CFG = "CONSTANTS n1 = n1\n n2 = n2\nINIT Init\nNEXT Next\nINVARIANT Small"


def test_invariant_counterexample_values_and_actions(tmp_path):
    res = run(write_spec(tmp_path, "Rich", RICH, RICH_CFG))
    assert res.status == "invariant_violated" and res.violated == "Small"
    assert [s.index for s in res.trace] == [1, 2, 3]
    assert [s.action for s in res.trace] == [None, "Step", "Step"]
    assert res.trace[1].location is not None and res.trace[1].location.endswith("of module Rich")
    n1, n2 = ModelValue("n1"), ModelValue("n2")
    assert res.trace[0].state == {
        "i": 0, "log": (), "store": Record({"a": frozenset(), "b": frozenset()}),
        "owner": Function({n1: 0, n2: -1}),
    }  # fmt: skip
    assert res.trace[2].state == {
        "i": 2,
        "log": (Record({"term": 0, "who": n1}), Record({"term": 1, "who": n2})),
        "store": Record({"a": frozenset({(0, "v"), (1, "v")}), "b": frozenset()}),
        "owner": Function({n1: 2, n2: -1}),
    }
    # Statistics are TLC's own figures, read from its final report.
    counts = re.findall(r"(\d+) states generated, (\d+) distinct states found, (\d+) states left", res.output)
    assert (res.states_generated, res.distinct_states, res.left_on_queue) == tuple(map(int, counts[-1]))
    assert res.depth == 3 and res.returncode == 12 and res.tlc_version
    assert res.duration_s > 0


def test_ok_with_statistics_on_the_builtin_example():
    res = run(EXAMPLES / "Counters.tla")
    assert res.status == "ok" and res.ok and not res.trace and res.violated is None
    assert (res.states_generated, res.distinct_states, res.left_on_queue, res.depth) == (302, 125, 0, 13)


def test_a_one_processor_jvm_checks_the_same(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With TRACECHECK_JVM_CPUS=1 (serial collector, C1 only) TLC runs and finds the same: the example's
    statistics, and the broken variant's violation."""
    from tracecheck.tla.tlc import JVM_CPUS_ENV

    monkeypatch.setenv(JVM_CPUS_ENV, "1")
    res = run(EXAMPLES / "Counters.tla", fast_start=False)
    assert "-XX:+UseSerialGC" in res.command, res.command
    assert res.status == "ok", res.errors
    assert (res.states_generated, res.distinct_states, res.left_on_queue, res.depth) == (302, 125, 0, 13)
    text = (EXAMPLES / "Counters.tla").read_text()
    (tmp_path / "Counters.tla").write_text(text.replace("count[p] < Max", "count[p] <= Max"))
    (tmp_path / "Counters.cfg").write_text((EXAMPLES / "Counters.cfg").read_text())
    broken = run(tmp_path / "Counters.tla", fast_start=False)
    assert broken.status == "invariant_violated" and broken.violated == "TypeOK"


def test_a_broken_variant_of_the_passing_example_is_caught(tmp_path):
    text = (EXAMPLES / "Counters.tla").read_text()
    assert "count[p] < Max" in text
    (tmp_path / "Counters.tla").write_text(text.replace("count[p] < Max", "count[p] <= Max"))
    (tmp_path / "Counters.cfg").write_text((EXAMPLES / "Counters.cfg").read_text())
    res = run(tmp_path / "Counters.tla")
    assert res.status == "invariant_violated" and res.violated == "TypeOK"
    assert res.trace[-1].state["count"] == (5, 0, 0)  # Max = 4 exceeded by the shortest path


def test_initial_state_violation(tmp_path):
    body = "EXTENDS Naturals\nVARIABLE x\nInit == x = 5\nNext == x' = x\nLow == x < 5"
    spec = write_spec(tmp_path, "Init0", body, "INIT Init\nNEXT Next\nINVARIANT Low")
    res = run(spec)
    assert res.status == "invariant_violated" and res.violated == "Low"
    assert [(s.index, s.action, s.state) for s in res.trace] == [(1, None, {"x": 5})]


DEAD = "EXTENDS Naturals\nVARIABLE x\nInit == x = 0\nNext == x < 2 /\\ x' = x + 1"


def test_deadlock_and_turning_the_check_off(tmp_path):
    spec = write_spec(tmp_path, "Dead", DEAD, "INIT Init\nNEXT Next")
    res = run(spec)
    assert res.status == "deadlock" and [s.state["x"] for s in res.trace] == [0, 1, 2]
    assert run(spec, deadlock_check=False).status == "ok"
    # The newer cfg keyword (TLC 1.8) works on TLC 2.15 too, and the user's cfg is left as it was.
    (tmp_path / "NoDead.cfg").write_text("INIT Init\nNEXT Next\nCHECK_DEADLOCK FALSE\n")
    assert run(spec, tmp_path / "NoDead.cfg").status == "ok"
    assert "CHECK_DEADLOCK" in (tmp_path / "NoDead.cfg").read_text()
    # Three runs in one folder within seconds: no metadir clash, no states/ left behind.
    assert not (tmp_path / "states").exists()


LIVE = """
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x' = (x + 1) % 3
Fair == Init /\\ [][Next]_x /\\ WF_x(Next)
Unfair == Init /\\ [][Next]_x
Five == <>(x = 5)
One == <>(x = 1)
Grows == [][x' > x]_x
"""


def test_liveness_lasso_loops_back(tmp_path):
    res = run(write_spec(tmp_path, "Live", LIVE, "SPECIFICATION Fair\nPROPERTY Five"))
    assert res.status == "property_violated" and res.violated == "Five"
    assert [s.state["x"] for s in res.trace] == [0, 1, 2]
    assert res.back_to_state == 1 and not res.stuttering


def test_liveness_stuttering(tmp_path):
    write_spec(tmp_path, "Live", LIVE, "SPECIFICATION Unfair\nPROPERTY One")
    res = run(tmp_path / "Live.tla")
    assert res.status == "property_violated" and res.violated == "One"
    assert res.stuttering and res.back_to_state is None
    assert [s.state for s in res.trace] == [{"x": 0}]


def test_action_property_violation(tmp_path):
    write_spec(tmp_path, "Live", LIVE, "SPECIFICATION Fair\nPROPERTY Grows")
    res = run(tmp_path / "Live.tla")
    assert res.status == "property_violated" and res.violated == "Grows"
    assert [s.state["x"] for s in res.trace] == [0, 1, 2, 0]


def test_assumption_and_print_output(tmp_path):
    body = """
EXTENDS Naturals, TLC
CONSTANT N
VARIABLE x
ASSUME PrintT(<<"N is", N>>)
ASSUME N > 5
Init == x = 0 /\\ PrintT([n |-> N]) /\\ PrintT([i \\in 1..30 |-> <<"abcdefgh", i>>]) /\\ Print("two", TRUE)
Next == UNCHANGED x
"""
    write_spec(tmp_path, "Asm", body, "CONSTANT N = 3\nINIT Init\nNEXT Next")
    res = run(tmp_path / "Asm.tla")
    assert res.status == "assumption_failed" and "line 6" in res.violated
    assert res.printed == ['<<"N is", 3>>']
    (tmp_path / "Big.cfg").write_text("CONSTANT N = 7\nINIT Init\nNEXT Next\n")
    ok = run(tmp_path / "Asm.tla", tmp_path / "Big.cfg")
    assert ok.status == "ok" and ok.printed[:2] == ['<<"N is", 7>>', "[n |-> 7]"]
    assert len(ok.printed) > 5  # TLC wrapped the long value over several lines
    values = ok.printed_values()
    assert values[:3] == [("N is", 7), Record({"n": 7}), tuple(("abcdefgh", i) for i in range(1, 31))]
    assert values[3:] == [Unparsed('"two"  TRUE')]  # Print(a, b) prints two values on one line


def test_parse_error_has_file_and_line(tmp_path):
    spec = write_spec(
        tmp_path, "Broken", "VARIABLE x\nInit == x = 0\nNext == x' = x + + 1", "INIT Init\nNEXT Next"
    )
    res = run(spec)
    assert res.status == "parse_error"
    (err,) = res.sany_errors
    assert (Path(err.file).name, err.line) == ("Broken.tla", 4)
    assert any(e.startswith(f"{spec}:4:") for e in res.errors)


def test_semantic_error_has_file_line_col(tmp_path):
    spec = write_spec(tmp_path, "Sem", "VARIABLE x\nInit == x = 0\nNext == x' = y", "INIT Init\nNEXT Next")
    res = run(spec)
    assert res.status == "semantic_error"
    assert [(Path(e.file).name, e.line, e.col) for e in res.sany_errors] == [("Sem.tla", 4, 14)]
    assert "Unknown operator" in res.sany_errors[0].message


def test_evaluation_error_is_a_spec_error_with_trace(tmp_path):
    body = (
        'EXTENDS Naturals, TLC\nVARIABLE x\nInit == x = 0\nNext == x\' = x + 1 /\\ Assert(x < 1, "too big")'
    )
    res = run(write_spec(tmp_path, "Ev", body, "INIT Init\nNEXT Next"))
    assert res.status == "semantic_error"
    assert any("too big" in e for e in res.errors)


def test_config_errors(tmp_path):
    write_spec(tmp_path, "Cfg", DEAD, "INIT Init\nNEXT Next\nINVARIANT NoSuchThing")
    assert run(tmp_path / "Cfg.tla", deadlock_check=False).status == "semantic_error"
    (tmp_path / "Bad.cfg").write_text("INIT Init\nNEXT Next\nBOGUS keyword\n")
    bad = run(tmp_path / "Cfg.tla", tmp_path / "Bad.cfg")
    assert bad.status == "parse_error"
    (err,) = bad.errors  # TLC says "at line 3" but not of which file
    assert err == f"{tmp_path / 'Bad.cfg'}:3: It was expecting a keyword, but did not find it."


UNDEFINED_CFG = """\\* INVARIANT Missing: a comment does not count
INIT Init
NEXT Next
(* PROPERTY Missing
   in a block comment neither *)
INVARIANTS
  TypeOK
  Missing
PROPERTY Missing
"""


def test_a_name_the_spec_does_not_define_is_reported_at_its_cfg_line(tmp_path):
    body = DEAD + "\nTypeOK == x \\in 0..2"
    spec = write_spec(tmp_path, "Undef", body, UNDEFINED_CFG)
    cfg = tmp_path / "Undef.cfg"
    res = run(spec, deadlock_check=False)
    assert res.status == "semantic_error"
    assert res.errors == [f"{cfg}:8: invariant Missing is not defined in the specification"]
    (tmp_path / "Prop.cfg").write_text("INIT Init\nNEXT Next\nINVARIANT TypeOK\n\nPROPERTIES\n  Gone\n")
    res = run(spec, tmp_path / "Prop.cfg", deadlock_check=False)
    assert res.errors == [f"{tmp_path / 'Prop.cfg'}:6: property Gone is not defined in the specification"]
    # The CLI: exit 2, and the error is one line naming file, line and name.
    from click.testing import CliRunner

    from tracecheck.cli import main

    out = CliRunner().invoke(main, ["check", str(spec), "--no-deadlock"])
    assert out.exit_code == 2, out.output
    lines = [line.strip() for line in out.output.splitlines() if "Missing" in line]
    assert lines == [f"{cfg}:8: invariant Missing is not defined in the specification"]


def test_bad_input_is_raised_before_running(tmp_path):
    with pytest.raises(BadInput, match="no such file"):
        run_tlc(tmp_path / "Nope.tla")
    spec = write_spec(tmp_path, "NoCfg", DEAD, "")
    (tmp_path / "NoCfg.cfg").unlink()
    with pytest.raises(BadInput, match="no config"):
        run_tlc(spec)
    with pytest.raises(BadInput, match="simulation only"):
        run_tlc(EXAMPLES / "Counters.tla", depth=3)
    with pytest.raises(BadInput, match="never stops"):
        run_tlc(EXAMPLES / "Counters.tla", simulate=True)


def test_simulation_finds_violation_and_is_reproducible_by_seed(tmp_path):
    spec = EXAMPLES / "Bounded.tla"
    a = run(spec, simulate=True, num=20, depth=10, seed=7)
    b = run(spec, simulate=True, num=20, depth=10, seed=7)
    assert a.status == "invariant_violated" and a.violated == "SumBelowLimit"
    assert [s.state for s in a.trace] == [s.state for s in b.trace]
    assert a.trace[-1].state["a"] + a.trace[-1].state["b"] == 3
    assert a.distinct_states is None and a.states_generated


def test_library_paths(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "Helper.tla").write_text("---- MODULE Helper ----\nStart == 41\n====\n")
    main = tmp_path / "main"
    main.mkdir()
    spec = write_spec(main, "UsesLib", "EXTENDS Helper\nVARIABLE x\nInit == x = Start\nNext == UNCHANGED x",
                      "INIT Init\nNEXT Next")  # fmt: skip
    assert run(spec).status == "parse_error"
    assert run(spec, library_paths=[lib]).status == "ok"


SLOW = """
EXTENDS Naturals
VARIABLES a, b, c
Init == a = 0 /\\ b = 0 /\\ c = 0
Next == \\/ a' = (a + 1) % 5000 /\\ UNCHANGED <<b, c>>
        \\/ b' = (b + 1) % 5000 /\\ UNCHANGED <<a, c>>
        \\/ c' = (c + 1) % 5000 /\\ UNCHANGED <<a, b>>
"""


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs /proc")
def test_timeout_kills_the_jvm_and_leaves_no_litter(tmp_path, monkeypatch):
    work = tmp_path / "spec"
    work.mkdir()
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.chdir(tmp_path)
    res = run(write_spec(work, "Slow", SLOW, "INIT Init\nNEXT Next"), timeout=3)
    assert res.status == "timeout" and res.returncode is None
    assert live_processes(cwd=work) == []  # the JVM (whose cwd was the spec folder) is gone
    assert list(temp.iterdir()) == []  # the metadir was removed
    assert sorted(p.name for p in work.iterdir()) == ["Slow.cfg", "Slow.tla"]
    assert not (tmp_path / "states").exists()


COMMIT = """
EXTENDS Naturals, FiniteSets, TLC
CONSTANT RM
VARIABLES rm, tm, prepared, msgs
Init == rm = [r \\in RM |-> "working"] /\\ tm = "init" /\\ prepared = {} /\\ msgs = {}
Prepare(r) == /\\ rm[r] = "working" /\\ rm' = [rm EXCEPT ![r] = "prepared"]
              /\\ msgs' = msgs \\cup {[type |-> "Prepared", rm |-> r]} /\\ UNCHANGED <<tm, prepared>>
RcvPrepared(r) == /\\ tm = "init" /\\ [type |-> "Prepared", rm |-> r] \\in msgs
                  /\\ prepared' = prepared \\cup {r} /\\ UNCHANGED <<rm, tm, msgs>>
Commit == /\\ tm = "init" /\\ prepared = RM /\\ tm' = "committed"
          /\\ msgs' = msgs \\cup {[type |-> "Commit"]} /\\ UNCHANGED <<rm, prepared>>
RcvCommit(r) == /\\ [type |-> "Commit"] \\in msgs /\\ rm' = [rm EXCEPT ![r] = "committed"]
                /\\ UNCHANGED <<tm, prepared, msgs>>
Next == Commit \\/ \\E r \\in RM : Prepare(r) \\/ RcvPrepared(r) \\/ RcvCommit(r)
NotAllCommitted == \\E r \\in RM : rm[r] # "committed"
"""


def _model_values(value, found: set[str]) -> None:
    if isinstance(value, ModelValue):
        found.add(str(value))
    elif isinstance(value, tuple | frozenset):
        for v in value:
            _model_values(v, found)
    elif isinstance(value, Function):
        for k, v in value.items():
            _model_values(k, found)
            _model_values(v, found)


def assert_values_equal_what_tlc_printed(result, folder: Path) -> int:
    """TLC itself checks that every parsed value, written back with to_tla, equals the text it printed."""
    folder.mkdir(parents=True, exist_ok=True)
    from tracecheck.tla.tlcout import STATE, split_output
    from tracecheck.tla.values import to_tla

    texts = []
    for msg in (m for m in split_output(result.output) if getattr(m, "code", None) == STATE):
        for part in re.split(r"(?m)^/\\ ", msg.text.strip().partition("\n")[2].strip())[1:]:
            name, _, text = part.partition(" = ")
            texts.append((name, " ".join(text.split())))
    parsed = [(var, value) for step in result.trace for var, value in step.state.items()]
    assert [n for n, _ in texts] == [n for n, _ in parsed]
    found: set[str] = set()
    for _, value in parsed:
        _model_values(value, found)
    lines = [f"ASSUME ({to_tla(v)}) = ({t})" for (_, v), (_, t) in zip(parsed, texts, strict=True)]
    consts = f"CONSTANTS {', '.join(sorted(found))}\n" if found else ""
    body = f"EXTENDS Integers, Sequences, TLC\n{consts}VARIABLE d\nInit == d = 0\nNext == d' = d\n"
    cfg = "".join(f"CONSTANT {m} = {m}\n" for m in sorted(found)) + "INIT Init\nNEXT Next"
    spec = write_spec(folder, "Same", body + "\n".join(lines), cfg)
    check = run(spec)
    assert check.status == "ok", (check.status, check.violated, check.errors)
    return len(lines)


def test_counterexample_values_equal_what_tlc_printed(tmp_path):
    (tmp_path / "a").mkdir()
    write_spec(
        tmp_path / "a",
        "Commit",
        COMMIT,
        "CONSTANT RM = {r1, r2}\nINIT Init\nNEXT Next\nINVARIANT NotAllCommitted",
    )
    res = run(tmp_path / "a" / "Commit.tla")
    assert res.status == "invariant_violated" and res.violated == "NotAllCommitted"
    assert res.trace[-1].state["rm"] == Function(
        {ModelValue("r1"): "committed", ModelValue("r2"): "committed"}
    )
    assert len(res.trace) == 8 and res.depth == 8
    assert assert_values_equal_what_tlc_printed(res, tmp_path) == 4 * 8
    # The check itself can fail: a value that differs from TLC's text is caught by TLC.
    res.trace[-1].state["tm"] = "aborted"
    with pytest.raises(AssertionError, match="assumption_failed"):
        assert_values_equal_what_tlc_printed(res, tmp_path / "broken")


def test_each_jvm_unpacks_the_standard_modules_in_its_own_tmpdir(tmp_path):
    """TLC and SANY unpack Naturals.tla etc. into java.io.tmpdir and delete them on exit; with a shared /tmp,
    parallel runs raced (measured: 3 of 120 parallel SANY runs died with a NullPointerException)."""
    from concurrent.futures import ThreadPoolExecutor

    from tracecheck.tla.sany import sany_parse
    from tracecheck.tla.tlc import tlc_command

    spec = EXAMPLES / "Counters.tla"
    argv = tlc_command(spec, spec.with_suffix(".cfg"), tmp_path / "meta", tmpdir_parent=tmp_path)
    assert f"-Djava.io.tmpdir={tmp_path / 'jtmp'}" in argv and (tmp_path / "jtmp").is_dir()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: sany_parse(spec), range(8)))
    assert all(r.ok for r in results), [r.output for r in results if not r.ok][:1]
    assert all("Parsing file /tmp/Naturals.tla" not in r.output for r in results)


def test_jvm_processors_capped_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A campaign worker's JVMs see one processor (TRACECHECK_JVM_CPUS); a bad value is bad input."""
    from tracecheck.tla.tlc import JVM_CPUS_ENV, tlc_command

    args = (EXAMPLES / "Counters.tla", EXAMPLES / "Counters.cfg", Path(tempfile.gettempdir()))
    monkeypatch.delenv(JVM_CPUS_ENV, raising=False)
    assert not any("ActiveProcessorCount" in a for a in tlc_command(*args))
    assert "-XX:+UseParallelGC" in tlc_command(*args)
    monkeypatch.setenv(JVM_CPUS_ENV, "1")
    assert "-XX:ActiveProcessorCount=1" in tlc_command(*args)
    # one processor: the serial collector (and no other, the JVM refuses two) and C1 alone
    one = tlc_command(*args)
    assert "-XX:+UseSerialGC" in one and "-XX:TieredStopAtLevel=1" in one
    assert "-XX:+UseParallelGC" not in one
    monkeypatch.setenv(JVM_CPUS_ENV, "2")
    two = tlc_command(*args)
    assert "-XX:ActiveProcessorCount=2" in two and "-XX:+UseParallelGC" in two
    assert "-XX:+UseSerialGC" not in two
    monkeypatch.setenv(JVM_CPUS_ENV, "0")
    with pytest.raises(BadInput) as bad:
        tlc_command(*args)
    assert bad.value.field == JVM_CPUS_ENV


def test_one_worker_model_checking_runs_the_serial_collector(tmp_path):
    """Model checking with one worker uses MODEL_CHECK_JVM_OPTS (serial GC: less CPU); simulation and
    several workers keep the throughput collector TLC asks for; TLC's GC advice is no error."""
    from tracecheck.tla.tlc import DEFAULT_JVM_OPTS, MODEL_CHECK_JVM_OPTS

    spec = EXAMPLES / "Counters.tla"
    checked = run(spec)
    assert checked.status == "ok" and not checked.errors
    assert set(MODEL_CHECK_JVM_OPTS) <= set(checked.command)
    assert not set(DEFAULT_JVM_OPTS) & set(checked.command)
    simulated = run(spec, simulate=True, num=2, depth=3)
    assert set(DEFAULT_JVM_OPTS) <= set(simulated.command)
    assert not set(MODEL_CHECK_JVM_OPTS) & set(simulated.command)
    two = run(spec, workers=2)
    assert two.status == "ok" and set(DEFAULT_JVM_OPTS) <= set(two.command)
