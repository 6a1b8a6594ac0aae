"""briefgen.render.markdown in process: Markdown in; tokens and HTML out.

The fixture files tests/fixtures/markdown/NAME.md are rendered with the stand-in
callbacks below (what ``plan`` and ``html`` supply in a real build) and compared with
NAME.html; ``pytest --regen-golden`` rewrites the .html files (read the diff before
committing it).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from markdown_it.token import Token

from briefgen.facts.syntax import CiteItem, scan_references
from briefgen.render.markdown import parse, parse_inline, render, render_inline, walk_inline

FIXTURES = Path(__file__).parent / "fixtures" / "markdown"
CASES = sorted(p.stem for p in FIXTURES.glob("*.md"))


def annotate(tokens: list[Token]) -> list[Token]:
    """What the planner does, reduced: a call per cited item, a statement per claim."""
    for tok in walk_inline(tokens):
        if tok.type == "bg_cite":
            tok.meta["calls"] = [i.ref + (f", {i.locator}" if i.locator else "") for i in tok.meta["items"]]
        elif tok.type == "bg_claim":
            tok.meta["children"] = annotate(parse_inline(f"statement of *{tok.meta['id']}*"))
            tok.meta["calls"] = [f"{tok.meta['id']}'s source"]
    return tokens


def _calls(calls: list[str]) -> str:
    return "".join(f'<sup class="call">{html.escape(c)}</sup>' for c in calls)


def _claim(meta: dict[str, Any], inner: str) -> str:
    # as html.py does: the claim, the punctuation moved in front of its call, the call
    # (a claim ending a paragraph or a table cell has no "lead")
    lead = html.escape(meta.get("lead", ""))
    return f'<span class="claim" data-claim="{meta["id"]}">{inner}</span>{lead}{_calls(meta["calls"])}'


def _image(src: str, alt: str, title: str) -> str:
    return f'<img src="{html.escape(src)}" alt="{html.escape(alt)}" title="{html.escape(title)}">'


def stand_in_env() -> dict[str, Any]:
    return {
        "render_calls": _calls,
        "render_claim": _claim,
        "render_mention": lambda meta, words: f'<span class="entity">{words or meta["id"]}</span>',
        "render_image": _image,
    }


def to_html(text: str) -> str:
    return render(annotate(parse(text)), stand_in_env())


@pytest.mark.parametrize("name", CASES)
def test_fixture_renders_as_expected(name: str, regen_golden: bool) -> None:
    got = to_html((FIXTURES / f"{name}.md").read_text(encoding="utf-8"))
    expected_file = FIXTURES / f"{name}.html"
    if regen_golden:
        expected_file.write_text(got, encoding="utf-8")
    assert got == expected_file.read_text(encoding="utf-8")


def test_there_are_fixtures_and_each_has_its_expected_html() -> None:
    assert len(CASES) >= 8
    assert sorted(p.stem for p in FIXTURES.glob("*.html")) == CASES


# -- tokens ----------------------------------------------------------------------------------------


def inline_of(text: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (t.type, t.content, dict(t.meta))
        for t in walk_inline(parse(text))
        if t.type not in ("paragraph_open", "paragraph_close")
    ]


def test_the_inline_syntax_becomes_tokens_and_punctuation_moves_before_a_call() -> None:
    assert inline_of("Text [@a, p. 4]. And @b.\n[[c]], done") == [
        ("text", "Text", {}),  # the space before a citation goes
        ("bg_cite", "[@a, p. 4]", {"items": [CiteItem("a", "p. 4")], "lead": "."}),
        ("text", " And ", {}),
        ("bg_mention", "@b", {"id": "b", "sentence_start": False, "determined": False}),
        ("text", ".", {}),  # a mention takes no punctuation
        ("softbreak", "", {}),
        ("bg_claim", "[[c]]", {"id": "c", "lead": ",", "sentence_start": True}),
        ("text", " done", {}),
    ]


def test_a_citation_opening_a_source_line_joins_the_line_before() -> None:
    assert [(t.type, t.content) for t in walk_inline(parse("Text\n[@a] more"))][1:-1] == [
        ("text", "Text"),
        ("text", ""),  # was the line break
        ("bg_cite", "[@a]"),
        ("text", " more"),
    ]


def test_parse_inline_gives_the_children_of_a_one_paragraph_text() -> None:
    tokens = parse_inline("The @port-authority *said* so.")
    assert [(t.type, t.content) for t in tokens] == [
        ("text", "The "),
        ("bg_mention", "@port-authority"),
        ("text", " "),
        ("em_open", ""),
        ("text", "said"),
        ("em_close", ""),
        ("text", " so."),
    ]
    env = stand_in_env()
    assert render_inline(tokens, env) == 'The <span class="entity">port-authority</span> <em>said</em> so.'


def test_walk_inline_flattens_one_level_in_reading_order() -> None:
    types = [t.type for t in walk_inline(parse("# H @a\n\n- x [@b]\n"))]
    assert types == [
        "heading_open",
        "text",
        "bg_mention",
        "heading_close",
        "bullet_list_open",
        "list_item_open",
        "paragraph_open",
        "text",
        "bg_cite",
        "paragraph_close",
        "list_item_close",
        "bullet_list_close",
    ]


# The validator's light scan (syntax.scan_references) and these Markdown rules must find
# the same references, or a brief would render ids the check never saw.
AGREE = [
    "See [@a] and [@b, p. 4; @{c}] with @d and [[claim-x]].",
    "mail me: bob@example.org or @Upper or @a_b or @-x or @x- end",
    "`[@a]` and ```\n@b\n``` and @c",
    "```\n[[x]]\n```\n@y",
    "~~~\n@z\n~~~\n@w",
    "\\@a and \\[@b] and @c",
    "[@a,p.4] [@a; b] [see @a] [@a, p. [4]] [@a][@b]",
    "[[ spaced ]] [[Bad]] [[a]] [[[@a]]] [[a]b]]",
    "(@a) x/@b x.@c x@@d x_@e @{a-b}c @{A}",
    "[text](http://x.org/@a) <https://x.org/@a> [@a](http://x.org) [link @a](http://x.org)",
    "*@a* **[@b]** **@a**@b",
    "# Head @h\n\ntext",
    "| t | @a |\n|---|---|\n| [@b] | [[c]] |\n",
    "a\\\n@b @a. @a's [@a]x@b <@a> @@a",
    "[@a\n] [[a\n]] [@a, see [x]]",
    "text @a\n> @b quoted\n- @c item\n",
]


@pytest.mark.parametrize("text", AGREE)
def test_the_renderer_finds_the_references_the_validator_finds(text: str) -> None:
    rendered: list[tuple[str, str]] = []
    for tok in walk_inline(parse(text)):
        if tok.type == "bg_cite":
            rendered += [(i.ref, "cite") for i in tok.meta["items"]]
        elif tok.type == "bg_claim":
            rendered.append((tok.meta["id"], "claim"))
        elif tok.type == "bg_mention":
            rendered.append((tok.meta["id"], "mention"))
    assert rendered == [(r.ref, r.how) for r in scan_references(text)]
    assert rendered  # each sample holds at least one reference


# -- links and images --------------------------------------------------------------------------


def test_a_relative_link_keeps_its_text_and_the_next_link_still_renders() -> None:
    got = render(parse("[**bold** rel](notes.html) [b](http://x.org) [c](javascript:x) [d](#top)"), {})
    assert got == (
        '<p><strong>bold</strong> rel <a href="http://x.org">b</a> [c](javascript:x) <a href="#top">d</a></p>\n'
    )


@pytest.mark.parametrize(
    "text", ["![x](javascript:alert(1))", "![x](/etc/passwd)", "![x](//evil.example.org/x.png)", "![x](file:///x.png)"]
)
def test_an_image_with_an_unsafe_source_is_no_image(text: str) -> None:
    seen: list[str] = []

    def image(src: str, alt: str, title: str) -> str:
        seen.append(src)
        return "<IMG>"

    assert render(parse(text), {"render_image": image}) == f"<p>{html.escape(text, quote=False)}</p>\n"
    assert seen == []


def test_an_image_goes_to_the_callback_with_its_text_unescaped() -> None:
    seen: list[tuple[str, str, str]] = []

    def image(src: str, alt: str, title: str) -> str:
        seen.append((src, alt, title))
        return "<IMG>"

    got = render(parse('![A <map> & "more"](assets/map.png "The <coast>")'), {"render_image": image})
    assert got == "<p><IMG></p>\n"
    # (the typographer leaves alt text alone: no curly quotes there)
    assert seen == [("assets/map.png", 'A <map> & "more"', "The <coast>")]


def test_without_an_image_callback_only_the_alt_text_is_written_escaped() -> None:
    got = render(parse('![a <b> & "c"](assets/x.png "T")'), {})
    assert got == "<p>a &lt;b&gt; &amp; &quot;c&quot;</p>\n"
