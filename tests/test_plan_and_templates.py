"""The citation plan (numbering, forms, grades) and the templates that render it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.synth import dense_brief
from briefgen.build import check_project
from briefgen.errors import errors_in
from briefgen.facts.project import Project
from briefgen.render.html import render_html
from briefgen.render.plan import BriefPlan, plan_brief
from tests import htmlread
from tests.conftest import REPO, run_cli
from tests.pdfread import PdfBack, notes_missing_from_their_pages, notes_printed_where_not_called

ENV = {**os.environ, "PYTHONPATH": str(REPO)}

GOLDEN = REPO / "tests" / "golden"


def _plan(root: Path, brief: str = "harbour") -> BriefPlan:
    base, problems = check_project(Project(root))
    assert not errors_in(problems), problems
    return plan_brief(base, base.briefs[brief])


def _notes(root: Path, brief: str = "harbour") -> dict[int, str]:
    project = Project(root)
    base, _ = check_project(project)
    html = render_html(plan_brief(base, base.briefs[brief]), base, project)
    return htmlread.endnotes(htmlread.parse(html))


def test_notes_are_numbered_in_reading_order(mini: Path) -> None:
    plan = _plan(mini)
    assert [n.number for n in plan.notes] == list(range(1, len(plan.notes) + 1))
    # summary first, then key judgments, then sections
    assert [(n.source.id, n.locator) for n in plan.notes][:2] == [
        ("harbour-report", "para. 1"),
        ("harbour-report", "para. 3"),
    ]


def test_same_source_locator_and_credibility_reuse_one_note(mini: Path) -> None:
    plan = _plan(mini)
    keys = [(n.source.id, n.locator, n.credibility) for n in plan.notes]
    assert len(keys) == len(set(keys))
    ore = next(n for n in plan.notes if (n.source.id, n.locator) == ("harbour-report", "para. 1"))
    # placed for 'ore-trucked' in the summary, then cited again from the section's prose
    assert len(ore.calls) == 2 and ore.calls[0].first and not ore.calls[1].first
    # 'road-slow' grades para. 3 as 2, the key judgment 'j-road-late' as 3: two notes
    para3 = [n for n in plan.notes if (n.source.id, n.locator) == ("harbour-report", "para. 3")]
    assert [(n.credibility, n.grade, n.claims) for n in para3] == [(2, "B2", ["road-slow"]), (3, "B3", ["j-road-late"])]


def test_first_note_for_a_source_is_full_later_ones_short(mini: Path) -> None:
    notes = _notes(mini)
    assert notes[1] == "“The Harbour Report,” Coast Daily, June 2025, para. 1. [B2]"
    assert notes[2] == "“The Harbour Report,” para. 3. [B2]"


def test_sources_known_via_another_are_reported_as_such(mini: Path) -> None:
    notes = _notes(mini)
    via = [t for t in notes.values() if t.startswith("Ministry of Trade")]
    assert via[0] == "Ministry of Trade, as reported in “The Harbour Report,” para. 2. [C3]"
    assert all("as reported in" in t for t in via)


def test_sources_list_holds_exactly_the_cited_sources(mini: Path, make_project: Callable[..., Path]) -> None:
    plan = _plan(mini)
    assert sorted(s.id for s in plan.bibliography) == ["harbour-report", "ministry"]
    summary = _plan(mini, "harbour-summary")
    assert [s.id for s in summary.bibliography] == ["harbour-report"]


def test_entities_are_named_in_full_once_then_abbreviated(mini: Path) -> None:
    project = Project(mini)
    base, _ = check_project(project)
    html = render_html(_plan(mini), base, project)
    names = re.findall(r'data-entity="port-authority">([^<]+)<', html)
    assert names[0] == "Port Authority of the Coast (PAC)"
    assert set(names[1:]) == {"PAC"}


def test_periods_and_commas_close_inside_the_quotation_marks(mini: Path) -> None:
    """Chicago style, in notes and in the sources list alike: “The Harbour Report.”, never
    “The Harbour Report”. (a note's own closing period and the via line's included)."""
    project = Project(mini)
    base, _ = check_project(project)
    html = render_html(_plan(mini), base, project)
    notes = re.findall(r'<span class="fn"[^>]*>(.*?)</span></sup>', html)
    sources = html.split('<section class="sources"', 1)[1].split("</section>", 1)[0]
    assert notes and "Known only as reported in “The Harbour Report.”" in sources
    for text in [*notes, sources]:
        assert "”." not in text and "”," not in text, text


def test_golden_html(mini: Path, regen_golden: bool) -> None:
    project = Project(mini)
    base, _ = check_project(project)
    html = render_html(_plan(mini), base, project)
    golden = GOLDEN / "harbour.html"
    if regen_golden:
        golden.write_text(html, encoding="utf-8")
    assert golden.exists(), "run pytest --regen-golden to create the golden file"
    assert html == golden.read_text(encoding="utf-8"), "HTML changed: if intended, run pytest --regen-golden"


def _override(project: Path, partial: str, old: str, new: str) -> None:
    """The project's own copy of a packaged partial, with ``old`` replaced by ``new``."""
    default = (REPO / "templates" / "partials" / partial).read_text()
    assert old in default, (partial, old)
    custom = project / "templates" / "partials" / partial
    custom.parent.mkdir(parents=True, exist_ok=True)
    custom.write_text(default.replace(old, new))


