"""The locator grammar: how a claim says where in an archive its quote lies.

    para. 3       paras. 3-4     a paragraph, or a quote running over consecutive ones
    p. 12         pp. 12-13      a PDF page by its label ("p. iv", "p. A-3" where labelled)
    #intro                       a web page's element with id="intro" (its section)
    standfirst                   a named part: a .txt archive's [label], a web page's
                                 "title" or "heading"

A locator is compared in canonical form: ``para.3``, ``Para. 3`` and ``para. 3`` are one;
a range's dash may be a hyphen or an en dash; named parts ignore case.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from briefgen.check.archives.model import Archive, Passage

_PARAS = r"paras?\.?\s*(\d+)(?:\s*[-\u2013]\s*(\d+))?"
_PAGES = r"(pp?)(?:\.\s*|\s+)(\S.*)"


@functools.cache
def _pattern(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled once, when a locator is first read (not at every start-up)."""
    return re.compile(pattern, re.IGNORECASE)


def canonical(locator: str) -> str:
    """The locator in the form briefgen writes it (``paras. 3-4``, ``p. 12``, ``#intro``)."""
    text = " ".join(locator.split())
    match = _pattern(_PARAS).fullmatch(text)
    if match:
        first, last = match[1], match[2]
        return f"paras. {first}-{last}" if last and last != first else f"para. {first}"
    match = _pattern(_PAGES).fullmatch(text)
    if match:
        word, rest = match[1].lower(), match[2]
        if word == "p":
            return f"p. {rest}"
        first, last = _page_range(rest)
        return f"pp. {first}-{last}" if last and last != first else f"p. {first}"
    return text if text.startswith("#") else text.lower()


def _page_range(text: str) -> tuple[str, str]:
    """The two labels of a page range: split at an en dash, else at the (middle) hyphen, so
    labels that hold hyphens themselves read right ("A-3-A-4")."""
    if "\u2013" in text:
        first, _, last = text.partition("\u2013")
        return first.strip(), last.strip()
    parts = text.split("-")
    if len(parts) % 2:  # an odd number of pieces cannot split into two equal labels
        return text.strip(), ""
    half = len(parts) // 2
    return "-".join(parts[:half]).strip(), "-".join(parts[half:]).strip()


def span_locator(passages: Sequence[Passage]) -> str:
    """The locator of a quote that runs over ``passages`` (consecutive, in order)."""
    first, last = passages[0], passages[-1]
    if first is last:
        return first.locator
    if first.kind == last.kind == "para" and all(p.kind == "para" for p in passages):
        return f"paras. {first.name}-{last.name}"
    if first.kind == last.kind == "page" and all(p.kind == "page" for p in passages):
        return f"pp. {first.name}-{last.name}"
    return f"{first.locator} to {last.locator}"


def exists(locator: str, archive: Archive) -> bool:
    """Whether the archive has the passage (or range, or id'ed element) ``locator`` names."""
    wanted = canonical(locator)
    if wanted.startswith("#"):
        return wanted[1:] in archive.sections
    names = {p.locator.lower() if p.kind == "part" else p.locator for p in archive.passages}
    if wanted in names:
        return True
    if wanted.startswith("paras. "):
        first, _, last = wanted[7:].partition("-")
        return f"para. {first}" in names and f"para. {last}" in names
    if wanted.startswith("pp. "):
        first, last = _page_range(wanted[4:])
        return f"p. {first}" in names and f"p. {last}" in names
    return False


def grammar(archive: Archive) -> str:
    """What locators an archive of this format takes, for hints."""
    if archive.format == "pdf":
        return "a PDF is located by page: 'p. 12' or 'pp. 12-13' (the page's printed label)"
    if archive.format == "html":
        return "a web page is located by 'para. N' (or 'paras. N-M'), '#id' of a section, 'title' or 'heading'"
    parts = sorted({p.name for p in archive.passages if p.kind == "part"})
    named = f", or a part the file labels: {', '.join(parts)}" if parts else ""
    return f"a .txt archive is located by 'para. N' (or 'paras. N-M'){named}"
