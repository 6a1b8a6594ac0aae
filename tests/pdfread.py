"""Reading a built PDF back, independently of the code that wrote it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pypdf


def squash(text: str) -> str:
    """Whitespace folded, soft hyphens at line ends joined, for comparing texts."""
    text = re.sub(r"[\u2010-]\n", "", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class PdfBack:
    path: Path
    reader: pypdf.PdfReader

    @classmethod
    def open(cls, path: Path) -> PdfBack:
        return cls(path, pypdf.PdfReader(path))

    def page_texts(self) -> list[str]:
        return [page.extract_text() or "" for page in self.reader.pages]

    def anchor_pages(self) -> dict[str, int]:
        """Named destination (an HTML id) -> 1-based page."""
        return {
            name: self.reader.get_destination_page_number(dest) + 1
            for name, dest in self.reader.named_destinations.items()
        }

    def outline_titles(self) -> list[str]:
        titles: list[str] = []

        def walk(items: list[object]) -> None:
            for item in items:
                if isinstance(item, list):
                    walk(item)
                else:
                    titles.append(item.title)  # type: ignore[attr-defined]

        walk(self.reader.outline)
        return titles

    def fonts(self) -> dict[str, bool]:
        """Font name -> embedded?"""
        found: dict[str, bool] = {}
        for page in self.reader.pages:
            resources = page.get("/Resources") or {}
            fonts = resources.get("/Font") or {}
            for ref in fonts.values():
                font = ref.get_object()
                descriptor = font.get("/FontDescriptor")
                if descriptor is None and "/DescendantFonts" in font:
                    descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
                descriptor = descriptor.get_object() if descriptor is not None else {}
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                found[str(font.get("/BaseFont"))] = embedded
        return found


def notes_missing_from_their_pages(path: Path, notes: dict[int, str]) -> list[tuple[int, int]]:
    """(page, note) for every note number called on a page whose foot lacks that note.

    Pages come from the PDF's named destinations (call-N, call-N-K at the calls; fn-N,
    fn-N-K at the printed note bodies), and the note's words must be in the page's text
    after its number; ``notes`` is note number -> text, from the HTML's endnote list.
    """
    pdf = PdfBack.open(path)
    texts = [squash(t) for t in pdf.page_texts()]
    called: dict[int, set[int]] = {}
    printed: dict[int, set[int]] = {}
    for name, page in pdf.anchor_pages().items():
        if m := re.fullmatch(r"call-(\d+)(?:-\d+)?", name):
            called.setdefault(page, set()).add(int(m[1]))
        elif m := re.fullmatch(r"fn-(\d+)(?:-\d+)?", name):
            printed.setdefault(page, set()).add(int(m[1]))
    missing = []
    for page, numbers in sorted(called.items()):
        for number in sorted(numbers):
            words = f"{number}. {squash(notes[number])[:40]}"
            if number not in printed.get(page, set()) or words not in texts[page - 1]:
                missing.append((page, number))
    return missing


def notes_printed_where_not_called(path: Path) -> list[tuple[int, int]]:
    """(page, note) for every note printed at the foot of a page that does not call it."""
    called: dict[int, set[int]] = {}
    printed: dict[int, set[int]] = {}
    for name, page in PdfBack.open(path).anchor_pages().items():
        if m := re.fullmatch(r"call-(\d+)(?:-\d+)?", name):
            called.setdefault(page, set()).add(int(m[1]))
        elif m := re.fullmatch(r"fn-(\d+)(?:-\d+)?", name):
            printed.setdefault(page, set()).add(int(m[1]))
    return sorted((page, n) for page, numbers in printed.items() for n in numbers - called.get(page, set()))
