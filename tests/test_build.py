"""Building briefs: what a reader holds, read back from the HTML and the PDF."""

from __future__ import annotations

import hashlib
import itertools
import os
import pty
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import htmlread
from tests.conftest import REPO, run_cli
from tests.pdfread import PdfBack, notes_missing_from_their_pages, squash

BRIEFS = ("myanmar-rare-earths", "myanmar-rare-earths-summary")
#: The faces of templates/fonts.css, as WeasyPrint names them in the PDF.
SHIPPED_FACES = (
    "Serif",
    "Serif-Italic",
    "Serif-Bold",
    "Serif-Bold-Italic",
    "Sans",
    "Sans-Italic",
    "Sans-Bold",
    "Sans-Bold-Italic",
)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example briefs built once through the CLI, as `make brief` does."""
    out = tmp_path_factory.mktemp("out")
    proc = run_cli("build", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return out


def test_build_writes_every_brief_as_html_and_pdf(built: Path) -> None:
    assert sorted(p.name for p in built.iterdir()) == sorted(f"{b}.{ext}" for b in BRIEFS for ext in ("html", "pdf"))


@pytest.mark.parametrize("brief", BRIEFS)
def test_every_note_number_on_a_page_has_its_note_at_that_pages_foot(built: Path, brief: str) -> None:
    """A reused note is printed again at the foot of each later page that calls it."""
    notes = htmlread.endnotes(htmlread.parse((built / f"{brief}.html").read_text()))
    assert notes
    assert notes_missing_from_their_pages(built / f"{brief}.pdf", notes) == []


def test_a_reused_note_is_printed_once_on_each_page_that_calls_it(built: Path) -> None:
    anchors = PdfBack.open(built / "myanmar-rare-earths.pdf").anchor_pages()
    called: dict[int, set[int]] = {}
    printed: dict[tuple[int, int], int] = {}  # (page, note) -> bodies printed there
    for name, page in anchors.items():
        if m := re.fullmatch(r"call-(\d+)(?:-\d+)?", name):
            called.setdefault(int(m[1]), set()).add(page)
        elif m := re.fullmatch(r"fn-(\d+)(?:-\d+)?", name):
            printed[page, int(m[1])] = printed.get((page, int(m[1])), 0) + 1
    # The example calls some notes on many pages (note 3 on most of them).
    assert max(len(pages) for pages in called.values()) >= 4
    assert printed == {(page, note): 1 for note, pages in called.items() for page in pages}


@pytest.mark.parametrize("brief", BRIEFS)
def test_html_and_pdf_notes_have_the_same_numbers_and_texts(built: Path, brief: str) -> None:
    root = htmlread.parse((built / f"{brief}.html").read_text())
    html_notes = htmlread.endnotes(root)
    # Each note's body is written at its first call (floated to the page foot in print);
    # its grade is shown there by CSS from data-grade ("\u00a0[B2]"), see cite.html.j2.
    inline = {
        int(el.get("data-n")): htmlread.text_of(el) + (f" [{el.get('data-grade')}]" if el.get("data-grade") else "")
        for el in root.iter(f"{htmlread.NS}span")
        if "fn" in (el.get("class") or "").split() and el.get("id")
    }
    assert {n: squash(t) for n, t in inline.items()} == {n: squash(t) for n, t in html_notes.items()}
    pdf_text = squash(" ".join(PdfBack.open(built / f"{brief}.pdf").page_texts()))
    for number, text in html_notes.items():
        assert f"{number}. {squash(text)}" in pdf_text, number
    assert list(html_notes) == list(range(1, len(html_notes) + 1))


def test_one_summary_page_and_a_five_to_fourteen_page_brief(built: Path) -> None:
    assert len(PdfBack.open(built / "myanmar-rare-earths-summary.pdf").reader.pages) == 1
    # About ten pages of text, plus the generated annexes (likelihood scale, the 47
    # single-source facts, source grading), which add about three.
    assert 5 <= len(PdfBack.open(built / "myanmar-rare-earths.pdf").reader.pages) <= 14


def test_shared_claims_are_worded_the_same_in_both_briefs(built: Path) -> None:
    def claims(brief: str) -> dict[str, tuple[str, list[str]]]:
        """claim id -> (wording with entity names blanked, note sources) for each placed claim."""
        root = htmlread.parse((built / f"{brief}.html").read_text())
        found = {}
        for el in root.iter(f"{htmlread.NS}span"):
            if not el.get("data-claim"):
                continue
            for entity in el.iter(f"{htmlread.NS}span"):
                if entity.get("data-entity"):
                    entity.text = "@" + entity.get("data-entity")  # first mention or not, the same entity
            found[el.get("data-claim")] = (htmlread.text_of(el), el.get("data-sources"))
        return found

    full, summary = claims("myanmar-rare-earths"), claims("myanmar-rare-earths-summary")
    shared = set(full) & set(summary)
    assert len(shared) >= 3
    for claim in shared:
        assert full[claim] == summary[claim]


def test_pdf_metadata_bookmarks_fonts_and_tags(built: Path) -> None:
    pdf = PdfBack.open(built / "myanmar-rare-earths.pdf")
    meta = pdf.reader.metadata
    assert meta.title.startswith("Myanmar’s Rare Earths")
    assert meta.author == "briefgen example team"
    assert meta.subject and "Kachin" in meta.subject
    assert "dysprosium" in meta["/Keywords"]
    assert meta["/CreationDate"].startswith("D:20261127")
    titles = pdf.outline_titles()
    # sections carry their numbers (cross-references write "Section 1")
    for heading in ("Bottom line up front", "Key judgments", "1 The actors", "6 Outlook"):
        assert heading in titles
    fonts = pdf.fonts()
    assert fonts and all(fonts.values()), fonts
    # The shipped faces throughout, the route diagram included (.ci/run installs DejaVu and
    # Chromium brings Liberation, which the diagram once fell back to).
    families = {name.split("+", 1)[-1].split("-")[0] for name in fonts}
    assert families == {"briefgen"}, families
    catalog = pdf.reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog and catalog["/MarkInfo"]["/Marked"]


def test_pdf_page_furniture(built: Path) -> None:
    pdf = PdfBack.open(built / "myanmar-rare-earths.pdf")
    texts = pdf.page_texts()
    total = len(texts)
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {total}" in text
    assert "Myanmar’s Rare Earths" in texts[1] and "PUBLIC" in texts[1]  # running header
    first = squash(texts[0])
    # Contents list with the page of each section.
    assert re.search(r"The actors[ .]*\d", first)
    anchors = pdf.anchor_pages()
    assert anchors["the-actors"] >= 1


def test_the_text_layer_holds_what_the_pages_show(built: Path) -> None:
    """Copied or read aloud, page 1 has no hidden running title or title-case marking (the
    elements that set the running strings draw nothing), and the marking in the margins
    reads as one word in poppler's extraction too (its letter-spacing once made it
    "P UBLIC")."""
    pdf = built / "myanmar-rare-earths.pdf"
    first = PdfBack.open(pdf).page_texts()[0]
    one_line_title = "Myanmar’s Rare Earths: The Kachin Independence Army Holds the Cards"
    assert "Public" not in first and one_line_title not in first
    assert first.count("PUBLIC") == 3  # the title block's, and the top and foot of the page
    second = subprocess.run(
        ["pdftotext", "-layout", "-f", "2", "-l", "2", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    header = second.splitlines()[0].split()
    assert " ".join(header[:-1]) == one_line_title and header[-1] == "PUBLIC", header


def test_two_builds_are_byte_identical(built: Path, tmp_path: Path) -> None:
    # In different seconds, and with no SOURCE_DATE_EPOCH from outside: font subsets used
    # to carry the time of the build, so two builds a second apart differed.
    assert "SOURCE_DATE_EPOCH" not in os.environ
    wait = 1.1 - (time.time() - max(p.stat().st_mtime for p in built.iterdir()))
    if wait > 0:
        time.sleep(wait)
    proc = run_cli("build", "--force", "--out", str(tmp_path))  # laid out again, not reused
    assert proc.returncode == 0, proc.stderr
    for path in built.iterdir():
        assert (
            hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256((tmp_path / path.name).read_bytes()).digest()
        ), path.name


def test_the_pdf_uses_only_the_shipped_fonts_and_needs_no_system_font(built: Path, tmp_path: Path) -> None:
    """Fonts that travel: a build on a machine whose fontconfig knows no font at all gives
    the same bytes as one with the system's fonts, and every font in it is a shipped one."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        f"<fontconfig><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>\n"
    )
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "briefgen", "build", "--format", "pdf", "--out", str(out)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "FONTCONFIG_FILE": str(conf)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    for brief in BRIEFS:
        assert (out / f"{brief}.pdf").read_bytes() == (built / f"{brief}.pdf").read_bytes(), brief
        fonts = PdfBack.open(built / f"{brief}.pdf").fonts()
        families = {name.split("+", 1)[-1] for name in fonts}
        assert families <= {f"briefgen-{face}" for face in SHIPPED_FACES}, families
        assert {"briefgen-Serif", "briefgen-Sans", "briefgen-Sans-Bold"} <= families
        assert all(fonts.values())  # embedded (and subset)


