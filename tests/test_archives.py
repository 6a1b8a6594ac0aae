"""Archives as text, web pages and PDFs; quotes located in them and locators checked.

Each format is tested with a real file made here (a PDF laid out by WeasyPrint, with page
labels written by pypdf; a saved web page with navigation, scripts and an article; text
files in cp1252 and UTF-16), through a real ``briefgen check`` process, plus fast
in-process tests of the readers, the locator grammar and the normalisation.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest

from briefgen.check.archives import Archive, ArchiveError, Passage
from briefgen.check.archives.locators import canonical
from briefgen.check.archives.normalise import normalise
from briefgen.check.archives.pdf import join_hyphenated
from briefgen.check.archives.plain import read_text
from briefgen.check.archives.web import read_web_page
from briefgen.check.quotes import locate
from tests.conftest import run_cli, write_project

SOURCE = """\
- id: doc
  type: report
  title: A report
  custom:
    reliability: B
    archive: archive/{name}  # <- archive
    archive_sha256: {sha}
{parts}"""

#: The parts of TEXT that are not paragraphs, as a source's archive_parts names them.
TEXT_PARTS = """\
    archive_parts:
      - {part: title, starts: The Harbour Report}  # <- part
      - {part: skip, starts: Home |}
"""


def _claim(quote: str, locator: str | None) -> str:
    loc = f"      locator: {json.dumps(locator)}  # <- locator\n" if locator is not None else ""
    return (
        "- id: c1\n  kind: fact\n  statement: A fact.\n  sources:\n"
        f"    - ref: doc  # <- cite\n{loc}      quote: {json.dumps(quote)}\n      credibility: 2\n"
    )


def _project(tmp_path: Path, name: str, data: bytes, quote: str, locator: str | None, parts: str | None = None) -> Path:
    """A project whose source 'doc' is archived as ``name``; a .txt archive gets TEXT's parts."""
    if parts is None:
        parts = TEXT_PARTS if name.endswith(".txt") else ""
    root = write_project(
        tmp_path / "p",
        {
            "content/sources.yaml": SOURCE.format(name=name, parts=parts, sha=hashlib.sha256(data).hexdigest()),
            "content/claims.yaml": _claim(quote, locator),
        },
    )
    (root / "content" / "archive").mkdir(exist_ok=True)
    (root / "content" / "archive" / name).write_bytes(data)
    return root


def _check(project: Path, *extra: str) -> tuple[int, list[dict[str, object]]]:
    proc = run_cli("check", "--project", str(project), "--format", "json", *extra, cwd=project)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _line(project: Path, file: str, mark: str) -> int:
    text = (project / file).read_text(encoding="utf-8")
    return next(n for n, line in enumerate(text.splitlines(), 1) if f"# <- {mark}" in line)


# -- plain text -------------------------------------------------------------------------------

TEXT = "The Harbour Report\n\nHome | News\n\nOre is trucked weekly.\n\nExports fell by half.\n"


def test_a_cp1252_archive_is_an_error_at_the_bad_byte(tmp_path: Path) -> None:
    data = "The Caf\u00e9 report\n\nExports fell by half.\n".encode("cp1252")
    project = _project(tmp_path, "doc.txt", data, "Exports fell by half.", "para. 1", parts="")
    code, problems = _check(project)
    assert code == 1
    [hit] = [p for p in problems if p["code"] == "BG130"]
    assert (hit["file"], hit["line"], hit["col"]) == ("content/archive/doc.txt", 1, 8)  # "The Caf\xe9"
    assert "0xe9 is not UTF-8" in str(hit["message"]) and "UTF-8" in str(hit["hint"])
    assert not [p for p in problems if p["code"] == "BG112"]  # no longer a misleading quote mismatch


