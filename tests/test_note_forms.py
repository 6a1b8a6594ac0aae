"""Chicago 18 notes-bibliography forms, one worked example per CSL type analysts cite.

Each source below is read through the loader and validator (so the CSL keys are the ones a
Zotero export writes); the three macros of ``partials/cite.html.j2`` (``full``, ``short``
and ``entry``) are then called as the templates call them. The expected strings are
written by hand from the Chicago Manual's patterns (17th/18th ed., chapter 14), in the
project's day-month-year dates; ``<i>`` is italics. Sample data, not facts.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from briefgen.check.validate import validate_project
from briefgen.errors import errors_in
from briefgen.facts.model import FactBase
from briefgen.facts.project import Project, packaged_templates
from briefgen.render.html import environment, render_html
from briefgen.render.plan import plan_brief
from tests.conftest import MINI

SOURCES = """\
- id: journal
  type: article-journal
  title: Ore, Roads and Rebels in the Kachin Hills
  title-short: Ore, Roads and Rebels
  author: [{family: Doe, given: Jane}, {family: Roe, given: Richard}]
  container-title: Journal of Border Studies
  volume: "12"
  issue: "3"
  page: 201–30
  issued: 2024-05
  DOI: 10.1234/jbs.2024.12
- id: journal-three
  type: article-journal
  title: Three Hands
  author: [{family: Ash, given: Al}, {family: Birch, given: Bea}, {family: Cedar, given: Cy}]
  container-title: Forest Review
  volume: "4"
  issued: 2020
- id: book
  type: book
  title: "Rare Earths: A History"
  title-short: Rare Earths
  author: [{family: Lee, given: Min}]
  editor: [{family: Park, given: Soo}]
  edition: "2"
  publisher-place: Chicago
  publisher: University of Chicago Press
  issued: 2021
- id: edited-book
  type: book
  title: Frontier Economies
  editor: [{family: Smith, given: Ann}, {family: Jones, given: Bo}]
  publisher-place: London
  publisher: Routledge
  issued: 2019
- id: chapter
  type: chapter
  title: Jade and Power
  author: [{family: Tun, given: Aung}]
  container-title: Frontier Economies
  editor: [{family: Smith, given: Ann}, {family: Jones, given: Bo}]
  page: 33–58
  publisher-place: London
  publisher: Routledge
  issued: 2019
- id: report
  type: report
  title: Myanmar’s Rare Earth Boom
  author: [{literal: International Crisis Group}]
  genre: Asia Report
  number: "312"
  publisher-place: Brussels
  publisher: International Crisis Group
  issued: 2024-03-12
  URL: https://example.org/report
- id: webpage
  type: webpage
  title: Rare Earth Elements
  container-title: Mineral Facts
  accessed: 2025-01-15
  URL: https://example.org/ree
- id: newspaper
  type: article-newspaper
  title: Rebels Seize Mining Belt
  author: [{family: Htun, given: Nang}]
  container-title: Irrawaddy Times
  issued: 2024-10-20
  URL: https://example.org/news
- id: magazine
  type: article-magazine
  title: The Ore Trail
  author: [{family: Mar, given: Thida}]
  container-title: Frontier Monthly
  issued: 2023-07
- id: interview
  type: interview
  author: [{family: Naw, given: Seng}]
  interviewer: [{family: Doe, given: Jane}]
  container-title: Frontier Radio
  issued: 2024-06-02
- id: email
  type: personal_communication
  author: [{family: Roe, given: Richard}]
  genre: email message
  recipient: [{literal: the author}]
  issued: 2025-02-03
- id: dataset
  type: dataset
  title: Border Trade Flows, 2015–2024
  author: [{literal: Ministry of Commerce}]
  medium: dataset
  version: "2.1"
  publisher: Open Data Portal
  issued: 2025
  DOI: 10.5555/btf.2
- id: case
  type: legal_case
  title: Brown v. Board of Education
  title-short: Brown
  volume: "347"
  container-title: U.S.
  page: "483"
  issued: 1954
- id: circuit-case
  type: legal_case
  title: United States v. Doe
  title-short: Doe
  volume: "123"
  container-title: F.3d
  page: "456"
  authority: 2d Cir.
  issued: 1997
- id: statute
  type: legislation
  title: Clean Air Act
  volume: "42"
  container-title: U.S.C.
  section: "7401"
  issued: 1970
- id: broadcast
  type: broadcast
  title: The Jade Road
  container-title: Asia Tonight
  medium: radio broadcast
  publisher: BBC World Service
  issued: 2023-11-08
  URL: https://example.org/bcast
