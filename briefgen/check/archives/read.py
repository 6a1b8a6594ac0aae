"""Reading an archive by its format, kept by the file's bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from briefgen.check.archives.model import Archive, ArchiveError, ArchivePartError

#: the file endings briefgen reads as archives, and what they are
FORMATS = {".txt": "txt", ".html": "html", ".htm": "html", ".pdf": "pdf"}


#: a part of a .txt archive that is not a paragraph: (its name, the block's first words)
PartSpec = tuple[str, str]

_CACHE: dict[tuple[str, str, tuple[PartSpec, ...]], Archive | ArchiveError] = {}


def read_archive(raw: bytes, suffix: str, parts: Sequence[Any] = (), digest: str | None = None) -> Archive:
    """The passages of an archive file's bytes, read by its ending (``suffix``: ``.txt``,
    ``.html``, ``.pdf``); ``parts`` (records with ``part`` and ``starts``, a source's
    ``archive_parts``) name the blocks of a ``.txt`` archive that are not paragraphs.
    Raises ArchiveError. Kept by the bytes, so an unchanged archive is read once per
    process (and a PDF once per machine: its reader keeps pages in the cache folder).
    ``digest``: the bytes' SHA-256 (hex), when the caller has it already."""
    kind = FORMATS.get(suffix.lower())
    if kind is None:
        raise ArchiveError(
            f"briefgen cannot read '{suffix or 'extension-less'}' files as archives",
            "archive the source as .txt (UTF-8), .html (a saved web page) or .pdf",
        )
    specs = tuple(
        (str(p.part), str(p.starts)) for p in parts if getattr(p, "part", None) and getattr(p, "starts", None)
    )
    if specs and kind != "txt":
        raise ArchivePartError(
            0,
            f"archive_parts name blocks of a .txt archive; this archive is {kind}",
            "remove archive_parts: a web page's and a PDF's own structure says what is what",
        )
    key = (kind, digest or hashlib.sha256(raw).hexdigest(), specs)
    hit = _CACHE.get(key)
    if hit is None:
        try:
            hit = _read(kind, raw, specs)
            hit.identity = f"{kind}\0{key[1]}\0{specs!r}"
        except ArchiveError as exc:
            hit = exc
        if not isinstance(hit, ArchiveError) or hit.lasting:
            _CACHE[key] = hit
    if isinstance(hit, ArchiveError):
        raise hit
    return hit


def _read(kind: str, raw: bytes, parts: tuple[PartSpec, ...]) -> Archive:
    # Imported here: the web and PDF readers load big libraries that a project of plain
    # text archives never needs (check stays fast).
    if kind == "txt":
        from briefgen.check.archives.plain import read_text

        return read_text(raw, parts)
    if kind == "html":
        from briefgen.check.archives.web import read_web_page

        return read_web_page(raw)
    from briefgen.check.archives.pdf import read_pdf

    return read_pdf(raw)