def test_a_utf16_archive_with_its_byte_order_mark_is_read(tmp_path: Path) -> None:
    data = TEXT.replace("Exports", "Expörts").encode("utf-16")  # Notepad's "Unicode": BOM + UTF-16 LE
    project = _project(tmp_path, "doc.txt", data, "Expörts fell by half.", "para. 2")
    assert _check(project) == (0, [])
    code, problems = _check(_project(tmp_path / "x", "doc.txt", data, "Expörts fell by half.", "para. 1"))
    assert code == 1 and [p["code"] for p in problems] == ["BG129"]


def test_utf16_without_a_byte_order_mark_is_refused(tmp_path: Path) -> None:
    data = TEXT.encode("utf-16-le")
    code, problems = _check(_project(tmp_path, "doc.txt", data, "Ore is trucked weekly.", "para. 1"))
    assert code == 1
    [hit] = [p for p in problems if p["code"] == "BG130"]
    assert hit["file"] == "content/archive/doc.txt" and "NUL" in str(hit["message"])


def test_plain_text_paragraphs_and_named_parts() -> None:
    archive = read_text(TEXT.encode(), (("title", "The Harbour Report"), ("skip", "Home |")))
    assert [(p.locator, p.text) for p in archive.passages] == [
        ("title", "The Harbour Report"),
        ("para. 1", "Ore is trucked weekly."),
        ("para. 2", "Exports fell by half."),
    ]
    assert locate("weekly. Exports fell", archive) == ["paras. 1-2"]
    assert locate("Home | News", archive) == []  # a skipped part is not the article
    assert (TEXT.encode()) == TEXT.encode()  # the archive itself holds no labels
    assert [p.locator for p in read_text(TEXT.encode()).passages] == ["para. 1", "para. 2", "para. 3", "para. 4"]


def test_archive_parts_that_do_not_fit_are_bg130_at_the_entry(tmp_path: Path) -> None:
    wrong = TEXT_PARTS.replace("starts: The Harbour Report}", "starts: The Harbor Report}")
    project = _project(tmp_path, "doc.txt", TEXT.encode(), "Exports fell by half.", "para. 2", parts=wrong)
    code, problems = _check(project)
    assert code == 1
    [hit] = [p for p in problems if p["code"] == "BG130"]
    assert (hit["file"], hit["line"]) == ("content/sources.yaml", _line(project, "content/sources.yaml", "part"))
    assert "starts with 'The Harbor Report'" in str(hit["message"])
    # Out of order: the title comes first in the archive, so after 'Home |' there is none.
    backwards = (
        "    archive_parts:\n      - {part: skip, starts: Home |}\n      - {part: title, starts: The Harbour Report}\n"
    )
    code, problems = _check(_project(tmp_path / "o", "doc.txt", TEXT.encode(), "x", None, parts=backwards))
    assert code == 1 and any(p["code"] == "BG130" and "after the previous part" in str(p["message"]) for p in problems)


# -- wrong and missing locators, --fix-locators --------------------------------------------------


def test_a_wrong_locator_is_an_error_at_its_line_naming_the_right_one(tmp_path: Path) -> None:
    project = _project(tmp_path, "doc.txt", TEXT.encode(), "Exports fell by half.", "para. 9")
    code, problems = _check(project)
    assert code == 1
    [hit] = problems
    assert hit["code"] == "BG129"
    assert (hit["file"], hit["line"], hit["col"]) == (
        "content/claims.yaml",
        _line(project, "content/claims.yaml", "locator"),
        16,
    )
    assert hit["message"] == "the quote is in para. 2, not para. 9"


def test_a_missing_locator_is_a_warning_naming_the_found_one(tmp_path: Path) -> None:
    project = _project(tmp_path, "doc.txt", TEXT.encode(), "The Harbour Report", None)
    code, problems = _check(project)
    assert code == 0
    [hit] = problems
    assert (hit["code"], hit["severity"]) == ("BG215", "warning")
    assert hit["line"] == _line(project, "content/claims.yaml", "cite")
    assert "the quote is in title" in str(hit["message"])
    assert _check(project, "--strict")[0] == 1


