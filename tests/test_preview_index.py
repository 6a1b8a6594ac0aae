"""The preview's own pages, rendered in-process from a snapshot (no server, no browser), and
the previewer's account of which drafts are out of date."""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path
from typing import Any

from briefgen.errors import Pos, Problem, errors_in
from briefgen.facts.project import Project
from briefgen.preview.index import NOTICE_PROBLEMS, index_page, index_rows, stale_page
from briefgen.preview.rebuild import Previewer, Snapshot
from tests.htmlread import NS, parse, text_of

HOSTILE = "<script>alert(1)</script> & <b>co</b>"
BRIEF_FILE = "/p/content/briefs/hostile.yaml"
FULL, SUMMARY = "myanmar-rare-earths", "myanmar-rare-earths-summary"


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
    assert text_of(summary) == "3 problems in the project" and summary.get("class") == "bad"
    assert [(r.ident, r.count) for r in index_rows(_snapshot(*problems))] == [("hostile-one", 2), ("zeta", 0)]


def test_a_clean_fact_base_says_so_and_the_page_reloads_on_rebuilds() -> None:
    html = index_page(_snapshot(), "proj").decode("utf-8")
    page = parse(html)
    summary = page.find(f".//{NS}p")
    assert text_of(summary) == "No problems in the project" and summary.get("class") == ""
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


def test_a_problem_in_a_file_a_brief_draws_from_counts_against_it_and_stale_briefs_are_marked() -> None:
    claims = "/p/content/claims/x.yaml"
    snapshot = Snapshot(
        version=4,
        titles=_snapshot().titles,
        pages={"zeta": b"<p>draft</p>", "hostile-one": b"<p>draft</p>"},
        problems=(_problem(claims), _problem("/p/content/sources.yaml", "BG104")),
        stale=frozenset({"zeta", "hostile-one"}),
        drawn_from={"zeta": frozenset({"/p/content/briefs/zeta.yaml", claims})},
    )
    # The sources.yaml problem is in no brief's files: it counts against each out-of-date brief.
    assert [(r.ident, r.count, r.stale) for r in index_rows(snapshot)] == [("hostile-one", 1, True), ("zeta", 2, True)]
    page = parse(index_page(snapshot, "proj").decode("utf-8"))
    rows = _rows(page)
    assert [text_of(row[0]) for row in rows] == [f"{HOSTILE} (out of date)", "Plain title (out of date)"]
    notice = page.find(f".//{NS}p[@id='stale']")
    assert "The last save broke the build" in text_of(notice) and notice.get("class") == "bad"
    assert text_of(page.find(f".//{NS}p")) == "2 problems in the project"


def test_a_current_draft_is_not_marked_and_errors_are_told_apart_from_warnings() -> None:
    warning = Problem(Pos("/p/content/claims/x.yaml", 3, 1), "BG203", "a warning", severity="warning")
    snapshot = Snapshot(version=2, titles=_snapshot().titles, problems=(_problem(BRIEF_FILE), warning))
    page = parse(index_page(snapshot, "proj").decode("utf-8"))
    assert page.find(f".//{NS}p[@id='stale']") is None
    assert all("out of date" not in text_of(row[0]) for row in _rows(page))
    assert text_of(page.find(f".//{NS}p")) == "2 problems (1 error) in the project"


def test_the_out_of_date_pdf_notice_lists_the_errors_escaped_and_links_the_last_good_pdf() -> None:
    problems = tuple(_problem(f"/p/content/claims/c{n}.yaml") for n in range(NOTICE_PROBLEMS + 3))
    snapshot = Snapshot(
        version=5,
        titles=_snapshot().titles,
        pages={"hostile-one": b"<p>last good</p>"},
        problems=problems,
        stale=frozenset({"hostile-one"}),
    )
    html = stale_page(snapshot, "hostile-one").decode("utf-8")
    page = parse(html)
    assert text_of(page.find(f".//{NS}h1")) == "hostile-one.pdf is out of date"
    assert HOSTILE in text_of(page.find(f".//{NS}p")) and "<b>" not in html and "<em>wrong" not in html
    assert page.find(f".//{NS}p/{NS}bdi") is not None  # a right-to-left mark stays inside the title
    listed = text_of(page.find(f".//{NS}pre"))
    assert "/p/content/claims/c0.yaml:2:1: error[BG101]: something <em>wrong</em>" in listed
    assert f"c{NOTICE_PROBLEMS - 1}.yaml" in listed and f"c{NOTICE_PROBLEMS}.yaml" not in listed
    assert "… and 3 more (the terminal lists every one)" in listed
    assert page.find(f".//{NS}a[@id='last-good']").get("href") == "/hostile-one.pdf?last-good"
    assert page.find(f".//{NS}script").get("src") == "/_preview/index.js"  # reloads into the PDF once fixed


