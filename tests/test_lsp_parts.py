"""The language server's parts in process: where completion applies and what it offers,
problem spans, quick fixes, hover text and the check on unsaved buffers (fast; the
end-to-end tests over stdio are in test_lsp.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from briefgen.authoring.lsp.actions import fixes
from briefgen.authoring.lsp.completion import MAX_ITEMS, Context, candidates, context_at, ref_keys
from briefgen.authoring.lsp.diagnostics import problem_span
from briefgen.authoring.lsp.navigate import escape, hover_text
from briefgen.authoring.lsp.state import FactWorkspace
from briefgen.facts.model import ENTITY_COLLECTIONS
from briefgen.facts.project import Project
from tests.conftest import MINI


def _at(collection: str, text: str) -> Context | None:
    """The context at the '¦' in ``text``."""
    line = text[: text.index("¦")].count("\n")
    lines = text.replace("¦", "").split("\n")
    col = text.split("\n")[line].index("¦")
    return context_at(collection, lines, line, col)


@pytest.mark.parametrize(
    ("collection", "text", "targets", "partial"),
    [
        ("claims", "  sources:\n    - ref: harb¦", ("sources",), "harb"),
        ("claims", "  about: [hills, co¦", ENTITY_COLLECTIONS, "co"),
        ("claims", "  about: [¦", ENTITY_COLLECTIONS, ""),
        ("claims", "  supports:\n    # which ones\n    - road-¦", ("claims",), "road-"),
        ("claims", "  superseded_by: ¦", ("claims",), ""),
        ("sources", "  custom:\n    reliability: B\n    via: ¦", ("sources",), ""),
        ("routes", "  via:\n    - hi¦", ("places",), "hi"),
        ("routes", "  commodities: [t¦", ("minerals",), "t"),
        ("places", "  within: ¦", ("places",), ""),
        ("actors", "  parent: ¦", ("actors",), ""),
        ("briefs", "key_judgments:\n  - j-¦", ("claims",), "j-"),
        ("briefs", "    body: |\n      Trucks run [@harb¦", ("sources", "claims"), "harb"),
        ("briefs", "    body: Trucks [@ministry, para. 2; @¦", ("sources", "claims"), ""),
        ("briefs", "    body: the [[ ore¦", ("claims",), "ore"),
        ("claims", "  statement: the @port¦", ENTITY_COLLECTIONS, "port"),
        ("claims", "  statement: the @{port¦", ENTITY_COLLECTIONS, "port"),
    ],
)
def test_completion_applies_where_an_id_goes(
    collection: str, text: str, targets: tuple[str, ...], partial: str
) -> None:
    assert _at(collection, text) == Context(targets, text.split("\n")[-1].index("¦") - len(partial), partial)


@pytest.mark.parametrize(
    ("collection", "text"),
    [
        ("claims", "  statement: write to desk@port¦"),  # an address, not a mention
        ("claims", "  kind: fa¦"),  # not a field of ids
        ("claims", "  about: [hills] ¦"),  # after the list
        ("routes", "  name: Hill road via the ¦"),
    ],
)
def test_no_completion_where_no_id_goes(collection: str, text: str) -> None:
    assert _at(collection, text) is None


def test_keys_that_take_ids_come_from_the_model() -> None:
    assert ref_keys("sources") == {"via": ("sources",)}
    assert ref_keys("routes")["via"] == ("places",)
    assert set(ref_keys("claims")) == {"about", "ref", "supports", "superseded_by"}
    assert set(ref_keys("briefs")) == {"key_judgments"}


@pytest.fixture
def workspace(make_project: Callable[..., Path]) -> FactWorkspace:
    return FactWorkspace(Project(make_project()))


def test_candidates_start_with_what_is_typed_then_contain_it(workspace: FactWorkspace) -> None:
    base = workspace.check().base
    found, incomplete = candidates(base, Context(("sources", "claims"), 0, "r"))
    assert found[0] == "road-slow" and not incomplete  # starts with it
    assert found[1:] == [i for i in [*base.sources, *base.claims] if "r" in i and not i.startswith("r")]


def test_candidates_are_capped_and_marked_incomplete(workspace: FactWorkspace) -> None:
    base = workspace.check().base
    for n in range(MAX_ITEMS + 5):
        base.claims[f"c-{n}"] = base.claims["road-slow"]
    found, incomplete = candidates(base, Context(("claims",), 0, "c-"))
    assert len(found) == MAX_ITEMS and incomplete


def test_the_check_reads_the_unsaved_buffer_and_parses_only_it(workspace: FactWorkspace) -> None:
    workspace.check()
    path = workspace.project.content / "claims.yaml"
    parsed = workspace.cache.parsed
    workspace.set_buffer(path, MINI["content/claims.yaml"].replace("- ref: ministry", "- ref: ministy"))
    snapshot = workspace.check()
    assert workspace.cache.parsed == parsed + 1  # the other files kept their parsed data
    assert [p.code for p in snapshot.problems if p.severity == "error"] == ["BG103"]
    assert "ministy" not in path.read_text(encoding="utf-8")
    workspace.set_buffer(path, None)  # closed: the file on disk again
    assert not [p for p in workspace.check().problems if p.severity == "error"]


@pytest.mark.parametrize(
    ("line", "col", "span"),
    [
        ("    - ref: ministy  # a comment", 12, "ministy"),
        ("  statment: x", 3, "statment"),
        ("  statement: The @port-authoritee said", 18, "@port-authoritee"),
        ("  body: Trucks [@harbour-reprot, para. 1] run.", 16, "[@harbour-reprot, para. 1]"),
        ("  about: [hills, cost, tin]", 18, "cost"),
        ('  locator: "para. 9"  # wrong', 12, '"para. 9"'),
        ("  locator: para. 9", 12, "para. 9"),
    ],
)
def test_a_problem_spans_what_stands_at_it(line: str, col: int, span: str) -> None:
    row, start, end = problem_span([line], 1, col)
    assert row == 0 and line[start:end] == span


def test_a_problem_of_a_whole_file_marks_its_start() -> None:
    assert problem_span(["- id: x"], 0, 0) == (0, 0, 0)


def test_quick_fixes_for_a_did_you_mean_key_and_id(workspace: FactWorkspace) -> None:
    path = workspace.project.content / "claims.yaml"
    text = (
        MINI["content/claims.yaml"]
        .replace("- ref: ministry", "- ref: ministy")
        .replace("  as_of: 2025\n", "  asof: 2025\n")
    )
    workspace.set_buffer(path, text)
    snapshot = workspace.check()
    display = next(d for d in snapshot.files if d.endswith("claims.yaml"))
    titles = sorted(f.title for f in fixes(snapshot, display, text, 0, len(text.splitlines())))
    assert titles == ["Change 'asof' to 'as_of'", "Change 'ministy' to 'ministry'"]


def test_hover_escapes_content_and_shows_the_grades(workspace: FactWorkspace) -> None:
    snapshot = workspace.check()
    shown = hover_text(snapshot, "j-road-late")
    assert shown is not None
    assert shown.startswith("**claim** `j-road-late` · judgment, unlikely, low confidence")
    assert "grade B3" in shown
    assert hover_text(snapshot, "no-such-id") is None
    assert escape("![x](http://e.test/a.png) <b>") == "\\!\\[x\\]\\(http\\://e\\.test/a\\.png\\) \\<b\\>"
    assert "**source** `harbour-report`" in (hover_text(snapshot, "harbour-report") or "")
    assert "reliability B: usually reliable" in (hover_text(snapshot, "harbour-report") or "")
    assert "Port Authority of the Coast (PAC)" in (hover_text(snapshot, "port-authority") or "")


def test_no_rename_while_a_file_cannot_be_read(workspace: FactWorkspace) -> None:
    """A reference in a file that does not parse could not be renamed: refuse (BG610)."""
    from briefgen.authoring.rename import plan_rename
    from briefgen.errors import BriefgenError

    workspace.set_buffer(workspace.project.content / "actors.yaml", MINI["content/actors.yaml"] + "- id: [x\n")
    snapshot = workspace.check()
    with pytest.raises(BriefgenError) as caught:
        plan_rename(list(snapshot.files.values()), "harbour-report", "harbour-news")
    assert [p.code for p in caught.value.problems] == ["BG610"]
    assert caught.value.problems[0].pos.file.endswith("actors.yaml")
