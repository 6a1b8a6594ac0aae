"""Wording shared by messages: counts with the noun in the right number, near misses."""

from __future__ import annotations

import difflib


def counted(n: int, noun: str, *, zero: str | None = None) -> str:
    """'1 error', '3 errors'; with ``zero`` ('no'), 'no errors' for none."""
    amount = zero if n == 0 and zero is not None else str(n)
    return f"{amount} {noun}{'' if n == 1 else 's'}"


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """' (did you mean 'x'?)' when a choice is close to ``word``, else ''."""
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
