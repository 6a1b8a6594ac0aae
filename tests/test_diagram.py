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


# -- a figure that reads in print (issue #15, item 6) -------------------------------------


def _a4_text_width_pt() -> float:
    """The text width of an A4 page, from print.css's own page margins."""
    css = (REPO / "templates" / "print.css").read_text()
    _top, right, _bottom, left = re.search(
        r"@page\s*{\s*margin:\s*([\d.]+)mm ([\d.]+)mm ([\d.]+)mm ([\d.]+)mm", css
    ).groups()
    return (210 - float(right) - float(left)) / 25.4 * 72


def _smallest_printed_pt(svg: str) -> float:
    """The smallest text of an inline SVG as printed on A4: drawn at 1 px = 0.75 pt, shrunk
    to the text width when wider (figure.diagram svg { max-width: 100% })."""
    root = ET.fromstring(svg)
    width = float(root.get("viewBox").split()[2])
    assert float(root.get("width")) == width
    scale = min(0.75, _a4_text_width_pt() / width)
    sizes = [float(t.get("font-size")) for t in root.iter(f"{SVG}text")]
    return min(sizes) * scale


SHARED = [
    Route(id="long", name="Long haul", mode="road", from_="mine", to="port", via=["hills"], commodities=["tin"]),
    Route(
        id="short", name="Short haul", mode="rail", from_="hills", to="port", commodities=["jade"], status="proposed"
    ),
]


def _labels(svg: str) -> dict[str, list[list[tuple[str, bool]]]]:
    """route id -> for each of its arrows, its texts with whether each is bold."""
    out: dict[str, list[list[tuple[str, bool]]]] = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("data-route"):
            texts = [(t.text or "", t.get("font-weight") == "bold") for t in g.iter(f"{SVG}text")]
            out.setdefault(g.get("data-route") or "", []).append(texts)
    return out


def test_no_text_of_the_figure_prints_under_7_pt_on_a4(example_built: Path) -> None:
    html = (example_built / "myanmar-rare-earths.html").read_text()
    figures = [html[html.index("<svg", html.index('class="diagram')) :].split("</svg>")[0] + "</svg>"]
    figures.append(str(route_diagram(TANGLE, _base(TANGLE_PLACES, TANGLE), "t").svg()))
    figures.append(str(route_diagram(SHARED, _base(TANGLE_PLACES, SHARED), "s").svg()))
    for svg in figures:
        assert _smallest_printed_pt(svg) >= 7.0


def test_each_route_is_named_on_its_line_and_on_every_shared_stretch() -> None:
    for routes in (TANGLE, SHARED):
        svg = str(route_diagram(routes, _base(TANGLE_PLACES, routes), "t").svg())
        for route in routes:
            arrows = _labels(svg).get(route.id, [])
            if route.id == "r6":  # names no place: described, not drawn
                assert arrows == []
                continue
            assert arrows
            for texts in arrows:  # every arrow of the route, each leg of one through a via place
                name = " ".join(text for text, bold in texts if bold)
                assert name == route.name, (route.id, texts)
    # "Long haul" runs mine -> hills -> port, "Short haul" hills -> port: the shared stretch
    # carries both names, each on its own line.
    svg = str(route_diagram(SHARED, _base(TANGLE_PLACES, SHARED), "s").svg())
    assert len(_labels(svg)["long"]) == 2 and len(_labels(svg)["short"]) == 1


def test_the_legend_is_as_large_as_the_labels() -> None:
    root = ET.fromstring(str(route_diagram(TANGLE, _base(TANGLE_PLACES, TANGLE), "t").svg()))
    label_sizes = {
        float(t.get("font-size")) for g in root.iter(f"{SVG}g") if g.get("data-route") for t in g.iter(f"{SVG}text")
    }
    legend_sizes = {
        float(t.get("font-size"))
        for g in root.iter(f"{SVG}g")
        if "rd-legend" in (g.get("class") or "")
        for t in g.iter(f"{SVG}text")
    }
    assert len(legend_sizes) == 1 and min(legend_sizes) >= max(label_sizes)


def _luma(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b


def test_status_lines_differ_in_grey_as_well_as_in_colour() -> None:
    root = ET.fromstring(str(route_diagram(TANGLE, _base(TANGLE_PLACES, TANGLE), "t").svg()))
    lines = {
        (g.get("class") or "").split("rd-status-")[1]: next(g.iter(f"{SVG}line"))
        for g in root.iter(f"{SVG}g")
        if "rd-legend" in (g.get("class") or "")
    }
    assert set(lines) == {"operational", "proposed", "disrupted", "closed", "unknown"}
    for (a, la), (b, lb) in itertools.combinations(lines.items(), 2):
        # Printed in grey, two statuses still differ in their dash pattern and their grey.
        assert la.get("stroke-dasharray") != lb.get("stroke-dasharray"), (a, b)
        assert abs(_luma(la.get("stroke")) - _luma(lb.get("stroke"))) >= 0.06, (a, b)


def test_status_colours_are_the_same_in_figure_and_table(example_built: Path) -> None:
    root = htmlread.parse((example_built / "myanmar-rare-earths.html").read_text())
    figure = {g.get("data-route"): next(g.iter(f"{SVG}path")) for g in root.iter(f"{SVG}g") if g.get("data-route")}
    table = next(t for t in root.iter(f"{htmlread.NS}table") if "routes" in (t.get("class") or ""))
    names = {r.get("name"): r.get("id") for r in _example_routes()}
    seen = 0
    for row in table.iter(f"{htmlread.NS}tr"):
        cells = list(row)
        if not cells or cells[0].tag != f"{htmlread.NS}th" or cells[0].get("scope") != "row":
            continue
        route = names[htmlread.text_of(cells[0])]
        swatch = next(cells[-1].iter(f"{SVG}line"))
        assert swatch.get("stroke") == figure[route].get("stroke"), route
        assert swatch.get("stroke-dasharray") == figure[route].get("stroke-dasharray"), route
        seen += 1
    assert seen == 2
    # The word beside it is in ink: no second colour scheme for statuses in the stylesheet.
    assert ".status-proposed" not in (REPO / "templates" / "screen.css").read_text()


def _example_routes() -> list[dict[str, str]]:
    import yaml

    return yaml.safe_load((REPO / "content" / "routes.yaml").read_text())
