"""briefgen.render.plan in process: a small checked fact base in, a BriefPlan out.

Inputs go through the loader and validator the CLI uses (validate_project on a MINI
project from conftest, with a brief of the test's own); only plan_brief and
sort_key are called, never the planner's internals.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from markdown_it.token import Token

from briefgen.check.validate import validate_project
from briefgen.errors import errors_in
from briefgen.facts.grammar import slugify
from briefgen.facts.model import FactBase, Record
from briefgen.facts.project import Project
from briefgen.render.markdown import walk_inline
from briefgen.render.plan import BriefPlan, Note, plan_brief, sort_key
from tests.conftest import MINI

#: A judgment resting on two facts and citing nothing itself.
J_TRADE_SLOWS = """\
- id: j-trade-slows
  kind: judgment
  statement: Trade along the @hill-road is likely to slow.
  likelihood: likely
  confidence: moderate
  supports: [ore-trucked, road-slow]
"""

#: Sources whose list order needs the leading article dropped and the author inverted.
MORE_SOURCES = """\
- id: apple
  type: report
  title: The Apple Times
  custom:
    reliability: A
- id: zebra
  type: report
  title: A Zebra Study
  custom:
    reliability: B
- id: baker
  type: report
  title: Notes
  author:
    - family: Baker
      given: Zoe
  custom:
    reliability: C
"""


@pytest.fixture(autouse=True)
def _no_record_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every test validates its own files: nothing read from or written to ~/.cache.
    monkeypatch.setenv("BRIEFGEN_NO_CACHE", "1")


def checked(root: Path) -> FactBase:
    base, problems = validate_project(Project(root))
    assert errors_in(problems) == [], [p.format() for p in problems]
    return base


@pytest.fixture
def plan_of(make_project: Callable[..., Path]) -> Callable[..., BriefPlan]:
    """plan_of(brief_yaml_body) -> the plan of brief 't' in MINI plus J_TRADE_SLOWS and MORE_SOURCES."""

    def make(body: str) -> BriefPlan:
        brief = "id: t\ntitle: T\ndate: 2026-01-01\n" + textwrap.dedent(body)
        root = make_project(
            {
                "content/briefs/t.yaml": brief,
                "content/claims.yaml": MINI["content/claims.yaml"] + J_TRADE_SLOWS,
                "content/sources.yaml": MINI["content/sources.yaml"] + MORE_SOURCES,
            }
        )
        base = checked(root)
        return plan_brief(base, base.briefs["t"])

    return make


def note_rows(plan: BriefPlan) -> list[tuple[Any, ...]]:
    """Each note as (number, source, locator, credibility, grade, form, via, claims)."""
    return [
        (n.number, n.source.id, n.locator, n.credibility, n.grade, n.form, [(s.id, f) for s, f in n.via], n.claims)
        for n in plan.notes
    ]


def call_rows(note: Note) -> list[tuple[str, bool, str | None]]:
    return [(c.anchor, c.first, c.claim) for c in note.calls]


def prose_tokens(plan: BriefPlan) -> list[Token]:
    """The brief's inline tokens in reading order, claim statements included in place."""
    blocks = [
        plan.summary,
        *(kj.tokens for kj in plan.key_judgments),
        *(s.tokens for s in plan.sections + plan.annexes),
    ]
    out: list[Token] = []

    def add(tokens: list[Token]) -> None:
        for tok in walk_inline(tokens):
            out.append(tok)
            if tok.type == "bg_claim":
                add(tok.meta["children"])

    for block in blocks:
        add(block)
    return out


def call_anchors(plan: BriefPlan) -> list[list[str]]:
    """The note calls each citation or placed claim writes, in reading order."""
    return [[c.anchor for c in t.meta["calls"]] for t in prose_tokens(plan) if t.type in ("bg_cite", "bg_claim")]


def ids(rows: list[Record]) -> list[str]:
    """The ids of a table's rows (every entity record has one)."""
    return [r.id for r in rows]  # type: ignore[attr-defined]


