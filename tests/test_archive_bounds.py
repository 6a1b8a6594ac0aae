"""Bounded work on hostile archives and quotes (issue #13): the nearest passage of a quote
that is not in its archive, and saved web pages read in a child process.

The work is counted (difflib ratio calls, text walked), never timed."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen.check import quotes
from briefgen.check.archives.normalise import normalise

REPO = Path(__file__).resolve().parents[1]
ARTICLE = normalise((REPO / "content/archive/diplomat-myanmar-minerals-deal.txt").read_text(encoding="utf-8"))


class _CountingMatcher(difflib.SequenceMatcher):  # type: ignore[type-arg]
    """difflib's matcher, counting its ratio() calls (the quadratic part)."""

    calls = 0

    def ratio(self) -> float:
        type(self).calls += 1
        return super().ratio()


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> type[_CountingMatcher]:
    _CountingMatcher.calls = 0
    monkeypatch.setattr(difflib, "SequenceMatcher", _CountingMatcher)  # quotes imports it when used
    return _CountingMatcher


def _brute_force(quote: str, archive: str) -> float:
    """The best ratio of any window of the quote's length: what the nearest passage must reach."""
    q = normalise(quote)
    words = archive.split(" ")
    n = max(1, len(q.split(" ")))
    return max(
        difflib.SequenceMatcher(None, " ".join(words[s : s + n]), q, autojunk=False).ratio()
        for s in range(max(1, len(words) - n + 1))
    )


def test_a_120_word_quote_with_every_4th_word_changed_costs_few_ratio_calls(
    counted: type[_CountingMatcher],
) -> None:
    words = ARTICLE.split(" ")[100:220]
    quote = " ".join("zanzibar" if i % 4 == 0 else w for i, w in enumerate(words))
    near = quotes.nearest_passage(quote, ARTICLE)
    assert counted.calls <= 2 * quotes.NEAREST_CANDIDATES  # was one per window: ~700
    assert near.split(" ")[1:4] == words[1:4]  # the passage the quote was taken from
    assert len(near.split(" ")) <= quotes.NEAREST_WORDS


def test_a_150_word_quote_in_a_170_kb_archive_costs_few_ratio_calls(counted: type[_CountingMatcher]) -> None:
    archive = " ".join([ARTICLE] * 34)
    assert len(archive) > 160_000
    quote = " ".join([*ARTICLE.split(" ")[300:450], "zanzibar"])
    near = quotes.nearest_passage(quote, archive)
    assert counted.calls <= 2 * quotes.NEAREST_CANDIDATES  # was one per window: ~28,000
    assert near.startswith(" ".join(ARTICLE.split(" ")[300:310]))


def test_a_quote_of_one_endless_word_is_cut_to_the_limit(counted: type[_CountingMatcher]) -> None:
    near = quotes.nearest_passage("x" * 200_000, "a " * 1000 + "x" * 300_000)
    assert counted.calls <= 2 * quotes.NEAREST_CANDIDATES
    assert len(near) <= 2 * quotes.NEAREST_CHARS


_VOCABULARY = sorted(set(ARTICLE.split(" ")))


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    archive=st.lists(st.sampled_from(_VOCABULARY), min_size=1, max_size=150),
    start=st.integers(0, 150),
    length=st.integers(1, 15),
    changed=st.sets(st.integers(0, 14), max_size=4),
    stranger=st.sampled_from(["zanzibar", "quux", "Kathmandu", "1789", "blorp"]),
)
def test_the_nearest_passage_is_the_true_nearest_on_small_cases(
    archive: list[str], start: int, length: int, changed: set[int], stranger: str
) -> None:
    """A quote taken from the archive with some words changed: no window of the archive is
    nearer (by difflib's ratio) than the passage shown."""
    start = min(start, len(archive) - 1)
    words = archive[start : start + length]
    quote = " ".join(stranger if i in changed else w for i, w in enumerate(words))
    text = " ".join(archive)
    near = quotes.nearest_passage(quote, text)
    got = difflib.SequenceMatcher(None, near, normalise(quote), autojunk=False).ratio()
    assert got == pytest.approx(_brute_force(quote, text))


# -- saved web pages ----------------------------------------------------------------------------

_PARA = "<p>The port authority said the new road would take years to build, and more.</p>\n"


def _nested_page(depth: int, size: int) -> bytes:
    """``depth`` nested ``<div id=dN>`` around ``size`` bytes of paragraphs, the last one marked."""
    body = _PARA * (size // len(_PARA)) + "<p>The very last paragraph of the page.</p>"
    opened = "".join(f'<div id="d{n}">' for n in range(depth))
    closed = "</div>" * depth
    return f"<html><head><title>T</title></head><body>{opened}<article>{body}</article>{closed}</body></html>".encode()


def test_250_nested_ids_around_2_mb_are_walked_once_and_normalised_only_when_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from briefgen.check.archives import model, web

    page = _nested_page(250, 2_000_000)
    walks: list[int] = []
    flatten = web._flatten
    monkeypatch.setattr(web, "_flatten", lambda root: walks.append(1) or flatten(root))
    normalised: list[int] = []
    monkeypatch.setattr(model, "normalise", lambda text: normalised.append(len(text)) or normalise(text))
    flat, spans = web._sections(page)
    sections = model.Sections(flat, spans)
    assert walks == [1]  # one walk of the page, not one per id (250 x 2 MB before)
    assert len(flat) < len(page)  # one copy of the text, not one per id
    assert len(sections) == 250 and "d249" in sections and "d250" not in sections
    assert normalised == []  # nothing normalised until a section is asked for
    innermost = sections["d249"]
    assert innermost.startswith("The port authority said") and innermost.endswith(
        "The very last paragraph of the page."
    )
    assert sections["d0"] == innermost
    assert len(normalised) == 2 and max(normalised) < len(page)


def test_a_nested_page_reads_and_its_ids_locate_quotes_through_check(tmp_path: Path) -> None:
    from tests.test_archives import _check, _project

    page = _nested_page(250, 20_000)
    project = _project(tmp_path, "page.html", page, "The very last paragraph of the page.", "#d200")
    assert _check(project) == (0, [])


def test_a_web_page_that_takes_too_long_is_bg130_at_the_archive_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from briefgen.build import check_project
    from briefgen.check.archives import read_archive, web
    from briefgen.facts.project import Project
    from tests.test_archives import _line, _project

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # nothing cached: the child really runs
    monkeypatch.setattr(web, "TIMEOUT", 0.01)  # a child process cannot even start in that time
    page = _nested_page(3, 5_000) + b"<!-- a page of its own -->"
    project = _project(tmp_path, "page.html", page, "The very last paragraph of the page.", "#d2")
    _, problems = check_project(Project(project))
    [hit] = [p for p in problems if p.code == "BG130"]
    assert "took longer than 0.01 s" in hit.message
    assert hit.pos.file.endswith("content/sources.yaml")
    assert hit.pos.line == _line(project, "content/sources.yaml", "archive")
    # A time-out is not kept (on disk or in the process): on a quieter machine the page is read.
    monkeypatch.setattr(web, "TIMEOUT", 30.0)
    archive = read_archive(page, ".html")
    assert archive.sections["d2"].endswith("The very last paragraph of the page.")
