"""Wording shared by messages: counts with the noun in the right number."""

from __future__ import annotations


def counted(n: int, noun: str, *, zero: str | None = None) -> str:
    """'1 error', '3 errors'; with ``zero`` ('no'), 'no errors' for none."""
    amount = zero if n == 0 and zero is not None else str(n)
    return f"{amount} {noun}{'' if n == 1 else 's'}"