def test_the_shipped_fonts_are_in_the_package_with_their_licences() -> None:
    folder = REPO / "briefgen" / "templates" / "fonts"
    files = sorted(p.name for p in folder.iterdir())
    assert "LICENSE-SourceSerifPro.txt" in files and "LICENSE-SourceSansPro.txt" in files
    for licence in ("LICENSE-SourceSerifPro.txt", "LICENSE-SourceSansPro.txt"):
        assert "SIL Open Font License, Version 1.1" in (folder / licence).read_text()
    css = (REPO / "templates" / "fonts.css").read_text()
    for name in re.findall(r"url\(\"briefgen:fonts/([\w.-]+)\"\)", css):
        assert name in files, name


def test_html_is_self_contained_and_accessible(built: Path) -> None:
    html = (built / "myanmar-rare-earths.html").read_text()
    root = htmlread.parse(html)
    assert root.get("lang") == "en"
    ids = htmlread.by_id(root)
    assert len(ids) == len([el for el in root.iter() if el.get("id")])  # ids are unique
    for el in root.iter():
        for attr in ("src", "href"):
            value = el.get(attr)
            if value is None:
                continue
            assert value.startswith(("#", "http://", "https://", "mailto:")), value
            if value.startswith("#"):
                assert value[1:] in ids, value
    tags = {el.tag.replace(htmlread.NS, "") for el in root.iter()}
    assert {"main", "nav", "header", "footer"} <= tags
    assert not tags & {"link", "script", "img", "iframe"}
    headings = [int(el.tag[-1]) for el in root.iter() if re.fullmatch(rf"{re.escape(htmlread.NS)}h[1-6]", el.tag)]
    assert headings[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(headings))
    for th in root.iter(f"{htmlread.NS}th"):
        assert th.get("scope") in ("col", "row")
    assert '<meta name="viewport"' in html


