"""The on-disk cache of where quotes stand in their archives: faster, never different."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from briefgen.check import quotes
from briefgen.check.quotecache import QuoteCache
from briefgen.check.quotes import verify_quotes
from briefgen.check.validate import validate_project
from briefgen.facts.model import FactBase
from briefgen.facts.project import Project
from tests.conftest import MINI
from tests.test_recordcache import _check  # the same check, cold, warm or uncached

#: MINI's claims with a quote not in the archive (BG112), a wrong locator (BG129) and a
#: missing one (BG215): every finding the cache keeps is exercised.
CLAIMS = (
    MINI["content/claims.yaml"]
    .replace("quote: exports fell by half in 2025", "quote: exports doubled in 2025")
    .replace("      locator: para. 1\n", "      locator: para. 2\n", 1)
    .replace("      locator: para. 3\n      quote: would take", "      quote: would take", 1)
)


def test_cached_findings_give_the_same_problems_at_the_same_places(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    project = make_project({"content/claims.yaml": CLAIMS})
    cache_home = tmp_path / "cache"
    cold = _check(project, cache_home)
    assert list(cache_home.rglob("quotes/*.bin")), "the first run should keep where the quotes stand"
    warm = _check(project, cache_home)
    uncached = _check(project, cache_home, use_cache=False)
    assert cold == warm == uncached
    assert {p["code"] for p in warm} >= {"BG112", "BG129", "BG215"}


@pytest.fixture
def checked(make_project: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FactBase:
    monkeypatch.setenv("BRIEFGEN_NO_CACHE", "1")  # the records cache is not what is tested here
    base, _ = validate_project(Project(make_project({"content/claims.yaml": CLAIMS})))
    return base


def _searches(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The quotes searched for in an archive from now on."""
    searched: list[str] = []
    locate = quotes.locate

    def counting(quote: str, archive: quotes.Archive) -> list[str]:
        searched.append(quote)
        return locate(quote, archive)

    monkeypatch.setattr(quotes, "locate", counting)
    return searched


def test_an_archive_checked_before_is_not_searched_again(
    checked: FactBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = QuoteCache(tmp_path)
    searched = _searches(monkeypatch)
    first = verify_quotes(checked, "harbour-report", cache=cache)
    assert len(searched) == len(first) == 3  # the ministry's quote too: it is known via the report
    again = verify_quotes(checked, "harbour-report", cache=QuoteCache(tmp_path))
    assert len(searched) == 3, "every finding should come from the cache"
    assert again == first
    assert [r.found for r in again] == [("para. 1",), (), ("para. 3",)]
    assert [r.locator_matches for r in again] == [False, False, False]


def test_a_changed_quote_or_locator_searches_its_archive_again(
    checked: FactBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    verify_quotes(checked, "harbour-report", cache=QuoteCache(tmp_path))
    searched = _searches(monkeypatch)
    cite = checked.claims["road-slow"].sources[0]
    cite.locator = "para. 3"
    fixed = verify_quotes(checked, "harbour-report", cache=QuoteCache(tmp_path))
    assert len(searched) == 3
    assert [r.locator_matches for r in fixed] == [False, False, True]
    cite.quote = "the new road “would take years to build.”"
    moved = verify_quotes(checked, "harbour-report", cache=QuoteCache(tmp_path))
    assert len(searched) == 6
    assert moved[2].found == ("para. 3",)


def test_a_damaged_entry_is_searched_again(checked: FactBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = verify_quotes(checked, "harbour-report", cache=QuoteCache(tmp_path))
    (entry,) = tmp_path.glob("*.bin")
    entry.write_bytes(entry.read_bytes()[:-3] + b"xyz")
    searched = _searches(monkeypatch)
    assert verify_quotes(checked, "harbour-report", cache=QuoteCache(tmp_path)) == first
    assert len(searched) == 3


def test_an_archive_of_unknown_origin_is_not_cached(
    checked: FactBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = quotes.Archive(checked.archives["harbour-report"].format, checked.archives["harbour-report"].passages)
    verify_quotes(checked, "harbour-report", archive, cache=QuoteCache(tmp_path))
    assert not list(tmp_path.glob("*.bin"))