def test_a_locator_without_a_quote_must_name_a_passage_the_archive_has(tmp_path: Path) -> None:
    project = _project(tmp_path, "doc.txt", TEXT.encode(), "x", "para. 1")
    claims = project / "content" / "claims.yaml"
    claims.write_text(claims.read_text().replace('      quote: "x"\n', "").replace("para. 1", "para. 7"))
    code, problems = _check(project)
    assert code == 1
    [hit] = problems
    assert hit["code"] == "BG129" and hit["message"] == "the archive of 'doc' has no para. 7"


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("[@harbour-report, para. 12]", "a .txt archive is located by 'para. N'"),
        ("[@harbour-report, page 2]", "a .txt archive is located by 'para. N'"),
        ("[@ministry, para. 9]", "a .txt archive is located by 'para. N'"),  # via harbour-report
        ("[@road-slow; @harbour-report, paras. 2-9]", "a .txt archive is located by 'para. N'"),
    ],
)
def test_a_citation_in_prose_names_a_place_the_archive_has(mini: Path, written: str, hint: str) -> None:
    """A locator in a brief's prose is checked as a claim's is: the note would print
    "para. 12" of a three-paragraph article as if it were there."""
    brief = mini / "content" / "briefs" / "harbour.yaml"
    text = brief.read_text()
    assert "[@harbour-report, para. 1]" in text
    brief.write_text(text.replace("[@harbour-report, para. 1]", written, 1))
    code, problems = _check(mini)
    assert code == 1
    [hit] = problems
    line = next(n for n, row in enumerate(brief.read_text().splitlines(), 1) if written in row)
    col = brief.read_text().splitlines()[line - 1].index(written) + 1
    assert (hit["code"], hit["file"], hit["line"], hit["col"]) == ("BG129", "content/briefs/harbour.yaml", line, col)
    locator = written.rsplit(", ", 1)[1].rstrip("]")
    assert str(hit["message"]).startswith(f"brief 'harbour': the archive of 'harbour-report' has no {locator}")
    assert hint in str(hit["hint"])


def test_a_citation_in_prose_at_a_place_the_archive_has_is_quiet(mini: Path) -> None:
    brief = mini / "content" / "briefs" / "harbour.yaml"
    brief.write_text(brief.read_text().replace("[@harbour-report, para. 1]", "[@harbour-report, paras. 1-2]", 1))
    assert _check(mini) == (0, [])


FIX_BEFORE = """\
# Claims about the harbour.  Comments and layout are the analyst's.

- id: c1
  kind: fact
  statement: A fact.
  sources:
    - ref: doc
      locator: 'para. 9'   # checked by hand, 2025
      quote: "Exports fell by half."
      credibility: 2
    - ref: doc
      quote: >-
        Ore is
        trucked weekly.
      credibility: 2

# the end
"""

FIX_AFTER = """\
# Claims about the harbour.  Comments and layout are the analyst's.

- id: c1
  kind: fact
  statement: A fact.
  sources:
    - ref: doc
      locator: 'para. 2'   # checked by hand, 2025
      quote: "Exports fell by half."
      credibility: 2
    - ref: doc
      locator: para. 1
      quote: >-
        Ore is
        trucked weekly.
      credibility: 2

# the end
"""