def test_the_previewer_marks_only_the_brief_a_save_broke_and_clears_it_on_the_fix(example_copy: Path) -> None:
    """A template error at render time breaks one brief: its last good draft stays served,
    marked out of date; the other brief is current. The fix clears the mark."""
    template = example_copy / "templates" / "layout.html.j2"  # the frame both briefs extend
    template.write_text(
        template.read_text(encoding="utf-8") + "{% if 'BREAK' in brief.title %}{{ no_such_name }}{% endif %}\n",
        encoding="utf-8",
    )
    previewer = Previewer(Project(example_copy), log=io.StringIO())
    first = previewer.rebuild()
    assert first.stale == frozenset() and set(first.pages) == {FULL, SUMMARY}
    brief = example_copy / "content" / "briefs" / f"{FULL}.yaml"
    good = brief.read_text(encoding="utf-8")
    brief.write_text(good.replace('title: "Myanmar’s', 'title: "BREAK Myanmar’s'), encoding="utf-8")
    broken = previewer.rebuild()
    assert broken.stale == frozenset({FULL}) and broken.pages[FULL] == first.pages[FULL]
    rows = {r.ident: r for r in index_rows(broken)}
    assert rows[FULL].stale and rows[FULL].count >= 1 and not rows[SUMMARY].stale
    # The claims a brief cites are files it draws from: a problem there counts against it.
    assert any("/claims/" in f for f in broken.drawn_from[SUMMARY])
    brief.write_text(good, encoding="utf-8")
    fixed = previewer.rebuild()
    assert fixed.stale == frozenset() and all(not r.stale and r.count == 0 for r in index_rows(fixed))


def test_a_brief_the_save_broke_before_it_was_ever_drawn_says_so_and_offers_no_last_good_pdf() -> None:
    snapshot = Snapshot(
        version=2, titles=_snapshot().titles, problems=(_problem(BRIEF_FILE),), stale=frozenset({"zeta"})
    )
    rows = _rows(parse(index_page(snapshot, "proj").decode("utf-8")))
    assert text_of(rows[1][0]) == "Plain title (not drawn: see the problems)"
    for kind in ("html", "pdf"):
        page = parse(stale_page(snapshot, "zeta", kind).decode("utf-8"))
        assert text_of(page.find(f".//{NS}h1")) == f"zeta.{kind} is out of date"
        assert page.find(f".//{NS}a[@id='last-good']") is None


def test_the_notice_says_when_the_last_good_pdf_cannot_be_laid_out_again() -> None:
    snapshot = Snapshot(
        version=2,
        titles=_snapshot().titles,
        pages={"zeta": b"<p>last good</p>"},
        problems=(_problem(BRIEF_FILE),),
        stale=frozenset({"zeta"}),
    )
    unmade = (Problem(Pos("/p/templates/summary.html.j2", 5, 1), "BG303", "template error"),)
    page = parse(stale_page(snapshot, "zeta", "pdf", unmade).decode("utf-8"))
    assert "cannot be laid out again now" in text_of(page.find(f".//{NS}p[@id='no-last-good']"))
    assert "summary.html.j2:5:1" in text_of(page.findall(f".//{NS}pre")[1])
    assert page.find(f".//{NS}a[@id='last-good']") is None


def test_a_brief_kept_through_a_failed_render_is_compared_with_the_base_its_draft_was_made_from(
    example_copy: Path,
) -> None:
    """A brief that fails to render keeps its last good plan; an entity renamed meanwhile
    must still show once the brief renders again (not be taken for unchanged because the
    failed rebuild's base already had the new name)."""
    template = example_copy / "templates" / "layout.html.j2"
    template.write_text(
        template.read_text(encoding="utf-8") + "{% if 'BREAK' in brief.title %}{{ no_such_name }}{% endif %}\n",
        encoding="utf-8",
    )
    previewer = Previewer(Project(example_copy), log=io.StringIO())
    previewer.rebuild()
    brief = example_copy / "content" / "briefs" / f"{FULL}.yaml"
    actors = example_copy / "content" / "actors.yaml"
    good_brief = brief.read_text(encoding="utf-8")
    brief.write_text(good_brief.replace('title: "Myanmar’s', 'title: "BREAK Myanmar’s'), encoding="utf-8")
    assert previewer.rebuild().stale == frozenset({FULL})
    actors.write_text(
        actors.read_text(encoding="utf-8").replace("name: Kachin Independence Army", "name: Kachin Freedom Army"),
        encoding="utf-8",
    )
    assert previewer.rebuild().stale == frozenset({FULL})
    brief.write_text(good_brief, encoding="utf-8")
    fixed = previewer.rebuild()
    assert fixed.stale == frozenset() and FULL in fixed.rebuilt
    assert "Kachin Freedom Army" in fixed.pages[FULL].decode("utf-8")


