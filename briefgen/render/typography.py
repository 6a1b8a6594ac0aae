"""Typography of the text a brief prints: curly quotes and apostrophes everywhere, and the
Chicago placement of commas and periods inside closing quotation marks.

One rule for quotes, markdown-it's own ``smartquotes`` (which already curls Markdown prose),
applied here to every other text: titles, names, headings, notes, table cells, captions and
the route figure's labels, whatever template wrote them. :func:`smarten_html` runs it over
the text of the finished HTML document, so a project's own templates get it too.
"""

from __future__ import annotations

import html as html_lib
import re
from types import SimpleNamespace
from typing import Any

from markdown_it.rules_core.smartquotes import process_inlines
from markdown_it.token import Token
from markupsafe import Markup, escape

#: Double open, double close, single open, single close: markdown-it's default, which the
#: prose renderer uses (``typographer``).
QUOTES = "“”‘’"
_STATE: Any = SimpleNamespace(md=SimpleNamespace(options=SimpleNamespace(quotes=QUOTES)))

#: Elements that run inside a line of text: quotes pair across them.
_INLINE = frozenset({"a", "abbr", "b", "bdi", "cite", "em", "i", "mark", "q", "small", "span", "strong", "time", "u"})
#: Elements whose text is code, a program or verbatim: left exactly as written.
_VERBATIM = frozenset({"code", "kbd", "pre", "samp", "script", "style", "textarea", "var"})
#: Attributes people read (tooltips, alternative text, the PDF's metadata from <meta>).
_READ_ATTRS = ("alt", "title", "aria-label", "content")
_READ_ATTR_KEYS = tuple(f"{a}=" for a in _READ_ATTRS)

#: A comment, a declaration, or a tag (closing slash, name, attributes). Possessive: an
#: attribute list never needs giving back (its items start apart from ">"), and taking
#: plain characters in runs is faster than one by one.
_TOKEN_RE = re.compile(r"<!--.*?-->|<![^>]*>|<(/?)([a-zA-Z][\w:.-]*)((?:[^>\"']++|\"[^\"]*+\"|'[^']*+')*+)>", re.S)
_ATTR_RE = re.compile(r"""(\s(?:alt|title|aria-label|content)=)(?:"([^"]*)"|'([^']*)')""")
_QUOTE_ENTITY_RE = re.compile(r"&(?:#34|#x22|quot|#39|#x27|apos);", re.I)
_URL_RE = re.compile(r"\s*(?:[a-z][a-z0-9+.-]*://|mailto:|www\.)\S*\s*", re.I)


def smart_quotes(text: str) -> str:
    """``text`` with straight quotes and apostrophes made curly (markdown-it's rule)."""
    if "'" not in text and '"' not in text:
        return text
    token = Token("text", "", 0, content=text)
    process_inlines([token], _STATE)
    return token.content


def _smarten_run(parts: list[str | None]) -> list[str | None]:
    """Curl the quotes of one run of text (None marks an inline tag between its parts), with
    quotes pairing across the parts as they do across Markdown's inline tokens."""
    tokens = [Token("text", "", 0, content=p) if p is not None else Token("html_inline", "", 0) for p in parts]
    process_inlines(tokens, _STATE)
    return [t.content if t.type == "text" else None for t in tokens]


def _decode(text: str) -> str:
    return _QUOTE_ENTITY_RE.sub(lambda m: html_lib.unescape(m.group(0)), text)


def _encode(text: str) -> str:
    """Straight quotes left over are written as autoescape writes them."""
    return text.replace('"', "&#34;").replace("'", "&#39;")


def _attrs(attrs: str) -> str:
    def one(m: re.Match[str]) -> str:
        value = m.group(2) if m.group(2) is not None else m.group(3)
        if not _QUOTE_ENTITY_RE.search(value) and "'" not in value:
            return m.group(0)
        curled = smart_quotes(_decode(value))
        return f'{m.group(1)}"{_encode(curled)}"'

    return _ATTR_RE.sub(one, attrs)


def smarten_html(document: str) -> str:
    """The HTML with curly quotes in its text and readable attributes.

    Text inside ``code``, ``pre``, ``script``, ``style`` and the like is left alone, and so is
    a text that is a web address (a URL shown as a link). Quotes pair within a run of text
    between block-level tags (a paragraph, a cell, a caption, a figure label), across inline
    tags such as ``<i>`` and ``<span>``; a note call (``<sup>``) ends a run, so a quote in a
    note never pairs with one in the sentence.
    """
    out: list[str] = []
    run: list[str | None] = []  # text parts of the current run, None for an inline tag
    tags: list[str] = []  # the inline tags of the run, in order, written back between parts
    # The run as it stands in the document: what is written back when no text of the run
    # holds a quote (most runs), since decoding and encoding such a text changes nothing.
    pieces: list[str] = []
    quoted = False
    verbatim: str | None = None

    def flush() -> None:
        if quoted:
            inline = iter(tags)
            for part in _smarten_run(run):
                out.append(_encode(part) if part is not None else next(inline))
        else:
            out.extend(pieces)
        run.clear()
        tags.clear()
        pieces.clear()

    pos = 0
    for m in _TOKEN_RE.finditer(document):
        text = document[pos : m.start()]
        pos = m.end()
        closing, raw_name, attrs = m.groups()
        if verbatim is not None:
            out.append(text)
            out.append(m.group(0))
            if closing and (raw_name or "").lower() == verbatim:
                verbatim = None
            continue
        if text:
            pieces.append(text)
            # The pre-tests only skip calls that would change nothing: without "&" there is
            # no entity to unescape, and a web address holds a ":" or a ".".
            shown = html_lib.unescape(text) if "&" in text else text
            if ("." in shown or ":" in shown) and _URL_RE.fullmatch(shown):
                run.append(None)
                tags.append(text)  # written back as it is
            else:
                part = _decode(text) if "&" in text else text
                run.append(part)
                quoted = quoted or "'" in part or '"' in part
        if raw_name is None:  # a comment or a declaration
            name, tag = "", m.group(0)
        else:
            name = raw_name.lower()
            # Only a readable attribute can change (see _ATTR_RE); any other tag stays as is.
            readable = "=" in attrs and any(a in attrs for a in _READ_ATTR_KEYS)
            tag = f"<{closing}{raw_name}{_attrs(attrs)}>" if readable else m.group(0)
        if name in _INLINE:
            run.append(None)
            tags.append(tag)
            pieces.append(tag)
            continue
        if run:
            flush()
            quoted = False
        out.append(tag)
        if name in _VERBATIM and not closing and not attrs.rstrip().endswith("/"):
            verbatim = name
    tail = document[pos:]
    if tail and verbatim is None:
        part = _decode(tail)
        run.append(part)
        pieces.append(tail)
        quoted = quoted or "'" in part or '"' in part
        flush()
    else:
        if run:
            flush()
        out.append(tail)
    return "".join(out)


def chicago(text: Any) -> Markup:
    """Move a comma or period inside a closing quotation mark, as Chicago style wants (the
    ``chicago`` filter of the templates)."""
    text = Markup(text) if isinstance(text, Markup) else escape(text)
    return Markup(str(text).replace("”,", ",”").replace("”.", ".”").replace("..", "."))
