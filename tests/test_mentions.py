"""Mentions that read right: words of one's own, capitals at a sentence's start, persons by
family name after the first mention, articles from the entity's ``article`` field.

Each test builds a MINI project with a brief of its own, checks it as the CLI does, and reads
the words the HTML writes for each mention (in reading order).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from briefgen.check.validate import validate_project
from briefgen.errors import Problem, errors_in
from briefgen.facts.project import Project
from briefgen.render.html import render_html
from briefgen.render.plan import plan_brief
from tests.conftest import MINI, run_cli
from tests.htmlread import NS, parse, text_of

#: MINI's actors and places, plus a person and a country that takes an article.
ACTORS = (
    MINI["content/actors.yaml"]
    + """\
- id: kabongo
  name: Jean-Pierre Kabongo
  short: Kabongo
  kind: person
- id: kivu-miners
  name: Kivu Miners Union
  short: Kivu Miners
  kind: company
"""
)
PLACES = (
    MINI["content/places.yaml"]
    + """\
- id: drc
  name: Democratic Republic of the Congo
  short: DRC
  article: the
  kind: country
"""
)


@pytest.fixture(autouse=True)
def _no_record_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFGEN_NO_CACHE", "1")


@pytest.fixture
def brief_project(make_project: Callable[..., Path]) -> Callable[[str], Path]:
    def make(body: str) -> Path:
        brief = "id: t\ntitle: T\ndate: 2026-01-01\nstandard_annexes: false\n" + textwrap.dedent(body)
        return make_project(
            {"content/briefs/t.yaml": brief, "content/actors.yaml": ACTORS, "content/places.yaml": PLACES}
        )

    return make


def problems_of(root: Path) -> list[Problem]:
    return validate_project(Project(root))[1]


@pytest.fixture
def mentions(brief_project: Callable[[str], Path]) -> Callable[[str], list[str]]:
    """mentions(brief body) -> the text of each entity mention in the brief's HTML, in order."""

    def read(body: str) -> list[str]:
        root = brief_project(body)
        project = Project(root)
        base, problems = validate_project(project)
        assert errors_in(problems) == [], [p.format() for p in problems]
        html = render_html(plan_brief(base, base.briefs["t"]), base, project)
        return [re.sub(r"<[^>]+>", "", m) for m in re.findall(r'<span class="entity"[^>]*>(.*?)</span>', html)]

    return read


def test_a_mention_in_words_of_ones_own_keeps_the_words_and_their_markup(
    mentions: Callable[[str], list[str]], brief_project: Callable[[str], Path]
) -> None:
    body = """\
        summary: |
          Ore leaves by [the "old" *northern* road]{@hill-road}, then @hill-road again.
        """
    assert mentions(body) == ["the “old” northern road", "Hill road"]
    root = brief_project(body)
    base, _ = validate_project(Project(root))
    html = render_html(plan_brief(base, base.briefs["t"]), base, Project(root))
    assert '<span class="entity" data-entity="hill-road">the “old” <em>northern</em> road</span>' in html


def test_words_of_ones_own_do_not_count_as_the_first_mention(mentions: Callable[[str], list[str]]) -> None:
    assert mentions("summary: The [port body]{@port-authority} met the @port-authority.\n") == [
        "port body",
        "Port Authority of the Coast (PAC)",
    ]


def test_words_are_escaped(mentions: Callable[[str], list[str]], brief_project: Callable[[str], Path]) -> None:
    root = brief_project("summary: 'See [<b>bold</b> & co]{@hills}.'\n")
    base, _ = validate_project(Project(root))
    html = render_html(plan_brief(base, base.briefs["t"]), base, Project(root))
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co</span>" in html
    assert "<b>bold" not in html


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ("@tin is mined here.", ["Tin"]),  # the start of the text
        ("Ore is mined. @tin goes by road.", ["Tin"]),
        ("Is ore mined? “@tin,” they said.", ["Tin"]),  # after an opening quotation mark
        ("Mined (since 2020.) @tin goes by road.", ["Tin"]),
        ("We ship ore, e.g. @tin, by road.", ["tin"]),  # an abbreviation ends no sentence
        ("We ship @tin by road.", ["tin"]),
        ("[the local ore]{@tin} goes by road.", ["The local ore"]),  # own words too
    ],
)
def test_a_mention_that_starts_a_sentence_is_capitalised(
    mentions: Callable[[str], list[str]], summary: str, expected: list[str]
) -> None:
    assert mentions(f"summary: '{summary}'\n") == expected


def test_a_person_is_named_in_full_then_by_family_name(mentions: Callable[[str], list[str]]) -> None:
    assert mentions("summary: '@kabongo spoke. Later @kabongo left, and @kabongo returned.'\n") == [
        "Jean-Pierre Kabongo",
        "Kabongo",
        "Kabongo",
    ]


