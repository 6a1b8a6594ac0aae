"""Resource limits (issue #13): content that would make briefgen block, eat memory or lay
out for ever is refused at once, at its file and line, with what to do.

Each class through the real command line (time limits are only generous hang guards, as
subprocess timeouts), and the pieces in process: the file reader, the alias-size walk,
the image headers, the crossing count of the route diagram, the image decode check.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import os
import random
import stat
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from briefgen.authoring.schema import collection_schema
from briefgen.errors import BriefgenError
from briefgen.facts.assets import MAX_IMAGE_PIXELS, image_size, resolve_image
from briefgen.facts.load import MAX_EXPANDED_CHARS, parse_yaml_text
from briefgen.facts.model import FactBase, Mineral, Place, Route
from briefgen.files import RefusedFile, read_regular
from briefgen.render.diagram import MAX_PLACES, MAX_ROUTES, _Layout, count_crossings, route_diagram
from tests.conftest import MINI, REPO, run_cli

BRIEF = MINI["content/briefs/harbour.yaml"]
SOURCES = MINI["content/sources.yaml"]
#: The last line of the "Trade" section's body in the MINI brief.
ANCHOR = "      Later, the ministry again [@ministry, para. 4].\n"


def position_of(text: str, token: str) -> tuple[int, int]:
    """1-based (line, column) of the first occurrence of ``token`` in ``text``."""
    index = text.index(token)
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def check_json(project: Path, timeout: float = 120) -> tuple[int, list[dict[str, Any]]]:
    proc = run_cli("check", "--project", str(project), "--format", "json", cwd=project, timeout=timeout)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def of_code(problems: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    return [p for p in problems if p["code"] == code]


def seed_outputs(project: Path) -> dict[str, bytes]:
    """Earlier outputs a failed build must leave as they were."""
    out = project / "output"
    out.mkdir(exist_ok=True)
    for name in ("harbour.html", "harbour.pdf"):
        (out / name).write_bytes(f"earlier {name}\n".encode())
    return {p.name: p.read_bytes() for p in out.iterdir()}


def outputs(project: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (project / "output").iterdir()}


def peak_run(tmp_path: Path, project: Path, *args: str, timeout: float = 120) -> tuple[int, str, float, float]:
    """(exit code, stdout, seconds, peak MiB) of the CLI, measured by bench/peak.py."""
    peak_path = tmp_path / "peak.txt"
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / "peak.py"), str(peak_path), "briefgen", *args, "--project", str(project)],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    elapsed = time.monotonic() - started
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout + proc.stderr, elapsed, int(peak_path.read_text()) / 1024


# -- archives: regular files only, under 8 MiB, never blocking (BG113) ----------------------


def _archive_where() -> tuple[int, int]:
    return position_of(SOURCES, "archive/harbour.txt")


def test_archive_that_is_a_fifo_is_refused_without_blocking(mini: Path) -> None:
    archive = mini / "content" / "archive" / "harbour.txt"
    archive.unlink()
    os.mkfifo(archive)
    code, problems = check_json(mini, timeout=60)  # main blocked here for ever
    assert code == 1
    [hit] = of_code(problems, "BG113")
    assert (hit["file"], hit["line"], hit["col"]) == ("content/sources.yaml", *_archive_where())
    assert "named pipe" in hit["message"] and "not read" in hit["message"]
    assert "plain text file" in hit["hint"]


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_archive_that_is_a_device_is_refused_unread(mini: Path) -> None:
    """A copy of /dev/zero inside content/archive/: reading it would fill memory."""
    archive = mini / "content" / "archive" / "harbour.txt"
    archive.unlink()
    os.mknod(archive, stat.S_IFCHR | 0o644, os.makedev(1, 5))
    code, problems = check_json(mini, timeout=60)
    assert code == 1
    [hit] = of_code(problems, "BG113")
    assert hit["line"] == _archive_where()[0] and "is a device" in hit["message"]


def test_archive_over_the_size_limit_is_refused(mini: Path) -> None:
    archive = mini / "content" / "archive" / "harbour.txt"
    archive.write_bytes(archive.read_bytes() + b"x" * (8 * 1024 * 1024))
    code, problems = check_json(mini)
    assert code == 1
    [hit] = of_code(problems, "BG113")
    assert hit["line"] == _archive_where()[0]
    assert "the limit is 8,388,608" in hit["message"] and "split" in hit["hint"]
    assert not of_code(problems, "BG112"), "quotes of a refused archive are not reported as missing"


def test_read_regular_refuses_a_fifo_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    outcome: list[BaseException | bytes] = []

    def read() -> None:
        try:
            outcome.append(read_regular(fifo, 100))
        except (RefusedFile, OSError) as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(10)  # a blocking open would wait here for a writer that never comes
    assert not reader.is_alive(), "read_regular blocked on a FIFO"
    assert isinstance(outcome[0], RefusedFile) and "FIFO" in outcome[0].reason


def test_read_regular_holds_a_file_to_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 101)
    assert read_regular(path, 101) == b"x" * 101
    with pytest.raises(RefusedFile) as refused:
        read_regular(path, 100)
    assert refused.value.size == 101
    with pytest.raises(RefusedFile, match="folder"):
        read_regular(tmp_path, 100)


# -- aliases of big scalars (BG006) ---------------------------------------------------------


def big_alias_yaml(repeats: int, size: int) -> str:
    """One mineral whose name is a ``size``-character anchored string, used ``repeats`` times."""
    return "\n".join(["- id: tin", "  name: &big " + "x" * size, "  uses:", *["    - *big"] * repeats]) + "\n"


def test_aliases_of_a_big_string_are_refused_fast_and_in_little_memory(mini: Path, tmp_path: Path) -> None:
    """100 KB repeated 100,000 times: 10 GB written out. Main passed the check, and build
    then needed more than 10 GB."""
    (mini / "content" / "minerals.yaml").write_text(big_alias_yaml(100_000, 100_000))
    code, out, elapsed, peak_mib = peak_run(tmp_path, mini, "build", "--format", "html", timeout=120)
    assert code == 1
    assert (
        "content/minerals.yaml:4:5:" in out and "error[BG006]: aliases expand to more than 8,388,608 characters" in out
    )
    assert not (mini / "output").exists()
    assert elapsed < 60, elapsed  # about 0.5 s alone; the machine is shared
    assert peak_mib < 200, peak_mib  # a plain check peaks near 30


def test_alias_size_walk_counts_every_use() -> None:
    size = 1000
    fits = MAX_EXPANDED_CHARS // size - 10
    _, problems = parse_yaml_text(big_alias_yaml(fits, size), "m.yaml")
    assert problems == []
    _, problems = parse_yaml_text(big_alias_yaml(fits + 20, size), "m.yaml")
    assert [p.code for p in problems] == ["BG006"]
    # Nested: a list of ten aliases of a list of ten aliases... of a 10 KB string.
    lines = ["a0: &a0 " + "y" * 10_000]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 4)]
    value, problems = parse_yaml_text("\n".join(lines) + "\n", "m.yaml")  # 10 MB written out
    assert value is None and [p.code for p in problems] == ["BG006"], problems
    assert "characters" in problems[0].message and problems[0].pos.line == 4


def test_text_without_anchors_is_not_walked_again() -> None:
    """No '&' in the file: no alias, and no second walk (the common case stays as fast)."""
    value, problems = parse_yaml_text("- id: a\n  name: " + "z" * 1000 + "\n", "m.yaml")
    assert problems == [] and value[0]["name"] == "z" * 1000


@pytest.mark.parametrize(
    "number",
    ["9" * 5_000, "-" + "1" * 4_400, "0x" + "f" * 4_000, "0" + "7" * 5_000, "0b" + "1" * 14_000, "1" * 100_000],
    ids=["decimal", "negative", "hex", "octal", "binary", "100k-digits"],
)
def test_an_integer_of_thousands_of_digits_is_bg104(number: str) -> None:
    """Python refuses to write (or read) an int of over 4,300 digits as text: a name
    given as such a number used to end in a ValueError traceback from the check. Any
    number of over 100 characters is refused before it is converted."""
    started = time.monotonic()
    value, problems = parse_yaml_text(f"- id: a\n  name: {number}\n", "m.yaml")
    assert [(p.code, p.pos.line, p.pos.col) for p in problems] == [("BG104", 2, 9)], problems
    assert "numbers may have at most 100" in problems[0].message and "quote it" in problems[0].hint
    assert value[0]["name"] is None
    assert time.monotonic() - started < 10  # a hang guard: milliseconds alone


def test_an_integer_at_the_length_limit_is_read() -> None:
    value, problems = parse_yaml_text("- id: a\n  name: " + "9" * 100 + "\n", "m.yaml")
    assert problems == [] and value[0]["name"] == int("9" * 100)


def test_check_reports_a_huge_number_as_a_name_without_a_traceback(make_project: Callable[..., Path]) -> None:
    actors = MINI["content/actors.yaml"].replace("name: Port Authority of the Coast", "name: 0x" + "f" * 5_000)
    project = make_project({"content/actors.yaml": actors})
    code, problems = check_json(project, timeout=60)
    assert code == 1
    [hit] = of_code(problems, "BG104")
    assert (hit["file"], hit["line"], hit["col"]) == ("content/actors.yaml", 2, 9), hit


# -- fields longer than their limit (BG123) -------------------------------------------------


def test_a_number_longer_than_its_text_field_limit_is_bg123(make_project: Callable[..., Path]) -> None:
    """A template name written as a 90-digit hex number is read as 109 digits of text:
    it is held to the field's limit too (it used to reach the template lookup and, longer,
    end in an OSError 'File name too long' traceback)."""
    summary = MINI["content/briefs/harbour-summary.yaml"].replace("template: summary", "template: 0x" + "f" * 90)
    project = make_project({"content/briefs/harbour-summary.yaml": summary})
    code, problems = check_json(project, timeout=60)
    assert code == 1
    [hit] = of_code(problems, "BG123")
    assert (hit["file"], hit["line"], hit["col"]) == ("content/briefs/harbour-summary.yaml", 4, 11), hit
    assert "109 characters long; the limit is 100" in hit["message"]
    assert not of_code(problems, "BG301")  # the too long name is not looked up


def test_a_number_in_a_list_of_ids_longer_than_an_id_is_bg123(make_project: Callable[..., Path]) -> None:
    """An item of a list is held to the limit as it reads as text: a hex number of 100
    characters (as long as a number may be written) is 119 digits, longer than an id."""
    number = "0x" + "f" * 98
    claims = MINI["content/claims.yaml"].replace("about: [hills, coast,", f"about: [hills, {number},", 1)
    assert number in claims
    project = make_project({"content/claims.yaml": claims})
    code, problems = check_json(project, timeout=60)
    assert code == 1
    [hit] = of_code(problems, "BG123")
    assert "an item of 'about'" in hit["message"] and "119 characters long; the limit is 100" in hit["message"]
    line, col = position_of(claims, number)
    assert (hit["file"], hit["line"], hit["col"]) == ("content/claims.yaml", line, col)
    assert not of_code(problems, "BG104")  # not "expected an id, found a number"


LONG = {
    # name: (file, text to replace, the too long value, what replaces the text, limit)
    "brief title": ("content/briefs/harbour.yaml", "title: Harbour <Trade> & Tin", "T" * 301, "title: {}", 300),
    "subtitle": ("content/briefs/harbour.yaml", "subtitle: A test brief", "s " * 151, "subtitle: {}", 300),
    "marking": ("content/briefs/harbour.yaml", "marking: Public", "M" * 101, "marking: {}", 100),
    "template name": ("content/briefs/harbour.yaml", "template: brief", "b" * 101, "template: {}", 100),
    "keyword": ("content/briefs/harbour.yaml", "keywords: [tin, harbour]", "k" * 201, "keywords: [tin, {}]", 200),
    "section heading": ("content/briefs/harbour.yaml", "heading: Trade", "H" * 301, "heading: {}", 300),
    "actor name": ("content/actors.yaml", "name: Port Authority of the Coast", "N" * 201, "name: {}", 200),
    "actor short name": ("content/actors.yaml", "short: PAC", "S" * 201, "short: {}", 200),
    "source title": ("content/sources.yaml", "title: The Harbour Report", "R" * 501, "title: {}", 500),
    "id": ("content/places.yaml", "id: hills", "-".join(["hills"] * 20), "id: {}", 100),
    "author name": ("content/sources.yaml", "- literal: Ministry of Trade", "A" * 201, "- literal: {}", 200),
}


@pytest.mark.parametrize("case", sorted(LONG))
def test_a_field_longer_than_its_limit_is_bg123_at_its_line(case: str, make_project: Callable[..., Path]) -> None:
    name, old, value, new, limit = LONG[case]
    text = MINI[name]
    assert old in text
    changed = text.replace(old, new.format(value.strip()), 1)
    project = make_project({name: changed})
    code, problems = check_json(project)
    assert code == 1
    hits = of_code(problems, "BG123")
    assert len(hits) == 1, problems
    line, col = position_of(changed, value.strip())
    assert (hits[0]["file"], hits[0]["line"], hits[0]["col"]) == (name, line, col)
    assert f"the limit is {limit:,}" in hits[0]["message"] and hits[0]["hint"]
    assert len(hits[0]["message"]) < 400, "the long value is not repeated in the message"


def test_a_huge_title_fails_at_once_instead_of_laying_out_for_minutes(make_project: Callable[..., Path]) -> None:
    """24 KB took 6.7 s of layout on main, 300 KB did not finish in 10 minutes."""
    title = " ".join(["Harbour"] * 40_000)
    project = make_project(
        {"content/briefs/harbour.yaml": BRIEF.replace("title: Harbour <Trade> & Tin", "title: " + title)}
    )
    before = seed_outputs(project)
    proc = run_cli("build", "--project", str(project), cwd=project, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert (
        "content/briefs/harbour.yaml:2:8: error[BG123]: 'title' of brief 'harbour' is 319,999 characters" in proc.stderr
    )
    assert outputs(project) == before


def test_the_schemas_carry_the_same_limits() -> None:
    """Editors flag a long title as the check does (maxLength from the same field specs)."""
    brief = collection_schema("briefs")["definitions"]["Brief"]["properties"]
    assert brief["title"]["maxLength"] == 300 and brief["marking"]["maxLength"] == 100
    assert brief["id"]["maxLength"] == 100
    assert "maxLength" not in brief["summary"], "prose is not bounded by a field limit"
    committed = json.loads((REPO / "schemas" / "briefs.schema.json").read_text())
    assert committed["definitions"]["Brief"]["properties"]["title"]["maxLength"] == 300


# -- the route diagram: near-linear layout, and a bound (BG408) ---------------------------


def routes_project(places: int, routes: int, seed: int = 1) -> dict[str, str]:
    """MINI with ``places`` more places and ``routes`` routes between them, all in the
    brief's diagram. The brief must refer to no route, so that the figure draws them all:
    MINI's claim 'ore-trucked' is about 'hill-road', so that reference is dropped here."""
    rnd = random.Random(seed)
    place_yaml = "".join(f"- id: p{i}\n  name: Place {i}\n  kind: town\n" for i in range(places))
    route_yaml = ""
    for j in range(routes):
        a, b = rnd.sample(range(places), 2)
        via = [f"p{rnd.randrange(places)}" for _ in range(rnd.randrange(2))]
        route_yaml += (
            f"- id: r{j}\n  name: Route {j}\n  mode: road\n  from: p{a}\n  to: p{b}\n"
            f"  via: [{', '.join(via)}]\n  commodities: [tin]\n  status: operational\n"
        )
    brief = BRIEF.replace("    table: routes\n", "    table: routes\n    figure: routes\n")
    brief = brief.replace("@port-authority", "the port authority")  # mentions no route or place
    return {
        "content/places.yaml": MINI["content/places.yaml"] + place_yaml,
        "content/routes.yaml": MINI["content/routes.yaml"] + route_yaml,
        "content/briefs/harbour.yaml": brief,
        "content/claims.yaml": MINI["content/claims.yaml"].replace(
            "about: [hills, coast, hill-road, tin]", "about: [hills, coast, tin]"
        ),
    }