def test_fix_locators_writes_them_keeping_comments_and_layout(tmp_path: Path) -> None:
    project = _project(tmp_path, "doc.txt", TEXT.encode(), "x", None)
    claims = project / "content" / "claims.yaml"
    claims.write_text(FIX_BEFORE)
    proc = run_cli("check", "--project", str(project), "--fix-locators", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert claims.read_text() == FIX_AFTER
    assert "content/claims.yaml:8:16: locator 'para. 9' -> 'para. 2'" in proc.stderr
    assert "content/claims.yaml:11:7: locator none -> 'para. 1'" in proc.stderr
    assert "briefgen check: no problems" in proc.stderr or "0 errors, 0 warnings" in proc.stderr
    again = run_cli("check", "--project", str(project), "--fix-locators", cwd=project)
    assert "0 locators written" in again.stderr and claims.read_text() == FIX_AFTER


def test_the_example_locators_are_checked(example_copy: Path) -> None:
    claims = example_copy / "content" / "claims" / "kia.yaml"
    text = claims.read_text(encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.strip() == "locator: para. 9")
    claims.write_text(text.replace("locator: para. 9", "locator: para. 8", 1), encoding="utf-8")
    code, problems = _check(example_copy)
    assert code == 1
    [hit] = problems
    assert (hit["code"], hit["file"], hit["line"]) == ("BG129", "content/claims/kia.yaml", line)
    assert hit["message"] == "the quote is in para. 9, not para. 8"


# -- web pages ----------------------------------------------------------------------------------

PAGE = """\
<!doctype html><html><head><title>Harbour news</title>
<style>p { color: red } .x::after { content: "Exports doubled" }</style>
<script>var msg = "Exports tripled, buy now";</script></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">Harbour news and more stories from the coast</a></li>
<li>Subscribe to our newsletter for weekly updates on trade</li></ul></nav>
<article><h1>The Harbour Report</h1>
<section id="trade">
<p>Ore from the northern hills is trucked to the coast every week, the port authority says.</p>
<p>According to the ministry, exports fell by <em>half</em> in 2025, the lowest in a decade of records.</p>
</section>
<h2 id="road">The road</h2>
<p>The port authority said the new road would take years to build, and that funding is not secured.</p>
</article>
<footer><p>Copyright 2025 Coast Daily. All rights reserved. Privacy policy and terms of use.</p></footer>
<script>document.write("Exports quadrupled")</script>
</body></html>
"""


def test_a_web_page_is_read_as_its_article_in_paragraphs() -> None:
    archive = read_web_page(PAGE.encode())
    paras = [p for p in archive.passages if p.kind == "para"]
    assert [p.locator for p in paras] == ["para. 1", "para. 2", "para. 3"]
    assert paras[1].text.startswith("According to the ministry, exports fell by half in 2025")
    assert locate("exports fell by half in 2025", archive) == ["para. 2"]
    for junk in ("Exports tripled", "Exports quadrupled", "Exports doubled", "Subscribe", "Copyright"):
        assert locate(junk, archive) == [], junk


@pytest.mark.parametrize(
    ("quote", "locator", "codes"),
    [
        ("exports fell by half in 2025", "para. 2", []),
        ("exports fell by half in 2025", "#trade", []),
        ("would take years to build", "#road", []),
        ("would take years to build", "#trade", ["BG129"]),
        ("exports fell by half in 2025", "para. 1", ["BG129"]),
        ("Exports tripled, buy now", "para. 1", ["BG112"]),
    ],
)
def test_web_page_quotes_and_locators_through_check(tmp_path: Path, quote: str, locator: str, codes: list[str]) -> None:
    project = _project(tmp_path, "page.html", PAGE.encode(), quote, locator)
    code, problems = _check(project)
    assert [p["code"] for p in problems] == codes
    assert code == (1 if codes else 0)


def test_a_page_with_no_article_is_an_error_at_the_archive_line(tmp_path: Path) -> None:
    page = b"<html><body><script>var a = 1;</script><nav><a href='/'>Home</a></nav></body></html>"
    project = _project(tmp_path, "page.html", page, "Home", "para. 1")
    code, problems = _check(project)
    assert code == 1
    [hit] = problems
    assert (hit["code"], hit["line"]) == ("BG130", _line(project, "content/sources.yaml", "archive"))
    with pytest.raises(ArchiveError):
        read_web_page(page)


# -- PDFs ---------------------------------------------------------------------------------------

PDF_HTML = """\
<html lang="en"><style>@page { size: A6; margin: 1cm } p { hyphens: auto; width: 3cm; font-size: 11pt }
.next { break-before: page }</style>
<p>The refining capacity of the region is extraordinarily concentrated in China.</p>
<p class="next">The second page holds the ﬁnal words of this report.</p></html>
"""


def _pdf(labels: bool = True, password: str | None = None) -> bytes:
    import pypdf
    import weasyprint
    from pypdf.constants import PageLabelStyle

    laid_out = weasyprint.HTML(string=PDF_HTML).write_pdf()
    assert b"/PageLabels" not in laid_out  # WeasyPrint writes none: pypdf adds them
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(laid_out)))
    if labels:
        writer.set_page_label(0, 0, style=PageLabelStyle.LOWERCASE_ROMAN)  # "i"
        writer.set_page_label(1, 1, style=PageLabelStyle.DECIMAL, start=7)  # "7"
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def labelled_pdf() -> bytes:
    return _pdf()


