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

A page is untrusted: trafilatura and lxml on a crafted one (megabytes of text, thousands
of nested elements) can take minutes. So, as PDFs are, it is read in a child process
(``child.py``) with a memory limit, stopped after ``TIMEOUT`` seconds, the result kept in
the cache folder by the file's bytes; and the page's text is walked once, without
recursion, into one flat text: an ``#id``'s text is a slice of it, normalised when asked
for (``Sections``), so 250 nested ids around 2 MB of text cost one walk, not 250.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from briefgen.check.archives.child import read_in_child
from briefgen.check.archives.model import Archive, ArchiveError, Passage, Sections
from briefgen.check.archives.normalise import normalise

#: seconds a web page may take to read
TIMEOUT = 30.0
#: bumped when what the reader returns changes (cache entries of another format are ignored)
FORMAT = 1

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


def _flatten(root: Any) -> tuple[str, list[Any], list[int], list[int]]:
    """The text of ``root`` as a reader sees it (inline markup runs on, blocks and line
    breaks separate words), walked once without recursion; with every element in document
    order and where its text starts and ends in the result (its tail left out)."""
    parts: list[str] = []
    size = 0
    elements: list[Any] = []
    starts: list[int] = []
    ends: list[int] = []
    # (element, its index in ``elements`` once entered, or -1 before)
    stack: list[tuple[Any, int]] = [(root, -1)]
    while stack:
        node, index = stack.pop()
        spaced = isinstance(node.tag, str) and node.tag in _SPACED
        if index < 0:  # entering
            if spaced:
                parts.append(" ")
                size += 1
            index = len(elements)
            elements.append(node)
            starts.append(size)
            ends.append(size)
            if node.text and isinstance(node.tag, str):
                parts.append(node.text)
                size += len(node.text)
            stack.append((node, index))
            stack.extend((child, -1) for child in reversed(node))
            continue
        ends[index] = size  # leaving
        if spaced:
            parts.append(" ")
            size += 1
        if node is not root and node.tail:
            parts.append(node.tail)
            size += len(node.tail)
    return "".join(parts), elements, starts, ends


def _text(element: Any) -> str:
    """The element's text as a reader sees it (see _flatten)."""
    return _flatten(element)[0]


def read_web_page(raw: bytes) -> Archive:
    """The passages of a saved web page (see the module's docstring for the rules), from
    the cache or read in a child process."""
    read = read_in_child("html", raw, timeout=TIMEOUT, what="the web page", version=FORMAT, valid=_valid)
    passages = [Passage(*p) for p in read["passages"]]
    spans = {ident: (start, end) for ident, (start, end) in read["spans"].items()}
    return Archive("html", passages, Sections(read["flat"], spans))


def _valid(value: dict[str, Any]) -> bool:
    passages, flat, spans = value.get("passages"), value.get("flat"), value.get("spans")
    return (
        isinstance(passages, list)
        and all(isinstance(p, list) and len(p) == 4 and all(isinstance(x, str) for x in p) for p in passages)
        and isinstance(flat, str)
        and isinstance(spans, dict)
        and all(
            isinstance(span, list) and len(span) == 2 and all(isinstance(x, int) for x in span)
            for span in spans.values()
        )
    )


def extract(raw: bytes) -> dict[str, Any]:
    """Read the page (in the child process): its passages ``[kind, name, text, shown]``,
    its flat text and the span of each ``id`` in it; raises ArchiveError."""
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
    except MemoryError:  # the machine's limit, not the file's: not kept (see child.py)
        raise
    except Exception as exc:  # a hostile page must end in a Problem, whatever the library meets
        raise ArchiveError(
            f"the web page cannot be read: {exc}", "save the page again, or archive its text as .txt"
        ) from exc
    if not extracted:
        raise ArchiveError(
            "no article text found in the web page",
            "save the page again with its text (not a script-only shell), or archive its text as .txt",
        )
    try:
        doc = etree.fromstring(
            extracted.encode("utf-8"), parser=etree.XMLParser(resolve_entities=False, no_network=True)
        )
    except etree.LxmlError as exc:  # nested too deeply for libxml2, say
        raise ArchiveError(f"the web page cannot be read: {exc}", "archive its text as .txt") from exc
    passages: list[Passage] = []
    title = doc.get("title") or ""
    if normalise(title):
        passages.append(Passage("part", "title", normalise(title), " ".join(title.split())))
    found = _passages(doc.find("main"))
    passages.extend(found)
    if not any(p.kind == "para" for p in found):
        raise ArchiveError(
            "no article text found in the web page",
            "save the page again with its text, or archive its text as .txt",
        )
    flat, spans = _sections(raw)
    return {
        "passages": [[p.kind, p.name, p.text, p.shown] for p in passages],
        "flat": flat,
        "spans": {ident: list(span) for ident, span in spans.items()},
    }


def _passages(main: Any) -> list[Passage]:
    """Paragraphs and headings of trafilatura's ``<main>``, in reading order (a paragraph
    inside another is part of it)."""
    passages: list[Passage] = []
    number = 0
    for element, in_paragraph in _walk(main):
        tag = element.tag
        if tag == "head":
            shown = _text(element)
            if normalise(shown):
                passages.append(Passage("part", "heading", normalise(shown), " ".join(shown.split())))
        elif tag in _PARAGRAPHS and not in_paragraph:
            shown = _text(element)
            if normalise(shown):
                number += 1
                passages.append(Passage("para", str(number), normalise(shown), " ".join(shown.split())))
    return passages


def _walk(main: Any) -> Iterator[tuple[Any, bool]]:
    """Every element under ``main`` in document order, and whether it is inside a paragraph."""
    stack: list[tuple[Any, bool]] = [(main, False)] if main is not None else []
    while stack:
        element, inside = stack.pop()
        yield element, inside
        below = inside or element.tag in _PARAGRAPHS
        stack.extend((child, below) for child in reversed(element))


def _sections(raw: bytes) -> tuple[str, dict[str, tuple[int, int]]]:
    """The page's flat text and, for every element with an ``id``, the span of its text in
    it (headings: their section); none when lxml cannot read the page."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(raw)
    except MemoryError:  # the machine's limit, not the file's: not kept (see child.py)
        raise
    except Exception:  # ids are extra: a page trafilatura read but lxml cannot has none
        return "", {}
    for element in list(root.iter(*_NOT_TEXT)):
        element.drop_tree()
    flat, elements, starts, ends = _flatten(root)
    position = {element: index for index, element in enumerate(elements)}
    # The highest heading rank (1 for h1) in each element, so a heading's section stops
    # at the first sibling holding one of its rank or higher: one pass, children first.
    ranks = [7] * len(elements)
    for index in range(len(elements) - 1, -1, -1):
        element = elements[index]
        if isinstance(element.tag, str) and element.tag in _HEADINGS:
            ranks[index] = min(ranks[index], int(element.tag[1]))
        parent = element.getparent()
        if parent is not None and parent in position:
            up = position[parent]
            ranks[up] = min(ranks[up], ranks[index])
    spans: dict[str, tuple[int, int]] = {}
    for index, element in enumerate(elements):
        ident = element.get("id") if isinstance(element.tag, str) else None
        if not ident or ident in spans:
            continue
        end = ends[index]
        if element.tag in _HEADINGS:
            rank = int(element.tag[1])
            for sibling in element.itersiblings():
                if ranks[position[sibling]] <= rank:
                    break
                end = ends[position[sibling]]
        spans[ident] = (starts[index], end)
    return flat, spans
