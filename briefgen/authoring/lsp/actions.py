"""Quick fixes for the problems that have exactly one fix: the id (or key) a did-you-mean
names, and a locator the archive shows (what ``check --fix-locators`` would write)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from briefgen.authoring.lsp.state import Snapshot
from briefgen.authoring.relocate import locator_edit
from briefgen.authoring.yamledit import values_set_text
from briefgen.check.sources import locator_fixes
from briefgen.errors import BriefgenError, Problem

_DID_YOU_MEAN_RE = re.compile(r"\(did you mean '([^']+)'\?\)")
#: The wrong word of an "unknown ..." message (BG101 keys, BG103 and BG115 ids).
_UNKNOWN_RE = re.compile(r"unknown [a-z ,]+'([^']+)'")
_WORD_CHAR_RE = re.compile(r"[\w-]")


@dataclass(frozen=True)
class Splice:
    """Replace lines ``first`` to ``last`` (0-based, ``last`` excluded) with ``text``; or,
    with ``col``/``end_col`` set, columns of line ``first`` only."""

    first: int
    last: int
    text: str
    col: int | None = None
    end_col: int | None = None


@dataclass(frozen=True)
class Fix:
    """A quick fix offered for a problem: its title and the one edit it makes."""

    title: str
    edit: Splice
    problem: Problem | None


def fixes(snapshot: Snapshot, display: str, text: str, first_line: int, last_line: int) -> list[Fix]:
    """The quick fixes for lines ``first_line`` to ``last_line`` (0-based, both included)."""
    lines = text.splitlines()
    found: list[Fix] = []
    for problem in snapshot.problems:
        line = problem.pos.line - 1
        if problem.pos.file != display or not first_line <= line <= last_line or line >= len(lines):
            continue
        near = _DID_YOU_MEAN_RE.search(problem.message)
        wrong = _UNKNOWN_RE.search(problem.message)
        if not near or not wrong:
            continue
        col = _word_at(lines[line], wrong.group(1), problem.pos.col - 1)
        if col is not None:
            splice = Splice(line, line + 1, near.group(1), col, col + len(wrong.group(1)))
            found.append(Fix(f"Change '{wrong.group(1)}' to '{near.group(1)}'", splice, problem))
    for fix in locator_fixes(snapshot.base):
        line = fix.pos.line - 1
        if fix.pos.file != display or not first_line <= line <= last_line:
            continue
        try:
            new_text = values_set_text(text, display, [locator_edit(snapshot.base, fix)])
        except BriefgenError:
            continue  # the value cannot be set in place: the check's message says what to write
        before = f"'{fix.old}'" if fix.old is not None else "the locator"
        found.append(Fix(f"Set {before} to '{fix.new}', where the quote stands", _splice(text, new_text), None))
    return found


def _word_at(line: str, word: str, start: int) -> int | None:
    """Where ``word`` stands as a whole word in ``line``, at or after ``start``."""
    at = line.find(word, max(start, 0))
    while at >= 0:
        after = line[at + len(word) : at + len(word) + 1]
        if not (at and _WORD_CHAR_RE.match(line[at - 1])) and not (after and _WORD_CHAR_RE.match(after)):
            return at
        at = line.find(word, at + 1)
    return None


def _splice(old: str, new: str) -> Splice:
    """The smallest run of whole lines that turns ``old`` into ``new``."""
    a = old.splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    return Splice(head, len(a) - tail, "".join(b[head : len(b) - tail]))
