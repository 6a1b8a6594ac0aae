"""briefgen.facts.syntax in process: prose in; the references, links and masks the validator reads out.

Each case is the text and exactly what the scan must report, in order, with offsets into
the text (the validator turns them into file positions).
"""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefgen.facts.syntax import (
    CiteItem,
    link_allowed,
    mask_code,
    mention_allowed_before,
    parse_cite_body,
    scan_figure_labels,
    scan_links,
    scan_malformed_mentions,
    scan_malformed_references,
    scan_references,
)

# -- references: citations, claims, mentions ---------------------------------------------------

Ref = tuple[str, str, int, str]  # id, how, offset, token

REFERENCES: list[tuple[str, list[Ref]]] = [
    ("No syntax at all.", []),
    (
        "See [@a] and [@b, p. 4; @{c}] with @d and [[claim-x]].",
        [
            ("a", "cite", 4, "[@a]"),
            ("b", "cite", 13, "[@b, p. 4; @{c}]"),
            ("c", "cite", 13, "[@b, p. 4; @{c}]"),
            ("d", "mention", 35, "@d"),
            ("claim-x", "claim", 42, "[[claim-x]]"),
        ],
    ),
    # a mention needs a lower-case slug after a non-word character: e-mails, paths and
    # upper case are text; an underscore or a trailing hyphen ends the id
    (
        "bob@example.org @Upper @a_b @-x a/@b x.@c x@@d @x- end",
        [("a", "mention", 23, "@a"), ("x", "mention", 47, "@x")],
    ),
    ("(@a) [@b]x@c", [("a", "mention", 1, "@a"), ("b", "cite", 5, "[@b]")]),
    ("@{a-b}c @{A}", [("a-b", "mention", 0, "@{a-b}")]),
    # code spans and fenced code hide everything
    ("`[@a]` and ```\n@b\n``` and @c", [("b", "mention", 15, "@b")]),
    ("```\n[[x]] [@y]\n```\n@z", [("z", "mention", 19, "@z")]),
    ("~~~\n@hidden\n~~~\n@shown", [("shown", "mention", 16, "@shown")]),
    # escapes: \@ is no mention, \[ is no citation (the @ inside then is a mention)
    ("\\@a and \\[@b] and @c", [("b", "mention", 10, "@b"), ("c", "mention", 18, "@c")]),
    # what is not a citation body leaves its mentions
    ("[@a; b]", [("a", "mention", 1, "@a")]),
    ("[see @a]", [("a", "mention", 5, "@a")]),
    ("[@a, p. [4]]", [("a", "mention", 1, "@a")]),
    ("[@]", []),
    # locators: spaces around items and separators are allowed
    ("[@a,p.4]", [("a", "cite", 0, "[@a,p.4]")]),
    (
        "[@a, para. 4 ; @b ,  p. 2 ]",
        [("a", "cite", 0, "[@a, para. 4 ; @b ,  p. 2 ]"), ("b", "cite", 0, "[@a, para. 4 ; @b ,  p. 2 ]")],
    ),
    ("[@a][@b]", [("a", "cite", 0, "[@a]"), ("b", "cite", 4, "[@b]")]),
    # claims: spaces inside the brackets are allowed, upper case is not
    ("[[ spaced ]] [[Bad]] [[a]]", [("spaced", "claim", 0, "[[ spaced ]]"), ("a", "claim", 21, "[[a]]")]),
    ("[[[@a]]]", [("a", "cite", 2, "[@a]")]),
    ("[[a]] [@a-]", [("a", "claim", 0, "[[a]]"), ("a", "mention", 7, "@a")]),
    ("[[a\n]]", [("a", "claim", 0, "[[a\n]]")]),
    # a citation does not span lines
    ("[@a\n]", [("a", "mention", 1, "@a")]),
    # mentions in words of one's own: the {@id} is the reference; mentions in the words count
    ("By [the old road]{@hill-road}.", [("hill-road", "mention", 17, "{@hill-road}")]),
    ("[near @b]{@a}", [("b", "mention", 6, "@b"), ("a", "mention", 9, "{@a}")]),
    # malformed (see scan_malformed_mentions): an unclosed one leaves a plain mention
    ("[words]{@Bad} [x]{@a", [("a", "mention", 18, "@a")]),
    ("`[w]{@a}`", []),
    # cross-references: ids with a Quarto prefix, in either spelling
    (
        "See @fig-a, @{tbl-b} and @sec-c-d.",
        [("fig-a", "xref", 4, "@fig-a"), ("tbl-b", "xref", 12, "@{tbl-b}"), ("sec-c-d", "xref", 25, "@sec-c-d")],
    ),
    ("@figure-a @fig", [("figure-a", "mention", 0, "@figure-a"), ("fig", "mention", 10, "@fig")]),
]


