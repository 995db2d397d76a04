"""PlusCal translation: the translated spec model-checks; errors carry file:line:col; no litter."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tracecheck.cli import main
from tracecheck.tla.pcal import pcal_translate
from tracecheck.tla.tlc import run_tlc

pytestmark = pytest.mark.tlc

ALGO = """---- MODULE Algo ----
EXTENDS Naturals
(* --algorithm Algo
variables x = 0;
begin
  L1: x := x + 1;
  L2: x := x + 1;
end algorithm; *)
\\* BEGIN TRANSLATION
\\* END TRANSLATION
Two == pc = "Done" => x = 2
Three == pc = "Done" => x = 3
====
"""


def test_translate_then_check(tmp_path):
    spec = tmp_path / "Algo.tla"
    spec.write_text(ALGO)
    (tmp_path / "Algo.cfg").write_text("SPECIFICATION Spec\nINVARIANT Two\n")
    result = pcal_translate(spec)
    assert result.ok and "Next ==" in spec.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Algo.cfg", "Algo.tla"]  # no .old, cfg kept
    assert (tmp_path / "Algo.cfg").read_text() == "SPECIFICATION Spec\nINVARIANT Two\n"
    assert run_tlc(spec, timeout=120, fast_start=True).status == "ok"
    (tmp_path / "Wrong.cfg").write_text("SPECIFICATION Spec\nINVARIANT Three\n")
    wrong = run_tlc(spec, tmp_path / "Wrong.cfg", timeout=120, fast_start=True)
    assert wrong.status == "invariant_violated" and wrong.violated == "Three"
    assert [s.action for s in wrong.trace] == [None, "L1", "L2"]


def test_translation_error_has_position_and_leaves_file_alone(tmp_path):
    spec = tmp_path / "Algo.tla"
    broken = ALGO.replace("L2: x := x + 1;", "L2: x = 1;")
    spec.write_text(broken)
    result = pcal_translate(spec)
    assert not result.ok
    (err,) = result.errors
    assert (err.file, err.line) == (str(spec), 7) and ":=" in err.message
    assert spec.read_text() == broken
    res = CliRunner().invoke(main, ["translate", str(spec)])
    assert res.exit_code == 2 and f"{spec}:7:" in res.stderr
