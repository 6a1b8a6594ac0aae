"""Quote verification: does a quote stand, word for word, in a source's archive, and where?

Quotes and archives are compared under the one normalisation of
``check/archives/normalise.py``; where a quote lies is told by the archive's passages
(``check/archives``), and a claim's locator is checked against it.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from briefgen.check.archives import Archive, read_archive
from briefgen.check.archives.locators import canonical, span_locator
from briefgen.check.archives.normalise import normalise
from briefgen.check.quotecache import QuoteCache
from briefgen.facts.graph import via_chain
from briefgen.facts.model import Citation, Claim, FactBase
from briefgen.facts.reuse import Reuse

__all__ = [
    "QuoteCheck",
    "citations_by_archive",
    "in_context",
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


class QuoteCheck(NamedTuple):
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


def verify_quotes(
    base: FactBase,
    source_id: str,
    archive: Archive | Path | None = None,
    citations: list[tuple[str, Citation]] | None = None,
    cache: QuoteCache | None = None,
) -> list[QuoteCheck]:
    """Every quoted citation checked against ``source_id``'s archive: citations of the
    source itself and of sources known ``via`` it that have no archive of their own.
    ``archive`` is the archive (or its path); by default the one the check loaded.
    ``citations``: that source's group of :func:`citations_by_archive`, when the caller
    checks every archive (made once, not once per source). With a ``cache`` (check/quotecache.py),
    an archive whose quotes and locators were all checked before is not searched again
    (a check kept in memory uses :func:`unsettled` instead)."""
    if isinstance(archive, Path):
        source = base.sources.get(source_id)
        archive = read_archive(archive.read_bytes(), archive.suffix, source.custom.archive_parts if source else ())
    if archive is None:
        archive = base.archives.get(source_id)
        if archive is None:
            return []
    if citations is None:
        citations = citations_by_archive(base).get(source_id, [])
    quoted = [(claim_id, cite) for claim_id, cite in citations if cite.quote]
    key = None
    if cache is not None and archive.identity:
        key = cache.key(archive.identity, [(cite.quote or "", cite.locator) for _, cite in quoted])
        known = cache.get(key, len(quoted))
        if known is not None:
            return [
                QuoteCheck(claim_id, cite, source_id, found, holds)
                for (claim_id, cite), (found, holds) in zip(quoted, known, strict=True)
            ]
    results = []
    for claim_id, cite in quoted:
        found, holds = _finding(cite.quote or "", cite.locator, archive)
        results.append(QuoteCheck(claim_id, cite, source_id, found, holds))
    if cache is not None and key is not None:
        cache.put(key, [(r.found, r.locator_matches) for r in results])
    return results


def _finding(quote: str, locator: str | None, archive: Archive) -> tuple[tuple[str, ...], bool]:
    """Every place ``quote`` stands in ``archive``, and whether ``locator`` says one of them."""
    found = tuple(locate(quote, archive))
    return found, bool(found and locator and locator_holds(locator, quote, list(found), archive))


def citations_by_archive(base: FactBase, reuse: Reuse | None = None) -> dict[str, list[tuple[str, Citation]]]:
    """Every citation of a known source, as (claim id, citation) in claim order, grouped by
    the source whose archive it is checked against (:func:`archive_source`). One walk over
    the claims, each cited source's ``via`` chain followed once: checking each archive
    against every claim would cost sources x citations. With ``reuse``, each file's
    citations are listed once and kept by the file's list of claims."""
    home: dict[str, str | None] = {}
    grouped: dict[str, list[tuple[str, Citation]]] = {}
    if reuse is None:
        parts: Iterable[list[tuple[str, Citation]]] = [_citations(list(base.claims.values()))]
    else:
        parts = reuse.per_file("quotes.citations", "claims", _citations)
    for pair in itertools.chain.from_iterable(parts):
        ref = pair[1].ref
        target = home.get(ref, _UNSEEN)
        if target is _UNSEEN:
            target = home[ref] = archive_source(base, ref) if ref in base.sources else None
        if target is not None:
            held = grouped.get(target)
            if held is None:
                grouped[target] = [pair]
            else:
                held.append(pair)
    return grouped


#: A source not looked up yet (None means: looked up, no archive to check against).
_UNSEEN = ""


def _citations(claims: list[Claim]) -> list[tuple[str, Citation]]:
    return [(claim.id, cite) for claim in claims for cite in claim.sources]


def unsettled(
    source_id: str, archive: Archive, citations: list[tuple[str, Citation]], reuse: Reuse
) -> Iterator[QuoteCheck]:
    """What :func:`verify_quotes` finds for ``citations``, but only the quotes with
    something to say: not found, or found with a locator missing or wrong (what check
    reports). Each quote's finding is kept in ``reuse`` by the archive's identity, the
    quote and the locator."""
    old, fresh = reuse.values("quotes.found")
    identity = archive.identity
    for claim_id, cite in citations:
        quote, locator = cite.quote, cite.locator
        if not quote:
            continue
        memo_key = (identity, quote, locator)
        finding = fresh.get(memo_key) or old.get(memo_key)  # never empty: a (places, holds) pair
        if finding is None:
            finding = _finding(quote, locator, archive)
            reuse.computed["quotes.found"] += 1
        fresh[memo_key] = finding
        if not (finding[0] and locator and finding[1]):
            yield QuoteCheck(claim_id, cite, source_id, finding[0], finding[1])


