"""Problems as the editor underlines them: each one's exact span in its line.

A Problem has a start (file, line, column); the span is what stands there: a prose
reference (``[@a, p. 2]``, ``[[c]]``, ``@d``), a key, a quoted or plain value, else the
word. A problem about a whole file (line 0) marks the file's first character.
"""

from __future__ import annotations

import re

from briefgen.authoring.yamledit import scalar_extent
from briefgen.facts.syntax import CITE_RE, CLAIM_RE, MENTION_RE

_KEY_RE = re.compile(r"[A-Za-z_][\w-]*(?=:(\s|$))")
_FLOW_ITEM_RE = re.compile(r"[^,\]}#]*[^,\]}#\s]")
_WORD_RE = re.compile(r"[\w’'.-]+")


def problem_span(lines: list[str], line: int, col: int) -> tuple[int, int, int]:
    """(0-based line, start, end) in characters for a problem at 1-based ``line``/``col``."""
    if line <= 0 or line > len(lines):
        return 0, 0, 0
    text = lines[line - 1]
    start = min(max(col - 1, 0), len(text))
    for pattern in (CITE_RE, CLAIM_RE, MENTION_RE, _KEY_RE):
        m = pattern.match(text, start)
        if m:
            return line - 1, start, m.end()
    before = text[:start].rstrip()
    if before.endswith((":", "-")) or not before:
        end = scalar_extent(text, start)
        if end is not None and end > start:
            return line - 1, start, end
    if before.endswith(("[", ",", "{")):
        m = _FLOW_ITEM_RE.match(text, start)
        if m:
            return line - 1, start, m.end()
    m = _WORD_RE.match(text, start)
    end = m.end() if m else min(start + 1, len(text))
    return line - 1, start, end
