"""Archived sources read into located passages: what a quote is checked against.

An archive is a plain-text file (``.txt``), a saved web page (``.html``, ``.htm``) or a
PDF (``.pdf``) under ``content/archive/``. Each reader turns its format into a list of
:class:`Passage` (a locator such as ``para. 3`` or ``p. 12``, and the passage's text
under the one normalisation of :mod:`.normalise`); quotes are then found in the passages
and their locators checked against where they were found (``check/quotes.py``). The
format rules (what a paragraph is, page labels) are in docs/content-format.md.

Archives are untrusted content: every reader refuses what it cannot read with an
:class:`ArchiveError`, never a traceback, and the PDF reader runs in a child process
that is killed when it takes too long.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from briefgen.facts.load import MAX_FILE_BYTES

#: the file endings briefgen reads as archives, and what they are
FORMATS = {".txt": "txt", ".html": "html", ".htm": "html", ".pdf": "pdf"}


@dataclass(frozen=True)
class Passage:
    """One located part of an archive: a paragraph, a named part or a page."""

    #: ``para``, ``part`` (a named part: ``title``, ``standfirst``...) or ``page``
    kind: str
    #: the paragraph's number, the part's name, or the page's label
    name: str
    #: the passage's text, normalised
    text: str

    @property
    def locator(self) -> str:
        """How a claim writes this passage's locator."""
        if self.kind == "para":
            return f"para. {self.name}"
        if self.kind == "page":
            return f"p. {self.name}"
        return self.name


@dataclass
class Archive:
    """An archive's passages in reading order, and (web pages) the text of each id'ed part."""

    format: str
    passages: list[Passage]
    #: normalised text of each element of a web page that has an ``id`` (for ``#id``)
    sections: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The passages joined by one space, and where each starts in it: a quote may run
        # from one passage into the next (paras. 3-4), and is found in the joined text.
        starts, offset = [], 0
        for passage in self.passages:
            starts.append(offset)
            offset += len(passage.text) + 1
        self.starts = starts
        self.text = " ".join(p.text for p in self.passages)


class ArchiveError(Exception):
    """An archive that cannot be read: what is wrong, how to fix it, and where in the file
    (line and column, 0 when the whole file is at fault)."""

    def __init__(self, message: str, hint: str, line: int = 0, col: int = 0):
        super().__init__(message)
        self.message, self.hint, self.line, self.col = message, hint, line, col


_CACHE: dict[tuple[str, str], Archive | ArchiveError] = {}


def read_archive(path: Path) -> Archive:
    """The passages of the archive at ``path``; raises ArchiveError (and OSError when the
    file cannot be opened). Kept by the file's bytes, so an unchanged archive is read once
    per process (and a PDF or web page once per machine: see the readers)."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ArchiveError(
            f"briefgen cannot read '{path.suffix or path.name}' files as archives",
            "archive the source as .txt (UTF-8), .html (a saved web page) or .pdf",
        )
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ArchiveError(
            f"the archive is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
            "archive only the article: its text as .txt, or the pages quoted",
        )
    raw = path.read_bytes()
    key = (kind, hashlib.sha256(raw).hexdigest())
    hit = _CACHE.get(key)
    if hit is None:
        try:
            hit = _read(kind, raw)
        except ArchiveError as exc:
            hit = exc
        _CACHE[key] = hit
    if isinstance(hit, ArchiveError):
        raise hit
    return hit


def _read(kind: str, raw: bytes) -> Archive:
    # Imported here: the web and PDF readers load big libraries that a project of plain
    # text archives never needs (check stays fast).
    if kind == "txt":
        from briefgen.check.archives.plain import read_text

        return read_text(raw)
    if kind == "html":
        from briefgen.check.archives.web import read_web_page

        return read_web_page(raw)
    from briefgen.check.archives.pdf import read_pdf

    return read_pdf(raw)
