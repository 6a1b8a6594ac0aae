"""`briefgen build --format docx`: the Word document read back with python-docx and as XML,
and converted to PDF by LibreOffice, as an editor's Word would open it."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn
from hypothesis import given
from lxml import etree
from PIL import Image

from briefgen.build import build_project
from briefgen.errors import BriefgenError
from briefgen.facts.project import Project
from briefgen.render.docx import xml_text
from tests import htmlread
from tests.conftest import MINI, REPO, run_cli
from tests.pdfread import squash
from tests.test_fuzz import FUZZ, markup_in_text, write_files

BRIEFS = ("myanmar-rare-earths", "myanmar-rare-earths-summary")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example briefs built once as DOCX and as HTML, through the CLI."""
    out = tmp_path_factory.mktemp("docx")
    for fmt in ("docx", "html"):
        proc = run_cli("build", "--format", fmt, "--out", str(out))
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
    return out


def part(path: Path, name: str) -> Any:
    with zipfile.ZipFile(path) as package:
        return etree.fromstring(package.read(name))


def footnotes(path: Path) -> dict[int, str]:
    """Footnote id -> its text (the number at the foot left out), separators left out."""
    notes = {}
    for note in part(path, "word/footnotes.xml").iter(f"{W}footnote"):
        if note.get(f"{W}type") in ("separator", "continuationSeparator"):
            continue
        notes[int(note.get(f"{W}id"))] = squash("".join(t.text or "" for t in note.iter(f"{W}t")))
    return notes


def html_of(built: Path, brief: str) -> Any:
    return htmlread.parse((built / f"{brief}.html").read_text(encoding="utf-8"))


@pytest.mark.parametrize("brief", BRIEFS)
def test_footnotes_are_real_word_footnotes_with_the_htmls_numbers_and_texts(built: Path, brief: str) -> None:
    path = built / f"{brief}.docx"
    html_notes = {n: squash(t) for n, t in htmlread.endnotes(html_of(built, brief)).items()}
    assert html_notes
    assert footnotes(path) == html_notes
    body = part(path, "word/document.xml")
    # Word numbers footnotes by the order of their references: it must be the plan's order.
    refs = [int(r.get(f"{W}id")) for r in body.iter(f"{W}footnoteReference")]
    assert refs == sorted(html_notes)
    # A note called again shows its number through a NOTEREF field to the first call's bookmark.
    root = html_of(built, brief)
    repeats = [el for el in root.iter(f"{htmlread.NS}span") if "fn-repeat" in (el.get("class") or "").split()]
    instr = [squash(t.text or "") for t in body.iter(f"{W}instrText")]
    noterefs = [i for i in instr if i.startswith("NOTEREF")]
    assert len(noterefs) == len(repeats)
    marks = {b.get(f"{W}name") for b in body.iter(f"{W}bookmarkStart")}
    assert all(i.split()[1] in marks for i in noterefs)
    # The package declares the part, as Word needs it to.
    types = zipfile.ZipFile(path).read("[Content_Types].xml").decode()
    assert "wordprocessingml.footnotes+xml" in types


def test_note_markup_becomes_word_formatting(built: Path) -> None:
    """The citation partial's HTML (<i> for a periodical's name, <a> for a URL) is Word runs."""
    doc_xml = part(built / "myanmar-rare-earths.docx", "word/footnotes.xml")
    italic = [
        "".join(t.text or "" for t in r.iter(f"{W}t"))
        for r in doc_xml.iter(f"{W}r")
        if r.find(f"{W}rPr/{W}i") is not None
    ]
    assert "ASEAN Beat" in italic