def test_a_diagram_too_large_for_one_figure_is_bg408_at_once(make_project: Callable[..., Path]) -> None:
    """150 places and 400 routes did not finish in 10 minutes on main (and hung the preview)."""
    files = routes_project(150, 400)
    project = make_project(files)
    before = seed_outputs(project)
    proc = run_cli("build", "harbour", "--format", "html", "--project", str(project), cwd=project, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    line, _ = position_of(files["content/briefs/harbour.yaml"], "routes\n    figure: routes")
    assert f"content/briefs/harbour.yaml:{line + 1}:13: error[BG408]: the route diagram would draw" in proc.stderr
    assert f"(the limit is {MAX_PLACES})" in proc.stderr and f"(the limit is {MAX_ROUTES})" in proc.stderr
    assert "hint: split it" in proc.stderr
    assert outputs(project) == before


def test_a_diagram_at_the_limit_builds_in_seconds(make_project: Callable[..., Path]) -> None:
    project = make_project(routes_project(MAX_PLACES - 3, MAX_ROUTES - 1))
    proc = run_cli("build", "harbour", "--format", "html", "--project", str(project), cwd=project, timeout=60)
    assert proc.returncode == 0, proc.stderr
    html = (project / "output" / "harbour.html").read_text()
    assert html.count('class="rd-route') >= MAX_ROUTES - 1


def _crossings_by_pairs(links: list[tuple[int, int, int]]) -> int:
    """The definition, pair by pair (what the diagram did before, in O(L^2))."""
    return sum(1 for (la, a, b), (lc, c, d) in itertools.combinations(links, 2) if la == lc and (a - c) * (b - d) < 0)


def test_crossing_count_equals_the_pairwise_definition() -> None:
    rnd = random.Random(13)
    for _ in range(300):
        width = rnd.randrange(1, 9)
        links = [(rnd.randrange(3), rnd.randrange(width), rnd.randrange(width)) for _ in range(rnd.randrange(40))]
        assert count_crossings(links) == _crossings_by_pairs(links), links


def _base(places: int, routes: int) -> tuple[FactBase, list[Route]]:
    rnd = random.Random(7)
    base = FactBase()
    for i in range(places):
        base.places[f"p{i}"] = Place(id=f"p{i}", name=f"Place {i}")
    base.minerals["tin"] = Mineral(id="tin", name="tin")
    out = []
    for j in range(routes):
        a, b = rnd.sample(range(places), 2)
        route = Route(id=f"r{j}", name=f"Route {j}", from_=f"p{a}", to=f"p{b}", commodities=["tin"])
        base.routes[route.id] = route
        out.append(route)
    return base, out


def test_layout_beyond_the_limit_is_no_longer_quadratic() -> None:
    """The layout itself (below the BG408 bound) of 150 places and 400 routes: hours on
    main (crossings counted pair by pair), about a second now."""
    base, routes = _base(150, 400)
    started = time.monotonic()
    diagram = _Layout(routes, base, "x").run()
    used = {r.from_ for r in routes} | {r.to for r in routes}  # random ends may miss a place
    assert {n.key for n in diagram.nodes if not n.dummy} == used
    assert time.monotonic() - started < 60  # a hang guard: about 1 s alone


def test_route_diagram_refuses_more_places_than_a_figure_holds() -> None:
    base, routes = _base(MAX_PLACES + 20, MAX_ROUTES)
    with pytest.raises(BriefgenError) as error:
        route_diagram(routes, base)
    [problem] = error.value.problems
    assert problem.code == "BG408" and f"(the limit is {MAX_PLACES})" in problem.message


# -- images: pixels, headers, and images the PDF would drop (BG122, BG409) ------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int, body: bytes | None = None) -> bytes:
    """A PNG header declaring width x height, with ``body`` (a few zero rows by default) as data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * 1000) if body is None else body
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def gif_declaring(width: int, height: int) -> bytes:
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", width, height, 0, 0, 0)
        + b"\x2c"
        + struct.pack("<HHHHB", 0, 0, width, height, 0)
        + b"\x02\x02\x44\x01\x00\x3b"
    )


def jpeg_declaring(width: int, height: int) -> bytes:
    real = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(real, "JPEG")
    data = bytearray(real.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def image_project(make_project: Callable[..., Path], name: str, data: bytes) -> tuple[Path, str]:
    line = f"![The harbour]({name})"
    brief = BRIEF.replace(ANCHOR, ANCHOR + f"      {line}\n")
    project = make_project({"content/briefs/harbour.yaml": brief})
    (project / "content" / "assets").mkdir()
    (project / "content" / name).write_bytes(data)
    return project, brief


@pytest.mark.parametrize(
    "name, data",
    [
        ("assets/bomb.png", png_declaring(100_000, 100_000)),
        ("assets/bomb.gif", gif_declaring(65_000, 65_000)),
        ("assets/bomb.jpg", jpeg_declaring(60_000, 60_000)),
    ],
    ids=["png", "gif", "jpeg"],
)
def test_a_decompression_bomb_is_refused_by_its_header(
    name: str, data: bytes, make_project: Callable[..., Path]
) -> None:
    assert len(data) < 2000, "a few bytes that declare billions of pixels"
    project, brief = image_project(make_project, name, data)
    code, problems = check_json(project, timeout=60)
    assert code == 1
    [hit] = of_code(problems, "BG122")
    assert (hit["line"], hit["col"]) == position_of(brief, name)
    assert "megapixels); the limit is 40 megapixels" in hit["message"] and "scale it down" in hit["hint"]


def test_an_image_with_a_truncated_header_is_refused(make_project: Callable[..., Path]) -> None:
    project, _ = image_project(make_project, "assets/cut.png", png_declaring(10, 10)[:20])
    code, problems = check_json(project)
    assert code == 1
    [hit] = of_code(problems, "BG122")
    assert "broken PNG file" in hit["message"] and "cut short" in hit["message"]


def test_an_image_whose_body_is_corrupt_fails_the_pdf_build_with_bg409(make_project: Callable[..., Path]) -> None:
    """A sound header and a corrupt body: check cannot tell (it decodes nothing); WeasyPrint
    would lay out a grey box or a broken picture without a word."""
    project, brief = image_project(make_project, "assets/harbour.png", png_declaring(64, 64, b"not zlib data" * 20))
    code, problems = check_json(project)
    assert code == 0, problems
    before = seed_outputs(project)
    proc = run_cli("build", "harbour", "--project", str(project), cwd=project, timeout=300)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    line, col = position_of(brief, "assets/harbour.png")
    assert f"content/briefs/harbour.yaml:{line}:{col}: error[BG409]: brief 'harbour': image 'assets/harbour.png'" in (
        proc.stderr
    )
    assert "export it again" in proc.stderr
    assert outputs(project) == before


def test_image_size_reads_headers_only() -> None:
    for fmt in ("PNG", "GIF", "JPEG"):
        buffer = io.BytesIO()
        Image.new("RGB", (37, 23), "red").save(buffer, fmt)
        data = buffer.getvalue()
        assert image_size(data) == (37, 23), fmt
        for cut in (3, 11, 16):
            with pytest.raises(ValueError):
                image_size(data[:cut])
    # A GIF frame may declare more than its logical screen: the larger counts.
    assert image_size(gif_declaring(60_000, 50)) == (60_000, 50)
    assert MAX_IMAGE_PIXELS < 100_000 * 100_000


def test_resolve_image_accepts_a_sound_image(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    buffer = io.BytesIO()
    Image.new("RGB", (7000, 5000)).save(buffer, "PNG")  # 35 megapixels: under the limit
    (tmp_path / "assets" / "big.png").write_bytes(buffer.getvalue())
    found = resolve_image(tmp_path, "assets/big.png")
    assert isinstance(found, tuple) and found[1] == "image/png"


def test_broken_images_decodes_with_truncation_refused() -> None:
    """WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the process; the check must not."""
    from PIL import ImageFile

    from briefgen.render.pdf import broken_images  # imports WeasyPrint, which sets it

    assert ImageFile.LOAD_TRUNCATED_IMAGES, "WeasyPrint's setting, which would hide a corrupt body"

    def page(data: bytes) -> str:
        return f'<p><img src="data:image/png;base64,{base64.b64encode(data).decode()}" alt="x"></p>'

    good = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(good, "PNG")
    assert broken_images(page(good.getvalue())) == []
    rows = zlib.compress(b"".join(b"\x00" + b"\x10\x20\x30" * 64 for _ in range(64)))
    cut = png_declaring(64, 64, rows[: len(rows) // 2])
    assert len(broken_images(page(cut) + page(cut))) == 1, "each image once"
    assert ImageFile.LOAD_TRUNCATED_IMAGES, "WeasyPrint's setting is restored"
