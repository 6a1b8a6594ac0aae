"""Hostile content: content is untrusted, templates are the project's code.

Each attack runs through the real command line. Each test asserts the message (code, file
and line), the exit code, and that nothing outside the project was read or fetched: a
local HTTP server counts requests, and ``tests/audited.py`` records every file Python
opened and every socket.
"""

from __future__ import annotations

import http.server
import json
import os
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest

from tests import htmlread
from tests.conftest import ARCHIVE_SHA256, MINI, REPO, run_cli

BRIEF = MINI["content/briefs/harbour.yaml"]
CLAIMS = MINI["content/claims.yaml"]
ACTORS = MINI["content/actors.yaml"]
SOURCES = MINI["content/sources.yaml"]
#: The last line of the "Trade" section's body (a YAML block scalar) in the MINI brief.
ANCHOR = "      Later, the ministry again [@ministry, para. 4].\n"
#: Text of a file outside every project: if it shows up anywhere, something leaked.
SECRET = "TOP-SECRET-7f3a9c-not-for-briefs"


# -- helpers -------------------------------------------------------------------------------


def with_prose(*lines: str) -> dict[str, str]:
    """The MINI brief with ``lines`` added to the Trade section's Markdown body."""
    assert ANCHOR in BRIEF
    return {"content/briefs/harbour.yaml": BRIEF.replace(ANCHOR, ANCHOR + "".join(f"      {ln}\n" for ln in lines))}