def test_pdf_text_shows_the_hyphenated_line_break(labelled_pdf: bytes) -> None:
    import pypdf

    raw = pypdf.PdfReader(io.BytesIO(labelled_pdf)).pages[0].extract_text()
    assert "extraordinarily" not in raw.replace("\n", " ")  # the layout broke the word
    assert "extraordinarily" in join_hyphenated(raw)


@pytest.mark.parametrize(
    ("quote", "locator", "codes"),
    [
        ("the region is extraordinarily concentrated", "p. i", []),  # a word joined across lines
        ("holds the final words", "p. 7", []),  # the ligature ﬁ (NFKC)
        ("concentrated in China. The second page", "pp. i-7", []),
        ("the region is extraordinarily concentrated", "p. 1", ["BG129"]),  # the label, not the number
        ("the region is extra ordinarily concentrated", "p. i", ["BG112"]),
    ],
)
def test_pdf_quotes_and_page_labels_through_check(
    tmp_path: Path, labelled_pdf: bytes, quote: str, locator: str, codes: list[str]
) -> None:
    project = _project(tmp_path, "doc.pdf", labelled_pdf, quote, locator)
    code, problems = _check(project)
    assert [p["code"] for p in problems] == codes, problems
    assert code == (1 if codes else 0)
    if codes == ["BG129"]:
        assert problems[0]["message"] == "the quote is in p. i, not p. 1"
        assert problems[0]["line"] == _line(project, "content/claims.yaml", "locator")


def test_a_pdf_without_labels_is_located_by_page_number(tmp_path: Path) -> None:
    project = _project(tmp_path, "doc.pdf", _pdf(labels=False), "holds the final words", "p. 2")
    assert _check(project) == (0, [])


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: _pdf(password="secret"), "encrypted"),
        (lambda: _pdf()[:400], "not a readable PDF"),
        (lambda: b"%PDF-1.7\n" + b"\x00" * 2000, "not a readable PDF"),
    ],
)
def test_an_unreadable_pdf_is_an_error_at_the_archive_line(tmp_path: Path, make, words: str) -> None:  # type: ignore[no-untyped-def]
    project = _project(tmp_path, "doc.pdf", make(), "anything", "p. 1")
    code, problems = _check(project)
    assert code == 1
    [hit] = problems
    assert hit["code"] == "BG130" and words in str(hit["message"])
    assert (hit["file"], hit["line"]) == ("content/sources.yaml", _line(project, "content/sources.yaml", "archive"))


def test_an_archive_of_another_format_is_refused(tmp_path: Path) -> None:
    code, problems = _check(_project(tmp_path, "doc.docx", b"PK\x03\x04", "x", "para. 1"))
    assert code == 1 and [p["code"] for p in problems] == ["BG130"]


# -- the normalisation and the grammar ----------------------------------------------------------


def test_the_one_normalisation() -> None:
    assert normalise("“Capa\u00adcity”\u00a0—  the ﬁrst\u200b") == '"Capacity" - the first'
    assert normalise("it’s 3\u20134") == "it's 3-4"
    assert normalise("Capacity") != normalise("capacity")  # case is never folded


