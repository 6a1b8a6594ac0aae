"""The project's inline syntax in prose, defined once for the validator and the renderer.

- ``[@id]`` / ``[@id, para. 4; @other]``: cite sources or claims (footnotes);
- ``[[claim-id]]``: write the claim's statement in place, footnoted;
- ``@id`` or ``@{id}``: name an entity (full name and abbreviation at first mention);
- ``[words]{@id}``: name an entity in words of one's own (pandoc's bracketed span, with the
  id where pandoc puts attributes);
- ``@fig-ID``, ``@tbl-ID``, ``@sec-ID``: a cross-reference, "Figure 1" (Quarto's convention:
  an id with one of these prefixes is never an entity mention);
- ``![caption](assets/x.png){#fig-ID}``: an image on its own as a numbered figure.
"""

from __future__ import annotations

import bisect
import functools
import html
import re
from collections.abc import Iterator
from typing import NamedTuple
from urllib.parse import urlsplit

from briefgen.facts.codeblocks import blocks
from briefgen.facts.grammar import SAFE_URL_SCHEMES, SLUG

#: One cited item inside brackets: ``@id`` and an optional locator after a comma.
CITE_ITEM_RE = re.compile(rf"\s*@(?:\{{({SLUG})\}}|({SLUG}))\s*(?:,\s*([^;\]]*?))?\s*(?:;|$)")
#: A whole citation: ``[@...]``; the body is split into items with CITE_ITEM_RE.
CITE_RE = re.compile(r"\[(@[^\[\]\n]*)\]")
CLAIM_RE = re.compile(rf"\[\[\s*({SLUG})\s*\]\]")
MENTION_RE = re.compile(rf"@(?:\{{({SLUG})\}}|({SLUG}))")
#: A mention in words of one's own: ``[the northern corridor]{@hill-road}``.
MENTION_WORDS_RE = re.compile(rf"\[([^\[\]]+)\]\{{@({SLUG})\}}")
#: Cross-references: an id with one of these prefixes names a figure, table or section.
XREF_PREFIXES = ("fig-", "tbl-", "sec-")
#: Anything that looks like a figure's label: ``{#fig-...}`` (checked against FIGURE_LABEL_RE).
FIGURE_ATTR_RE = re.compile(r"\{#fig-[^}\n]*\}")
_FIGURE_OPEN_RE = re.compile(r"\{#fig-")
FIGURE_LABEL_RE = re.compile(rf"\{{#(fig-{SLUG})\}}")
#: An image, then its label, alone on a line: the only place a figure's label may stand.
_FIGURE_LINE_RE = re.compile(rf"^[ \t]*!\[[^\]\n]*\]\([^()\n]*\)\{{#fig-{SLUG}\}}[ \t]*$")
_TICKS_RE = re.compile(r"`+")


class CiteItem(NamedTuple):
    """One cited id and its locator."""

    ref: str
    locator: str | None


def parse_cite_body(body: str) -> list[CiteItem] | None:
    """Items of a citation body (the text inside ``[...]``), or None if it is not one."""
    items: list[CiteItem] = []
    pos = 0
    while pos < len(body):
        m = CITE_ITEM_RE.match(body, pos)
        if not m or m.end() == pos:
            return None
        items.append(CiteItem(m.group(1) or m.group(2), (m.group(3) or "").strip() or None))
        pos = m.end()
    return items or None


def mention_allowed_before(text: str, index: int) -> bool:
    """An ``@`` starts a mention only after a non-word character (so e-mails are left alone)."""
    if index == 0:
        return True
    prev = text[index - 1]
    return not (prev.isalnum() or prev in "_@\\/.")


class Reference(NamedTuple):
    """An id used in prose, where, and how: 'cite', 'claim', 'mention' or 'xref' (a figure, table
    or section of the brief); ``text[offset:offset + len(token)] == token``."""

    ref: str
    how: str
    offset: int
    token: str
    #: a citation's locator (``para. 12`` of ``[@report, para. 12]``), as written
    locator: str | None = None


def scan_references(text: str) -> tuple[Reference, ...]:
    """Every id the prose uses, in order (see _scan_references); remembered per text,
    since the validator, the standards checks and impact all scan the same prose."""
    return _scan_references_cached(text)


@functools.lru_cache(maxsize=100_000)
def _scan_references_cached(text: str) -> tuple[Reference, ...]:
    return tuple(_scan_references(text))


