"""The project's inline syntax in prose, defined once for the validator and the renderer.

- ``[@id]`` / ``[@id, para. 4; @other]``: cite sources or claims (footnotes);
- ``[[claim-id]]``: write the claim's statement in place, footnoted;
- ``@id`` or ``@{id}``: name an entity (full name and abbreviation at first mention).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
#: One cited item inside brackets: ``@id`` and an optional locator after a comma.
CITE_ITEM_RE = re.compile(rf"\s*@(?:\{{({SLUG})\}}|({SLUG}))\s*(?:,\s*([^;\]]*?))?\s*(?:;|$)")
#: A whole citation: ``[@...]``; the body is split into items with CITE_ITEM_RE.
CITE_RE = re.compile(r"\[(@[^\[\]\n]*)\]")
CLAIM_RE = re.compile(rf"\[\[\s*({SLUG})\s*\]\]")
MENTION_RE = re.compile(rf"@(?:\{{({SLUG})\}}|({SLUG}))")
_CODE_RE = re.compile(r"(`+)(?:.|\n)*?\1")


@dataclass(frozen=True)
class CiteItem:
    """One cited id and its locator."""

    ref: str
    locator: str | None


def parse_cite_body(body: str) -> list[CiteItem] | None:
    """Items of a citation body (the text inside ``[...]``), or None if it is not one."""
    items: list[CiteItem] = []
    pos = 0
    while pos < len(body):
        m = CITE_ITEM_RE.match(body, pos)
        if not m or m.end() == pos:
            return None
        items.append(CiteItem(m.group(1) or m.group(2), (m.group(3) or "").strip() or None))
        pos = m.end()
    return items or None


def mention_allowed_before(text: str, index: int) -> bool:
    """An ``@`` starts a mention only after a non-word character (so e-mails are left alone)."""
    if index == 0:
        return True
    prev = text[index - 1]
    return not (prev.isalnum() or prev in "_@\\/.")


@dataclass(frozen=True)
class Reference:
    """An id used in prose, where, and how: 'cite', 'claim' or 'mention'."""

    ref: str
    how: str
    offset: int
    token: str


def scan_references(text: str) -> list[Reference]:
    """Every id the prose uses, in order, with its offset; code spans are skipped.

    This is a light scan for validation; the Markdown plugins in ``markdown.py`` are
    the renderer's parser and follow the same patterns.
    """
    masked = _CODE_RE.sub(lambda m: " " * len(m.group(0)), text)
    masked = masked.replace("\\@", "  ").replace("\\[", "  ")
    refs: list[Reference] = []
    taken = [False] * len(masked)

    def take(start: int, end: int) -> None:
        for i in range(start, end):
            taken[i] = True

    for m in CLAIM_RE.finditer(masked):
        refs.append(Reference(m.group(1), "claim", m.start(), m.group(0)))
        take(m.start(), m.end())
    for m in CITE_RE.finditer(masked):
        if taken[m.start()]:
            continue
        items = parse_cite_body(m.group(1))
        if items is None:
            continue
        for item in items:
            refs.append(Reference(item.ref, "cite", m.start(), m.group(0)))
        take(m.start(), m.end())
    for m in MENTION_RE.finditer(masked):
        if taken[m.start()] or not mention_allowed_before(masked, m.start()):
            continue
        refs.append(Reference(m.group(1) or m.group(2), "mention", m.start(), m.group(0)))
    refs.sort(key=lambda r: r.offset)
    return refs
