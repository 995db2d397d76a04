"""The typed command model: every CCF line parses and renders back, errors name their field, each command
type has a handler, the generator's commands survive a round trip through text."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from pyccf.errors import ScenarioSyntaxError
from pyccf.sim.commands import (
    AssertDetail,
    Blank,
    Command,
    End,
    Periodic,
    SwapNodes,
    TrustNodes,
)
from pyccf.sim.driver import ScenarioDriver
from pyccf.sim.generator import ScenarioGenerator
from pyccf.sim.handlers import HANDLERS
from pyccf.sim.parsing import parse_line, parse_text, strip
from tests.paths import SCENARIOS

SHARED_SCENARIOS = sorted(p for p in SCENARIOS.glob("*") if p.is_file() and p.suffix != ".md")


def test_every_shared_line_parses_and_renders_back(shared: Path) -> None:
    """Rendering a parsed CCF line gives the line itself (so traces and written scenarios need no source)."""
    count = 0
    for path in SHARED_SCENARIOS:
        for lineno, command in parse_text(path.read_text(), str(path)):
            line = strip(path.read_text().split("\n")[lineno - 1])
            if not isinstance(command, Blank | End):
                assert command.render() == line, (path.name, lineno)
                assert command.text == line
                count += 1
    assert count > 700


def test_fields_are_typed() -> None:
    assert parse_line("periodic_one,1,100") == Periodic("1", 100, verb="periodic_one")
    assert parse_line("trust_nodes,latest,2,3") == TrustNodes("latest", ("2", "3"))
    swap = parse_line("swap_nodes,2,in,3,out,0,1")
    assert isinstance(swap, SwapNodes) and swap.term == 2
    assert (swap.into, swap.out) == (("3",), ("0", "1"))
    assert parse_line("assert_isnot_primary,2") == AssertDetail(
        "2", "leadership_state", "Leader", False, verb="assert_isnot_primary"
    )
    assert parse_line("  # only a comment") == Blank()
    assert isinstance(parse_line("==== rest is ignored"), End)


def test_source_is_not_part_of_equality() -> None:
    assert parse_line("dispatch_all   # a comment") == parse_line("dispatch_all")
    assert parse_line("dispatch_all   # a comment").text == "dispatch_all"


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ("frobnicate,1", "command", "unknown command 'frobnicate'"),
        ("periodic_one,0", "periodic_one: arguments", "'periodic_one' takes 2 argument(s), got 1"),
        ("periodic_all,ten", "periodic_all: ms", "expected an integer, got 'ten'"),
        ("replicate,two,x", "replicate: term", "expected an integer, got 'two'"),
        ("assert_commit_idx,0,x", "assert_commit_idx: idx", "expected an integer, got 'x'"),
        (
            "pre_vote_enabled,yes",
            "pre_vote_enabled: enabled",
            "pre_vote_enabled takes true or false, got 'yes'",
        ),
        ("swap_nodes,2,0,in,1", "swap_nodes: group", "swap_nodes: expected 'in' or 'out' after the term"),
        ("trust_node,2,1,3", "trust_node: arguments", "'trust_node' takes 2 argument(s), got 3"),
    ],
)
def test_syntax_error_names_file_line_and_field(line: str, field: str, message: str) -> None:
    with pytest.raises(ScenarioSyntaxError) as e:
        parse_line(line, "f.scn", 7)
    assert (e.value.file, e.value.line, e.value.field, e.value.message) == ("f.scn", 7, field, message)
    assert str(e.value) == f"f.scn:7: {field}: {message}"


def test_parse_text_stops_at_the_end_marker_and_reports_the_first_bad_line() -> None:
    assert [n for n, _ in parse_text("start_node,0\n\n====\nnonsense\n")] == [1, 2, 3]
    with pytest.raises(ScenarioSyntaxError) as e:
        parse_text("start_node,0\nemit_signature,2\nbad_one\nbad_two\n", "x")
    assert e.value.line == 3


def _leaves(cls: type[Command]) -> set[type[Command]]:
    subs = cls.__subclasses__()
    return {cls} if not subs else {leaf for s in subs for leaf in _leaves(s)}


def test_every_command_type_has_a_handler() -> None:
    """Dispatch is by type: a command class without a handler (or a stale handler) is caught here."""
    commands = _leaves(Command) - {Blank, End}
    assert commands == set(HANDLERS)
    families = {c.family for c in commands}
    assert families == {"membership", "network", "replication", "output", "assertions"}


def test_generated_commands_round_trip_through_text() -> None:
    """The generator builds commands; the scenario file holds their text; parsing it gives them back."""
    kinds: set[type[Command]] = set()
    for seed in range(30):
        gen = ScenarioGenerator(random.Random(seed))
        driver = ScenarioDriver()
        commands = gen.opening()
        for n in range(1, 120):
            command = commands[n - 1] if n <= len(commands) else gen.next_line(driver)
            assert parse_line(command.text) == command, command
            kinds.add(type(command))
            driver.run(command, n)
            gen.observe(driver, command)
    assert len(kinds) >= 12
