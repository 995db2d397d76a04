"""Traces in CCF's raft_trace ndjson format, after CCF's own preprocessing (see shared README).

The writer receives raw events from the nodes and the driver and applies CCF's preprocessing as it goes:
the scenario line that caused events is attached to the first event after it (``cmd``/``cmd_prefix``),
and the start node's opening events are folded into one ``bootstrap`` event (its first commit). A
reconfiguration is already reported by the core as one ``add_configuration`` event carrying the state of
the ``replicate``/``execute_append_entries_sync`` event it replaces.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from pyccf.formats.raft_trace import NO_CMD_PREFIX_COMMANDS, TRACE_TAG, Event

_SOURCE = {
    Event.DROP_PENDING_TO.value: ("pyccf/sim/driver.py", "0"),
}


class TraceWriter:
    """Writes one ndjson line per event to ``out``; ``lines`` counts them."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.lines = 0
        self._clock = 0
        self._pending_cmd = ""
        self._pending_verb = ""
        self._bootstrapped = False

    def command(self, line: str, verb: str) -> None:
        """A scenario line (comment and trailing blanks stripped) with command ``verb`` is about to run."""
        self._pending_cmd, self._pending_verb = line, verb

    def event(self, function: str, state: dict[str, Any], fields: dict[str, Any]) -> None:
        self._clock += 1
        cmd, self._pending_cmd = self._pending_cmd, ""
        prefix, self._pending_verb = self._pending_verb, ""
        if not self._bootstrapped:
            if function != Event.COMMIT.value:
                return
            self._bootstrapped = True
            function, cmd, prefix = Event.BOOTSTRAP.value, "", ""
        msg = dict(fields)
        msg["function"] = function
        msg["state"] = state
        if prefix in NO_CMD_PREFIX_COMMANDS:
            prefix = ""
        file, number = _SOURCE.get(function, ("pyccf/consensus/node.py", "0"))
        self.out.write(
            f'{{"h_ts": "{self._clock}", "thread_id": "0", "level": "debug", "tag": "{TRACE_TAG}", '
            f'"file": "{file}", "number": "{number}", "msg": {json.dumps(msg, sort_keys=True)}, '
            f'"cmd": {json.dumps(cmd)}, "cmd_prefix": {json.dumps(prefix)}}}\n'
        )
        self.lines += 1
