"""Do the two consistency checkers agree? The Python history checker against TLC's evaluation of the
spec's invariants (specs/consistency/ConsistencyProperties.tla), per property, on the same histories.

    .venv/bin/python bench/agree_consistency.py [--histories 10000] [--mutants 10000] [--seed 0] [--json]

Run A: distinct histories from the spec's random walks (SIMConsistency, several seeds, depths and
history lengths): the Python checker must find no violation of a guarantee, and both must judge every
property alike (RoLinearizable too, which the spec does not guarantee). Run B: seeded mutants of the
histories A accepted (a field changed; events swapped, dropped, duplicated; a few that break the input
format): per property, the two verdicts must be equal; a mutant one reader refuses as bad input is
counted by mutation kind instead. Exit 1 on any disagreement or any violation the checker finds in A.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from tracecheck.validation.consistency.agree import Agreement
from tracecheck.validation.consistency.agreement_runs import features, run_a, run_b, simulated


def _summary(a: Agreement, seconds: float) -> dict:
    return {
        "histories": a.histories, "compared": a.compared, "agreed": a.agreed, "disagreed": a.disagreed,
        "disagreements": {f"{p} ({side} only)": n for (p, side), n in a.by_property.items()},
        "both_refused": dict(a.both_refused),
        "one_refused": {f"{side}:{kind}": n for (side, kind), n in a.one_refused.items()},
        "violated_for_both": dict(+a.violated), "python_violated": dict(+a.python_violated),
        "examples": [d.describe() for d in a.examples], "seconds": round(seconds, 1),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--histories", type=int, default=10_000, help="distinct simulated histories (run A)")
    parser.add_argument("--mutants", type=int, default=10_000, help="mutated histories (run B)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="one JSON object instead of text")
    parser.add_argument("--save", type=Path, help="write each disagreement's history here (ndjson)")
    args = parser.parse_args(argv)

    def progress(shape: object, seed: int, total: int) -> None:
        if not args.json:
            print(f"  simulated {shape} seed {seed}: {total} distinct histories", file=sys.stderr)

    t0 = time.monotonic()
    histories = simulated(args.histories, seed=args.seed, on_run=progress)
    t_sim = time.monotonic() - t0
    t1 = time.monotonic()
    a = run_a(histories)
    t_a = time.monotonic() - t1
    t2 = time.monotonic()
    b = run_b(histories, a.accepted, args.mutants, seed=args.seed)
    t_b = time.monotonic() - t2
    guarantees = {p: n for p, n in a.python_violated.items() if n and p != "RoLinearizable"}
    out = {
        "simulation": {"histories": len(histories), "events": sum(map(len, histories)),
                       "seconds": round(t_sim, 1), "features": dict(features(histories))},
        "run_a": _summary(a, t_a) | {"python_violations_of_guarantees": guarantees},
        "run_b": _summary(b, t_b),
    }  # fmt: skip
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        for run, agreement in (("a", a), ("b", b)):
            for d in agreement.examples:
                name = f"{run}-{d.index:05d}-{d.property}-{d.side}.ndjson"
                (args.save / name).write_text("".join(json.dumps(e) + "\n" for e in d.events))
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        sim = out["simulation"]
        print(
            f"simulation: {sim['histories']} distinct histories, {sim['events']} events, {sim['seconds']} s"
        )
        print("  " + ", ".join(f"{k} {n}" for k, n in sim["features"].items()))
        print(f"run A (simulated), {t_a:.1f} s:")
        print("\n".join("  " + line for line in a.lines()))
        print(f"  Python checker violations of guarantees: {guarantees or 'none'}")
        print(f"run B (mutants of the {len(a.accepted)} accepted), {t_b:.1f} s:")
        print("\n".join("  " + line for line in b.lines()))
    return 1 if a.disagreed or b.disagreed or guarantees else 0


if __name__ == "__main__":
    sys.exit(main())