"""


def a(url: str) -> str:
    return f'<a href="{url}">{url}</a>'


#: source id -> (locator for the notes, full note, short note, bibliography entry)
FORMS: dict[str, tuple[str | None, str, str, str]] = {
    "journal": (
        "205",
        "Jane Doe and Richard Roe, “Ore, Roads and Rebels in the Kachin Hills,” <i>Journal of Border Studies</i> "
        f"12, no. 3 (May 2024): 205, {a('https://doi.org/10.1234/jbs.2024.12')}",
        "Doe and Roe, “Ore, Roads and Rebels,” 205",
        "Doe, Jane, and Richard Roe. “Ore, Roads and Rebels in the Kachin Hills.” <i>Journal of Border Studies</i> "
        f"12, no. 3 (May 2024): 201–30. {a('https://doi.org/10.1234/jbs.2024.12')}.",
    ),
    "journal-three": (
        "9",
        "Al Ash et al., “Three Hands,” <i>Forest Review</i> 4 (2020): 9",
        "Ash et al., “Three Hands,” 9",
        "Ash, Al, Bea Birch, and Cy Cedar. “Three Hands.” <i>Forest Review</i> 4 (2020).",
    ),
    "book": (
        "45",
        "Min Lee, <i>Rare Earths: A History</i>, ed. Soo Park, 2nd ed. (Chicago: University of Chicago Press, "
        "2021), 45",
        "Lee, <i>Rare Earths</i>, 45",
        "Lee, Min. <i>Rare Earths: A History</i>. Edited by Soo Park. 2nd ed. Chicago: University of Chicago Press, "
        "2021.",
    ),
    "edited-book": (
        "12",
        "Ann Smith and Bo Jones, eds., <i>Frontier Economies</i> (London: Routledge, 2019), 12",
        "Smith and Jones, <i>Frontier Economies</i>, 12",
        "Smith, Ann, and Bo Jones, eds. <i>Frontier Economies</i>. London: Routledge, 2019.",
    ),
    "chapter": (
        "40",
        "Aung Tun, “Jade and Power,” in <i>Frontier Economies</i>, ed. Ann Smith and Bo Jones (London: Routledge, "
        "2019), 40",
        "Tun, “Jade and Power,” 40",
        "Tun, Aung. “Jade and Power.” In <i>Frontier Economies</i>, edited by Ann Smith and Bo Jones, 33–58. London: "
        "Routledge, 2019.",
    ),
    "report": (
        "7",
        "International Crisis Group, <i>Myanmar’s Rare Earth Boom</i>, Asia Report no. 312 (Brussels: International "
        f"Crisis Group, 12 March 2024), 7, {a('https://example.org/report')}",
        "International Crisis Group, <i>Myanmar’s Rare Earth Boom</i>, 7",
        "International Crisis Group. <i>Myanmar’s Rare Earth Boom</i>. Asia Report no. 312. Brussels: International "
        f"Crisis Group, 12 March 2024. {a('https://example.org/report')}.",
    ),
    "webpage": (
        None,
        f"“Rare Earth Elements,” Mineral Facts, accessed 15 January 2025, {a('https://example.org/ree')}",
        "“Rare Earth Elements”",
        f"“Rare Earth Elements.” Mineral Facts. Accessed 15 January 2025. {a('https://example.org/ree')}.",
    ),
    "newspaper": (
        "para. 4",
        f"Nang Htun, “Rebels Seize Mining Belt,” <i>Irrawaddy Times</i>, 20 October 2024, para. 4, "
        f"{a('https://example.org/news')}",
        "Htun, “Rebels Seize Mining Belt,” para. 4",
        f"Htun, Nang. “Rebels Seize Mining Belt.” <i>Irrawaddy Times</i>, 20 October 2024. {a('https://example.org/news')}.",
    ),
    "magazine": (
        None,
        "Thida Mar, “The Ore Trail,” <i>Frontier Monthly</i>, July 2023",
        "Mar, “The Ore Trail”",
        "Mar, Thida. “The Ore Trail.” <i>Frontier Monthly</i>, July 2023.",
    ),
    "interview": (
        None,
        "Seng Naw, interview by Jane Doe, <i>Frontier Radio</i>, 2 June 2024",
        "Naw, interview",
        "Naw, Seng. Interview by Jane Doe. <i>Frontier Radio</i>, 2 June 2024.",
    ),
    "email": (
        None,
        "Richard Roe, email message to the author, 3 February 2025",
        "Roe, email message",
        "Roe, Richard. Email message to the author. 3 February 2025.",
    ),
    "dataset": (
        "table 3",
        "Ministry of Commerce, <i>Border Trade Flows, 2015–2024</i>, dataset, version 2.1, Open Data Portal, 2025, "
        f"table 3, {a('https://doi.org/10.5555/btf.2')}",
        "Ministry of Commerce, <i>Border Trade Flows, 2015–2024</i>, table 3",
        "Ministry of Commerce. <i>Border Trade Flows, 2015–2024</i>. Dataset. Version 2.1. Open Data Portal, 2025. "
        f"{a('https://doi.org/10.5555/btf.2')}.",
    ),
    "case": (
        "495",
        "<i>Brown v. Board of Education</i>, 347 U.S. 483, 495 (1954)",
        "<i>Brown</i>, 347 U.S. at 495",
        "<i>Brown v. Board of Education</i>, 347 U.S. 483 (1954).",
    ),
    "circuit-case": (
        None,
        "<i>United States v. Doe</i>, 123 F.3d 456 (2d Cir. 1997)",
        "<i>Doe</i>, 123 F.3d 456",
        "<i>United States v. Doe</i>, 123 F.3d 456 (2d Cir. 1997).",
    ),
    "statute": (
        None,
        "Clean Air Act, 42 U.S.C. § 7401 (1970)",
        "Clean Air Act § 7401",
        "Clean Air Act, 42 U.S.C. § 7401 (1970).",
    ),
    "broadcast": (
        None,
        f"“The Jade Road,” <i>Asia Tonight</i>, radio broadcast, BBC World Service, aired 8 November 2023, "
        f"{a('https://example.org/bcast')}",
        "“The Jade Road”",
        "“The Jade Road.” <i>Asia Tonight</i>. Radio broadcast, BBC World Service, aired 8 November 2023. "
        f"{a('https://example.org/bcast')}.",
    ),
}


@pytest.fixture(autouse=True)
def _no_record_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFGEN_NO_CACHE", "1")


def graded(sources: str) -> str:
    """Every sample source graded (the check wants a reliability for every cited one)."""
    return re.sub(r"^- id: (.*)$", r"- id: \1\n  custom: {reliability: B}", sources, flags=re.M)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> FactBase:
    root = tmp_path_factory.mktemp("forms")
    files = {**MINI, "content/sources.yaml": MINI["content/sources.yaml"] + graded(SOURCES)}
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    base, problems = validate_project(Project(root))
    assert errors_in(problems) == [], [p.format() for p in problems]
    return base


@pytest.fixture(scope="module")
def cite() -> Any:
    return environment((packaged_templates(),)).get_template("partials/cite.html.j2").module


@pytest.mark.parametrize("ident", list(FORMS))
def test_full_note(ident: str, base: FactBase, cite: Any) -> None:
    locator, full, _short, _entry = FORMS[ident]
    assert str(cite.full(base.sources[ident], locator)) == full


@pytest.mark.parametrize("ident", list(FORMS))
def test_short_note(ident: str, base: FactBase, cite: Any) -> None:
    locator, _full, short, _entry = FORMS[ident]
    assert str(cite.short(base.sources[ident], locator)) == short


@pytest.mark.parametrize("ident", list(FORMS))
def test_bibliography_entry(ident: str, base: FactBase, cite: Any) -> None:
    _locator, _full, _short, entry = FORMS[ident]
    assert str(cite.entry(base.sources[ident])) == entry


@pytest.fixture
def brief_with(make_project: Callable[..., Path]) -> Callable[[str], str]:
    """brief_with(summary) -> the HTML of a brief citing the sample sources from its summary."""

    def build(summary: str) -> str:
        brief = f"id: t\ntitle: T\ndate: 2026-01-01\nstandard_annexes: false\nsummary: '{summary}'\n"
        sources = MINI["content/sources.yaml"] + graded(SOURCES)
        root = make_project({"content/briefs/t.yaml": brief, "content/sources.yaml": sources})
        project = Project(root)
        base, problems = validate_project(project)
        assert errors_in(problems) == [], [p.format() for p in problems]
        return render_html(plan_brief(base, base.briefs["t"]), base, project)

    return build


def endnotes(html: str) -> list[str]:
    """The text of each endnote, its grade left out."""
    return re.findall(r'<li id="note-\d+"[^>]*>(.*?) <span class="grade"', html)


def test_notes_put_the_locator_in_its_place_without_p(brief_with: Callable[[str], str]) -> None:
    html = brief_with("One [@journal, p. 205]. Two [@journal, pp. 210-12]. Three [@case, p. 495].")
    assert endnotes(html) == [
        "Jane Doe and Richard Roe, “Ore, Roads and Rebels in the Kachin Hills,” <i>Journal of Border Studies</i> "
        f"12, no. 3 (May 2024): 205, {a('https://doi.org/10.1234/jbs.2024.12')}.",
        "Doe and Roe, “Ore, Roads and Rebels,” 210-12.",
        "<i>Brown v. Board of Education</i>, 347 U.S. 483, 495 (1954).",
    ]


def test_a_personal_communication_is_cited_in_notes_only(brief_with: Callable[[str], str]) -> None:
    html = brief_with("Told [@email]. Read [@magazine].")
    assert endnotes(html) == [
        "Richard Roe, email message to the author, 3 February 2025.",
        "Thida Mar, “The Ore Trail,” <i>Frontier Monthly</i>, July 2023.",
    ]
    sources = html[html.index('id="sources"') :]
    assert 'id="source-magazine"' in sources
    assert "source-email" not in sources  # Chicago: personal communications are not listed


def test_content_in_a_note_is_escaped(make_project: Callable[..., Path], base: FactBase, cite: Any) -> None:
    source = base.sources["newspaper"]
    source.title = "<script>x</script> & co"
    out = str(cite.full(source, None))
    assert "&lt;script&gt;x&lt;/script&gt; &amp; co" in out
    assert "<script>" not in out
