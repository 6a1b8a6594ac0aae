"""Typography of what a reader holds: curly quotes in every text from content, no
hyphenated proper nouns, names, titles or captions, the marking at the top and the bottom
of every page. Read back from the built HTML and PDF. (A summary that runs over its one
page is BG411: tests/test_error_codes.py.)"""

from __future__ import annotations

import itertools
import random
import re
from pathlib import Path

import pytest

from briefgen.render.typography import smart_quotes, smarten_html
from tests import htmlread
from tests.conftest import MINI, run_cli, write_project
from tests.pdfread import PdfBack, squash

#: Long capitalised words (places, names) and long common words, to give hyphenation
#: every chance at line ends.
PROPER = "Lubumbashi Kolwezi Myitkyina Naypyidaw Chipwe-Pangwa Ruyigi Bujumbura Tanganyika Mandalay Shwegu"
COMMON = "internationalisation considerations notwithstanding responsibilities administrative"


def _shuffled(seed: int) -> str:
    """Sixty words of PROPER and COMMON in an order of their own, so that line ends fall
    on every kind of word."""
    words = (PROPER.split() + COMMON.split()) * 4
    random.Random(seed).shuffle(words)
    return " ".join(words)


TYPO: dict[str, str] = {
    **MINI,
    "content/sources.yaml": MINI["content/sources.yaml"]
    .replace("title: The Harbour Report", "title: 'The Harbour''s \"Quiet\" Report'")
    .replace("container-title: Coast Daily", "container-title: Coast's Daily"),
    "content/actors.yaml": MINI["content/actors.yaml"].replace(
        "name: Port Authority of the Coast", "name: O'Neill's Port Authority"
    ),
    "content/places.yaml": MINI["content/places.yaml"]
    .replace("name: Northern Hills", "name: King's Hills")
    .replace("name: Coast", "name: '\"Old\" Coast'"),
    "content/routes.yaml": MINI["content/routes.yaml"].replace("name: Hill road", "name: King's road"),
    "content/briefs/harbour.yaml": MINI["content/briefs/harbour.yaml"]
    .replace("title: Harbour <Trade> & Tin", 'title: Harbour\'s "Tin" Trade')
    .replace("subtitle: A test brief", f"subtitle: The port's year of {COMMON} {COMMON}")
    .replace("authors: [Test Author]", 'authors: ["Dan O\'Brien"]')
    .replace("    table: routes\n", "    table: routes\n    figure: routes\n")
    .replace("  - heading: Actors\n    body: Who is who.", "  - heading: Who's who\n    body: Who is who.")
    + "".join(
        f"  - heading: {COMMON.split()[k]} of {PROPER.split()[k]} and {PROPER.split()[k + 1]}\n"
        f"    body: |\n      {_shuffled(k)}\n"
        for k in range(4)
    ),
}


@pytest.fixture(scope="module")
def typo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_project(tmp_path_factory.mktemp("typo") / "project", TYPO)
    proc = run_cli("build", "harbour", "--project", str(root), cwd=root)
    assert proc.returncode == 0, proc.stderr
    return root / "output"


# -- curly quotes ------------------------------------------------------------------------


def test_smart_quotes_follow_the_prose_rule() -> None:
    assert smart_quotes('The port\'s "year"') == "The port’s “year”"
    assert smart_quotes("'Tin' and O'Brien") == "‘Tin’ and O’Brien"
    assert smart_quotes("no quotes") == "no quotes"


def test_smarten_html_curls_text_and_read_attributes_only() -> None:
    html = (
        '<title>Harbour&#39;s &#34;Tin&#34;</title><meta name="author" content="Dan O&#39;Brien">'
        '<p title="it&#39;s">A <i>"quoted</i> word" and <a href="https://x.org/it\'s">https://x.org/it\'s</a></p>'
        "<pre>keep 'this'</pre><code>x = 'y'</code><style>a[title='x'] { }</style>"
        "<td>King&#39;s</td><text x=\"1\">O'Neill's</text>"
    )
    out = smarten_html(html)
    assert "<title>Harbour’s “Tin”</title>" in out
    assert 'content="Dan O’Brien"' in out and 'title="it’s"' in out
    assert "A <i>“quoted</i> word”" in out  # quotes pair across inline tags
    assert "href=\"https://x.org/it's\">https://x.org/it's</a>" in out  # a web address is left alone
    assert "<pre>keep 'this'</pre>" in out and "<code>x = 'y'</code>" in out
    assert "a[title='x']" in out
    assert "<td>King’s</td>" in out and ">O’Neill’s</text>" in out
    assert smarten_html(out) == out