def names(plan: BriefPlan) -> list[tuple[str, str]]:
    """(id, text written) of each mention, in reading order."""
    return [(t.meta["id"], t.meta["text"]) for t in prose_tokens(plan) if t.type == "bg_mention"]


# -- the MINI briefs, whole ----------------------------------------------------------------------


def test_the_mini_harbour_brief(mini: Path) -> None:
    base = checked(mini)
    plan = plan_brief(base, base.briefs["harbour"])
    assert note_rows(plan) == [
        (1, "harbour-report", "para. 1", 2, "B2", "full", [], ["ore-trucked"]),
        (2, "harbour-report", "para. 3", 2, "B2", "short", [], ["road-slow"]),
        # the same place graded 3 by the key judgment: a note of its own, so each grade is true
        (3, "harbour-report", "para. 3", 3, "B3", "short", [], ["j-road-late"]),
        (4, "ministry", "para. 2", 3, "C3", "full", [("harbour-report", "short")], ["exports-fell"]),
        # straight from prose, cited by no claim: no credibility, so the grade is the reliability alone
        (5, "ministry", "para. 4", None, "C", "short", [("harbour-report", "short")], []),
    ]
    assert [call_rows(n) for n in plan.notes] == [
        [("call-1", True, "ore-trucked"), ("call-1-2", False, None)],
        [("call-2", True, "road-slow")],
        [("call-3", True, "j-road-late")],
        [("call-4", True, "exports-fell"), ("call-4-2", False, None)],
        [("call-5", True, None)],
    ]
    # summary, then key judgments (their calls are the judgment's, after the statement), then sections
    assert call_anchors(plan) == [["call-1"], ["call-2"], ["call-4"], ["call-1-2"], ["call-4-2"], ["call-5"]]
    assert [(kj.claim.id, [c.anchor for c in kj.calls]) for kj in plan.key_judgments] == [("j-road-late", ["call-3"])]
    assert [c.id for c in plan.claims_used] == ["ore-trucked", "road-slow", "j-road-late", "exports-fell"]
    assert [s.id for s in plan.bibliography] == ["harbour-report", "ministry"]
    assert str(plan.info_cutoff) == "2025-06"
    assert plan.entities == ["coast", "hill-road", "hills", "port-authority", "tin", "trade-ministry"]
    assert [(s.anchor, s.section.heading) for s in plan.sections] == [("trade", "Trade"), ("actors", "Actors")]
    assert [ids(s.rows) for s in plan.sections] == [["hill-road"], ["port-authority", "trade-ministry"]]
    assert plan.annexes == []
    assert names(plan) == [
        ("hills", "Northern Hills"),
        ("coast", "Coast"),
        ("port-authority", "Port Authority of the Coast (PAC)"),
        ("trade-ministry", "Ministry of Trade"),
        ("port-authority", "PAC"),
        ("trade-ministry", "Ministry of Trade"),
    ]


def test_each_brief_numbers_its_own_notes(mini: Path) -> None:
    base = checked(mini)
    plan = plan_brief(base, base.briefs["harbour-summary"])
    assert note_rows(plan) == [
        (1, "harbour-report", "para. 1", 2, "B2", "full", [], ["ore-trucked"]),
        # the judgment's own source: credibility 3 here, where no fact cited para. 3 first
        (2, "harbour-report", "para. 3", 3, "B3", "short", [], ["j-road-late"]),
    ]
    assert [c.id for c in plan.claims_used] == ["ore-trucked", "j-road-late"]
    assert [s.id for s in plan.bibliography] == ["harbour-report"]
    assert plan.sections == []


# -- note numbering --------------------------------------------------------------------------------


