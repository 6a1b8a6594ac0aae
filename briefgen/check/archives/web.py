"""Saved web pages (``.html``): the article's text, found by trafilatura, in paragraphs.

Boilerplate removal is a hard problem with a good, maintained answer: trafilatura (the
extractor behind several web corpora) finds the article in a page and leaves navigation,
scripts, styles, footers and comments out. Each block of the text it finds (a paragraph,
a list item, a block quote, a table row) is a paragraph, numbered from 1; headings are
not numbered (a quote from one is located as ``heading``), and the page's title is the
part ``title``. Elements of the page with an ``id`` give ``#id`` locators: a quote is in
``#intro`` when it stands in the element with ``id="intro"`` (for a heading with an id,
the heading and what follows it up to the next heading of the same or a higher rank).
Nothing is fetched: the page is read as it was saved.
"""

from __future__ import annotations

from typing import Any

from briefgen.check.archives.model import Archive, ArchiveError, Passage
from briefgen.check.archives.normalise import normalise

#: extracted elements that are paragraphs (trafilatura's XML: p, item, quote, row)
_PARAGRAPHS = {"p", "item", "quote", "row"}
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_NOT_TEXT = ("script", "style", "noscript", "template")
#: elements that separate words (the rest, <em> or <a>, run on: "emph<em>asis</em>")
_SPACED = {
    "lb",
    "cell",
    "br",
    "p",
    "div",
    "li",
    "td",
    "th",
    "tr",
    "section",
    "article",
    "blockquote",
    "figure",
    "figcaption",
    "header",
    "footer",
    "main",
    "aside",
    "nav",
    "ul",
    "ol",
    "table",
    *_HEADINGS,
}


def _text(element: Any) -> str:
    """The element's text as a reader sees it: inline markup runs on, blocks and line
    breaks separate words."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        spaced = isinstance(node.tag, str) and node.tag in _SPACED
        if spaced:
            parts.append(" ")
        if node.text and isinstance(node.tag, str):
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if spaced:
            parts.append(" ")

    walk(element)
    return "".join(parts)


def read_web_page(raw: bytes) -> Archive:
    """The passages of a saved web page (see the module's docstring for the rules)."""
    import trafilatura
    from lxml import etree

    try:
        extracted = trafilatura.extract(
            raw,
            output_format="xml",
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            deduplicate=False,
        )
    except Exception as exc:  # a hostile page must end in a Problem, whatever the library meets
        raise ArchiveError(
            f"the web page cannot be read: {exc}", "save the page again, or archive its text as .txt"
        ) from exc
    if not extracted:
        raise ArchiveError(
            "no article text found in the web page",
            "save the page again with its text (not a script-only shell), or archive its text as .txt",
        )
    doc = etree.fromstring(extracted.encode("utf-8"), parser=etree.XMLParser(resolve_entities=False, no_network=True))
    passages: list[Passage] = []
    title = doc.get("title") or ""
    if normalise(title):
        passages.append(Passage("part", "title", normalise(title), " ".join(title.split())))
    main = doc.find("main")
    try:
        found = _passages(main)
    except RecursionError as exc:  # nesting deeper than any article: a crafted page
        raise ArchiveError("the web page is nested too deeply to read", "archive its text as .txt") from exc
    passages.extend(found)
    if not any(p.kind == "para" for p in found):
        raise ArchiveError(
            "no article text found in the web page",
            "save the page again with its text, or archive its text as .txt",
        )
    return Archive("html", passages, _sections(raw))


def _passages(main: Any) -> list[Passage]:
    """Paragraphs and headings of trafilatura's ``<main>``, in reading order."""
    passages: list[Passage] = []
    number = 0
    for element in main.iter() if main is not None else ():
        tag = element.tag
        if tag == "head":
            shown = _text(element)
            if normalise(shown):
                passages.append(Passage("part", "heading", normalise(shown), " ".join(shown.split())))
        elif tag in _PARAGRAPHS and not any(a.tag in _PARAGRAPHS for a in element.iterancestors()):
            shown = _text(element)
            if normalise(shown):
                number += 1
                passages.append(Passage("para", str(number), normalise(shown), " ".join(shown.split())))
    return passages


def _sections(raw: bytes) -> dict[str, str]:
    """The normalised text of every element with an ``id`` (headings: their section)."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(raw)
        return _id_texts(root)
    except Exception:  # ids are extra: a page trafilatura read but lxml cannot has none
        return {}


def _id_texts(root: Any) -> dict[str, str]:
    for element in root.iter(*_NOT_TEXT):
        element.drop_tree()
    sections: dict[str, str] = {}
    for element in root.iter():
        ident = element.get("id") if isinstance(element.tag, str) else None
        if not ident or ident in sections:
            continue
        if element.tag in _HEADINGS:
            sections[ident] = normalise(" ".join(_heading_section(element)))
        else:
            sections[ident] = normalise(_text(element))
    return sections


def _heading_section(heading: Any) -> list[str]:
    """The texts of a heading and of its following siblings up to the next heading of the
    same or a higher rank."""
    rank = int(heading.tag[1])
    texts = [_text(heading)]
    for sibling in heading.itersiblings():
        if not isinstance(sibling.tag, str):
            continue
        inner = [sibling] if sibling.tag in _HEADINGS else list(sibling.iter(*_HEADINGS))
        if any(int(h.tag[1]) <= rank for h in inner):
            break
        texts.append(_text(sibling))
    return texts