def test_headings_contents_and_key_judgments(built: Path) -> None:
    path = built / "myanmar-rare-earths.docx"
    document = docx.Document(str(path))
    root = html_of(built, "myanmar-rare-earths")
    h2 = [htmlread.text_of(h) for h in root.iter(f"{htmlread.NS}h2") if h.get("id") not in ("toc-h", "notes-h")]
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == h2
    assert [p.text for p in document.paragraphs if p.style.name == "Title"] == [
        htmlread.text_of(next(root.iter(f"{htmlread.NS}h1")))
    ]
    # Heading 1 is in the navigation pane: an outline level, given by the style.
    heading = document.styles["Heading 1"]
    assert heading.element.pPr.find(qn("w:outlineLvl")) is not None or heading.style_id == "Heading1"
    # A contents field Word fills with page numbers (marked dirty, so it updates on opening).
    body = part(path, "word/document.xml")
    instr = [squash(t.text or "") for t in body.iter(f"{W}instrText")]
    assert any(i.startswith("TOC ") for i in instr)
    assert any(f.get(f"{W}dirty") == "true" for f in body.iter(f"{W}fldChar"))
    # Each key judgment is followed by its likelihood (with its band) and confidence, as text.
    texts = [p.text for p in document.paragraphs]
    badges = [
        " · ".join(htmlread.text_of(b) for b in p if "badge" in (b.get("class") or "").split())
        for p in root.iter(f"{htmlread.NS}p")
        if "badges" in (p.get("class") or "").split()
    ]
    assert badges
    for line in badges:
        assert line in texts
    assert "likely (55–80%) · moderate confidence" in texts


def test_tables_are_word_tables_whose_header_rows_repeat(built: Path) -> None:
    path = built / "myanmar-rare-earths.docx"
    document = docx.Document(str(path))
    root = html_of(built, "myanmar-rare-earths")
    html_tables = list(root.iter(f"{htmlread.NS}table"))
    assert len(document.tables) == len(html_tables) >= 3
    for table, html_table in zip(document.tables, html_tables, strict=True):
        head = next(html_table.iter(f"{htmlread.NS}thead"))
        assert [c.text for c in table.rows[0].cells] == [htmlread.text_of(th) for th in head.iter(f"{htmlread.NS}th")]
        first_row = table.rows[0]._tr
        assert first_row.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        body_rows = len(list(next(html_table.iter(f"{htmlread.NS}tbody")).iter(f"{htmlread.NS}tr")))
        assert len(table.rows) == 1 + body_rows
        assert all(r._tr.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None for r in table.rows)


def test_the_route_diagram_is_a_picture(built: Path) -> None:
    path = built / "myanmar-rare-earths.docx"
    document = docx.Document(str(path))
    assert len(document.inline_shapes) == 1
    shape = document.inline_shapes[0]
    blip = shape._inline.graphic.graphicData.pic.blipFill.blip
    image = document.part.related_parts[blip.embed]
    assert image.content_type == "image/png"
    picture = Image.open(io.BytesIO(image.blob))
    assert picture.width > 1500  # drawn at three times the SVG's size, sharp in print
    assert shape._inline.docPr.get("descr").startswith("Routes in this brief. ")
    # The picture fits the text width, and its caption follows it.
    section = document.sections[0]
    assert shape.width <= section.page_width - section.left_margin - section.right_margin
    # The SVG itself rides along for Word 2016 and later (asvg:svgBlip), the PNG its fallback.
    svg_blips = blip.findall(".//{http://schemas.microsoft.com/office/drawing/2016/SVG/main}svgBlip")
    assert len(svg_blips) == 1
    svg = document.part.related_parts[svg_blips[0].get(qn("r:embed"))]
    assert svg.content_type == "image/svg+xml"
    assert svg.blob.startswith(b"<svg") and b"Routes in this brief" in svg.blob
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert any(c.startswith("Figure 1. Routes in this brief") for c in captions)


def test_sources_list_and_annexes_are_there(built: Path) -> None:
    document = docx.Document(str(built / "myanmar-rare-earths.docx"))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert "Sources" in headings
    assert any(h.startswith("Annex 1: ") for h in headings)
    assert "Annex 3: Likelihood and confidence" in headings
    root = html_of(built, "myanmar-rare-earths")
    sources = next(el for el in root.iter() if el.get("id") == "sources")
    # A list item is a paragraph with its bullet and a tab before its text.
    texts = [squash(re.sub(r"^(•|\d+\.)\t", "", p.text)) for p in document.paragraphs]
    for li in sources.iter(f"{htmlread.NS}li"):
        assert squash(htmlread.text_of(li)) in texts


