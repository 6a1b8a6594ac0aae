"""Reading an archive by its format, kept by the file's bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from briefgen.check.archives.model import Archive, ArchiveError
from briefgen.facts.load import MAX_FILE_BYTES

#: the file endings briefgen reads as archives, and what they are
FORMATS = {".txt": "txt", ".html": "html", ".htm": "html", ".pdf": "pdf"}


_CACHE: dict[tuple[str, str], Archive | ArchiveError] = {}


def read_archive(path: Path) -> Archive:
    """The passages of the archive at ``path``; raises ArchiveError (and OSError when the
    file cannot be opened). Kept by the file's bytes, so an unchanged archive is read once
    per process (and a PDF once per machine: its reader keeps pages in the cache folder)."""
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
