"""The words of analytic prose: ICD 203 likelihood terms, hedges and confidence wording.

Finding them is a job of its own (word lists, the regexes built from them, quotations
and ids masked out, a cheap substring pre-test); ``standards`` applies the rules.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import NamedTuple

from briefgen.facts.model import CONFIDENCES, LIKELIHOODS
from briefgen.facts.syntax import mask_code, might_hold_code, scan_references

#: ICD 203's two rows of likelihood terms, from the least likely to the most. The first
#: row is the one the ``likelihood`` field uses. "remote" counts only as "remote chance"
#: (or possibility...), so that "a remote region" is not an estimate.
ROW_1 = LIKELIHOODS
ROW_2 = (
    "remote",
    "highly improbable",
    "improbable",
    "roughly even odds",
    "probable",
    "highly probable",
    "nearly certain",
)
_ROW_1_FORMS = {**{t: t for t in ROW_1}, "almost certainly": "almost certain"}
_ROW_2_FORMS = {
    **{t: t for t in ROW_2 if t != "remote"},
    "improbably": "improbable",
    "probably": "probable",
    "highly probably": "highly probable",
    "nearly certainly": "nearly certain",
}
_REMOTE = r"remote(?:ly)?(?=\s+(?:chances?|possib\w+|probab\w+|likel\w+|prospects?)\b)"
#: Words that hedge a statement; the month May is not one (only lower-case "may" counts).
HEDGES = ("may", "might", "could", "possibly", "perhaps", "presumably", "conceivably")


def _alternation(terms: list[str]) -> str:
    # Longest first, so "very unlikely" wins over "unlikely" and "likely".
    return "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in sorted(terms, key=len, reverse=True))


_TERM_RE = re.compile(
    rf"\b(?:{_alternation([*_ROW_1_FORMS, *_ROW_2_FORMS])}|{_REMOTE})\b",
    re.IGNORECASE,
)
_HEDGE_RE = re.compile(rf"\b(?:{'|'.join(h for h in HEDGES if h != 'may')}|(?-i:may))\b", re.IGNORECASE)
#: "military might" is a noun, not a hedge.
#: (compiled by re on first use, in re.IGNORECASE: "might" is rare in prose)
_MIGHT_NOUN = r"(?:military|economic|naval|financial|industrial|political|its|their|his|her|our|whose|full|’s|'s)\s+$"
CONFIDENCE_RE = re.compile(
    r"\b(?:(?:high|moderate|medium|low)(?:\s+|-))?confiden(?:ce|t|tly)\b",
    re.IGNORECASE,
)
#: Every likelihood term holds one of these (lower case), and every hedge but "may" one of
#: _HEDGE_HINTS: a plain substring test rules out most prose before the regexes run,
#: which cost a few microseconds a sentence for their long alternations.
_TERM_HINTS = ("chance", "likel", "even", "certain", "remote", "probab")
_HEDGE_HINTS = ("might", "could", "possibl", "perhaps", "presumabl", "conceivabl")
_SENTENCE_END_RE = re.compile(r"[.!?](?=\s|$)")


class Term(NamedTuple):
    """A likelihood term found in prose: its ICD 203 row (1 or 2), canonical form, place."""

    row: int
    term: str
    text: str  # as written
    start: int


def canonical(text: str) -> tuple[int, str] | None:
    """(row, canonical term) for a likelihood expression as written, or None."""
    key = re.sub(r"\s+", " ", text.lower())
    if key in _ROW_1_FORMS:
        return 1, _ROW_1_FORMS[key]
    if key in _ROW_2_FORMS:
        return 2, _ROW_2_FORMS[key]
    if key.startswith("remote"):
        return 2, "remote"
    return None


#: How analysts also write a confidence level, for a did-you-mean.
_CONFIDENCE_FORMS = {"medium": "moderate", "mid": "moderate", "average": "moderate", "fair": "moderate"}


def accepted_term(value: str, choices: tuple[object, ...]) -> str | None:
    """The accepted likelihood (or confidence) closest in meaning to ``value``, which is
    not one: a second-row ICD 203 term gives the first-row term of its column ("probable"
    or "probably" -> "likely", "remote" -> "almost no chance"), "medium" gives "moderate".
    None for other fields and for words with no such twin."""
    if choices == ROW_1:
        found = canonical(value.strip())
        if found is None:
            return None
        row, term = found
        return term if row == 1 else ROW_1[ROW_2.index(term)]
    if choices == CONFIDENCES:
        return _CONFIDENCE_FORMS.get(value.strip().lower())
    return None


def _quotations(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each quotation: “...” (across lines) or "..." (within a line), as
    the regex “[^”]*”|"[^"\n]*" finds them, in linear time: prose is untrusted, and that
    regex retried from every unclosed “ to the end of the text (quadratic)."""
    pos, n = 0, len(text)
    curly_left = True  # no ” after an unclosed “ means none after any later “ either
    while pos < n:
        curly = text.find("“", pos) if curly_left else -1
        straight = text.find('"', pos)
        if curly == -1 and straight == -1:
            return
        if curly != -1 and (straight == -1 or curly < straight):
            end = text.find("”", curly + 1)
            if end == -1:
                curly_left = False
                pos = curly + 1
                continue
            yield curly, end + 1
            pos = end + 1
            continue
        end = text.find('"', straight + 1)
        newline = text.find("\n", straight + 1, end if end != -1 else n)
        if end != -1 and newline == -1:
            yield straight, end + 1
            pos = end + 1
        else:
            pos = straight + 1


