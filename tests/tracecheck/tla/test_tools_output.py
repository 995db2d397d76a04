"""parse_tlc_output on recorded and hand-written ``-tool`` output: framing, nesting, codes over wording.

The TLC 1.8 sample is written from its message codes (1.8 cannot be downloaded here): it differs from
2.15 in the banner, the initial state's header (the Init action with its location), thousands
separators in the counts, and the exit code of a temporal violation; the verdict must not change.
"""

from __future__ import annotations

from tracecheck.tla.itf import to_json_value
from tracecheck.tla.tlcout import Loose, Message, split_output
from tracecheck.tla.tlcresult import cfg_properties, parse_state, parse_tlc_output
from tracecheck.tla.values import Record, Unparsed


def frame(code: int, cls: int, text: str) -> str:
    return f"@!@!@STARTMSG {code}:{cls} @!@!@\n{text}\n@!@!@ENDMSG {code} @!@!@\n"


TLC18_LIVENESS = (
    frame(2262, 0, "TLC2 Version 2.18 of Day Month 20?? (rev: 1234567)")
    + frame(2220, 0, "Starting SANY...")
    + "Parsing file /x/Spec.tla\nSemantic processing of module Spec\n"
    + frame(2219, 0, "SANY finished.")
    + frame(2185, 0, "Starting... (2026-01-01 00:00:00)")
    + "user line 1\n"
    + frame(2116, 1, "Temporal properties were violated.\n")
    + frame(2264, 1, "The following behavior constitutes a counter-example:\n")
    + frame(
        2217, 4, "1: <Init line 4, col 9 to line 4, col 20 of module Spec>\n/\\ x = 0\n/\\ r = [a |-> 1]\n"
    )
    + frame(
        2217, 4, "2: <Next(1) line 5, col 9 to line 5, col 24 of module Spec>\n/\\ x = 1\n/\\ r = [a |-> 2]\n"
    )
    + frame(2122, 4, "1: Back to state: <Next line 5, col 9 to line 5, col 24 of module Spec>\n")
    + frame(
        2200,
        0,
        "Progress(3) at 2026-01-01: 1,234,567 states generated (9,000 s/min), "
        "234,567 distinct states found (1 ds/min), 12 states left on queue.",
    )  # fmt: skip
    + frame(2199, 0, "1,234,567 states generated, 234,567 distinct states found, 0 states left on queue.")
    + frame(2194, 0, "The depth of the complete state graph search is 17.")
    + frame(2186, 0, "Finished in 01min 02s at (2026-01-01 00:01:02)")
)


def test_tlc18_style_liveness_output():
    res = parse_tlc_output(TLC18_LIVENESS, returncode=13, properties=["Live"])
    assert res.status == "property_violated" and res.violated == "Live"
    assert res.tlc_version == "2.18"
    assert [(s.index, s.action) for s in res.trace] == [(1, "Init"), (2, "Next(1)")]
    assert res.trace[1].state == {"x": 1, "r": Record({"a": 2})}
    assert res.back_to_state == 1 and not res.stuttering
    assert (res.states_generated, res.distinct_states, res.left_on_queue, res.depth) == (
        1234567,
        234567,
        0,
        17,
    )
    assert res.printed == ["user line 1"]
    assert res.tlc_duration_s == 62.0  # "Finished in 01min 02s"


def test_verdict_comes_from_codes_not_exit_code():
    # Same output, other exit code (1.8 and 2.x disagree on some): the verdict must not change.
    assert parse_tlc_output(TLC18_LIVENESS, returncode=12).status == "property_violated"
    # With several properties TLC does not say which one failed.
    assert parse_tlc_output(TLC18_LIVENESS, returncode=13, properties=["A", "B"]).violated is None


def test_nested_frames_and_frames_mid_line():
    out = (
        "@!@!@STARTMSG 1000:1 @!@!@\nTLC threw an unexpected exception.\nThe exception was a "
        "tlc2.tool.ConfigFileException\n: @!@!@STARTMSG 5006:0 @!@!@\nTLC found an error in the "
        "configuration file at line 4\n@!@!@ENDMSG 5006 @!@!@\n@!@!@ENDMSG 1000 @!@!@\n"
    )
    (msg,) = split_output(out)
    assert isinstance(msg, Message) and msg.code == 1000 and [c.code for c in msg.children] == [5006]
    res = parse_tlc_output(out, returncode=255)
    assert res.status == "parse_error"
    assert "configuration file at line 4" in res.errors[0]


def test_sany_report_is_not_printed_output():
    out = frame(2220, 0, "Starting SANY...") + "Parsing file /a/B.tla\n" + frame(2219, 0, "SANY finished.")
    items = split_output(out + "hello\n")
    loose = [i for i in items if isinstance(i, Loose)]
    assert [(i.text.strip(), i.in_sany) for i in loose] == [("Parsing file /a/B.tla", True), ("hello", False)]


