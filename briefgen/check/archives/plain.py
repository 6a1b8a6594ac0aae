"""Plain-text archives (``.txt``): UTF-8 (or UTF-16 with its byte-order mark), read as
blocks separated by blank lines.

Each block is a paragraph, numbered from 1 (``para. 1``), unless the source's
``archive_parts`` names it: each entry ``{part: NAME, starts: WORDS}`` takes the next
block (after the one the previous entry took) whose text starts with WORDS, and makes it
the named part NAME (``title``, ``standfirst``, ``caption``...), located by that name;
``part: skip`` marks page furniture (navigation, a repeated headline) that is not the
article's text at all. The archive itself stays the source's text byte for byte (its
fingerprint is the original's); what is what is said in the source.
"""

from __future__ import annotations

import codecs
import re

from briefgen.check.archives.model import Archive, ArchiveError, ArchivePartError, Passage
from briefgen.check.archives.normalise import normalise
from briefgen.facts.load import _line_col_of_byte

#: a part's name: lowercase words (``photo caption``)
_PART_NAME = re.compile(r"[a-z][a-z0-9]*(?:[ -][a-z0-9]+)*")
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


def read_text(raw: bytes, parts: tuple[tuple[str, str], ...] = ()) -> Archive:
    """The passages of a plain-text archive (see the module's docstring for the rules)."""
    text = decode(raw).replace("\r\n", "\n").replace("\r", "\n")
    raw_blocks = _BLANK.split(text)
    blocks = [normalise(block) for block in raw_blocks]
    named = _name_blocks(blocks, parts)
    passages: list[Passage] = []
    number = 0
    for index, body in enumerate(blocks):
        if not body:
            continue
        part = named.get(index)
        if part == SKIP:
            continue
        shown = " ".join(raw_blocks[index].split())
        if part is not None:
            passages.append(Passage("part", part, body, shown))
            continue
        number += 1
        passages.append(Passage("para", str(number), body, shown))
    return Archive("txt", passages)


def _name_blocks(blocks: list[str], parts: tuple[tuple[str, str], ...]) -> dict[int, str]:
    """Which block each ``archive_parts`` entry names, in order: block index -> part name."""
    named: dict[int, str] = {}
    at = 0
    for index, (name, starts) in enumerate(parts):
        if not _PART_NAME.fullmatch(name):
            raise ArchivePartError(
                index,
                f"'{name}' is not a part name",
                "name a part in lowercase words (title, standfirst, photo caption), or skip for page furniture",
            )
        words = normalise(starts)
        found = next((i for i in range(at, len(blocks)) if blocks[i] and blocks[i].startswith(words)), None)
        if found is None:
            raise ArchivePartError(
                index,
                f"no block of the archive {'after the previous part ' if index else ''}starts with '{starts}'",
                "copy the block's first words from the archive; entries go in the archive's order",
            )
        named[found] = name
        at = found + 1
    return named