def masked(text: str) -> str:
    """``text`` with quotations, code and project syntax blanked out (same length).

    Words inside quotation marks are the source's, not the analyst's: a fact may quote a
    source that says "may". Ids (``@unlikely-pass``) are not words of the prose either.
    """
    chars = list(text)

    def blank(start: int, end: int) -> None:
        for i in range(start, min(end, len(chars))):
            if chars[i] != "\n":
                chars[i] = " "

    for start, end in _quotations(text):
        blank(start, end)
    if might_hold_code(text):
        # Code as the renderer reads it (CommonMark), found in linear time.
        for i, (shown, written) in enumerate(zip(mask_code(text), text, strict=True)):
            if shown != written:
                chars[i] = " "
    for ref in scan_references(text):
        blank(ref.offset, ref.offset + len(ref.token))
    return "".join(chars)


def _folded(text: str) -> str:
    """``text`` folded as the regexes' IGNORECASE matches (dotless ı and dotted İ match i there)."""
    # casefold turns İ into i + a combining dot; the regexes take İ for i.
    return text.casefold().replace("ı", "i").replace("i\u0307", "i")


def _may_hold_term(folded: str) -> bool:
    return any(hint in folded for hint in _TERM_HINTS)


def likelihood_terms(text: str, plain: str | None = None) -> list[Term]:
    """Every ICD 203 likelihood term in ``text`` (outside quotations and ids).

    ``plain`` is ``masked(text)`` when the caller has it already. Remembered per text:
    each brief reads the terms of every claim it uses, and briefs share claims.
    """
    return list(_likelihood_terms(text, plain))


def _may_hold(text: str) -> bool:
    return _may_hold_term(_folded(text)) and bool(_TERM_RE.search(text))  # most prose has none


@functools.lru_cache(maxsize=65536)
def _likelihood_terms(text: str, plain: str | None) -> tuple[Term, ...]:
    if not _may_hold(text):
        return ()
    found = []
    for m in _TERM_RE.finditer(masked(text) if plain is None else plain):
        row_term = canonical(m.group(0))
        if row_term:
            found.append(Term(row_term[0], row_term[1], text[m.start() : m.end()], m.start()))
    return tuple(found)


def estimative_words(text: str) -> list[tuple[str, int]]:
    """(word as written, offset) of every likelihood term and hedge in ``text``."""
    lower = _folded(text)
    if not _may_hold_term(lower) and "may" not in text and not any(h in lower for h in _HEDGE_HINTS):
        return []
    if not _TERM_RE.search(text) and not _HEDGE_RE.search(text):
        return []
    plain = masked(text)
    found = [(t.text, t.start) for t in likelihood_terms(text, plain)]
    for m in _HEDGE_RE.finditer(plain):
        if m.group(0).lower() == "might" and re.search(_MIGHT_NOUN, plain[: m.start()], re.IGNORECASE):
            continue
        found.append((m.group(0), m.start()))
    return sorted(found, key=lambda f: f[1])


def sentence_around(text: str, offset: int) -> tuple[int, int]:
    """(start, end) of the sentence holding ``offset``."""
    start = 0
    for m in _SENTENCE_END_RE.finditer(text):
        if m.end() <= offset:
            start = m.end()
        else:
            return start, m.end()
    return start, len(text)