def test_a_note_cited_again_keeps_its_number_and_each_call_its_own_anchor(plan_of: Callable[..., BriefPlan]) -> None:
    plan = plan_of(
        """\
        summary: |
          One [@harbour-report, para. 1]. Two [@apple]. Again [@harbour-report, para. 1].
        sections:
          - heading: Later
            body: Once more [@harbour-report, para. 1] and another place [@harbour-report, para. 3].
        """
    )
    assert [(n.number, n.source.id, n.locator, n.form) for n in plan.notes] == [
        (1, "harbour-report", "para. 1", "full"),
        (2, "apple", None, "full"),
        (3, "harbour-report", "para. 3", "short"),  # same source, new locator: a new, short note
    ]
    assert call_rows(plan.notes[0]) == [("call-1", True, None), ("call-1-2", False, None), ("call-1-3", False, None)]
    assert call_anchors(plan) == [["call-1"], ["call-2"], ["call-1-2"], ["call-1-3"], ["call-3"]]
    assert plan.claims_used == []
    assert plan.info_cutoff is None


def test_a_note_first_cited_from_prose_takes_the_credibility_a_claim_gives_it_later(
    plan_of: Callable[..., BriefPlan],
) -> None:
    plan = plan_of('summary: "Direct [@ministry, para. 2], then [[exports-fell]]."\n')
    assert note_rows(plan) == [
        (1, "ministry", "para. 2", 3, "C3", "full", [("harbour-report", "full")], ["exports-fell"]),
    ]
    assert call_rows(plan.notes[0]) == [("call-1", True, None), ("call-1-2", False, "exports-fell")]


def test_one_citation_naming_one_note_twice_makes_one_call(plan_of: Callable[..., BriefPlan]) -> None:
    plan = plan_of('summary: "Both [@ore-trucked; @harbour-report, para. 1]."\n')
    assert note_rows(plan) == [(1, "harbour-report", "para. 1", 2, "B2", "full", [], ["ore-trucked"])]
    assert call_anchors(plan) == [["call-1"]]


def test_a_source_known_via_another_names_it_in_full_first(plan_of: Callable[..., BriefPlan]) -> None:
    plan = plan_of('summary: "Via [@ministry, para. 2]. Direct [@harbour-report, para. 1]."\n')
    assert note_rows(plan) == [
        (1, "ministry", "para. 2", None, "C", "full", [("harbour-report", "full")], []),
        # the report was written out in full in note 1: short from here on
        (2, "harbour-report", "para. 1", None, "B", "short", [], []),
    ]
    assert [s.id for s in plan.bibliography] == ["harbour-report", "ministry"]


def test_a_judgment_citing_nothing_cites_the_sources_of_the_claims_it_rests_on(
    plan_of: Callable[..., BriefPlan],
) -> None:
    plan = plan_of("key_judgments: [j-trade-slows]\n")
    assert note_rows(plan) == [
        (1, "harbour-report", "para. 1", 2, "B2", "full", [], ["j-trade-slows", "ore-trucked"]),
        (2, "harbour-report", "para. 3", 2, "B2", "short", [], ["j-trade-slows", "road-slow"]),
    ]
    (kj,) = plan.key_judgments
    assert [(c.anchor, c.claim) for c in kj.calls] == [("call-1", "ore-trucked"), ("call-2", "road-slow")]
    assert [c.id for c in plan.claims_used] == ["j-trade-slows", "ore-trucked", "road-slow"]
    assert str(plan.info_cutoff) == "2025"  # only ore-trucked has a date


# -- what the brief uses ---------------------------------------------------------------------------


def test_only_the_claims_the_brief_cites_or_places_are_used(plan_of: Callable[..., BriefPlan]) -> None:
    plan = plan_of('summary: "[[road-slow]] and [@exports-fell]."\n')
    assert [c.id for c in plan.claims_used] == ["road-slow", "exports-fell"]
    assert [s.id for s in plan.bibliography] == ["harbour-report", "ministry"]
    assert str(plan.info_cutoff) == "2025-06"
    # what the used claims are about counts as referred to, named in the text or not
    assert plan.entities == ["port-authority", "trade-ministry"]


def test_a_brief_citing_nothing_uses_nothing(plan_of: Callable[..., BriefPlan]) -> None:
    plan = plan_of('summary: "Plain words about the @coast."\n')
    assert plan.notes == [] and plan.claims_used == [] and plan.bibliography == []
    assert plan.info_cutoff is None
    assert plan.entities == ["coast"]