@pytest.mark.parametrize(("text", "expected"), REFERENCES, ids=[t for t, _ in REFERENCES])
def test_scan_references_reports_each_id_how_and_where(text: str, expected: list[Ref]) -> None:
    found = [(r.ref, r.how, r.offset, r.token) for r in scan_references(text)]
    assert found == expected
    for ref in scan_references(text):
        assert text[ref.offset : ref.offset + len(ref.token)] == ref.token


def test_scan_references_is_remembered_per_text() -> None:
    text = "Remembered [@a] and @b."
    assert scan_references(text) is scan_references(text)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("@a", [CiteItem("a", None)]),
        ("@a, p. 1; @b", [CiteItem("a", "p. 1"), CiteItem("b", None)]),
        ("@{a}, loc", [CiteItem("a", "loc")]),
        (" @a ;", [CiteItem("a", None)]),
        ("@a, ", [CiteItem("a", None)]),  # an empty locator is none
        ("@a;;", None),
        ("@a b", None),
        ("x", None),
        ("", None),
        ("@A", None),
    ],
)
def test_parse_cite_body(body: str, expected: list[CiteItem] | None) -> None:
    assert parse_cite_body(body) == expected


@pytest.mark.parametrize(
    ("text", "index", "allowed"),
    [
        ("@a", 0, True),
        (" @a", 1, True),
        ("(@a", 1, True),
        ("—@a", 1, True),
        ("x@a", 1, False),
        ("9@a", 1, False),
        ("é@a", 1, False),
        ("_@a", 1, False),
        ("@@a", 1, False),
        ("\\@a", 1, False),
        ("/@a", 1, False),
        (".@a", 1, False),
    ],
)
def test_a_mention_starts_only_after_a_non_word_character(text: str, index: int, allowed: bool) -> None:
    assert mention_allowed_before(text, index) is allowed


# -- masking code --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("a `b` c", "a     c"),
        ("a ``b`c`` d", "a         d"),
        ("a `unclosed", "a `unclosed"),
        ("x\n```py\ncode\n```\ny", "x\n     \n    \n   \ny"),
        ("x\n~~~\nunclosed\nto the end", "x\n   \n        \n          "),
        # a fence closes only with its own character, at least as long
        ("```\na\n~~~\n```\nb", "   \n \n   \n   \nb"),
        ("````\na\n```\n````\nb", "    \n \n   \n    \nb"),
        # a closing fence takes no info string
        ("```\na\n``` not closed\n```\nb", "   \n \n              \n   \nb"),
        # four spaces make an indented code line (code too), not a fence
        ("    ```\nx\n```\ny", "       \nx\n   \n "),
        ("Text.\n\n    @a code\n\n@b", "Text.\n\n           \n\n@b"),
        # a code span ends with its paragraph
        ("a `b\n\nc `d", "a `b\n\nc `d"),
        # a backtick fence's info string holds no backticks: then it is a code span
        ("``` a`b\nc `d` e", "``` a  \n   d` e"),
    ],
)
def test_mask_code_blanks_code_and_keeps_offsets_and_newlines(text: str, masked: str) -> None:
    assert mask_code(text) == masked
    assert len(mask_code(text)) == len(text)