def test_a_short_form_that_is_part_of_the_name_is_not_repeated_in_brackets(
    mentions: Callable[[str], list[str]],
) -> None:
    # "Kivu Miners" is a shortening, not an abbreviation: "Kivu Miners Union (Kivu Miners)" would not do.
    assert mentions("summary: 'We met @kivu-miners, @port-authority, @kivu-miners and @port-authority.'\n") == [
        "Kivu Miners Union",
        "Port Authority of the Coast (PAC)",
        "Kivu Miners",
        "PAC",
    ]


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ("Ore comes from @drc.", ["the Democratic Republic of the Congo (DRC)"]),
        ("@drc exports ore, as @drc did before.", ["The Democratic Republic of the Congo (DRC)", "the DRC"]),
        ("Ore comes from the @drc.", ["Democratic Republic of the Congo (DRC)"]),  # no "the the"
        ("Ore comes from its neighbour, @drc.", ["the Democratic Republic of the Congo (DRC)"]),
        ("Ore comes from the eastern @drc.", ["Democratic Republic of the Congo (DRC)"]),  # an adjective between
        ("The route to @drc is long.", ["the Democratic Republic of the Congo (DRC)"]),  # a new noun phrase
        ("Ore comes from [Congo]{@drc}.", ["Congo"]),  # own words: as written
    ],
)
def test_names_that_take_an_article_get_it_where_the_grammar_needs_it(
    mentions: Callable[[str], list[str]], summary: str, expected: list[str]
) -> None:
    assert mentions(f"summary: '{summary}'\n") == expected


def test_an_article_is_checked_like_any_enum(brief_project: Callable[[str], Path]) -> None:
    root = brief_project("summary: '@drc.'\n")
    places = root / "content" / "places.yaml"
    places.write_text(places.read_text().replace("article: the", "article: a"))
    problems = errors_in(problems_of(root))
    assert len(problems) == 1
    assert problems[0].code == "BG105"
    assert problems[0].pos.file.endswith("places.yaml")


def test_check_reports_an_unknown_id_in_own_words_at_its_line_and_column(brief_project: Callable[[str], Path]) -> None:
    root = brief_project(
        """\
        sections:
          - heading: Trade
            body: |
              First line.
              Ore leaves by [the old road]{@hill-rod}.
        """
    )
    result = run_cli("check", "--project", str(root))
    assert result.returncode == 1
    assert "content/briefs/t.yaml:9:35: error[BG115]:" in result.stdout + result.stderr
    assert "unknown actor, mineral, place or route 'hill-rod'" in result.stdout + result.stderr
    assert "did you mean 'hill-road'" in result.stdout + result.stderr


def test_the_actors_table_names_a_person_once(brief_project: Callable[[str], Path]) -> None:
    root = brief_project(
        """\
        summary: '@kabongo and @port-authority.'
        sections:
          - heading: Actors
            table: actors
        """
    )
    project = Project(root)
    base, _ = validate_project(project)
    html = render_html(plan_brief(base, base.briefs["t"]), base, project)
    assert '<th scope="row">Jean-Pierre Kabongo</th>' in html
    assert '<th scope="row">Port Authority of the Coast (PAC)</th>' in html


@pytest.mark.parametrize(
    ("words", "col"),
    [
        ("[the old road]{@Hill-Road}", 34),  # not an id (the column is the "]")
        ("[the old road]{@hill-road", 34),  # no closing brace
        ("[the [old] road]{@hill-road}", 36),  # brackets inside the words
    ],
)
def test_bad_syntax_of_own_words_is_an_error_at_its_line_and_column(
    brief_project: Callable[[str], Path], words: str, col: int
) -> None:
    root = brief_project(f"sections:\n  - heading: Trade\n    body: |\n      Ore leaves by {words}.\n")
    result = run_cli("check", "--project", str(root))
    assert result.returncode == 1
    assert f"content/briefs/t.yaml:8:{col}: error[BG133]: brief 't': '" in result.stdout


def test_own_words_in_a_claim_read_the_same_in_the_text_and_in_the_annexes(
    make_project: Callable[..., Path],
) -> None:
    claims = MINI["content/claims.yaml"].replace(
        "statement: Ore from the @hills is trucked to the @coast every week.",
        "statement: Ore from [the hill country near @port-authority]{@hills} is trucked to the @coast every week.",
    )
    brief = "id: t\ntitle: T\ndate: 2026-01-01\nsummary: '[[ore-trucked]]'\n"
    root = make_project({"content/claims.yaml": claims, "content/briefs/t.yaml": brief})
    project = Project(root)
    base, problems = validate_project(project)
    assert errors_in(problems) == []
    html = render_html(plan_brief(base, base.briefs["t"]), base, project)
    text = re.sub(r"<[^>]+>", "", html)
    # in the text, the nested mention is the first: named in full; in the annex, after the text, short
    assert "Ore from the hill country near Port Authority of the Coast (PAC) is trucked to the Coast" in text
    assert "Ore from the hill country near PAC is trucked to the Coast" in text


