"""The preview's index page, rendered in-process from a snapshot (no server, no browser)."""

from __future__ import annotations

from importlib import resources
from typing import Any

from briefgen.errors import Pos, Problem
from briefgen.preview.index import index_page, index_rows
from briefgen.preview.rebuild import Snapshot
from tests.htmlread import NS, parse, text_of

HOSTILE = "<script>alert(1)</script> & <b>co</b>"
BRIEF_FILE = "/p/content/briefs/hostile.yaml"


def _snapshot(*problems: Problem) -> Snapshot:
    titles = {
        "zeta": ("Plain title", "", "/p/content/briefs/zeta.yaml"),
        "hostile-one": (HOSTILE, "1 May 2025", BRIEF_FILE),
    }
    return Snapshot(version=3, titles=titles, problems=problems)


def _problem(file: str, code: str = "BG101") -> Problem:
    return Problem(Pos(file, 2, 1), code, "something <em>wrong</em>")


def _rows(page: Any) -> list[list[Any]]:
    return [list(tr.iter(f"{NS}td")) for tr in page.iter(f"{NS}tr") if tr.find(f"{NS}td") is not None]


def test_hostile_titles_and_folder_names_stay_escaped() -> None:
    html = index_page(_snapshot(), '<img src=x onerror="alert(2)">').decode("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;co&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html
    assert html.count("<script") == 1  # only the page's own reload script
    page = parse(html)
    assert [el.tag for el in page.iter(f"{NS}img")] == []
    assert [el.tag for el in page.iter(f"{NS}b")] == []
    assert text_of(page.find(f".//{NS}h1")) == 'Briefs in <img src=x onerror="alert(2)">'


def test_rows_are_sorted_with_links_dates_and_problem_counts() -> None:
    problems = (_problem(BRIEF_FILE), _problem(BRIEF_FILE, "BG102"), _problem("/p/content/claims/x.yaml"))
    page = parse(index_page(_snapshot(*problems), "proj").decode("utf-8"))
    rows = _rows(page)
    assert [text_of(td) for td in rows[0]] == [HOSTILE, "1 May 2025", "2", "PDF"]
    assert [text_of(td) for td in rows[1]] == ["Plain title", "", "0", "PDF"]
    hrefs = [a.get("href") for row in rows for td in row for a in td.iter(f"{NS}a")]
    assert hrefs == [
        "/hostile-one.html",
        "/hostile-one.pdf",
        "/zeta.html",
        "/zeta.pdf",
    ]
    summary = page.find(f".//{NS}p")
    assert text_of(summary) == "3 problems in the fact base" and summary.get("class") == "bad"
    assert [(r.ident, r.count) for r in index_rows(_snapshot(*problems))] == [("hostile-one", 2), ("zeta", 0)]


def test_a_clean_fact_base_says_so_and_the_page_reloads_on_rebuilds() -> None:
    html = index_page(_snapshot(), "proj").decode("utf-8")
    page = parse(html)
    summary = page.find(f".//{NS}p")
    assert text_of(summary) == "No problems in the fact base" and summary.get("class") == ""
    assert page.find(f".//{NS}body").get("data-index") == "1"
    # The script is the preview's own file, not inline (its Content-Security-Policy runs none).
    tag = page.find(f".//{NS}script")
    assert tag.get("src") == "/_preview/index.js" and text_of(tag) == ""
    script = (resources.files("briefgen.preview") / "page" / "index.js").read_text(encoding="utf-8")
    assert 'new EventSource("/_preview/events").addEventListener("state"' in script
    assert "location.reload()" in script
    style = text_of(page.find(f".//{NS}style"))
    assert ".bad { color: #b3261e; }" in style
    assert "{%" not in html and "{{" not in html and "{#" not in html  # nothing of the template leaks


def test_an_empty_project_has_a_header_row_and_no_briefs() -> None:
    page = parse(index_page(Snapshot(), "empty").decode("utf-8"))
    assert _rows(page) == []
    assert [text_of(th) for th in page.iter(f"{NS}th")] == ["Brief", "Date", "Problems", "PDF"]
