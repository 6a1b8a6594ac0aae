"""Where Markdown prose holds code, as CommonMark's block structure reads it: fenced and
indented code blocks (inside block quotes and list items too), and the paragraphs and
headings whose inline text may hold code spans.

The renderer (markdown-it-py, CommonMark) is the judge of what is code; the validator,
``rename`` and the language server must not read syntax there either, and facts/ may not
import a Markdown parser (it would slow every ``check``). So this is a line scanner of the
container blocks (``>`` quotes, ``-``/``1.`` list items, lazy continuation lines) and the
leaf blocks that matter here; ``tests/test_syntax.py`` holds it to markdown-it-py's own
reading of each case. Linear in the text: prose is untrusted.
"""

from __future__ import annotations

import re

from briefgen.lazyinit import lazy_dataclass

_FENCE_OPEN_RE = re.compile(r"(`{3,}|~{3,})")
_LIST_MARKER_RE = re.compile(r"([-+*]|[0-9]{1,9}[.)])(?=[ \t]|$)")
_THEMATIC_RE = re.compile(r"(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_SETEXT_RE = re.compile(r"(?:=+|-+)[ \t]*$")
_HEADING_RE = re.compile(r"#{1,6}(?:[ \t]|$)")


@lazy_dataclass()
class _Container:
    """A block quote or list item the scanner is inside."""

    quote: bool  # a block quote; else a list item
    col: int = 0  # a list item's content column
    empty: bool = False  # a list item with nothing yet on its first line


@lazy_dataclass()
class Blocks:
    """Character ranges of a text: ``code`` is in code blocks (blank it), and each of
    ``inline`` is one paragraph or heading (code spans never cross one)."""

    code: list[tuple[int, int]]
    inline: list[tuple[int, int]]


def _indent(line: str, pos: int, col: int) -> tuple[int, int]:
    """(position, column) after the spaces and tabs at ``pos`` (tabs stop every 4 columns)."""
    while pos < len(line) and line[pos] in " \t":
        col = col + 4 - col % 4 if line[pos] == "\t" else col + 1
        pos += 1
    return pos, col


def _advance(line: str, pos: int, col: int, upto: int) -> tuple[int, int]:
    """Consume whitespace at ``pos`` until column ``upto`` (a tab may overshoot it)."""
    while pos < len(line) and col < upto and line[pos] in " \t":
        col = col + 4 - col % 4 if line[pos] == "\t" else col + 1
        pos += 1
    return pos, col


def blocks(text: str) -> Blocks:
    """Where ``text`` holds code blocks, and its inline runs (see :class:`Blocks`)."""
    code: list[tuple[int, int]] = []
    inline: list[tuple[int, int]] = []
    open_: list[_Container] = []
    fence: tuple[str, int, int] | None = None  # character, length, containers it lives in
    paragraph = False  # the line before was paragraph text (lazy lines, no indented code)
    offset = 0
    for line in text.split("\n"):
        start, end = offset, offset + len(line)
        offset = end + 1
        pos, col, matched = 0, 0, 0
        for container in open_:
            if container.quote:
                p, c = _indent(line, pos, col)
                if c - col > 3 or p >= len(line) or line[p] != ">":
                    break
                pos, col = p + 1, c + 1
                if pos < len(line) and line[pos] in " \t":
                    pos, col = _advance(line, pos, col, col + 1)
            else:
                p, c = _indent(line, pos, col)
                if p < len(line) and c < container.col:
                    break
                if p >= len(line) and container.empty:
                    break  # an item may start with one blank line at most: it ends here
                container.empty = False
                pos, col = _advance(line, pos, col, container.col) if p < len(line) else (p, c)
            matched += 1
        if fence is not None:
            if matched >= fence[2]:
                p, c = _indent(line, pos, col)
                closing = line[p:].rstrip(" \t")
                if (
                    c - col <= 3
                    and closing[:1] == fence[0]
                    and len(closing) >= fence[1]
                    and closing == fence[0] * len(closing)
                ):
                    fence = None
                code.append((start + pos, end))
                continue
            fence = None  # its container ended, and the fence with it
        rest_pos, rest_col = _indent(line, pos, col)
        rest = line[rest_pos:]
        if matched < len(open_):
            lazy = paragraph and rest.strip() and not _starts_block(rest, rest_col - col)
            if not lazy:
                del open_[matched:]
                paragraph = False
        # New containers: block quotes and list items, as many as the line opens.
        while True:
            p, c = _indent(line, pos, col)
            if c - col > 3 or p >= len(line):
                break
            if line[p] == ">":
                open_.append(_Container(quote=True))
                pos, col = p + 1, c + 1
                if pos < len(line) and line[pos] in " \t":
                    pos, col = _advance(line, pos, col, col + 1)
                paragraph = False
                continue
            m = _LIST_MARKER_RE.match(line, p)
            if m is None or _THEMATIC_RE.match(line, p):
                break
            after, after_col = _indent(line, m.end(), c + len(m.group(1)))
            if paragraph and (after >= len(line) or (m.group(1)[0].isdigit() and m.group(1)[:-1] != "1")):
                break  # an empty item, or a list not counting from 1, cannot interrupt a paragraph
            marker_end = c + len(m.group(1))
            if after >= len(line):
                content = marker_end + 1  # an empty item: its content column is one past the marker
            elif after_col - marker_end > 4:
                content = marker_end + 1  # five spaces or more: one, then an indented code block
            else:
                content = after_col
            open_.append(_Container(quote=False, col=content, empty=after >= len(line)))
            pos, col = _advance(line, m.end(), marker_end, content)
            paragraph = False
        rest_pos, rest_col = _indent(line, pos, col)
        rest = line[rest_pos:]
        if not rest.strip():
            paragraph = False
            continue
        if rest_col - col >= 4 and not paragraph:
            # Indented code: what stands after the four columns of indent is code.
            code.append((start + pos, end))
            continue
        m = _FENCE_OPEN_RE.match(rest)
        if m and rest_col - col <= 3 and not (m.group(1)[0] == "`" and "`" in rest[m.end() :]):
            fence = (m.group(1)[0], len(m.group(1)), len(open_))
            code.append((start + rest_pos, end))
            paragraph = False
            continue
        if rest_col - col <= 3 and (_HEADING_RE.match(rest) or _THEMATIC_RE.match(rest)):
            inline.append((start + rest_pos, end))
            paragraph = False
            continue
        if paragraph and rest_col - col <= 3 and _SETEXT_RE.match(rest):
            paragraph = False
            continue
        if paragraph and inline:
            inline[-1] = (inline[-1][0], end)
        else:
            inline.append((start + rest_pos, end))
        paragraph = True
    return Blocks(code, inline)


def _starts_block(rest: str, indent: int) -> bool:
    """Whether a line (its text after the indent) starts a block of its own, so it cannot
    continue a paragraph lazily."""
    if indent > 3:
        return False
    return bool(
        rest.startswith(">")
        or _FENCE_OPEN_RE.match(rest)
        or _HEADING_RE.match(rest)
        or _THEMATIC_RE.match(rest)
        or _LIST_MARKER_RE.match(rest)
    )
