"""The value grammars (ids, dates, link schemes) and the JSON Schema regexes built from them."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from briefgen.facts.grammar import (
    DATE_JSON_PATTERN,
    SAFE_URL_SCHEMES,
    SLUG_RE,
    URL_JSON_PATTERN,
    parse_date,
    slugify,
)
from briefgen.facts.model import PartialDate
from briefgen.facts.syntax import link_allowed


@pytest.mark.parametrize(
    ("text", "fallback", "slug"),
    [("Chipwe & Pangwa", "", "chipwe-pangwa"), ("  KIA--2024 ", "", "kia-2024"), ("§§", "section", "section")],
)
def test_slugify_makes_ids(text: str, fallback: str, slug: str) -> None:
    assert slugify(text, fallback) == slug
    assert SLUG_RE.match(slug)


@pytest.mark.parametrize(
    ("value", "date"),
    [
        ("2025", PartialDate(2025)),
        (" 2025-3 ", PartialDate(2025, 3)),
        ("2025-03-01", PartialDate(2025, 3, 1)),
        (2024, PartialDate(2024)),
        (dt.date(2024, 2, 29), PartialDate(2024, 2, 29)),
        ({"date-parts": [[2024, 10]]}, PartialDate(2024, 10)),
        ("2025-13", None),
        ("2025-02-30", None),
        ("25-03-01", None),
        ("March 2025", None),
        (True, None),
    ],
)
def test_parse_date(value: object, date: PartialDate | None) -> None:
    assert parse_date(value) == date


@pytest.mark.parametrize("text", ["2025", " 2025-3 ", "2025-03-01", "2025-13", "25-03-01", "2025-03-01x", "2025-"])
def test_the_schema_date_pattern_follows_the_grammar(text: str) -> None:
    # The schema cannot know month lengths; apart from those it accepts what the validator does.
    shape_ok = re.fullmatch(r"\s*\d{4}(-\d{1,2}(-\d{1,2})?)?\s*", text) is not None
    assert (re.search(DATE_JSON_PATTERN, text) is not None) == shape_ok
    if parse_date(text) is not None:
        assert re.search(DATE_JSON_PATTERN, text)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/a",
        "HTTP://example.org",
        "mailto:desk@example.org",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,x",
        "ftp://example.org",
    ],
)
def test_one_list_of_link_schemes(url: str) -> None:
    safe = url.split(":", 1)[0].lower() in SAFE_URL_SCHEMES
    assert (re.search(URL_JSON_PATTERN, url) is not None) == safe
    assert link_allowed(url) == safe


@pytest.mark.parametrize("value", ["0000", "0000-06", "0000-01-01", 0, {"date-parts": [[0]]}, {"date-parts": [[0, 5]]}])
def test_there_is_no_year_zero(value: object) -> None:
    # PartialDate(0) would pass the grammar and crash later in any date arithmetic.
    assert parse_date(value) is None


def test_year_one_and_year_9999_are_dates() -> None:
    assert parse_date("0001") == PartialDate(1)
    assert parse_date("9999-12-31") == PartialDate(9999, 12, 31)
