"""Plain-text archives (``.txt``): UTF-8 (or UTF-16 with its byte-order mark), read as
blocks separated by blank lines.

Each block is a paragraph, numbered from 1 (``para. 1``), unless its first line is a
label in square brackets: ``[standfirst]``, ``[caption]``, ``[title]`` (any lowercase
name) makes the block a named part, located by that name; ``[skip]`` marks page
furniture (navigation, a repeated headline) that is not the article's text at all. A
copy saved from a web page keeps its text; the labels say what is what.
"""

from __future__ import annotations

import codecs
import re

from briefgen.check.archives.model import Archive, ArchiveError, Passage
from briefgen.check.archives.normalise import normalise
from briefgen.facts.load import _line_col_of_byte

_LABEL = re.compile(r"\[([a-z][a-z0-9]*(?:[ -][a-z0-9]+)*)\]")
#: the label of page furniture: dropped, never numbered or quoted
SKIP = "skip"
_BLANK = re.compile(r"\n[ \t]*\n")


def decode(raw: bytes) -> str:
    """The file's text: UTF-16 when it starts with a UTF-16 byte-order mark (Windows
    Notepad's "Unicode"), else UTF-8 (a byte-order mark allowed). Anything else is an
    ArchiveError at the first bad byte's line and column, as for YAML."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ArchiveError(
                "the file starts with a UTF-16 byte-order mark but is not UTF-16 after it",
                "save the archive again as UTF-8",
            ) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _line_col_of_byte(raw, exc.start)
        raise ArchiveError(
            f"byte 0x{raw[exc.start]:02x} is not UTF-8 (the file is in another encoding, "
            "perhaps Windows-1252 or Latin-1)",
            "save the archive as UTF-8 in your editor",
            line,
            col,
        ) from exc
    nul = text.find("\x00")
    if nul >= 0:  # valid UTF-8, but no text holds NUL: UTF-16 without its mark, or binary
        bom = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
        line, col = _line_col_of_byte(raw, bom + len(text[:nul].encode("utf-8")))
        raise ArchiveError(
            "the file holds NUL bytes: it is not text (UTF-16 without a byte-order mark, or a binary file)",
            "save the archive as UTF-8",
            line,
            col,
        )
    return text


def read_text(raw: bytes) -> Archive:
    """The passages of a plain-text archive (see the module's docstring for the rules)."""
    text = decode(raw).replace("\r\n", "\n").replace("\r", "\n")
    passages: list[Passage] = []
    number = 0
    for block in _BLANK.split(text):
        lines = block.strip("\n").split("\n")
        label = _LABEL.fullmatch(lines[0].strip())
        if label:
            if label.group(1) == SKIP:
                continue
            body = normalise(" ".join(lines[1:]))
            if body:
                passages.append(Passage("part", label.group(1), body))
            continue
        body = normalise(block)
        if body:
            number += 1
            passages.append(Passage("para", str(number), body))
    return Archive("txt", passages)