#: Prose where code (fenced, indented, spans) stands beside references, in block quotes
#: and list items; markdown-it-py (the renderer) is the judge of what is code.
CODE_CASES = {
    "fenced": "```\n@a in code\n```\n\nThe @b said.\n",
    "tilde fence": "~~~\n@a\n~~~\nThe @b said.\n",
    "indented": "Text.\n\n    @a indented code\n\nThe @b said.\n",
    "fenced then indented": "```\n@a\n```\n\n    @a indented\n\nThe @b said.\n",
    "indented line continuing a paragraph": "Para\n    @a continues the paragraph\n",
    "indented by a tab": "Text.\n\n\t@a tab code\n\nThe @b.\n",
    "blank lines inside indented code": "x\n\n    @a\n\n    @c\n\n@b\n",
    "after a heading": "# Title\n    @a code\n",
    "after a rule": "---\n    @a\n",
    "list item fenced": "- item\n\n  ```\n  @a\n  ```\n- The @b said.\n",
    "ordered item fenced": "1. item\n\n    ```\n    @a\n    ```\n\n2. The @b said.\n",
    "list item indented code": "- item\n\n      @a code in item\n\n- The @b.\n",
    "list item opening with code": "-     @a code\n",
    "nested list fenced": "- a\n  - b\n\n    ```\n    @a\n    ```\n- The @b.\n",
    "list item text at four columns": "- item\n\n    @a\n",
    "list after a paren": "1) item\n\n       @a code\n",
    "unclosed fence ends with its item": "- ```\n  @a\n- The @b.\n",
    "quote fenced": "> ```\n> @a\n> ```\n\nThe @b said.\n",
    "quote indented code": ">     @a code\n\nThe @b.\n",
    "unclosed fence ends with its quote": "> ```\n> @a\n\nThe @b.\n",
    "quote in a list item": "- > ```\n  > @a\n  > ```\n- The @b.\n",
    "quote in a quote": "> > ```\n> > @a\n> > ```\n> @b\n",
    "lazy quote line": "> The @b\ncontinues @c\n",
    "code span over lines": "Code `a\n@a` and the @b.\n",
    "code span never crosses paragraphs": "A `tick\n\nThe @b and `x` @c.\n",
    "citation in a code span": "See `[@a]` and [@b].\n",
    "claim in a fence": "```\n[[a]]\n```\n[[b]]\n",
}


def _rendered_ids(text: str) -> list[str]:
    from briefgen.render.markdown import parse, walk_inline

    out: list[str] = []
    for tok in walk_inline(parse(text)):
        if tok.type == "bg_cite":
            out.extend(item.ref for item in tok.meta["items"])
        elif tok.type in ("bg_claim", "bg_mention", "bg_mention_open"):
            out.append(tok.meta["id"])
        elif tok.type == "bg_xref":
            out.append(tok.meta["label"])
    return out


@pytest.mark.parametrize("text", CODE_CASES.values(), ids=CODE_CASES.keys())
def test_scan_references_reads_code_as_the_renderer_does(text: str) -> None:
    assert [r.ref for r in scan_references(text)] == _rendered_ids(text)


def test_mask_code_can_keep_code_spans() -> None:
    text = "`span` and\n```\nfenced\n```\n"
    assert mask_code(text, spans=False) == "`span` and\n   \n      \n   \n"


def test_mask_code_takes_linear_time_on_many_backticks() -> None:
    # The backtracking regex mask_code replaced took seconds on a few thousand backticks.
    text = "` `` " * 20_000
    start = time.perf_counter()
    masked = mask_code(text)
    assert time.perf_counter() - start < 2.0
    assert len(masked) == len(text)


