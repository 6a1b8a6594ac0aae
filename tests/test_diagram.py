"""The route diagram: drawn from places and routes only, the same in HTML and PDF, described in words."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from briefgen.facts.model import FactBase, Mineral, Place, Route
from briefgen.render.diagram import route_diagram
from tests import htmlread
from tests.conftest import MINI, REPO, run_cli
from tests.pdfread import PdfBack, squash

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def example_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("diagram")
    proc = run_cli("build", "myanmar-rare-earths", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


def _figure(html: str) -> object:
    root = htmlread.parse(html)
    figures = [el for el in root.iter(f"{htmlread.NS}figure") if "diagram" in (el.get("class") or "")]
    assert len(figures) == 1
    return figures[0]


def test_the_routes_section_carries_the_figure_with_caption_and_words(example_built: Path) -> None:
    html = (example_built / "myanmar-rare-earths.html").read_text()
    section = html[html.index('<section id="the-routes"') : html.index("</section>", html.index('id="the-routes"'))]
    assert "<figure" in section and "<svg" in section, "the figure is in the routes section"
    figure = _figure(html)
    svg = next(figure.iter(f"{SVG}svg"))  # type: ignore[attr-defined]
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert next(svg.iter(f"{SVG}title")).get("id") == title_id
    desc = next(svg.iter(f"{SVG}desc"))
    assert desc.get("id") == desc_id
    caption = htmlread.text_of(next(figure.iter(f"{htmlread.NS}figcaption")))  # type: ignore[attr-defined]
    assert caption.startswith("Figure 1.")
    # The words name every route, its ends, its goods and its status: the text alternative.
    for words in (
        "Kachin–China ore trucking route: by road from Kachin State to China, carrying rare earth elements, "
        "dysprosium and terbium; operational.",
        "India–Myanmar road route: by road from Myanmar to India via India’s northeastern border states, "
        "carrying rare earth elements; proposed.",
    ):
        assert words in caption
        assert words in desc.text
    # Boxes for exactly the places the routes pass, each once; one arrow per route segment.
    places = [g.get("data-place") for g in svg.iter(f"{SVG}g") if g.get("data-place")]
    assert sorted(places) == sorted(
        ["kachin-state", "china-territory", "myanmar", "india-northeast", "india-territory"]
    )
    styles = {
        g.get("data-route"): next(g.iter(f"{SVG}path")).get("stroke-dasharray")
        for g in svg.iter(f"{SVG}g")
        if g.get("data-route")
    }
    assert styles["kachin-china-road"] is None  # operational: solid
    assert styles["india-myanmar-road"]  # proposed: dashed
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "road · operational" in texts and "road · proposed" in texts
    assert "in Myanmar" in texts  # Kachin State lies within Myanmar, from `within`


def test_the_pdf_shows_the_same_figure_on_one_page(example_built: Path) -> None:
    pages = [squash(t) for t in PdfBack.open(example_built / "myanmar-rare-earths.pdf").page_texts()]
    with_caption = [i for i, t in enumerate(pages) if "Figure 1. Routes in this brief" in t]
    assert len(with_caption) == 1
    page = pages[with_caption[0]]
    # The SVG's words are real text in the PDF, on the caption's page.
    # (pypdf reads the spaces around the middle dot of the shipped sans as none; pdftotext
    # sees them.)
    for label in ("Kachin State", "China", "Myanmar", "India", "road · operational", "road · proposed", "terbium"):
        assert label.replace(" · ", "·") in page.replace(" · ", "·"), label


def test_the_svg_is_self_contained(example_built: Path) -> None:
    html = (example_built / "myanmar-rare-earths.html").read_text()
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert not re.search(r"href|url\(|<image|<script|<foreignObject|@import", svg)


def _base(places: list[tuple[str, str, str | None]], routes: list[Route]) -> FactBase:
    base = FactBase()
    for pid, name, within in places:
        base.places[pid] = Place(id=pid, name=name, within=within)
    for m in ("tin", "jade"):
        base.minerals[m] = Mineral(id=m, name=m)
    for r in routes:
        base.routes[r.id] = r
    return base


def _boxes(svg: str) -> dict[str, tuple[float, float, float, float]]:
    root = ET.fromstring(svg)
    out = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("data-place"):
            rect = next(g.iter(f"{SVG}rect"))
            out[g.get("data-place") or ""] = tuple(float(rect.get(k) or 0) for k in ("x", "y", "width", "height"))
    return out  # type: ignore[return-value]


TANGLE = [
    Route(id="r1", name="Hill road", mode="road", from_="hills", to="port", commodities=["tin"], status="operational"),
    Route(id="r2", name="Hill rail", mode="rail", from_="hills", to="port", commodities=["tin"], status="proposed"),
    Route(id="r3", name="Mine track", from_="mine", to="hills", commodities=["jade"], status="disrupted"),
    Route(id="r4", name="Export", mode="sea", from_="port", to="abroad", via=["pass"], status="closed"),
    Route(id="r5", name="Back haul", from_="abroad", to="mine"),  # a cycle
    Route(id="r6", name="Nowhere", commodities=["jade"]),  # no places: listed, not drawn
]
TANGLE_PLACES = [
    ("hills", "Northern Hills", None),
    ("port", "Port <Sela> & Co", None),
    ("mine", "Big Pit", "hills"),
    ("pass", "Long Name Pass on the Border", None),
    ("abroad", "Abroad", None),
]


def test_parallel_routes_cycles_and_missing_places_are_drawn_apart_or_described() -> None:
    base = _base(TANGLE_PLACES, TANGLE)
    diagram = route_diagram(TANGLE, base, "t")
    svg = str(diagram.svg())
    boxes = _boxes(svg)
    assert set(boxes) == {"hills", "port", "mine", "pass", "abroad"}
    for (a, ra), (b, rb) in itertools.combinations(boxes.items(), 2):
        apart = ra[0] + ra[2] <= rb[0] or rb[0] + rb[2] <= ra[0] or ra[1] + ra[3] <= rb[1] or rb[1] + rb[3] <= ra[1]
        assert apart, f"{a} and {b} overlap"
    for x, y, w, h in boxes.values():
        assert x >= 0 and x + w <= diagram.width
        assert y >= 0 and y + h <= diagram.height
    # The two routes between the same places take two different paths.
    root = ET.fromstring(svg)
    paths = {
        g.get("data-route"): next(g.iter(f"{SVG}path")).get("d") for g in root.iter(f"{SVG}g") if g.get("data-route")
    }
    assert paths["r1"] != paths["r2"]
    assert "r6" not in paths
    assert any("Nowhere" in w and "not drawn" in w for w in diagram.words)
    # Content is escaped, never markup.
    assert "Port &lt;Sela&gt; &amp; Co" in svg and "<Sela>" not in svg
    # Every status drawn gets a legend entry.
    legend = {g.get("class") for g in root.iter(f"{SVG}g") if "rd-legend" in (g.get("class") or "")}
    assert legend == {f"rd-legend rd-status-{s}" for s in ("operational", "proposed", "disrupted", "closed", "unknown")}


def test_the_layout_is_deterministic_and_uses_no_coordinates() -> None:
    first = str(route_diagram(TANGLE, _base(TANGLE_PLACES, TANGLE), "t").svg())
    again = str(route_diagram(TANGLE, _base(TANGLE_PLACES, TANGLE), "t").svg())
    assert first == again
    located = _base(TANGLE_PLACES, TANGLE)
    for n, place in enumerate(located.places.values()):
        place.coords = [10.0 + n, 20.0 - n]
    assert str(route_diagram(TANGLE, located, "t").svg()) == first


def test_a_brief_of_the_mini_project_can_ask_for_the_figure(make_project: Callable[..., Path]) -> None:
    brief = MINI["content/briefs/harbour.yaml"].replace(
        "    table: routes\n", "    table: routes\n    figure: routes\n"
    )
    root = make_project({"content/briefs/harbour.yaml": brief})
    out = root / "out"
    proc = run_cli("build", "harbour", "--format", "html", "--out", str(out), "--project", str(root))
    assert proc.returncode == 0, proc.stderr
    html = (out / "harbour.html").read_text()
    assert "Hill road: by road from Northern Hills to Coast, carrying tin; operational." in html
    bad = make_project({"content/briefs/harbour.yaml": brief.replace("figure: routes", "figure: map")})
    check = run_cli("check", "--project", str(bad))
    assert check.returncode == 1
    assert re.search(r"harbour\.yaml:\d+:\d+: error\[BG105\]: 'figure' .*'map' is not one of", check.stdout)


def test_repo_example_brief_asks_for_the_figure_in_its_routes_section() -> None:
    text = (REPO / "content" / "briefs" / "myanmar-rare-earths.yaml").read_text()
    block = text[text.index("- heading: The routes") :].split("  - heading:")[0]
    assert "figure: routes" in block
