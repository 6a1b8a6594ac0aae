"""Write templates/reference.docx, the packaged reference document of DOCX builds.

It is python-docx's own default document with briefgen's house style: the body set in a
serif, headings in the PDF's dark blue, and every style a brief uses defined (footnotes,
captions, contents). A project restyles its DOCX by copying this file to its own
templates/ and changing the styles in Word or LibreOffice (as with Pandoc's reference.docx).
Run: .venv/bin/python docs/make_reference_docx.py  (tests check the committed file is what
this writes).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import docx
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from briefgen.render.docx import STYLES_USED, Styles, drop_thumbnail, reproducible_zip

INK = RGBColor(0x12, 0x36, 0x5F)


def reference() -> bytes:
    """The reference document's bytes (reproducible)."""
    doc = docx.Document()
    drop_thumbnail(doc)
    for rel_id, rel in list(doc.part.rels.items()):  # Word 2010's copy of the styles: not needed
        if rel.reltype.endswith("/stylesWithEffects"):
            doc.part.rels.pop(rel_id)
    styles = Styles(doc)
    for name in STYLES_USED:
        styles(name)
    normal = doc.styles["Normal"]
    normal.font.name = "Georgia"
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(6)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "TOC Heading"):
        style = doc.styles[name]
        style.font.name = "Georgia"
        style.font.color.rgb = INK
        fonts = style.element.rPr.rFonts  # a theme font would win over the name set above
        for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            fonts.attrib.pop(qn(f"w:{attr}"), None)
    caption = doc.styles["Caption"]
    caption.font.bold, caption.font.italic, caption.font.color.rgb = False, True, RGBColor(0x4A, 0x52, 0x5E)
    for section in doc.sections:  # A4 (a brief's `paper` sets the size; these margins stay)
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(22)
        section.top_margin = section.bottom_margin = Mm(20)
    props = doc.core_properties
    props.author = props.comments = props.title = ""
    out = io.BytesIO()
    doc.save(out)
    return reproducible_zip(out.getvalue())


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "templates" / "reference.docx"
    target.write_bytes(reference())
    print(f"wrote {target}", file=sys.stderr)