#: A claim whose statement opens with a bare mention of a name that takes "the".
DRC_CLAIM = """\
- id: drc-road
  kind: fact
  statement: '@drc said a new road would take years to build.'
  about: [drc]
  sources:
    - ref: harbour-report
      locator: para. 3
      quote: would take years to build.
      credibility: 2
"""


def _claim(ident: str, statement: str) -> str:
    """A claim resting on MINI's archive (para. 3), with its own statement."""
    return (
        f"- id: {ident}\n  kind: fact\n  statement: {statement}\n  about: [port-authority]\n"
        "  sources:\n    - ref: harbour-report\n      locator: para. 3\n"
        "      quote: would take years to build.\n      credibility: 2\n"
    )


#: Statements that end otherwise than in a plain full stop.
ENDINGS = (
    _claim("q-road", "'Who will build the road for the @port-authority?'")
    + _claim("us-road", "'The road was offered to the U.S.'")
    + _claim("quoted-road", "'The @port-authority called it “years of work.”'")
    + _claim("dots-road", "'The road may come…'")
    + _claim("three-road", "'@three-hills said it.'")
)


@pytest.fixture
def placed(make_project: Callable[..., Path]) -> Callable[[str], str]:
    """placed(summary) -> the summary's text as the HTML reads, notes and tags left out."""

    def read(summary: str) -> str:
        brief = f"id: t\ntitle: T\ndate: 2026-01-01\nstandard_annexes: false\nsummary: '{summary}'\n"
        root = make_project(
            {
                "content/briefs/t.yaml": brief,
                "content/places.yaml": PLACES + "- id: three-hills\n  name: Three Hills Alliance\n  kind: region\n",
                "content/claims.yaml": MINI["content/claims.yaml"] + DRC_CLAIM + ENDINGS,
            }
        )
        project = Project(root)
        base, problems = validate_project(project)
        assert errors_in(problems) == [], [p.format() for p in problems]
        page = parse(render_html(plan_brief(base, base.briefs["t"]), base, project))
        summary = next(el for el in page.iter() if el.get("id") == "summary")
        return text_of(summary.find(f".//{NS}p"), skip_classes=("calls", "fn-call", "fn")).replace("\u2060", "")

    return read


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        # mid-sentence: a first word capitalised only for being first is lowered...
        ("Reports say [[road-slow]]", "Reports say the Port Authority of the Coast (PAC) said a new road"),
        ("We read that [[exports-fell]]", "We read that according to the Ministry of Trade, exports fell"),
        ("Some say [[drc-road]]", "Some say the Democratic Republic of the Congo (DRC) said a new road"),
        # ...a name is not (a wrong capital is better than a lowered name)
        ("Officials say [[ore-trucked]]", "Officials say Ore from the Northern Hills is trucked"),
        # at a sentence's start, the statement keeps (or gets) its capital
        ("[[drc-road]]", "The Democratic Republic of the Congo (DRC) said a new road"),
        ("Roads are slow. [[road-slow]]", "Roads are slow. The Port Authority of the Coast (PAC) said"),
        ("[[ore-trucked]] [[exports-fell]]", "every week. According to the Ministry of Trade"),
        # e.g. ends no sentence
        ("Delays, e.g. [[road-slow]]", "Delays, e.g. the Port Authority of the Coast (PAC) said"),
    ],
)
def test_a_claim_placed_mid_sentence_reads_as_part_of_it(
    placed: Callable[[str], str], summary: str, expected: str
) -> None:
    assert expected in placed(summary)


def test_a_claim_followed_by_punctuation_gives_up_its_full_stop(placed: Callable[[str], str]) -> None:
    assert "would take years to build, officials say." in placed("[[road-slow]], officials say.")
    assert "would take years to build; roads are slow." in placed("[[road-slow]]; roads are slow.")
    text = placed("[[road-slow]]. Roads are slow.")
    assert "would take years to build. Roads" in text and ".." not in text


