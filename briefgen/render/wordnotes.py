"""Word footnotes: the footnotes part of a WordprocessingML package, and the marks that call it.

python-docx (1.2) reads and writes body text, tables, pictures, headers and styles, but has
no footnotes at all: no footnotes part, no ``w:footnoteReference``. So this one small
module writes them against the OOXML spec (ECMA-376 Part 1, 17.11 "Footnotes and
Endnotes"), in the shape Word itself writes:

- ``word/footnotes.xml`` (content type ``...wordprocessingml.footnotes+xml``, related to the
  document part by the ``.../relationships/footnotes`` relationship) holds the separator
  (id -1) and continuation separator (id 0) every Word document has, then one
  ``w:footnote`` per note, whose first run is ``w:footnoteRef`` (the number at the foot);
- in the body, a run with ``w:footnoteReference w:id="N"`` is the call. Word numbers the
  notes by the order of these calls, so the calls must come in the plan's order;
- a note called again gets no second footnote (Word allows one reference per note): the
  first call is bookmarked, and a later one is a ``NOTEREF`` field to that bookmark with
  its number as the field's result, the way Word's own cross-references to a footnote
  are written (``\\f``: formatted as a footnote mark; ``\\h``: a link to it).
"""

from __future__ import annotations

from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.parts.document import DocumentPart

_SEPARATORS = (
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240"'
    ' w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0"'
    ' w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
)


def bookmark_name(number: int) -> str:
    """The hidden bookmark (a leading underscore hides it in Word) around a note's first call."""
    return f"_RefNote{number}"


class Footnotes:
    """The footnotes part of one document: made empty (separators only), filled note by note."""

    def __init__(self, document: DocumentPart):
        # A reference document saved by Word has a footnotes part of its own (separators,
        # maybe notes): it is dropped, so the notes are exactly the brief's.
        for rel_id, rel in list(document.rels.items()):
            if rel.reltype == RELATIONSHIP_TYPE.FOOTNOTES:
                document.rels.pop(rel_id)
        element = parse_xml(f"<w:footnotes {nsdecls('w', 'r')}>{_SEPARATORS}</w:footnotes>")
        self.part = XmlPart(PackURI("/word/footnotes.xml"), CONTENT_TYPE.WML_FOOTNOTES, element, document.package)
        document.relate_to(self.part, RELATIONSHIP_TYPE.FOOTNOTES)
        self.numbers: list[int] = []

    def add(self, number: int, style_id: str, mark_style_id: str) -> BaseOxmlElement:
        """A new footnote ``number`` with its mark; returns its paragraph (``w:p``) for the text."""
        note = parse_xml(
            f'<w:footnote {nsdecls("w")} w:id="{number}"><w:p><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>'
            f'<w:r><w:rPr><w:rStyle w:val="{mark_style_id}"/></w:rPr><w:footnoteRef/></w:r>'
            '<w:r><w:t xml:space="preserve"> </w:t></w:r></w:p></w:footnote>'
        )
        self.part.element.append(note)
        self.numbers.append(number)
        return note.find(qn("w:p"))


def reference_run(number: int, mark_style_id: str) -> list[BaseOxmlElement]:
    """The first call of note ``number``: its reference mark, inside its bookmark."""
    name = bookmark_name(number)
    return [
        parse_xml(f'<w:bookmarkStart {nsdecls("w")} w:id="{number}" w:name="{name}"/>'),
        parse_xml(
            f'<w:r {nsdecls("w")}><w:rPr><w:rStyle w:val="{mark_style_id}"/></w:rPr>'
            f'<w:footnoteReference w:id="{number}"/></w:r>'
        ),
        parse_xml(f'<w:bookmarkEnd {nsdecls("w")} w:id="{number}"/>'),
    ]


def repeat_runs(number: int, mark_style_id: str) -> list[BaseOxmlElement]:
    """A later call of note ``number``: a NOTEREF field showing the same number."""
    w = nsdecls("w")
    return [
        parse_xml(f'<w:r {w}><w:fldChar w:fldCharType="begin"/></w:r>'),
        parse_xml(
            f'<w:r {w}><w:instrText xml:space="preserve"> NOTEREF {bookmark_name(number)} \\f \\h </w:instrText></w:r>'
        ),
        parse_xml(f'<w:r {w}><w:fldChar w:fldCharType="separate"/></w:r>'),
        parse_xml(f'<w:r {w}><w:rPr><w:rStyle w:val="{mark_style_id}"/></w:rPr><w:t>{number}</w:t></w:r>'),
        parse_xml(f'<w:r {w}><w:fldChar w:fldCharType="end"/></w:r>'),
    ]