def test_core_properties_language_and_marking(built: Path) -> None:
    path = built / "myanmar-rare-earths.docx"
    document = docx.Document(str(path))
    props = document.core_properties
    assert props.title.startswith("Myanmar’s Rare Earths")
    assert props.author == "briefgen example team"
    assert props.subject.startswith("Who holds the Kachin mines")
    assert props.created == props.modified == datetime(2026, 11, 27, tzinfo=UTC)
    assert props.language == "en"
    assert props.identifier == "myanmar-rare-earths"
    assert props.last_printed is None
    app = part(path, "docProps/app.xml")
    extended = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
    assert app.find(f"{extended}Application").text == "briefgen"
    assert app.find(f"{extended}Pages") is None  # the reference's statistics would be wrong
    styles = part(path, "word/styles.xml")
    langs = [lang.get(f"{W}val") for lang in styles.iter(f"{W}lang")]
    assert langs == ["en"]  # in the defaults, and no style says otherwise
    assert styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang") is not None
    section = document.sections[0]
    assert "Public" in [p.text for p in section.header.paragraphs]
    footer = [p.text for p in section.footer.paragraphs]
    assert "Public" in footer
    instr = [f.get(f"{W}instr") for f in section.footer._element.iter(f"{W}fldSimple")]
    assert [i.strip() for i in instr] == ["PAGE", "NUMPAGES"]