def test_html_notes_have_back_links_and_hover_previews(built: Path) -> None:
    root = htmlread.parse((built / "myanmar-rare-earths.html").read_text())
    ids = htmlread.by_id(root)
    for li in root.iter(f"{htmlread.NS}li"):
        if (li.get("id") or "").startswith("note-"):
            backs = [a.get("href") for a in li.iter(f"{htmlread.NS}a") if "back" in (a.get("class") or "")]
            assert backs and all(b[1:] in ids for b in backs)
    calls = [a for a in root.iter(f"{htmlread.NS}a") if "fn-call" in (a.get("class") or "")]
    assert calls
    for a in calls:
        assert a.get("data-source")
        assert a.getnext() is not None and "fn" in a.getnext().get("class") if hasattr(a, "getnext") else True


def test_building_html_only_never_imports_weasyprint(tmp_path: Path) -> None:
    code = (
        "import sys; from briefgen.commands.main import main; "
        f"rc = main(['build', '--format', 'html', '--out', {str(tmp_path)!r}]); "
        "print(rc, 'weasyprint' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert proc.stdout.split()[-2:] == ["0", "False"], proc.stderr
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".html", ".html"]


def test_unknown_brief_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_cli("build", "myanmar-rare-earth", "--out", str(tmp_path))
    assert proc.returncode == 2
    assert "no brief 'myanmar-rare-earth' (did you mean 'myanmar-rare-earths'?)" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_build_with_content_errors_writes_nothing_and_keeps_old_outputs(example_copy: Path) -> None:
    out = example_copy / "output"
    assert run_cli("build", "--format", "html", "--project", str(example_copy), cwd=example_copy).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    claims = example_copy / "content" / "claims" / "kia.yaml"
    claims.write_text(claims.read_text().replace("kind: fact", "kind: factoid", 1))
    proc = run_cli("build", "--project", str(example_copy), cwd=example_copy)
    assert proc.returncode == 1
    assert "error[BG105]" in proc.stderr and "Traceback" not in proc.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_output_folder_that_cannot_be_made(example_copy: Path) -> None:
    blocker = example_copy / "a-file"
    blocker.write_text("not a folder")
    proc = run_cli(
        "build", "--format", "html", "--out", str(blocker / "out"), "--project", str(example_copy), cwd=example_copy
    )
    assert proc.returncode == 1
    assert "error[BG401]" in proc.stderr and "Traceback" not in proc.stderr


