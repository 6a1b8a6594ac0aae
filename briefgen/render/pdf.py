"""Lay out the brief's HTML with WeasyPrint and write the PDF, with every footnote on the
page of its call.

The only module that imports WeasyPrint (about a second to import), so ``check``, HTML
builds and the preview start fast. Resources go through :class:`ProjectFetcher`, which
serves the project's own files and nothing else.

Every note number printed on a page has its note at the foot of that page. Each call of a
note carries the note's body (see templates/partials/calls.html.j2); while WeasyPrint lays
out a page, the footnote area keeps only the first body of each note number, so a reused
note is printed once on each page that calls it and a repeat takes no room where the note
is already printed. This is decided in the one layout pass, as the page is filled.

WeasyPrint 70 sometimes moves a page's footnotes to the next page to keep two lines of a
paragraph together (its orphans rule; see shared/WEASYPRINT.md). That only happens when
the paragraph has a single line on the page, so the correction is to start that paragraph
on the next page: it costs one line of space, and the notes follow their calls. The
layout is checked after every pass; a note still out of place is reported.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import os
import re
import warnings
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote, urlsplit

from briefgen.errors import BriefgenError, Pos, Problem
from briefgen.facts.assets import FONT_SUFFIXES, image_key
from briefgen.files import resolve

#: The time stamped into each embedded font subset, when SOURCE_DATE_EPOCH does not name
#: one. Where Debian's libharfbuzz-subset0 is missing, WeasyPrint subsets fonts with
#: fontTools, which writes the current time into each font's ``head.modified`` unless
#: SOURCE_DATE_EPOCH is set: two builds of the same brief a second apart differed in bytes.
FONT_TIMESTAMP = "0"

with warnings.catch_warnings():
    # WeasyPrint warns at import when fontconfig lists no fonts ("Expect ugly output") and
    # then crashes in Pango during layout; font_config() turns that into a clear error.
    warnings.simplefilter("ignore", UserWarning)
    import pyphen  # WeasyPrint's hyphenation dictionaries
    import weasyprint
    from PIL import Image, ImageFile  # WeasyPrint's image library: what it cannot decode, it drops
    from weasyprint.layout import LayoutContext
    from weasyprint.text import line_break
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

MAX_FIX_PASSES = 6
BREAK_CLASS = "bg-page-break"
_BLOCK_TAGS = ("p", "li", "blockquote", "tr", "dd", "h2", "h3", "table")


_update_footnote_area = LayoutContext._update_footnote_area


def _note_number(footnote: Any) -> str | None:
    element = getattr(footnote, "element", None)
    return None if element is None else element.get("data-n")


def _once_per_page(context: Any) -> Any:
    """WeasyPrint's footnote area, holding the first body of each note number only.

    The page's footnotes stay listed in full (WeasyPrint reports, removes and restores them
    by that list), but a repeat of a note already in the area is neither laid out nor
    drawn, and takes no room on the page.
    """
    listed = context.current_page_footnotes
    seen: set[str] = set()
    shown = []
    for footnote in listed:
        number = _note_number(footnote)
        if number is None or number not in seen:
            shown.append(footnote)
        if number is not None:
            seen.add(number)
    if len(shown) == len(listed):
        return _update_footnote_area(context)
    context.current_page_footnotes = shown
    try:
        return _update_footnote_area(context)
    finally:
        context.current_page_footnotes = listed


# WeasyPrint keeps no hook for this; the method is the one place the footnote area is made
# from the page's footnotes (weasyprint/layout/__init__.py, pinned to 70 in pyproject.toml).
LayoutContext._update_footnote_area = _once_per_page


#: ``briefgen:fonts/NAME`` in a template's CSS: a font file from the project's
#: templates/fonts/, else the packaged one (templates/fonts.css). Browsers know no such
#: scheme, so the HTML opened on screen fetches nothing for it.
FONT_SCHEME = "briefgen"


class _NoCapitalised(pyphen.Pyphen):
    """Hyphenation that never splits a capitalised word: a proper noun, a name, an
    abbreviation ("Lub-umbashi" reads badly), as TeX does with \\uchyph=0."""

    def iterate(self, word: str) -> Any:
        if word[:1].isupper():
            return iter(())
        return super().iterate(word)


# WeasyPrint makes its dictionaries with ``pyphen.Pyphen`` in text/line_break.py only.
line_break.pyphen = SimpleNamespace(Pyphen=_NoCapitalised, language_fallback=pyphen.language_fallback)


class ProjectFetcher(URLFetcher):
    """Serves files under the allowed roots (and data: URIs, and the fonts of the template
    folders by ``briefgen:fonts/NAME``); refuses everything else."""

    def __init__(self, roots: list[Path]):
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, timeout=2)
        self.roots = [r.resolve() for r in roots]
        self.refused: list[str] = []
        #: file: URLs the layout consulted: those handed to WeasyPrint and the places a font
        #: was looked for (the layout cache keys on the state of each)
        self.served: list[str] = []

    def font_file(self, url: str) -> Path | None:
        """The file ``briefgen:fonts/NAME`` names: the first root that holds it, a font
        file inside that root (links followed), else none."""
        name = unquote(url.split(":", 1)[1])
        if not name.startswith("fonts/") or not name.lower().endswith(FONT_SUFFIXES):
            return None
        for root in self.roots:
            # Every place looked in is an input of the layout, found or not: a font added
            # later to an earlier root would win, so the layout cache must see it.
            self.served.append((root / name).as_uri())
            try:
                path = resolve(root / name)
            except OSError:  # a loop of links
                continue
            if path.is_relative_to(root) and path.is_file():
                return path
        return None

    def fetch(self, url: str, headers: Any = None) -> Any:
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme == FONT_SCHEME:
            font = self.font_file(url)
            if font is not None:
                return super().fetch(font.as_uri(), headers)
        if parts.scheme == "file":
            try:
                path = resolve(Path(unquote(parts.path)))
                allowed = any(path.is_relative_to(root) for root in self.roots) and path.is_file()
            except (OSError, ValueError):  # a loop of links, a NUL in the path
                allowed = False
            if allowed:
                self.served.append(url)
                return super().fetch(url, headers)
        self.refused.append(url)
        raise ValueError(f"briefgen serves only the project's own files; refused {url}")


def _system_font_count() -> int:
    """How many fonts fontconfig offers (0 when its configuration names no font folders)."""
    from weasyprint.text.ffi import ffi, fontconfig

    config = fontconfig.FcInitLoadConfigAndFonts()
    try:
        fonts = fontconfig.FcConfigGetFonts(config, fontconfig.FcSetSystem)
        return 0 if fonts == ffi.NULL else int(fonts.nfont)
    finally:
        fontconfig.FcConfigDestroy(config)


_FONT_URL_RE = re.compile(rf"""url\(\s*["']?({FONT_SCHEME}:[^"')\s]+)""")


def served_fonts(html: str, fetcher: ProjectFetcher) -> list[Path]:
    """The font files the document's CSS loads through ``briefgen:fonts/NAME`` that exist."""
    found = (fetcher.font_file(m.group(1)) for m in _FONT_URL_RE.finditer(html))
    return list(dict.fromkeys(path for path in found if path is not None))


@cache
def font_config(own_fonts: bool = False) -> FontConfiguration:
    """One font configuration for the process (fontconfig setup is costly).

    With no font at all, Pango in WeasyPrint 70 crashes the process (a segmentation fault,
    no message), so that case is refused here first. A document that loads fonts of its
    own (the shipped ones, through the fetcher) needs none from the system.
    """
    if not own_fonts and _system_font_count() == 0:
        where = os.environ.get("FONTCONFIG_FILE")
        raise BriefgenError(
            Problem(
                Pos("fontconfig"),
                "BG407",
                "no fonts found: fontconfig lists none" + (f" (FONTCONFIG_FILE={where})" if where else ""),
                "install a font (Debian: apt-get install fonts-dejavu-core) or fix the fontconfig setup; "
                "build --format html still works",
            )
        )
    return FontConfiguration()


@dataclass
class PdfResult:
    """A laid-out PDF and what its layout found."""

    pdf: bytes
    html: str  # the HTML as finally laid out (with any page-break corrections)
    corrections: int = 0
    misplaced: list[tuple[int, int, int]] = field(default_factory=list)  # (note, call page, note page)
    refused: list[str] = field(default_factory=list)
    #: (image_key of the data: URI, why) for each image that cannot be laid out (BG409)
    broken_images: list[tuple[str, str]] = field(default_factory=list)
    pages: int = 0
    #: the file: URLs the layout loaded, in order (see render/layoutcache.py)
    loaded: list[str] = field(default_factory=list)


_DATA_IMAGE_RE = re.compile(r"""\bsrc=["'](data:image/[\w.+-]+;base64,[A-Za-z0-9+/=]*)["']""")
_FAILED_IMAGE = "Failed to load image at"


def broken_images(html: str) -> list[tuple[str, str]]:
    """Every inlined image of the HTML that does not decode, with why.

    WeasyPrint drops an image it cannot open with only a log line, fills what it cannot
    decode with grey, and passes the body of an RGB PNG or a JPEG into the PDF without
    decoding it, so a file whose header is sound and whose body is not (cut short,
    corrupted) would give a PDF with a hole or a broken picture, and no error. Each
    image is decoded once here, before layout; the check has already bounded its bytes
    and pixels (BG122), so this stays small.
    """
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    # WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process, so a cut-short
    # or corrupt body "loads", filled with grey; for this check Pillow must say so.
    truncated_ok = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        for match in _DATA_IMAGE_RE.finditer(html):
            uri = match.group(1)
            if uri in seen:
                continue
            seen.add(uri)
            try:
                data = base64.b64decode(uri.split(",", 1)[1], validate=True)
                with Image.open(io.BytesIO(data)) as image:
                    image.load()
            except (OSError, ValueError, SyntaxError, binascii.Error, Image.DecompressionBombError) as exc:
                found.append((image_key(uri), str(exc) or type(exc).__name__))
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated_ok
    return found


class _DroppedImages(logging.Handler):
    """Collects the images WeasyPrint logs it failed to load (and so left out)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.dropped: list[tuple[str, str]] = []  # (url, why)

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        if str(record.msg).startswith(_FAILED_IMAGE) and args:
            url, reason = (*args, "")[:2]
            self.dropped.append((str(url), str(reason) or "WeasyPrint could not load it"))


def note_pages(document: Any) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """(note numbers called, note numbers printed at the foot) by page, pages counted from 1.

    A floated note leaves a placeholder at its call in the main flow, so note bodies are
    looked for in the footnote area only.
    """
    calls: dict[int, set[int]] = {}
    bodies: dict[int, set[int]] = {}
    for number, page in enumerate(document.pages, start=1):
        calls[number], bodies[number] = set(), set()
        for area in page._page_box.children:
            in_footnotes = type(area).__name__ == "FootnoteAreaBox"
            for box in area.descendants():
                element = getattr(box, "element", None)
                if element is None:
                    continue
                # (A project's own templates may write anything there: only numbers count.)
                body, call = element.get("data-n") or "", element.get("data-note") or ""
                if in_footnotes and body.isdigit():
                    bodies[number].add(int(body))
                elif not in_footnotes and call.isdigit() and "fn-call" in (element.get("class") or ""):
                    calls[number].add(int(call))
    return calls, bodies


def misplaced_notes(document: Any) -> list[tuple[int, int, int]]:
    """(note, page that calls it, page its body is on: the next that holds it, else 0) for
    every note number called on a page without its note at that page's foot."""
    calls, bodies = note_pages(document)
    found = []
    for page, numbers in calls.items():
        for note in sorted(numbers - bodies[page]):
            later = [p for p in sorted(bodies) if p > page and note in bodies[p]]
            found.append((note, page, later[0] if later else 0))
    return found


def _element_index(root: Any, element: Any) -> int:
    for index, candidate in enumerate(root.iter(element.tag)):
        if candidate is element:
            return index
    return -1


def _mark_in_html(html: str, tag: str, index: int) -> str:
    """Add BREAK_CLASS to the ``index``-th ``<tag>`` start tag of the HTML text."""
    pattern = re.compile(rf"<{tag}(?=[\s>])([^>]*)>")
    for count, m in enumerate(pattern.finditer(html)):
        if count != index:
            continue
        attrs = m.group(1)
        if 'class="' in attrs:
            attrs = attrs.replace('class="', f'class="{BREAK_CLASS} ', 1)
        else:
            attrs += f' class="{BREAK_CLASS}"'
        return html[: m.start()] + f"<{tag}{attrs}>" + html[m.end() :]
    return html


def _parent_map(root: Any) -> dict[int, Any]:
    return {id(child): parent for parent in root.iter() for child in parent}


def _block_element(page: Any, parents: dict[int, Any]) -> Any:
    root = page._page_box.children[0]
    last = None
    for box in root.descendants():
        if type(box).__name__ == "LineBox":
            last = box
    element = last.element if last is not None else None
    while element is not None and element.tag not in _BLOCK_TAGS:
        element = parents.get(id(element))
    return element


#: A space, then the start of an inline span of running text: an entity's name, a placed
#: claim, a note reference.
_SPACE_BEFORE_SPAN_RE = re.compile(r' (<span class="(?:entity|claim|refs)"[^>]*>)')


def breakable_before_inline_text(html: str) -> str:
    """The HTML with the space before a name, a placed claim or a note reference moved
    inside its span: WeasyPrint breaks no line at a space just before an inline box, and
    when the box did not fit it broke the line words earlier, leaving a word alone on a
    line ("the" / "threat" / "of an alternate supply chain forces China"). Inside, the
    space is an ordinary break opportunity; the text reads the same."""
    return _SPACE_BEFORE_SPAN_RE.sub(r"\1 ", html)


def render_pdf(html: str, base_url: Path, roots: list[Path], *, metadata_lang: str = "en") -> PdfResult:
    """Lay out and write the PDF; correct footnotes that WeasyPrint moved off their page."""
    fetcher = ProjectFetcher(roots)
    corrections = 0
    broken = broken_images(html)
    if broken:  # nothing to lay out: the build fails on these (BG409) and writes nothing
        return PdfResult(b"", html, broken_images=broken)
    html = breakable_before_inline_text(html)
    logger = logging.getLogger("weasyprint")
    logger.setLevel(logging.ERROR)
    dropped = _DroppedImages()
    logger.addHandler(dropped)
    # The reproducible-builds convention, which fontTools reads at each font it writes;
    # set for this layout only, so a process that lays out (the preview, tests) keeps
    # its own environment.
    epoch_was = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ.setdefault("SOURCE_DATE_EPOCH", FONT_TIMESTAMP)
    own_fonts = bool(served_fonts(html, fetcher))
    try:
        for _attempt in range(MAX_FIX_PASSES + 1):
            document_html = weasyprint.HTML(string=html, base_url=str(base_url) + "/", url_fetcher=fetcher)
            document = document_html.render(
                font_config=font_config(own_fonts), pdf_variant="pdf/ua-1", uncompressed_pdf=False
            )
            misplaced = misplaced_notes(document)
            if not misplaced or _attempt == MAX_FIX_PASSES:
                break
            root = document_html.etree_element
            parents = _parent_map(root)
            marked = set()
            for _note, call_page, _body_page in misplaced:
                if call_page in marked:
                    continue
                marked.add(call_page)
                element = _block_element(document.pages[call_page - 1], parents)
                if element is None:
                    continue
                index = _element_index(root, element)
                html = _mark_in_html(html, element.tag, index)
                corrections += 1
        pdf = document.write_pdf(pdf_variant="pdf/ua-1")
    except BriefgenError:
        raise
    except Exception as exc:  # WeasyPrint failing is not a content mistake; say so plainly.
        raise BriefgenError(
            Problem(
                Pos("weasyprint"),
                "BG404",
                f"PDF layout failed: {type(exc).__name__}: {exc}",
                "check the templates and CSS; build --format html still works",
            )
        ) from None
    finally:
        logger.removeHandler(dropped)
        if epoch_was is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
    # An image the fetcher refused (a web address, a file outside the project) is left out
    # on purpose and reported as BG406; only the others were dropped without a word.
    refused = set(fetcher.refused)
    lost = [(image_key(url), why) for url, why in dict.fromkeys(dropped.dropped) if url not in refused]
    return PdfResult(
        pdf,
        html,
        corrections,
        misplaced,
        list(fetcher.refused),
        lost,
        len(document.pages),
        list(dict.fromkeys(fetcher.served)),
    )