def _scan_references(text: str) -> list[Reference]:
    """Every id the prose uses, in order, with its offset; code spans are skipped.

    This is a light scan for validation; the Markdown plugins in ``markdown.py`` are
    the renderer's parser and follow the same patterns.
    """
    if "@" not in text and "[[" not in text:
        return []  # no syntax at all: most prose sentences between the references
    # Code and escapes can only hide syntax where there is any: skip the work otherwise.
    masked = mask_code(text)
    if "\\" in masked:
        masked = masked.replace("\\@", "  ").replace("\\[", "  ")
    refs: list[Reference] = []
    taken = [False] * len(masked)

    def take(start: int, end: int) -> None:
        for i in range(start, end):
            taken[i] = True

    for m in CLAIM_RE.finditer(masked) if "[[" in masked else ():
        refs.append(Reference(m.group(1), "claim", m.start(), m.group(0)))
        take(m.start(), m.end())
    for m in MENTION_WORDS_RE.finditer(masked) if "]{@" in masked else ():
        if taken[m.start()]:
            continue
        # The words may hold mentions of their own; only the ``{@id}`` is taken.
        refs.append(Reference(m.group(2), "mention", m.end(1) + 1, m.group(0)[m.end(1) + 1 - m.start() :]))
        take(m.end(1), m.end())
    for m in CITE_RE.finditer(masked) if "[@" in masked else ():
        if taken[m.start()]:
            continue
        items = parse_cite_body(m.group(1))
        if items is None:
            continue
        for item in items:
            refs.append(Reference(item.ref, "cite", m.start(), m.group(0), item.locator))
        take(m.start(), m.end())
    for m in MENTION_RE.finditer(masked):
        if taken[m.start()] or not mention_allowed_before(masked, m.start()):
            continue
        ident = m.group(1) or m.group(2)
        how = "xref" if ident.startswith(XREF_PREFIXES) else "mention"
        refs.append(Reference(ident, how, m.start(), m.group(0)))
    refs.sort(key=lambda r: r.offset)
    return refs


def scan_malformed_mentions(text: str) -> list[tuple[int, str]]:
    """(offset, token) of each ``]{@`` that makes no ``[words]{@id}`` mention: a bad id, a
    missing ``}``, brackets inside the words. Code is skipped."""
    if "]{@" not in text:
        return []
    masked = mask_code(text)
    good = {m.end(1) for m in MENTION_WORDS_RE.finditer(masked)}
    out = []
    for m in re.finditer(r"\]\{@[^}\s]*\}?", masked):
        if m.start() not in good:
            out.append((m.start(), text[m.start() : m.end()]))
    return out


#: Where a claim in place or a citation opens: ``[[`` or ``[@``.
_OPENING_RE = re.compile(r"\[\[|\[@")
#: What of a broken opening a message quotes: up to its closing bracket, else a few words.
_BROKEN_TOKEN_RE = re.compile(r"\[[\[@][^\[\]\n]{0,40}\]{1,2}|\[[\[@][^\s\]]{0,40}")


def scan_malformed_references(text: str) -> list[tuple[int, str]]:
    """(offset, token) of each ``[[`` that makes no ``[[claim-id]]`` and each ``[@`` that
    makes no citation (an id in capitals, a bracket never closed, no id at all): the
    renderer would print such text as it stands. Code and ``\\[`` are skipped."""
    if "[[" not in text and "[@" not in text:
        return []
    # What the scan (cached per text) took for claims in place and citations is well made.
    made = [(r.offset, r.offset + len(r.token)) for r in scan_references(text) if r.how in ("claim", "cite")]
    masked = mask_code(text)
    if "\\" in masked:
        masked = masked.replace("\\[", "  ")
    if "]{@" in masked:  # mention words start with "[" and hold no bracket: "[@a]{@b}" is one
        made += [(m.start(), m.end()) for m in MENTION_WORDS_RE.finditer(masked)]
    made.sort()
    starts = [start for start, _ in made]
    begins = set(starts)
    out: list[tuple[int, str]] = []
    for m in _OPENING_RE.finditer(masked):
        at = m.start()
        # One lookup per opening (prose is untrusted: no pass over every span for each).
        inside = bisect.bisect_right(starts, at) - 1
        if inside >= 0 and at < made[inside][1]:
            continue
        if at + 1 in begins:  # "[[@id]" is a bracket, then a citation
            continue
        token = _BROKEN_TOKEN_RE.match(text, at)
        out.append((at, token.group(0) if token else text[at : at + 2]))
    return out


class FigureLabel(NamedTuple):
    """A ``{#fig-ID}`` in prose: its label (None when it is no valid id), where it stands,
    and whether it is well placed (after an image alone on its line, in a paragraph of its
    own, so that it makes a figure)."""

    label: str | None
    offset: int
    token: str
    placed: bool