def test_a_mention_after_a_placed_claim_starts_a_sentence(placed: Callable[[str], str]) -> None:
    # The claim's own full stop ends the sentence: the name after it is capitalised.
    assert "years to build. The Democratic Republic of the Congo (DRC) ships" in placed(
        "[[road-slow]] @drc ships @tin."
    )
    assert "every week, the Democratic Republic of the Congo (DRC) ships" in placed("[[ore-trucked]], @drc ships @tin.")


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        # the prose's mark behind closing emphasis or quotation marks
        ("Officials say *[[road-slow]]*, then move on.", "years to build, then move on."),
        ("Officials say *[[road-slow]]*. They add little.", "years to build. They add little."),
        ('It says "[[road-slow]]", and stops.', "years to build,” and stops."),
        # a citation right after: one mark, the calls together after it
        ("It says [[road-slow]] [@harbour-report, para. 1].", "years to build."),
        ("It says [[road-slow]] [@harbour-report, para. 1], and more.", "years to build, and more."),
        ("It says [[road-slow]] [@harbour-report, para. 1] [@ministry, para. 2].", "years to build."),
        ("It asks [[q-road]]!", "Coast (PAC)?"),
        # the sentence goes on: the full stop goes
        ("It says that [[road-slow]] and that [[exports-fell]]", "years to build and that according"),
        ("It says [[road-slow]] — a long wait.", "years to build — a long wait."),
        ("We know (that [[road-slow]]) and little else.", "years to build) and little else."),
        ("It rose in 2025 ([[road-slow]]).", "years to build)."),
        # ...but not into a new sentence, nor out of brackets that hold one
        ("Analysts agree that [[road-slow]] Others do not.", "years to build. Others do not."),
        ("Roads are slow. ([[road-slow]]) Ports too.", "years to build.) Ports too."),
        # statements that end otherwise
        ("It asks [[q-road]], and waits.", "Coast (PAC)? and waits."),
        ("It asks [[q-road]]. No answer.", "Coast (PAC)? No answer."),
        ("It says [[us-road]], and nowhere else.", "offered to the U.S., and nowhere else."),
        ("It says [[us-road]]. Nowhere else.", "offered to the U.S. Nowhere else."),
        ("It says that [[quoted-road]], and meant it.", "“years of work,” and meant it."),
        ("It says that [[quoted-road]] and meant it.", "“years of work” and meant it."),
        ("It says [[dots-road]]. Maybe.", "may come… Maybe."),
        # prepositions and sentence adverbs are lowered too; a name is not
        ("Reports say [[exports-fell]]", "Reports say according to"),
        ("Reports say that [[three-road]] and more.", "that Three Hills Alliance said"),
    ],
)
def test_a_placed_claims_punctuation_meets_the_proses(
    placed: Callable[[str], str], summary: str, expected: str
) -> None:
    text = placed(summary.replace("'", "''"))
    assert expected in text, text
    assert not re.search(r"[.!?][.,]|,[.,]", text.replace("U.S.,", "").replace("...", "")), text


def test_a_citation_after_a_placed_claim_joins_its_calls_each_note_once(
    make_project: Callable[..., Path],
) -> None:
    _, calls = _summary_calls(make_project, "It says [[road-slow]] [@road-slow].")
    assert calls == ["1"]  # the same note, called once, not "1" twice ("build.¹¹")


def test_a_mention_opening_another_mentions_words_keeps_its_place_in_the_sentence(
    placed: Callable[[str], str],
) -> None:
    # The words are marked in their paragraph: mid-sentence, "the", not "The".
    assert "He met the Democratic Republic of the Congo (DRC) envoys today." in placed(
        "He met [@drc envoys]{@port-authority} today."
    )


def test_a_citation_joined_to_a_placed_claim_does_not_become_the_claims_source(
    make_project: Callable[..., Path],
) -> None:
    page, calls = _summary_calls(make_project, "It says [[road-slow]] [@ministry, para. 2].")
    claim = next(el for el in page.iter() if el.get("data-claim") == "road-slow")
    assert claim.get("data-sources") == "harbour-report"  # the provenance is the claim's own
    assert calls == ["1", "2"]


def _summary_calls(make_project: Callable[..., Path], summary: str) -> tuple[Any, list[str]]:
    """A brief of MINI with ``summary``, rendered: the page and the summary's note calls."""
    brief = f"id: t\ntitle: T\ndate: 2026-01-01\nstandard_annexes: false\nsummary: {summary}\n"
    root = make_project({"content/briefs/t.yaml": brief})
    project = Project(root)
    base, problems = validate_project(project)
    assert errors_in(problems) == []
    page = parse(render_html(plan_brief(base, base.briefs["t"]), base, project))
    summary_el = next(el for el in page.iter() if el.get("id") == "summary")
    return page, [a.text for a in summary_el.iter(f"{NS}a") if a.get("class") == "fn-call"]