def test_locators_compare_in_canonical_form() -> None:
    assert canonical("Para.3") == canonical("para. 3") == "para. 3"
    assert canonical("paras. 3 \u2013 4") == "paras. 3-4"
    assert canonical("pp. A-3-A-4") == "pp. A-3-A-4"
    assert canonical("p. iv") == "p. iv" and canonical("Photo  Caption") == "photo caption"


def test_a_quote_over_two_pages_is_a_page_range() -> None:
    archive = Archive("pdf", [Passage("page", "3", "one two"), Passage("page", "4", "three four")])
    assert locate("two three", archive) == ["pp. 3-4"]


def test_a_pdf_that_takes_too_long_is_stopped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from briefgen.check.archives import pdf

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # nothing cached: the child really runs
    monkeypatch.setattr(pdf, "TIMEOUT", 0.01)  # a child process cannot even start in that time
    with pytest.raises(ArchiveError, match="took longer than"):
        pdf.read_pdf(_pdf())


def _cited_in_a_brief(project: Path, citation: str) -> None:
    brief = f'id: b\ntitle: B\ndate: 2026-01-01\nsummary: "[[c1]] As the report has it {citation}."\n'
    (project / "content" / "briefs").mkdir(exist_ok=True)
    (project / "content" / "briefs" / "b.yaml").write_text(brief)


@pytest.mark.parametrize(
    ("citation", "codes"),
    [
        ("[@doc, para. 2]", []),
        ("[@doc, #road]", []),
        ("[@doc, para. 9]", ["BG129"]),
        ("[@doc, #nowhere]", ["BG129"]),
        ("[@doc, p. 3]", ["BG129"]),  # a web page has no pages
    ],
)
def test_a_citation_in_prose_is_held_to_a_web_pages_places(tmp_path: Path, citation: str, codes: list[str]) -> None:
    project = _project(tmp_path, "page.html", PAGE.encode(), "exports fell by half in 2025", "para. 2")
    _cited_in_a_brief(project, citation)
    code, problems = _check(project)
    assert [(p["code"], p["file"], p["line"]) for p in problems] == [(c, "content/briefs/b.yaml", 4) for c in codes]
    assert code == (1 if codes else 0)
    if codes:
        assert "a web page is located by" in str(problems[0]["hint"])


@pytest.mark.parametrize(
    ("citation", "codes"),
    [("[@doc, p. i]", []), ("[@doc, p. 7]", []), ("[@doc, pp. i-7]", []), ("[@doc, p. 2]", ["BG129"])],
)
def test_a_citation_in_prose_is_held_to_a_pdfs_printed_page_labels(
    tmp_path: Path, labelled_pdf: bytes, citation: str, codes: list[str]
) -> None:
    project = _project(tmp_path, "doc.pdf", labelled_pdf, "the region is extraordinarily concentrated", "p. i")
    _cited_in_a_brief(project, citation)
    code, problems = _check(project)
    assert [p["code"] for p in problems] == codes
    assert code == (1 if codes else 0)


def test_a_citation_in_prose_through_a_chain_of_three_is_held_to_the_last_archive(mini: Path) -> None:
    """'aide' is known only through 'ministry', known only through 'harbour-report': its
    locator is checked against the harbour report's archive, the one the chain ends in."""
    sources = mini / "content" / "sources.yaml"
    sources.write_text(
        sources.read_text()
        + "- id: aide\n  type: document\n  title: Aide's remark\n  custom:\n    reliability: C\n    via: ministry\n"
    )
    brief = mini / "content" / "briefs" / "harbour.yaml"
    brief.write_text(brief.read_text().replace("[@harbour-report, para. 1]", "[@aide, para. 5]", 1))
    code, problems = _check(mini)
    assert code == 1 and [p["code"] for p in problems] == ["BG129"]
    assert problems[0]["message"] == (
        "brief 'harbour': the archive of 'harbour-report' has no para. 5 (the citation of 'aide', known through it)"
    )
    brief.write_text(brief.read_text().replace("[@aide, para. 5]", "[@aide, para. 4]", 1))
    assert _check(mini) == (0, [])
