"""The fast checker's verdict per property equals the exhaustive oracle's on many small histories."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.tracecheck.history.mutations import mutate
from tests.tracecheck.history.oracle import Oracle
from tracecheck.errors import BadInput
from tracecheck.history import check_history, from_events
from tracecheck.history.generate import GenConfig, generate


def _compare(events: list[dict]) -> None:
    try:
        h = from_events(events)
    except BadInput:
        return
    fast = check_history(h).violated()
    for prop, holds in Oracle(events).verdicts().items():
        if holds is not None:
            assert (prop not in fast) == holds, (prop, holds, events)


@settings(max_examples=400, deadline=None)
@given(
    seed=st.integers(0, 10**9),
    keys=st.sampled_from([1, 1, 2]),
    events=st.integers(4, 22),
    mutations=st.integers(0, 3),
)
def test_fast_checker_agrees_with_oracle(seed: int, keys: int, events: int, mutations: int) -> None:
    rng = random.Random(seed)
    ev = generate(
        seed,
        GenConfig(
            events=events,
            clients=rng.choice((1, 2, 3)),
            keys=keys,
            elections=rng.choice((0, 1, 2)),
            signature_every=rng.choice((1, 2, 3)),
        ),
    )
    for _ in range(mutations):
        if len(ev) > 1:
            ev, _what = mutate(ev, rng)
    _compare(ev)