def scan_figure_labels(text: str) -> list[FigureLabel]:
    """Every figure label in prose, in order; code is skipped. The renderer's rule (in
    ``markdown.py``) makes a figure of exactly the well-placed ones."""
    if "{#fig-" not in text:
        return []
    masked = mask_code(text)
    lines = masked.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    out: list[FigureLabel] = []
    alone_rows: dict[int, bool] = {}
    for start, token in _figure_attrs(masked):
        good = FIGURE_LABEL_RE.fullmatch(token)
        row = bisect.bisect_right(starts, start) - 1
        alone = alone_rows.get(row)
        if alone is None:  # once per line, however many labels it holds
            alone = alone_rows[row] = bool(_FIGURE_LINE_RE.match(lines[row])) and all(
                r < 0 or r >= len(lines) or not lines[r].strip() for r in (row - 1, row + 1)
            )
        out.append(FigureLabel(good.group(1) if good else None, start, token, bool(good) and alone))
    return out


def _figure_attrs(text: str) -> Iterator[tuple[int, str]]:
    """(offset, token) of each match of FIGURE_ATTR_RE, as ``finditer`` gives them, in
    linear time: the regex retried from every unclosed ``{#fig-`` to the end of its line,
    quadratic on a line of them (prose is untrusted)."""
    close = newline = -1
    after = 0  # where the last match ended: finditer does not look inside it
    for m in _FIGURE_OPEN_RE.finditer(text):
        start = m.start()
        if start < after:
            continue
        if close < start:
            close = text.find("}", start)
            if close == -1:
                return  # no "}" after here: no label can close
        if newline < start:
            newline = text.find("\n", start)
            if newline == -1:
                newline = len(text)
        if close < newline:
            after = close + 1
            yield start, text[start:after]


def mask_code(text: str, *, spans: bool = True) -> str:
    """``text`` with code blocks (fenced and indented, in block quotes and list items too)
    and code spans blanked out (same length, newlines kept), so nothing inside code is
    taken for syntax: what is code is CommonMark's reading (facts/codeblocks.py), the one
    the renderer makes. ``spans=False`` keeps code spans (block-level syntax such as
    reference definitions comes before them).

    Linear time on purpose: prose is untrusted, and the backtracking regex this replaces
    took seconds on a few thousand backticks and grew cubically.
    """
    if not might_hold_code(text):
        return text
    chars = list(text)

    def blank(start: int, end: int) -> None:
        for i in range(start, end):
            if chars[i] != "\n":
                chars[i] = " "

    found = blocks(text)
    for start, end in found.code:
        blank(start, end)
    if not spans or "`" not in text:
        return "".join(chars)
    # Code spans, within one paragraph or heading: a run of N backticks up to the next run
    # of exactly N.
    for first, last in found.inline:
        runs = [(m.start(), m.end()) for m in _TICKS_RE.finditer(text, first, last)]
        by_length: dict[int, list[int]] = {}
        for index, (start, end) in enumerate(runs):
            by_length.setdefault(end - start, []).append(index)
        index = 0
        while index < len(runs):
            start, end = runs[index]
            same = by_length[end - start]
            after = bisect.bisect_right(same, index)
            if after < len(same):
                closer = same[after]
                blank(start, runs[closer][1])
                index = closer + 1
            else:
                index += 1
    return "".join(chars)


def occurrences_before(text: str, token: str, offset: int) -> int:
    """How many times ``token`` starts before ``offset`` in ``text`` (overlapping, as
    facts.load.find_in_file counts): which of the token's occurrences in the file text
    is the one at ``offset``, whatever the scan passed over (code, longer ids)."""
    count = 0
    found = text.find(token)
    while 0 <= found < offset:
        count += 1
        found = text.find(token, found + 1)
    return count


def might_hold_code(text: str) -> bool:
    """False when ``text`` can hold no code at all (no backtick, fence or four-column
    indent): most prose, which is then scanned as it is."""
    return "`" in text or "~~~" in text or "    " in text or "\t" in text


# -- links and images --------------------------------------------------------------------


class _LinkPatterns(NamedTuple):
    unescape: re.Pattern[str]
    escaped: re.Pattern[str]
    autolink: re.Pattern[str]
    dest_stop: re.Pattern[str]
    #: A reference definition, also inside list items and block quotes (any indent:
    #: reporting one in an indented code block too is the safe side).
    definition: re.Pattern[str]