# -- links -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org",
        "https://example.org/a?b=1#c",
        "HTTPS://EXAMPLE.ORG",
        " https://example.org ",
        "mailto:desk@example.org",
        "MAILTO:desk@example.org",
        "#notes",
        " #notes ",
    ],
)
def test_safe_links(url: str) -> None:
    assert link_allowed(url)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",  # browsers drop the tab: still javascript:
        "\x01javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "vbscript:msgbox",
        "file:///etc/passwd",
        "ftp://files.example.org/x",
        "tel:123",
        "http://",  # no host
        "http:/example.org",
        "//evil.example.org",
        "/etc/passwd",
        "notes/page.html",
        "http://[::1",  # urlsplit refuses it
    ],
)
def test_unsafe_links(url: str) -> None:
    assert not link_allowed(url)


LinkRow = tuple[str, str, str, int]  # kind, url, raw, offset

LINKS: list[tuple[str, list[LinkRow]]] = [
    ("No links.", []),
    (
        "[a](http://x.org) ![i](img.png) <https://auto.org>",
        [
            ("link", "http://x.org", "http://x.org", 4),
            ("image", "img.png", "img.png", 23),
            ("autolink", "https://auto.org", "https://auto.org", 33),
        ],
    ),
    # a reference definition an image uses is an image; one only links use is a definition
    ("![logo][l]\n\n[l]: assets/logo.png\n", [("image", "assets/logo.png", "assets/logo.png", 17)]),
    ("[text][r]\n\n[r]: javascript:x\n", [("definition", "javascript:x", "javascript:x", 16)]),
    (
        "> [r]: http://q.org\n- [s]: mailto:a@b\n",
        [("definition", "http://q.org", "http://q.org", 7), ("definition", "mailto:a@b", "mailto:a@b", 27)],
    ),
    # the url is what the renderer sees: brackets, escapes and entities undone
    ("[a](<java script:x>)", [("link", "java script:x", "<java script:x>", 4)]),
    ("[b](&#106;avascript:x)", [("link", "javascript:x", "&#106;avascript:x", 4)]),
    ("[c](\\javascript:x)", [("link", "\\javascript:x", "\\javascript:x", 4)]),
    ("[d](http://x.org/\\(y)", [("link", "http://x.org/(y", "http://x.org/\\(y", 4)]),
    # balanced parentheses belong to the destination; a title does not
    ("[b](http://x.org/a_(b))", [("link", "http://x.org/a_(b)", "http://x.org/a_(b)", 4)]),
    ('[a](http://x.org "title")', [("link", "http://x.org", "http://x.org", 4)]),
    ("[a]( http://x.org )", [("link", "http://x.org", "http://x.org", 5)]),
    # no closing parenthesis, an empty destination, a blank line: no link
    ("[b](nope", []),
    ("[b]()", []),
    ("[a](foo\n\nbar)", []),
    # code hides links
    ("`[c](javascript:x)` and\n```\n[d](javascript:y)\n```\n", []),
]


@pytest.mark.parametrize(("text", "expected"), LINKS, ids=[t for t, _ in LINKS])
def test_scan_links_reports_every_destination_as_written_and_as_read(text: str, expected: list[LinkRow]) -> None:
    links = scan_links(text)
    assert [(link.kind, link.url, link.raw, link.offset) for link in links] == expected
    for link in links:
        assert text[link.offset : link.offset + len(link.raw)] == link.raw


def test_scan_links_keeps_offsets_across_crlf_line_ends() -> None:
    text = "Line one\r\n[a](javascript:x)"
    (link,) = scan_links(text)
    assert (link.kind, link.url, link.offset) == ("link", "javascript:x", 14)
    assert text[link.offset :].startswith("javascript:x")


def test_scan_links_takes_linear_time_on_many_unclosed_links() -> None:
    text = "[a](" * 20_000
    start = time.perf_counter()
    assert scan_links(text) == []
    assert time.perf_counter() - start < 2.0


