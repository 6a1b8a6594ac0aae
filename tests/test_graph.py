"""The fact base as a graph (briefgen.facts.graph): via chains, the claims a brief uses,
independent sources, and what depends on a record; in process, without Markdown.

The citation plan walks a brief's Markdown to number its notes; the graph answers "which
claims does this brief use" from the prose's references alone, for the checks that must
not parse Markdown. The two must agree, on the example and on generated briefs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from briefgen.check.validate import validate_project
from briefgen.errors import errors_in
from briefgen.facts.graph import (
    FileTexts,
    claims_used_by,
    impact_of,
    independent_sources,
    publication,
    supporters,
    via_chain,
    via_loops,
)
from briefgen.facts.model import FactBase
from briefgen.facts.project import Project
from briefgen.render.plan import plan_brief
from tests.conftest import MINI, REPO, write_project


def _base(files: dict[str, str], root: Path) -> FactBase:
    base, problems = validate_project(Project(write_project(root, files)))
    assert not errors_in(problems), [p.format() for p in problems]
    return base


@pytest.fixture(scope="module")
def example() -> FactBase:
    base, problems = validate_project(Project(REPO))
    assert not errors_in(problems)
    return base


def _chained_sources() -> str:
    # a -> b -> c (c first-hand), d -> e -> d (a circle), f -> nowhere (a dangling via),
    # g -> h -> i -> g (a circle of three), t -> g (a tail leading into it).
    items = [
        ("a", "b"),
        ("b", "c"),
        ("c", None),
        ("d", "e"),
        ("e", "d"),
        ("f", "nowhere"),
        ("g", "h"),
        ("h", "i"),
        ("i", "g"),
        ("t", "g"),
    ]
    return yaml.safe_dump(
        [{"id": i, "type": "report", "title": i, "custom": {"via": v} if v else {}} for i, v in items],
        sort_keys=False,
    )


def test_via_chains_end_at_the_publication(tmp_path: Path) -> None:
    base, _ = validate_project(Project(write_project(tmp_path, {"content/sources.yaml": _chained_sources()})))
    assert via_chain(base, "a") == ["a", "b", "c"]
    assert publication(base, "a") == "c"
    assert via_chain(base, "c") == ["c"]
    assert via_chain(base, "d") == ["d", "e"]
    assert via_chain(base, "f") == ["f"]
    assert via_chain(base, "t") == ["t", "g", "h", "i"]
    assert [s for s in "abcdefghit" if via_loops(base, s)] == ["d", "e", "g", "h", "i", "t"]


def test_via_circles_are_reported_once_per_source(tmp_path: Path) -> None:
    _, problems = validate_project(Project(write_project(tmp_path, {"content/sources.yaml": _chained_sources()})))
    circles = [p for p in problems if p.code == "BG118"]
    # Each circle once at each member, with the way round; the tail 't' leading into the
    # circle is no member of it (mending the circle mends 't').
    assert [p.message for p in circles] == [
        f"'via' of source '{s}' goes round in a circle: {way}"
        for s, way in (
            ("d", "d -> e -> d"),
            ("e", "e -> d -> e"),
            ("g", "g -> h -> i -> g"),
            ("h", "h -> i -> g -> h"),
            ("i", "i -> g -> h -> i"),
        )
    ]


def test_the_example_graph(example: FactBase) -> None:
    # Reuters reports the foreign ministry; both reach us through the Diplomat article.
    reported = [s for s in example.sources if s != "diplomat-myanmar-minerals-deal"]
    assert reported
    for source in reported:
        assert publication(example, source) == "diplomat-myanmar-minerals-deal"
    for claim in example.claims.values():
        if claim.sources:
            assert independent_sources(example, claim) == ["diplomat-myanmar-minerals-deal"]
    backers = supporters(example)
    for claim_id, judgments in backers.items():
        for judgment in judgments:
            assert claim_id in example.claims[judgment].supports


def test_impact_of_a_source_reaches_the_briefs_through_its_claims(tmp_path: Path) -> None:
    base = _base(MINI, tmp_path)
    impact = impact_of(base, "harbour-report", FileTexts())
    assert impact.sources == ["ministry"]  # known only through the Harbour Report
    assert set(impact.claims) == {"ore-trucked", "exports-fell", "road-slow", "j-road-late"}
    assert {u.brief for u in impact.uses} == {"harbour", "harbour-summary"}
    summary_use = next(u for u in impact.uses if u.brief == "harbour" and u.ref == "exports-fell")
    assert impact.through[summary_use] == "exports-fell -> ministry -> harbour-report"


def _plan_claims(base: FactBase, brief_id: str) -> list[str]:
    return [c.id for c in plan_brief(base, base.briefs[brief_id]).claims_used]


def test_plan_and_graph_agree_on_the_example(example: FactBase) -> None:
    assert example.briefs
    for brief in example.briefs.values():
        used = claims_used_by(example, brief)
        assert used, brief.id
        assert _plan_claims(example, brief.id) == used


# -- generated briefs --------------------------------------------------------------------

_SOURCES = """\
- id: report
  type: report
  title: Report
  custom: {reliability: B}
