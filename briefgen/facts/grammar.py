"""The small grammars content values follow, each written once: ids, dates, link schemes.

The validator checks values with these, the JSON Schema for editors is built from them
(as JSON Schema regexes, which have no flags), and the prose syntax, the importer and the
citation plan use the same ids.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from briefgen.facts.model import PartialDate

# -- ids ---------------------------------------------------------------------------------

#: An id: lowercase letters and digits in words joined by single hyphens.
SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
SLUG_RE = re.compile(rf"^{SLUG}$")


def slugify(text: str, fallback: str = "") -> str:
    """``text`` as an id (``"Chipwe & Pangwa"`` -> ``"chipwe-pangwa"``); ``fallback`` when
    nothing of it is left."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or fallback


# -- dates -------------------------------------------------------------------------------

#: A date as content writes it: YYYY, YYYY-MM or YYYY-MM-DD (a month or day of one digit too).
DATE = r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?"
_DATE_RE = re.compile(rf"^{DATE}$")
#: The same for JSON Schema, where the validator's stripping of spaces must be spelled out.
DATE_JSON_PATTERN = rf"^\s*{DATE}\s*$"
#: How the date grammar is told to a user, in hints and in the schema's descriptions.
DATE_FORMS = "YYYY, YYYY-MM or YYYY-MM-DD"
#: The years a date may name (Python's dates, and the calendar, have no year 0).
YEARS = (1, 9999)


def parse_date(value: Any) -> PartialDate | None:
    """A PartialDate from YAML (``2025``, ``"2025-03"``, a date, CSL date-parts), or None."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return PartialDate(value) if YEARS[0] <= value <= YEARS[1] else None
    if isinstance(value, dict) and set(value) == {"date-parts"}:
        parts = value["date-parts"]
        if isinstance(parts, list) and len(parts) == 1 and isinstance(parts[0], list):
            parts = parts[0]
        if not isinstance(parts, list) or not 1 <= len(parts) <= 3:
            return None
        try:
            nums = [int(p) for p in parts]
        except (TypeError, ValueError):
            return None
        value = "-".join(f"{n:02d}" if i else f"{n:04d}" for i, n in enumerate(nums))
    if isinstance(value, str):
        m = _DATE_RE.match(value.strip())
        if not m:
            return None
        year, month, day = (int(g) if g else None for g in m.groups())
        assert year is not None
        if year < 1:
            return None  # there is no year 0 (1 BC is followed by AD 1), nor room for it in dates
        try:
            if day is not None:
                dt.date(year, month or 1, day)
            elif month is not None and not 1 <= month <= 12:
                return None
        except ValueError:
            return None
        return PartialDate(year, month, day)
    return None


# -- file names ---------------------------------------------------------------------------

#: The longest path a field may name a file by, and the longest name of one of its parts
#: (in UTF-8 bytes, as Linux and macOS count them).
MAX_PATH_CHARS = 1024
MAX_NAME_BYTES = 255


def path_problem(text: str) -> str | None:
    """What is wrong with a path a field names a file by, before it reaches the file
    system (which raises on a NUL byte or a name too long); None when nothing is."""
    bad = next((c for c in text if ord(c) < 32 or ord(c) == 127), None)
    if bad is not None:
        return "holds a NUL byte (U+0000)" if bad == "\0" else f"holds the control character U+{ord(bad):04X}"
    if len(text) > MAX_PATH_CHARS:
        return f"is {len(text):,} characters long; a path may have at most {MAX_PATH_CHARS:,}"
    longest = max(re.split(r"[/\\]", text), key=lambda part: len(part.encode("utf-8")))
    size = len(longest.encode("utf-8"))
    if size > MAX_NAME_BYTES:
        return f"has a file or folder name of {size:,} bytes; a name may have at most {MAX_NAME_BYTES}"
    return None


#: A brief's ``template:``: the name of a file ``templates/NAME.html.j2``, no folder (a
#: partial or a path is refused), lowercase letters, digits, ``-`` and ``_``.
TEMPLATE_NAME = r"[a-z0-9][a-z0-9_-]{0,99}"
TEMPLATE_NAME_RE = re.compile(rf"^{TEMPLATE_NAME}$")
#: What a brief template's file name adds to its name.
TEMPLATE_SUFFIX = ".html.j2"
#: The ending of every file a check parses as a template (templates, partials, macros).
TEMPLATE_FILE_ENDING = ".j2"


# -- links -------------------------------------------------------------------------------

#: The URL schemes content may link to: in a source's URL and in prose (where ``#anchors``
#: in the document are allowed too). Anything else (javascript:, data:, file:, vbscript:,
#: relative paths...) is refused.
SAFE_URL_SCHEMES = ("http", "https", "mailto")


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)


#: A URL with one of the safe schemes, for JSON Schema (any case, as the validator reads it).
URL_JSON_PATTERN = r"^\s*(" + "|".join(_any_case(s) for s in SAFE_URL_SCHEMES) + "):"
