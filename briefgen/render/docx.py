"""A brief as a Word document (DOCX), for editing and clearance with tracked changes.

The body is the brief's own HTML (the same templates, the same plan) turned block by block
into Word paragraphs, headings, lists and tables; footnotes come from the citation plan, each
note's text rendered by the citation partial (cite.html.j2) and its inline HTML (text, i, b,
a...) turned into Word runs, so no citation style is written twice. Styles, page set-up and
theme come from a reference document, as with Pandoc's ``--reference-doc``: the project's
``templates/reference.docx``, else the packaged one. The zip is written with fixed
timestamps and order, and every date comes from the brief, so two builds are byte-identical.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import docx
import lxml.html
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Emu, Inches, Mm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from lxml import etree

from briefgen.cachedir import cache_folder, read_entry, write_entry
from briefgen.errors import BriefgenError, Pos, Problem
from briefgen.facts.load import display_path
from briefgen.facts.model import Brief
from briefgen.facts.project import Project
from briefgen.files import RefusedFile, read_regular, resolve
from briefgen.render.html import note_texts
from briefgen.render.plan import BriefPlan
from briefgen.render.wordnotes import Footnotes, reference_run, repeat_runs

REFERENCE = "reference.docx"
#: A reference document is a template (code, not content), but still a zip read into memory.
MAX_REFERENCE_BYTES = 32 * 1024 * 1024
#: What a reference document may unpack to, and how many parts it may hold.
MAX_REFERENCE_UNPACKED = 64 * 1024 * 1024
MAX_REFERENCE_PARTS = 2000
#: Word's (and python-docx's) limit on a core property's length.
MAX_PROPERTY = 255

_BLOCKS = {
    "p", "div", "section", "header", "footer", "main", "nav", "article", "aside",
    "h1", "h2", "h3", "h4", "h5", "h6", "ol", "ul", "li", "dl", "dt", "dd",
    "table", "figure", "figcaption", "blockquote", "pre", "hr",
}  # fmt: skip
#: Markup that is for the screen or the page layout only: running heads (Word has its own
#: header and footer), the endnote list (Word has real footnotes), a note's copy at its call.
_SKIP = {"marking-running", "title-running", "endnotes", "fn", "fn-repeat", "screen-only", "flag"}
_HEADING = {
    "h1": "Title",
    "h2": "Heading 1",
    "h3": "Heading 2",
    "h4": "Heading 3",
    "h5": "Heading 3",
    "h6": "Heading 3",
}
#: Every style a brief's DOCX uses; those the reference lacks are added (see Styles).
STYLES_USED = (
    "Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "Caption", "Quote", "TOC Heading",
    "Footnote Text", "Footnote Reference", "Hyperlink", "Table Grid", "Table Text", "Header", "Footer",
)  # fmt: skip
_SPACE = re.compile(r"[ \t\n\r\f]+")  # HTML's white space; a no-break space is text
_SAFE_LINK = ("http://", "https://", "mailto:")
_ASVG = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"
#: What XML 1.0 cannot hold (C0 controls but tab and newlines, lone surrogates, U+FFFE/F):
#: the HTML may carry them from content (a YAML "\a"), the DOCX cannot; lxml would refuse.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters an XML document cannot hold."""
    return _NOT_XML.sub("", text)


def bookmark_for(ident: str) -> str:
    """A Word bookmark name for an HTML id: hidden (a leading underscore), letters, digits
    and underscores only, at most 40 characters, and one per id (its hash ends it)."""
    safe = re.sub(r"[^A-Za-z0-9]", "_", ident)[:30]
    return f"_{safe}_{hashlib.sha256(ident.encode()).hexdigest()[:8]}"


def reference_path(project: Project) -> Path:
    """The reference document: the project's ``templates/reference.docx``, else the packaged one."""
    for folder in project.template_folders():
        candidate = folder / REFERENCE
        # Whatever stands there (a file, a link, a pipe) is the reference, to be used or
        # refused (BG415), never passed over in silence for the packaged one.
        if os.path.lexists(candidate):
            return candidate
    return project.template_folders()[-1] / REFERENCE


