"""Splitting TLC's ``-tool`` output into framed messages and loose text.

TLC frames each message as ``@!@!@STARTMSG <code>:<class> @!@!@`` ... ``@!@!@ENDMSG <code> @!@!@``;
frames nest (an exception message contains the message that caused it) and a frame may start in the
middle of a line. Everything outside a frame is loose text: SANY's report (between messages 2220 and
2219) and the output of ``Print``/``PrintT``. Only message codes are relied on, not wording, so the same
splitter serves TLC 1.8 and 2.x.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Message codes (tlc2.output.EC / MP) that tracecheck acts on.
SANY_START, SANY_END = 2220, 2219
BANNER = 2262
SUCCESS = 2193
INVARIANT_VIOLATED_INITIAL = 2107
INVARIANT_VIOLATED_BEHAVIOR = 2110
ACTION_PROPERTY_VIOLATED = 2112
DEADLOCK = 2114
TEMPORAL_VIOLATED = 2116
TEMPORAL_COUNTEREXAMPLE = 2264
BEHAVIOR_UP_TO_HERE = 2121
STATE = 2217
STUTTERING = 2218
BACK_TO_STATE = 2122
ASSUMPTION_FALSE = 2104
ASSUMPTION_EVAL_ERROR = 2105
PARSE_OR_SEMANTIC_FAILED = 3002
CFG_UNDEFINED_NAME = 2229
CFG_SYNTAX_ERRORS = (5001, 5002, 5003, 5004, 5005, 5006)
PROGRESS = 2200
FINAL_COUNTS = 2199
DEPTH = 2194
SIM_PROGRESS = 2209
SIM_COUNTS = 2210
FINISHED = 2186
METADIR_CLASH = 2162

CLASS_ERROR, CLASS_BUG, CLASS_WARNING, CLASS_STATE = 1, 2, 3, 4

_FRAME = re.compile(r"@!@!@STARTMSG (\d+):(\d+) @!@!@\n?|@!@!@ENDMSG (\d+) @!@!@\n?")


@dataclass
class Message:
    """One framed message: its code, class (0 info, 1 error, 2 bug, 3 warning, 4 state) and text."""

    code: int
    cls: int
    text: str = ""
    children: list[Message] = field(default_factory=list)

    def all_text(self) -> str:
        """Own text plus nested messages' text, in order of appearance (approximately)."""
        return "\n".join([self.text.strip(), *(c.all_text() for c in self.children)]).strip()

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass
class Loose:
    """Text outside any frame; ``in_sany`` when it sits between SANY's start and end messages."""

    text: str
    in_sany: bool


def split_output(output: str) -> list[Message | Loose]:
    """Top-level messages and loose text segments of ``output``, in order."""
    items: list[Message | Loose] = []
    stack: list[Message] = []
    in_sany = False
    pos = 0
    for match in _FRAME.finditer(output):
        chunk = output[pos : match.start()]
        if stack:
            stack[-1].text += chunk
        elif chunk:
            items.append(Loose(chunk, in_sany))
        pos = match.end()
        if match.group(1) is not None:
            msg = Message(int(match.group(1)), int(match.group(2)))
            if stack:
                stack[-1].children.append(msg)
            else:
                items.append(msg)
            stack.append(msg)
            if msg.code == SANY_START:
                in_sany = True
        else:
            code = int(match.group(3))
            # Pop to the matching frame; tolerate a missing end marker (a killed run).
            while stack:
                done = stack.pop()
                if done.code == code:
                    break
            if code == SANY_END:
                in_sany = False
    tail = output[pos:]
    if stack:
        stack[-1].text += tail
    elif tail:
        items.append(Loose(tail, in_sany))
    return items


def loose_lines(items: list[Message | Loose], *, sany: bool) -> list[str]:
    """Non-blank loose lines inside (``sany=True``) or outside SANY's report."""
    lines: list[str] = []
    for item in items:
        if isinstance(item, Loose) and item.in_sany == sany:
            lines.extend(line for line in item.text.splitlines() if line.strip())
    return lines
