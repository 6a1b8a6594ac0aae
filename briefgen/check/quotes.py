"""Quote verification: does a quote stand, word for word, in a source's archived text?"""

from __future__ import annotations

import difflib
import unicodedata

_TRANSLATE = str.maketrans(
    {
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
        "\u00a0": " ",
        "\u2010": "-",
        "\u2011": "-",
    }
)


def normalise(text: str) -> str:
    """Fold the differences a copy-paste introduces: Unicode form, typographic quotes, spaces."""
    if not text.isascii():  # ASCII is already in NFKC form, and holds no typographic quotes
        text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    return " ".join(text.split())


def quote_in(quote: str, normalised_archive: str) -> bool:
    """True when ``quote`` occurs in the (already normalised) archive text."""
    return normalise(quote) in normalised_archive


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