def open_reference(path: Path) -> Document:
    """The reference document, emptied of its body; BG415 when it is no Word document."""

    def broken(why: str) -> BriefgenError:
        return BriefgenError(
            Problem(
                Pos(display_path(path)),
                "BG415",
                f"the reference document cannot be used: {why}",
                "save it again from Word (or LibreOffice) as a .docx document, or delete it to use the packaged one",
            )
        )

    try:
        # A templates folder is the project's own, but a link out of it is not followed
        # (it would read any file as the reference), and only a regular file is read.
        if not resolve(path).is_relative_to(resolve(path.parent)):
            raise broken("it is a link to a file outside its templates folder")
        raw = read_regular(path, MAX_REFERENCE_BYTES)
        with zipfile.ZipFile(io.BytesIO(raw)) as package:
            members = package.infolist()
        # The sizes the package declares, before anything is inflated: a small file can
        # unpack to gigabytes (a zip bomb).
        if len(members) > MAX_REFERENCE_PARTS or sum(m.file_size for m in members) > MAX_REFERENCE_UNPACKED:
            raise broken(
                f"it unpacks to more than {MAX_REFERENCE_UNPACKED // (1024 * 1024)} MiB "
                f"or {MAX_REFERENCE_PARTS:,} parts"
            )
        doc = docx.Document(io.BytesIO(raw))
    except BriefgenError:
        raise
    except RefusedFile as refused:
        raise broken(f"it {refused.reason}") from None
    except Exception as exc:  # python-docx raises many kinds on a bad package: all mean the same here
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        reason = re.sub(r"<_io\.BytesIO object at 0x[0-9a-f]+>", "the file", reason)  # no address in messages
        if isinstance(exc, zipfile.BadZipFile | KeyError) or "zip" in reason.lower():
            reason = f"not a DOCX (zip) package ({reason})"
        raise broken(reason) from None
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return doc


@dataclass(frozen=True)
class _Fmt:
    """How a run of text is set."""

    bold: bool = False
    italic: bool = False
    sup: bool = False
    sub: bool = False
    mono: bool = False
    link: str | None = None


@dataclass
class _Text:
    """A run of text and its formatting."""

    text: str
    fmt: _Fmt


@dataclass
class _Call:
    """A note call."""

    number: int


@dataclass
class _Picture:
    """An image or drawing in a paragraph."""

    data: bytes
    alt: str
    width_px: float | None = None
    svg: str | None = None  # the drawing itself, shown by Word 2016 and later; ``data`` is its PNG


class _Break:
    pass


_Seg = _Text | _Call | _Picture | _Break


@dataclass
class _Ctx:
    """Where paragraphs go and how they look."""

    style: str | None = None
    fmt: _Fmt = field(default_factory=_Fmt)
    indent: int = 0  # list depth
    prefix: list[str] = field(default_factory=list)  # a list item's number, taken by its first paragraph


def _classes(el: Any) -> set[str]:
    return set((el.get("class") or "").split())


def _skipped(el: Any) -> bool:
    # A note's copy at its call is also known by its data-n (calls.html.j2), the endnote
    # list by its id "notes" (plan.py keeps it from sections), whatever their classes.
    return (
        not isinstance(el.tag, str)
        or el.get("aria-hidden") == "true"
        or bool(_classes(el) & _SKIP)
        or el.get("data-n") is not None
        or el.get("id") == "notes"
    )


def _normalise(segs: list[_Seg]) -> list[_Seg]:
    """HTML's white space rules: runs of spaces are one, none at a line's start or end."""
    out: list[_Seg] = []
    at_start = True
    for seg in segs:
        if isinstance(seg, _Text):
            text = _SPACE.sub(" ", seg.text)
            if at_start:
                text = text.lstrip(" ")
            if not text:
                continue
            at_start = text.endswith(" ")
            out.append(_Text(text, seg.fmt))
        else:
            at_start = isinstance(seg, _Break)
            out.append(seg)
    while out and isinstance(out[-1], _Text) and out[-1].text.endswith(" "):
        last = out.pop()
        if isinstance(last, _Text) and last.text.rstrip(" "):
            out.append(_Text(last.text.rstrip(" "), last.fmt))
            break
    return out


def _data_uri_bytes(uri: str) -> bytes | None:
    if not uri.startswith("data:") or ";base64," not in uri:
        return None
    try:
        return base64.b64decode(uri.split(",", 1)[1], validate=False)
    except ValueError:
        return None