def test_a_project_template_overrides_the_default_file_by_file(mini: Path) -> None:
    _override(mini, "cite.html.j2", '"as reported in "', '"relayed by "')
    notes = _notes(mini)
    assert "Ministry of Trade, relayed by “The Harbour Report,” para. 2. [C3]" in notes.values()
    assert not [t for t in notes.values() if "as reported in" in t]
    # the other templates still come from the defaults
    assert run_cli("build", "--format", "html", "--project", str(mini), cwd=mini).returncode == 0
    assert "Bottom line up front" in (mini / "output" / "harbour.html").read_text()


def test_a_project_can_restyle_claims_mentions_and_images(mini: Path) -> None:
    """The prose markup is the partial prose.html.j2: a project's own copy replaces it."""
    _override(mini, "prose.html.j2", '<span class="entity"', '<span class="entity named"')
    project = Project(mini)
    base, problems = check_project(project)
    assert not [p for p in problems if p.code.startswith("BG30")], problems
    html = render_html(_plan(mini), base, project)
    assert 'class="entity named" data-entity="port-authority"' in html
    assert 'class="entity"' not in html


def test_old_project_templates_without_the_prose_partial_still_build(mini: Path) -> None:
    """A project whose templates/ predates prose.html.j2 (an older `init --templates`) gets
    the packaged one: the brief is rendered as before."""
    shutil.copytree(REPO / "templates", mini / "templates")
    (mini / "templates" / "partials" / "prose.html.j2").unlink()
    project = Project(mini)
    base, problems = check_project(project)
    assert not [p for p in problems if p.code.startswith("BG30")], problems
    html = render_html(_plan(mini), base, project)
    assert html == (GOLDEN / "harbour.html").read_text(encoding="utf-8")