def test_letter_paper_is_a_brief_option(mini: Path) -> None:
    brief = mini / "content" / "briefs" / "harbour.yaml"
    brief.write_text(brief.read_text().replace("template: brief\n", "template: brief\npaper: letter\n"))
    proc = run_cli("build", "harbour", "--format", "pdf", "--project", str(mini), cwd=mini)
    assert proc.returncode == 0, proc.stderr
    box = PdfBack.open(mini / "output" / "harbour.pdf").reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_content_markup_is_escaped_in_html_and_pdf(mini: Path) -> None:
    proc = run_cli("build", "harbour", "--project", str(mini), cwd=mini)
    assert proc.returncode == 0, proc.stderr
    html = (mini / "output" / "harbour.html").read_text()
    assert "<title>Harbour &lt;Trade&gt; &amp; Tin</title>" in html
    assert "<Trade>" not in html
    assert PdfBack.open(mini / "output" / "harbour.pdf").reader.metadata.title == "Harbour <Trade> & Tin"


@pytest.mark.parametrize(
    "command",
    [
        ("build",),
        ("check",),
        ("new", "claim", "kia-holds-mines"),
        ("impact", "kia"),
        ("diff", "some-brief", "--since", "HEAD"),
        ("schema", "--link"),
    ],
)
def test_cli_without_a_project_says_so(tmp_path: Path, command: tuple[str, ...]) -> None:
    # One "no project here" error, whichever command meets it: a usage error (exit 2),
    # the command was run in the wrong folder.
    proc = run_cli(*command, cwd=tmp_path)
    assert proc.returncode == 2
    assert "error[BG009]: no content/ folder here" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def _run_on_a_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run the CLI with its stderr on a pseudo-terminal, as in an analyst's shell; the exit
    code and what the terminal received."""
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefgen", *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=slave
    )
    os.close(slave)
    received = bytearray()
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        received += chunk
    os.close(master)
    return proc.wait(timeout=300), received.decode()


def test_parallel_build_shows_progress_on_a_terminal_and_writes_what_a_serial_one_does(
    mini: Path, tmp_path: Path
) -> None:
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    proc = run_cli("build", "-j", "1", "--out", str(serial), "--project", str(mini), cwd=mini)
    assert proc.returncode == 0, proc.stderr
    assert "PDFs" not in proc.stderr and "\r" not in proc.stderr  # not a terminal: no status line

    code, screen = _run_on_a_terminal(
        ["build", "-j", "2", "--force", "--out", str(parallel), "--project", str(mini)], mini
    )
    assert code == 0, screen
    assert "[0/2] laying out 2 PDFs..." in screen
    done = re.findall(r"\r\x1b\[K\[(\d)/2\] ([a-z-]+) done \(\d+\.\d s\)", screen)
    assert [n for n, _ in done] == ["1", "2"]
    assert sorted(ident for _, ident in done) == ["harbour", "harbour-summary"]
    assert screen.endswith("\r\n")  # the status line is ended, not left for the prompt to overwrite
    assert sorted(p.name for p in parallel.iterdir()) == sorted(p.name for p in serial.iterdir())
    for path in serial.iterdir():
        assert (parallel / path.name).read_bytes() == path.read_bytes(), path.name


def test_sources_list_is_alphabetical_by_first_author_inverted(built: Path) -> None:
    root = htmlread.parse((built / "myanmar-rare-earths.html").read_text())
    section = next(el for el in root.iter() if "sources" in (el.get("class") or "").split())
    entries = [htmlread.text_of(li) for li in section.iter() if str(li.tag).endswith("li")]
    assert len(entries) == 13  # every source the brief cites, directly or via another
    keys = [re.sub(r"^(the|a|an) ", "", e.lower().lstrip("“\"'‘")) for e in entries]
    assert keys == sorted(keys)
    # Persons with a family name are listed under it; Burmese and Kachin names, which have
    # none, and organisations are listed as written.
    starts = [e.split(".")[0] for e in entries]
    assert "Lintner, Bertil" in starts and "Poling, Gregory B" in starts and "Vrieze, Paul" in starts
    assert "Amara Thiha" in starts and "Dan Seng Lawn" in starts and "Reuters" in starts
    archived = next(e for e in entries if e.startswith("“Myanmar’s Minerals Deal.”"))
    archive = "archive/diplomat-myanmar-minerals-deal.txt"
    assert archived.endswith(f"A verbatim copy is archived with the fact base ({archive}).")


def test_each_back_link_of_a_reused_note_is_labelled_and_leads_to_its_call(built: Path) -> None:
    root = htmlread.parse((built / "myanmar-rare-earths.html").read_text())
    ids = htmlread.by_id(root)
    notes = next(el for el in root.iter() if el.get("id") == "notes")
    reused = 0
    for li in (el for el in notes.iter() if str(el.tag).endswith("li")):
        backs = [a for a in li.iter() if "back" in (a.get("class") or "").split()]
        assert backs, li.get("id")
        targets = [a.get("href")[1:] for a in backs]
        assert all(t in ids for t in targets) and len(set(targets)) == len(targets)
        if len(backs) > 1:
            reused += 1
            assert [htmlread.text_of(a) for a in backs] == list("abcdefghijklmnopqrstuvwxyz"[: len(backs)])
            assert [a.get("aria-label") for a in backs] == [f"back to text ({n})" for n in range(1, len(backs) + 1)]
        else:
            assert backs[0].get("aria-label") == "back to text"
    assert reused >= 5  # the example reuses the article's paragraphs often


@pytest.mark.parametrize("brief", BRIEFS)
def test_no_footnote_line_is_stranded(built: Path, brief: str) -> None:
    """No footnote starts with its number and one word alone on a line (WeasyPrint 70 did
    that to a note ending in an inline element), and no short locator or grade is split
    from the rest ("para." / "12. [C3]")."""
    for number, text in enumerate(PdfBack.open(built / f"{brief}.pdf").page_texts(), start=1):
        for line in text.splitlines():
            line = line.strip()
            assert not re.fullmatch(r"\d+\. \S+", line), (number, line)
            assert not re.fullmatch(r"(\d+\.\s*)?\[[A-F?][1-6]?\]", line), (number, line)
            assert not line.endswith((" para.", " p.", " pp.")), (number, line)


@pytest.mark.parametrize("brief", BRIEFS)
def test_every_table_caption_is_on_the_page_of_its_first_row(built: Path, brief: str) -> None:
    root = htmlread.parse((built / f"{brief}.html").read_text())
    pages = [squash(t) for t in PdfBack.open(built / f"{brief}.pdf").page_texts()]
    tables = [el for el in root.iter(f"{htmlread.NS}table") if el.find(f"{htmlread.NS}caption") is not None]
    for table in tables:
        caption = squash(htmlread.text_of(table.find(f"{htmlread.NS}caption")))
        first_row = next(table.iter(f"{htmlread.NS}tbody")).find(f"{htmlread.NS}tr")
        first_cell = squash(htmlread.text_of(first_row[0]))
        on = [n for n, text in enumerate(pages) if caption in text]
        assert on, caption
        assert first_cell in pages[on[0]], (caption, first_cell, on[0] + 1)


def test_the_font_address_serves_font_files_of_the_template_folders_only(tmp_path: Path) -> None:
    from briefgen.render.pdf import ProjectFetcher

    own, packaged = tmp_path / "project" / "templates", tmp_path / "packaged"
    for folder in (own, packaged):
        (folder / "fonts").mkdir(parents=True)
    (own / "fonts" / "House.otf").write_bytes(b"own")
    (packaged / "fonts" / "House.otf").write_bytes(b"packaged")
    (packaged / "fonts" / "Shipped.otf").write_bytes(b"shipped")
    (packaged / "fonts" / "notes.txt").write_text("not a font")
    (tmp_path / "secret.otf").write_bytes(b"secret")
    fetcher = ProjectFetcher([own, packaged])
    assert fetcher.font_file("briefgen:fonts/House.otf") == (own / "fonts" / "House.otf").resolve()
    assert fetcher.font_file("briefgen:fonts/Shipped.otf") == (packaged / "fonts" / "Shipped.otf").resolve()
    for refused in (
        "briefgen:fonts/notes.txt",
        "briefgen:fonts/../../secret.otf",
        "briefgen:../secret.otf",
        "briefgen:fonts/%2e%2e/%2e%2e/secret.otf",
        "briefgen:fonts/Missing.otf",
    ):
        assert fetcher.font_file(refused) is None, refused
        with pytest.raises(ValueError):
            fetcher.fetch(refused)
    assert fetcher.fetch("briefgen:fonts/House.otf").read() == b"own"