@functools.cache
def _links() -> _LinkPatterns:
    """The patterns of link scanning, compiled when prose first holds a link (most runs'
    prose holds none, and compiling them cost every start-up a millisecond)."""
    return _LinkPatterns(
        re.compile(r"\\([!-/:-@\[-`{-~])|&(?:[A-Za-z][A-Za-z0-9]{0,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});"),
        re.compile(r"\\[!-/:-@\[-`{-~]"),
        re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*)>"),
        re.compile(r"[()\x00-\x20\x7f]"),
        re.compile(
            r"^(?:[ \t]*(?:>|[-*+]|\d{1,9}[.)])[ \t]*)*[ \t]*\[([^\[\]\n]{1,999})\]:"
            r"[ \t]*(?:\n[ \t]*)?(<[^<>\n]*>|[^\x00-\x20\x7f]+)",
            re.MULTILINE,
        ),
    )


def link_allowed(url: str) -> bool:
    """A link may go to an http(s) address, a mailto: address or an anchor in the
    document, nothing else. One rule for the check and the renderer."""
    url = url.strip()
    if url.startswith("#"):
        return True
    try:
        parts = urlsplit(url)  # strips control characters and tabs as browsers do
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if scheme not in SAFE_URL_SCHEMES:
        return False
    return scheme == "mailto" or bool(parts.netloc)  # a web address names its host


class Link(NamedTuple):
    """A link or image destination in prose.

    ``kind`` is 'link', 'image', 'autolink' or 'definition' (a reference definition no
    image uses); ``url`` is what the renderer sees (escapes and entities decoded); ``raw``
    is the destination as written, on one line, found at ``offset`` in the text.
    """

    kind: str
    url: str
    raw: str
    offset: int


def _unescape(raw: str) -> str:
    if raw.startswith("<") and raw.endswith(">"):
        raw = raw[1:-1]
    return _links().unescape.sub(lambda m: m.group(1) or html.unescape(m.group(0)), raw)


def _destination_start(masked: str, start: int) -> int | None:
    """Where an inline link's destination begins after its ``(``: spaces and at most one
    line break are skipped."""
    k = start
    newlines = 0
    while k < len(masked) and masked[k] in " \t\n":
        newlines += masked[k] == "\n"
        k += 1
    return k if k < len(masked) and newlines <= 1 else None


def _bare_destination_ends(masked: str, starts: list[int]) -> dict[int, int]:
    """Where each bare destination (one not in ``<...>``) starting at ``starts`` ends: at a
    space or control character, or at the ``)`` that closes no ``(`` opened inside it.

    One right-to-left pass over the parentheses and breaks, so a text of many unclosed
    ``[a](`` takes linear time rather than a scan to the end per link.
    """
    stops = [(m.start(), m.group()) for m in _links().dest_stop.finditer(masked)]
    balance = masked.count("(") - masked.count(")")  # '(' minus ')' before the current index
    first_at: dict[int, int] = {}  # balance -> smallest index after it where the prefix has it
    next_break = len(masked)
    ends: dict[int, int] = {}
    e = len(stops) - 1
    for k in sorted(set(starts), reverse=True):
        while e >= 0 and stops[e][0] >= k:
            pos, c = stops[e]
            first_at[balance] = pos + 1
            if c == "(":
                balance -= 1
            elif c == ")":
                balance += 1
            else:
                next_break = pos
            e -= 1
        close = first_at.get(balance - 1)
        ends[k] = min(next_break, close - 1 if close is not None else len(masked))
    return ends


def _angle_destination_end(masked: str, k: int) -> int | None:
    end = k + 1
    while end < len(masked) and masked[end] not in "<>\n":
        end += 1
    return end + 1 if end < len(masked) and masked[end] == ">" else None


def _link_closes(masked: str, end: int) -> bool:
    """Whether a destination ending at ``end`` is followed by ``)`` (or a title, which is
    taken on trust: reporting too much is the safe side)."""
    k = end
    newlines = 0
    while k < len(masked) and masked[k] in " \t\n":
        newlines += masked[k] == "\n"
        k += 1
    return k < len(masked) and newlines <= 1 and masked[k] in ")\"'("


def _label(text: str) -> str:
    return " ".join(text.split()).casefold()


def _masked_for_links(text: str) -> tuple[str, str]:
    """The text with line breaks and NUL as CommonMark reads them (every offset kept), and
    the same with code and escaped punctuation masked."""
    text = text.replace("\r\n", " \n").replace("\r", "\n").replace("\0", "\ufffd")
    # Escaped punctuation is no syntax; "__" keeps offsets and ends no destination.
    return text, _links().escaped.sub("__", mask_code(text))