def test_each_note_body_is_written_once_per_brief_however_often_it_is_called(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """cite.html.j2's ``note`` runs once per note for the footnote bodies the calls carry,
    and once for the endnote list: not once per call."""
    import jinja2.runtime

    plan = _plan(mini)
    assert any(len(note.calls) > 1 for note in plan.notes)  # some note is called again
    invoke = jinja2.runtime.Macro._invoke
    written: list[int] = []

    def counted(self: jinja2.runtime.Macro, arguments: list[object], autoescape: bool) -> str:
        if self.name == "note":
            written.append(getattr(arguments[0], "number", 0))
        return invoke(self, arguments, autoescape)  # type: ignore[no-any-return]

    monkeypatch.setattr(jinja2.runtime.Macro, "_invoke", counted)
    project = Project(mini)
    base, _ = check_project(project)
    html = render_html(plan, base, project)
    assert sorted(written) == sorted([n.number for n in plan.notes] * 2)
    assert html == (GOLDEN / "harbour.html").read_text(encoding="utf-8")


def test_a_project_calls_partial_that_takes_no_bodies_still_builds(mini: Path) -> None:
    """A project's own calls.html.j2 from before the bodies argument writes each body itself."""
    _override(mini, "calls.html.j2", "calls(list, bodies=none)", "calls(list)")
    own = mini / "templates" / "partials" / "calls.html.j2"
    text = own.read_text()
    old = "bodies[call.note.number] if bodies is not none else note_text(call.note, false)"
    assert old in text
    own.write_text(text.replace(old, "note_text(call.note, false)"))
    project = Project(mini)
    base, problems = check_project(project)
    assert not [p for p in problems if p.code.startswith("BG30")], problems
    assert render_html(_plan(mini), base, project) == (GOLDEN / "harbour.html").read_text(encoding="utf-8")


def test_missing_template_is_reported_at_the_brief(mini: Path) -> None:
    brief = mini / "content" / "briefs" / "harbour.yaml"
    brief.write_text(brief.read_text().replace("template: brief", "template: memo"))
    (mini / "output").mkdir()
    (mini / "output" / "harbour.html").write_text("previous")
    proc = run_cli("build", "--project", str(mini), cwd=mini)
    assert proc.returncode == 1
    line = next(i for i, t in enumerate(brief.read_text().splitlines(), 1) if t.startswith("template:"))
    assert f"content/briefs/harbour.yaml:{line}:11: error[BG301]: brief 'harbour': no template 'memo'" in proc.stderr
    assert (mini / "output" / "harbour.html").read_text() == "previous"


@pytest.mark.parametrize(
    ("source", "code", "line"),
    [
        ('{% extends "brief.html.j2" %}\n{% block main %}\n{{ plan.nonsense }}\n{% endblock %}\n', "BG303", 3),
        ('{% extends "brief.html.j2" %}\n{% block main %}\n{% if %}\n{% endblock %}\n', "BG302", 3),
        # Whatever the template's own code raises is its mistake, never a traceback.
        ('{% extends "brief.html.j2" %}\n{% block main %}\n<p>{{ 1 / 0 }}</p>\n{% endblock %}\n', "BG303", 3),
        ('{% extends "brief.html.j2" %}\n{% block main %}\n{{ "%d" % "x" }}\n{% endblock %}\n', "BG303", 3),
        (
            '{% extends "brief.html.j2" %}\n{% macro r(n) %}{{ r(n) }}{% endmacro %}\n'
            "{% block main %}\n{{ r(1) }}\n{% endblock %}\n",
            "BG303",
            2,
        ),
    ],
)
def test_template_mistakes_name_the_template_file_and_line(mini: Path, source: str, code: str, line: int) -> None:
    (mini / "templates").mkdir()
    (mini / "templates" / "memo.html.j2").write_text(source)
    brief = mini / "content" / "briefs" / "harbour.yaml"
    brief.write_text(brief.read_text().replace("template: brief", "template: memo"))
    proc = run_cli("build", "harbour", "--format", "html", "--project", str(mini), cwd=mini)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    # Relative to the working folder, as every other message is.
    assert re.search(rf"^templates/memo\.html\.j2:{line}:\d+: error\[{code}\]", proc.stderr, re.M), proc.stderr


def test_check_finds_template_mistakes_without_building(mini: Path) -> None:
    """`check` reports what `build` would trip on: a brief naming a missing template, and in
    the project's own templates a syntax error, an unknown filter and a missing include,
    each at its file and line."""
    brief = mini / "content" / "briefs" / "harbour.yaml"
    brief.write_text(brief.read_text().replace("template: brief", "template: memo"))
    own = mini / "templates" / "partials"
    own.mkdir(parents=True)
    (mini / "templates" / "summary.html.j2").write_text(
        '{% extends "layout.html.j2" %}\n{% block main %}\n{% include "partials/nowhere.html.j2" %}\n{% endblock %}\n'
    )
    (own / "cite.html.j2").write_text("{% macro note(n) %}\n{{ n | shout }}\n{% endmacro %}\n")
    (own / "calls.html.j2").write_text("{% macro calls(c) %}\n{% for x in c %}\n{% endmacro %}\n")
    (own / "optional.html.j2").write_text('{% include "partials/maybe.html.j2" ignore missing %}\n')
    proc = run_cli("check", "--project", str(mini), cwd=mini)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    line = next(i for i, t in enumerate(brief.read_text().splitlines(), 1) if t.startswith("template:"))
    found = sorted(re.findall(r"^(\S+): error\[(BG30\d)\]: (.*)$", proc.stdout, re.MULTILINE))
    assert [(where, code) for where, code, _ in found] == [
        (f"content/briefs/harbour.yaml:{line}:11", "BG301"),
        ("templates/partials/calls.html.j2:3:1", "BG302"),
        ("templates/partials/cite.html.j2:2:1", "BG302"),
        ("templates/summary.html.j2:3:1", "BG301"),
    ]
    messages = {where: message for where, _, message in found}
    assert messages["templates/summary.html.j2:3:1"] == "template 'partials/nowhere.html.j2' not found"
    assert "No filter named 'shout'" in messages["templates/partials/cite.html.j2:2:1"]


def test_template_names_jinja_accepts_are_not_reported(mini: Path) -> None:
    """`./` and `//` in a name are skipped by Jinja's loader, so check does not call them missing;
    a template too deeply nested to compile is a problem, not a traceback."""
    own = mini / "templates"
    own.mkdir()
    (own / "brief.html.j2").write_text(
        '{% extends "./layout.html.j2" %}\n{% from "partials//tables.html.j2" import entity_table %}\n'
    )
    (own / "deep.html.j2").write_text("{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}\n")
    proc = run_cli("check", "--project", str(mini), cwd=mini)
    assert "Traceback" not in proc.stderr
    assert "BG301" not in proc.stdout, proc.stdout
    assert "templates/deep.html.j2: error[BG302]: template nested too deeply to compile" in proc.stdout


def test_an_edited_template_is_checked_again_and_an_unchanged_one_is_not(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live preview checks on every save: unchanged templates are not parsed again,
    and a change (a new mistake, then its fix) is seen at once."""
    from briefgen.render import templatecheck

    own = mini / "templates" / "partials"
    own.mkdir(parents=True)
    cite = own / "cite.html.j2"
    cite.write_text((REPO / "templates" / "partials" / "cite.html.j2").read_text())
    parsed: list[str] = []
    real_parse = templatecheck._parse
    monkeypatch.setattr(templatecheck, "_parse", lambda o, p, r, f: parsed.append(p.name) or real_parse(o, p, r, f))
    project = Project(mini)

    def template_codes() -> list[str]:
        return [p.code for p in check_project(project)[1] if p.code.startswith("BG30")]

    assert template_codes() == [] and parsed == ["cite.html.j2"]
    assert template_codes() == [] and parsed == ["cite.html.j2"]  # unchanged: not parsed again
    cite.write_text(cite.read_text() + "{% if %}\n")
    assert template_codes() == ["BG302"] and parsed == ["cite.html.j2"] * 2
    cite.write_text((REPO / "templates" / "partials" / "cite.html.j2").read_text())
    assert template_codes() == []


def test_check_without_templates_of_its_own_never_imports_jinja(mini: Path) -> None:
    code = (
        "import sys; from briefgen.commands.main import main; rc = main(['check']); print(rc, 'jinja2' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=mini, capture_output=True, text=True, env=ENV)
    assert proc.stdout.split()[-2:] == ["0", "False"], proc.stderr


def test_a_template_cannot_make_the_pdf_read_local_files(mini: Path) -> None:
    (mini / "templates").mkdir()
    (mini / "templates" / "leaky.html.j2").write_text(
        '{% extends "brief.html.j2" %}{% block head_extra %}'
        '<link rel="attachment" href="file:///etc/passwd"><link rel="stylesheet" href="file:///etc/hostname">'
        "{% endblock %}"
    )
    brief = mini / "content" / "briefs" / "harbour.yaml"
    brief.write_text(brief.read_text().replace("template: brief", "template: leaky"))
    proc = run_cli("build", "harbour", "--format", "pdf", "--project", str(mini), cwd=mini)
    assert proc.returncode == 0, proc.stderr
    assert "refused to load file:///etc/passwd" in proc.stderr
    pdf = (mini / "output" / "harbour.pdf").read_bytes()
    assert b"root:x:0:0" not in pdf and b"/EmbeddedFile" not in pdf


@pytest.mark.parametrize("seed", [0, 2])
def test_every_note_on_its_page_in_a_long_dense_brief(tmp_path: Path, seed: int) -> None:
    """WeasyPrint 70 moves some notes to the next page in this layout, and the six sources
    at thirty places each are called again and again across pages: on every page, every
    note number called there has its note at the page's foot."""
    root = dense_brief(tmp_path / "dense", seed=seed)
    proc = run_cli("build", "brief-000", "--project", str(root), cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "BG405" not in proc.stderr
    pdf = PdfBack.open(root / "output" / "brief-000.pdf")
    calls = [k for k in pdf.anchor_pages() if re.fullmatch(r"call-\d+(-\d+)?", k)]
    assert len(calls) > 200 and len(pdf.reader.pages) > 10
    notes = htmlread.endnotes(htmlread.parse((root / "output" / "brief-000.html").read_text()))
    assert notes_missing_from_their_pages(root / "output" / "brief-000.pdf", notes) == []
    # and a repeat never strays onto a page that does not call it
    assert notes_printed_where_not_called(root / "output" / "brief-000.pdf") == []