def test_a_problem_in_no_briefs_files_counts_against_every_out_of_date_brief() -> None:
    snapshot = Snapshot(
        version=3,
        titles=_snapshot().titles,
        pages={"zeta": b"<p>draft</p>", "hostile-one": b"<p>draft</p>"},
        problems=(_problem("/p/briefgen.yaml", "BG105"),),
        stale=frozenset({"zeta"}),
    )
    assert [(r.ident, r.count) for r in index_rows(snapshot)] == [("hostile-one", 0), ("zeta", 1)]


def _break_layout_for(example_copy: Path, marker: str) -> None:
    template = example_copy / "templates" / "layout.html.j2"
    template.write_text(
        template.read_text(encoding="utf-8")
        + f"{{% if '{marker}' in brief.title %}}{{{{ no_such_name }}}}{{% endif %}}\n",
        encoding="utf-8",
    )


def test_a_brief_a_template_breaks_stays_out_of_date_through_unrelated_saves(example_copy: Path) -> None:
    brief = example_copy / "content" / "briefs" / f"{FULL}.yaml"
    brief.write_text(
        brief.read_text(encoding="utf-8").replace('title: "Myanmar’s', 'title: "BREAK Myanmar’s'), encoding="utf-8"
    )
    previewer = Previewer(Project(example_copy), log=io.StringIO())
    assert previewer.rebuild().stale == frozenset()
    _break_layout_for(example_copy, "BREAK")  # a template save that breaks that brief only
    assert previewer.rebuild(templates_changed=True).stale == frozenset({FULL})
    places = example_copy / "content" / "places.yaml"
    places.write_text(places.read_text(encoding="utf-8") + "# an unrelated save\n", encoding="utf-8")
    again = previewer.rebuild()
    assert again.stale == frozenset({FULL}) and errors_in(list(again.problems))  # still broken, still said


def test_a_template_saved_while_the_build_is_broken_is_rendered_once_it_is_fixed(example_copy: Path) -> None:
    previewer = Previewer(Project(example_copy), log=io.StringIO())
    previewer.rebuild()
    claims = example_copy / "content" / "claims" / "kia.yaml"
    good = claims.read_text(encoding="utf-8")
    claims.write_text(good + "  : [broken\n", encoding="utf-8")
    assert previewer.rebuild().stale == frozenset({FULL, SUMMARY})
    template = example_copy / "templates" / "summary.html.j2"
    template.write_text(template.read_text(encoding="utf-8").replace("<style>", "<style>/* MARKER */", 1))
    assert previewer.rebuild(templates_changed=True).stale == frozenset({FULL, SUMMARY})  # still broken
    claims.write_text(good, encoding="utf-8")
    fixed = previewer.rebuild()  # a content save: the template change is not forgotten
    assert fixed.stale == frozenset() and b"MARKER" in fixed.pages[SUMMARY]


def test_a_record_moved_to_another_file_counts_its_problems_where_it_is_now(example_copy: Path) -> None:
    """A kept plan's records compare equal after a move (positions do not count): the
    files a draft draws from are read from the current base."""
    previewer = Previewer(Project(example_copy), log=io.StringIO())
    previewer.rebuild()
    claims = example_copy / "content" / "claims"
    (claims / "kia.yaml").rename(claims / "kia-moved.yaml")
    moved = previewer.rebuild()
    assert FULL not in moved.rebuilt  # nothing it shows changed
    assert any(f.endswith("kia-moved.yaml") for f in moved.drawn_from[FULL])
    assert not any(f.endswith("/kia.yaml") for f in moved.drawn_from[FULL])


def test_the_terminal_says_when_a_save_fixes_the_build(example_copy: Path) -> None:
    log = io.StringIO()
    previewer = Previewer(Project(example_copy), log=log)
    previewer.rebuild()
    claims = example_copy / "content" / "claims" / "kia.yaml"
    good = claims.read_text(encoding="utf-8")
    claims.write_text(good + "  : [broken\n", encoding="utf-8")
    previewer.rebuild()
    assert log.getvalue().rstrip().endswith("1 error; serving the last good drafts")
    claims.write_text(good, encoding="utf-8")  # the very bytes the drafts were made from
    previewer.rebuild()
    assert log.getvalue().rstrip().endswith("briefgen preview: errors fixed; the drafts are current")
