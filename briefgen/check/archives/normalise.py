"""The one normalisation quotes and archives are compared under, and nothing looser.

A quote copied from a browser or a PDF differs from the archived text in ways no reader
sees: Unicode compatibility forms (the ligature "ﬁ", a full-width letter), typographic
quotes and dashes, no-break and other spaces, soft hyphens and zero-width characters,
runs of white space. Those are folded, in both the quote and the archive; letters, words,
punctuation and their order must match exactly.
"""

from __future__ import annotations

import unicodedata

_TRANSLATE = str.maketrans(
    {
        # typographic single and double quotes, primes
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        # hyphens and dashes: one hyphen-minus
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        # spaces a copy brings along
        "\u00a0": " ",
        # invisible: soft hyphen, zero-width space and joiners, word joiner, BOM
        "\u00ad": None,
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
    }
)


def normalise(text: str) -> str:
    """``text`` in NFKC form, quotes and dashes plain, invisible characters gone, and each
    run of white space one space (no space at either end)."""
    if not text.isascii():  # ASCII is already in NFKC form and holds none of the above
        text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    return " ".join(text.split())


def normalise_mapped(text: str) -> tuple[str, list[int]]:
    """:func:`normalise` of ``text`` and, for each character of the result, the index in
    ``text`` of the character it came from: how the preview highlights a quote, found in
    the normalised archive, in the archive's own text.

    Characters are folded one at a time (each with the combining marks after it); where
    that differs from folding the whole text (a composition across characters NFKC makes
    and this does not), the result differs from :func:`normalise`'s and callers fall back
    to the normalised text."""
    out: list[str] = []
    origin: list[int] = []
    space = False
    index, end = 0, len(text)
    while index < end:
        after = index + 1
        while after < end and unicodedata.combining(text[after]):
            after += 1
        cluster = text[index:after]
        if not cluster.isascii():
            cluster = unicodedata.normalize("NFKC", cluster).translate(_TRANSLATE)
        for char in cluster:
            if char.isspace():
                space = bool(out)
                continue
            if space:
                out.append(" ")
                origin.append(index)
                space = False
            out.append(char)
            origin.append(index)
        index = after
    return "".join(out), origin