- id: relayed
  type: report
  title: Relayed
  custom: {reliability: C, via: report}
"""


@st.composite
def generated_project(draw: st.DrawFn) -> dict[str, str]:
    """Facts citing sources; judgments resting on earlier claims (some citing nothing
    themselves); a brief citing, placing and mentioning them in every part."""
    count = draw(st.integers(2, 7))
    claims = []
    for i in range(count):
        earlier = [f"c{j}" for j in range(i)]
        if i and draw(st.booleans()):
            supports = draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=3, unique=True))
            claim = {
                "id": f"c{i}",
                "kind": "judgment",
                "statement": "The route is unlikely to open.",
                "likelihood": "unlikely",
                "confidence": "low",
                "supports": supports,
            }
            if draw(st.integers(0, 2)) == 0:  # most cite nothing: their supports' notes stand in
                claim["sources"] = [{"ref": "report", "locator": f"p. {i}", "credibility": 3}]
        else:
            source = draw(st.sampled_from(["report", "relayed"]))
            claim = {
                "id": f"c{i}",
                "kind": "fact",
                "statement": "Ore moves by road.",
                "sources": [{"ref": source, "locator": f"p. {draw(st.integers(1, 3))}", "credibility": 2}],
            }
        claims.append(claim)
    ids = [c["id"] for c in claims]
    judgments = [c["id"] for c in claims if c["kind"] == "judgment"]

    def prose() -> str:
        pieces = []
        for _ in range(draw(st.integers(0, 5))):
            kind = draw(st.sampled_from(["place", "cite", "cite2", "source", "mention", "words"]))
            if kind == "place":
                pieces.append(f"[[{draw(st.sampled_from(ids))}]]")
            elif kind == "cite":
                pieces.append(f"Roads [@{draw(st.sampled_from(ids))}].")
            elif kind == "cite2":
                two = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
                pieces.append(f"Roads [@{two[0]}; @{two[1]}].")
            elif kind == "source":
                pieces.append("Trucks [@report, p. 9].")
            elif kind == "mention":
                pieces.append("The @port runs.")
            else:
                pieces.append("Words here.")
        return " ".join(pieces) or "Nothing cited."

    brief = {
        "id": "gen",
        "title": "Generated",
        "date": "2026-01-01",
        "summary": prose(),
        "key_judgments": draw(st.lists(st.sampled_from(judgments), min_size=1, unique=True)) if judgments else [],
        "sections": [{"heading": f"S{n}", "body": prose()} for n in range(draw(st.integers(0, 3)))],
        "annexes": [{"heading": "A", "body": prose()}] if draw(st.booleans()) else [],
    }
    return {
        "content/sources.yaml": _SOURCES,
        "content/actors.yaml": "- id: port\n  name: Port\n  kind: government\n",
        "content/claims.yaml": yaml.safe_dump(claims, sort_keys=False),
        "content/briefs/gen.yaml": yaml.safe_dump(brief, sort_keys=False),
    }


@settings(max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated_project())
def test_plan_and_graph_agree_on_generated_briefs(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base, problems = validate_project(Project(write_project(Path(tmp), files)))
        assume(not errors_in(problems))
        assert _plan_claims(base, "gen") == claims_used_by(base, base.briefs["gen"])


def test_impact_places_each_use_where_it_is_written(tmp_path: Path) -> None:
    """A citation of several ids, written twice, and a mention that another id starts
    with: each use of the brief is placed at its own token, not at the start of the prose
    (nor inside another id)."""
    brief = MINI["content/briefs/harbour.yaml"].replace(
        "      Later, the ministry again [@ministry, para. 4].\n",
        "      Later [@ministry, para. 2; @road-slow] and @port-authority-staff.\n"
        "      Again [@ministry, para. 2; @road-slow] and @port-authority.\n",
    )
    actors = MINI["content/actors.yaml"] + "- id: port-authority-staff\n  name: Staff\n"
    base = _base({**MINI, "content/briefs/harbour.yaml": brief, "content/actors.yaml": actors}, tmp_path)
    lines = brief.splitlines()
    for ident, token in (("road-slow", "[@ministry, para. 2; @road-slow]"), ("port-authority", "@port-authority.")):
        impact = impact_of(base, ident, FileTexts(), None)
        found = sorted((u.pos.line, u.pos.col) for u in impact.uses if u.ref == ident and u.part.startswith("section"))
        written = [(i + 1, line.index(token) + 1) for i, line in enumerate(lines) if token in line]
        assert written and set(written) <= set(found), (ident, found, written)