def _bracket_pairs(masked: str) -> dict[int, int]:
    """Each ``[``'s offset and its ``]``'s, within a paragraph."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    n = len(masked)
    for i, c in enumerate(masked):
        if c == "[":
            stack.append(i)
        elif c == "]" and stack:
            pairs[stack.pop()] = i
        elif c == "\n":
            k = i + 1
            while k < n and masked[k] in " \t":
                k += 1
            if k >= n or masked[k] == "\n":
                stack.clear()  # a blank line ends the paragraph, and any link text
    return pairs


def scan_link_texts(text: str) -> list[tuple[int, int]]:
    """The spans (``[`` to ``]``), in order, of links' and images' texts: inline
    ``[text](url)``, full references ``[text][label]``, and ``[text]`` or ``[text][]``
    whose text is a defined label. A claim or citation inside one breaks the link, and
    both print as written."""
    text, masked = _masked_for_links(text)
    labels: set[str] | None = None
    spans = []
    for o, c in sorted(_bracket_pairs(masked).items()):
        if masked[o + 1 : o + 2] in ("@", "["):
            continue  # a citation or a claim in place ("[@a][@b]"), not a link's text
        following = masked[c + 1 : c + 2]
        if following in ("(", "["):
            spans.append((o, c))
            continue
        if labels is None:  # shortcut references: only where the text is a defined label
            found = _links().definition.finditer(_links().escaped.sub("__", mask_code(text, spans=False)))
            labels = {_label(m.group(1)) for m in found}
        if labels and _label(text[o + 1 : c]) in labels:
            spans.append((o, c))
    return spans


def scan_links(text: str) -> list[Link]:
    """Every link and image destination in Markdown prose, in order; code is skipped.

    A light scan for validation (no Markdown parser): inline links and images
    ``[t](url)`` / ``![a](url)``, autolinks ``<scheme:...>``, reference definitions
    ``[label]: url`` and the images that use them. It errs on the side of reporting: a
    bracket pair followed by ``(`` counts as a link even where CommonMark would not make one.
    """
    text, masked = _masked_for_links(text)
    pairs = _bracket_pairs(masked)
    links: list[Link] = []
    definitions: list[tuple[str, str, str, int]] = []  # label, url, raw, offset; all of them, even repeated
    definition_spans: set[int] = set()
    # Reference definitions are block syntax: read before code spans, as CommonMark does.
    for m in _links().definition.finditer(_links().escaped.sub("__", mask_code(text, spans=False))):
        raw = text[m.start(2) : m.end(2)]
        definitions.append((_label(text[m.start(1) : m.end(1)]), _unescape(raw), raw, m.start(2)))
        definition_spans.add(m.start(1) - 1)
    image_labels: set[str] = set()
    inline: list[tuple[bool, int]] = []  # (image?, where the destination starts)
    for opener, closer in sorted(pairs.items()):
        if opener in definition_spans:
            continue
        image = opener > 0 and masked[opener - 1] == "!"
        following = masked[closer + 1 : closer + 2]
        if following == "(":
            start = _destination_start(masked, closer + 2)
            if start is not None:
                inline.append((image, start))
        elif image:
            label = text[opener + 1 : closer]
            if following == "[" and closer + 1 in pairs and pairs[closer + 1] > closer + 2:
                label = text[closer + 2 : pairs[closer + 1]]
            image_labels.add(_label(label))
    bare = _bare_destination_ends(masked, [k for _, k in inline if masked[k] != "<"])
    closes: dict[int, bool] = {}
    spans: list[tuple[int, int]] = []  # destinations taken, disjoint, sorted by start
    for image, k in inline:
        end = _angle_destination_end(masked, k) if masked[k] == "<" else bare[k]
        if end is None or end == k:
            continue  # an empty destination makes no link
        if end not in closes:
            closes[end] = _link_closes(masked, end)
        if not closes[end]:
            continue  # no ')' after it: CommonMark makes no link, the text stays text
        at = bisect.bisect_right(spans, (k, len(masked)))
        if at and spans[at - 1][1] > k:
            continue  # inside another link's destination: part of that URL, not a link
        spans.insert(at, (k, end))
        raw = text[k:end]
        links.append(Link("image" if image else "link", _unescape(raw), raw, k))
    covered = {k for k, end in spans if masked[k] == "<"}  # not autolinks as well
    for label, url, raw, offset in definitions:
        links.append(Link("image" if label in image_labels else "definition", url, raw, offset))
    for m in _links().autolink.finditer(masked):
        if m.start() in covered:
            continue
        raw = text[m.start(1) : m.end(1)]
        links.append(Link("autolink", raw, raw, m.start(1)))  # no escapes or entities in autolinks
    links.sort(key=lambda link: link.offset)
    return links