def test_scan_references_keeps_each_token_at_its_offset() -> None:
    text = "A [b @c]{@d} e @{fig-x} [@f, p. 2] [[g]]"
    for ref in scan_references(text):
        assert text[ref.offset : ref.offset + len(ref.token)] == ref.token


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("![Map](assets/m.png){#fig-map}", [("fig-map", 20, True)]),
        ("Intro.\n\n  ![Map](assets/m.png){#fig-map}  \n\nMore.", [("fig-map", 30, True)]),
        ("Text\n![Map](assets/m.png){#fig-map}", [("fig-map", 25, False)]),  # not a paragraph of its own
        ("See ![Map](assets/m.png){#fig-map} here", [("fig-map", 24, False)]),
        ("{#fig-map}", [("fig-map", 0, False)]),  # no image
        ("![Map](m.png){#fig-Map}", [(None, 13, False)]),  # not an id
        ("`![Map](m.png){#fig-map}`", []),  # code
    ],
)
def test_scan_figure_labels(text: str, expected: list[tuple[str | None, int, bool]]) -> None:
    assert [(f.label, f.offset, f.placed) for f in scan_figure_labels(text)] == expected


def test_scan_malformed_mentions() -> None:
    text = "[a]{@b} [c]{@D} [e [f]]{@g} [h]{@i"
    assert scan_malformed_mentions(text) == [(10, "]{@D}"), (22, "]{@g}"), (30, "]{@i")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A [[road-slow] B", [(2, "[[road-slow]")]),
        ("as reported [@road-slow and more", [(12, "[@road-slow")]),
        ("[@Road-Slow] D", [(0, "[@Road-Slow]")]),
        ("[@road-slow, p. 4 E", [(0, "[@road-slow,")]),
        ("[[ Road ]] and [@]", [(0, "[[ Road ]]"), (15, "[@]")]),
        # Well made, escaped or code: nothing to say.
        ("[[road-slow]] [@a; @b, p. 2] [@a]] [[[x]] [the road]{@hill-road}", []),
        ("\\[@x and \\[[y and `[@z` in code", []),
    ],
)
def test_scan_malformed_references(text: str, expected: list[tuple[int, str]]) -> None:
    assert scan_malformed_references(text) == expected


@given(st.lists(st.sampled_from(["{#fig-", "}", "\n", "a", "{", " "]), max_size=30).map("".join))
def test_figure_attributes_are_found_as_the_regex_finds_them(text: str) -> None:
    from briefgen.facts.syntax import FIGURE_ATTR_RE, _figure_attrs

    assert list(_figure_attrs(text)) == [(m.start(), m.group(0)) for m in FIGURE_ATTR_RE.finditer(text)]


@given(st.text(alphabet=st.sampled_from(["“", "”", '"', "\n", "a", " "]), max_size=30))
def test_quotations_are_found_as_the_regex_finds_them(text: str) -> None:
    from briefgen.check.wording import _quotations

    regex = re.compile(r"“[^”]*”|\"[^\"\n]*\"")
    assert list(_quotations(text)) == [(m.start(), m.end()) for m in regex.finditer(text)]


@pytest.mark.parametrize(
    "text",
    [
        "The port. " + "{#fig-" * 40_000,  # unclosed labels on one line: 59 s when quadratic
        "![a](assets/ok.png){#fig-" * 20_000,
        "It may fall. " + "may “" * 40_000,  # unclosed quotations: 22 s when quadratic
        "[@x " * 40_000 + "[[y " * 40_000,
    ],
)
def test_hostile_prose_is_scanned_in_linear_time(text: str) -> None:
    # A guard against a hang (the quadratic versions took a minute), not a benchmark.
    from briefgen.check.wording import masked

    started = time.perf_counter()
    scan_figure_labels(text)
    scan_malformed_references(text)
    masked(text)
    assert time.perf_counter() - started < 5