class Styles:
    """Style ids of the reference document by Word's built-in names; a style the reference
    lacks (a document saved by Word keeps only the styles it uses) is added, as Pandoc does."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.ids: dict[str, str] = {}
        for style in doc.styles:
            name = style.element.name_val
            if name:
                self.ids.setdefault(name.lower(), style.style_id)

    def __call__(self, name: str) -> str:
        key = name.lower()
        if key not in self.ids:
            self.ids[key] = self._add(name)
        return self.ids[key]

    def _add(self, name: str) -> str:
        key = name.lower()
        character = key in ("footnote reference", "hyperlink")
        kind = WD_STYLE_TYPE.TABLE if key == "table grid" else WD_STYLE_TYPE.CHARACTER if character else None
        style = self.doc.styles.add_style(name, kind or WD_STYLE_TYPE.PARAGRAPH)
        # Word's own names for these built-in styles are lower case ("heading 1").
        style.element.name_val = key if key.startswith(("heading", "footnote", "caption", "header", "footer")) else name
        if key == "table grid":
            borders = "".join(
                f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="A0A7B1"/>'
                for side in ("top", "left", "bottom", "right", "insideH", "insideV")
            )
            style.element.append(parse_xml(f"<w:tblPr {nsdecls('w')}><w:tblBorders>{borders}</w:tblBorders></w:tblPr>"))
            style.font.size = Pt(9)
            return str(style.style_id)
        font = style.font
        if key == "footnote reference":
            font.superscript = True
        elif key == "hyperlink":
            font.underline = True
            font.color.rgb = RGBColor(0x1F, 0x4E, 0x8C)
        else:
            style.base_style = self.doc.styles["Normal"]
            fmt = style.paragraph_format
            level = int(key[-1]) if key.startswith("heading ") else 0
            if key == "title":
                font.size, font.bold = Pt(22), True
            elif key == "subtitle":
                font.size, font.italic = Pt(13), True
            elif level:
                font.size, font.bold = Pt({1: 15, 2: 12.5, 3: 11.5}.get(level, 11)), True
                fmt.space_before, fmt.keep_with_next = Pt(12), True
                # The outline level puts the heading in the navigation pane and the contents.
                style.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="{level - 1}"/>'))
            elif key == "footnote text":
                font.size = Pt(8.5)
                fmt.space_after = Pt(0)
            elif key == "table text":  # a cell's paragraphs (Pandoc calls its style "Compact")
                font.size = Pt(9)
                fmt.space_before, fmt.space_after = Pt(1), Pt(1)
            elif key == "caption":
                font.size, font.italic = Pt(9), True
            elif key == "toc heading":
                font.size, font.bold = Pt(13), True
            elif key == "quote":
                font.italic = True
                fmt.left_indent = Pt(24)
        return str(style.style_id)


class _Writer:
    """One brief's HTML and notes into one Word document."""

    def __init__(self, doc: Document, plan: BriefPlan, notes: dict[int, str]):
        self.doc = doc
        self.plan = plan
        self.notes = notes
        self.style = Styles(doc)
        self.footnotes = Footnotes(doc.part)
        self.called: set[int] = set()
        self.svg_count = 0
        self.note_links = {f"#{note.anchor}": note.number for note in plan.notes}
        #: ids the brief links to inside itself (contents, sources), made bookmarks; set by targets()
        self.targets: set[str] = set()
        self.marks: list[str] = []  # bookmarks waiting for the next paragraph
        self.mark_id = 10_000  # bookmark ids apart from the notes' (their numbers)
        self.svgs = {p.figure.ident: p.figure for p in plan.sections + plan.annexes if p.figure and p.figure.nodes}
        section = doc.sections[0]
        self.text_width = Emu(
            int((section.page_width or Emu(0)) - (section.left_margin or Emu(0)) - (section.right_margin or Emu(0)))
        )

    # -- blocks ------------------------------------------------------------------------
    def flow(self, el: Any, container: Any, ctx: _Ctx) -> None:
        """The content of ``el``: block children as blocks, loose text and inline
        elements between them gathered into paragraphs."""
        pending: list[_Seg] = []

        def flush() -> None:
            if any(not isinstance(s, _Text) or s.text.strip() for s in pending):
                self.paragraph(container, list(pending), ctx)
            pending.clear()

        if el.text:
            pending.append(_Text(el.text, ctx.fmt))
        for child in el:
            if isinstance(child.tag, str) and child.tag in _BLOCKS:
                flush()
                if not _skipped(child):
                    self.block(child, container, ctx)
            else:
                self.inline(child, ctx.fmt, pending)
            if child.tail:
                pending.append(_Text(child.tail, ctx.fmt))
        flush()

    def targets_of(self, root: Any) -> None:
        """The ids that links inside the brief lead to (``href="#id"``), notes aside."""
        ids = {el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
        for link in root.iter("a"):
            href = link.get("href") or ""
            if href.startswith("#") and href not in self.note_links and href[1:] in ids:
                self.targets.add(href[1:])

    def block(self, el: Any, container: Any, ctx: _Ctx) -> None:
        tag, cls = el.tag, _classes(el)
        if el.get("id") in self.targets:
            self.marks.append(el.get("id"))  # the element starts with the next paragraph
        if tag == "nav" and "toc" in cls:
            self.contents(el, container)
        elif tag in _HEADING:
            self.flow(el, container, replace(ctx, style=_HEADING[tag], prefix=[]))
        elif tag == "p" and "badges" in cls:
            # Likelihood and confidence as words after the judgment (the HTML's badges).
            words = [_SPACE.sub(" ", b.text_content()).strip() for b in el if "badge" in _classes(b)]
            if words:
                self.paragraph(container, [_Text(" · ".join(words), replace(ctx.fmt, italic=True))], ctx)
        elif tag == "p" and "subtitle" in cls:
            self.flow(el, container, replace(ctx, style="Subtitle"))
        elif tag in ("ol", "ul"):
            self.listing(el, container, ctx)
        elif tag == "dl":
            self.definitions(el, container, ctx)
        elif tag == "table":
            self.table(el, container, ctx)
        elif tag == "figure":
            self.figure(el, container, ctx)
        elif tag == "figcaption":
            self.flow(el, container, replace(ctx, style="Caption"))
        elif tag == "blockquote":
            self.flow(el, container, replace(ctx, style="Quote"))
        elif tag == "pre":
            self.paragraph(container, [_Text(el.text_content(), replace(ctx.fmt, mono=True))], ctx, keep_space=True)
        elif tag == "hr":
            return
        else:
            self.flow(el, container, ctx)

    def listing(self, el: Any, container: Any, ctx: _Ctx) -> None:
        ordered = el.tag == "ol"
        number = int(el.get("start") or 1) if (el.get("start") or "1").isdigit() else 1
        for item in el:
            if not isinstance(item.tag, str) or item.tag != "li" or _skipped(item):
                continue
            if (item.get("value") or "").isdigit():
                number = int(item.get("value"))
            mark = f"{number}.\t" if ordered else "•\t"
            if item.get("id") in self.targets:
                self.marks.append(item.get("id"))
            self.flow(item, container, replace(ctx, indent=ctx.indent + 1, prefix=[mark]))
            number += 1

    def definitions(self, el: Any, container: Any, ctx: _Ctx) -> None:
        """A definition list as one paragraph per term: the term in bold, then what it means."""
        segs: list[_Seg] = []
        for item in el.iter("dt", "dd"):
            if item.tag == "dt":
                if segs:
                    self.paragraph(container, segs, ctx)
                segs = []
                self.inline(item, replace(ctx.fmt, bold=True), segs, own_tail=False)
                segs.append(_Text(": ", ctx.fmt))
            else:
                self.inline(item, ctx.fmt, segs, own_tail=False)
        if segs:
            self.paragraph(container, segs, ctx)

    def table(self, el: Any, container: Any, ctx: _Ctx) -> None:
        caption = el.find("caption")
        if caption is not None:
            para = self.flow_one(caption, container, replace(ctx, style="Caption"))
            if para is not None:
                para.paragraph_format.keep_with_next = True
        rows: list[tuple[Any, bool]] = []
        for part in el:
            if part.tag == "tr":
                rows.append((part, False))
            elif part.tag in ("thead", "tbody", "tfoot"):
                rows.extend((tr, part.tag == "thead") for tr in part if tr.tag == "tr")
        if not rows:
            return
        width = max(len([c for c in tr if c.tag in ("th", "td")]) for tr, _ in rows)
        table: Table = container.add_table(rows=0, cols=width)
        table.style = self.doc.styles.get_by_id(self.style("Table Grid"), WD_STYLE_TYPE.TABLE)
        for tr, head in rows:
            row = table.add_row()
            tr_pr = row._tr.get_or_add_trPr()
            tr_pr.append(OxmlElement("w:cantSplit"))  # a row is never split across pages
            if head:
                tr_pr.append(OxmlElement("w:tblHeader"))  # header rows repeat on every page
            for cell_el, cell in zip([c for c in tr if c.tag in ("th", "td")], row.cells, strict=False):
                self.cell(
                    cell_el,
                    cell,
                    replace(ctx, style="Table Text", indent=0, prefix=[], fmt=_Fmt(bold=cell_el.tag == "th")),
                )
        self.column_widths(table, [[c.text_content() for c in tr if c.tag in ("th", "td")] for tr, _ in rows])
        # A table is followed by a paragraph, as Word itself keeps it (two tables never touch).
        container.add_paragraph()

    def column_widths(self, table: Table, texts: list[list[str]]) -> None:
        """Columns as wide as their words need, as a browser's table layout makes them: each
        column at least as wide as its longest word (about 6.5 pt a character, 9 pt bold, plus the
        cell's padding), what is left shared by the columns' average lengths. (Equal columns,
        python-docx's default, break "unlikely" in a narrow one.)"""
        least, share = [], []
        for n in range(len(table.columns)):
            column = [_SPACE.sub(" ", row[n]).strip() for row in texts if n < len(row)]
            longest = max((len(word) for text in column for word in text.split()), default=1)
            least.append(float(Pt(6.5 * longest + 14)))
            share.append(sum(len(text) for text in column) / max(len(column), 1) + 1)
        total = float(int(self.text_width))
        if sum(least) >= total:
            widths = [total * w / sum(least) for w in least]
        else:
            widths = [w + (total - sum(least)) * s / sum(share) for w, s in zip(least, share, strict=True)]
        table.autofit = False
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Emu(int(width))
            for cell in column.cells:
                cell.width = Emu(int(width))

    def cell(self, el: Any, cell: _Cell, ctx: _Ctx) -> None:
        first = cell.paragraphs[0]
        first._p.get_or_add_pPr().style = self.style("Table Text")
        self.flow(el, cell, ctx)
        if len(cell.paragraphs) > 1 and not first.text and not first._p.xpath("./w:r"):
            first._p.getparent().remove(first._p)

    def figure(self, el: Any, container: Any, ctx: _Ctx) -> None:
        """A route diagram as a picture (its SVG from the plan, drawn as PNG), then its caption."""
        figure = self.svgs.get(el.get("id") or "")
        if figure is not None:
            png = _svg_to_png(str(figure.svg()))
            alt = xml_text(f"{figure.title}. {figure.description}".strip())
            para = self.paragraph(container, [_Picture(png, alt, figure.width, str(figure.svg()))], ctx)
            if para is not None:
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
                para.paragraph_format.keep_with_next = True
        for child in el:  # the caption, and anything else a template puts in the figure
            if not isinstance(child.tag, str) or child.tag == "svg" or _skipped(child):
                continue
            if child.tag in _BLOCKS:
                self.block(child, container, ctx)
            else:
                self.flow_one(child, container, ctx)

    def contents(self, el: Any, container: Any) -> None:
        """The contents list as Word's TOC field (headings 1-2, links), its result filled
        with the HTML's entries so it reads well before Word updates it (it is marked dirty,
        so Word does, with page numbers, on opening)."""
        heading = el.find(".//h2")
        self.new_paragraph(
            container,
            "TOC Heading",
            _SPACE.sub(" ", heading.text_content()).strip() if heading is not None else "Contents",
        )
        entries = [self.flow_one(li, container, _Ctx()) for li in el.iter("li") if not _skipped(li)]
        paras = [p for p in entries if p is not None] or [container.add_paragraph()]
        w = nsdecls("w")
        first, last = paras[0]._p, paras[-1]._p
        begin = [
            parse_xml(f'<w:r {w}><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'),
            parse_xml(f'<w:r {w}><w:instrText xml:space="preserve"> TOC \\o "1-2" \\h \\z \\u </w:instrText></w:r>'),
            parse_xml(f'<w:r {w}><w:fldChar w:fldCharType="separate"/></w:r>'),
        ]
        anchor = first.find(qn("w:pPr"))
        for n, run in enumerate(begin):
            first.insert(n + (1 if anchor is not None else 0), run)
        last.append(parse_xml(f'<w:r {w}><w:fldChar w:fldCharType="end"/></w:r>'))

    # -- paragraphs and runs -------------------------------------------------------------
    def flow_one(self, el: Any, container: Any, ctx: _Ctx) -> Paragraph | None:
        segs: list[_Seg] = []
        self.inline(el, ctx.fmt, segs, own_tail=False)
        return self.paragraph(container, segs, ctx)

    def new_paragraph(self, container: Any, style: str | None, text: str = "") -> Paragraph:
        """A paragraph at the end of ``container`` in ``style`` (a built-in name). The style
        id is set directly: python-docx looks a style up among all of them on every call,
        which took a second per brief over Word's hundreds of built-in styles."""
        para: Paragraph = container.add_paragraph(xml_text(text))
        if style:
            para._p.get_or_add_pPr().style = self.style(style)
        return para

    def paragraph(self, container: Any, segs: list[_Seg], ctx: _Ctx, keep_space: bool = False) -> Paragraph | None:
        numbered = bool(ctx.prefix)
        if numbered:
            segs = [_Text(ctx.prefix.pop(), _Fmt()), *_normalise(segs)]
            keep_space = True
        segs = segs if keep_space else _normalise(segs)
        if not segs:
            return None
        para = self.new_paragraph(container, ctx.style)
        if ctx.indent:
            para.paragraph_format.left_indent = Pt(18 * ctx.indent)
            if numbered:  # the number hangs in the margin, the text aligned after its tab
                para.paragraph_format.first_line_indent = Pt(-18)
            para.paragraph_format.tab_stops.add_tab_stop(Pt(18 * ctx.indent))
        self.bookmarks(para)
        self.runs(para, segs)
        return para

    def bookmarks(self, para: Paragraph) -> None:
        """The waiting bookmarks, at the start of ``para``: where a link inside the brief leads."""
        for ident in self.marks:
            self.mark_id += 1
            w = nsdecls("w")
            para._p.append(parse_xml(f'<w:bookmarkStart {w} w:id="{self.mark_id}" w:name="{bookmark_for(ident)}"/>'))
            para._p.append(parse_xml(f'<w:bookmarkEnd {w} w:id="{self.mark_id}"/>'))
        self.marks.clear()

    def runs(self, para: Paragraph, segs: list[_Seg]) -> None:
        p = para._p
        for seg in segs:
            if isinstance(seg, _Call):
                mark = self.style("Footnote Reference")
                if seg.number in self.called:
                    p.extend(repeat_runs(seg.number, mark))
                else:
                    self.called.add(seg.number)
                    p.extend(reference_run(seg.number, mark))
                    self.note(seg.number)
            elif isinstance(seg, _Break):
                para.add_run().add_break()
            elif isinstance(seg, _Picture):
                self.picture(para, seg)
            else:
                self.text_run(para, seg)

    def text_run(self, para: Paragraph, seg: _Text) -> None:
        text = seg.text.replace("\u2060", "")  # the word joiner is HTML's line-break control
        if not text:
            return
        run = para.add_run(text)
        fmt = seg.fmt
        if fmt.bold:
            run.bold = True
        if fmt.italic:
            run.italic = True
        if fmt.sup:
            run.font.superscript = True
        if fmt.sub:
            run.font.subscript = True
        if fmt.mono:
            run.font.name = "Courier New"
        if fmt.link:
            # By id, not through python-docx's Run.style: a footnote's part has no style lookup.
            run._r.get_or_add_rPr().style = self.style("Hyperlink")
            link = OxmlElement("w:hyperlink")
            if fmt.link.startswith("#"):
                link.set(qn("w:anchor"), bookmark_for(fmt.link[1:]))
            else:
                link.set(qn("r:id"), para.part.relate_to(fmt.link, RELATIONSHIP_TYPE.HYPERLINK, is_external=True))
            run._r.addprevious(link)
            link.append(run._r)

    def picture(self, para: Paragraph, seg: _Picture) -> None:
        run = para.add_run()
        try:
            shape = run.add_picture(io.BytesIO(seg.data))
        except Exception:  # an image python-docx cannot size: its alt text, as the HTML does when refused
            run.text = seg.alt
            return
        native = int(shape.width) if seg.width_px is None else int(seg.width_px * 9525)  # 9525 EMU per CSS px
        width = min(native, int(self.text_width)) if self.text_width else native
        if width and shape.width:
            shape.height = Emu(int(int(shape.height) * width / int(shape.width)))
            shape.width = Emu(width)
        doc_pr = shape._inline.docPr
        doc_pr.set("descr", seg.alt)
        if seg.svg is not None:
            self.svg_blip(shape, seg.svg)

    def svg_blip(self, shape: Any, svg: str) -> None:
        """The SVG beside its PNG, as Office 2016 writes it: an ``asvg:svgBlip`` extension of
        the picture's blip naming the SVG part. Word shows the SVG (sharp at any size); older
        Word, LibreOffice and other readers show the PNG."""
        self.svg_count += 1
        part = Part(
            PackURI(f"/word/media/drawing{self.svg_count}.svg"),
            "image/svg+xml",
            svg.encode("utf-8"),
            self.doc.part.package,
        )
        rel = self.doc.part.relate_to(part, RELATIONSHIP_TYPE.IMAGE)
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip
        blip.append(
            parse_xml(
                f'<a:extLst {nsdecls("a", "r")}><a:ext uri="{{96DAC541-7B7A-43D3-8B79-37D633B846F1}}">'
                f'<asvg:svgBlip xmlns:asvg="{_ASVG}" r:embed="{rel}"/>'
                "</a:ext></a:extLst>"
            )
        )

    def note(self, number: int) -> None:
        """Footnote ``number``: the note's HTML from the citation partial, as Word runs."""
        p = self.footnotes.add(number, self.style("Footnote Text"), self.style("Footnote Reference"))
        segs: list[_Seg] = []
        tree = lxml.html.fragment_fromstring(self.notes.get(number, ""), create_parent="span")
        self.inline(tree, _Fmt(), segs, own_tail=False)
        para = Paragraph(p, _InPart(self.footnotes.part))
        self.runs(para, [s for s in _normalise(segs) if not isinstance(s, _Call | _Picture)])

    # -- inline ------------------------------------------------------------------------
    def inline(self, el: Any, fmt: _Fmt, out: list[_Seg], own_tail: bool = False) -> None:
        """Text and inline markup of ``el`` as segments (its tail only when ``own_tail``)."""
        if not _skipped(el):
            self._inline_content(el, fmt, out)
        if own_tail and el.tail:
            out.append(_Text(el.tail, fmt))

    def _inline_content(self, el: Any, fmt: _Fmt, out: list[_Seg]) -> None:
        tag = el.tag
        if tag == "a" and (el.get("href") or "") in self.note_links:
            # A note call is a link to the note's anchor (plan.Note.anchor), whatever the
            # template's classes: its footnote, or the same number again.
            out.append(_Call(self.note_links[el.get("href")]))
            return
        if tag in ("b", "strong"):
            fmt = replace(fmt, bold=True)
        elif tag in ("i", "em", "cite", "var"):
            fmt = replace(fmt, italic=True)
        elif tag == "sup":
            fmt = replace(fmt, sup=True)
        elif tag == "sub":
            fmt = replace(fmt, sub=True)
        elif tag in ("code", "kbd", "samp"):
            fmt = replace(fmt, mono=True)
        elif tag == "a":
            href = el.get("href") or ""
            # Content is untrusted: only the link schemes the check allows become links, and
            # "#id" only to a place in the brief (a bookmark).
            inside = href.startswith("#") and href[1:] in self.targets
            fmt = replace(fmt, link=href if href.startswith(_SAFE_LINK) or inside else None)
        elif tag == "br":
            out.append(_Break())
            return
        elif tag == "img":
            data = _data_uri_bytes(el.get("src") or "")
            alt = el.get("alt") or ""
            out.append(_Picture(data, alt) if data else _Text(alt, fmt))
            return
        elif tag in ("svg", "script", "style", "template"):
            return
        if el.text:
            out.append(_Text(el.text, fmt))
        for child in el:
            self.inline(child, fmt, out, own_tail=False)
            if child.tail:
                out.append(_Text(child.tail, fmt))

    # -- page furniture and properties ---------------------------------------------------
    def furniture(self, brief: Brief) -> None:
        """The marking in header and footer, and "Page X of Y" in the footer."""
        for section in self.doc.sections:
            headers = [section.header]
            footers = [section.footer]
            if section.different_first_page_header_footer:
                headers.append(section.first_page_header)
                footers.append(section.first_page_footer)
            if self.doc.settings.odd_and_even_pages_header_footer:
                headers.append(section.even_page_header)
                footers.append(section.even_page_footer)
            for part in headers + footers:
                part.is_linked_to_previous = False
                for child in list(part._element):
                    part._element.remove(child)
            for header in headers:
                para = self.new_paragraph(header, "Header", brief.marking or brief.title)
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for footer in footers:
                if brief.marking:
                    self.new_paragraph(footer, "Footer", brief.marking).alignment = WD_ALIGN_PARAGRAPH.CENTER
                para = self.new_paragraph(footer, "Footer")
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
                w = nsdecls("w")
                para.add_run("Page ")
                para._p.append(parse_xml(f'<w:fldSimple {w} w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
                para.add_run(" of ")
                para._p.append(
                    parse_xml(f'<w:fldSimple {w} w:instr=" NUMPAGES "><w:r><w:t>1</w:t></w:r></w:fldSimple>')
                )


class _InPart:
    """The parent a python-docx Paragraph needs: something with the part it lives in."""

    def __init__(self, part: Any):
        self.part = part


def _svg_to_png(svg: str) -> bytes:
    """The diagram as PNG, kept in the cache by the SVG's hash: drawing it needs cairocffi,
    whose import alone (it parses cairo's C declarations) takes over a second."""
    folder = cache_folder("docx-png")
    key = hashlib.sha256(f"{_cairosvg_version()}\n{svg}".encode()).hexdigest()
    if folder is not None:
        cached = read_entry(folder / f"{key}.png")
        if cached is not None:
            return cached
    png = _draw_png(svg)
    if folder is not None:
        write_entry(folder / f"{key}.png", png)
    return png


def _cairosvg_version() -> str:
    from importlib.metadata import version

    return version("cairosvg")


def _draw_png(svg: str) -> bytes:
    """The diagram drawn as PNG at three times its size (sharp in print).

    CairoSVG, WeasyPrint's sibling from Kozea, draws it: WeasyPrint itself writes no PNG
    since version 53, and only render/pdf.py may import it. The SVG is briefgen's own
    (render/diagram.py, content escaped); even so, with ``unsafe=False`` CairoSVG reads no
    other file, resolves no XML entity and refuses a very large document."""
    import cairosvg

    return bytes(cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=3, unsafe=False))


def _paper(doc: Document, brief: Brief) -> None:
    """The brief's paper size (``paper: a4`` or ``letter``); margins stay the reference's."""
    width, height = (Mm(210), Mm(297)) if brief.paper == "a4" else (Inches(8.5), Inches(11))
    for section in doc.sections:
        section.page_width, section.page_height = width, height


def _property(text: str) -> str:
    """A core property's text: XML-safe, and cut (with an ellipsis) at Word's 255 characters;
    the document itself holds the whole title, authors and keywords."""
    text = xml_text(text)
    return text if len(text) <= MAX_PROPERTY else text[: MAX_PROPERTY - 1] + "…"


def _properties(doc: Document, brief: Brief) -> None:
    """Core properties from the brief, dated by the brief (never the clock), and its language."""
    props = doc.core_properties
    props.title = _property(brief.title)
    props.author = _property("; ".join(brief.authors))
    props.subject = _property(brief.subtitle or "")
    props.keywords = _property(", ".join(brief.keywords))
    props.comments = ""
    props.category = ""
    props.identifier = brief.id
    props.language = xml_text(brief.lang)
    props.last_modified_by = ""
    props.revision = 1
    if brief.date:
        day = datetime(brief.date.year, brief.date.month or 1, brief.date.day or 1)
        props.created = props.modified = day
    printed = props._element.find(qn("cp:lastPrinted"))
    if printed is not None:
        props._element.remove(printed)
    # Spell-checking: every run is in the brief's language unless a style says otherwise,
    # and the reference's styles are made to say nothing of their own.
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    for lang in list(styles.iter(qn("w:lang"))):
        lang.getparent().remove(lang)
    lang_el = OxmlElement("w:lang")
    lang_el.set(qn("w:val"), xml_text(brief.lang))
    rpr.append(lang_el)


def _app_properties(doc: Document) -> None:
    """The extended properties say briefgen made the document, and none of the reference's
    statistics (pages, words, editing time), which would be wrong; Word counts them again."""
    package = doc.part.package
    for rel in package.rels.values():
        if rel.reltype == RELATIONSHIP_TYPE.EXTENDED_PROPERTIES and not rel.is_external:
            part = rel.target_part
            root = parse_xml(part.blob)
            ns = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
            for name in ("TotalTime", "Pages", "Words", "Characters", "Lines", "Paragraphs", "CharactersWithSpaces"):
                for stale in root.findall(f"{ns}{name}"):
                    root.remove(stale)
            application = root.find(f"{ns}Application")
            if application is None:
                application = root.makeelement(f"{ns}Application", {})
                root.insert(0, application)
            application.text = "briefgen"
            part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def drop_thumbnail(doc: Document) -> None:
    """A reference's preview picture would show the reference, not the brief."""
    package = doc.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RELATIONSHIP_TYPE.THUMBNAIL:
            package.rels.pop(rel_id)


def reproducible_zip(data: bytes) -> bytes:
    """The same package with fixed timestamps, modes and member order ([Content_Types].xml
    and the package relationships first), so equal documents are equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    first = [n for n in ("[Content_Types].xml", "_rels/.rels") if n in names]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in first + sorted(n for n in names if n not in first):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            target.writestr(info, source.read(name), compresslevel=9)
    return out.getvalue()


def render_docx(plan: BriefPlan, html: str, project: Project) -> bytes:
    """The brief as DOCX bytes: ``html`` is the brief's HTML rendered from ``plan``."""
    doc = open_reference(reference_path(project))
    drop_thumbnail(doc)
    _paper(doc, plan.brief)  # first: the text width sizes pictures and table columns
    notes = {n: xml_text(str(text)) for n, text in note_texts(plan, project).items()}
    writer = _Writer(doc, plan, notes)
    root = lxml.html.document_fromstring(xml_text(html))
    body = root.find("body")
    writer.targets_of(root)
    writer.flow(body if body is not None else root, doc, _Ctx())
    writer.furniture(plan.brief)
    _properties(doc, plan.brief)
    _app_properties(doc)
    out = io.BytesIO()
    doc.save(out)
    return reproducible_zip(out.getvalue())
