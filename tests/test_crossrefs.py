"""Cross-references in Quarto's convention: ``@fig-ID``, ``@tbl-ID`` and ``@sec-ID`` write
"Figure 1", "Table 2", "Section 3" with a link, numbered in reading order, the same in HTML
and PDF; ``![caption](assets/x.png){#fig-ID}`` is a numbered figure; a dangling reference
or a misplaced label is a check error at its line and column.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from briefgen.check.validate import validate_project
from briefgen.errors import errors_in
from briefgen.facts.project import Project
from briefgen.render.html import render_html
from briefgen.render.plan import plan_brief
from tests.conftest import MINI, REPO, run_cli, tiny_image
from tests.pdfread import PdfBack, squash

#: Sections with a prose figure, a generated figure and two generated tables, and prose
#: referring to each of them, before and after.
BODY = """\
summary: See @fig-belt, @fig-routes, @tbl-actors, @tbl-routes, @sec-trade and @sec-sources-note.
sections:
  - heading: Trade
    body: |
      The hills, in @fig-belt, send ore by the road of @fig-routes (listed in @tbl-routes).

      ![The northern hills and the coast](assets/belt.png){#fig-belt}

      More in @sec-who.
    figure: routes
    table: routes
  - heading: Who is who
    id: who
    body: See @tbl-actors and, back, @sec-trade.
    table: actors
annexes:
  - heading: Sources note
    body: As @sec-trade shows.
"""


@pytest.fixture(autouse=True)
def _no_record_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFGEN_NO_CACHE", "1")


@pytest.fixture
def xref_project(make_project: Callable[..., Path]) -> Callable[..., Path]:
    def make(body: str = BODY, claims: str | None = None) -> Path:
        brief = "id: t\ntitle: T\ndate: 2026-01-01\nstandard_annexes: false\n" + textwrap.dedent(body)
        root = make_project(
            {"content/briefs/t.yaml": brief, "content/claims.yaml": claims or MINI["content/claims.yaml"]}
        )
        (root / "content" / "assets").mkdir()
        (root / "content" / "assets" / "belt.png").write_bytes(tiny_image("PNG"))
        return root

    return make


def html_of(root: Path) -> str:
    project = Project(root)
    base, problems = validate_project(project)
    assert errors_in(problems) == [], [p.format() for p in problems]
    return render_html(plan_brief(base, base.briefs["t"]), base, project)


def xrefs(html: str) -> list[tuple[str, str]]:
    """(href, text) of each cross-reference link, in order."""
    return re.findall(r'<a class="xref xref-\w+" href="#([^"]+)">([^<]+)</a>', html)


def test_cross_references_write_numbers_in_reading_order_with_links(xref_project: Callable[..., Path]) -> None:
    html = html_of(xref_project())
    assert xrefs(html) == [
        # summary: the prose figure comes first in reading order, then the generated one
        ("fig-belt", "Figure 1"),
        ("fig-routes", "Figure 2"),
        ("tbl-actors", "Table 2"),
        ("tbl-routes", "Table 1"),
        ("trade", "Section 1"),
        ("sources-note", "Annex 1"),
        # section Trade
        ("fig-belt", "Figure 1"),
        ("fig-routes", "Figure 2"),
        ("tbl-routes", "Table 1"),
        ("who", "Section 2"),  # a section's own id
        ("tbl-actors", "Table 2"),
        ("trade", "Section 1"),
        ("trade", "Section 1"),
    ]
    # every link lands on an element with that id
    for anchor, _ in xrefs(html):
        assert f'id="{anchor}"' in html


def test_targets_carry_their_numbers(xref_project: Callable[..., Path]) -> None:
    html = html_of(xref_project())
    assert re.search(
        r'<figure class="image" id="fig-belt"><img src="data:image/png;base64,[^"]+" alt="The northern hills', html
    )
    assert (
        '<figcaption><span class="figure-label">Figure 1.</span> The northern hills and the coast</figcaption>' in html
    )
    assert '<span class="figure-label">Figure 2.</span> Routes in this brief' in html
    assert '<figure class="diagram routes" id="fig-routes"' in html
    assert (
        '<table class="data routes short" id="tbl-routes">\n<caption><span class="table-label">Table 1.</span>' in html
    )
    assert (
        '<table class="data actors short" id="tbl-actors">\n<caption><span class="table-label">Table 2.</span>' in html
    )
    assert '<h2 id="trade-h"><span class="section-number">1</span> Trade</h2>' in html
    assert '<h2 id="who-h"><span class="section-number">2</span> Who is who</h2>' in html
    assert '<h2 id="sources-note-h">Annex 1: Sources note</h2>' in html
    # the figure's paragraph is gone, not left around the <figure>
    assert "<p><figure" not in html


def test_the_pdf_writes_the_same_numbers_and_links_them(xref_project: Callable[..., Path]) -> None:
    root = xref_project()
    result = run_cli("build", "t", "--format", "pdf", "--project", str(root))
    assert result.returncode == 0, result.stderr
    pdf = PdfBack.open(root / "output" / "t.pdf")
    text = squash(" ".join(pdf.page_texts()))
    assert "See Figure 1, Figure 2, Table 2, Table 1, Section 1 and Annex 1." in text
    assert "Figure 1. The northern hills and the coast" in text
    assert "Table 1. Routes in this brief" in text
    # the links go to named destinations, on the pages where the targets are
    destinations = pdf.anchor_pages()
    for anchor in ("fig-belt", "fig-routes", "tbl-routes", "tbl-actors", "trade", "who", "sources-note"):
        assert anchor in destinations
    links = [
        annot.get_object()
        for page in pdf.reader.pages
        for annot in page.get("/Annots") or []
        if annot.get_object().get("/Subtype") == "/Link"
    ]
    internal = [a for a in links if "/Dest" in a or ("/A" in a and a["/A"].get("/S") == "/GoTo")]
    assert len(internal) >= 13  # the cross-references, besides the contents list and note calls


def test_a_dangling_cross_reference_is_an_error_at_its_line_and_column(xref_project: Callable[..., Path]) -> None:
    root = xref_project(
        """\
        sections:
          - heading: Trade
            body: |
              Ore goes by road.
              See @tbl-route and @sec-trad, or @fig-routes.
            table: routes
        """
    )
    result = run_cli("check", "--project", str(root))
    out = result.stdout
    assert result.returncode == 1
    assert (
        "content/briefs/t.yaml:9:11: error[BG131]: brief 't', section 'Trade': no table 'route' to refer to "
        "in '@tbl-route' (did you mean 'tbl-routes'?)"
    ) in out
    assert "content/briefs/t.yaml:9:26: error[BG131]: brief 't', section 'Trade': no section 'trad'" in out
    assert "t.yaml:9:40: error[BG131]: brief 't', section 'Trade': no figure 'routes'" in out
    assert "hint: this brief has no figure to refer to" in out
    assert "error[BG131]" in out and out.count("error[BG131]") == 3


@pytest.mark.parametrize(
    ("body", "col", "message"),
    [
        ("See ![a map](assets/belt.png){#fig-belt} inline.", 29, "'{#fig-belt}' makes no figure here"),
        ("![a map](assets/belt.png){#fig-Belt}", 25, "'{#fig-Belt}' is not a figure label"),
        (
            "![a map](assets/belt.png){#fig-belt}\n\n      ![again](assets/belt.png){#fig-belt}",
            25,
            "figure label 'fig-belt' is used twice",
        ),
    ],
)
def test_a_figure_label_that_makes_no_figure_is_an_error(
    xref_project: Callable[..., Path], body: str, col: int, message: str
) -> None:
    """``col`` is where the label stands in the body (the body is indented by six)."""
    root = xref_project(f"sections:\n  - heading: Trade\n    body: |\n      {body}\n")
    result = run_cli("check", "--project", str(root))
    assert result.returncode == 1
    line = 8 if "again" not in body else 10
    assert (
        f"content/briefs/t.yaml:{line}:{6 + col + 1}: error[BG132]: brief 't', section 'Trade': {message}"
        in result.stdout
    )


def test_a_claim_statement_cannot_cross_reference(xref_project: Callable[..., Path]) -> None:
    claims = MINI["content/claims.yaml"].replace(
        "statement: The new road is unlikely to open soon.",
        "statement: The new road (@fig-routes) is unlikely to open soon.",
    )
    root = xref_project(claims=claims)
    result = run_cli("check", "--project", str(root))
    assert result.returncode == 1
    assert (
        "error[BG131]: claim 'j-road-late': a claim statement cannot cross-reference ('@fig-routes')" in result.stdout
    )


def test_a_project_prose_partial_without_the_new_macros_still_renders_them(xref_project: Callable[..., Path]) -> None:
    root = xref_project()
    packaged = (REPO / "templates" / "partials" / "prose.html.j2").read_text(encoding="utf-8")
    older = packaged[: packaged.index("{#- A cross-reference")]  # as a project copied it before
    (root / "templates" / "partials").mkdir(parents=True)
    (root / "templates" / "partials" / "prose.html.j2").write_text(older, encoding="utf-8")
    html = html_of(root)
    assert xrefs(html)[:2] == [("fig-belt", "Figure 1"), ("fig-routes", "Figure 2")]
    assert '<span class="figure-label">Figure 1.</span> The northern hills' in html
