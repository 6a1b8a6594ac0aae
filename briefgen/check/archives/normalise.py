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
