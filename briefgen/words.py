"""Wording shared by messages: counts with the noun in the right number, near misses, and
the one rule for what a terminal is shown (hidden characters as visible escapes)."""

from __future__ import annotations

import unicodedata


def counted(n: int, noun: str, *, zero: str | None = None) -> str:
    """'1 error', '3 errors'; with ``zero`` ('no'), 'no errors' for none."""
    amount = zero if n == 0 and zero is not None else str(n)
    return f"{amount} {noun}{'' if n == 1 else 's'}"


def a(noun: str | None) -> str:
    """'a claim', 'an actor': the noun with its article. No noun is a claim whose kind was
    refused (the only record with a kind), never "a None"."""
    if not noun:
        return "a claim of no valid kind"
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """' (did you mean 'x'?)' when a choice is close to ``word``, else ''."""
    import difflib  # here: only a mistake needs it, and it costs every start-up

    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


# -- what a terminal is shown ----------------------------------------------------------------

#: Format characters that belong to correct spelling and cannot reorder or hide text: the
#: zero-width non-joiner and joiner (Persian, Indic scripts, emoji sequences).
_JOINERS = frozenset("\u200c\u200d")
#: Unicode categories of characters that do something other than show themselves: controls
#: (C0, DEL, C1), format characters (bidi overrides and isolates, zero-width spaces, the
#: soft hyphen, tags), lone surrogates (a file name that is not UTF-8, decoded with
#: surrogateescape) and the line and paragraph separators.
_HIDDEN_CATEGORIES = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))
_SHORT_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def is_hidden(char: str) -> bool:
    """True for a character a reader cannot see as itself (see ``_HIDDEN_CATEGORIES``):
    the one definition behind :func:`printable` and the content warning BG213."""
    return char not in _JOINERS and unicodedata.category(char) in _HIDDEN_CATEGORIES


def hidden_characters(text: str) -> list[tuple[int, str]]:
    """(index, character) of every hidden character in content text, but tab and newline,
    which a YAML block holds as layout."""
    if text.isprintable() or text.replace("\n", "").replace("\t", "").isprintable():
        return []  # the common case, in C: isprintable is False for every hidden character
    return [(i, ch) for i, ch in enumerate(text) if ch not in "\t\n" and is_hidden(ch)]


def escape_char(char: str) -> str:
    """A character written as a visible escape: ``\\x1b``, ``\\u202e``, ``\\udcff``, ``\\n``."""
    code = ord(char)
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


#: Names of the controls Unicode leaves unnamed that content most often carries.
_CONTROL_NAMES = {
    0x00: "NULL",
    0x07: "BELL",
    0x08: "BACKSPACE",
    0x0B: "LINE TABULATION",
    0x0C: "FORM FEED",
    0x0D: "CARRIAGE RETURN",
    0x1B: "ESCAPE",
    0x7F: "DELETE",
    0x85: "NEXT LINE",
    0x9B: "CONTROL SEQUENCE INTRODUCER",
}


def char_name(char: str) -> str:
    """'U+202E RIGHT-TO-LEFT OVERRIDE', 'U+001B ESCAPE', 'U+DCFF (a lone surrogate)'."""
    code = ord(char)
    name = unicodedata.name(char, "") or _CONTROL_NAMES.get(code, "")
    if not name:
        category = unicodedata.category(char)
        name = "(a lone surrogate)" if category == "Cs" else "(a control character)"
    return f"U+{code:04X} {name}"


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: every hidden character (controls, newlines and
    tabs too, bidi overrides, zero-width characters, lone surrogates) as a visible escape.

    Everything shown on a terminal passes through here (problems, status lines, reports):
    an escape sequence in a value or a file name cannot retitle the window or recolour the
    screen, a newline in a file name cannot forge a problem line, and a file name that is
    not UTF-8 prints instead of raising UnicodeEncodeError. Backslashes are left alone, so
    the text reads as written; a name that holds a literal ``\\x1b`` is harmless.
    """
    if text.isprintable():
        return text  # almost always: one pass in C
    return "".join(escape_char(ch) if is_hidden(ch) else ch for ch in text)


def _json_escape(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # JSON writes a character beyond the BMP as a surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def printable_json(value: object) -> str:
    """``value`` as indented JSON that is safe on a terminal and always encodable: hidden
    characters (the rule of :func:`printable`) are written as JSON ``\\u`` escapes, so
    a program reading it gets the exact text back, a lone surrogate (a file name that is not
    UTF-8) included; other text stays readable (not ASCII-escaped)."""
    import json  # only the commands that print JSON pay its import

    text = json.dumps(value, indent=2, ensure_ascii=False)
    if text.isprintable() or text.replace("\n", "").isprintable():
        return text
    return "".join(_json_escape(ch) if ch != "\n" and is_hidden(ch) else ch for ch in text)