def test_keywords_from_the_brief(tmp_path: Path, mini: Path) -> None:
    proc = run_cli("build", "--format", "docx", "--project", str(mini), "--out", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    props = docx.Document(str(tmp_path / "o" / "harbour.docx")).core_properties
    assert props.keywords == "tin, harbour"
    assert props.author == "Test Author"
    # Content is text, in Word as in HTML: the title's markup characters are characters.
    assert props.title == "Harbour <Trade> & Tin"
    assert docx.Document(str(tmp_path / "o" / "harbour.docx")).paragraphs[1].text == "Harbour <Trade> & Tin"


def test_two_builds_are_byte_identical(built: Path, tmp_path: Path) -> None:
    proc = run_cli("build", "--format", "docx", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    for brief in BRIEFS:
        assert (tmp_path / f"{brief}.docx").read_bytes() == (built / f"{brief}.docx").read_bytes()
        with zipfile.ZipFile(tmp_path / f"{brief}.docx") as package:
            names = package.namelist()
            assert names[0] == "[Content_Types].xml"
            assert {i.date_time for i in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
            assert "docProps/thumbnail.jpeg" not in names


def test_docx_alone_writes_only_docx(tmp_path: Path, mini: Path) -> None:
    proc = run_cli("build", "harbour", "--format", "docx", "--project", str(mini), "--out", str(tmp_path / "d"))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["harbour.docx"]
    assert "wrote" in proc.stderr and "harbour.docx" in proc.stderr


def _soffice(source: Path, work: Path, target: str, suffix: str) -> Path:
    """``source`` converted by LibreOffice Writer (``--convert-to target``), headless, with a
    profile of its own; the converted file in ``work``."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (Debian: libreoffice-writer) is needed; .ci/system-deps installs it"
    proc = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(work),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    converted = work / (source.stem + suffix)
    assert proc.returncode == 0 and converted.exists(), proc.stdout + proc.stderr
    return converted


def _soffice_pdf(docx_path: Path, work: Path) -> Path:
    """The DOCX converted to PDF by LibreOffice Writer."""
    return _soffice(docx_path, work, "pdf", ".pdf")


def test_libreoffice_converts_it_and_prints_the_footnotes(built: Path, tmp_path: Path) -> None:
    brief = "myanmar-rare-earths"
    pdf = _soffice_pdf(built / f"{brief}.docx", tmp_path)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    assert len(pages) > 5
    flat = squash(text)
    notes = footnotes(built / f"{brief}.docx")
    for number, note in notes.items():
        # LibreOffice prints each note at the foot of a page, after its number.
        assert re.search(rf"(^|\s){number}\s*{re.escape(note[:30])}", flat), (number, note)
    assert "Page 1 of" in flat and "Public" in flat
    assert "Bottom line up front" in flat and "Annex 3: Likelihood and confidence" in flat


def test_a_reference_docx_in_the_project_gives_the_styles(tmp_path: Path, mini: Path) -> None:
    """templates/reference.docx of the project, as Pandoc's --reference-doc: its styles and
    page set-up are used; styles it lacks (Word keeps only those a document uses) are added."""
    reference = docx.Document(str(REPO / "templates" / "reference.docx"))
    reference.styles["Normal"].font.name = "Liberation Mono"
    for name in ("Heading 1", "Caption"):
        element = reference.styles[name].element
        element.getparent().remove(element)
    reference.add_paragraph("This text is the reference's own and is not in the brief.")
    (mini / "templates").mkdir(exist_ok=True)
    reference.save(str(mini / "templates" / "reference.docx"))
    proc = run_cli("build", "harbour", "--format", "docx", "--project", str(mini), "--out", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    document = docx.Document(str(tmp_path / "o" / "harbour.docx"))
    assert document.styles["Normal"].font.name == "Liberation Mono"
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"][:2] == [
        "Bottom line up front",
        "Key judgments",
    ]
    assert document.styles["Heading 1"].element.pPr.find(qn("w:outlineLvl")) is not None
    assert "reference's own" not in "\n".join(p.text for p in document.paragraphs)


@pytest.mark.parametrize(
    "content",
    [b"", b"%PDF-1.7 not a docx", b"PK\x03\x04broken zip", "zip-without-document", "zip-bomb", "link-out", "fifo"],
    ids=["empty", "pdf", "broken-zip", "zip-without-document", "zip-bomb", "link-out", "fifo"],
)
def test_a_broken_reference_docx_is_bg415_and_writes_nothing(tmp_path: Path, mini: Path, content: Any) -> None:
    out = tmp_path / "o"
    assert run_cli("build", "harbour", "--format", "docx", "--project", str(mini), "--out", str(out)).returncode == 0
    before = (out / "harbour.docx").read_bytes()
    target = mini / "templates" / "reference.docx"
    target.parent.mkdir(exist_ok=True)
    if content == "zip-without-document":
        with zipfile.ZipFile(target, "w") as z:
            z.writestr("hello.txt", "not a document")
    elif content == "zip-bomb":  # 100 MB of zeros in a file of some 100 KB
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("word/document.xml", b"\0" * (100 * 1024 * 1024))
        assert target.stat().st_size < 1024 * 1024
    elif content == "link-out":  # a .docx outside the project, linked in
        outside = tmp_path / "elsewhere.docx"
        outside.write_bytes((REPO / "templates" / "reference.docx").read_bytes())
        target.symlink_to(outside)
    elif content == "fifo":
        os.mkfifo(target)
    else:
        target.write_bytes(content)
    proc = run_cli("build", "harbour", "--format", "docx", "--project", str(mini), "--out", str(out), cwd=mini)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "templates/reference.docx: error[BG415]: the reference document cannot be used" in proc.stderr
    assert "hint: save it again from Word" in proc.stderr
    assert (out / "harbour.docx").read_bytes() == before


def test_a_note_form_of_the_projects_own_becomes_word_runs(tmp_path: Path, mini: Path) -> None:
    """The converter takes whatever HTML the citation partial yields: a project's note form
    with <b> and <i> of its own is bold and italic in Word, its text the HTML's."""
    partial = (REPO / "templates" / "partials" / "cite.html.j2").read_text(encoding="utf-8")
    opening = "{%- macro note(n, grade=true) -%}"
    partial = partial.replace(opening, opening + "<b>Source</b> <i>no. {{ n.number }}</i>: ")
    (mini / "templates" / "partials").mkdir(parents=True)
    (mini / "templates" / "partials" / "cite.html.j2").write_text(partial, encoding="utf-8")
    out = tmp_path / "o"
    for fmt in ("docx", "html"):
        proc = run_cli("build", "harbour", "--format", fmt, "--project", str(mini), "--out", str(out))
        assert proc.returncode == 0, proc.stderr
    notes = footnotes(out / "harbour.docx")
    html_notes = {n: squash(t) for n, t in htmlread.endnotes(html_of(out, "harbour")).items()}
    assert notes == html_notes
    assert notes[1].startswith("Source no. 1:“The Harbour Report,”")
    xml = part(out / "harbour.docx", "word/footnotes.xml")
    runs = {"".join(t.text or "" for t in r.iter(f"{W}t")): r for r in xml.iter(f"{W}r")}
    assert runs["Source"].find(f"{W}rPr/{W}b") is not None
    assert runs["no. 1"].find(f"{W}rPr/{W}i") is not None


def test_the_packaged_reference_is_what_its_script_writes() -> None:
    script = REPO / "docs" / "make_reference_docx.py"
    namespace: dict[str, Any] = {"__name__": "reference_script"}
    exec(compile(script.read_text(encoding="utf-8"), str(script), "exec"), namespace)
    assert namespace["reference"]() == (REPO / "templates" / "reference.docx").read_bytes()


def test_control_characters_from_content_are_left_out_not_a_traceback(tmp_path: Path, make_project: Any) -> None:
    """XML cannot hold most C0 controls; content can (a YAML escape), and BG213 only warns."""
    brief = MINI["content/briefs/harbour.yaml"].replace("title: Harbour <Trade> & Tin", 'title: "Harbour\\a \\x01Tin"')
    claims = MINI["content/claims.yaml"].replace(
        "statement: The new road is unlikely to open soon.", 'statement: "The\\x0b new road is unlikely to open soon."'
    )
    project = make_project({"content/briefs/harbour.yaml": brief, "content/claims.yaml": claims})
    proc = run_cli("build", "harbour", "--format", "docx", "--project", str(project), "--out", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    document = docx.Document(str(tmp_path / "o" / "harbour.docx"))
    assert document.core_properties.title == "Harbour Tin"
    assert any("The new road is unlikely" in p.text for p in document.paragraphs)


def test_a_sources_url_is_a_link_in_its_footnote(tmp_path: Path, make_project: Any) -> None:
    sources = MINI["content/sources.yaml"].replace(
        "  container-title: Coast Daily\n", "  container-title: Coast Daily\n  URL: https://coast.example/harbour\n"
    )
    project = make_project({"content/sources.yaml": sources})
    proc = run_cli("build", "harbour", "--format", "docx", "--project", str(project), "--out", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "o" / "harbour.docx"
    notes = part(path, "word/footnotes.xml")
    links = list(notes.iter(f"{W}hyperlink"))
    assert links
    rels = part(path, "word/_rels/footnotes.xml.rels")
    targets = {r.get("Id"): (r.get("Target"), r.get("TargetMode")) for r in rels}
    rid = links[0].get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
    assert targets[rid] == ("https://coast.example/harbour", "External")
    assert "https://coast.example/harbour" in "".join(t.text or "" for t in links[0].iter(f"{W}t"))


def test_the_diagrams_png_is_cached_and_a_damaged_entry_changes_nothing(tmp_path: Path) -> None:
    """Drawing the PNG needs cairocffi (over a second to import); it is kept in the cache by
    the SVG's hash. Cold, warm and with a damaged entry, the DOCX is the same bytes."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(tmp_path / "cache")}

    def build(out: str) -> bytes:
        args = [sys.executable, "-m", "briefgen", "build", "myanmar-rare-earths", "--format", "docx"]
        proc = subprocess.run([*args, "--out", str(tmp_path / out)], cwd=REPO, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        return (tmp_path / out / "myanmar-rare-earths.docx").read_bytes()

    cold = build("cold")
    entries = list((tmp_path / "cache").rglob("docx-png/*.png"))
    assert len(entries) == 1
    assert build("warm") == cold
    entries[0].write_bytes(entries[0].read_bytes()[:-10] + b"0123456789")
    assert build("damaged") == cold


def test_a_reference_saved_by_libreoffice_with_notes_of_its_own(built: Path, tmp_path: Path, mini: Path) -> None:
    """A reference saved by an office suite has its own footnotes part (separators, notes),
    header and footer: the brief's notes replace its notes, and its marking its header."""
    work = tmp_path / "lo"
    work.mkdir()
    # Saved again by an office suite: its own footnotes part, header and footer.
    saved = _soffice(built / "myanmar-rare-earths-summary.docx", work, "docx:MS Word 2007 XML", ".docx")
    assert len(footnotes(saved)) > 3  # LibreOffice kept the summary's notes
    (mini / "templates").mkdir(exist_ok=True)
    shutil.copyfile(saved, mini / "templates" / "reference.docx")
    out = tmp_path / "o"
    for fmt in ("docx", "html"):
        proc = run_cli("build", "harbour", "--format", fmt, "--project", str(mini), "--out", str(out))
        assert proc.returncode == 0, proc.stderr
    html_notes = {n: squash(t) for n, t in htmlread.endnotes(html_of(out, "harbour")).items()}
    assert footnotes(out / "harbour.docx") == html_notes
    document = docx.Document(str(out / "harbour.docx"))
    assert [p.text for p in document.sections[0].header.paragraphs] == ["Public"]
    assert "Myanmar" not in "\n".join(p.text for p in document.paragraphs)


@pytest.fixture(scope="module")
def fuzzdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("docx-fuzz")


@FUZZ
@given(files=markup_in_text())
def test_markup_and_odd_characters_in_any_text_field_make_a_sound_docx(
    files: dict[str, str | bytes], fuzzdir: Path
) -> None:
    """Markup and random characters (controls included) in every text field: a DOCX build
    ends in a document python-docx opens, whose footnotes are the HTML's, or in briefgen's
    own error; never a traceback."""
    write_files(fuzzdir, files)
    project = Project(fuzzdir)
    try:
        html = build_project(project, fmt="html", out=fuzzdir / "output")
        word = build_project(project, fmt="docx", out=fuzzdir / "output")
    except BriefgenError:
        return
    if html.failed or word.failed:
        assert html.failed and word.failed
        return
    for path in word.written:
        document = docx.Document(str(path))
        assert document.core_properties.title is not None
        notes = htmlread.endnotes(html_of(fuzzdir / "output", path.stem))
        # The HTML's words, less what XML cannot hold (C0 controls, which \s would count as space).
        assert footnotes(path) == {n: squash(xml_text(t)) for n, t in notes.items()}


def test_note_calls_are_found_by_their_link_whatever_the_calls_partial(tmp_path: Path, mini: Path) -> None:
    """A project's calls.html.j2 with no classes, no inline note copy: a call is a link to
    its note's anchor, so the DOCX still has every footnote, in order, with its text."""
    (mini / "templates" / "partials").mkdir(parents=True)
    (mini / "templates" / "partials" / "calls.html.j2").write_text(
        "{%- macro calls(list) -%}{%- if list -%}<sup>"
        '{%- for call in list %}<a href="#{{ call.note.anchor }}">{{ call.note.number }}</a>'
        "{%- if not loop.last %}, {% endif %}{% endfor %}</sup>{%- endif -%}{%- endmacro -%}\n",
        encoding="utf-8",
    )
    out = tmp_path / "o"
    for fmt in ("docx", "html"):
        proc = run_cli("build", "harbour", "--format", fmt, "--project", str(mini), "--out", str(out))
        assert proc.returncode == 0, proc.stderr
    html_notes = {n: squash(t) for n, t in htmlread.endnotes(html_of(out, "harbour")).items()}
    assert len(html_notes) >= 4
    assert footnotes(out / "harbour.docx") == html_notes
    body = part(out / "harbour.docx", "word/document.xml")
    assert [int(r.get(f"{W}id")) for r in body.iter(f"{W}footnoteReference")] == sorted(html_notes)


def test_a_docx_build_loads_nothing_from_outside_the_project(tmp_path: Path, mini: Path) -> None:
    """Even a template asking for a local file or a web address: the DOCX takes pictures
    only from data: URIs (content/assets/ inlined by the HTML stage) and the diagram, opens
    no socket and reads no file outside the project, its templates and Python's own."""
    secret = tmp_path / "outside" / "secret.png"
    secret.parent.mkdir()
    secret.write_bytes(b"\x89PNG\r\n\x1a\n secret")
    brief = (REPO / "templates" / "brief.html.j2").read_text(encoding="utf-8")
    brief = brief.replace(
        "{%- block main %}",
        f'{{%- block main %}}<p><img src="file://{secret}" alt="local file"> <img src="{secret}" alt="path">'
        ' <img src="http://127.0.0.1:9/x.png" alt="web"> <a href="file:///etc/passwd">passwd</a></p>',
    )
    (mini / "templates").mkdir(exist_ok=True)
    (mini / "templates" / "brief.html.j2").write_text(brief, encoding="utf-8")
    log = tmp_path / "audit.json"
    proc = subprocess.run(
        [sys.executable, str(REPO / "tests" / "audited.py"), str(log), "--", "build", "harbour", "--format", "docx"],
        cwd=mini,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    events = json.loads(log.read_text())
    assert not [e for e in events if e[0].startswith(("socket.", "urllib", "subprocess", "os."))]
    assert str(secret) not in {os.path.realpath(detail) for event, detail in events if event == "open"}
    document = docx.Document(str(mini / "output" / "harbour.docx"))
    assert len(document.inline_shapes) == 0  # the alt texts stand in for the refused pictures
    text = "\n".join(p.text for p in document.paragraphs)
    assert "local file" in text and "web" in text and "passwd" in text
    rels = part(mini / "output" / "harbour.docx", "word/_rels/document.xml.rels")
    assert not [r for r in rels if "passwd" in (r.get("Target") or "") or "secret" in (r.get("Target") or "")]


def test_links_inside_the_brief_lead_to_bookmarks(built: Path) -> None:
    """The contents' entries and the grading annex's sources link to where they lead, as in
    the HTML: a w:hyperlink to a bookmark at the heading or the source's entry."""
    body = part(built / "myanmar-rare-earths.docx", "word/document.xml")
    marks: dict[str, str] = {}
    for p in body.iter(f"{W}p"):
        for mark in p.findall(f"{W}bookmarkStart"):
            marks[mark.get(f"{W}name")] = squash("".join(t.text or "" for t in p.iter(f"{W}t")))
    links = [
        (link.get(f"{W}anchor"), squash("".join(t.text or "" for t in link.iter(f"{W}t"))))
        for link in body.iter(f"{W}hyperlink")
        if link.get(f"{W}anchor")
    ]
    assert ("Bottom line up front" in [text for _, text in links]) and len(links) > 20
    for anchor, text in links:
        assert anchor in marks, (anchor, text)
        assert len(anchor) <= 40
    to_summary = next(anchor for anchor, text in links if text == "Bottom line up front")
    assert marks[to_summary] == "Bottom line up front"
    to_source = next(anchor for anchor, text in links if text == "Amara Thiha")
    assert marks[to_source].startswith("•Amara Thiha. Commentary.")  # the bullet's tab is no text


def test_images_in_prose_are_pictures_with_their_alt_text(tmp_path: Path, make_project: Any) -> None:
    brief = MINI["content/briefs/harbour.yaml"].replace(
        "body: Who is who.", "body: Who is who. ![A red square](assets/sq.png) and ![a grey dot](assets/g.gif)"
    )
    project = make_project({"content/briefs/harbour.yaml": brief})
    (project / "content" / "assets").mkdir()
    Image.new("RGB", (40, 30), "red").save(project / "content" / "assets" / "sq.png")
    Image.new("P", (20, 20)).save(project / "content" / "assets" / "g.gif")
    proc = run_cli("build", "harbour", "--format", "docx", "--project", str(project), "--out", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    document = docx.Document(str(tmp_path / "o" / "harbour.docx"))
    shapes = document.inline_shapes
    assert [s._inline.docPr.get("descr") for s in shapes] == ["A red square", "a grey dot"]
    assert shapes[0].width * 30 == shapes[0].height * 40  # its proportions kept


def test_titles_authors_and_keywords_longer_than_word_allows_are_cut_in_the_properties(
    tmp_path: Path, make_project: Any
) -> None:
    """Word's core properties hold 255 characters; a brief's own fields may be longer."""
    brief = MINI["content/briefs/harbour.yaml"]
    brief = brief.replace("subtitle: A test brief", "subtitle: " + "Long subtitle words " * 14)
    brief = brief.replace(
        "authors: [Test Author]", "authors: [" + ", ".join(f"Author Number {n}" for n in range(20)) + "]"
    )
    brief = brief.replace("keywords: [tin, harbour]", "keywords: [" + ", ".join(f"keyword{n}" for n in range(40)) + "]")
    root = make_project({"content/briefs/harbour.yaml": brief})
    proc = run_cli(
        "build", "harbour", "--format", "docx", "--project", str(root), "--out", str(tmp_path / "o"), cwd=root
    )
    assert proc.returncode == 0, proc.stderr
    props = docx.Document(str(tmp_path / "o" / "harbour.docx")).core_properties
    for value in (props.subject, props.author, props.keywords):
        assert len(value) <= 255 and value.endswith("…")
    assert props.author.startswith("Author Number 0; Author Number 1")