def test_killed_run_with_unterminated_frame_and_out_of_memory():
    out = frame(2185, 0, "Starting...") + "@!@!@STARTMSG 2200:0 @!@!@\nProgress(3) at x: 10 states generated"
    res = parse_tlc_output(out, returncode=None, timed_out=True)
    assert res.status == "timeout"
    crash = "Exception in thread main java.lang.OutOfMemoryError: Java heap space"
    oom = parse_tlc_output(frame(2185, 0, "Starting..."), returncode=1, stderr=crash)
    assert oom.status == "tool_error" and any("out of memory" in e for e in oom.errors)


def test_unknown_exit_without_messages_is_a_tool_error():
    res = parse_tlc_output("", returncode=1, stderr="Error: Could not find or load main class tlc2.TLC")
    assert res.status == "tool_error" and "main class" in res.errors[0]
    assert parse_tlc_output(frame(2186, 0, "Finished"), returncode=0).status == "ok"
    assert parse_tlc_output("", returncode=0).status == "tool_error"  # exit 0 but TLC never finished


def test_parse_state_forms():
    assert parse_state("x = <<1,\n   2>>\n") == {"x": (1, 2)}
    assert parse_state('/\\ a = "x = 1"\n/\\ b = {}\n') == {"a": "x = 1", "b": frozenset()}
    assert parse_state("") == {}


def test_a_value_the_grammar_cannot_read_is_kept_not_fatal():
    out = frame(2110, 1, "Invariant Inv is violated.") + frame(
        2217, 4, "1: <Initial predicate>\n/\\ x = 1\n/\\ y = [i \\in Nat |-> i]\n"
    )
    res = parse_tlc_output(out, returncode=12)
    assert res.status == "invariant_violated"
    assert res.trace[0].state == {"x": 1, "y": Unparsed("[i \\in Nat |-> i]")}
    assert any("cannot read the value TLC printed for y" in e for e in res.errors)
    assert to_json_value(res.trace[0].state["y"]) == {"#unserializable": "[i \\in Nat |-> i]"}


def test_cfg_properties():
    cfg = "\\* comment PROPERTY Fake\nSPECIFICATION Spec\nPROPERTIES\n  A\n  B (* C *)\n"
    cfg += "INVARIANT Inv\nPROPERTY D\n"
    assert cfg_properties(cfg) == ["A", "B", "D"]


def test_progress_callback_sees_tlc_progress_messages():
    from tracecheck.tla.tlc import _ProgressWatcher

    seen = []
    watch = _ProgressWatcher(seen.append)
    sim = "Progress(-1) at x: 16 states generated, -1 distinct states found, -1 states left on queue."
    for line in (TLC18_LIVENESS + frame(2209, 0, sim)).splitlines(True):
        watch(line)
    assert [(p.states_generated, p.distinct_states, p.left_on_queue) for p in seen] == [
        (1234567, 234567, 12),
        (16, None, None),
    ]


def test_with_continue_only_the_first_counterexample_is_kept():
    state = "{}: <Next line 1, col 1 to line 1, col 2 of module M>\nx = {}\n"
    out = (
        frame(2110, 1, "Invariant A is violated.") + frame(2121, 1, "The behavior up to this point is:")
        + frame(2217, 4, "1: <Initial predicate>\nx = 0\n") + frame(2217, 4, state.format(2, 1))
        + frame(2114, 1, "Deadlock reached.") + frame(2121, 1, "The behavior up to this point is:")
        + frame(2217, 4, "1: <Initial predicate>\nx = 0\n") + frame(2217, 4, state.format(2, 5))
    )  # fmt: skip
    res = parse_tlc_output(out, returncode=0)
    assert res.status == "invariant_violated" and res.violated == "A"
    assert [s.state["x"] for s in res.trace] == [0, 1]
    assert res.errors == ["Invariant A is violated.", "Deadlock reached."]


def test_progress_description_has_rate():
    from tracecheck.tla.progress import describe
    from tracecheck.tla.tlc import Progress

    first = Progress(600_000, 200_000, 5_000, 60.0)
    assert describe(first, None) == "600,000 states, 200,000 distinct, 5,000 on queue, 10,000 states/s"
    second = Progress(1_800_000, 500_000, 0, 120.0)
    assert describe(second, first).endswith("20,000 states/s")
    assert describe(Progress(None, None, None, 1.0), None) == "? states, ? distinct, ? on queue"


def test_tlc_seconds():
    from tracecheck.tla.tlcresult import _tlc_seconds

    assert _tlc_seconds("Finished in 651ms at (2026-11-25 03:13:53)") == 0.651
    assert _tlc_seconds("Finished in 01h 02min 03s at (x)") == 3723.0
    assert _tlc_seconds("no time here") is None


def test_sany_errors_found_even_inside_frames():
    sany = "Semantic errors:\n\n*** Errors: 1\n\n"
    sany += "line 5, col 14 to line 5, col 14 of module Sem\n\nUnknown operator: `y'.\n\n"
    out = frame(2220, 0, "Starting SANY...\nParsing file /s/Sem.tla\n" + sany) + frame(
        3002, 1, "Parsing failed."
    )
    res = parse_tlc_output(out, returncode=150)
    assert res.status == "semantic_error"
    assert [str(e) for e in res.sany_errors] == ["/s/Sem.tla:5:14: Unknown operator: `y'."]