def test_curly_quotes_in_every_text_from_content_html_and_pdf(typo: Path) -> None:
    html = (typo / "harbour.html").read_text()
    root = htmlread.parse(html)
    body = root.find(f"{htmlread.NS}body")
    head_title = root.find(f"{htmlread.NS}head").find(f"{htmlread.NS}title")
    assert head_title.text == "Harbour’s “Tin” Trade"
    texts = {
        "title": "Harbour’s “Tin” Trade",
        "subtitle": "The port’s year",
        "author": "Dan O’Brien",
        "name in prose and table": "O’Neill’s Port Authority",
        "note title": "“The Harbour’s “Quiet” Report,”",
        "container title": "Coast’s Daily",
        "heading": "Who’s who",
        "route in table and figure": "King’s road",
        "place in figure": "King’s Hills",
        "place with quotes": "“Old” Coast",
    }
    shown = htmlread.text_of(body)
    for what, text in texts.items():
        assert text in shown, what
    # No straight quote or apostrophe is left in any text a reader sees (scripts and styles aside).
    for el in body.iter():
        if el.tag in (f"{htmlread.NS}script", f"{htmlread.NS}style"):
            continue
        for part in (el.text, el.tail):
            assert not part or not re.search(r"['\"]", part), (el.tag, part)
    svg_labels = " ".join(t.text or "" for t in body.iter("{http://www.w3.org/2000/svg}text"))
    assert "King’s" in svg_labels and "'" not in svg_labels
    pdf = squash(" ".join(PdfBack.open(typo / "harbour.pdf").page_texts()))
    for what, text in texts.items():
        assert text in pdf, what
    assert PdfBack.open(typo / "harbour.pdf").reader.metadata.author == "Dan O’Brien"


# -- hyphenation ---------------------------------------------------------------------------


def _hyphenated_words(pdf: Path) -> list[tuple[int, str]]:
    """(page, word) for every word the PDF breaks with a hyphen at a line end."""
    found = []
    for number, text in enumerate(PdfBack.open(pdf).page_texts(), start=1):
        lines = [line.strip() for line in text.splitlines()]
        for line, following in itertools.pairwise(lines):
            if m := re.search(r"(\w+)-$", line):
                rest = re.match(r"\w+", following)
                if rest and rest.group(0)[0].islower():  # "Chipwe-" + "Pangwa" is a compound, not a break
                    found.append((number, m.group(1) + rest.group(0)))
    return found


def test_no_proper_noun_name_title_subtitle_or_caption_is_hyphenated(typo: Path) -> None:
    words = _hyphenated_words(typo / "harbour.pdf")
    # Common words in running text still are (the layout gives them every chance)...
    assert any(word in COMMON.split() for _page, word in words), words
    # ...but never a capitalised word, a proper noun or a name.
    assert [w for w in words if w[1][0].isupper()] == []
    proper = {p.split("-")[0] for p in PROPER.split()} | {p.split("-")[-1] for p in PROPER.split()}
    assert [w for w in words if w[1] in proper] == []
    # Titles, subtitles, headings and captions are set whole: each is found unbroken.
    text = squash(" ".join(PdfBack.open(typo / "harbour.pdf").page_texts()))
    assert f"The port’s year of {COMMON} {COMMON}" in text
    for k in range(4):
        heading = f"{COMMON.split()[k]} of {PROPER.split()[k]} and {PROPER.split()[k + 1]}"
        assert heading in text, heading
    html = (typo / "harbour.html").read_text()
    assert (
        "h1, h2, h3, h4, .subtitle, .title-block, .meta, nav.toc, caption, figcaption, .marking { hyphens: manual; }"
        in html
    )


# -- page furniture -------------------------------------------------------------------------


def test_the_marking_is_at_the_top_and_the_bottom_of_every_page(typo: Path) -> None:
    pdf = PdfBack.open(typo / "harbour.pdf")
    texts = pdf.page_texts()
    assert len(texts) >= 2
    for number, text in enumerate(texts, start=1):
        # Head and foot of every page; the first page also shows it in its title block.
        assert text.count("PUBLIC") == (3 if number == 1 else 2), (number, text)


def test_the_space_before_a_name_a_claim_or_a_note_reference_moves_inside_it_for_layout() -> None:
    from briefgen.render.pdf import breakable_before_inline_text

    html = 'forces <span class="entity" data-entity="china">China</span> now.<span class="refs"> (note 7)</span>'
    assert breakable_before_inline_text(html) == (
        'forces<span class="entity" data-entity="china"> China</span> now.<span class="refs"> (note 7)</span>'
    )
    untouched = 'a <span class="fn" id="fn-1">body</span> <a class="fn-call">1</a>'
    assert breakable_before_inline_text(untouched) == untouched  # a floated note keeps its space out
