"""Quote verification: does a quote stand, word for word, in a source's archive, and where?

Quotes and archives are compared under the one normalisation of
``check/archives/normalise.py``; where a quote lies is told by the archive's passages
(``check/archives``), and a claim's locator is checked against it.
"""

from __future__ import annotations

import bisect
import difflib
from dataclasses import dataclass
from pathlib import Path

from briefgen.check.archives import Archive, read_archive
from briefgen.check.archives.locators import canonical, span_locator
from briefgen.check.archives.normalise import normalise
from briefgen.facts.graph import via_chain
from briefgen.facts.model import Citation, FactBase

__all__ = [
    "QuoteCheck",
    "locate",
    "nearest_passage",
    "normalise",
    "occurrences",
    "passages_of",
    "quote_in",
    "verify_quotes",
]


def quote_in(quote: str, normalised_archive: str) -> bool:
    """True when ``quote`` occurs in the (already normalised) archive text."""
    return normalise(quote) in normalised_archive


def occurrences(quote: str, archive: Archive) -> list[tuple[int, int]]:
    """Where ``quote`` stands in the archive's joined, normalised text: ``(start, end)`` of
    every occurrence, first first; empty when it is not there."""
    wanted = normalise(quote)
    found: list[tuple[int, int]] = []
    if not wanted:
        return found
    start = archive.text.find(wanted)
    while start >= 0:
        found.append((start, start + len(wanted)))
        start = archive.text.find(wanted, start + 1)
    return found


def passages_of(archive: Archive, start: int, end: int) -> range:
    """The indexes of the passages that the span ``start:end`` of the joined text runs over."""
    first = bisect.bisect_right(archive.starts, start) - 1
    last = bisect.bisect_right(archive.starts, end - 1) - 1
    return range(first, last + 1)


def locate(quote: str, archive: Archive) -> list[str]:
    """The locators of every place ``quote`` stands in ``archive`` (first first, each once);
    empty when it is not there. A quote running over two paragraphs is at ``paras. 3-4``."""
    found: list[str] = []
    for start, end in occurrences(quote, archive):
        span = passages_of(archive, start, end)
        where = span_locator(archive.passages[span.start : span.stop])
        if where not in found:
            found.append(where)
    return found


def locator_holds(locator: str, quote: str, found: list[str], archive: Archive) -> bool:
    """Whether ``locator`` is right for a quote found at ``found``: one of them, or the
    ``#id`` of a web page's element that holds the quote."""
    wanted = canonical(locator)
    if wanted in found:
        return True
    if wanted.startswith("#"):
        return normalise(quote) in archive.sections.get(wanted[1:], "\0")
    return False


@dataclass(frozen=True)
class QuoteCheck:
    """What verifying one quoted citation found."""

    claim: str
    cite: Citation
    #: the source whose archive the quote was checked against (the cite's, or along ``via``)
    archive_source: str
    #: every locator the quote stands at, first first; empty when it is not in the archive
    found: tuple[str, ...]

    #: whether the cite's locator is right for where the quote was found
    locator_matches: bool = False

    @property
    def verified(self) -> bool:
        return bool(self.found)

    @property
    def locator_ok(self) -> bool | None:
        """True or False for a found quote with a locator; None when there is nothing to compare."""
        if not self.found or not self.cite.locator:
            return None
        return self.locator_matches


def verify_quotes(base: FactBase, source_id: str, archive: Archive | Path | None = None) -> list[QuoteCheck]:
    """Every quoted citation checked against ``source_id``'s archive: citations of the
    source itself and of sources known ``via`` it that have no archive of their own.
    ``archive`` is the archive (or its path); by default the one the check loaded."""
    if isinstance(archive, Path):
        source = base.sources.get(source_id)
        archive = read_archive(archive.read_bytes(), archive.suffix, source.custom.archive_parts if source else ())
    if archive is None:
        archive = base.archives.get(source_id)
        if archive is None:
            return []
    results = []
    for claim in base.claims.values():
        for cite in claim.sources:
            if not cite.quote or cite.ref not in base.sources or archive_source(base, cite.ref) != source_id:
                continue
            found = tuple(locate(cite.quote, archive))
            holds = bool(found and cite.locator and locator_holds(cite.locator, cite.quote, list(found), archive))
            results.append(QuoteCheck(claim.id, cite, source_id, found, holds))
    return results


def archive_source(base: FactBase, source_id: str) -> str | None:
    """The source whose archive a quote from ``source_id`` is checked against: itself, else
    the first source along its ``via`` chain that has one."""
    for current in via_chain(base, source_id):
        if current in base.archives:
            return current
    return None


def nearest_passage(quote: str, normalised_archive: str) -> str:
    """The passage of the archive most like ``quote``, to show what the source says."""
    q = normalise(quote)
    words = normalised_archive.split(" ")
    n = max(1, len(q.split(" ")))
    best, best_ratio = "", -1.0
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(q)
    for start in range(0, max(1, len(words) - n + 1)):
        window = " ".join(words[start : start + n])
        matcher.set_seq1(window)
        if matcher.real_quick_ratio() <= best_ratio or matcher.quick_ratio() <= best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio > best_ratio:
            best, best_ratio = window, ratio
    return best