def test_the_sources_list_drops_leading_articles_and_inverts_authors(plan_of: Callable[..., BriefPlan]) -> None:
    plan = plan_of('summary: "[@zebra] [@ministry, para. 1] [@baker] [@apple]"\n')
    assert [s.id for s in plan.bibliography] == ["apple", "baker", "harbour-report", "ministry", "zebra"]
    assert [sort_key(s) for s in plan.bibliography] == [
        "apple times",
        "baker, zoe",
        "harbour report",
        "ministry of trade",
        "zebra study",
    ]


def test_entities_are_named_in_full_once_then_short_inside_claims_too(plan_of: Callable[..., BriefPlan]) -> None:
    plan = plan_of(
        """\
        summary: "[[road-slow]] The @port-authority again; @{trade-ministry}, @trade-ministry."
        """
    )
    assert names(plan) == [
        ("port-authority", "Port Authority of the Coast (PAC)"),  # in the claim's statement
        ("port-authority", "PAC"),
        ("trade-ministry", "Ministry of Trade"),  # no short name: the name each time
        ("trade-ministry", "Ministry of Trade"),
    ]


# -- sections, tables, figures ------------------------------------------------------------------------


def test_section_anchors_are_unique_and_avoid_the_template_s_own(plan_of: Callable[..., BriefPlan]) -> None:
    plan = plan_of(
        """\
        sections:
          - heading: Notes
          - heading: Ports & Roads!
          - heading: Ports & Roads!
          - heading: Anything
            id: mine
          - heading: Summary
          - heading: "???"
        annexes:
          - heading: Notes
          - heading: Mine
        """
    )
    assert [s.anchor for s in plan.sections] == [
        "notes-2",
        "ports-roads",
        "ports-roads-2",
        "mine",
        "summary-2",
        "section",
    ]
    assert [s.anchor for s in plan.annexes] == ["notes-3", "mine-2"]
    assert all(s.tokens == [] and s.rows == [] and s.figure is None for s in plan.sections + plan.annexes)


def test_a_table_lists_what_the_brief_refers_to_in_file_order(plan_of: Callable[..., BriefPlan]) -> None:
    plan = plan_of(
        """\
        summary: "The @coast and the @hills."
        sections:
          - heading: Places
            table: places
          - heading: Actors
            table: actors
        """
    )
    places, actors = plan.sections
    assert ids(places.rows) == ["hills", "coast"]
    # the brief refers to no actor: the table lists them all
    assert ids(actors.rows) == ["port-authority", "trade-ministry"]


def test_a_table_counts_what_is_referred_to_after_it(plan_of: Callable[..., BriefPlan]) -> None:
    plan = plan_of(
        """\
        sections:
          - heading: Actors
            table: actors
          - heading: Later
            body: Only the @trade-ministry.
        """
    )
    assert ids(plan.sections[0].rows) == ["trade-ministry"]


def test_figures_are_numbered_in_reading_order_across_sections_and_annexes(
    plan_of: Callable[..., BriefPlan],
) -> None:
    plan = plan_of(
        """\
        sections:
          - heading: Text
          - heading: Routes
            figure: routes
        annexes:
          - heading: More routes
            figure: routes
        """
    )
    text, routes = plan.sections
    (annex,) = plan.annexes
    assert (text.figure, text.figure_number) == (None, 0)
    assert routes.figure is not None and annex.figure is not None
    assert (routes.figure_number, routes.figure.ident) == (1, "fig-routes")  # named for what it shows
    assert (annex.figure_number, annex.figure.ident) == (2, "fig-routes-2")
    assert [a.route.id for a in routes.figure.arrows] == ["hill-road"]


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("Trade", "trade"),
        ("Ports & Roads!", "ports-roads"),
        ("  2025: a year ", "2025-a-year"),
        ("???", "section"),
        ("", "section"),
    ],
)
def test_section_anchors_are_slugs_of_headings(heading: str, slug: str) -> None:
    # The plan's anchor rule: the grammar's slugify, "section" when nothing is left.
    assert slugify(heading, fallback="section") == slug