def position_of(text: str, token: str) -> tuple[int, int]:
    """1-based (line, column) of the last occurrence of ``token`` in ``text``."""
    index = text.rindex(token)
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def check_json(project: Path, *extra: str) -> tuple[int, list[dict[str, Any]]]:
    proc = run_cli("check", "--project", str(project), "--format", "json", *extra, cwd=project)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def audited(log: Path, *args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI under the audit hook of tests/audited.py; the log lists what it opened."""
    return subprocess.run(
        [sys.executable, str(REPO / "tests" / "audited.py"), str(log), "--", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def opened(log: Path) -> list[str]:
    """Every path the audited process opened."""
    return [os.path.realpath(detail) for event, detail in json.loads(log.read_text()) if event == "open"]


def network_events(log: Path) -> list[list[str]]:
    return [
        e
        for e in json.loads(log.read_text())
        if e[0].startswith("socket.") or (e[0] == "urllib.Request" and "http" in e[1])
    ]


def build_keeping_outputs(project: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`briefgen build` over earlier outputs; asserts they are untouched (the build fails)."""
    out = project / "output"
    out.mkdir(exist_ok=True)
    for name in ("harbour.html", "harbour.pdf", "harbour-summary.html", "harbour-summary.pdf"):
        (out / name).write_bytes(f"earlier {name}\n".encode())
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = run_cli("build", "--project", str(project), cwd=project, timeout=timeout)
    assert proc.returncode == 1, proc.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    return proc


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside the project that no build may read."""
    outside = tmp_path / "outside"
    outside.mkdir()
    path = outside / "secret.yaml"
    path.write_text(f"secret_key: {SECRET}\n")
    return path


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(tiny_png())

    do_POST = do_HEAD = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def web() -> Iterator[tuple[str, list[str]]]:
    """A local web server on a free port: (base URL, the paths it was asked for)."""
    requests: list[str] = []
    handler = type("Handler", (_Recorder,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()


def tiny_png(width: int = 4, height: int = 4) -> bytes:
    """A valid red PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xcc\x22\x22" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


# -- links in prose (BG120) -----------------------------------------------------------------

LINKS = {
    # name: (line added to the brief's prose, the destination as written, shown in the message)
    "javascript": ("See [the map](javascript:alert(1)).", "javascript:alert(1)", "javascript:alert(1)"),
    "mixed case": ("See [map](JaVaScRiPt:alert(document.cookie)).", "JaVaScRiPt:alert(document.cookie)", "JaVaScRiPt"),
    "entity-encoded colon": ("See [map](javascript&#58;alert(1)).", "javascript&#58;alert(1)", "javascript:alert(1)"),
    "data URI": ("[map](data:text/html;base64,PHNjcmlwdD4=)", "data:text/html;base64,PHNjcmlwdD4=", "data:text/html"),
    "file URL": ("Read [this](file:///etc/passwd).", "file:///etc/passwd", "file:///etc/passwd"),
    "vbscript": ("[x](vbscript:msgbox(1))", "vbscript:msgbox(1)", "vbscript:msgbox(1)"),
    "relative path": ("[x](../../etc/passwd)", "../../etc/passwd", "../../etc/passwd"),
    "protocol-relative": ("[x](//evil.example/steal)", "//evil.example/steal", "//evil.example/steal"),
    "angle brackets": ("[x](<javascript:alert(1)>)", "<javascript:alert(1)>", "javascript:alert(1)"),
    "autolink": ("Visit <javascript:alert(1)> now.", "javascript:alert(1)", "javascript:alert(1)"),
}


@pytest.mark.parametrize("case", sorted(LINKS))
def test_unsafe_link_in_prose_is_a_check_error_at_its_line(case: str, make_project: Callable[..., Path]) -> None:
    line, raw, shown = LINKS[case]
    overrides = with_prose(line)
    project = make_project(overrides)
    code, problems = check_json(project)
    assert code == 1
    hits = [p for p in problems if p["code"] == "BG120"]
    assert len(hits) == 1, problems
    where = position_of(overrides["content/briefs/harbour.yaml"], raw)
    assert (hits[0]["file"], hits[0]["line"], hits[0]["col"]) == ("content/briefs/harbour.yaml", *where)
    assert shown in hits[0]["message"] and "brief 'harbour'" in hits[0]["message"]
    assert "http" in hits[0]["hint"]
    # build refuses too, and writes nothing
    proc = run_cli("build", "--format", "html", "--project", str(project), cwd=project)
    assert proc.returncode == 1 and "error[BG120]" in proc.stderr
    assert not (project / "output").exists()


def test_unsafe_reference_definition_and_claim_statement(make_project: Callable[..., Path]) -> None:
    overrides = with_prose("See [the map][m].", "", "[m]: javascript:alert(2)")
    overrides["content/claims.yaml"] = CLAIMS.replace(
        "  statement: The new road is unlikely to open soon.\n",
        "  statement: The new road is unlikely to open soon ([why](data:text/html,x)).\n",
    )
    project = make_project(overrides)
    code, problems = check_json(project)
    assert code == 1
    found = {(p["file"], p["line"]) for p in problems if p["code"] == "BG120"}
    assert found == {
        (
            "content/briefs/harbour.yaml",
            position_of(overrides["content/briefs/harbour.yaml"], "javascript:alert(2)")[0],
        ),
        ("content/claims.yaml", position_of(overrides["content/claims.yaml"], "data:text/html,x")[0]),
    }


@pytest.mark.parametrize("url", ["file:///etc/passwd", "data:text/html,<b>x</b>", "javascript:alert(1)", "ftp://x/y"])
def test_unsafe_source_url_is_a_check_error(url: str, make_project: Callable[..., Path]) -> None:
    sources = SOURCES.replace("  container-title: Coast Daily\n", f"  container-title: Coast Daily\n  URL: '{url}'\n")
    project = make_project({"content/sources.yaml": sources})
    code, problems = check_json(project)
    assert code == 1
    hits = [p for p in problems if p["code"] == "BG117"]
    assert len(hits) == 1 and hits[0]["file"] == "content/sources.yaml"
    assert hits[0]["line"] == position_of(sources, url)[0]
    assert f"link scheme '{url.split(':')[0]}' is not allowed" in hits[0]["message"]


def test_safe_links_pass_and_render(make_project: Callable[..., Path]) -> None:
    project = make_project(
        with_prose(
            "See [the report](https://example.org/a_(b)), <mailto:desk@example.org>,",
            "[the top](#top) and `[code](javascript:not-a-link)`.",
        )
    )
    code, problems = check_json(project)
    assert code == 0, problems
    proc = run_cli("build", "harbour", "--format", "html", "--project", str(project), cwd=project)
    assert proc.returncode == 0, proc.stderr
    root = htmlread.parse((project / "output" / "harbour.html").read_text())
    hrefs = {a.get("href") for a in root.iter(f"{htmlread.NS}a")}
    assert {"https://example.org/a_(b)", "mailto:desk@example.org", "#top"} <= hrefs
    assert not any(h.lower().startswith("javascript") for h in hrefs)
    codes = [htmlread.text_of(c) for c in root.iter(f"{htmlread.NS}code")]
    assert "[code](javascript:not-a-link)" in codes


def test_renderer_refuses_unsafe_links_even_without_the_check(tmp_path: Path) -> None:
    """Defence in depth: the Markdown renderer itself never writes an unsafe href or src."""
    from briefgen.facts.project import packaged_templates
    from briefgen.render.html import _Renderer, environment
    from briefgen.render.markdown import parse, render

    (tmp_path / "content" / "assets").mkdir(parents=True)
    renderer = _Renderer(environment((packaged_templates(),)), False, tmp_path / "content")
    hostile = "\n\n".join(
        [
            "[a](javascript:alert(1)) [b](JAVASCRIPT:alert(1)) [c](javascript&#58;alert(1))",
            "[d](data:text/html,x) [e](file:///etc/passwd) [f](../../etc/passwd) [g](vbscript:x)",
            "<javascript:alert(1)> <file:///etc/passwd>",
            "![h](http://127.0.0.1:9/x.png) ![i](file:///etc/passwd) ![j](../../../etc/passwd) ![k](/etc/passwd)",
            "<script>alert(1)</script> <img src=x onerror=alert(1)>",
            "[l][ref]\n\n[ref]: javascript:alert(1)",
        ]
    )
    html = render(parse(hostile), renderer.md_env)
    root = htmlread.parse(f"<body>{html}</body>")
    assert [a.get("href") for a in root.iter(f"{htmlread.NS}a")] == []
    assert list(root.iter(f"{htmlread.NS}img")) == [] and list(root.iter(f"{htmlread.NS}script")) == []
    assert "&lt;script&gt;" in html
    assert all(not k.startswith("on") for el in root.iter() for k in el.attrib)


# -- images in prose (BG121, BG122) ---------------------------------------------------------

IMAGES = {
    # name: (destination, code, words in the message)
    "file URL": ("file:///etc/passwd", "BG121", "is not a file in content/assets/"),
    "absolute path": ("/etc/passwd", "BG121", "is not a file in content/assets/"),
    "parent folders": ("../../../../etc/passwd", "BG121", "is outside content/assets/"),
    "encoded parent folders": ("assets/..%2F..%2F..%2Fetc%2Fpasswd", "BG121", "is outside content/assets/"),
    "web address": ("https://example.org/pixel.png", "BG121", "is not a file in content/assets/"),
    "another content file": ("assets/../sources.yaml", "BG121", "is outside content/assets/"),
    "symlink out of assets": ("assets/leak.png", "BG121", "is outside content/assets/"),
    "missing": ("assets/nothing.png", "BG122", "not found"),
    "not really a PNG": ("assets/fake.png", "BG122", "is not really a PNG file"),
    "SVG": ("assets/map.svg", "BG122", "is not a PNG, JPEG or GIF file"),
}


@pytest.mark.parametrize("case", sorted(IMAGES))
def test_image_outside_assets_is_a_check_error(
    case: str, make_project: Callable[..., Path], secret: Path, tmp_path: Path
) -> None:
    url, code_wanted, words = IMAGES[case]
    overrides = with_prose(f"![the map]({url})")
    project = make_project(overrides)
    assets = project / "content" / "assets"
    assets.mkdir()
    (assets / "fake.png").write_text("<html>not a picture</html>")
    (assets / "map.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    (assets / "leak.png").symlink_to(secret)
    log = tmp_path / "audit.json"
    proc = audited(log, "check", "--format", "json", "--project", str(project), cwd=project)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    hits = [p for p in json.loads(proc.stdout) if p["code"] in ("BG121", "BG122")]
    assert [p["code"] for p in hits] == [code_wanted], hits
    where = position_of(overrides["content/briefs/harbour.yaml"], url)
    assert (hits[0]["file"], hits[0]["line"], hits[0]["col"]) == ("content/briefs/harbour.yaml", *where)
    assert words in hits[0]["message"] and hits[0]["hint"]
    paths = opened(log)
    assert str(secret) not in paths and "/etc/passwd" not in paths
    assert network_events(log) == []


def test_image_in_assets_is_inlined_so_nothing_is_fetched(make_project: Callable[..., Path], tmp_path: Path) -> None:
    project = make_project(with_prose("![A red square](assets/square.png)"))
    (project / "content" / "assets").mkdir()
    (project / "content" / "assets" / "square.png").write_bytes(tiny_png())
    log = tmp_path / "audit.json"
    proc = audited(log, "build", "harbour", "--project", str(project), cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert "BG406" not in proc.stderr
    root = htmlread.parse((project / "output" / "harbour.html").read_text())
    images = list(root.iter(f"{htmlread.NS}img"))
    assert len(images) == 1 and images[0].get("alt") == "A red square"
    assert images[0].get("src").startswith("data:image/png;base64,")
    reader = pypdf.PdfReader(project / "output" / "harbour.pdf")
    assert any(page.images for page in reader.pages), "the image is in the PDF"
    assert network_events(log) == []


def test_assets_folder_linking_out_of_the_project_is_no_source(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    """content/assets -> a folder elsewhere: neither prose nor a template may load from it."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "private.png").write_bytes(tiny_png())
    overrides = with_prose("![private](assets/private.png)")
    project = make_project(overrides)
    (project / "content" / "assets").symlink_to(elsewhere)
    code, problems = check_json(project)
    assert code == 1
    hits = [p for p in problems if p["code"] == "BG121"]
    assert len(hits) == 1 and "is a link to" in hits[0]["message"] and "outside content/" in hits[0]["message"]
    assert (hits[0]["line"], hits[0]["col"]) == position_of(
        overrides["content/briefs/harbour.yaml"], "assets/private.png"
    )
    # A template asking for it directly gets a refusal, not the file.
    brief = project / "content" / "briefs" / "harbour.yaml"
    brief.write_text(MINI["content/briefs/harbour.yaml"].replace("template: brief", "template: pic"))
    (project / "templates").mkdir()
    (project / "templates" / "pic.html.j2").write_text(
        '{% extends "brief.html.j2" %}{% block main %}<img src="content/assets/private.png">{{ super() }}{% endblock %}'
    )
    log = tmp_path / "audit.json"
    proc = audited(log, "build", "harbour", "--format", "pdf", "--project", str(project), cwd=project)
    # The folder itself is an error even when no prose names an image in it (the live
    # preview would serve from it): nothing is built, and the file is never opened.
    assert proc.returncode == 1, proc.stderr
    assert "content/assets: error[BG121]: content/assets/ is a link to" in proc.stderr
    assert str(elsewhere / "private.png") not in opened(log)
    assert not (project / "output" / "harbour.pdf").exists()


# -- every string from content is escaped ---------------------------------------------------

MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)><fuzz-tag data-fuzz="1">'


def test_markup_in_every_content_string_is_escaped(make_project: Callable[..., Path]) -> None:
    """Markup in names, titles, locators, headings, prose, marking, lang... stays text."""
    # No archive: a locator is then the analyst's free text (with one, check would hold it to
    # where the quote is, and markup is nowhere), which is what reaches the notes here.
    sources = (
        SOURCES.replace("title: The Harbour Report", f"title: '{MARKUP}'")
        .replace("container-title: Coast Daily", f"container-title: '{MARKUP}'\n  URL: 'https://example.org/?q=\"><b>'")
        .replace("    archive: archive/harbour.txt\n", "")
    )
    claims = CLAIMS.replace("locator: para. 1", f"locator: 'para. 1 {MARKUP}'").replace(
        "  statement: The new road is unlikely to open soon.\n",
        f"  statement: 'The new road is unlikely to open soon. {MARKUP}'\n",
    )
    brief = (
        BRIEF.replace("title: Harbour <Trade> & Tin", f"title: '{MARKUP} {{{{ 7*7 }}}}'")
        .replace("subtitle: A test brief", f"subtitle: '{MARKUP}'")
        .replace("marking: Public", f"marking: '{MARKUP}'")
        .replace("authors: [Test Author]", f"authors: ['{MARKUP}']\nlang: 'en\" onload=\"alert(1)'")
        .replace("  - heading: Trade", f"  - heading: '{MARKUP}'")
        .replace(ANCHOR, ANCHOR + f"      Raw HTML stays text: {MARKUP}\n")
    )
    actors = ACTORS.replace("name: Port Authority of the Coast", f"name: '{MARKUP}'")
    project = make_project(
        {
            "content/sources.yaml": sources,
            "content/claims.yaml": claims,
            "content/briefs/harbour.yaml": brief,
            "content/actors.yaml": actors,
        }
    )
    proc = run_cli("build", "harbour", "--format", "html", "--project", str(project), cwd=project)
    assert proc.returncode == 0, proc.stderr
    html = (project / "output" / "harbour.html").read_text()
    root = htmlread.parse(html)
    assert list(root.iter(f"{htmlread.NS}script")) == []
    for el in root.iter():
        assert "fuzz" not in str(el.tag)
        assert not any(k.startswith("on") or "fuzz" in k for k in el.attrib), el.attrib
        if el.tag == f"{htmlread.NS}img":
            raise AssertionError(f"content made an <img>: {el.attrib}")
    assert root.get("lang") == 'en" onload="alert(1)'  # a value, not an attribute
    text = htmlread.text_of(root)
    # Text, typeset like any other: its straight quotes are curly (render/typography.py).
    assert text.count("<script>alert(“x”)</script>") >= 6
    assert "{{ 7*7 }}" in text and "49" not in text


# -- YAML edge cases ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch {canary}']",
        "!!python/object/new:subprocess.Popen [['touch', '{canary}']]",
        "!!python/name:os.system",
        "!!python/object:__main__.X {{a: 1}}",
        "!!binary aGVsbG8=",
        "!custom {{a: 1}}",
    ],
)
def test_object_tags_are_refused_and_never_run(tag: str, mini: Path, tmp_path: Path) -> None:
    canary = tmp_path / "pwned"
    path = mini / "content" / "actors.yaml"
    text = ACTORS + f"- id: tagged\n  name: {tag.format(canary=canary)}\n"
    path.write_text(text)
    log = tmp_path / "audit.json"
    proc = audited(log, "build", "--project", str(mini), cwd=mini)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    line = text.count("\n")
    assert f"content/actors.yaml:{line}:9: error[BG005]: YAML tag" in proc.stderr
    assert "not allowed" in proc.stderr and "hint: content holds plain data only" in proc.stderr
    assert not canary.exists()
    assert not [e for e in json.loads(log.read_text()) if e[0] in ("subprocess.Popen", "os.system", "os.exec")]
    assert not (mini / "output").exists()


@pytest.mark.parametrize("shape", ["deep", "wide"])
def test_alias_bomb_is_refused_fast_and_in_little_memory(shape: str, mini: Path, tmp_path: Path) -> None:
    """Deep: ten levels of ten aliases, 10^10 nodes if expanded. Wide: one list of 20,000
    strings repeated by 10,000 aliases, 2 x 10^8 items. Refused at once, in little memory."""
    if shape == "deep":
        lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
        lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    else:
        lines = ["a0: &a0 [" + ", ".join(["x"] * 20_000) + "]", "a1: [" + ", ".join(["*a0"] * 10_000) + "]"]
    (mini / "content" / "minerals.yaml").write_text("\n".join(lines) + "\n")
    out_path = tmp_path / "stdout.txt"
    peak_path = tmp_path / "peak.txt"
    started = time.monotonic()
    with out_path.open("w") as out:
        # bench/peak.py reports the process's own VmHWM: ru_maxrss from wait4() would start
        # from this (large) pytest process's peak at fork time.
        proc = subprocess.run(
            [
                sys.executable,
                str(REPO / "bench" / "peak.py"),
                str(peak_path),
                "briefgen",
                "check",
                "--project",
                str(mini),
            ],
            cwd=mini,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
    elapsed = time.monotonic() - started
    text = out_path.read_text()
    assert proc.returncode == 1 and "Traceback" not in text
    assert "content/minerals.yaml:1:" in text and "error[BG006]: aliases expand to too many nodes" in text
    assert elapsed < 15, elapsed  # about 0.4 s alone; the machine is shared
    peak_mib = int(peak_path.read_text()) / 1024
    assert 5 < peak_mib < 200, peak_mib  # a plain check peaks near 30


def test_file_over_the_size_limit_is_refused_unread(mini: Path) -> None:
    path = mini / "content" / "actors.yaml"
    path.write_text(ACTORS + "# " + "x" * (8 * 1024 * 1024) + "\n")
    proc = build_keeping_outputs(mini)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "content/actors.yaml: error[BG004]: file is 8,388,7" in proc.stderr
    assert "the limit is 8,388,608" in proc.stderr and "hint: split the collection" in proc.stderr


def test_bytes_that_are_not_utf8(mini: Path) -> None:
    path = mini / "content" / "actors.yaml"
    path.write_bytes(ACTORS.encode() + b"- id: latin\n  name: Caf\xe9 du Port\n")
    proc = build_keeping_outputs(mini)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    line = ACTORS.count("\n") + 2
    assert f"content/actors.yaml:{line}:12: error[BG003]: byte 0xe9 is not UTF-8" in proc.stderr
    assert "hint: save the file as UTF-8" in proc.stderr


def test_byte_order_mark_is_accepted_and_lines_stay_right(mini: Path) -> None:
    path = mini / "content" / "actors.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + ACTORS.encode() + b"- id: bom\n  nmae: typo\n")
    proc = build_keeping_outputs(mini)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    line = ACTORS.count("\n") + 2
    assert f"content/actors.yaml:{line}:3: error[BG101]: unknown key 'nmae'" in proc.stderr
    assert "BG001" not in proc.stderr and "BG003" not in proc.stderr


def test_tabs_for_indentation_get_a_hint(mini: Path) -> None:
    path = mini / "content" / "actors.yaml"
    path.write_text(ACTORS + "- id: tabbed\n\tname: Tab\n")
    proc = build_keeping_outputs(mini)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    line = ACTORS.count("\n") + 2
    assert f"content/actors.yaml:{line}:1: error[BG001]: YAML syntax error: found a tab character" in proc.stderr
    assert "hint: YAML indents with spaces only: replace the tab characters with spaces" in proc.stderr


def test_empty_file_is_a_warning_that_strict_fails(mini: Path) -> None:
    (mini / "content" / "briefs" / "draft.yaml").write_text("")
    proc = run_cli("check", "--project", str(mini), cwd=mini)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert "content/briefs/draft.yaml: warning[BG007]: file is empty" in proc.stdout
    assert run_cli("check", "--strict", "--project", str(mini), cwd=mini).returncode == 1


@pytest.mark.parametrize(
    ("name", "text", "where", "words"),
    [
        (
            "content/briefs/list.yaml",
            "- - a\n  - b\n",
            (1, 3),
            "a brief should be a mapping of keys to values, found a list",
        ),
        ("content/briefs/text.yaml", "just some text\n", (1, 1), "a briefs file holds a list of records or one record"),
        (
            "content/sources.yaml",
            SOURCES.replace(
                "  custom:\n    reliability: B\n    archive: archive/harbour.txt\n"
                "    archive_parts:\n      - {part: title, starts: The Harbour Report}\n"
                f"    archive_sha256: {ARCHIVE_SHA256}\n",
                "  custom: [B, x]\n",
            ),
            (6, 11),
            "'custom' of source 'harbour-report' should be a mapping of keys to values, found a list",
        ),
    ],
)
def test_a_list_where_a_mapping_is_expected(
    name: str, text: str, where: tuple[int, int], words: str, make_project: Callable[..., Path]
) -> None:
    project = make_project({name: text})
    proc = build_keeping_outputs(project)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"{name}:{where[0]}:{where[1]}: error[BG008]: " in proc.stderr, proc.stderr
    assert words in proc.stderr and "hint:" in proc.stderr


def test_content_file_linking_outside_content_is_not_read(mini: Path, secret: Path, tmp_path: Path) -> None:
    folder = mini / "content" / "claims"
    folder.mkdir()
    (mini / "content" / "claims.yaml").rename(folder / "main.yaml")
    (folder / "leak.yaml").symlink_to(secret)
    log = tmp_path / "audit.json"
    proc = audited(log, "build", "--format", "html", "--project", str(mini), cwd=mini)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "content/claims/leak.yaml: error[BG010]: file is a link to" in proc.stderr
    assert "outside content/; not read" in proc.stderr
    assert SECRET not in proc.stderr + proc.stdout and "secret_key" not in proc.stderr
    assert str(secret) not in opened(log)


@pytest.mark.parametrize("where", ["in a collection folder", "as the collection file"])
def test_a_fifo_in_content_does_not_hang_the_check(where: str, mini: Path) -> None:
    if where == "in a collection folder":
        folder = mini / "content" / "claims"
        folder.mkdir()
        (mini / "content" / "claims.yaml").rename(folder / "main.yaml")
        pipe = folder / "pipe.yaml"
    else:
        pipe = mini / "content" / "claims.yaml"
        pipe.unlink()
    os.mkfifo(pipe)
    proc = build_keeping_outputs(mini, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    shown = pipe.relative_to(mini)
    assert f"{shown}: error[BG010]: not a regular file; not read" in proc.stderr
    assert "hint: replace it with a plain YAML file" in proc.stderr


@pytest.mark.parametrize("how", ["relative", "symlink"])
def test_archive_outside_content_archive_is_not_read(how: str, mini: Path, secret: Path, tmp_path: Path) -> None:
    sources = mini / "content" / "sources.yaml"
    if how == "relative":
        target = os.path.relpath(secret, mini / "content")
    else:
        (mini / "content" / "archive" / "leak.txt").symlink_to(secret)
        target = "archive/leak.txt"
    sources.write_text(SOURCES.replace("archive: archive/harbour.txt", f"archive: {target}"))
    log = tmp_path / "audit.json"
    proc = audited(log, "check", "--project", str(mini), cwd=mini)
    assert proc.returncode == 1
    line = SOURCES.split("archive: archive/harbour.txt")[0].count("\n") + 1
    assert f"content/sources.yaml:{line}:14: error[BG113]: archive of 'harbour-report' is outside content/archive/" in (
        proc.stdout
    )
    assert str(secret) not in opened(log) and SECRET not in proc.stdout


def test_brief_template_name_cannot_climb_out(mini: Path, tmp_path: Path) -> None:
    brief = mini / "content" / "briefs" / "harbour.yaml"
    brief.write_text(BRIEF.replace("template: brief", "template: ../../../../../etc/passwd"))
    log = tmp_path / "audit.json"
    proc = audited(log, "build", "harbour", "--format", "html", "--project", str(mini), cwd=mini)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert (
        "error[BG301]: 'template' of brief 'harbour': '../../../../../etc/passwd' is not a template name" in proc.stderr
    )
    assert not any(p.startswith("/etc/passwd") for p in opened(log))


# -- the PDF fetches nothing outside the project, even when a template asks -----------------


def test_no_request_reaches_the_network_and_no_outside_file_is_read(
    make_project: Callable[..., Path], web: tuple[str, list[str]], secret: Path, tmp_path: Path
) -> None:
    base, requests = web
    # Content: a link to the server is fine (links are not fetched); an image is an error.
    overrides = with_prose(f"See [the source]({base}/article).", f"![tracking pixel]({base}/pixel.png)")
    overrides["content/sources.yaml"] = SOURCES.replace(
        "  container-title: Coast Daily\n", f"  container-title: Coast Daily\n  URL: {base}/harbour-report\n"
    )
    project = make_project(overrides)
    log = tmp_path / "check.json"
    proc = audited(log, "build", "--project", str(project), cwd=project)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    line, col = position_of(overrides["content/briefs/harbour.yaml"], f"{base}/pixel.png")
    assert f"content/briefs/harbour.yaml:{line}:{col}: error[BG121]: brief 'harbour': image '{base}/pixel.png'" in (
        proc.stderr
    )
    assert requests == [] and network_events(log) == []

    # Templates are trusted code, yet even they cannot make the PDF fetch or read outside.
    brief = project / "content" / "briefs" / "harbour.yaml"
    brief.write_text(
        brief.read_text()
        .replace(f"      ![tracking pixel]({base}/pixel.png)\n", "")
        .replace("template: brief", "template: leaky")
    )
    (project / "templates").mkdir()
    (project / "templates" / "leaky.html.j2").write_text(
        '{% extends "brief.html.j2" %}{% block head_extra %}'
        f'<style>@import url("{base}/import.css"); @font-face {{ font-family: Leak; src: url({base}/font.woff) }}'
        f" body {{ background: url(file://{secret}) }} h1 {{ font-family: Leak }}</style>"
        f'<link rel="stylesheet" href="{base}/style.css">'
        f'<link rel="attachment" href="file://{secret}">'
        "{% endblock %}{% block main %}"
        f'<img src="{base}/template.png"><img src="file://{secret}"><img src="../outside/secret.yaml">'
        f'<a rel="attachment" href="file:///etc/passwd">x</a>'
        "{{ super() }}{% endblock %}"
    )
    log = tmp_path / "build.json"
    proc = audited(log, "build", "harbour", "--project", str(project), cwd=project)
    assert proc.returncode == 0, proc.stderr
    refused = [ln for ln in proc.stderr.splitlines() if "warning[BG406]" in ln]
    for url in (f"{base}/style.css", f"{base}/template.png", f"file://{secret}", "file:///etc/passwd"):
        assert any(f"refused to load {url}" in ln for ln in refused), (url, proc.stderr)
    assert requests == [], requests
    assert network_events(log) == []
    paths = opened(log)
    assert str(secret) not in paths and "/etc/passwd" not in paths
    reader = pypdf.PdfReader(project / "output" / "harbour.pdf")
    assert reader.attachments == {}
    assert SECRET.encode() not in (project / "output" / "harbour.pdf").read_bytes()
    # and --strict turns the refusals into a failed build
    before = (project / "output" / "harbour.pdf").read_bytes()
    strict = run_cli("build", "harbour", "--strict", "--project", str(project), cwd=project)
    assert strict.returncode == 1 and "warning[BG406]" in strict.stderr and "wrote" not in strict.stderr
    assert (project / "output" / "harbour.pdf").read_bytes() == before
    assert requests == []
