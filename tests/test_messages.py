"""Words a new user meets: the hints of common mistakes show the fix with the user's own
key and value, and the brief's sentences count in words (from a new user's trial)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from briefgen.build import check_project
from briefgen.facts.project import Project
from briefgen.render.html import render_html
from briefgen.render.plan import plan_brief
from tests.conftest import MINI, run_cli

BRIEF = MINI["content/briefs/harbour.yaml"]


def _problems(project: Path) -> list[dict[str, object]]:
    proc = run_cli("check", "--project", str(project), "--format", "json", cwd=project)
    assert "Traceback" not in proc.stderr, proc.stderr
    return list(json.loads(proc.stdout))


def test_a_claim_in_place_alone_as_a_body_is_shown_quoted(make_project: Callable[..., Path]) -> None:
    """``body: [[id]]`` alone is valid YAML, a list in a list: the hint says what the author
    meant, as it does when text follows the brackets (a syntax error then)."""
    assert "body: Who is who." in BRIEF
    project = make_project({"content/briefs/harbour.yaml": BRIEF.replace("body: Who is who.", "body: [[road-slow]]")})
    (hit,) = [p for p in _problems(project) if p["code"] == "BG104"]
    assert "expected text, found a list" in str(hit["message"])
    assert hit["hint"] == (
        "a value starting with '[' is read as a YAML list: quote the whole value, e.g. body: \"[[road-slow]]\""
    )


def test_a_template_name_with_a_typo_gets_a_did_you_mean(make_project: Callable[..., Path]) -> None:
    project = make_project({"content/briefs/harbour.yaml": BRIEF.replace("template: brief", "template: breif")})
    (hit,) = [p for p in _problems(project) if p["code"] == "BG301"]
    assert hit["message"] == "brief 'harbour': no template 'breif' (breif.html.j2) (did you mean 'brief'?)"


def test_the_colon_hint_shows_the_users_own_key_and_value(make_project: Callable[..., Path]) -> None:
    project = make_project(
        {"content/briefs/harbour.yaml": BRIEF.replace("subtitle: A test brief", "subtitle: Ports: a test")}
    )
    (hit,) = _problems(project)
    assert hit["code"] == "BG001"
    assert hit["hint"] == "a value holding ': ' must be quoted, e.g. subtitle: \"Ports: a test\""


def test_two_single_source_facts_are_both(make_project: Callable[..., Path]) -> None:
    """The single-source annex counts in words: "Both facts", never "All 2 facts"."""
    assert "[[ore-trucked]] " in BRIEF
    project = make_project({"content/briefs/harbour.yaml": BRIEF.replace("[[ore-trucked]] ", "", 1)})
    base, _ = check_project(Project(project))
    html = render_html(plan_brief(base, base.briefs["harbour"]), base, Project(project))
    assert "Both facts in this brief" in html and "All 2 facts" not in html