def archive_source(base: FactBase, source_id: str) -> str | None:
    """The source whose archive a quote from ``source_id`` is checked against: itself, else
    the first source along its ``via`` chain that has one."""
    for current in via_chain(base, source_id):
        if current in base.archives:
            return current
    return None


#: the words of a quote the nearest passage is sought for (and the hint shows at most)
NEAREST_WORDS = 60
#: characters of the quote, and of a window, compared letter by letter (a "word" may be long)
NEAREST_CHARS = 600
#: difflib ratio() calls at most in each of the two rounds (see nearest_passage)
NEAREST_CANDIDATES = 24


def nearest_passage(quote: str, normalised_archive: str) -> str:
    """The passage of the archive most like ``quote`` (by difflib's ratio), to show what the
    source says.

    Near-linear in the archive, bounded in the quote (its first ``NEAREST_WORDS`` words):
    every window of the quote's length gets two cheap scores, kept up to date as the window
    slides a word: the words it shares with the quote, and the letters (difflib's
    quick_ratio, an upper bound of the ratio). The ratio, quadratic in the quote, is then
    computed for the best windows by shared words, and for those whose bound still beats
    the best ratio found, at most ``NEAREST_CANDIDATES`` of each: the true nearest unless
    the letters alone are alike in more windows than that."""
    q_words = normalise(quote).split(" ")[:NEAREST_WORDS]
    q = " ".join(q_words)[:NEAREST_CHARS]
    words = [w[:NEAREST_CHARS] for w in normalised_archive.split(" ")]
    n = max(1, len(q_words))
    count = max(1, len(words) - n + 1)
    shared_words, bounds = _window_scores(q_words, q, words, n, count)
    import difflib  # only a quote not found needs it: a clean check does not import it

    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(q)
    best, best_start, best_ratio = "", count, -1.0

    def consider(start: int) -> None:
        nonlocal best, best_start, best_ratio
        window = " ".join(words[start : start + n])[: 2 * NEAREST_CHARS]
        matcher.set_seq1(window)
        ratio = matcher.ratio()
        if ratio > best_ratio or (ratio == best_ratio and start < best_start):
            best, best_start, best_ratio = window, start, ratio

    by_words = heapq.nlargest(NEAREST_CANDIDATES, range(count), key=lambda s: (shared_words[s], -s))
    for start in by_words:
        consider(start)
    seen = set(by_words)
    # Then, best bound first, every window that could still beat it (within the budget).
    heap = [(-bound, start) for start, bound in enumerate(bounds) if bound >= best_ratio and start not in seen]
    heapq.heapify(heap)
    budget = NEAREST_CANDIDATES
    while heap and budget:
        bound, start = heapq.heappop(heap)
        if -bound < best_ratio or (-bound == best_ratio and start > best_start):
            break
        consider(start)
        budget -= 1
    return best


def in_context(passage: str, normalised_archive: str, words: int = 4) -> str:
    """The nearest passage with up to ``words`` words of the archive either side, marked
    "…" where the archive goes on: the nearest window is as long as the quote, so the very
    word a quote got wrong can fall just outside it."""
    at = normalised_archive.find(passage) if passage else -1
    if at < 0:
        return passage
    before = normalised_archive[:at].split(" ")
    after = normalised_archive[at + len(passage) :].split(" ")
    # The split keeps the space next to the passage as an empty first or last piece.
    head = " ".join(before[-words - 1 :]) if len(before) > 1 else ""
    tail = " ".join(after[: words + 1]) if len(after) > 1 else ""
    shown = f"{head}{passage}{tail}"
    if len(before) > words + 1:
        shown = "…" + shown
    if len(after) > words + 1:
        shown += "…"
    return shown


def _window_scores(q_words: list[str], q: str, words: list[str], n: int, count: int) -> tuple[list[int], list[float]]:
    """For each window of ``n`` words: the words it shares with the quote, and an upper bound
    of its ratio to ``q`` (the letters it shares, as difflib's quick_ratio counts them)."""
    wanted_words, wanted_chars = Counter(q_words), Counter(q)
    have_words: Counter[str] = Counter()
    have_chars: Counter[str] = Counter()
    letters: dict[str, list[tuple[str, int]]] = {}  # each word's letters that the quote has
    shared_words = shared_chars = length = 0
    scores, bounds = [0] * count, [0.0] * count

    def add(word: str, step: int) -> None:
        nonlocal shared_words, shared_chars, length
        held = have_words[word]
        shared_words += min(held + step, wanted_words[word]) - min(held, wanted_words[word])
        have_words[word] = held + step
        counted = letters.get(word)
        if counted is None:
            counted = letters[word] = [(c, k) for c, k in Counter(word).items() if c in wanted_chars]
        for char, k in counted:
            held, want = have_chars[char], wanted_chars[char]
            shared_chars += min(held + step * k, want) - min(held, want)
            have_chars[char] = held + step * k
        length += step * len(word)

    for index, word in enumerate(words):
        add(word, 1)
        if index >= n:  # the word leaving the window
            add(words[index - n], -1)
        if index >= n - 1 or index == len(words) - 1 < n - 1:
            start = max(0, index - n + 1)
            # The window's text has its words and a space between each two of them.
            spaces = min(index + 1, n) - 1
            shown = min(length + spaces, 2 * NEAREST_CHARS)
            matched = shared_chars + min(spaces, wanted_chars[" "])
            scores[start] = shared_words
            bounds[start] = 2.0 * min(matched, shown) / (shown + len(q)) if shown + len(q) else 1.0
    return scores, bounds
