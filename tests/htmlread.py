"""Reading built HTML back with an HTML5 parser (tinyhtml5, which WeasyPrint itself uses)."""

from __future__ import annotations

import re
from typing import Any

import tinyhtml5

NS = "{http://www.w3.org/1999/xhtml}"


def parse(html: str) -> Any:
    return tinyhtml5.parse(html)


def text_of(element: Any, skip_classes: tuple[str, ...] = ()) -> str:
    """The element's text, leaving out descendants with one of ``skip_classes``."""
    parts: list[str] = []

    def walk(el: Any) -> None:
        classes = (el.get("class") or "").split()
        if any(c in classes for c in skip_classes):
            if el.tail:
                parts.append(el.tail)
            return
        if el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
        if el.tail and el is not element:
            parts.append(el.tail)

    walk(element)
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def by_id(root: Any) -> dict[str, Any]:
    return {el.get("id"): el for el in root.iter() if el.get("id")}


def endnotes(root: Any) -> dict[int, str]:
    """Note number -> note text, from the endnote list (back-links left out)."""
    notes = {}
    for li in root.iter(f"{NS}li"):
        ident = li.get("id") or ""
        if ident.startswith("note-"):
            notes[int(ident[5:])] = text_of(li, skip_classes=("back", "backs"))
    return notes
